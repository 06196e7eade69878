"""The pieces behind unattended runs, one at a time and without a network: middlewares,
failure reasons, the keep-better pipeline, safe attachment names, the runs migration."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem, IgnoreRequest, ResponseDataLossError
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure

from crawler.failures import FetchFailed, reason_of
from crawler.files import attachment_path, safe_extension, save_attachment_file
from crawler.items import AttachmentItem, DocumentItem, FailureItem, OutcomeItem, PageItem
from crawler.middlewares import (
    ConditionalGetMiddleware,
    RedirectGuardMiddleware,
    ResponseGuardMiddleware,
    ResponseHeadersMiddleware,
    retry_after_seconds,
)
from crawler.pipelines import KeepBetterReportPipeline
from crawler.storing import write_items
from output.store import MIGRATIONS, ReportStore
from parsers.model import Cell, ParseOutcome, Report
from parsers.provenance import SAME_AS_PAGE

URL = "http://www.example.gov.cn/xxgk/ndbg/t20240131_1.html"


def crawler_for(tmp_path=None, **settings):
    if tmp_path is not None:
        settings.setdefault("REPORTS_DB", str(tmp_path / "r.db"))
    crawler = get_crawler(Spider, {"RETRY_TIMES": 1, **settings})
    crawler.spider = crawler._create_spider("t", allowed_domains=["www.example.gov.cn"])
    crawler.stats.open_spider()
    return crawler


def report(cells: int) -> Report:
    return Report(
        URL, "示范县2023年政府信息公开工作年度报告", "示范县人民政府", 2023, None, "2021", "正文",
        cells=[Cell(f"t3.k{i}", i, str(i)) for i in range(cells)],
    )  # fmt: skip


# --- failure reasons ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (FetchFailed("empty body"), "empty body"),
        (HttpError(Response(URL, status=503)), "http 503"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots.txt"),
        (IgnoreRequest("max redirections reached"), "redirect loop"),
        (ResponseDataLossError(), "truncated body"),
        (ConnectionLost(), "connection reset"),
    ],
)
def test_failures_get_a_short_reason(error, reason):
    assert reason_of(Failure(error)) == reason


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Mon, 01 Jan 2024 11:00:00 GMT", now) == 0  # in the past
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


# --- downloader middlewares --------------------------------------------------------------------


def test_redirect_to_itself_or_back_is_a_redirect_loop():
    guard = RedirectGuardMiddleware(crawler_for())
    request = Request(URL + "?loop=1", meta={"redirect_urls": [URL]})
    with pytest.raises(FetchFailed, match="redirect loop"):
        guard.process_response(request, Response(request.url, 302, {"Location": URL}))
    # index.html -> the folder is not a loop: URLs are compared exactly.
    folder = Request("http://www.example.gov.cn/ndbg/")
    answer = Response(folder.url, 301, {"Location": "/ndbg/index.html"})
    assert guard.process_response(folder, answer) is answer


def test_redirect_to_another_host_is_an_offsite_redirect():
    guard = RedirectGuardMiddleware(crawler_for())
    away = Response(URL, 302, {"Location": "http://ads.example.com/x"})
    with pytest.raises(FetchFailed, match="off-site redirect"):
        guard.process_response(Request(URL), away)
    sub = Response(URL, 302, {"Location": "http://m.www.example.gov.cn/x"})
    assert guard.process_response(Request(URL), sub) is sub  # a subdomain, as Scrapy allows


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (Response(URL, 200, body=b""), "empty body"),
        (HtmlResponse(URL, body=b"<html><body>half", flags=["dataloss"]), "truncated body"),
    ],
)
def test_empty_or_dataloss_response_is_retried_then_fails(response, reason):
    guard = ResponseGuardMiddleware(crawler_for())
    retry = guard.process_response(Request(URL), response)
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    with pytest.raises(FetchFailed, match=reason):
        guard.process_response(retry, response)


def test_conditional_get_sends_validators_and_answers_304_from_storage(tmp_path):
    crawler = crawler_for(tmp_path)
    store = ReportStore(tmp_path / "r.db")
    body = b"<html><body>stored report</body></html>"
    store.save_page(URL, 200, body, "text/html; charset=utf-8", "utf-8", "report", etag='"v1"')
    store.save_page(URL + "?list", 200, b"<ul></ul>", "text/html", None, "list", etag='"l1"')
    store.close()
    middleware = ConditionalGetMiddleware(crawler)

    request = Request(URL)
    middleware.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert 304 in request.meta["handle_httpstatus_list"]
    answer = middleware.process_response(request, Response(URL, 304, {"ETag": '"v1"'}))
    assert (answer.status, answer.body) == (200, body) and "not_modified" in answer.flags
    assert answer.headers[b"Content-Type"] == b"text/html; charset=utf-8"

    listing = Request(URL + "?list")  # list pages are always fetched in full
    middleware.process_request(listing)
    assert b"If-None-Match" not in listing.headers
    # A redirect keeps the headers; they must not vouch for another URL.
    moved = request.replace(url=URL + "?moved")
    middleware.process_request(moved)
    assert b"If-None-Match" not in moved.headers
    middleware.spider_closed()


def test_conditional_get_is_off_with_refresh(tmp_path):
    crawler = crawler_for(tmp_path)
    crawler.spider.refresh = True
    store = ReportStore(tmp_path / "r.db")
    store.save_page(URL, 200, b"x", None, None, "report", etag='"v1"')
    store.close()
    request = Request(URL)
    ConditionalGetMiddleware(crawler).process_request(request)
    assert b"If-None-Match" not in request.headers


def test_page_items_get_validators_and_file_name_of_their_response():
    response = Response(
        URL,
        headers={
            "ETag": '"abc"',
            "Last-Modified": "Wed, 31 Jan 2024 08:00:00 GMT",
            "Content-Disposition": 'attachment; filename="../../报告.pdf"',
        },
    )
    item = PageItem(URL, 200, b"x", None, None, "attachment")
    processed = ResponseHeadersMiddleware(crawler_for()).get_processed_item(item, response)
    assert (processed.etag, processed.last_modified) == ('"abc"', "Wed, 31 Jan 2024 08:00:00 GMT")
    assert processed.filename.endswith(".pdf")


# --- keep the better report ----------------------------------------------------------------


@pytest.fixture()
def keeper(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    store.save_outcomes([ParseOutcome(URL, report(cells=20))])
    store.close()
    pipeline = KeepBetterReportPipeline(str(tmp_path / "r.db"))
    pipeline.open_spider()
    yield pipeline
    pipeline.close_spider()


@pytest.mark.parametrize(
    "outcome",
    [ParseOutcome(URL, None, reason="no annual-report title"), ParseOutcome(URL, report(19))],
    ids=["not a report", "fewer cells"],
)
def test_worse_outcome_keeps_the_stored_report_and_body(keeper, outcome):
    kept = keeper.process_item(OutcomeItem(outcome))
    assert isinstance(kept, FailureItem) and kept.reason == "worse parse kept old"
    with pytest.raises(DropItem):
        keeper.process_item(PageItem(URL, 200, b"<html>error</html>", None, None, "report"))
    attachment = keeper.process_item(AttachmentItem("http://x/page", URL, "not-report"))
    assert attachment.status == "failed"  # tried again next run


@pytest.mark.parametrize(
    "outcome",
    [ParseOutcome(URL, None, reason="no annual-report title"), ParseOutcome(URL, report(19))],
    ids=["not a report", "fewer cells"],
)
def test_worse_document_keeps_the_stored_body_and_records_its_attachments(keeper, outcome):
    parts = [
        OutcomeItem(outcome),
        AttachmentItem(URL, "http://x/report.pdf", "queued"),
        PageItem(URL, 200, b"<html>error</html>", None, None, "report"),
    ]
    document = keeper.process_item(DocumentItem(URL, parts))
    # The failure instead of the outcome, the attachment as it was, no body.
    assert [type(part) for part in document.parts] == [FailureItem, AttachmentItem]
    assert document.parts[0].reason == "worse parse kept old"
    assert document.parts[1].status == "queued"


def test_a_document_gets_the_headers_of_its_response():
    response = Response(URL, headers={"ETag": '"abc"'})
    page = PageItem(URL, 200, b"x", None, None, "report")
    document = DocumentItem(URL, [OutcomeItem(ParseOutcome(URL, report(3))), page])
    ResponseHeadersMiddleware(crawler_for()).get_processed_item(document, response)
    assert page.etag == '"abc"'


@pytest.mark.parametrize(
    "outcome",
    [
        ParseOutcome(URL, report(20)),
        ParseOutcome(URL, report(25)),
        ParseOutcome(URL, None, reason=SAME_AS_PAGE),  # deduplication is not a bad fetch
        ParseOutcome(URL + "new", None, reason="not a report"),  # nothing stored to keep
    ],
    ids=["as many cells", "more cells", "same report as page", "new url"],
)
def test_equal_or_better_outcome_goes_through(keeper, outcome):
    item = OutcomeItem(outcome)
    assert keeper.process_item(item) is item


def test_a_report_let_through_counts_for_the_rest_of_the_crawl_before_it_is_written(keeper):
    # The writer thread may not have stored it yet: what the crawl let through is known.
    better = OutcomeItem(ParseOutcome(URL, report(25)))
    assert keeper.process_item(better) is better
    assert isinstance(keeper.process_item(OutcomeItem(ParseOutcome(URL, report(22)))), FailureItem)
    gone = OutcomeItem(ParseOutcome(URL, None, reason=SAME_AS_PAGE))  # the URL loses its report
    assert keeper.process_item(gone) is gone
    fresh = OutcomeItem(ParseOutcome(URL, report(3)))
    assert keeper.process_item(fresh) is fresh


def _counting_asks(monkeypatch) -> list[str]:
    """The URLs whose stored cell count is asked of a store from now on."""
    asked: list[str] = []
    count = ReportStore.report_cell_count
    monkeypatch.setattr(
        ReportStore, "report_cell_count", lambda store, url: asked.append(url) or count(store, url)
    )
    return asked


def test_the_store_is_asked_once_for_each_address_the_crawl_meets(keeper, monkeypatch):
    asked = _counting_asks(monkeypatch)
    # URL's report, asked for; the same address with a session id, known by then.
    assert isinstance(keeper.process_item(OutcomeItem(ParseOutcome(URL, report(19)))), FailureItem)
    again = OutcomeItem(ParseOutcome(URL + "?sid=1", report(12)))
    assert isinstance(keeper.process_item(again), FailureItem)
    new = OutcomeItem(ParseOutcome("http://x/other", report(3)))  # nothing stored there
    assert keeper.process_item(new) is new
    assert asked == [URL, "http://x/other"]


def test_a_database_without_reports_is_not_asked_about_any_address(tmp_path, monkeypatch):
    asked = _counting_asks(monkeypatch)
    pipeline = KeepBetterReportPipeline(str(tmp_path / "empty.db"))
    pipeline.open_spider()
    try:
        first = OutcomeItem(ParseOutcome(URL, report(20)))
        assert pipeline.process_item(first) is first
        worse = pipeline.process_item(OutcomeItem(ParseOutcome(URL, report(5))))
        assert isinstance(worse, FailureItem)  # what the crawl let through counts
    finally:
        pipeline.close_spider()
    assert asked == []


# --- attachment files ------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd",
    "/etc/cron.d/evil.sh",
    "..\\..\\windows\\system32\\evil.dll",
    "report.pdf\x00.sh",
    "a" * 5000 + ".pdf",
    "报告.PDF",
    ".bashrc",
    "x.p%2fdf",
    "",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_attachment_names_cannot_escape_the_folder(tmp_path, name):
    root = tmp_path / "files"
    body = b"%PDF-1.4 " + name.encode("utf-8", "replace")
    for url, filename in ((f"http://x.gov.cn/{name}", None), ("http://x.gov.cn/f?id=1", name)):
        path = save_attachment_file(root, body, url, filename)
        assert path.resolve().parent.parent == root.resolve()
        assert len(path.name) <= 64 + 1 + 8 and path.read_bytes() == body
    assert {p.name for p in tmp_path.iterdir()} == {"files"}


def test_attachment_extension_is_kept_only_when_plain():
    assert safe_extension("http://x/a.PDF") == "pdf"
    assert safe_extension("http://x/download?id=3", 'a".docx') == "docx"
    assert safe_extension("http://x/a.tar.gz/../b") == "bin"
    assert safe_extension("http://x/a.pdf%00.exe") == "pdf"  # cut at NUL, as C would
    assert attachment_path("/d", b"x", "http://x/a.doc").suffix == ".doc"


# --- storage -------------------------------------------------------------------------------


def test_migration_2_moves_crawl_runs_into_runs(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name, applied_at)")
    for statement in MIGRATIONS[0][2].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO schema_migrations VALUES (1, 'initial schema', '')")
    conn.execute("INSERT INTO crawl_runs (finished_at, stats_json) VALUES ('t', '{\"a\": 1}')")
    conn.commit()
    conn.close()
    store = ReportStore(path)
    assert store.last_run_stats() == {"a": 1}
    assert store.db.execute("SELECT finished_at FROM crawl_runs").fetchall() == [("t",)]
    run_id = store.start_run(sites=2)
    assert store.run(run_id)["status"] == "running"
    assert store.interrupt_stale_runs() == 1 and store.run(run_id)["status"] == "interrupted"
    store.close()


def test_report_writes_count_new_and_updated(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    assert write_items(store, [OutcomeItem(ParseOutcome(URL, report(3)))])["new"] == 1
    again = write_items(store, [OutcomeItem(ParseOutcome(URL, report(3)))])
    assert (again["new"], again["updated"]) == (0, 1)
    store.close()
