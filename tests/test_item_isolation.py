"""One bad item never takes its batch with it; numbers and text are stored as they are
or not at all (issue 10)."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.items import FailureItem, OutcomeItem, PageItem, SkippedItem
from crawler.storing import write_items
from demo.faultserver import FaultServer, build_portal, report_page
from output.store import ReportStore, report_id
from parsers import parse_document
from parsers.model import ParseOutcome
from parsers.normalize import parse_value
from tests.crawl_helpers import failure_reasons, last_run, report_names, rows, run_nightly

BASE = "http://127.0.0.1:9/r"


def outcome_with(url: str, replace: dict[bytes, bytes] | None = None) -> ParseOutcome:
    """The report of report_page() at url, of an organ named after url's file name: each
    URL its own report (one report under two URLs would be one row)."""
    body = report_page(f"示范县{url.rsplit('/', 1)[1].split('.')[0]}局")
    for old, new in (replace or {}).items():
        body = body.replace(old, new, 1)
    outcome = parse_document(body, url, "text/html", None)
    assert outcome.report is not None
    return outcome


def huge_cell_outcome(url: str, digits: str) -> ParseOutcome:
    """A good report whose first cell of value 0 holds `digits` instead."""
    outcome = outcome_with(url)
    cell = next(c for c in outcome.report.cells if c.value == 0)
    cell.raw, cell.value = digits, parse_value(digits)
    return outcome


@pytest.mark.parametrize(
    "raw, value",
    [
        ("٨٢١", None),  # Arabic-Indic digits
        ("8²¹", None),  # superscripts NFKC would fold to 821
        ("①", None),
        ("９００７１９９２５４７４０９９３", 9007199254740993),  # full-width, exactly
        ("9007199254740993", 9007199254740993),  # beyond a float's 53 bits, exactly
        ("1" + "0" * 400, 10**400),  # no OverflowError: the store decides
        ("1,234", 1234),
        ("-3", -3),
    ],
)
def test_numbers_are_read_from_ascii_and_full_width_digits_exactly(raw, value):
    assert parse_value(raw) == value


def test_out_of_range_cells_are_stored_as_null_with_a_warning(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    url = f"{BASE}/huge.html"
    written = write_items(
        store,
        [OutcomeItem(huge_cell_outcome(url, "99999999999999999999"))],
    )
    assert written["errors"] == 0 and written["new"] == 1
    (warnings,) = store.db.execute(
        "SELECT warnings_json FROM reports WHERE id = ?", [report_id(url)]
    ).fetchone()
    assert "99999999999999999999" in warnings and "stored as NULL" in warnings
    raw_null = store.db.execute(
        "SELECT count(*) FROM report_cells WHERE raw = ? AND value IS NULL",
        ["99999999999999999999"],
    ).fetchone()[0]
    assert raw_null == 1
    store.close()


def test_one_bad_item_is_recorded_and_the_rest_of_its_batch_is_stored(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    good = [outcome_with(f"{BASE}/good{i}.html") for i in range(3)]
    surrogate = outcome_with(f"{BASE}/surrogate.html")
    surrogate.report.title = "标题\ud800"
    broken = f"{BASE}/broken.html"
    items = [
        PageItem(f"{BASE}/list.html", 200, b"<html></html>", "text/html", "utf-8", "list"),
        *(OutcomeItem(outcome) for outcome in good),
        OutcomeItem(surrogate),
        SkippedItem(f"{BASE}/notice.html", "通知\udfff", "not a report", f"{BASE}/list.html"),
        PageItem(broken, 200, None, "text/html", "utf-8", "report"),  # refused: no body
        FailureItem(f"{BASE}/gone.html", "http 404"),
    ]
    failed: set[str] = set()
    written = write_items(store, items, failed)
    assert written["errors"] == 1 and failed == {broken}
    urls = {row[0] for row in store.db.execute("SELECT url FROM reports")}
    assert urls == {o.url for o in good} | {surrogate.url}
    (title,) = store.db.execute(
        "SELECT title FROM reports WHERE url = ?", [surrogate.url]
    ).fetchone()
    assert title == "标题\ufffd"
    assert store.db.execute("SELECT count(*) FROM pages").fetchone()[0] == 1
    reasons = dict(store.db.execute("SELECT url, reason FROM failures"))
    assert reasons == {broken: "storage error", f"{BASE}/gone.html": "http 404"}
    store.close()


def refuse_reports(db, name: str) -> None:
    """A trigger that makes the database refuse one report, as a full disk or a
    constraint would, to check that a run with storage errors says so."""
    ReportStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON reports"
        f" WHEN NEW.url LIKE '%/{name}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    conn.commit()
    conn.close()


@pytest.mark.e2e
def test_crawl_with_a_storage_error_keeps_the_rest_and_is_not_ok(tmp_path):
    build_portal(tmp_path / "site", ["a", "b", "c"])
    db = tmp_path / "r.db"
    refuse_reports(db, "b.html")
    with FaultServer(tmp_path / "site", lifetime=120) as server:
        result = run_nightly(
            db, "-a", f"start_url={server.base_url}/list.html", "-s", "ATTACHMENTS_POLICY=never"
        )
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    run = last_run(db)
    assert run["status"] == "failed" and run["exit_code"] == 1
    assert "storage errors: 1" in run["detail"]
    assert report_names(db) == {"a.html", "c.html"}
    assert failure_reasons(db)["b.html"] == "storage error"
    # b's body is held back, so that the next run parses and stores it again.
    pages = {url.rsplit("/", 1)[1] for (url,) in rows(db, "SELECT url FROM pages")}
    assert "b.html" not in pages and {"a.html", "c.html"} <= pages
