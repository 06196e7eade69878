"""`python -m crawler.reparse` keeps numpy out of its process: sqlite_utils would import
it (~0.1 s of CPU) only to store numpy values, which no parse answer holds. Run as the
command runs, in a fresh interpreter: this one may have imported numpy already."""

from __future__ import annotations

import subprocess
import sys

from output.store import ReportStore
from tests.conftest import CORPUS, page
from tests.helpers import ROOT

# Runs the command's module as __main__ (what `python -m` does), then says its exit
# status, whether numpy was loaded, and whether the store's sqlite_utils was.
PROBE = """
import runpy
import sys

sys.argv[1:] = ["--db", sys.argv[1], "--kind", "report"]
try:
    runpy.run_module("crawler.reparse", run_name="__main__", alter_sys=True)
except SystemExit as done:
    print(done.code, sys.modules.get("numpy") is not None, "sqlite_utils" in sys.modules)
"""


def test_the_reparse_command_stores_its_reports_without_importing_numpy(tmp_path):
    db = tmp_path / "reports.db"
    store = ReportStore(db)
    shanghai = CORPUS.joinpath("shanghai-bgt-2019.html").read_text(encoding="utf-8")
    body = page("上海市人民政府办公厅2019年政府信息公开工作年度报告", shanghai).encode()
    store.save_page("http://a.gov.cn/ndbg/t1.html", 200, body, "text/html", "utf-8", "report")
    store.close()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.splitlines()[-1] == "0 False True", result.stderr
    assert "reports: 1" in result.stdout
    store = ReportStore(db)
    assert store.counts()["reports"] == 1
    store.close()
