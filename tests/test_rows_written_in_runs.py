"""A report's cells and checks written a run of rows per statement (output.database
insert_rows) are the rows, their values and their SQLite types that writing them one
statement a row (insert_each, the plain definition) stores: for every real report page's
rows, for random rows of every count around the runs' sizes, and when SQLite refuses a
text in a later run than the first."""

from __future__ import annotations

import random
import sqlite3

import pytest

import output.database
from output.database import ROWS_PER_STATEMENT, _bound, _shared_literals, insert_each, insert_rows
from parsers.normalize import encodable
from tests.helpers import real_report_rows

CELL_COLUMNS = "key, value, raw, source, confidence, flagged"
CHECK_COLUMNS = "name, ok, detail"
TABLES = """
CREATE TABLE report_cells (
    report_id TEXT NOT NULL, key TEXT NOT NULL, value NUMERIC, raw TEXT,
    source TEXT NOT NULL DEFAULT 'text', confidence REAL, flagged INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (report_id, key)
) WITHOUT ROWID;
CREATE TABLE report_checks (
    report_id TEXT NOT NULL, name TEXT NOT NULL, ok INTEGER NOT NULL, detail TEXT,
    PRIMARY KEY (report_id, name)
) WITHOUT ROWID;
"""


def database() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(TABLES)
    return conn


def plain(conn, table: str, columns: str, rid: str, rows: list[tuple], tail: int) -> None:
    """The rows as they were written before the runs: one statement a row, texts made
    encodable when SQLite refuses one."""
    conn.execute(f"DELETE FROM {table} WHERE report_id = ?", [rid])
    if not rows:
        return
    literals = _shared_literals(rows, tail) if tail else None
    tail = tail if literals else 0
    marks = ", ".join(["?"] * (columns.count(",") + 2 - tail) + (literals or []))
    insert = f"INSERT INTO {table} (report_id, {columns}) VALUES ({marks})"
    try:
        insert_each(conn, insert, _bound(rid, rows, tail))
    except UnicodeEncodeError:
        conn.execute(f"DELETE FROM {table} WHERE report_id = ?", [rid])
        insert_each(conn, insert, (tuple(encodable(v) if isinstance(v, str) else v for v in b)
                                   for b in _bound(rid, rows, tail)))  # fmt: skip


def stored(conn, table: str) -> list[tuple]:
    cursor = conn.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in cursor.description]
    typed = ", ".join(f"{name}, typeof({name})" for name in names)
    return conn.execute(f"SELECT {typed} FROM {table} ORDER BY 1, 3").fetchall()


def both_ways(reports: list[tuple[str, list[tuple], list[tuple]]]) -> tuple[list, list]:
    """reports (id, cell rows, check rows) written by insert_rows and by plain: their
    tables' rows with each value's SQLite type."""
    found = []
    for write in (insert_rows, plain):
        conn = database()
        for rid, cells, checks in reports:
            write(conn, "report_cells", CELL_COLUMNS, rid, cells, 3)
            write(conn, "report_checks", CHECK_COLUMNS, rid, checks, 0)
        found.append([stored(conn, "report_cells"), stored(conn, "report_checks")])
    return found[0], found[1]


def test_every_real_reports_rows_are_stored_as_one_by_one():
    reports = real_report_rows()
    assert sum(len(cells) > 150 for _, cells, _ in reports) >= 5  # runs of 128 and more
    runs, one_by_one = both_ways(reports)
    assert runs == one_by_one
    assert len(runs[0]) == sum(len(cells) for _, cells, _ in reports)


def random_rows(rng: random.Random, count: int, shared: bool) -> tuple[list, list]:
    values = [None, 0, 7, -3, 2**63 - 1, -(2**63), 1.5, 0.1, 1e300, "", "12", "1.5", "文本"]
    raws = [None, "", "12", "（二）", "a'b", "?", "?1", "x" * 300]
    tails = [("text", None, 0)]
    if not shared:
        tails += [("ocr", 0.93, 1), ("ocr", None, 0)]
    keys = sorted({f"t{rng.randint(2, 4)}.k{rng.randrange(10**6)}" for _ in range(count)})
    cells = [(key, rng.choice(values), rng.choice(raws), *rng.choice(tails)) for key in keys]
    checks = sorted({(f"c{rng.randrange(10**6)}", rng.randint(0, 1), rng.choice(raws))
                     for _ in range(rng.randint(0, 60))})  # fmt: skip
    return cells, list({name: (name, ok, d) for name, ok, d in checks}.values())


COUNTS = [0, 1, 2, 3, 63, 64, 65, 127, 128, 129, 200, 255, 256, 257, 383, 700]


@pytest.mark.parametrize("seed", range(6))
def test_random_rows_of_every_count_are_stored_as_one_by_one(seed):
    rng = random.Random(seed)
    reports = []
    for n, count in enumerate(COUNTS):
        cells, checks = random_rows(rng, count, shared=n % 2 == 0)
        reports.append((f"{seed:08x}{n:08x}", cells, checks))
    runs, one_by_one = both_ways(reports)
    assert runs == one_by_one


def test_a_report_written_again_keeps_only_its_new_rows():
    rng = random.Random(7)
    first, _ = random_rows(rng, 300, shared=True)
    second, _ = random_rows(rng, 130, shared=False)
    runs, one_by_one = both_ways([("a" * 16, first, []), ("a" * 16, second, [])])
    assert runs == one_by_one
    assert len(runs[0]) == 130


@pytest.mark.parametrize("at", [0, 127, 128, 150, 199])
def test_a_text_refused_in_any_run_leaves_every_row_once_cleaned(at):
    cells = [(f"t3.k{n:03d}", n, str(n), "text", None, 0) for n in range(200)]
    cells[at] = (cells[at][0], at, f"{at}\ud800", "text", None, 0)  # from a JSON escape
    runs, one_by_one = both_ways([("b" * 16, cells, [])])
    assert runs == one_by_one
    assert len(runs[0]) == 200
    assert (f"{at}\ufffd", "text") in {row[6:8] for row in runs[0]}


def test_rows_go_in_runs_of_powers_of_two_within_the_cap(monkeypatch):
    statements = []
    monkeypatch.setattr(output.database, "_insert_runs", spy(statements))
    conn = database()
    cells = [(f"k{n:04d}", n, None, "text", None, 0) for n in range(ROWS_PER_STATEMENT * 2 + 37)]
    insert_rows(conn, "report_cells", CELL_COLUMNS, "c" * 16, cells, 3)
    assert statements == [128, 128, 32, 4, 1]


def spy(statements: list):
    real = output.database._insert_runs

    def counted(conn, head, row, rid, width, values):
        class Counting:
            def execute(self, sql, params):
                statements.append(sql.count("?1"))
                return conn.execute(sql, params)

        return real(Counting(), head, row, rid, width, values)

    return counted
