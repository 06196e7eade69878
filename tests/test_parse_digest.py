"""A report stored again as its parse stored it: its row and rows are left as they are.

The reports row keeps a digest of what the parse stored (reports.parse_digest: the
row's values but its addresses, the cells, the checks): when the row holds the same url,
source page and digest, the rest is known to be the same, and a reparse's storing
process neither compares the row's values nor reads the rows back. Any change of a
value, a cell or a check changes the digest; a report stored before the digest existed
is compared once more, and gets it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import output.stored_form as form
from output.store import ReportStore, report_id
from output.stored_form import (
    StoredOutcome,
    form_digest,
    parse_digest,
    stored_form,
    with_source_page,
)
from parsers import parse_document
from parsers.model import Check, Reading, Report

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

    assert form_digest(report) != report.parse_digest  # a form made by a parse has its parse's
    report = report._replace(parse_digest=form_digest(report))
    assert form_digest(report._replace(body_text=body)) == report.parse_digest
    assert form_digest(report._replace(cells=shared)) == form_digest(report._replace(cells=fresh))
    assert form_digest(report._replace(cells=shared)) != report.parse_digest
    assert form_digest(report._replace(checks=report.checks[1:])) != report.parse_digest
    assert form_digest(report._replace(source_page="http://x/")) == report.parse_digest


def test_the_parse_digest_is_that_of_the_values_not_of_how_the_objects_are_shared():
    outcome = _parsed()
    cells = outcome.report.cells
    shared = [dataclasses.replace(cell, raw="无数据") for cell in cells]
    fresh = [dataclasses.replace(cell, raw="".join(["无", "数据"])) for cell in cells]
    assert parse_digest(_with_report(outcome, cells=shared)) == parse_digest(
        _with_report(outcome, cells=fresh)
    )


def _parsed():
    return parse_document(REPORT_PAGE.read_bytes(), url=URL)


def _with_cell(outcome, index: int, **values):
    cells = list(outcome.report.cells)
    cells[index] = dataclasses.replace(cells[index], **values)
    return dataclasses.replace(outcome, report=dataclasses.replace(outcome.report, cells=cells))


def _with_report(outcome, **values):
    return dataclasses.replace(outcome, report=dataclasses.replace(outcome.report, **values))


# Each value a parse gives, changed ("field: what of it").
CHANGES = {
    "title": lambda o: _with_report(o, title=o.report.title + "。"),
    "organ": lambda o: _with_report(o, organ=None),
    "year": lambda o: _with_report(o, year=o.report.year + 1),
    "published": lambda o: _with_report(o, published="2020-01-01"),
    "format": lambda o: _with_report(o, format="unknown"),
    "body_text": lambda o: _with_report(o, body_text=o.report.body_text + " "),
    "encoding": lambda o: _with_report(o, encoding="gbk"),
    "sections": lambda o: _with_report(o, sections={**o.report.sections, "附": ""}),
    "warnings": lambda o: _with_report(o, warnings=["t4: a row"]),
    "cells: a value": lambda o: _with_cell(o, 0, value=(o.report.cells[0].value or 0) + 1),
    "cells: a value's type": lambda o: _with_cell(o, 0, value=float(o.report.cells[0].value or 0)),
    "cells: a text": lambda o: _with_cell(o, 0, raw=o.report.cells[0].raw + " "),
    "cells: one flagged": lambda o: _with_cell(o, 0, flagged=True),
    "cells: one read by OCR": lambda o: _with_cell(o, 0, reading=Reading(0.9)),
    "cells: a key": lambda o: _with_cell(o, 0, key="t9.made"),
    "checks: a detail": lambda o: _with_report(
        o, checks=[dataclasses.replace(o.report.checks[0], detail="x"), *o.report.checks[1:]]
    ),
    "cells: their order": lambda o: _with_report(o, cells=o.report.cells[::-1]),
}


def test_every_field_of_a_report_but_its_addresses_is_changed_above():
    changed = {name.split(":")[0] for name in CHANGES}
    assert {field.name for field in dataclasses.fields(Report)} - {"url", "source_page"} <= changed


@pytest.mark.parametrize("change", CHANGES)
def test_every_value_the_parse_gives_changes_its_digest(change):
    outcome = _parsed()
    changed = CHANGES[change](outcome)
    assert parse_digest(changed) != parse_digest(outcome)
    assert parse_digest(_parsed()) == parse_digest(outcome)


def test_the_outcomes_encoding_counts_where_the_report_names_none():
    outcome = _with_report(_parsed(), encoding=None)
    in_gbk, in_utf8 = (dataclasses.replace(outcome, encoding=name) for name in ("gbk", "utf-8"))
    assert parse_digest(in_gbk) != parse_digest(in_utf8)


def test_the_text_hash_stored_with_the_report_counts_though_it_is_given():
    outcome = _parsed()
    assert parse_digest(outcome, "b" * 64) != parse_digest(outcome)
    assert stored_form(outcome, "b" * 64).report.parse_digest != parse_digest(outcome)


def test_what_the_store_sets_leaves_the_parse_digest_as_it_is():
    outcome = _parsed()
    elsewhere = dataclasses.replace(_with_report(outcome, source_page="http://x/"), url="http://y/")
    assert (
        parse_digest(elsewhere) == parse_digest(outcome) == stored_form(outcome).report.parse_digest
    )


@pytest.mark.parametrize("made", ["a cell read by OCR", "a check's odd truth"])
def test_a_value_marshal_cannot_write_leaves_the_form_its_own_digest(made):
    truth = type("Truth", (), {"__bool__": lambda self: True})()
    outcome = _parsed()
    if made == "a cell read by OCR":
        outcome = _with_cell(outcome, 0, reading=Reading(0.9))
    else:
        outcome = _with_report(outcome, checks=[Check("made", truth)])
    assert parse_digest(outcome) is None
    stored = stored_form(outcome).report
    assert stored.parse_digest == form_digest(stored._replace(parse_digest=None))


# Changes of what this module's code makes of a report: each must change every digest.
FORM_CODE_CHANGES = {
    "a value out of range kept": ("storable", lambda key, cell, warnings: cell.value),
    "the cells unsorted": (
        "_cell_rows",
        lambda cells, values: [
            (key, values[key], cell.raw, "text", None, 0) for key, cell in cells.items()
        ],
    ),
    "another text hash": ("text_hash", lambda text: "0" * 64),
    "an OCR cell's source": ("_FROM_TEXT", ("ocr", None)),
}


@pytest.mark.parametrize("change", FORM_CODE_CHANGES)
def test_a_change_of_the_stored_forms_code_changes_every_parse_digest(monkeypatch, change):
    outcome = _parsed()
    before = parse_digest(outcome)
    name, replacement = FORM_CODE_CHANGES[change]
    form._form_code.cache_clear()
    try:
        monkeypatch.setattr(form, name, replacement)
        assert parse_digest(outcome) != before
    finally:
        monkeypatch.undo()
        form._form_code.cache_clear()
    assert parse_digest(outcome) == before


def test_a_report_parsed_as_stored_is_answered_without_building_its_form(monkeypatch):
    outcome = _parsed()
    digest = parse_digest(outcome)

    def refused(*_args, **_kwargs):
        raise AssertionError("stored_form built")

    monkeypatch.setattr(form, "stored_form", refused)
    assert form.from_bytes(form.answer_bytes(outcome, digest)).parse_digest == digest
