"""A report in stored form (output.stored_form), built by a parse worker for reparse, is
stored exactly as the outcome it came from: the same rows, whichever process built it."""

from __future__ import annotations

import math
import pickle
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.worker import ParsePool
from output.store import ReportStore
from output.stored_form import (
    StoredOutcome,
    StoredReport,
    from_bytes,
    stored_form,
    to_bytes,
    with_source_page,
)
from parsers import parse_document
from parsers.model import Cell, Check, ParseOutcome, Report

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
DOCUMENTS = sorted(p for p in CORPUS.iterdir() if p.suffix in {".html", ".pdf"})
URL = "http://example.gov.cn/ndbg/a.html"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def _outcome(path: Path, url: str = URL) -> ParseOutcome:
    content_type = "application/pdf" if path.suffix == ".pdf" else "text/html"
    return parse_document(path.read_bytes(), url, content_type)


def _dump(path: Path) -> list[str]:
    """The database's rows as SQL, its timestamps masked."""
    conn = sqlite3.connect(path)
    try:
        return [TIMESTAMP.sub("T", line) for line in conn.iterdump()]
    finally:
        conn.close()


def _stored_both_ways(tmp_path: Path, outcomes: list[ParseOutcome], sources=None) -> list:
    """Dumps of a database the outcomes were stored into as they are, and of one they
    were stored into in stored form; twice, from fresh copies as a parse makes them
    (the warnings of a value stored as NULL are appended to the report's own)."""
    dumps = []
    for name in ("outcomes", "stored"):
        store = ReportStore(tmp_path / f"{name}.db")
        for _ in range(2):  # and again over itself, as a fresh parse: rows compared, kept
            copies = [pickle.loads(pickle.dumps(outcome)) for outcome in outcomes]
            if name == "stored":
                copies = [stored_form(outcome) for outcome in copies]
            store.save_outcomes(copies, sources)
        store.close()
        dumps.append(_dump(tmp_path / f"{name}.db"))
    return dumps


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_a_document_in_stored_form_stores_the_rows_its_outcome_stores(tmp_path, path):
    outcomes = [_outcome(path), ParseOutcome("http://example.gov.cn/list.html", None, "a list")]
    by_outcome, by_stored_form = _stored_both_ways(tmp_path, outcomes)
    assert by_stored_form == by_outcome


def _report(cells: list[Cell], source_page: str | None = None) -> Report:
    return Report(
        url=URL, title="年度报告", organ="示范县人民政府", year=2023, published=None,
        format="2021", body_text="行政复议两件" * 50, cells=cells,
        checks=[Check("t3.b", False, "1 ≠ 2"), Check("t3.a", True, ""), Check("t3.b", True, "")],
        sections={"一、总体情况": "行政复议两件"}, source_page=source_page,
    )  # fmt: skip


def test_cells_out_of_range_repeated_keys_and_the_linking_page_are_stored_alike(tmp_path):
    cells = [
        Cell("t3.z", 2**63, "9223372036854775808"),  # beyond SQLite's integers: NULL
        Cell("t3.a", math.inf, "∞"),  # not finite: NULL
        Cell("t3.m", 1, "1"),
        Cell("t3.m", 2, "2"),  # a key twice: the last one wins
        Cell("t3.b", 2.5, "2.5", flagged=True),
    ]
    outcomes = [ParseOutcome(URL, _report(cells), encoding="gbk")]
    sources = {URL: "http://example.gov.cn/ndbg/"}
    by_outcome, by_stored_form = _stored_both_ways(tmp_path, outcomes, sources)
    assert by_stored_form == by_outcome
    assert any("out of range; stored as NULL" in line for line in by_outcome)


def test_the_linking_page_is_named_only_where_the_report_names_none():
    named = stored_form(ParseOutcome(URL, _report([], "http://a.gov.cn/own")))
    unnamed = stored_form(ParseOutcome(URL, _report([])))
    assert with_source_page(named, "http://a.gov.cn/p").report.source_page == "http://a.gov.cn/own"
    assert with_source_page(unnamed, "http://a.gov.cn/p").report.source_page == "http://a.gov.cn/p"
    assert with_source_page(unnamed, None) is unnamed


def test_a_worker_asked_for_the_stored_form_answers_what_the_parent_would_build():
    from output.identity import text_hash

    path = CORPUS / "shanghai-bgt-2019.html"
    pool = ParsePool(workers=1)
    try:
        answer = pool.parse(path.read_bytes(), URL, "text/html", None, stored_form=True)
        none = pool.parse(b"<html><p>no report</p></html>", URL, "text/html", None, None,
                          stored_form=True)  # fmt: skip
    finally:
        pool.close()
    expected = stored_form(_outcome(path))
    assert type(answer) is StoredOutcome and answer == expected
    assert answer.report.text_hash == text_hash(_outcome(path).report.body_text) is not None
    assert type(none) is StoredOutcome and none.report is None and none.reason


def test_an_answer_past_a_limit_comes_in_stored_form_with_its_reason():
    from crawler.caps import Limits
    from crawler.worker import limit_reason
    from tests import bombs

    pool = ParsePool(1, Limits(timeout=1, per_page=0))
    try:
        slow = pool.parse(bombs.pdf_slow(), URL, "application/pdf", None, stored_form=True)
    finally:
        pool.close()
    assert type(slow) is StoredOutcome and slow.report is None
    assert limit_reason(slow) == "too slow", slow.reason


def test_the_stored_form_leaves_the_database_code_unimported():
    # A parse worker imports it: sqlite_utils would be 20 MiB more a worker.
    check = "import sys, output.stored_form; print('sqlite_utils' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=root)
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_the_stored_form_a_worker_sends_arrives_as_it_was_built(path):
    built = stored_form(_outcome(path))
    arrived = from_bytes(to_bytes(built))
    assert arrived == built and type(arrived) is StoredOutcome
    if built.report is not None:
        assert type(arrived.report) is StoredReport
        for rows in ("cells", "checks"):
            sent, got = getattr(built.report, rows), getattr(arrived.report, rows)
            assert type(got) is list
            # 3 == 3.0 == True: the types must arrive too (SQLite stores them apart).
            assert [[type(v) for v in row] for row in got] == [
                [type(v) for v in row] for row in sent
            ]
