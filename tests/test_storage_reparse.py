"""python -m crawler.reparse: rebuild reports from stored page bodies, offline."""

from __future__ import annotations

import pytest

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


def test_reparse_keeps_a_report_with_cells_when_its_body_now_reads_worse(tmp_path):
    store = fill(tmp_path / "keep.db")
    reparse(store)
    cells = store.report_cell_count(REPORT_URL)
    assert cells and cells > 50
    # The stored body replaced by a maintenance page (as a crawl once did).
    store.save_page(
        REPORT_URL,
        200,
        "<html><body>系统维护中</body></html>".encode(),
        "text/html",
        None,
        "report",
    )
    counts = reparse(store, ["report"])
    assert counts["kept_better"] == 1
    assert store.report_cell_count(REPORT_URL) == cells
    counts = reparse(store, ["report"], drop_worse=True)
    assert store.report_cell_count(REPORT_URL) is None and counts["removed"] == 1
    store.close()


def many_pages(path, count: int, slow_first: bool = False) -> ReportStore:
    """count report pages; slow_first: the first one with 2 MB of tables after its report,
    so that the next ones are read before it."""
    store = ReportStore(path)
    shanghai = CORPUS.joinpath("shanghai-bgt-2019.html").read_text(encoding="utf-8")
    padding = "<table>" + "<tr><td>1</td><td>合计</td><td>2</td></tr>" * 40_000 + "</table>"
    for n in range(count):
        title = f"示范县{n}号单位2019年政府信息公开工作年度报告"
        url = f"http://a.gov.cn/ndbg/r{n:03d}.html"
        body = page(title, shanghai + (padding if slow_first and n == 0 else ""))
        store.save_page(url, 200, body.encode(), "text/html", "utf-8", "report")
    return store


@pytest.mark.parametrize("pool_batch", [1, 3, 25])  # pages handed to a worker at once
def test_reparse_stores_outcomes_in_the_pages_order_whatever_order_they_are_read_in(
    tmp_path, monkeypatch, pool_batch
):
    import crawler.reparse

    monkeypatch.setattr(crawler.reparse, "POOL_BATCH", pool_batch)
    store = many_pages(tmp_path / "r.db", 12, slow_first=True)
    seen = []
    save = ReportStore.save_outcomes
    monkeypatch.setattr(
        ReportStore,
        "save_outcomes",
        lambda self, outcomes, *a: seen.extend(o.url for o in outcomes) or save(self, outcomes, *a),
    )
    counts = reparse(store)
    assert counts["pages"] == 12 and seen == sorted(seen) and len(seen) == 12
    store.close()


def window_of(store, monkeypatch) -> int:
    """Reparse store; the most pages submitted to the pool and not yet stored."""
    from crawler.worker import ParsePool

    submitted, stored, windows = [0], [0], []
    submit, submit_batch = ParsePool.submit, ParsePool.submit_batch
    save = ReportStore.save_outcomes

    def counting_submit(self, *args, **options):
        submitted[0] += 1
        return submit(self, *args, **options)

    def counting_batch(self, documents):
        submitted[0] += len(documents)
        return submit_batch(self, documents)

    def counting_save(self, outcomes, *args):
        outcomes = list(outcomes)
        windows.append(submitted[0] - stored[0])
        stored[0] += len(outcomes)
        return save(self, outcomes, *args)

    monkeypatch.setattr(ParsePool, "submit", counting_submit)
    monkeypatch.setattr(ParsePool, "submit_batch", counting_batch)
    monkeypatch.setattr(ReportStore, "save_outcomes", counting_save)
    counts = reparse(store)
    assert counts["pages"] == stored[0] == submitted[0]
    return max(windows)


def test_reparse_parses_ahead_of_storing_up_to_its_window_of_pages(tmp_path, monkeypatch):
    import crawler.reparse

    store = many_pages(tmp_path / "r.db", 12)
    monkeypatch.setattr(crawler.reparse, "BATCH", 2)
    monkeypatch.setattr(crawler.reparse, "IN_FLIGHT", 5)
    assert window_of(store, monkeypatch) == 5
    store.close()


def test_reparse_holds_no_more_bodies_in_flight_than_its_byte_bound(tmp_path, monkeypatch):
    import crawler.reparse

    store = many_pages(tmp_path / "r.db", 12)
    # Held as stored (zlib): the workers inflate them.
    body = max(len(page.body) for page in store.iter_pages(compressed=True))
    monkeypatch.setattr(crawler.reparse, "BATCH", 2)
    monkeypatch.setattr(crawler.reparse, "IN_FLIGHT", 10)
    monkeypatch.setattr(crawler.reparse, "IN_FLIGHT_BYTES", int(2.5 * body))
    assert window_of(store, monkeypatch) == 3  # the third body passes the bound
    store.close()


def test_a_text_hash_worked_out_by_a_worker_stores_what_the_store_works_out(tmp_path):
    from output.identity import text_hash
    from parsers import parse_document

    body = CORPUS.joinpath("shanghai-bgt-2019.html").read_bytes()
    outcome = parse_document(body, REPORT_URL, "text/html")
    dumps = []
    for name, hashes in (
        ("own", None),
        ("given", {REPORT_URL: text_hash(outcome.report.body_text)}),
    ):
        store = ReportStore(tmp_path / f"{name}.db")
        store.save_outcomes([outcome], None, hashes)
        rows = store.db.execute("SELECT * FROM reports").fetchall()
        dumps.append([row[:12] + row[13:] for row in rows])  # parsed_at left out
        store.close()
    assert dumps[0] == dumps[1] and len(dumps[0]) == 1
