"""python -m crawler.reparse: rebuild reports from stored page bodies, offline."""

from __future__ import annotations

from crawler.reparse import main, reparse
from output.store import ReportStore, report_id
from parsers.model import ParseOutcome, Report
from tests.conftest import CORPUS, page

REPORT_URL = "http://a.gov.cn/ndbg/202001/t20200131_1.html"
LIST_URL = "http://a.gov.cn/ndbg/"
PDF_URL = "http://a.gov.cn/ndbg/202402/P020240131.pdf"


def fill(path) -> ReportStore:
    store = ReportStore(path)
    shanghai = CORPUS.joinpath("shanghai-bgt-2019.html").read_text(encoding="utf-8")
    body = page("上海市人民政府办公厅2019年政府信息公开工作年度报告", shanghai).encode()
    store.save_page(REPORT_URL, 200, body, "text/html", "utf-8", "report")
    store.save_page(
        LIST_URL,
        200,
        b"<html><body><a href='x'>x</a></body></html>",
        "text/html; charset=utf-8",
        "utf-8",
        "list",
    )
    store.save_page(
        PDF_URL,
        200,
        CORPUS.joinpath("hongze-district-2023.pdf").read_bytes(),
        "application/pdf",
        None,
        "attachment",
    )
    store.save_attachment(REPORT_URL, PDF_URL, "report")
    # A stale report for the list page, as if an older parser had been fooled by it.
    stale = Report(
        url=LIST_URL,
        title="旧",
        organ=None,
        year=2019,
        published=None,
        format="unknown",
        body_text="",
    )
    store.save_outcomes([ParseOutcome(LIST_URL, stale)])
    return store


def test_reparse_rebuilds_reports_from_bodies(tmp_path):
    store = fill(tmp_path / "r.db")
    counts = reparse(store)
    assert counts["pages"] == 3 and counts["reports"] == 2 and counts["removed"] == 1
    urls = {url: source for url, source in store.db.execute("SELECT url, source_page FROM reports")}
    assert urls == {REPORT_URL: None, PDF_URL: REPORT_URL}
    assert (
        store.db.execute(
            "SELECT count(*) FROM report_cells WHERE report_id = ?", [report_id(REPORT_URL)]
        ).fetchone()[0]
        > 50
    )
    cells_before = store.counts()["report_cells"]
    reparse(store)  # again: same rows, nothing duplicated
    assert store.counts()["report_cells"] == cells_before and store.counts()["reports"] == 2
    store.close()


def test_reparse_cli_prints_counts(tmp_path, capsys):
    fill(tmp_path / "cli.db").close()
    assert main(["--db", str(tmp_path / "cli.db"), "--kind", "report"]) == 0
    out = capsys.readouterr().out
    assert "pages re-parsed: 1" in out and "reports: 1" in out
