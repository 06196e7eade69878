"""A report stored again: its row says what the latest parse says, whichever value changed.

output.reports compares the row in SQLite and only sets parsed_at when every value is the
same (a reparse mostly finds what it found); any value that differs, NULL or not, must
still reach the row, its search index and its cells, as a rewrite of the row does.
"""

from __future__ import annotations

import pytest

import output.reports
from output.search import search_ids
from output.store import ReportStore, report_id
from output.stored_form import StoredOutcome, StoredReport

URL = "http://x.gov.cn/ndbg/2023.html"
BODY = "本机关2023年共收到政府信息公开申请十二件，其中行政复议两件。" * 10

FIRST = StoredReport(
    title="示范县人民政府2023年政府信息公开工作年度报告",
    organ="示范县人民政府",
    year=2023,
    published=None,
    format="2021",
    body_text=BODY,
    source_page=None,
    encoding="utf-8",
    sections_json='[{"heading": "一、总体情况", "text": "……"}]',
    warnings_json="[]",
    text_hash="a" * 64,
    cells=[("t3.new_received.total", 12, "12", "text", None, 0)],
    checks=[("t3.balance.total", 1, "")],
)
# Each value of the row, changed: from a value to another, to NULL, from NULL.
CHANGES = {
    "title": "示范县人民政府2023年度政府信息公开工作报告",
    "organ": "示范县政府办公室",
    "year": 2022,
    "published": "2024-01-31",
    "format": "2019",
    "body_text": BODY + "复议",
    "source_page": "http://x.gov.cn/ndbg/",
    "encoding": None,
    "sections_json": "[]",
    "warnings_json": '["t3: a row left out"]',
    "text_hash": None,
}
COLUMNS = ("url", *CHANGES, "parsed_at")


def stored_row(store: ReportStore) -> dict:
    row = store.db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM reports WHERE id = ?", [report_id(URL)]
    ).fetchone()
    return dict(zip(COLUMNS, row, strict=True))


def found_by_search(store: ReportStore, text: str) -> bool:
    store.index_search()
    return search_ids(store.db.conn, text) == {report_id(URL)}


@pytest.fixture
def store(tmp_path, monkeypatch):
    clock = iter(f"2026-12-03T10:00:0{second}+00:00" for second in range(10))
    monkeypatch.setattr(output.reports, "now", lambda: next(clock))
    store = ReportStore(tmp_path / "reports.db")
    store.save_outcomes([StoredOutcome(URL, FIRST)])
    yield store
    store.close()


def test_a_report_stored_again_as_it_was_keeps_its_row_with_a_new_parse_time(store):
    before = stored_row(store)
    counts = store.save_outcomes([StoredOutcome(URL, FIRST)])
    after = stored_row(store)
    assert counts["updated"] == 1
    assert after == {**before, "parsed_at": "2026-12-03T10:00:01+00:00"}
    assert before["parsed_at"] == "2026-12-03T10:00:00+00:00"


@pytest.mark.parametrize("column", CHANGES)
def test_each_value_that_changed_is_stored(store, column):
    changed = FIRST._replace(**{column: CHANGES[column]})
    store.save_outcomes([StoredOutcome(URL, changed)])
    row = stored_row(store)
    assert row[column] == CHANGES[column]
    expected = {name: getattr(changed, name) for name in CHANGES}
    assert {name: row[name] for name in CHANGES} == expected
    assert row["parsed_at"] == "2026-12-03T10:00:01+00:00"


@pytest.mark.parametrize("column", ["title", "published", "encoding"])
def test_a_value_back_from_null_is_stored(store, column):
    cleared = FIRST._replace(**{column: None})
    store.save_outcomes([StoredOutcome(URL, cleared)])
    assert stored_row(store)[column] is None
    store.save_outcomes([StoredOutcome(URL, FIRST)])
    assert stored_row(store)[column] == getattr(FIRST, column)


def test_an_address_with_a_session_id_is_stored_as_the_reports_url(store):
    # Its canonical form is the report's own address: the row takes it as published.
    other = URL + "?sid=9"
    store.save_outcomes([StoredOutcome(other, FIRST)])
    assert stored_row(store)["url"] == other


def test_a_changed_text_is_what_search_finds(store):
    assert found_by_search(store, "行政复议两件")
    store.save_outcomes([StoredOutcome(URL, FIRST._replace(body_text="另一份报告的正文。" * 30))])
    assert not found_by_search(store, "行政复议两件")
    assert found_by_search(store, "另一份报告")


def test_the_cells_and_checks_follow_the_report_when_its_row_is_unchanged(store):
    cells = [("t3.new_received.total", 13, "13", "text", None, 0)]
    store.save_outcomes([StoredOutcome(URL, FIRST._replace(cells=cells, checks=[]))])
    rid = report_id(URL)
    stored = store.db.execute(
        "SELECT key, value, raw FROM report_cells WHERE report_id = ?", [rid]
    ).fetchall()
    assert stored == [("t3.new_received.total", 13, "13")]
    assert store.db.execute("SELECT count(*) FROM report_checks").fetchone()[0] == 0
