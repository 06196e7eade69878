"""The analysts' interface of the database: cell_keys, the table views, search, cascades,
exports; on every kind of database the project writes."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from output.export import main as export_main
from output.labels import cell_keys
from output.search import search_ids
from output.store import MIGRATIONS, ReportStore, report_id
from parsers.model import Cell, Check, ParseOutcome, Report
from parsers.tables import CELLS_TSV
from tests.analyst_helpers import ROOT, demo_db, env

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


def tsv_keys() -> list[str]:
    with CELLS_TSV.open(encoding="utf-8") as handle:
        return list(dict.fromkeys(row["key"] for row in csv.DictReader(handle, delimiter="\t")))


def parsers_cli_db(tmp_path: Path) -> Path:
    db = tmp_path / "cli.db"
    files = sorted(str(p) for p in CORPUS.iterdir() if p.suffix in (".html", ".pdf"))
    result = subprocess.run(
        [sys.executable, "-m", "parsers", "--quiet", "--db", str(db), *files],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return db


def reparsed_db(tmp_path: Path) -> Path:
    db = tmp_path / "reparsed.db"
    shutil.copy(demo_db(), db)
    result = subprocess.run(
        [sys.executable, "-m", "crawler.reparse", "--db", str(db)],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture(params=["demo", "parsers_cli", "reparse"])
def written_db(request, tmp_path) -> Path:
    if request.param == "demo":
        return demo_db()
    return parsers_cli_db(tmp_path) if request.param == "parsers_cli" else reparsed_db(tmp_path)


def check_interface(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        keys = [row[0] for row in conn.execute("SELECT key FROM cell_keys")]
        assert sorted(keys) == sorted(tsv_keys())
        reports = [row[0] for row in conn.execute("SELECT id FROM reports")]
        assert reports
        overview = [row[0] for row in conn.execute("SELECT id FROM report_overview")]
        assert sorted(overview) == sorted(reports)
        order = {k.key: (k.row_order, k.column_order) for k in cell_keys()}
        columns = ["natural_person", "commercial", "research", "social", "legal_service",
                   "other_org", "total"]  # fmt: skip
        for rid in reports:
            cells = dict(conn.execute(
                "SELECT key, value FROM report_cells WHERE report_id = ? AND key LIKE 't3.%'",
                [rid]))  # fmt: skip
            rows = conn.execute(
                f"SELECT row_order, row_key, {', '.join(columns)} FROM t3_rows"
                " WHERE report_id = ?", [rid]).fetchall()  # fmt: skip
            assert [r[0] for r in rows] == sorted({order[k][0] for k in cells})
            from_view = {
                f"t3.{row_key}.{column}": value
                for _, row_key, *values in rows
                for column, value in zip(columns, values, strict=True)
                if f"t3.{row_key}.{column}" in cells
            }
            assert from_view == cells
        stored = {
            rid: "\n".join(p or "" for p in parts)
            for rid, *parts in conn.execute("SELECT id, title, organ, body_text FROM reports")
        }
        for term in ("复议", "行政复议", "政府信息", "人民政府办公厅", "诉讼"):
            assert search_ids(conn, term) == {r for r, t in stored.items() if term in t}
    finally:
        conn.close()


@pytest.mark.e2e
def test_every_database_the_project_writes_has_the_analysts_interface(written_db):
    check_interface(written_db)


@pytest.mark.e2e
def test_datasette_done_check_search_for_fuyi(written_db):
    name = written_db.stem
    result = subprocess.run(
        [sys.executable, "-m", "datasette", str(written_db), "-m",
         str(ROOT / "output" / "metadata.yaml"), "--get",
         f"/{name}/search.json?q=复议&_shape=array"],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    import json

    found = {row["id"] for row in json.loads(result.stdout)}
    conn = sqlite3.connect(written_db)
    expected = {
        rid
        for rid, t, o, b in conn.execute("SELECT id, title, organ, body_text FROM reports")
        if "复议" in (t or "") + (o or "") + (b or "")
    }
    conn.close()
    assert found == expected and found


def report(url: str, title: str, body: str) -> Report:
    return Report(
        url=url, title=title, organ="示范县人民政府", year=2023, published=None,
        format="2021", body_text=body,
        cells=[Cell("t3.new_received.total", 5, "5"), Cell("t4.review.total", 1, "1")],
        checks=[Check("t3.balance.total", False, "1 ≠ 2")],
    )  # fmt: skip


def test_deleting_a_report_takes_its_cells_checks_and_search_entry(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    a, b = "http://x.gov.cn/a.html", "http://x.gov.cn/b.html"
    store.save_outcomes([ParseOutcome(a, report(a, "甲报告", "行政复议两件")),
                         ParseOutcome(b, report(b, "乙报告", "没有诉讼"))])  # fmt: skip
    conn = store.db.conn
    assert search_ids(conn, "复议") == {report_id(a)}
    store.save_outcomes([ParseOutcome(a, report(a, "甲报告", "改写后没有那个词"))])
    assert search_ids(conn, "复议") == set()
    assert search_ids(conn, "改写后") == {report_id(a)}
    store.save_outcomes([ParseOutcome(a, None, "not a report")])
    for table in ("report_cells", "report_checks"):
        rows = conn.execute(f"SELECT DISTINCT report_id FROM {table}").fetchall()
        assert rows == [(report_id(b),)]
    assert search_ids(conn, "报告") == {report_id(b)}
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO report_cells (report_id, key) VALUES ('nope', 't3.x')")
    store.close()


def test_migration_4_keeps_the_data_of_an_older_database(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for _, _, sql in MIGRATIONS[:2]:
        conn.executescript(sql)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT,"
                 " applied_at TEXT)")  # fmt: skip
    conn.executemany("INSERT INTO schema_migrations VALUES (?, ?, '')",
                     [(v, n) for v, n, _ in MIGRATIONS[:2]])  # fmt: skip
    conn.execute("INSERT INTO reports (id, url, title, organ, body_text) VALUES"
                 " ('r1', 'http://x/1', '年度报告', '示范县', '行政复议')")  # fmt: skip
    conn.execute("INSERT INTO report_cells VALUES ('r1', 't3.new_received.total', 7, '7')")
    conn.execute("INSERT INTO report_checks VALUES ('r1', 't3.balance.total', 1, '')")
    conn.commit()
    conn.close()
    store = ReportStore(path)
    conn = store.db.conn
    assert conn.execute("SELECT value FROM report_cells").fetchall() == [(7,)]
    assert conn.execute("SELECT count(*) FROM report_checks").fetchone() == (1,)
    assert search_ids(conn, "复议") == {"r1"}
    assert conn.execute("SELECT new_requests FROM report_overview").fetchall() == [(7,)]
    store.close()


def test_export_writes_csv_with_bom_and_xlsx_and_refuses_bad_input(tmp_path, capsys):
    db = demo_db()
    out = tmp_path / "t3.csv"
    assert export_main(["--db", str(db), "--view", "t3_rows", "--out", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    conn = sqlite3.connect(db)
    assert len(rows) - 1 == conn.execute("SELECT count(*) FROM t3_rows").fetchone()[0]
    conn.close()
    assert rows[0][:6] == ["report_id", "organ", "year", "row_order", "row_key", "row_label"]
    xlsx = tmp_path / "t3.xlsx"
    assert export_main(["--db", str(db), "--view", "t3_rows", "--format", "xlsx",
                        "--out", str(xlsx)]) == 0  # fmt: skip
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    assert sheet.max_row == len(rows)
    assert isinstance(sheet.cell(row=2, column=7).value, (int, float, type(None)))
    capsys.readouterr()
    assert export_main(["--db", str(db), "--view", "nope", "--out", str(out)]) == 2
    assert out.read_bytes() == raw  # untouched
    missing = tmp_path / "missing.db"
    assert export_main(["--db", str(missing), "--view", "t3_rows", "--out", str(out)]) == 2
    assert not missing.exists()
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors)


def test_upgrade_and_serve_refuse_a_file_that_is_not_a_reports_database(tmp_path, capsys):
    from output.serve import main as serve_main
    from output.upgrade import main as upgrade_main

    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    assert upgrade_main(["--db", str(other)]) == 2
    assert serve_main(["--db", str(other), "--port", "1"]) == 2
    assert serve_main(["--db", str(tmp_path / "missing.db"), "--port", "1"]) == 2
    assert other.read_bytes() == before and not (tmp_path / "missing.db").exists()
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("error: ") for line in errors)


def test_metadata_describes_every_table_view_and_column():
    import yaml

    metadata = yaml.safe_load((ROOT / "output" / "metadata.yaml").read_text(encoding="utf-8"))
    described = metadata["databases"]["*"]["tables"]
    conn = sqlite3.connect(demo_db())
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'reports_fts_%'"
        )
    ]
    for name in names:
        assert described.get(name, {}).get("description"), name
        if name == "reports_fts":
            continue
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')]
        missing = set(columns) - set(described[name].get("columns") or {})
        assert not missing, (name, missing)
    conn.close()
