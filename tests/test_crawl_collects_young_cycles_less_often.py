"""While the spider crawls, the cycle collector's young generation is collected less often.

At Python's default (700 allocations) the reactor's process ran ~850 young and ~8 full
collections a crawl of 2,000 pages (~1 s of its CPU); the spider raises the threshold
when it starts and puts it back when it closes (the process may go on: tests, scripts).
"""

from __future__ import annotations

import asyncio
import gc

import pytest
from scrapy.utils.test import get_crawler

from crawler.spiders.annual_reports import GC_YOUNG_THRESHOLD, AnnualReportsSpider
from crawler.worker import ParsePool


@pytest.fixture
def threshold():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def first_request(spider):
    async def first():
        return await anext(spider.start())

    return asyncio.run(first())


def test_the_young_threshold_is_raised_while_crawling_and_put_back(
    tmp_path, monkeypatch, threshold
):
    crawler = get_crawler(AnnualReportsSpider, {"REPORTS_DB": str(tmp_path / "r.db")})
    spider = AnnualReportsSpider.from_crawler(crawler, start_url="http://127.0.0.1:9/list.html")
    monkeypatch.setattr(spider, "_load_index", lambda: None)  # no database to read
    monkeypatch.setattr(ParsePool, "start_workers", lambda pool: None)  # no processes
    assert first_request(spider).url == "http://127.0.0.1:9/list.html"
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 10, 10)
    spider.closed("finished")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_already_set_is_kept(tmp_path, monkeypatch, threshold):
    gc.set_threshold(GC_YOUNG_THRESHOLD * 2, 5, 5)
    crawler = get_crawler(AnnualReportsSpider, {"REPORTS_DB": str(tmp_path / "r.db")})
    spider = AnnualReportsSpider.from_crawler(crawler, start_url="http://127.0.0.1:9/list.html")
    monkeypatch.setattr(spider, "_load_index", lambda: None)
    monkeypatch.setattr(ParsePool, "start_workers", lambda pool: None)
    first_request(spider)
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD * 2, 5, 5)
    spider.closed("finished")
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD * 2, 5, 5)
