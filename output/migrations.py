"""The schema's numbered migrations and how they are applied (docs/schema.md).

Append a migration, never edit one that has shipped. Each runs once, inside the
transaction of migrate(), which holds the write lock.
"""

from __future__ import annotations

from output.database import Connection, now
from output.identity import text_hash
from output.schema import ANALYSTS_SQL
from output.search import SEARCH_PENDING_SQL, has_pending, index_pending
from output.urls import canonical_url
from output.views import derived_up_to_date, drop_derived, ensure_derived

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
    (
        6,
        "report_urls: every address of a report; reports.text_hash (output/identity.py)",
        """
        ALTER TABLE reports ADD COLUMN text_hash TEXT;  -- output.identity.text_hash(body_text)
        UPDATE reports SET text_hash = identity_text_hash(body_text);
        CREATE INDEX reports_by_text_hash ON reports (text_hash);
        CREATE TABLE report_urls (
            url TEXT PRIMARY KEY,          -- canonical form (output.urls)
            report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            matched_by TEXT NOT NULL,      -- url (its own address) | text | cells
            first_seen TEXT,
            last_seen TEXT
        );
        CREATE INDEX report_urls_by_report ON report_urls (report_id);
        INSERT OR IGNORE INTO report_urls (url, report_id, matched_by, first_seen, last_seen)
            SELECT identity_canonical_url(url), id, 'url', parsed_at, parsed_at FROM reports;
        -- One text stored as several reports before: the one with most cells (then the
        -- earliest) stays, the others' addresses become its own.
        CREATE TEMP TABLE merged_reports AS
            SELECT r.id AS id, (
                SELECT k.id FROM reports k WHERE k.text_hash = r.text_hash
                ORDER BY (SELECT count(*) FROM report_cells c WHERE c.report_id = k.id) DESC,
                         k.parsed_at, k.id
                LIMIT 1
            ) AS keep
            FROM reports r WHERE r.text_hash IS NOT NULL;
        DELETE FROM merged_reports WHERE id = keep;
        UPDATE report_urls SET matched_by = 'text',
            report_id = (SELECT keep FROM merged_reports m WHERE m.id = report_urls.report_id)
            WHERE report_id IN (SELECT id FROM merged_reports);
        DELETE FROM reports WHERE id IN (SELECT id FROM merged_reports);
        DROP TABLE merged_reports;
        """,
    ),
    (
        7,
        "search indexed per transaction (report_search_pending); cells and checks WITHOUT"
        " ROWID, no index by cell key",
        # A report's ~200 cells went into three b-trees (rows, primary key, key index);
        # now one. A query by key alone is answered through reports and the primary key
        # (docs/schema.md).
        """
        CREATE TABLE report_cells_new (
            report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value NUMERIC,
            raw TEXT,
            source TEXT NOT NULL DEFAULT 'text',
            confidence REAL,
            flagged INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (report_id, key)
        ) WITHOUT ROWID;
        INSERT INTO report_cells_new (report_id, key, value, raw, source, confidence, flagged)
            SELECT report_id, key, value, raw, source, confidence, flagged FROM report_cells;
        DROP TABLE report_cells;
        ALTER TABLE report_cells_new RENAME TO report_cells;
        CREATE TABLE report_checks_new (
            report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            ok INTEGER NOT NULL,
            detail TEXT,
            PRIMARY KEY (report_id, name)
        ) WITHOUT ROWID;
        INSERT INTO report_checks_new (report_id, name, ok, detail)
            SELECT report_id, name, ok, detail FROM report_checks;
        DROP TABLE report_checks;
        ALTER TABLE report_checks_new RENAME TO report_checks;
        """
        + SEARCH_PENDING_SQL,
    ),
    (
        8,
        "reports.parse_digest: a digest of what a report's parse stored",
        # NULL for the reports stored before: each is written whole once more, the next
        # time it is stored, with its digest (output/reports.py).
        "ALTER TABLE reports ADD COLUMN parse_digest TEXT;",
    ),
]


def migrate(store: Connection) -> list[int]:
    """Apply pending migrations; returns the versions applied (none on a second call).

    All in one transaction that holds the write lock and reads the applied versions
    inside it: two processes opening a new database at once apply each migration
    once (the second finds them done), never half of one.
    """
    _sql_functions(store.db.conn)
    with store.transaction():
        store.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
        )
        done = {row[0] for row in store.db.execute("SELECT version FROM schema_migrations")}
        applied = []
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            if not applied:
                drop_derived(store.db.conn)  # views and triggers over tables it rebuilds
            for statement in statements(sql):
                store.db.execute(statement)
            store.db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                [version, name, now()],
            )
            applied.append(version)
    if not derived_up_to_date(store.db.conn):
        with store.transaction():
            ensure_derived(store.db.conn)  # views, search triggers, cell_keys (output.views)
    if has_pending(store.db.conn):  # left by a program that wrote reports by raw SQL
        with store.transaction():
            index_pending(store.db.conn)
    store.indexes_at_commit = True  # report_search_pending exists from here on
    return applied


def _sql_functions(conn) -> None:
    """The Python functions migrations call (migration 6 fills its columns with them)."""
    conn.create_function("identity_text_hash", 1, text_hash, deterministic=True)
    conn.create_function("identity_canonical_url", 1, canonical_url, deterministic=True)


def statements(sql: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our literals)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
