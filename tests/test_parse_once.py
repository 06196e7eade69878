"""Decode once, parse once: each fetched list, home or report page is parsed by lxml once.

The spider's callbacks run here on real pages (the real report of demo/faultserver,
a made column page with a TRS script pager and Hanweb embedded records), with the
parse worker's job run in this process (the same parse_document call a worker makes),
and every lxml parse of a whole page is counted.
"""

from __future__ import annotations

import asyncio

import lxml.etree
import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.items import AttachmentItem, OutcomeItem, parts_of
from crawler.spiders.annual_reports import AnnualReportsSpider
from crawler.worker import _for_the_crawl
from demo.faultserver import report_page
from output.identity import text_hash
from parsers import parse_document

BASE = "http://127.0.0.1:8765/zwgk/ndbg/"
TITLE = "某县人民政府2023年政府信息公开工作年度报告"
COLUMN = f"""<html><head><meta charset="utf-8"><title>年度报告</title></head><body>
<ul class="list">
  <li><a href="./202401/t20240131_1.html" title="{TITLE}">{TITLE}</a></li>
  <li><a href="./202401/t20240131_2.html">关于开展安全检查的通知</a></li>
</ul>
<div id="9001"><script type="text/xml"><datastore><recordset>
<record><![CDATA[<li><a href="/art/2023/1/31/art_1_2.html"
 title="某镇2022年政府信息公开工作年度报告">x</a></li>]]></record>
</recordset></datastore></script></div>
<script>createPageHTML(3, 0, "index", "html");</script>
</body></html>"""


@pytest.fixture
def page_parses(monkeypatch):
    """Counts lxml parses of input at least half as long as the page being read (records
    and pager snippets inside a page are fragments, not the page)."""
    parses: list[int] = []
    original = lxml.etree.fromstring

    def counting(text, *args, **kwargs):
        parses.append(len(text))
        return original(text, *args, **kwargs)

    monkeypatch.setattr(lxml.etree, "fromstring", counting)

    def whole_page(length: int) -> int:
        return sum(1 for size in parses if size >= length // 2)

    return whole_page


@pytest.fixture
def spider(monkeypatch):
    crawler = get_crawler(AnnualReportsSpider, {"ATTACHMENTS_POLICY": "always"})
    spider = AnnualReportsSpider.from_crawler(crawler, start_url=BASE)

    async def parse_here(response, pictures=None, stored=True):  # crawler.worker's, here
        outcome = parse_document(response.body, response.url, "text/html; charset=utf-8")
        if stored and outcome.report is not None:
            return _for_the_crawl(outcome)
        return outcome, text_hash(outcome.report.body_text) if outcome.report else None, None

    monkeypatch.setattr(spider, "_parse", parse_here)
    return spider


def response(spider, url: str, body: bytes, role: str) -> HtmlResponse:
    site = next(iter(spider.sites))
    request = Request(url, meta={"site": site, "role": role, "page_url": BASE})
    headers = {"Content-Type": "text/html; charset=utf-8"}
    return HtmlResponse(url, body=body, headers=headers, request=request)


def collect(results) -> list:
    if hasattr(results, "__anext__"):

        async def drain():
            return [item async for item in results]

        return asyncio.run(drain())
    return list(results)


def test_a_report_page_is_parsed_once_and_its_attachments_come_from_that_parse(spider, page_parses):
    body = report_page()
    url = BASE + "202401/t20240131_1.html"
    output = collect(spider.parse_report(response(spider, url, body, "report")))
    items = [part for item in output for part in parts_of(item)]
    outcome = next(item.outcome for item in items if isinstance(item, OutcomeItem))
    assert outcome.report is not None and len(outcome.report.cells) >= 198
    attachments = [item.attachment_url for item in items if isinstance(item, AttachmentItem)]
    assert attachments and all(url.endswith(".pdf") for url in attachments)
    assert page_parses(len(body.decode("utf-8"))) == 1


def test_a_list_page_is_parsed_once_for_items_pager_and_records(spider, page_parses):
    body = COLUMN.encode("utf-8")
    items = collect(spider.parse_list(response(spider, BASE + "index.html", body, "list")))
    requested = {item.url for item in items if isinstance(item, Request)}
    assert BASE + "202401/t20240131_1.html" in requested  # an item
    assert BASE + "index_2.html" in requested  # the script pager
    assert "http://127.0.0.1:8765/art/2023/1/31/art_1_2.html" in requested  # a record
    assert page_parses(len(COLUMN)) == 1


def test_a_start_url_that_is_a_list_is_parsed_once_by_the_worker_alone(spider, page_parses):
    """A start URL goes to the parse worker first (is it a report?); a list comes back
    with its text and anchors, so that the reactor neither decodes nor parses it again."""
    body = COLUMN.encode("utf-8")
    items = collect(spider.parse_entry(response(spider, BASE, body, "entry")))
    requested = {item.url for item in items if isinstance(item, Request)}
    assert BASE + "202401/t20240131_1.html" in requested
    assert BASE + "index_2.html" in requested
    assert "http://127.0.0.1:8765/art/2023/1/31/art_1_2.html" in requested
    assert page_parses(len(COLUMN)) == 1


def test_a_home_page_is_parsed_once_for_columns_and_intermediate_pages(spider, page_parses):
    body = (
        '<html><head><meta charset="utf-8"></head><body><a href="/zwgk/">政务公开</a>'
        '<a href="/zwgk/ndbg/">政府信息公开年报</a></body></html>'
    ).encode()
    home = "http://127.0.0.1:8765/"
    items = collect(spider.parse_home(response(spider, home, body, "home")))
    assert BASE in {item.url for item in items if isinstance(item, Request)}
    assert page_parses(len(body.decode())) == 1
