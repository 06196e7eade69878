"""A report stored again whose cells or checks differ from those stored in a few rows has
those rows alone written (output.database.replace_rows: a row gone deleted, a new or
changed one replaced, the others left as they are), and it ends with the rows, values
and SQLite types that a first store of it writes: for every real report page's rows
changed in a few places, for random changes of random rows, and past the share of
changed rows where all of them are written again."""

from __future__ import annotations

import dataclasses
import random

import pytest

from output.database import PARTIAL_AT_MOST, _differences, insert_rows, replace_rows
from output.store import ReportStore, report_id
from parsers import parse_document
from tests.helpers import ROOT, real_report_rows

CELL_COLUMNS = "key, value, raw, source, confidence, flagged"
CHECK_COLUMNS = "name, ok, detail"
REPORT_ROW = "INSERT INTO reports (id, url) VALUES (?, ?)"


def typed_rows(conn, table: str, rid: str) -> list[tuple]:
    names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    typed = ", ".join(f"{name}, typeof({name})" for name in names)
    return conn.execute(
        f"SELECT {typed} FROM {table} WHERE report_id = ? ORDER BY 3", [rid]
    ).fetchall()


def stored_twice(tmp_path, rid: str, first: tuple, again: tuple) -> tuple[list, list, int]:
    """Rows (cells, checks) of rid stored as first, then again: what replace_rows leaves,
    what a first store of again writes (insert_rows), and how many rows replace_rows
    wrote or deleted."""
    by_replace, changes = _store(
        tmp_path / "again.db", rid, (insert_rows, first), (replace_rows, again)
    )
    by_first_store, _ = _store(tmp_path / "once.db", rid, (insert_rows, again))
    return by_replace, by_first_store, changes


def _store(db, rid: str, *steps) -> tuple[list, int]:
    """rid's rows (cells, checks) after each step's write of its (cells, checks), in one
    transaction, and how many rows the last step wrote or deleted."""
    store = ReportStore(db)
    with store.transaction() as transaction:
        conn = transaction.conn
        conn.execute(REPORT_ROW, [rid, f"http://x.gov.cn/{rid}.html"])
        for write, (cells, checks) in steps:
            before = conn.total_changes
            write(conn, "report_cells", CELL_COLUMNS, rid, cells, 3)
            write(conn, "report_checks", CHECK_COLUMNS, rid, checks, 0)
            changes = conn.total_changes - before  # before the COMMIT indexes for search
    rows = [typed_rows(conn, "report_cells", rid), typed_rows(conn, "report_checks", rid)]
    store.close()
    return rows, changes


def changed_a_little(rng: random.Random, rows: list[tuple]) -> list[tuple]:
    """rows with one changed and one gone (when it has two), and one added."""
    rows = list(rows)
    if len(rows) >= 2:
        at = rng.randrange(len(rows))
        key, value, raw, *tail = rows[at]
        rows[at] = (key, 7 if value != 7 else 8, f"{raw}（改）", *tail)
        del rows[rng.choice([index for index in range(len(rows)) if index != at])]
    return sorted([*rows, ("t9.added", 1.5, "1.5", "text", None, 0)])


REPORTS = real_report_rows()


def test_real_reports_with_enough_cells_for_a_few_changes_to_be_written_alone_are_there():
    assert sum(len(cells) >= 12 / PARTIAL_AT_MOST for _, cells, _ in REPORTS) >= 5


@pytest.mark.parametrize("rid", [rid for rid, _, _ in REPORTS])
def test_a_real_report_with_a_few_cells_changed_writes_those_alone(tmp_path, rid):
    _, cells, checks = next(report for report in REPORTS if report[0] == rid)
    rng = random.Random(rid)
    again = (changed_a_little(rng, cells), checks[1:])
    by_replace, by_first_store, changes = stored_twice(tmp_path, rid, (cells, checks), again)
    assert by_replace == by_first_store
    if len(cells) >= 12 / PARTIAL_AT_MOST:  # three changes a small share of its cells
        assert changes == 4  # a cell changed, one gone, one added; a check gone


