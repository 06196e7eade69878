"""Shared test helpers: where fixtures live and how gold is compared."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"


def norm(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def load_gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def gold_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.json"))


def source_of(gold: dict) -> Path:
    return FIXTURES / gold["source"]


def same_value(got, want) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(float(got) - float(want)) < 1e-6


def gold_differences(report, gold: dict) -> list[str]:
    """Every way ``report`` differs from ``gold``, in the scorer's terms."""
    problems = []
    cells = report.cell_map()
    for key, want in gold.get("cells", {}).items():
        if key not in cells:
            problems.append(f"cell {key} missing (want {want!r})")
        elif not same_value(cells[key], want):
            problems.append(f"cell {key}: want {want!r}, got {cells[key]!r}")
    for key in sorted(set(cells) - set(gold.get("cells", {}))):
        problems.append(f"cell {key} not in gold (got {cells[key]!r})")
    if report.year != gold["year"]:
        problems.append(f"year: want {gold['year']}, got {report.year}")
    if report.format != gold["format"]:
        problems.append(f"format: want {gold['format']}, got {report.format}")
    if norm(gold["organ_contains"]) not in norm(report.organ):
        problems.append(f"organ: want …{gold['organ_contains']}…, got {report.organ}")
    if gold.get("published") and report.published != gold["published"]:
        problems.append(f"published: want {gold['published']}, got {report.published}")
    body = norm(report.body_text)
    problems += [
        f"text missing: {s[:30]}" for s in gold.get("must_contain", []) if norm(s) not in body
    ]
    problems += [
        f"chrome kept: {s[:30]}" for s in gold.get("must_not_contain", []) if norm(s) in body
    ]
    return problems


def stored_report(db: Path, source: str):
    """The report stored in a database for a gold ``source``, found as the gold scorer
    finds it (the URL's last segment has the source's file stem), shaped for
    ``gold_differences``; None when the database has no such report."""
    import sqlite3
    from pathlib import PurePosixPath
    from types import SimpleNamespace

    def stem(url: str) -> str:
        return PurePosixPath(url.split("?")[0].rstrip("/")).name.rsplit(".", 1)[0]

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        for row in conn.execute("SELECT * FROM reports ORDER BY url"):
            if stem(row["url"] or "") == stem(source):
                cells = dict(
                    conn.execute(
                        "SELECT key, value FROM report_cells WHERE report_id = ?", [row["id"]]
                    ).fetchall()
                )
                return SimpleNamespace(**dict(row), cell_map=lambda cells=cells: cells)
    finally:
        conn.close()
    return None


def fresh_python_last_line(code: str, *args: str) -> str:
    """The last line ``code`` prints in a fresh interpreter started as `scrapy crawl`'s
    would be (project settings, a bare PATH): what a module imports shows there only."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "SCRAPY_SETTINGS_MODULE": "crawler.settings"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@cache
def real_report_rows() -> list[tuple[str, list[tuple], list[tuple]]]:
    """(an id, cell rows, check rows) of the report of every real page of tests/fixtures
    and the demo portal that holds one, its rows as the store writes them."""
    from output.stored_form import stored_form
    from parsers import parse_document

    pages = sorted(FIXTURES.rglob("*.htm*")) + sorted((ROOT / "demo" / "portal").rglob("*.htm*"))
    found = []
    for number, path in enumerate(pages):
        outcome = parse_document(path.read_bytes(), url=f"http://x.gov.cn/{number}.html")
        if outcome.report is not None:
            report = stored_form(outcome).report
            found.append((f"{number:016x}", report.cells, report.checks))
    return found
