"""One ReportStore per crawl, shared by the spider, pipelines, middlewares and extensions.

Opening a store runs the migrations and checks the derived views; doing that once per
component (as it was: seven openings in one crawl) costs time and separate
connections that contend for the same file. The first component to ask opens it;
it is closed when the engine has stopped, after every spider_closed handler (the
storage pipeline's last flush, the run's row) has written.
"""

from __future__ import annotations

from scrapy import signals

from output.store import ReportStore


class _CrawlStore:
    def __init__(self, crawler):
        self.store = ReportStore(crawler.settings.get("REPORTS_DB"))
        # Signals hold receivers weakly: this object lives on the crawler.
        crawler.signals.connect(self.close, signal=signals.engine_stopped)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def crawl_store(crawler) -> ReportStore:
    """The crawl's store, opened on first use."""
    holder = getattr(crawler, "_reports_store", None)
    if holder is None or holder.store is None:
        holder = _CrawlStore(crawler)
        crawler._reports_store = holder
    return holder.store
