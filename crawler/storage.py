"""The reports database (spec/db.md) and the crawl's own bookkeeping tables.

No Scrapy here: the parsers' CLI and crawler.reparse reuse this module.

Tables
  reports, report_cells, report_checks   the interface of spec/db.md (+ a few extra columns)
  pages        every fetched body, zlib-compressed, with its content hash and what it was
  attachments  files linked from report pages and what became of them
  skipped      list items that were not reports, and why
  failures     the last failure per URL (cleared when the URL is fetched fine)
  crawl_runs   the stats of each crawl (pages unchanged, items skipped, ...)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from parsers.model import ParseOutcome, Report

# Numbered migrations: append, never edit one that has shipped.
MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "initial schema",
        """
        CREATE TABLE reports (
            id TEXT PRIMARY KEY,          -- report_id(url): stable across runs
            url TEXT NOT NULL UNIQUE,
            title TEXT,
            organ TEXT,
            year INTEGER,
            published TEXT,
            format TEXT,
            body_text TEXT,
            source_page TEXT,             -- for attachments: the page linking to them
            encoding TEXT,
            sections_json TEXT,
            warnings_json TEXT,
            parsed_at TEXT
        );
        CREATE TABLE report_cells (
            report_id TEXT NOT NULL REFERENCES reports(id),
            key TEXT NOT NULL,
            value NUMERIC,                -- integers stay integers, amounts stay decimal
            raw TEXT,
            PRIMARY KEY (report_id, key)
        );
        CREATE TABLE report_checks (
            report_id TEXT NOT NULL REFERENCES reports(id),
            name TEXT NOT NULL,
            ok INTEGER NOT NULL,
            detail TEXT,
            PRIMARY KEY (report_id, name)
        );
        CREATE TABLE pages (
            url TEXT PRIMARY KEY,
            status INTEGER,
            fetched_at TEXT,
            content_hash TEXT,
            content_type TEXT,
            encoding TEXT,
            body BLOB,                    -- zlib-compressed
            kind TEXT,                    -- list | report | attachment | other
            parse_result TEXT,
            site TEXT
        );
        CREATE TABLE attachments (
            page_url TEXT NOT NULL,
            attachment_url TEXT NOT NULL,
            status TEXT,
            updated_at TEXT,
            PRIMARY KEY (page_url, attachment_url)
        );
        CREATE TABLE skipped (
            url TEXT PRIMARY KEY,
            title TEXT,
            reason TEXT,
            page_url TEXT,
            at TEXT
        );
        CREATE TABLE failures (
            url TEXT PRIMARY KEY,
            reason TEXT,
            detail TEXT,
            at TEXT
        );
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            finished_at TEXT,
            stats_json TEXT               -- Scrapy's stats at the end of the run
        );
        CREATE INDEX reports_organ_year ON reports (organ, year);
        CREATE INDEX attachments_by_url ON attachments (attachment_url);
        """,
    ),
]


def report_id(url: str) -> str:
    """The reports.id of a URL: the first 16 hex digits of its SHA-1."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class StoredPage:
    url: str
    body: bytes
    content_type: str | None
    encoding: str | None
    kind: str | None
    source_page: str | None  # the page linking to it, for attachments


