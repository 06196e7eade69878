"""The writer's shortcuts say exactly what the long way says (issue 12): cell values are
checked in bulk yet stored as cell-by-cell rules would; texts are cleaned only when SQLite
refuses one, and then every row still goes in once; an unchanged body is not compressed
again; indexing a transaction's reports for search reads those reports, not every one
stored; nested transactions are savepoints that undo only their own part; NFKC by way
of full-width forms folded first is Unicode's NFKC."""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import output.pages
from output.search import index_pending
from output.store import ReportStore, report_id
from output.stored_form import storable
from parsers import parse_document
from parsers.model import Cell, Check, ParseOutcome, Reading, Report
from parsers.normalize import nfkc

URL = "http://x.gov.cn/a.html"
CORPUS = Path(__file__).parent / "fixtures" / "corpus"


def report(url: str = URL, cells: list[Cell] | None = None, body: str = "行政复议两件") -> Report:
    return Report(
        url=url, title="年度报告", organ="示范县人民政府", year=2023, published=None,
        format="2021", body_text=body, cells=cells or [Cell("t3.new_received.total", 5, "5")],
        checks=[Check("t3.balance.total", True, "")],
    )  # fmt: skip


def stored_cells(store: ReportStore, url: str = URL) -> list[tuple]:
    return store.db.execute(
        "SELECT key, value, raw FROM report_cells WHERE report_id = ? ORDER BY key",
        [report_id(url)],
    ).fetchall()


EDGE_VALUES = {
    "largest integer": 2**63 - 1,
    "one beyond": 2**63,
    "smallest integer": -(2**63),
    "one below": -(2**63) - 1,
    "beyond any float": 10**400,
    "infinity": math.inf,
    "minus infinity": -math.inf,
    "not a number": math.nan,
    "huge floats whose sum overflows": 1e308,
    "a float beyond the integers": 1e300,
    "true": True,
}


@pytest.mark.parametrize("name", sorted(EDGE_VALUES))
def test_cell_values_are_stored_as_the_cell_by_cell_rule_says(tmp_path, name):
    value = EDGE_VALUES[name]
    cells = [
        Cell("t3.new_received.total", value, "x"),
        Cell("t3.carried_over.total", value, "y"),  # two of each: sums overflow
        Cell("t3.granted.total", 7, "7"),
        Cell("t3.partial.total", None, "/"),
    ]
    store = ReportStore(tmp_path / "r.db")
    store.save_outcomes([ParseOutcome(URL, report(cells=cells))])
    rule: list[str] = []
    expected = {c.key: storable(c.key, c, rule) for c in cells}
    got = {key: stored for key, stored, _ in stored_cells(store)}
    assert got.keys() == expected.keys()
    for key, want in expected.items():
        assert got[key] == want or (want is None and got[key] is None), key
    (warnings,) = store.db.execute("SELECT warnings_json FROM reports").fetchone()
    assert ("stored as NULL" in warnings) == bool(rule)
    store.close()


def test_a_lone_surrogate_in_one_cell_stores_every_cell_once_cleaned(tmp_path):
    cells = [Cell(f"t3.part{n}.total", n, str(n)) for n in range(10)]
    cells[5] = Cell("t3.part5.total", 5, "5\ud800")  # from a JSON escape
    store = ReportStore(tmp_path / "r.db")
    counts = store.save_outcomes([ParseOutcome(URL, report(cells=cells))])
    assert counts["new"] == 1
    rows = stored_cells(store)
    assert len(rows) == 10
    assert dict((key, raw) for key, _, raw in rows)["t3.part5.total"] == "5\ufffd"
    # Stored again: the same rows, still once each.
    store.save_outcomes([ParseOutcome(URL, report(cells=cells))])
    assert stored_cells(store) == rows
    store.close()


def test_an_unchanged_body_is_not_compressed_again(tmp_path, monkeypatch):
    compressed = []
    compress = output.pages.compress_body

    def counting(data):
        compressed.append(data)
        return compress(data)

    monkeypatch.setattr(output.pages, "compress_body", counting)
    store = ReportStore(tmp_path / "r.db")
    body = "<html>报告</html>".encode()
    assert store.save_page(URL, 200, body, "text/html", "utf-8", "report", etag='"1"')
    assert not store.save_page(URL, 200, body, "text/html", "utf-8", "report", etag='"2"')
    assert compressed == [body]
    assert store.stored_body(URL) == (body, "text/html")
    assert store.page_validators()[URL] == ('"2"', None)  # the rest of the row is updated
    assert store.save_page(URL, 200, body + b"!", "text/html", "utf-8", "report")
    assert compressed == [body, body + b"!"]
    assert store.stored_body(URL) == (body + b"!", "text/html")
    store.close()


