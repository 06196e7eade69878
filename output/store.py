"""The reports database (docs/schema.md) and the crawl's own bookkeeping tables.

No Scrapy here: the parsers' CLI and crawler.reparse reuse this module.

Tables
  reports, report_cells, report_checks   the interface of docs/schema.md (+ a few extra columns)
  pages        every fetched body, zlib-compressed, with its content hash and what it was
  attachments  files linked from report pages and what became of them
  skipped      list items that were not reports, and why
  failures     the last failure per URL (cleared when the URL is fetched fine)
  runs         one row per crawl: when, what it fetched, found and failed, how it ended
               (crawl_runs, the first schema's table, is now a view of it)

For analysts (migration 4, output/schema.py; docs/analysts.md): cell_keys, the views
t2_rows, t3_rows, t4_rows, report_overview and t3_totals (output/views.py, rebuilt on
open when they differ from the code) and trigram search (output/search.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from output.schema import ANALYSTS_SQL
from output.urls import canonical_url
from output.views import derived_up_to_date, drop_derived, ensure_derived
from parsers.model import ParseOutcome, Report
from parsers.normalize import encodable

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
    (4, "cells and checks cascade with their report; cell_keys; trigram search", ANALYSTS_SQL),
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
    """The reports.id of a URL: the first 16 hex digits of the SHA-1 of its canonical
    form (output.urls: a fresh ?sid= or timestamp does not make another report)."""
    return hashlib.sha1(encodable(canonical_url(url)).encode("utf-8")).hexdigest()[:16]


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
        # isolation_level=None: no implicit transactions; every write transaction is
        # opened by transaction() with BEGIN IMMEDIATE (one writer, waited for).
        connection = sqlite3.connect(
            self.path, timeout=30, check_same_thread=False, isolation_level=None
        )
        self.db = Database(connection)
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.execute("PRAGMA foreign_keys = ON")  # cells and checks go with their report
        if self.path != ":memory:":
            _retry_locked(self.db.enable_wal)
        if migrate:
            self.migrate()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction, BEGIN IMMEDIATE: the write lock is taken up front (and
        waited for, then retried), so that a transaction never fails half-way because
        another process wrote first. Nested calls become savepoints of the outer one."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        _retry_locked(conn.execute, "BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            _retry_locked(conn.execute, "COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # --- schema -------------------------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply pending migrations; returns the versions applied (none on a second call).

        All in one transaction that holds the write lock and reads the applied versions
        inside it: two processes opening a new database at once apply each migration
        once (the second finds them done), never half of one.
        """
        with self.transaction():
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
            )
            done = {row[0] for row in self.db.execute("SELECT version FROM schema_migrations")}
            applied = []
            for version, name, sql in MIGRATIONS:
                if version in done:
                    continue
                if not applied:
                    drop_derived(self.db.conn)  # views and triggers over tables it rebuilds
                for statement in _statements(sql):
                    self.db.execute(statement)
                self.db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [version, name, now()],
                )
                applied.append(version)
        if not derived_up_to_date(self.db.conn):
            with self.transaction():
                ensure_derived(self.db.conn)  # views, search triggers, cell_keys (output.views)
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
        # A parser listing a key twice would break the primary key: the last one wins.
        cells = {cell.key: cell for cell in report.cells}
        values = {key: _storable(key, cell, report.warnings) for key, cell in cells.items()}
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
            _clean(
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
                ]
            ),
        )
        self.db.execute("DELETE FROM report_cells WHERE report_id = ?", [rid])
        self.db.execute("DELETE FROM report_checks WHERE report_id = ?", [rid])
        self.db.conn.executemany(
            "INSERT INTO report_cells (report_id, key, value, raw, source, confidence, flagged)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            _clean_rows(
                [
                    [rid, c.key, values[c.key], c.raw, c.source, c.confidence, int(c.flagged)]
                    for c in cells.values()
                ]
            ),
        )
        checks = {check.name: check for check in report.checks}
        self.db.conn.executemany(
            "INSERT INTO report_checks (report_id, name, ok, detail) VALUES (?, ?, ?, ?)",
            _clean_rows([[rid, c.name, int(bool(c.ok)), c.detail] for c in checks.values()]),
        )
        return new

    def _delete_report(self, rid: str) -> int:
        # Its cells and checks go with it (ON DELETE CASCADE), its search entry by trigger.
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
                _clean(
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
                    ]
                ),
            )
            self.db.execute("DELETE FROM failures WHERE url = ?", [url])
        return changed

    def set_page_result(self, url: str, kind: str, parse_result: str) -> None:
        """What a stored page turned out to be when parsed again (crawler.reparse)."""
        self.db.execute(
            "UPDATE pages SET kind = ?, parse_result = ? WHERE url = ?", [kind, parse_result, url]
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
            _clean([page_url, attachment_url, status, now()]),
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
            _clean([url, title, reason, page_url, now()]),
        )

    def save_failure(self, url: str, reason: str, detail: str = "") -> None:
        self.db.execute(
            """
            INSERT INTO failures (url, reason, detail, at) VALUES (?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET reason = excluded.reason, detail = excluded.detail,
                at = excluded.at
            """,
            _clean([url, reason, detail, now()]),
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


class DatabaseError(Exception):
    """A database path that cannot be used; str() is the one line to show the user.

    Entry points print it and exit with EXIT_BAD_DATABASE; the file is left untouched.
    """


EXIT_BAD_DATABASE = 2  # the exit status of every entry point given an unusable database
_SQLITE_MAGIC = b"SQLite format 3\x00"


def open_store(path: str | Path, *, create: bool = True, migrate: bool = True) -> ReportStore:
    """Open the reports database at path for every entry point, or raise DatabaseError.

    Everything is checked before the file is opened for writing, so a path that is
    refused is never modified (no WAL switch, no migration, no new file): a path that
    is a directory or lies under a regular file, a file that is not SQLite or is cut
    short, a read-only file or directory, an SQLite file holding other tables than
    ours, one written by a newer version, and, with create=False, a missing file.
    """
    if str(path) == ":memory:":
        return ReportStore(":memory:", migrate=migrate)
    file = Path(path)
    if file.exists():
        _check_existing(file)
    else:
        _check_creatable(file, create)
    try:
        return ReportStore(file, migrate=migrate)
    except OSError as error:
        raise DatabaseError(f"{file}: cannot create: {error.strerror or error}") from error
    except sqlite3.Error as error:
        raise DatabaseError(f"{file}: cannot open the database: {error}") from error


def _check_creatable(file: Path, create: bool) -> None:
    if not create:
        raise DatabaseError(f"{file}: no such database")
    parent = next(p for p in file.absolute().parents if p.exists())
    if not parent.is_dir():
        raise DatabaseError(f"{file}: cannot create: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatabaseError(f"{file}: cannot create: directory {parent} is not writable")


def _check_existing(file: Path) -> None:
    if file.is_dir():
        raise DatabaseError(f"{file}: is a directory, not a database")
    try:
        with file.open("rb") as handle:
            header = handle.read(100)
        size = file.stat().st_size
    except OSError as error:
        raise DatabaseError(f"{file}: cannot read: {error.strerror or error}") from error
    writable = os.access(file, os.W_OK) and file.stat().st_mode & 0o222
    if not writable:  # the mode bits count even for root: the owner made it read-only
        raise DatabaseError(f"{file}: the file is read-only")
    if not os.access(file.parent, os.W_OK | os.X_OK):
        raise DatabaseError(f"{file}: its directory is not writable (SQLite needs it)")
    if size == 0:
        return  # an empty file is an empty database: ours to set up
    if not header.startswith(_SQLITE_MAGIC):
        raise DatabaseError(f"{file}: not an SQLite database")
    if len(header) < 100:
        raise DatabaseError(f"{file}: truncated SQLite database ({size} bytes)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages and header[24:28] == header[92:96] and size < pages * page_size:
        raise DatabaseError(
            f"{file}: truncated SQLite database ({size} bytes of {pages * page_size})"
        )
    tables, versions = _read_schema(file)
    if tables and not {"schema_migrations", "reports"} <= tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise DatabaseError(f"{file}: an SQLite database, but not a reports database ({shown})")
    newest = max(version for version, _, _ in MIGRATIONS)
    if versions and max(versions) > newest:
        raise DatabaseError(
            f"{file}: written by a newer version (schema {max(versions)}, this one knows {newest})"
        )


def _read_schema(file: Path) -> tuple[set[str], list[int]]:
    """The table names and applied migrations of an SQLite file, read-only.

    Without a -wal file beside it the file holds everything and is read as immutable,
    which creates no -wal or -shm file; with one, a writer may be at work: read through it.
    """
    mode = "mode=ro" if Path(f"{file}-wal").exists() else "immutable=1"
    uri = f"file:{quote(str(file.absolute()))}?{mode}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            tables = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            versions = []
            if "schema_migrations" in tables:
                versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise DatabaseError(f"{file}: damaged or not an SQLite database ({error})") from error
    return tables, versions


SQLITE_INTEGERS = range(-(2**63), 2**63)


def _storable(key: str, cell, warnings: list[str]):
    """A cell's value as SQLite can hold it: an integer beyond 64 bits or a number that
    is not finite becomes NULL, with a warning on the report (its raw text is kept)."""
    value = cell.value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and value not in SQLITE_INTEGERS:
        warnings.append(f"{key}: {cell.raw[:40]!r} is out of range; stored as NULL")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        warnings.append(f"{key}: {cell.raw[:40]!r} is not a finite number; stored as NULL")
        return None
    return value


def _clean(values: list) -> list:
    """Parameters with every text made encodable (lone surrogates replaced)."""
    return [encodable(v) if isinstance(v, str) else v for v in values]


def _clean_rows(rows: list[list]) -> list[list]:
    """_clean of every row; one look at all their texts first (a report's 200 cells
    rarely hold a surrogate, and a call per value cost more than writing them)."""
    texts = "\0".join(v for row in rows for v in row if isinstance(v, str))
    if encodable(texts) is texts:
        return rows
    return [_clean(row) for row in rows]


LOCK_RETRIES = 20  # on top of busy_timeout's 30 s wait each: ten minutes and more in all


def _retry_locked(function, *args):
    """function(*args), tried again while SQLite says the database is locked or busy.

    busy_timeout already waits for the lock; this covers what it does not (a WAL
    checkpoint or a journal-mode change holding the file), so that another process
    writing never turns into a lost write here.
    """
    for attempt in range(LOCK_RETRIES):
        try:
            return function(*args)
        except sqlite3.OperationalError as error:
            message = str(error).lower()
            if ("locked" not in message and "busy" not in message) or attempt + 1 == LOCK_RETRIES:
                raise
            time.sleep(min(0.05 * 2**attempt, 2.0))
    return None


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our literals)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