class ReportStore:
    def __init__(self, path: str | Path, migrate: bool = True):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: Scrapy may call pipelines from a thread-pool callback.
        self.db = Database(sqlite3.connect(self.path, timeout=30, check_same_thread=False))
        self.db.execute("PRAGMA busy_timeout = 30000")
        if self.path != ":memory:":
            self.db.enable_wal()
        if migrate:
            self.migrate()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One transaction; nested calls become savepoints of the outer one."""
        with self.db.atomic():
            yield self.db

    # --- schema -------------------------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply pending migrations; returns the versions applied (none on a second call)."""
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
        )
        done = {row[0] for row in self.db.execute("SELECT version FROM schema_migrations")}
        applied = []
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            with self.transaction():
                for statement in _statements(sql):
                    self.db.execute(statement)
                self.db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [version, name, now()],
                )
            applied.append(version)
        return applied

    # --- reports ------------------------------------------------------------------------------

    def save_outcomes(
        self, outcomes: Iterable[ParseOutcome], source_pages: dict[str, str] | None = None
    ) -> dict[str, int]:
        """Write the reports of outcomes, their cells and checks, in one transaction.

        A report is upserted by id; its cells and checks are replaced, never appended.
        An outcome without a report removes any report stored earlier for that URL:
        the database says what the latest parse says.
        """
        counts = {"saved": 0, "removed": 0}
        source_pages = source_pages or {}
        with self.transaction():
            for outcome in outcomes:
                if outcome.report is None:
                    counts["removed"] += self._delete_report(report_id(outcome.url))
                    continue
                report = outcome.report
                if not report.source_page and outcome.url in source_pages:
                    report.source_page = source_pages[outcome.url]
                self._write_report(outcome.url, report, outcome.encoding)
                counts["saved"] += 1
        return counts

    def _write_report(self, url: str, report: Report, encoding: str | None) -> None:
        rid = report_id(url)
        self.db.execute(
            """
            INSERT INTO reports (id, url, title, organ, year, published, format, body_text,
                                 source_page, encoding, sections_json, warnings_json, parsed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                url = excluded.url, title = excluded.title, organ = excluded.organ,
                year = excluded.year, published = excluded.published, format = excluded.format,
                body_text = excluded.body_text, source_page = excluded.source_page,
                encoding = excluded.encoding, sections_json = excluded.sections_json,
                warnings_json = excluded.warnings_json, parsed_at = excluded.parsed_at
            """,
            [
                rid,
                url,
                report.title,
                report.organ,
                report.year,
                report.published,
                report.format,
                report.body_text,
                report.source_page,
                report.encoding or encoding,
                json.dumps(report.sections, ensure_ascii=False),
                json.dumps(report.warnings, ensure_ascii=False),
                now(),
            ],
        )
        self.db.execute("DELETE FROM report_cells WHERE report_id = ?", [rid])
        self.db.execute("DELETE FROM report_checks WHERE report_id = ?", [rid])
        # A parser listing a key twice would break the primary key: the last one wins.
        cells = {cell.key: cell for cell in report.cells}
        self.db.conn.executemany(
            "INSERT INTO report_cells (report_id, key, value, raw) VALUES (?, ?, ?, ?)",
            [(rid, c.key, c.value, c.raw) for c in cells.values()],
        )
        checks = {check.name: check for check in report.checks}
        self.db.conn.executemany(
            "INSERT INTO report_checks (report_id, name, ok, detail) VALUES (?, ?, ?, ?)",
            [(rid, c.name, int(bool(c.ok)), c.detail) for c in checks.values()],
        )

    def _delete_report(self, rid: str) -> int:
        self.db.execute("DELETE FROM report_cells WHERE report_id = ?", [rid])
        self.db.execute("DELETE FROM report_checks WHERE report_id = ?", [rid])
        return self.db.execute("DELETE FROM reports WHERE id = ?", [rid]).rowcount

    # --- pages --------------------------------------------------------------------------------

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
    ) -> bool:
        """Store a fetched body; True when its content differs from the stored one."""
        digest = content_hash(body)
        with self.transaction():
            changed = not self.page_unchanged(url, digest)
            self.db.execute(
                """
                INSERT INTO pages (url, status, fetched_at, content_hash, content_type, encoding,
                                   body, kind, parse_result, site)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET
                    status = excluded.status, fetched_at = excluded.fetched_at,
                    content_hash = excluded.content_hash, content_type = excluded.content_type,
                    encoding = excluded.encoding, body = excluded.body, kind = excluded.kind,
                    parse_result = COALESCE(excluded.parse_result, pages.parse_result),
                    site = COALESCE(excluded.site, pages.site)
                """,
                [
                    url,
                    status,
                    now(),
                    digest,
                    content_type,
                    encoding,
                    zlib.compress(body, 6),
                    kind,
                    parse_result,
                    site,
                ],
            )
            self.db.execute("DELETE FROM failures WHERE url = ?", [url])
        return changed

    def page_unchanged(self, url: str, digest: str) -> bool:
        row = self.db.execute("SELECT content_hash FROM pages WHERE url = ?", [url]).fetchone()
        return row is not None and row[0] == digest

    def page_index(self) -> dict[str, tuple[str, str]]:
        """url -> (content_hash, kind) of every stored page, for cheap unchanged checks."""
        return {
            url: (digest, kind)
            for url, digest, kind in self.db.execute("SELECT url, content_hash, kind FROM pages")
        }

    def iter_pages(self, kinds: Iterable[str] | None = None) -> Iterator[StoredPage]:
        """Stored pages with their bodies decompressed, one at a time (bodies can be large).

        URLs are listed first and bodies read one by one, so callers may write to the
        database while iterating.
        """
        sql = "SELECT url FROM pages"
        params: list[str] = []
        if kinds is not None:
            params = list(kinds)
            sql += " WHERE kind IN ({})".format(", ".join("?" * len(params)))
        urls = [row[0] for row in self.db.execute(sql + " ORDER BY url", params).fetchall()]
        for url in urls:
            row = self.db.execute(
                "SELECT body, content_type, encoding, kind,"
                " (SELECT a.page_url FROM attachments a WHERE a.attachment_url = pages.url"
                "  ORDER BY a.page_url LIMIT 1)"
                " FROM pages WHERE url = ?",
                [url],
            ).fetchone()
            if row is None:
                continue
            body, content_type, encoding, kind, source_page = row
            yield StoredPage(
                url,
                zlib.decompress(body) if body else b"",
                content_type,
                encoding,
                kind,
                source_page,
            )

    # --- bookkeeping --------------------------------------------------------------------------

    def save_attachment(self, page_url: str, attachment_url: str, status: str) -> None:
        self.db.execute(
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
        self.db.execute(
            """
            INSERT INTO skipped (url, title, reason, page_url, at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET title = excluded.title, reason = excluded.reason,
                page_url = excluded.page_url, at = excluded.at
            """,
            [url, title, reason, page_url, now()],
        )

    def save_failure(self, url: str, reason: str, detail: str = "") -> None:
        self.db.execute(
            """
            INSERT INTO failures (url, reason, detail, at) VALUES (?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET reason = excluded.reason, detail = excluded.detail,
                at = excluded.at
            """,
            [url, reason, detail, now()],
        )

    def record_run(self, stats: dict) -> None:
        self.db.execute(
            "INSERT INTO crawl_runs (finished_at, stats_json) VALUES (?, ?)",
            [now(), json.dumps(stats, ensure_ascii=False, default=str, sort_keys=True)],
        )

    def last_run_stats(self) -> dict | None:
        row = self.db.execute(
            "SELECT stats_json FROM crawl_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return json.loads(row[0]) if row else None

    def counts(self) -> dict[str, int]:
        tables = [
            "reports",
            "report_cells",
            "report_checks",
            "pages",
            "attachments",
            "skipped",
            "failures",
        ]
        return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our literals)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
