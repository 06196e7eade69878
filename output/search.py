"""Full-text search over reports that works for Chinese.

SQLite's default tokenizer sees a run of Chinese characters as one word, so it finds
复议 only where 复议 stands alone. The FTS5 trigram tokenizer indexes every run of
three characters and answers any substring of three or more characters from the index;
it cannot answer shorter terms. So:

  * a term of 3+ characters is looked up in ``reports_fts`` (trigram, case-sensitive,
    detail=none since migration 7: every trigram of the term, each quoted, so FTS
    syntax in it - quotes, AND, *, -, parentheses - is just text and never raises),
    which gives the reports holding all of them; ``instr`` keeps those that hold the
    term itself;
  * a term of 1-2 characters is found by scanning title, organ and text (``instr``).

Both give the same answer as Python's ``term in text``: exactly the reports whose
title, organ or text holds the term. The query lives once, as the ``search`` canned
query of output/metadata.yaml; `search()` runs that same SQL.

``reports_fts`` is contentless (the text is in ``reports`` already; a copy would cost a
third more space) and its rows are tied to reports through ``report_search_ids`` (an
INTEGER PRIMARY KEY per report id): rowids of ``reports`` itself (a TEXT primary key)
may change on VACUUM, these do not.

Triggers on ``reports`` keep the index in step with every write, whoever makes it, per
transaction rather than per row (migration 7): FTS5 flushes its pending terms at the end
of every statement, so a trigger indexing each report made a segment per report and
merges after (5.5 ms a report, against 1.1 ms when a batch is indexed by one statement).
So a new or changed report is only noted in ``report_search_pending``, and the one
transaction helper (output.database) runs ``index_pending`` before its COMMIT. A report
that was indexed leaves the index at once, when it is updated or deleted (only then are
its old values known). Search never lies in between: the ``search`` query also scans the
pending reports with ``instr`` (a program writing by raw SQL that never indexes them is
answered right, only slower), and opening the store indexes what such a writer left.
A killed writer's transaction, notes included, is rolled back; the crawl's writer
process (crawler.store_process) and crawler.reparse index once SEARCH_INDEX_AT_LEAST
reports are noted, so that their committed batches may leave notes, indexed by the next
writer or the next open.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path

METADATA = Path(__file__).with_name("metadata.yaml")

# Migration 4 creates these (see output/store.py); ensure_derived creates the triggers.
SEARCH_TABLES_SQL = """
CREATE TABLE report_search_ids (
    fts_rowid INTEGER PRIMARY KEY,    -- the reports_fts rowid of a report
    report_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE reports_fts USING fts5(
    title, organ, body_text, content = '', tokenize = 'trigram case_sensitive 1'
);
"""

# Migration 7: reports written but not yet in reports_fts (see the module docstring).
# Migration 7 rebuilds reports_fts with detail=none: it keeps which reports hold each
# trigram, not where, so a term is looked up as all of its trigrams (a superset) and the
# search query checks each candidate with instr. Indexing took 1.8 ms a report instead
# of 3.1 (measured on the demo reports), and the index is a fraction of the size.
# automerge 8 (FTS5's default is 4): segments are merged in bigger, rarer steps (2.6 ms a
# report instead of 3.3 with detail=full).
SEARCH_PENDING_SQL = """
CREATE TABLE report_search_pending (
    report_id TEXT PRIMARY KEY        -- a report whose current values are not indexed yet
) WITHOUT ROWID;
DROP TABLE reports_fts;
CREATE VIRTUAL TABLE reports_fts USING fts5(
    title, organ, body_text, content = '', detail = none,
    tokenize = 'trigram case_sensitive 1'
);
INSERT INTO reports_fts (reports_fts, rank) VALUES ('automerge', 8);
DELETE FROM report_search_ids;
INSERT INTO report_search_pending (report_id) SELECT id FROM reports;
"""

# A report is in exactly one of report_search_ids (indexed, with its current values) and
# report_search_pending (not indexed): the triggers only note a new or changed report,
# and index_pending() indexes every noted one in one statement before the COMMIT.
_NOTE_NEW = """
    INSERT OR IGNORE INTO report_search_pending (report_id) VALUES (new.id);"""
# A contentless index forgets a row by being told what it indexed: the old values, known
# only here, so an indexed report leaves the index at once.
_UNINDEX_OLD = """
    INSERT INTO reports_fts (reports_fts, rowid, title, organ, body_text)
        SELECT 'delete', fts_rowid, old.title, old.organ, old.body_text
        FROM report_search_ids WHERE report_id = old.id;
    DELETE FROM report_search_ids WHERE report_id = old.id;
    DELETE FROM report_search_pending WHERE report_id = old.id;"""

SEARCH_TRIGGERS = {
    "reports_search_insert": f"""CREATE TRIGGER reports_search_insert AFTER INSERT ON reports
BEGIN{_NOTE_NEW}
END""",
    "reports_search_update": f"""CREATE TRIGGER reports_search_update
AFTER UPDATE OF id, title, organ, body_text ON reports
WHEN old.id IS NOT new.id OR old.title IS NOT new.title OR old.organ IS NOT new.organ
    OR old.body_text IS NOT new.body_text
BEGIN{_UNINDEX_OLD}{_NOTE_NEW}
END""",
    "reports_search_delete": f"""CREATE TRIGGER reports_search_delete AFTER DELETE ON reports
BEGIN{_UNINDEX_OLD}
END""",
}


# The writers of many reports (the crawl's writer process, crawler.reparse) index for
# search once this many are noted, not at every COMMIT (~25 or 50 reports): FTS5 costs
# ~1.9 M instructions a report less (2,000 reports, docs/speed-log.md, s24-writer). Each
# transaction still commits whole, its reports noted for search: search answers them
# meanwhile, and a writer killed leaves them noted for the next writer's COMMIT or the
# next open of the store (migrations) to index.
SEARCH_INDEX_AT_LEAST = 200


def has_pending(conn) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM report_search_pending)").fetchone()[0] == 1


def index_pending(conn, at_least: int = 1) -> int:
    """Index the noted reports in one INSERT ... SELECT (inside the caller's transaction):
    one FTS5 segment per batch instead of a flush per report. Returns how many.

    at_least: nothing is indexed while fewer reports are noted (the crawl's writer: a
    segment of 200 reports costs FTS5 a third less a report than 25 in each, with its
    merges); the noted ones are answered by search meanwhile, and committed."""
    if at_least > 1:
        noted = conn.execute("SELECT count(*) FROM report_search_pending").fetchone()[0]
        if noted < at_least:
            return 0
    elif not has_pending(conn):
        return 0
    # CROSS JOIN fixes the order: from the few pending reports to their rows. Left to
    # itself (no ANALYZE statistics) SQLite scanned every stored report at each COMMIT,
    # so a crawl slowed down as its database grew (3.6 ms a report to index with 500
    # reports stored, 1.0 ms now at any size; tests/test_store_writes_each_thing_once.py).
    conn.execute(
        "INSERT OR IGNORE INTO report_search_ids (report_id)"
        " SELECT p.report_id FROM report_search_pending p"
        " CROSS JOIN reports r ON r.id = p.report_id"
    )
    indexed = conn.execute(
        "INSERT INTO reports_fts (rowid, title, organ, body_text)"
        " SELECT s.fts_rowid, r.title, r.organ, r.body_text FROM report_search_pending p"
        " CROSS JOIN reports r ON r.id = p.report_id"
        " CROSS JOIN report_search_ids s ON s.report_id = r.id"
    ).rowcount
    conn.execute("DELETE FROM report_search_pending")
    return indexed


def reindex_search(conn) -> None:
    """Rebuild reports_fts from reports (inside the caller's transaction)."""
    conn.execute("INSERT INTO reports_fts (reports_fts) VALUES ('delete-all')")
    conn.execute("DELETE FROM report_search_pending")
    conn.execute("DELETE FROM report_search_ids WHERE report_id NOT IN (SELECT id FROM reports)")
    conn.execute(
        "INSERT OR IGNORE INTO report_search_ids (report_id) SELECT id FROM reports ORDER BY id"
    )
    conn.execute(
        "INSERT INTO reports_fts (rowid, title, organ, body_text)"
        " SELECT s.fts_rowid, r.title, r.organ, r.body_text"
        " FROM report_search_ids s JOIN reports r ON r.id = s.report_id"
    )


@cache
def canned_queries() -> dict[str, dict]:
    """The canned queries of output/metadata.yaml (the one copy of their SQL)."""
    # Imported here: only searching reads them, and the crawl's writer process, which
    # imports this module for the index, would pay yaml's import (~23 ms CPU) at start.
    import yaml

    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    return metadata["databases"]["*"]["queries"]


def search_sql() -> str:
    return canned_queries()["search"]["sql"]


def search(conn: sqlite3.Connection, term: str) -> list[dict]:
    """Reports whose title, organ or text holds term: id, organ, year, title, url, snippet."""
    cursor = conn.execute(search_sql(), {"q": term})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def search_ids(conn: sqlite3.Connection, term: str) -> set[str]:
    return {row["id"] for row in search(conn, term)}
