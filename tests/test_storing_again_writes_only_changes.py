"""A report stored again keeps its cell and check rows when they are what it says, and
has them written as soon as any part of one differs (value, raw text, source, a key
added or gone, a check's verdict): the database always says what the latest parse says.
(When few differ, those alone are written: tests/test_storing_again_writes_only_changed_rows.py.)"""

from __future__ import annotations

import dataclasses

import pytest

from output.store import ReportStore, report_id
from parsers.model import Cell, Check, ParseOutcome, Reading, Report

URL = "http://x.gov.cn/a.html"


def report(cells: list[Cell], checks: list[Check]) -> Report:
    return Report(
        url=URL, title="年度报告", organ="示范县人民政府", year=2023, published=None,
        format="2021", body_text="行政复议两件", cells=cells, checks=checks,
    )  # fmt: skip


CELLS = [
    Cell("t3.new_received.total", 5, "5"),
    Cell("t2.fees.amount", 1.5, "1.5"),
    Cell("t4.review.total", None, "/"),
]
CHECKS = [Check("t3.balance.total", True, ""), Check("t3.balance.natural_person", False, "1≠2")]


def stored(store: ReportStore) -> tuple[dict, dict]:
    rid = report_id(URL)
    cells = store.db.execute(
        "SELECT key, value, raw, source, confidence, flagged FROM report_cells"
        " WHERE report_id = ?", [rid]
    ).fetchall()  # fmt: skip
    checks = store.db.execute(
        "SELECT name, ok, detail FROM report_checks WHERE report_id = ?", [rid]
    ).fetchall()
    return {c[0]: c[1:] for c in cells}, {c[0]: c[1:] for c in checks}


def expected(cells: list[Cell], checks: list[Check]) -> tuple[dict, dict]:
    return (
        {c.key: (c.value, c.raw, c.source, c.confidence, int(c.flagged)) for c in cells},
        {c.name: (int(c.ok), c.detail) for c in checks},
    )


CHANGES = {
    "value": (lambda cells, checks: ([dataclasses.replace(cells[0], value=6), *cells[1:]], checks)),
    "raw": (lambda cells, checks: ([dataclasses.replace(cells[0], raw="５"), *cells[1:]], checks)),
    "source": (
        lambda cells, checks: (
            [dataclasses.replace(cells[1], reading=Reading(0.9)), cells[0], cells[2]],
            checks,
        )
    ),
    "key gone": (lambda cells, checks: (cells[:2], checks)),
    "key added": (lambda cells, checks: ([*cells, Cell("t3.total.total", 5, "5")], checks)),
    "blank to zero": (
        lambda cells, checks: ([*cells[:2], dataclasses.replace(cells[2], value=0)], checks)
    ),
    "check verdict": (
        lambda cells, checks: (cells, [dataclasses.replace(checks[1], ok=True), checks[0]])
    ),
    "check gone": (lambda cells, checks: (cells, checks[:1])),
    "nothing": (lambda cells, checks: (cells, checks)),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_storing_a_report_again_stores_exactly_what_it_says(tmp_path, change):
    store = ReportStore(tmp_path / "r.db")
    store.save_outcomes([ParseOutcome(URL, report(CELLS, CHECKS))])
    assert stored(store) == expected(CELLS, CHECKS)
    cells, checks = CHANGES[change](CELLS, CHECKS)
    before = store.db.conn.total_changes
    counts = store.save_outcomes([ParseOutcome(URL, report(cells, checks))])
    assert counts["updated"] == 1
    assert stored(store) == expected(cells, checks)
    rows_written = store.db.conn.total_changes - before
    if change == "nothing":
        assert rows_written <= 2  # the report row and its address, no cell or check rows
    else:
        assert rows_written > 2  # and the rows that differ (all of them, or those alone)
    store.close()
