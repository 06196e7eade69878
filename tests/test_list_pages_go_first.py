"""A column's next list pages are asked for ahead of its report pages: a list page's
requests for the pages after it come out before its own items (which wait their turn in
the pipelines) and with a higher priority than the report pages queued, so that the
downloads never run dry while a list page's items are stored. What is requested, and
the order the site's request budget is spent in, are as before: the page's report links
first, then its pager.

The spider's parse_list runs here on a made column page (two report links, a pager)."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.items import PageItem, SkippedItem
from crawler.list_pages import LIST_PRIORITY
from crawler.spiders.annual_reports import AnnualReportsSpider

BASE = "http://127.0.0.1:8765/zwgk/ndbg/"
REPORTS = [f"{BASE}202401/t2024013{n}_{n}.html" for n in (1, 2)]
COLUMN = f"""<html><head><meta charset="utf-8"><title>年度报告</title></head><body>
<ul class="list">
  <li><a href="{REPORTS[0]}">某县人民政府2023年政府信息公开工作年度报告</a></li>
  <li><a href="{REPORTS[1]}">某镇人民政府2023年政府信息公开工作年度报告</a></li>
</ul>
<div class="pager"><a href="index_1.html">下一页</a></div>
</body></html>""".encode()
NEXT = BASE + "index_1.html"


def list_page_output(budget: int | None = None) -> list:
    settings = {} if budget is None else {"MAX_REQUESTS_PER_SITE": budget}
    spider = AnnualReportsSpider.from_crawler(
        get_crawler(AnnualReportsSpider, settings), start_url=BASE
    )
    site = next(iter(spider.sites))
    request = Request(BASE + "index.html", meta={"site": site, "role": "list"})
    headers = {"Content-Type": "text/html; charset=utf-8"}
    response = HtmlResponse(request.url, body=COLUMN, headers=headers, request=request)
    return list(spider.parse_list(response))


def requested(output: list) -> list[str]:
    return [item.url for item in output if isinstance(item, Request)]


def test_the_next_list_page_comes_before_the_pages_items_and_its_reports():
    output = list_page_output()
    assert requested(output) == [NEXT, *REPORTS]
    assert isinstance(output[0], Request) and output[0].url == NEXT
    assert any(isinstance(item, PageItem) for item in output[1:])


def test_the_next_list_page_is_fetched_ahead_of_the_reports_queued():
    output = list_page_output()
    priority = {item.url: item.priority for item in output if isinstance(item, Request)}
    assert priority[NEXT] == LIST_PRIORITY
    assert all(priority[url] < LIST_PRIORITY for url in REPORTS)


@pytest.mark.parametrize(
    ("budget", "fetched"),
    [(1, REPORTS[:1]), (2, REPORTS), (3, [NEXT, *REPORTS])],
)
def test_the_request_budget_goes_to_the_report_links_before_the_pager(budget, fetched):
    output = list_page_output(budget)
    assert requested(output) == fetched
    skipped = [item.url for item in output if isinstance(item, SkippedItem)]
    assert skipped == REPORTS[budget:]  # report links past the budget are said so
