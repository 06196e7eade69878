"""`python -m parsers FILE... --db PATH` as a user runs it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from tests.helpers import FIXTURES, ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "parsers", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_prints_json_for_reports_and_reasons_for_other_pages():
    seed = str(next(FIXTURES.glob("seeds/002_*.txt")))
    column = str(FIXTURES / "corpus/ordos-engebei-column.html")
    result = run_cli(seed, column)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed[0]["is_report"] and printed[0]["report"]["organ"].endswith("诺敏镇人民政府")
    assert not printed[1]["is_report"] and printed[1]["reason"]
    assert "not a report" in result.stderr


def test_unreadable_file_gets_one_line_and_the_others_still_go_through(tmp_path):
    db = tmp_path / "r.db"
    seed = str(next(FIXTURES.glob("seeds/004_*.txt")))
    result = run_cli(str(tmp_path / "missing.html"), seed, "--db", str(db), "--quiet")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "missing.html" in errors[0]
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from reports").fetchone()[0] == 1


def test_storing_the_same_files_twice_updates_rows_without_duplicates(tmp_path):
    db = tmp_path / "r.db"
    files = [str(path) for path in sorted(FIXTURES.glob("seeds/*.txt"))]
    for _ in range(2):
        assert run_cli(*files, "--db", str(db), "--quiet").returncode == 0
    with sqlite3.connect(db) as connection:
        reports = connection.execute("select count(*) from reports").fetchone()[0]
        cells = connection.execute("select count(*) from report_cells").fetchone()[0]
        distinct = connection.execute(
            "select count(*) from (select distinct report_id, key from report_cells)"
        ).fetchone()[0]
    assert reports == 5
    assert cells == distinct == 986 - 198  # every seed cell once; the Shanghai page is no seed
