"""One row per crawl in the `runs` table, written by a Scrapy extension.

The row is inserted as "running" when the spider opens, so that a run killed
half-way (SIGKILL, power loss) stays visible: crawler.nightly marks such rows
"interrupted" on its next start. When the spider closes, the row gets the run's
summary (run_summary) and Scrapy's stats.

A site "failed entirely" when none of its requests brought back a 2xx response (a
304 answered from storage counts as fetched). A run fails when a site failed
entirely or nothing at all was fetched.
"""

from __future__ import annotations

import logging

from scrapy import signals

from crawler.store_access import crawl_store

logger = logging.getLogger(__name__)

FETCHED_PREFIX = "run/fetched/"  # + site name: 2xx responses of that site
# Finish reasons of a crawl that ran to its end (the closespider limits are chosen).
COMPLETE = ("finished", "closespider_timeout", "closespider_pagecount", "closespider_itemcount")


def run_summary(stats: dict, sites: list[str], reason: str) -> dict:
    """The runs columns of a run, from Scrapy's stats and the sites it crawled."""
    fetched = {site: int(stats.get(FETCHED_PREFIX + site, 0)) for site in sites}
    summary = {
        "sites": len(sites),
        "pages_fetched": sum(fetched.values()),
        "pages_unchanged": int(stats.get("pages/unchanged", 0)),
        "pages_failed": sum(int(v) for k, v in stats.items() if k.startswith("failures/")),
        "reports_new": int(stats.get("store/reports_new", 0)),
        "reports_updated": int(stats.get("store/reports_updated", 0)),
        "checks_failed": int(stats.get("reports/failed_checks", 0)),
    }
    dead = [site for site, count in fetched.items() if count == 0]
    if reason == "shutdown":
        status, detail = "interrupted", "stopped by a signal before the end"
    elif not sites:
        status, detail = "failed", "no site to crawl"
    elif summary["pages_fetched"] == 0:
        status, detail = "failed", "fetched nothing"
    elif dead:
        status, detail = "failed", "site failed entirely: " + ", ".join(sorted(dead))
    elif reason not in COMPLETE:
        status, detail = "failed", f"crawl ended: {reason}"
    else:
        status, detail = "ok", reason
    return {**summary, "status": status, "detail": detail}


class RunRecorder:
    """Scrapy extension (EXTENSIONS) keeping the run's row in `runs`."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.path = crawler.settings.get("REPORTS_DB")
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        store = crawl_store(self.crawler)
        self.run_id = store.start_run(len(getattr(spider, "sites", {}) or {}))
        self.crawler.stats.set_value("run/id", self.run_id)

    def response_received(self, response, request, spider=None) -> None:
        site = request.meta.get("site")
        if site and 200 <= response.status < 300:
            self.crawler.stats.inc_value(FETCHED_PREFIX + site)

    def spider_closed(self, spider, reason: str) -> None:
        if self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        summary = run_summary(stats, list(getattr(spider, "sites", {}) or {}), reason)
        crawl_store(self.crawler).finish_run(self.run_id, summary, stats)
        logger.info("run %s: %s (%s)", self.run_id, summary["status"], summary["detail"])
