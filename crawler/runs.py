"""One row per crawl in the `runs` table, written by a Scrapy extension.

The row is inserted as "running" when the spider opens, so that a run killed
half-way (SIGKILL, power loss) stays visible: crawler.nightly marks such rows
"interrupted" on its next start. When the spider closes, the row gets the run's
summary (run_summary) and Scrapy's stats.

A site "failed entirely" when none of its requests brought back a 2xx response (a
304 answered from storage counts as fetched). A run fails when it could not start (an
unknown site, see "run/error"), a site failed entirely, nothing at all was fetched, the
database refused an item (STORE_ERRORS), or no report link was found while a column's
list was filled by a script the site's options do not cover.

The exit status of `scrapy crawl` (crawler/commands/crawl.py) and crawler.nightly
follows from the run's status (exit_code), documented in README.md.
"""

from __future__ import annotations

import logging

from scrapy import signals

from crawler.failures import STORE_ERRORS
from crawler.store_access import crawl_store
from output.lock import RunLock, lock_path_for

logger = logging.getLogger(__name__)

FETCHED_PREFIX = "run/fetched/"  # + site name: 2xx responses of that site
ERROR_STAT = "run/error"  # set by the spider when the crawl cannot start (unknown site)
SCRIPT_LISTS_STAT = "list/script_lists_not_read"  # lists a site's options do not cover

EXIT_OK, EXIT_FAILED, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_LOCKED = 0, 1, 2, 3, 75
EXIT_CODES = {"ok": EXIT_OK, "failed": EXIT_FAILED, "interrupted": EXIT_INTERRUPTED}
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
    script_lists = int(stats.get(SCRIPT_LISTS_STAT, 0))
    store_errors = int(stats.get(STORE_ERRORS, 0))
    if stats.get(ERROR_STAT):
        status, detail = "failed", str(stats[ERROR_STAT])
    elif reason == "shutdown":
        status, detail = "interrupted", "stopped by a signal before the end"
    elif store_errors:
        status = "failed"
        detail = f"storage errors: {store_errors} items not stored (see the failures table)"
    elif not sites:
        status, detail = "failed", "no site to crawl"
    elif summary["pages_fetched"] == 0:
        status, detail = "failed", "fetched nothing"
    elif dead:
        status, detail = "failed", "site failed entirely: " + ", ".join(sorted(dead))
    elif script_lists and not stats.get("list/report_links"):
        status, detail = "failed", "no report link: the list is filled by a script (see above)"
    elif reason not in COMPLETE:
        status, detail = "failed", f"crawl ended: {reason}"
    else:
        status, detail = "ok", reason
    return {**summary, "status": status, "detail": detail}


def exit_code(status: str | None, stats: dict) -> int:
    """The exit status of a run: 0 ok, 1 failed, 2 could not run, 3 interrupted."""
    if stats.get(ERROR_STAT):
        return EXIT_ERROR
    return EXIT_CODES.get(status or "", EXIT_ERROR)


class RunRecorder:
    """Scrapy extension (EXTENSIONS) keeping the run's row in `runs`."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.path = crawler.settings.get("REPORTS_DB")
        self.run_id: int | None = None
        self.lock: RunLock | None = None
        if not crawler.settings.getbool("RUN_LOCK_HELD"):
            self.lock = _wait_for_lock(self.path)
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
        try:
            if self.run_id is not None:
                self._finish(spider, reason)
        finally:
            if self.lock is not None:
                self.lock.release()

    def _finish(self, spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        summary = run_summary(stats, list(getattr(spider, "sites", {}) or {}), reason)
        self.crawler.stats.set_value("run/status", summary["status"])
        self.crawler.stats.set_value("run/detail", summary["detail"])
        crawl_store(self.crawler).finish_run(self.run_id, summary, stats)
        logger.info("run %s: %s (%s)", self.run_id, summary["status"], summary["detail"])


def _wait_for_lock(database: str) -> RunLock:
    """The database's writers' lock (output/lock.py), waited for: a plain `scrapy crawl`
    never writes beside a nightly run. nightly takes it itself (RUN_LOCK_HELD)."""
    lock = RunLock(lock_path_for(database), database)
    if not lock.acquire():
        logger.warning("waiting for run pid %s to release %s", lock.holder, lock.path)
        lock.acquire(wait=True)
    return lock
