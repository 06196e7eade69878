"""The reports database (spec/db.md) and the crawl's own bookkeeping tables.

No Scrapy here: the parsers' CLI and crawler.reparse reuse this module.

Tables
  reports, report_cells, report_checks   the interface of spec/db.md (+ a few extra columns)
  pages        every fetched body, zlib-compressed, with its content hash and what it was
  attachments  files linked from report pages and what became of them
  skipped      list items that were not reports, and why
  failures     the last failure per URL (cleared when the URL is fetched fine)
  runs         one row per crawl: when, what it fetched, found and failed, how it ended
               (crawl_runs, the first schema's table, is now a view of it)
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
    (
        2,
        "http validators on pages; runs replaces crawl_runs",
        """
        ALTER TABLE pages ADD COLUMN etag TEXT;           -- for If-None-Match next run
        ALTER TABLE pages ADD COLUMN last_modified TEXT;  -- for If-Modified-Since next run
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started TEXT,
            ended TEXT,                   -- NULL while running, or when the run was killed
            sites INTEGER,
            pages_fetched INTEGER,        -- responses handed to the spider (304s included)
            pages_unchanged INTEGER,      -- of those, not parsed again (304 or same hash)
            pages_failed INTEGER,         -- failures recorded (see the failures table)
            reports_new INTEGER,
            reports_updated INTEGER,
            checks_failed INTEGER,        -- failed checks of the reports written this run
            status TEXT,                  -- running, ok, failed, interrupted
            exit_code INTEGER,            -- crawler.nightly's; NULL for a plain scrapy crawl
            detail TEXT,                  -- why a run failed, or how it finished
            stats_json TEXT               -- Scrapy's stats at the end of the run
        );
        INSERT INTO runs (id, ended, status, stats_json)
            SELECT id, finished_at, 'finished', stats_json FROM crawl_runs;
        DROP TABLE crawl_runs;
        CREATE VIEW crawl_runs AS
            SELECT id, ended AS finished_at, stats_json FROM runs WHERE ended IS NOT NULL;
        """,
    ),
    (
        5,
        "report_cells: where a value came from and how sure it is",
        """
        ALTER TABLE report_cells ADD COLUMN source TEXT NOT NULL DEFAULT 'text';  -- text | ocr
        ALTER TABLE report_cells ADD COLUMN confidence REAL;  -- OCR's, 0..1; NULL for text
        ALTER TABLE report_cells ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;  -- see warnings
        """,
    ),
]

# The columns of runs that a run's summary fills (crawler.runs.run_summary).
RUN_SUMMARY_COLUMNS = (
    "sites",
    "pages_fetched",
    "pages_unchanged",
    "pages_failed",
    "reports_new",
    "reports_updated",
    "checks_failed",
    "status",
    "detail",
)


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
        counts = {"saved": 0, "removed": 0, "new": 0, "updated": 0}
        source_pages = source_pages or {}
        with self.transaction():
            for outcome in outcomes:
                if outcome.report is None:
                    counts["removed"] += self._delete_report(report_id(outcome.url))
                    continue
                report = outcome.report
                if not report.source_page and outcome.url in source_pages:
                    report.source_page = source_pages[outcome.url]
                new = self._write_report(outcome.url, report, outcome.encoding)
                counts["saved"] += 1
                counts["new" if new else "updated"] += 1
        return counts

    def _write_report(self, url: str, report: Report, encoding: str | None) -> bool:
        """Upsert one report with its cells and checks; True when it was not stored before."""
        rid = report_id(url)
        new = self.db.execute("SELECT 1 FROM reports WHERE id = ?", [rid]).fetchone() is None
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
            "INSERT INTO report_cells (report_id, key, value, raw, source, confidence, flagged)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (rid, c.key, c.value, c.raw, c.source, c.confidence, int(c.flagged))
                for c in cells.values()
            ],
        )
        checks = {check.name: check for check in report.checks}
        self.db.conn.executemany(
            "INSERT INTO report_checks (report_id, name, ok, detail) VALUES (?, ?, ?, ?)",
            [(rid, c.name, int(bool(c.ok)), c.detail) for c in checks.values()],
        )
        return new

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
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> bool:
        """Store a fetched body; True when its content differs from the stored one.

        The validators (ETag, Last-Modified) are replaced, not merged: they must
        describe the body stored beside them, or a 304 would vouch for another body.
        """
        digest = content_hash(body)
        with self.transaction():
            changed = not self.page_unchanged(url, digest)
            self.db.execute(
                """
                INSERT INTO pages (url, status, fetched_at, content_hash, content_type, encoding,
                                   body, kind, parse_result, site, etag, last_modified)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET
                    status = excluded.status, fetched_at = excluded.fetched_at,
                    content_hash = excluded.content_hash, content_type = excluded.content_type,
                    encoding = excluded.encoding, body = excluded.body, kind = excluded.kind,
                    parse_result = COALESCE(excluded.parse_result, pages.parse_result),
                    site = COALESCE(excluded.site, pages.site),
                    etag = excluded.etag, last_modified = excluded.last_modified
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
                    etag,
                    last_modified,
                ],
            )
            self.db.execute("DELETE FROM failures WHERE url = ?", [url])
        return changed

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
        return (zlib.decompress(row[0]), row[1]) if row else None

    def report_cell_count(self, url: str) -> int | None:
        """How many cells the stored report of url has; None when no report is stored."""
        rid = report_id(url)
        if self.db.execute("SELECT 1 FROM reports WHERE id = ?", [rid]).fetchone() is None:
            return None
        query = "SELECT count(*) FROM report_cells WHERE report_id = ?"
        return self.db.execute(query, [rid]).fetchone()[0]

    def report_summary(self, url: str) -> tuple[str | None, int | None, dict] | None:
        """(organ, year, {cell key: value}) of the report stored for url, or None; what
        crawler.attachments compares an attachment with."""
        rid = report_id(url)
        row = self.db.execute("SELECT organ, year FROM reports WHERE id = ?", [rid]).fetchone()
        if row is None:
            return None
        cells = self.db.execute("SELECT key, value FROM report_cells WHERE report_id = ?", [rid])
        return row[0], row[1], dict(cells.fetchall())

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

    # --- runs ---------------------------------------------------------------------------------

    def start_run(self, sites: int) -> int:
        """A row for a run that starts now; it says "running" until finish_run."""
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (started, sites, status) VALUES (?, ?, 'running')",
                [now(), sites],
            )
        return cursor.lastrowid

    def finish_run(self, run_id: int, summary: dict, stats: dict | None = None) -> None:
        values = {column: summary.get(column) for column in RUN_SUMMARY_COLUMNS}
        values["ended"] = now()
        values["stats_json"] = _json(stats) if stats is not None else None
        assignments = ", ".join(f"{column} = ?" for column in values)
        with self.transaction():
            self.db.execute(
                f"UPDATE runs SET {assignments} WHERE id = ?", [*values.values(), run_id]
            )

    def set_run_outcome(
        self, run_id: int, status: str, exit_code: int, detail: str | None = None
    ) -> None:
        """What crawler.nightly made of a run: its final status and exit code."""
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET status = ?, exit_code = ?, detail = COALESCE(?, detail),"
                " ended = COALESCE(ended, ?) WHERE id = ?",
                [status, exit_code, detail, now(), run_id],
            )

    def interrupt_stale_runs(self) -> int:
        """Rows still "running" from runs that died (only call this holding the run lock)."""
        with self.transaction():
            return self.db.execute(
                "UPDATE runs SET status = 'interrupted', detail = COALESCE(detail, ?)"
                " WHERE status = 'running'",
                ["the process died before the run ended (killed, crashed or power lost)"],
            ).rowcount

    def run(self, run_id: int) -> dict | None:
        cursor = self.db.execute("SELECT * FROM runs WHERE id = ?", [run_id])
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def record_run(self, stats: dict) -> None:
        """A finished run known only by its stats (what crawl_runs used to hold)."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO runs (ended, status, stats_json) VALUES (?, 'finished', ?)",
                [now(), _json(stats)],
            )

    def last_run_stats(self) -> dict | None:
        row = self.db.execute(
            "SELECT stats_json FROM runs WHERE stats_json IS NOT NULL ORDER BY id DESC LIMIT 1"
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


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our literals)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
