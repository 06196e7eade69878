"""An item that fails half-way through its statements leaves nothing of itself, and the
batch's other items are stored: write_items opens no savepoint of its own around an item,
so each store method it calls must be atomic by itself. The failures are injected by
triggers that abort the item's second or last statement, after its first ones wrote."""

from __future__ import annotations

import pytest

from crawler.items import OutcomeItem, PageItem, StoredOutcomeItem, UnchangedItem
from crawler.storing import STORAGE_ERROR, write_items
from demo.faultserver import report_page
from output.store import ReportStore, report_id
from output.stored_form import stored_form, to_bytes
from parsers import parse_document

BASE = "http://127.0.0.1:9/r"
GOOD = [f"{BASE}/a.html", f"{BASE}/b.html"]
BAD = f"{BASE}/x.html"


def outcome(url: str, organ: str | None = None):
    organ = organ or f"示范县{url.rsplit('/', 1)[1].split('.')[0]}局"
    parsed = parse_document(report_page(organ), url, "text/html", None)
    assert parsed.report is not None and parsed.report.checks  # a check to abort on
    return parsed


def report_items(url: str, stored: bool, organ: str | None = None, changed=False) -> list:
    parsed = outcome(url, organ)
    if changed:
        cell = next(c for c in parsed.report.cells if isinstance(c.value, int))
        cell.value += 1
    item = StoredOutcomeItem(url, to_bytes(stored_form(parsed))) if stored else OutcomeItem(parsed)
    return [PageItem(url, 200, b"<html>" + url.encode(), "text/html", "utf-8", "report"), item]


def abort_when(store: ReportStore, event: str, condition: str) -> None:
    store.db.conn.execute(
        f"CREATE TEMP TRIGGER injected BEFORE {event} WHEN {condition}"
        " BEGIN SELECT RAISE(ABORT, 'injected'); END"
    )


def report_rows(store: ReportStore, rid: str) -> tuple:
    queries = (
        "SELECT title, organ, body_text FROM reports WHERE id = ?",
        "SELECT * FROM report_cells WHERE report_id = ? ORDER BY key",
        "SELECT * FROM report_checks WHERE report_id = ? ORDER BY name",
        "SELECT url FROM report_urls WHERE report_id = ?",
    )
    return tuple(store.db.conn.execute(query, [rid]).fetchall() for query in queries)


def page_row(store: ReportStore, url: str):
    return store.db.execute("SELECT content_hash FROM pages WHERE url = ?", [url]).fetchone()


def assert_good_ones_stored(store: ReportStore, written) -> None:
    assert written["errors"] == 1
    for url in GOOD:
        rows = report_rows(store, report_id(url))
        assert rows[0] and rows[1] and rows[2] and rows[3] == [(url,)]
        assert page_row(store, url) is not None
    reason = store.db.execute("SELECT reason FROM failures WHERE url = ?", [BAD]).fetchone()
    assert reason == (STORAGE_ERROR,)
    # The search index holds the stored reports and nothing else.
    conn = store.db.conn
    indexed = conn.execute("SELECT count(*) FROM reports_fts").fetchone()[0]
    assert indexed == conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    assert conn.execute("INSERT INTO reports_fts(reports_fts) VALUES ('integrity-check')")


def batch(bad_items: list, stored: bool) -> list:
    return report_items(GOOD[0], stored) + bad_items + report_items(GOOD[1], stored)


@pytest.mark.parametrize("stored", [False, True], ids=["outcome", "stored form"])
def test_a_new_report_failing_at_its_checks_leaves_no_row(tmp_path, stored):
    store = ReportStore(tmp_path / "r.db")
    rid = report_id(BAD)
    abort_when(store, "INSERT ON report_checks", f"NEW.report_id = '{rid}'")
    written = write_items(store, batch(report_items(BAD, stored)[1:], stored))
    assert report_rows(store, rid) == ([], [], [], [])
    assert_good_ones_stored(store, written)


@pytest.mark.parametrize("stored", [False, True], ids=["outcome", "stored form"])
def test_a_report_replaced_failing_at_its_cells_stays_as_stored(tmp_path, stored):
    store = ReportStore(tmp_path / "r.db")
    assert write_items(store, report_items(BAD, stored))["new"] == 1
    rid = report_id(BAD)
    before = report_rows(store, rid)
    abort_when(store, "INSERT ON report_cells", f"NEW.report_id = '{rid}'")
    # Another organ's report at the same address, a cell changed: its row is rewritten
    # and its old cells deleted before the new cells' INSERT aborts.
    replacing = report_items(BAD, stored, organ="示范市另一局", changed=True)[1:]
    written = write_items(store, batch(replacing, stored))
    assert report_rows(store, rid) == before
    assert_good_ones_stored(store, written)


def test_a_page_failing_after_its_row_leaves_no_row(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    store.save_failure(BAD, "http 500")
    # save_page's last statement (the URL's failure cleared) aborts, after its row's INSERT.
    abort_when(store, "DELETE ON failures", f"OLD.url = '{BAD}'")
    page = PageItem(BAD, 200, b"<html>bad", "text/html", "utf-8", "report")
    written = write_items(store, batch([page], stored=True))
    assert page_row(store, BAD) is None
    assert_good_ones_stored(store, written)


def test_a_page_touched_failing_after_its_update_keeps_its_time(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    store.save_page(BAD, 200, b"<html>bad", "text/html", "utf-8", "report")
    store.db.execute("UPDATE pages SET fetched_at = 'then' WHERE url = ?", [BAD])
    store.save_failure(BAD, "http 500")
    abort_when(store, "DELETE ON failures", f"OLD.url = '{BAD}'")
    written = write_items(store, batch([UnchangedItem(BAD)], stored=True))
    fetched = store.db.execute("SELECT fetched_at FROM pages WHERE url = ?", [BAD]).fetchone()
    assert fetched == ("then",)
    assert_good_ones_stored(store, written)
