"""Pages (every fetched body) and the crawl's bookkeeping: attachments, skipped, failures."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from output.bodies import compress_body, inflate_body
from output.database import Connection, execute, now


def content_hash(body: bytes) -> str:
    """The hash of a fetched body, as fetched (pages.content_hash: "has it changed")."""
    return hashlib.sha256(body).hexdigest()


@dataclass
class StoredPage:
    url: str
    body: bytes
    content_type: str | None
    encoding: str | None
    kind: str | None
    source_page: str | None  # the page linking to it, for attachments
    compressed: bool = False  # body as stored (output.bodies; iter_pages(compressed=True))


# Stored bodies read by one query of iter_pages: one query a page cost 0.1 ms a report
# of a reparse; a few large bodies (PDFs) are still read one or two at a time.
READ_PAGES = 50
READ_BYTES = 16 << 20


def _chunks(listed: list[tuple[str, int]]) -> Iterator[list[str]]:
    """The URLs of listed ((url, stored body's length) in order) in runs of at most
    READ_PAGES, whose bodies add up to at most READ_BYTES (or one body, if larger)."""
    urls: list[str] = []
    size = 0
    for url, length in listed:
        if urls and (len(urls) == READ_PAGES or size + length > READ_BYTES):
            yield urls
            urls, size = [], 0
        urls.append(url)
        size += length
    if urls:
        yield urls


class PagesMixin(Connection):
    def save_page(
        self,
        url: str,
        status: int,
        body: bytes,
        content_type: str | None,
        encoding: str | None,
        kind: str,
        parse_result: str | None = None,
        site: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> bool:
        """Store a fetched body; True when its content differs from the stored one.

        The validators (ETag, Last-Modified) are replaced, not merged: they must
        describe the body stored beside them, or a 304 would vouch for another body.
        """
        digest = content_hash(body)
        with self.transaction():
            stored = self.db.conn.execute(
                "SELECT content_hash, body IS NOT NULL FROM pages WHERE url = ?", [url]
            ).fetchone()
            changed = stored is None or stored[0] != digest
            # The body stored already is not compressed again (NULL keeps it, below).
            kept = not changed and stored[1]
            execute(
                self.db.conn,
                """
                INSERT INTO pages (url, status, fetched_at, content_hash, content_type, encoding,
                                   body, kind, parse_result, site, etag, last_modified)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET
                    status = excluded.status, fetched_at = excluded.fetched_at,
                    content_hash = excluded.content_hash, content_type = excluded.content_type,
                    encoding = excluded.encoding, body = COALESCE(excluded.body, pages.body),
                    kind = excluded.kind,
                    parse_result = COALESCE(excluded.parse_result, pages.parse_result),
                    site = COALESCE(excluded.site, pages.site),
                    etag = excluded.etag, last_modified = excluded.last_modified
                """,
                (
                    url,
                    status,
                    now(),
                    digest,
                    content_type,
                    encoding,
                    None if kept else compress_body(body),
                    kind,
                    parse_result,
                    site,
                    etag,
                    last_modified,
                ),
            )
            self.db.execute("DELETE FROM failures WHERE url = ?", [url])
        return changed

    def set_page_result(self, url: str, kind: str, parse_result: str) -> None:
        """What a stored page turned out to be when parsed again (crawler.reparse); a row
        that says so already is left as it is (a reparse mostly finds what it found)."""
        self.db.execute(
            "UPDATE pages SET kind = ?1, parse_result = ?2 WHERE url = ?3"
            " AND (kind IS NOT ?1 OR parse_result IS NOT ?2)",
            [kind, parse_result, url],
        )

    def touch_page(self, url: str) -> None:
        """A page fetched again and found unchanged: it is fine now, whatever failed before."""
        with self.transaction():
            self.db.execute("UPDATE pages SET fetched_at = ? WHERE url = ?", [now(), url])
            self.db.execute("DELETE FROM failures WHERE url = ?", [url])

    def page_validators(self) -> dict[str, tuple[str | None, str | None]]:
        """url -> (etag, last_modified) of the stored non-list pages that have either.

        List pages are left out on purpose: they are re-read every run.
        """
        rows = self.db.execute(
            "SELECT url, etag, last_modified FROM pages WHERE kind != 'list'"
            " AND body IS NOT NULL AND (etag IS NOT NULL OR last_modified IS NOT NULL)"
        )
        return {url: (etag, modified) for url, etag, modified in rows}

    def stored_body(self, url: str) -> tuple[bytes, str | None] | None:
        """(body, content_type) of a stored page, decompressed; None when there is none."""
        row = self.db.execute(
            "SELECT body, content_type FROM pages WHERE url = ? AND body IS NOT NULL", [url]
        ).fetchone()
        return (inflate_body(row[0]), row[1]) if row else None

    def page_unchanged(self, url: str, digest: str) -> bool:
        row = self.db.execute("SELECT content_hash FROM pages WHERE url = ?", [url]).fetchone()
        return row is not None and row[0] == digest

    def page_index(self) -> dict[str, tuple[str, str]]:
        """url -> (content_hash, kind) of every stored page, for cheap unchanged checks."""
        return {
            url: (digest, kind)
            for url, digest, kind in self.db.execute("SELECT url, content_hash, kind FROM pages")
        }

    def iter_pages(
        self, kinds: Iterable[str] | None = None, compressed: bool = False
    ) -> Iterator[StoredPage]:
        """Stored pages with their bodies decompressed, in URL order (bodies can be large).

        URLs are listed first and bodies read a few at a time (READ_PAGES, at most
        READ_BYTES of stored bodies to a query), so callers may write to the database
        while iterating. compressed: bodies as stored (zlib), for a reader that
        inflates them elsewhere (crawler.reparse: in its parse workers, output.bodies).
        """
        sql = "SELECT url, coalesce(length(body), 0) FROM pages"
        params: list[str] = []
        if kinds is not None:
            params = list(kinds)
            sql += " WHERE kind IN ({})".format(", ".join("?" * len(params)))
        listed = self.db.execute(sql + " ORDER BY url", params).fetchall()
        for urls in _chunks(listed):
            rows = self.db.execute(
                "SELECT url, body, content_type, encoding, kind,"
                " (SELECT a.page_url FROM attachments a WHERE a.attachment_url = pages.url"
                "  ORDER BY a.page_url LIMIT 1)"
                " FROM pages WHERE url IN ({})".format(", ".join("?" * len(urls))),
                urls,
            ).fetchall()
            found = {row[0]: row[1:] for row in rows}
            del rows
            for url in urls:
                row = found.pop(url, None)
                if row is None:  # gone since it was listed
                    continue
                body, content_type, encoding, kind, source_page = row
                if not body:
                    body = b""
                elif not compressed:
                    body = inflate_body(body)
                yield StoredPage(
                    url, body, content_type, encoding, kind, source_page, compressed and bool(body)
                )

    # --- bookkeeping --------------------------------------------------------------------------

    def save_attachment(self, page_url: str, attachment_url: str, status: str) -> None:
        execute(
            self.db.conn,
            """
            INSERT INTO attachments (page_url, attachment_url, status, updated_at)
            VALUES (?, ?, ?, ?)
            ON CONFLICT(page_url, attachment_url) DO UPDATE SET
                status = excluded.status, updated_at = excluded.updated_at
            """,
            [page_url, attachment_url, status, now()],
        )

    def set_attachment_status(self, attachment_url: str, status: str) -> None:
        """The outcome of fetching an attachment, for every page that links to it."""
        self.db.execute(
            "UPDATE attachments SET status = ?, updated_at = ? WHERE attachment_url = ?",
            [status, now(), attachment_url],
        )

    def attachment_index(self) -> dict[str, list[tuple[str, str]]]:
        """page_url -> [(attachment_url, status)]."""
        index: dict[str, list[tuple[str, str]]] = {}
        for page_url, url, status in self.db.execute(
            "SELECT page_url, attachment_url, status FROM attachments"
        ):
            index.setdefault(page_url, []).append((url, status))
        return index

    def save_skipped(self, url: str, title: str, reason: str, page_url: str | None) -> None:
        execute(
            self.db.conn,
            """
            INSERT INTO skipped (url, title, reason, page_url, at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET title = excluded.title, reason = excluded.reason,
                page_url = excluded.page_url, at = excluded.at
            """,
            [url, title, reason, page_url, now()],
        )

    def save_failure(self, url: str, reason: str, detail: str = "") -> None:
        execute(
            self.db.conn,
            """
            INSERT INTO failures (url, reason, detail, at) VALUES (?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET reason = excluded.reason, detail = excluded.detail,
                at = excluded.at
            """,
            [url, reason, detail, now()],
        )
