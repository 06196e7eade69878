"""Full-text search over reports that works for Chinese.

SQLite's default tokenizer sees a run of Chinese characters as one word, so it finds
复议 only where 复议 stands alone. The FTS5 trigram tokenizer indexes every run of
three characters and answers any substring of three or more characters from the index;
it cannot answer shorter terms. So:

  * a term of 3+ characters is looked up in ``reports_fts`` (trigram, case-sensitive,
    the whole term quoted as one phrase, so FTS syntax in it - quotes, AND, *, -,
    parentheses - is just text and never raises);
  * a term of 1-2 characters is found by scanning title, organ and text (``instr``).

Both give the same answer as Python's ``term in text``: exactly the reports whose
title, organ or text holds the term. The query lives once, as the ``search`` canned
query of output/metadata.yaml; `search()` runs that same SQL.

``reports_fts`` is contentless (the text is in ``reports`` already; a copy would cost a
third more space) and its rows are tied to reports through ``report_search_ids`` (an
INTEGER PRIMARY KEY per report id): rowids of ``reports`` itself (a TEXT primary key)
may change on VACUUM, these do not. Triggers on ``reports`` keep the index in step with
every write, whoever makes it. Measured on the demo reports (4,600 characters of text
on average): about 24 KB of index and 13 ms of indexing per report.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path

import yaml

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

_FTS_ROWID = "(SELECT fts_rowid FROM report_search_ids WHERE report_id = {}.id)"
_INDEX_NEW = f"""
    INSERT OR IGNORE INTO report_search_ids (report_id) VALUES (new.id);
    INSERT INTO reports_fts (rowid, title, organ, body_text)
        VALUES ({_FTS_ROWID.format("new")}, new.title, new.organ, new.body_text);"""
# A contentless index forgets a row by being told what it indexed: the old values.
_UNINDEX_OLD = """
    INSERT INTO reports_fts (reports_fts, rowid, title, organ, body_text)
        SELECT 'delete', fts_rowid, old.title, old.organ, old.body_text
        FROM report_search_ids WHERE report_id = old.id;
    DELETE FROM report_search_ids WHERE report_id = old.id;"""

SEARCH_TRIGGERS = {
    "reports_search_insert": f"""CREATE TRIGGER reports_search_insert AFTER INSERT ON reports
BEGIN{_INDEX_NEW}
END""",
    "reports_search_update": f"""CREATE TRIGGER reports_search_update
AFTER UPDATE OF id, title, organ, body_text ON reports
WHEN old.id IS NOT new.id OR old.title IS NOT new.title OR old.organ IS NOT new.organ
    OR old.body_text IS NOT new.body_text
BEGIN{_UNINDEX_OLD}{_INDEX_NEW}
END""",
    "reports_search_delete": f"""CREATE TRIGGER reports_search_delete AFTER DELETE ON reports
BEGIN{_UNINDEX_OLD}
END""",
}


def reindex_search(conn) -> None:
    """Rebuild reports_fts from reports (inside the caller's transaction)."""
    conn.execute("INSERT INTO reports_fts (reports_fts) VALUES ('delete-all')")
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