@pytest.mark.parametrize("seed", range(40))
def test_random_changes_of_random_rows_end_as_a_first_store_writes_them(tmp_path, seed):
    rng = random.Random(seed)
    values = [None, 0, 3, 3.0, -1, 1.5, 2**62, True, "", "12"]
    keys = sorted({f"t{rng.randint(2, 4)}.k{rng.randrange(500)}" for _ in range(rng.randrange(60))})
    tails = [("text", None, 0), ("ocr", 0.93, 1), ("ocr", None, False)]
    cells = [(key, rng.choice(values), rng.choice(["", "0", "/", "３"]), *rng.choice(tails))
             for key in keys]  # fmt: skip
    again = [row for row in cells if rng.random() > 0.05]
    for at in rng.sample(range(len(again)), min(len(again), rng.randrange(4))):
        key, _, raw, *tail = again[at]
        again[at] = (key, rng.choice(values), raw, *tail)
    again = sorted(
        [*again, *((f"t5.k{n}", n, str(n), "text", None, 0) for n in range(rng.randrange(3)))]
    )
    checks = [("t3.balance.total", 1, ""), ("t3.balance.x", 0, "1≠2")][: rng.randrange(3)]
    by_replace, by_first_store, _ = stored_twice(
        tmp_path, "r" * 16, (cells, checks), (again, checks)
    )
    assert by_replace == by_first_store


def test_rows_changed_past_the_share_are_all_written_again(tmp_path):
    cells = [(f"t3.k{n:03d}", n, str(n), "text", None, 0) for n in range(40)]
    again = [(key, value + 1, raw, *tail) for key, value, raw, *tail in cells[:11]] + cells[11:]
    by_replace, by_first_store, changes = stored_twice(tmp_path, "s" * 16, (cells, []), (again, []))
    assert by_replace == by_first_store
    assert changes == 80  # 40 deleted, 40 inserted: 11 of 40 is past a quarter


def test_the_same_rows_again_write_nothing(tmp_path):
    _, cells, checks = max(REPORTS, key=lambda report: len(report[1]))
    _, _, changes = stored_twice(tmp_path, "t" * 16, (cells, checks), (cells, checks))
    assert changes == 0


def test_values_stored_alike_are_left_as_they_are(tmp_path):
    cells = [("t3.a", 3, "3", "text", None, 0), ("t3.b", 1, "1", "ocr", 0.5, 1)]
    alike = [("t3.a", 3.0, "3", "text", None, 0), ("t3.b", True, "1", "ocr", 0.5, True)]
    by_replace, by_first_store, changes = stored_twice(tmp_path, "u" * 16, (cells, []), (alike, []))
    assert by_replace == by_first_store
    assert changes == 0


def test_rows_holding_a_key_twice_are_refused_as_a_first_store_refuses_them(tmp_path):
    cells = [(f"t3.k{n:02d}", n, str(n), "text", None, 0) for n in range(20)]
    twice = sorted([*cells, ("t3.k05", 9, "9", "text", None, 0)])
    assert _differences(cells, twice) is None
    with pytest.raises(Exception, match="UNIQUE"):
        stored_twice(tmp_path, "v" * 16, (cells, []), (twice, []))


def test_a_report_stored_again_by_the_store_with_one_cell_changed_writes_that_cell(tmp_path):
    page = ROOT / "tests" / "fixtures" / "corpus" / "shanghai-bgt-2019.html"
    outcome = parse_document(page.read_bytes(), url="http://x.gov.cn/2019.html")
    store = ReportStore(tmp_path / "r.db")
    store.save_outcomes([outcome])
    cell = outcome.report.cells[40]
    outcome.report.cells[40] = dataclasses.replace(cell, value=(cell.value or 0) + 1, raw="改")
    before = store.db.conn.total_changes
    assert store.save_outcomes([outcome])["updated"] == 1
    # The report's row, its address, and the one cell: not its ~160 cells deleted and
    # inserted again.
    assert store.db.conn.total_changes - before <= 3
    rid = report_id(outcome.url)
    stored = store.db.execute(
        "SELECT value, raw FROM report_cells WHERE report_id = ? AND key = ?", [rid, cell.key]
    ).fetchone()
    assert tuple(stored) == ((cell.value or 0) + 1, "改")
    store.close()
