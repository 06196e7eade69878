"""The crawl's writer indexes reports for search once SEARCH_INDEX_AT_LEAST are noted,
not at every batch's COMMIT: reports noted and not yet indexed are committed and found by
search, and nothing stays unindexed once the writer ends or the store is opened again."""

from __future__ import annotations

import sqlite3

from crawler.items import OutcomeItem, PageItem
from crawler.store_process import SEARCH_INDEX_AT_LEAST, StoreProcess, pack
from demo.faultserver import report_page
from output.search import search_ids
from output.store import ReportStore
from parsers import parse_document

BASE = "http://127.0.0.1:9/r"


def organ(name: str) -> str:
    return f"示范县{name}局"


def outcome(name: str):
    url = f"{BASE}/{name}.html"
    return parse_document(report_page(organ(name)), url, "text/html", None)


def noted_and_indexed(path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        noted = conn.execute("SELECT count(*) FROM report_search_pending").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM reports_fts").fetchone()[0]
        return noted, indexed
    finally:
        conn.close()


def test_reports_noted_for_search_are_found_before_they_are_indexed(tmp_path):
    path = tmp_path / "r.db"
    store = ReportStore(path)
    store.index_at_least = 3
    for name in ("a", "b"):
        store.save_outcomes([outcome(name)])  # a transaction each, committed
    assert noted_and_indexed(path) == (2, 0)
    assert len(search_ids(store.db.conn, organ("a"))) == 1
    assert len(search_ids(store.db.conn, "示范县")) == 2
    store.save_outcomes([outcome("c")])
    assert noted_and_indexed(path) == (0, 3)
    assert len(search_ids(store.db.conn, "示范县")) == 3
    store.db.execute("INSERT INTO reports_fts (reports_fts) VALUES ('integrity-check')")


def test_reports_a_killed_writer_left_noted_are_indexed_by_the_next_open(tmp_path):
    path = tmp_path / "r.db"
    store = ReportStore(path)
    store.index_at_least = 10
    store.save_outcomes([outcome("a"), outcome("b")])
    store.close()  # as a writer killed after its COMMIT: the notes are committed
    assert noted_and_indexed(path) == (2, 0)
    ReportStore(path).close()
    assert noted_and_indexed(path) == (0, 2)


def test_the_crawl_writer_puts_off_indexing_and_indexes_all_when_it_ends(tmp_path):
    path = tmp_path / "r.db"
    ReportStore(path).close()  # migrated, as the crawl's store does first
    names = ["a", "b", "c"]
    assert len(names) < SEARCH_INDEX_AT_LEAST
    writer = StoreProcess(str(path))
    try:
        for name in names:  # a batch each: a COMMIT each
            url = f"{BASE}/{name}.html"
            page = PageItem(url, 200, url.encode(), "text/html", "utf-8", "report")
            written = writer.write(pack([page, OutcomeItem(outcome(name))]), set())
            assert written["new"] == 1
        assert noted_and_indexed(path) == (3, 0)
    finally:
        writer.close()
    assert noted_and_indexed(path) == (0, 3)
    conn = sqlite3.connect(path)
    assert len(search_ids(conn, "示范县")) == 3
    conn.close()
