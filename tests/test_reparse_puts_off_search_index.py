"""crawler.reparse indexes reports for search once SEARCH_INDEX_AT_LEAST are noted, not at
every batch's COMMIT (as the crawl's writer does): what it committed is found by search
before it is indexed, every report is indexed when it ends, and what a reparse killed
before its end left noted is indexed by the next open of the store."""

from __future__ import annotations

import pytest

import output.database
from crawler import reparse as reparse_module
from crawler.reparse import reparse
from demo.faultserver import report_page
from output.search import SEARCH_INDEX_AT_LEAST, search_ids
from output.store import ReportStore
from tests.test_search_index_put_off import noted_and_indexed

NAMES = ["a", "b", "c", "d"]


def stored_pages(path) -> ReportStore:
    store = ReportStore(path)
    for name in NAMES:
        url = f"http://127.0.0.1:9/r/{name}.html"
        body = report_page(f"示范县{name}局")
        store.save_page(url, 200, body, "text/html", "utf-8", "report")
    return store


@pytest.fixture
def a_page_a_transaction(monkeypatch):
    """Each page stored in a transaction of its own, and every indexing recorded (how
    many reports it indexed)."""
    monkeypatch.setattr(reparse_module, "BATCH", 1)
    indexings: list[int] = []
    index_pending = output.database.index_pending

    def recorded(conn, at_least=1):
        indexed = index_pending(conn, at_least)
        if indexed:
            indexings.append(indexed)
        return indexed

    monkeypatch.setattr(output.database, "index_pending", recorded)
    return indexings


def indexing_failing():
    """A store's indexing for search failing (a full or broken disk)."""
    raise output.database.sqlite3.OperationalError("disk I/O error")


@pytest.fixture
def stopped_at_c(monkeypatch):
    """A reparse of one page a transaction that fails at page c (after a and b)."""
    monkeypatch.setattr(reparse_module, "BATCH", 1)
    handled = reparse_module._reparse_page

    def failing_at_the_third(store, page, *rest):
        if page.url.endswith("/c.html"):
            raise RuntimeError("stopped")
        return handled(store, page, *rest)

    monkeypatch.setattr(reparse_module, "_reparse_page", failing_at_the_third)


def test_a_reparse_indexes_its_reports_for_search_once_at_its_end(tmp_path, a_page_a_transaction):
    assert len(NAMES) < SEARCH_INDEX_AT_LEAST
    path = tmp_path / "r.db"
    store = stored_pages(path)
    try:
        assert reparse(store)["reports"] == len(NAMES)
        assert a_page_a_transaction == [len(NAMES)]  # one indexing, not one a COMMIT
        assert store.index_at_least == 1  # the store's own setting given back
        assert noted_and_indexed(path) == (0, len(NAMES))
        assert len(search_ids(store.db.conn, "示范县")) == len(NAMES)
        store.db.execute("INSERT INTO reports_fts (reports_fts) VALUES ('integrity-check')")
    finally:
        store.close()


def test_reports_a_killed_reparse_committed_are_found_then_indexed_by_the_next_open(
    tmp_path, a_page_a_transaction, monkeypatch
):
    path = tmp_path / "r.db"
    store = stored_pages(path)
    # Killed after its last COMMIT, before its end: the indexing at the end never runs.
    monkeypatch.setattr(store, "index_search", lambda: None)
    try:
        reparse(store)
        assert a_page_a_transaction == []
        assert noted_and_indexed(path) == (len(NAMES), 0)  # committed, noted
        assert len(search_ids(store.db.conn, "示范县a局")) == 1
        assert len(search_ids(store.db.conn, "示范县")) == len(NAMES)
    finally:
        store.close()
    ReportStore(path).close()
    assert noted_and_indexed(path) == (0, len(NAMES))


def test_a_reparse_stopped_by_an_error_indexes_what_it_committed(tmp_path, stopped_at_c):
    path = tmp_path / "r.db"
    store = stored_pages(path)
    try:
        with pytest.raises(RuntimeError, match="stopped"):
            reparse(store)
        assert noted_and_indexed(path) == (0, 2)  # a and b committed and indexed
        assert len(search_ids(store.db.conn, "示范县")) == 2
    finally:
        store.close()


def test_a_reparse_stopped_by_an_error_raises_that_error_when_indexing_fails_too(
    tmp_path, stopped_at_c, monkeypatch
):
    path = tmp_path / "r.db"
    store = stored_pages(path)

    monkeypatch.setattr(store, "index_search", indexing_failing)
    try:
        with pytest.raises(RuntimeError, match="stopped"):
            reparse(store)
        assert noted_and_indexed(path) == (2, 0)  # a and b committed, left noted
    finally:
        store.close()
    ReportStore(path).close()  # the next open indexes them
    assert noted_and_indexed(path) == (0, 2)


def test_a_reparse_that_ran_through_reports_a_failed_indexing(tmp_path, monkeypatch):
    store = stored_pages(tmp_path / "r.db")

    monkeypatch.setattr(store, "index_search", indexing_failing)
    try:
        with pytest.raises(output.database.sqlite3.OperationalError, match="disk I/O"):
            reparse(store)
    finally:
        store.close()
