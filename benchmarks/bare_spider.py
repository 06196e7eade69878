"""The floor for benchmarks/crawl_speed.py: a bare Scrapy spider following the same links.

    scrapy runspider benchmarks/bare_spider.py -a start_url=http://127.0.0.1:PORT/list.html

It follows the column's report links and its 下一页 pager, and does nothing with the
pages beyond counting them: what a crawl of the portal costs when nothing is parsed
or stored. Run outside the project directory, so that none of the project's settings
or pipelines apply. Prints {"pages": N, "reports": M} as JSON when it closes.
"""

from __future__ import annotations

import json

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_url: str, **kwargs):
        super().__init__(**kwargs)
        self.start_url = start_url
        self.pages = 0
        self.reports = 0

    async def start(self):
        yield scrapy.Request(self.start_url, callback=self.parse)

    def parse(self, response):
        self.pages += 1
        for href in response.css("ul.list a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_report)
        for href in response.xpath("//a[text()='下一页']/@href").getall():
            yield response.follow(href, callback=self.parse)

    def parse_report(self, response):
        self.pages += 1
        self.reports += 1

    def closed(self, reason):
        print(json.dumps({"pages": self.pages, "reports": self.reports}), flush=True)