def steps_to_index_one_report(store: ReportStore, number: int) -> int:
    """SQLite VM steps of index_pending for one new report (progress handler, every step)."""
    conn = store.db.conn
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with store.transaction():
        conn.execute(
            "INSERT INTO reports (id, url, title, organ, body_text) VALUES (?, ?, 't', 'o', ?)",
            [f"one{number}", f"http://x/one{number}", "复议诉讼" * 50],
        )
        conn.set_progress_handler(count, 1)
        try:
            assert index_pending(conn) == 1
        finally:
            conn.set_progress_handler(None, 1)
    return steps


def test_indexing_a_transactions_reports_reads_only_them(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    few = steps_to_index_one_report(store, 1)
    with store.transaction():
        store.db.conn.executemany(
            "INSERT INTO reports (id, url, title, organ, body_text) VALUES (?, ?, 't', 'o', ?)",
            [(f"r{n}", f"http://x/{n}", "政府信息公开" * 40) for n in range(2000)],
        )
    many = steps_to_index_one_report(store, 2)
    # A scan of the 2,000 stored reports would take thousands of steps more.
    assert many < few + 500, (few, many)
    store.close()


def test_a_failed_nested_transaction_undoes_only_its_own_writes(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    other = "http://x.gov.cn/b.html"
    with store.transaction():
        store.save_outcomes([ParseOutcome(URL, report())])
        with pytest.raises(RuntimeError), store.transaction():
            store.save_outcomes([ParseOutcome(other, report(other, body="另一份"))])
            with store.transaction():
                store.save_page(other, 200, b"x", None, None, "report")
            raise RuntimeError("refused")
        with store.transaction():  # the same depth again: its own savepoint
            store.save_page(URL, 200, b"y", None, None, "report")
    assert [row[0] for row in store.db.execute("SELECT url FROM reports")] == [URL]
    assert [row[0] for row in store.db.execute("SELECT url FROM pages")] == [URL]
    store.close()


# Text around the characters nfkc folds first: full-width forms, the ideographic space,
# combining marks that compose with what precedes them, and other compatibility forms.
NFKC_ALPHABET = "（），；：！Ａａ０９\u3000 e\u0301\u0308\u0327ｶﾞ①㈱ﬁ²政府信息公开复议"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=NFKC_ALPHABET, min_size=0, max_size=400))
def test_nfkc_is_unicodes_nfkc_of_any_text(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.htm*")), ids=lambda path: path.name)
def test_nfkc_is_unicodes_nfkc_of_every_report_text(path):
    outcome = parse_document(path.read_bytes(), url=path.name)
    text = outcome.report.body_text if outcome.report else ""
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_a_page_result_found_again_is_not_written_again(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    store.save_page(URL, 200, b"<html></html>", "text/html", None, "report")
    store.set_page_result(URL, "other", "no tables")
    before = store.db.conn.total_changes
    store.set_page_result(URL, "other", "no tables")
    assert store.db.conn.total_changes == before
    store.set_page_result(URL, "report", "report")
    assert store.db.conn.total_changes == before + 1
    assert store.page_index()[URL][1] == "report"
    store.close()


def cells_of(kind: str) -> list[Cell]:
    """Ten cells whose source, confidence and flagged are alike (or not), by kind."""
    cells = [Cell(f"t3.part{n}.total", n, str(n)) for n in range(10)]
    if kind == "flagged":
        cells = [dataclasses.replace(c, flagged=True) for c in cells]
    elif kind == "ocr, one confidence":
        cells = [dataclasses.replace(c, reading=Reading(0.5)) for c in cells]
    elif kind == "mixed":
        cells[3] = dataclasses.replace(cells[3], reading=Reading(0.25), flagged=True)
    return cells


@pytest.mark.parametrize("kind", ["text", "flagged", "ocr, one confidence", "mixed"])
def test_cells_are_stored_with_their_own_source_confidence_and_flag(tmp_path, kind):
    cells = cells_of(kind)
    store = ReportStore(tmp_path / "r.db")
    store.save_outcomes([ParseOutcome(URL, report(cells=cells))])
    rows = store.db.execute(
        "SELECT key, value, raw, source, confidence, flagged FROM report_cells ORDER BY key"
    ).fetchall()
    assert rows == sorted(
        (c.key, c.value, c.raw, c.source, c.confidence, int(c.flagged)) for c in cells
    )
    store.close()
