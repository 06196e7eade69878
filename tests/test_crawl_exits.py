"""`scrapy crawl annual_reports` says what happened: its exit status, warnings and summary.

Real `scrapy crawl` runs against the demo portal on 127.0.0.1 (README: Exit status).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.e2e

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_TIMES=0"]


def scrapy_crawl(db: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "scrapy", "crawl", "annual_reports"]
    command += ["-s", f"REPORTS_DB={db}", *FAST, *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def summary(result: subprocess.CompletedProcess) -> list[str]:
    """The summary lines of a run (logged at the PROGRESS level)."""
    return [
        line.split("PROGRESS: ", 1)[1]
        for line in result.stderr.splitlines()
        if "PROGRESS: " in line and "PROGRESS: progress:" not in line
    ]


@pytest.fixture(scope="module")
def portal():
    from demo.server import serve

    server, base = serve(ROOT / "demo" / "portal", "127.0.0.1", port=0)
    try:
        yield base.rstrip("/")
    finally:
        server.shutdown()
        server.server_close()


def test_a_good_crawl_prints_warnings_and_a_summary_not_the_whole_log(portal, tmp_path):
    result = scrapy_crawl(tmp_path / "r.db", "-a", "site=demo-trs", "-a", f"demo_base={portal}")
    assert result.returncode == 0, result.stderr[-3000:]
    first = summary(result)[0]
    assert first.startswith("ok (finished): fetched ") and first.endswith("exit status 0")
    assert "fetched 7 pages (0 unchanged), stored 3 reports (3 new, 0 updated), 0 failed" in first
    for chatter in ("Overridden settings", "Enabled extensions", "Dumping Scrapy stats"):
        assert chatter not in result.stderr


def test_the_full_log_is_one_setting_away(portal, tmp_path):
    db = tmp_path / "r.db"
    args = ("-a", "site=demo-trs", "-a", f"demo_base={portal}", "-s", "LOG_LEVEL=INFO")
    result = scrapy_crawl(db, *args)
    assert result.returncode == 0
    assert "Dumping Scrapy stats" in result.stderr and summary(result)


def test_unknown_site_exits_2_with_one_error_line(tmp_path):
    result = scrapy_crawl(tmp_path / "r.db", "-a", "site=no-such-site")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and "no site matching no-such-site" in errors[0]
    assert summary(result)[0].endswith("exit status 2")


def test_registry_option_typo_exits_2_with_one_error_line_naming_site_and_option(tmp_path):
    registry = tmp_path / "registry.yaml"
    registry.write_text(
        "sites:\n  - name: typo-site\n    start_urls: [http://127.0.0.1:9/ndbg/]\n"
        "    family: trs\n    options:\n      api_ulr: /api?page={page}\n",
        encoding="utf-8",
    )
    result = scrapy_crawl(tmp_path / "r.db", "-a", f"registry={registry}")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and "typo-site" in errors[0] and "'api_ulr'" in errors[0]
    assert "allowed:" in errors[0] and summary(result)[0].endswith("exit status 2")


def test_start_url_answering_404_exits_1(portal, tmp_path):
    result = scrapy_crawl(tmp_path / "r.db", "-a", f"start_url={portal}/no/such/column/")
    assert result.returncode == 1
    first, failures = summary(result)[:2]
    assert first.startswith("failed (fetched nothing)") and failures == "failed: http 404 1"


def test_host_refusing_connections_exits_1(tmp_path):
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = scrapy_crawl(tmp_path / "r.db", "-a", f"start_url=http://127.0.0.1:{port}/zwgk/")
    assert result.returncode == 1
    assert summary(result)[1] == "failed: connection refused 1"
    assert "Gave up retrying" not in result.stderr


def test_list_filled_by_an_uncovered_script_is_one_warning_naming_the_option(portal, tmp_path):
    column = f"{portal}/trsapi-site/zwgk/zfxxgknb/index.html"  # the registry sets api_url
    result = scrapy_crawl(tmp_path / "r.db", "-a", f"start_url={column}")
    assert result.returncode == 1
    warnings = [line for line in result.stderr.splitlines() if " WARNING: " in line]
    assert len(warnings) == 1 and "set the site option api_url" in warnings[0]
    lines = summary(result)
    assert lines[0].startswith("failed (no report link: the list is filled by a script")
    assert "lists filled by a script the options do not cover: 1" in lines[1]
