"""A report stored again as its parse stored it: its row and rows are left as they are.

The reports row keeps a digest of what the parse stored (reports.parse_digest: the
row's values but its addresses, the cells, the checks): when the row holds the same url,
source page and digest, the rest is known to be the same, and a reparse's storing
process neither compares the row's values nor reads the rows back. Any change of a
value, a cell or a check changes the digest; a report stored before the digest existed
is compared once more, and gets it."""

from __future__ import annotations

from pathlib import Path

import pytest

from output.store import ReportStore, report_id
from output.stored_form import StoredOutcome, parse_digest, stored_form, with_source_page
from parsers import parse_document

ROOT = Path(__file__).resolve().parents[1]
REPORT_PAGE = ROOT / "tests" / "fixtures" / "corpus" / "shanghai-bgt-2019.html"
URL = "http://www.example.gov.cn/ndbg/2019.html"
ROWS = "SELECT key, value, raw, source, confidence, flagged FROM report_cells WHERE report_id = ?"


@pytest.fixture(scope="module")
def outcome() -> StoredOutcome:
    return stored_form(parse_document(REPORT_PAGE.read_bytes(), url=URL))


@pytest.fixture
def store(tmp_path):
    store = ReportStore(tmp_path / "reports.db")
    yield store
    store.close()


def statements_reading_rows(store: ReportStore, outcome: StoredOutcome) -> list[str]:
    """The statements that read report_cells or report_checks, or write a reports row
    whole, while outcome is stored."""
    seen: list[str] = []
    store.db.conn.set_trace_callback(seen.append)
    try:
        store.save_outcomes([outcome])
    finally:
        store.db.conn.set_trace_callback(None)
    return [
        s
        for s in seen
        if (s.lstrip().upper().startswith("SELECT") and "report_c" in s)
        or "INSERT INTO reports " in s
    ]


def stored_row(store: ReportStore, *columns: str) -> tuple:
    query = f"SELECT {', '.join(columns)} FROM reports WHERE id = ?"
    return store.db.execute(query, [report_id(URL)]).fetchone()


def stored_cells(store: ReportStore) -> list[tuple]:
    return store.db.execute(ROWS + " ORDER BY key", [report_id(URL)]).fetchall()


def test_a_report_stored_again_as_it_was_leaves_its_rows_unread(store, outcome):
    store.save_outcomes([outcome])
    before = stored_cells(store)
    assert len(before) > 100

    assert statements_reading_rows(store, outcome) == []
    assert stored_cells(store) == before


def test_a_changed_cell_is_stored_though_everything_else_is_the_same(store, outcome):
    store.save_outcomes([outcome])
    key, value, *rest = outcome.report.cells[0]
    cells = [(key, value + 1, *rest), *outcome.report.cells[1:]]
    changed = outcome._replace(report=outcome.report._replace(cells=cells, parse_digest=None))

    store.save_outcomes([changed])

    assert stored_cells(store)[0][:2] == (key, value + 1)
    assert statements_reading_rows(store, changed) == []  # its new digest stored with it


def test_a_changed_check_is_stored_though_everything_else_is_the_same(store, outcome):
    store.save_outcomes([outcome])
    name, ok, _ = outcome.report.checks[0]
    checks = [(name, 1 - ok, "changed"), *outcome.report.checks[1:]]
    changed = outcome._replace(report=outcome.report._replace(checks=checks, parse_digest=None))

    store.save_outcomes([changed])

    stored = store.db.execute(
        "SELECT name, ok, detail FROM report_checks WHERE report_id = ? ORDER BY name",
        [report_id(URL)],
    ).fetchall()
    assert stored[0] == (name, 1 - ok, "changed")


def test_a_report_stored_before_the_digest_is_compared_once_then_left_unread(store, outcome):
    store.save_outcomes([outcome])
    store.db.execute("UPDATE reports SET parse_digest = NULL")
    before = stored_cells(store)

    assert statements_reading_rows(store, outcome) != []  # compared, as before the digest
    assert stored_cells(store) == before
    assert statements_reading_rows(store, outcome) == []


@pytest.mark.parametrize("column", ["title", "body_text", "sections_json", "year", "text_hash"])
def test_a_changed_value_of_the_row_is_stored(store, outcome, column):
    store.save_outcomes([outcome])
    value = getattr(outcome.report, column)
    new = value + 1 if isinstance(value, int) else None if column == "text_hash" else value + "。"
    changed = outcome.report._replace(**{column: new, "parse_digest": None})

    store.save_outcomes([outcome._replace(report=changed)])

    assert stored_row(store, column) == (new,)


def test_a_source_page_given_by_the_store_is_stored_with_the_same_digest(store, outcome):
    store.save_outcomes([outcome])
    linked = with_source_page(outcome, "http://www.example.gov.cn/ndbg/")
    assert linked.report.parse_digest == outcome.report.parse_digest

    store.save_outcomes([linked])

    assert stored_row(store, "source_page") == ("http://www.example.gov.cn/ndbg/",)


def test_the_digest_is_that_of_the_values_not_of_how_the_objects_are_shared(outcome):
    report = outcome.report
    cells = report.cells
    # One string object in every row, or a string of its own in each.
    shared = [(key, value, "无数据", *rest) for key, value, _, *rest in cells]
    fresh = [(key, value, "".join(["无", "数据"]), *rest) for key, value, _, *rest in cells]
    body = "".join(list(report.body_text))

    assert parse_digest(report) == report.parse_digest
    assert parse_digest(report._replace(body_text=body)) == report.parse_digest
    assert parse_digest(report._replace(cells=shared)) == parse_digest(report._replace(cells=fresh))
    assert parse_digest(report._replace(cells=shared)) != report.parse_digest
    assert parse_digest(report._replace(checks=report.checks[1:])) != report.parse_digest
    assert parse_digest(report._replace(source_page="http://x/")) == report.parse_digest
