"""What a person watching `scrapy crawl` reads: progress, warnings and a closing summary.

The console's default level is PROGRESS (between INFO and WARNING, see LOG_LEVEL in
crawler/settings.py): Scrapy's settings dump, component lists and stats dump are INFO
and stay out of sight, warnings and errors are shown, and this extension adds a
progress line every PROGRESS_INTERVAL seconds (pages fetched, reports stored, failures,
requests waiting) and the run's summary at the end. `-s LOG_LEVEL=INFO` (or DEBUG)
brings the full log back.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler.runs import FETCHED_PREFIX, SCRIPT_LISTS_STAT, exit_code, run_summary

PROGRESS = 25
logging.addLevelName(PROGRESS, "PROGRESS")
logger = logging.getLogger(__name__)

# Loggers whose failures the spider reports itself in one line: their tracebacks (a
# refused connection while fetching robots.txt) are left for DEBUG, and the retry
# middleware's "Gave up retrying" for INFO (the spider's warning says the same).
_ONE_LINE_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt",)
_RETRY_LOGGER = "scrapy.downloadermiddlewares.retry"


class _NoGaveUp(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Gave up retrying")


class _NoTraceback(logging.Filter):
    """Their messages already name the error; the traceback adds 60 lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        return True


def counts(stats: dict) -> dict[str, int]:
    """The figures of the progress line and of the summary."""
    return {
        "fetched": sum(int(v) for k, v in stats.items() if k.startswith(FETCHED_PREFIX)),
        "unchanged": int(stats.get("pages/unchanged", 0)),
        "new": int(stats.get("store/reports_new", 0)),
        "updated": int(stats.get("store/reports_updated", 0)),
        "failed": sum(int(v) for k, v in stats.items() if k.startswith("failures/")),
    }


def summary_lines(stats: dict, sites: list[str], reason: str) -> list[str]:
    """The closing summary of a run: outcome, what was fetched, stored and failed."""
    run = run_summary(stats, sites, reason)
    figures = counts(stats)
    lines = [
        f"{run['status']} ({run['detail']}): fetched {figures['fetched']} pages "
        f"({figures['unchanged']} unchanged), stored {figures['new'] + figures['updated']} "
        f"reports ({figures['new']} new, {figures['updated']} updated), "
        f"{figures['failed']} failed; exit status {exit_code(run['status'], stats)}"
    ]
    failures = sorted(
        (key.split("/", 1)[1], count) for key, count in stats.items() if key.startswith("failures/")
    )
    if failures:
        lines.append("failed: " + ", ".join(f"{why} {count}" for why, count in failures))
    if stats.get(SCRIPT_LISTS_STAT):
        lines.append(
            f"lists filled by a script the options do not cover: {stats[SCRIPT_LISTS_STAT]}"
            " (the warnings above name the option to set)"
        )
    if stats.get("reports/failed_checks"):
        lines.append(f"failed consistency checks: {stats['reports/failed_checks']}")
    return lines


def shown(settings, level: int) -> bool:
    """Whether the run's log shows records of ``level``: LOG_LEVEL (a level's name or
    number) at or below it. A LOG_LEVEL that names no level counts as showing none."""
    configured = settings.get("LOG_LEVEL")
    if isinstance(configured, str):
        configured = logging.getLevelName(configured.upper())  # "Level X" when unknown
    return isinstance(configured, int) and configured <= level


class ProgressLog:
    """Scrapy extension (EXTENSIONS): the progress line and the closing summary."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.task = None
        if not shown(crawler.settings, logging.DEBUG):
            for name in _ONE_LINE_LOGGERS:
                logging.getLogger(name).addFilter(_NoTraceback())
        if not shown(crawler.settings, logging.INFO):
            logging.getLogger(_RETRY_LOGGER).addFilter(_NoGaveUp())
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 30.0)
        if interval <= 0:
            raise NotConfigured
        return cls(crawler, interval)

    def spider_opened(self, spider) -> None:
        self.task = create_looping_call(self.log_progress)
        self.task.start(self.interval, now=False)

    def log_progress(self) -> None:
        figures = counts(self.crawler.stats.get_stats())
        engine = self.crawler.engine
        scheduler = getattr(engine, "scheduler", None)
        waiting = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0
        waiting += len(getattr(engine.downloader, "active", ()))
        logger.log(
            PROGRESS,
            "progress: %d pages fetched, %d reports stored, %d failed, %d requests waiting",
            figures["fetched"],
            figures["new"] + figures["updated"],
            figures["failed"],
            waiting,
        )

    def spider_closed(self, spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        stats = self.crawler.stats.get_stats()
        sites = list(getattr(spider, "sites", {}) or {})
        for line in summary_lines(stats, sites, reason):
            logger.log(PROGRESS, "%s", line)
