"""`scrapy crawl annual_reports -O reports.<fmt>`: one clean record per report, equal to
what the database holds (real crawls of the bundled demo portal on loopback)."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from crawler.feeds import csv_columns, flat_record
from crawler.items import ReportRecord
from demo.server import serve

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=INFO"]
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def portal():
    server, base = serve(port=0)
    yield base
    server.shutdown()
    server.server_close()


def crawl(cwd: Path, base: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "annual_reports", "-a", "site=demo-*",
         "-a", f"demo_base={base}", *FAST, *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    for noise in ("Traceback", "Dropped:", "TypeError", "Error processing"):
        assert noise not in result.stderr, result.stderr[-3000:]
    return result


def db_records(db: Path) -> dict[str, ReportRecord]:
    """What the database holds, as feed records."""
    conn = sqlite3.connect(db)
    records = {}
    for row in conn.execute(
        "SELECT id, url, source_page, title, organ, year, format, published, warnings_json"
        " FROM reports"
    ):
        rid = row[0]
        cells = dict(conn.execute(
            "SELECT c.key, c.value FROM report_cells c LEFT JOIN cell_keys k ON k.key = c.key"
            " WHERE c.report_id = ? ORDER BY k.rowid, c.key", [rid]))  # fmt: skip
        failed = [
            {"name": name, "detail": detail}
            for name, detail in conn.execute(
                "SELECT name, detail FROM report_checks WHERE report_id = ? AND ok = 0"
                " ORDER BY name",
                [rid],
            )
        ]
        records[rid] = ReportRecord(*row[:8], cells, failed, json.loads(row[8] or "[]"))
    conn.close()
    assert records
    return records


def as_dict(record: ReportRecord) -> dict:
    data = dict(vars(record))
    data["failed_checks"] = sorted(data["failed_checks"], key=lambda c: c["name"])
    return data


def text(value) -> str:
    return "" if value is None else str(value)


def read_xml(path: Path) -> list[dict]:
    items = []
    for item in etree.parse(str(path)).getroot():
        record = {}
        for field in item:
            if field.tag == "cells":
                record["cells"] = {cell.tag: cell.text or "" for cell in field}
            elif field.tag in ("failed_checks", "warnings"):
                values = list(field)
                record[field.tag] = [
                    {part.tag: part.text or "" for part in v} if len(v) else v.text or ""
                    for v in values
                ]
            else:
                record[field.tag] = field.text or ""
        items.append(record)
    return items


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "xml"])
def test_each_feed_format_gives_one_record_per_report_equal_to_the_database(tmp_path, portal, fmt):
    db, out = tmp_path / "r.db", tmp_path / f"reports.{fmt}"
    out.write_text("old content")  # -O overwrites
    crawl(tmp_path, portal, "-s", f"REPORTS_DB={db}", "-O", str(out))
    stored = db_records(db)
    raw = out.read_text(encoding="utf-8")
    assert "淮安市人民政府" in raw and "old content" not in raw  # characters, not \u escapes
    if fmt in ("jsonl", "json"):
        rows = (
            [json.loads(line) for line in raw.splitlines()] if fmt == "jsonl" else json.loads(raw)
        )
        assert sorted(r["id"] for r in rows) == sorted(stored)
        for row in rows:
            assert list(row) == list(vars(stored[row["id"]]))
            row["failed_checks"] = sorted(row["failed_checks"], key=lambda c: c["name"])
            assert row == as_dict(stored[row["id"]])
            assert list(row["cells"]) == list(stored[row["id"]].cells)  # cells.tsv order
    elif fmt == "csv":
        rows = list(csv.DictReader(raw.splitlines()))
        assert list(rows[0]) == csv_columns()
        assert sorted(r["id"] for r in rows) == sorted(stored)
        for row in rows:
            expected = flat_record(stored[row["id"]])
            assert row == {column: text(expected.get(column)) for column in csv_columns()}
    else:
        rows = read_xml(out)
        assert sorted(r["id"] for r in rows) == sorted(stored)
        for row in rows:
            expected = as_dict(stored[row["id"]])
            assert row["cells"] == {k: text(v) for k, v in expected["cells"].items()}
            assert sorted(row["failed_checks"], key=lambda c: c["name"]) == [
                {k: text(v) for k, v in c.items()} for c in expected["failed_checks"]
            ]
            assert row["warnings"] == expected["warnings"]
            for field in ("url", "source_page", "title", "organ", "year", "format", "published"):
                assert row[field] == text(expected[field]), field


def test_feeds_setting_and_append_work_without_reports_db(tmp_path, portal):
    feeds = json.dumps({"via-setting.json": {"format": "json"}})
    crawl(tmp_path, portal, "-s", f"FEEDS={feeds}")
    stored = db_records(tmp_path / "output" / "reports.db")  # the default REPORTS_DB
    first = json.loads((tmp_path / "via-setting.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in first) == sorted(stored)
    for _ in range(2):  # -o appends; refresh re-parses the unchanged pages
        crawl(tmp_path, portal, "-a", "refresh=1", "-o", "appended.jsonl")
    lines = (tmp_path / "appended.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(list(stored) * 2)
