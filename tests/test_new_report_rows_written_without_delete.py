"""A new report's cells and checks are written without a DELETE of its rows first (it
has none, foreign keys being on), and rows left under its id by a connection with
foreign keys off are replaced all the same."""

from __future__ import annotations

import sqlite3

from demo.faultserver import report_page
from output.store import ReportStore, report_id
from parsers import parse_document

URL = "http://127.0.0.1:9/r/a.html"


def stored_rows(store: ReportStore, rid: str) -> tuple[list, list]:
    conn = store.db.conn
    cells = conn.execute("SELECT * FROM report_cells WHERE report_id = ? ORDER BY key", [rid])
    checks = conn.execute("SELECT * FROM report_checks WHERE report_id = ? ORDER BY name", [rid])
    return cells.fetchall(), checks.fetchall()


def test_a_new_report_deletes_no_rows_first(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    assert store.save_outcomes([parse_document(report_page(), URL, "text/html", None)])["new"]
    store.db.conn.set_trace_callback(None)
    deletes = ("DELETE FROM report_cells", "DELETE FROM report_checks")
    assert not [s for s in statements if s.lstrip().startswith(deletes)]
    assert all(stored_rows(store, report_id(URL)))


def test_rows_left_without_their_report_are_replaced_by_a_new_reports(tmp_path):
    outcome = parse_document(report_page(), URL, "text/html", None)
    clean = ReportStore(tmp_path / "clean.db")
    clean.save_outcomes([outcome])
    expected = stored_rows(clean, report_id(URL))

    path = tmp_path / "r.db"
    ReportStore(path).close()
    rid = report_id(URL)
    shell = sqlite3.connect(path)  # foreign keys off, as sqlite3's shell has them
    first_key, first_check = expected[0][0][1], expected[1][0][1]
    with shell:
        shell.executemany(
            "INSERT INTO report_cells (report_id, key, value, raw) VALUES (?, ?, 0, 'left')",
            [(rid, first_key), (rid, "not a key of the report")],
        )
        shell.execute(
            "INSERT INTO report_checks (report_id, name, ok) VALUES (?, ?, 0)", [rid, first_check]
        )
    shell.close()
    store = ReportStore(path)
    assert store.save_outcomes([outcome])["new"] == 1
    assert stored_rows(store, rid) == expected
