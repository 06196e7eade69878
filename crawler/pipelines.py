"""Item pipelines, in order: provenance, stats, storage (last)."""

from __future__ import annotations

import logging

from crawler.items import AttachmentItem, FailureItem, OutcomeItem, PageItem, SkippedItem
from crawler.storage import ReportStore

logger = logging.getLogger(__name__)


class ReportProvenancePipeline:
    """Make a report say where it was read from: the fetched URL, the linking page."""

    def process_item(self, item):
        if isinstance(item, OutcomeItem) and item.outcome.report is not None:
            report = item.outcome.report
            report.url = item.outcome.url
            if not report.source_page and item.source_page:
                report.source_page = item.source_page
            if not report.encoding and item.outcome.encoding:
                report.encoding = item.outcome.encoding
        return item


class CrawlStatsPipeline:
    """Count reports by format and by what their tables say, for the end-of-run summary."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if isinstance(item, OutcomeItem) and item.outcome.report is not None:
            report = item.outcome.report
            self.stats.inc_value("reports/saved")
            self.stats.inc_value(f"reports/format/{report.format}")
            if report.cells:
                self.stats.inc_value("reports/with_cells")
            if any(not check.ok for check in report.checks):
                self.stats.inc_value("reports/with_failed_checks")
        return item


class SqliteStorePipeline:
    """Buffer items and write them every REPORTS_DB_BATCH items, one transaction a batch.

    Page bodies can be large (scanned PDFs), so a batch is also written once the bodies
    it holds pass REPORTS_DB_BATCH_BYTES.
    """

    def __init__(self, path: str, batch_size: int, stats=None, batch_bytes: int = 64 << 20):
        self.path = path
        self.batch_size = max(1, batch_size)
        self.batch_bytes = batch_bytes
        self.stats = stats
        self.buffer: list = []
        self.buffered_bytes = 0
        self.store: ReportStore | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            settings.get("REPORTS_DB"),
            settings.getint("REPORTS_DB_BATCH", 50),
            crawler.stats,
            settings.getint("REPORTS_DB_BATCH_BYTES", 64 << 20),
        )

    def open_spider(self):
        self.store = ReportStore(self.path)
        logger.info("writing to %s", self.path)

    def close_spider(self):
        self.flush()
        if self.store is not None:
            if self.stats is not None:
                self.store.record_run(self.stats.get_stats())
            counts = self.store.counts()
            logger.info("database %s now holds %s", self.path, counts)
            self.store.close()
            self.store = None

    def process_item(self, item):
        self.buffer.append(item)
        if isinstance(item, PageItem):
            self.buffered_bytes += len(item.body)
        if len(self.buffer) >= self.batch_size or self.buffered_bytes >= self.batch_bytes:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.buffer or self.store is None:
            return
        items, self.buffer, self.buffered_bytes = self.buffer, [], 0
        write_items(self.store, items)
        if self.stats is not None:
            self.stats.inc_value("store/batches")
            self.stats.inc_value("store/items", len(items))


def write_items(store: ReportStore, items: list) -> None:
    """Write crawl items in one transaction, in the order they came."""
    with store.transaction():
        for item in items:
            if isinstance(item, PageItem):
                store.save_page(
                    item.url,
                    item.status,
                    item.body,
                    item.content_type,
                    item.encoding,
                    item.kind,
                    item.parse_result,
                    item.site,
                )
            elif isinstance(item, OutcomeItem):
                store.save_outcomes([item.outcome])
            elif isinstance(item, AttachmentItem):
                store.save_attachment(item.page_url, item.attachment_url, item.status)
            elif isinstance(item, SkippedItem):
                store.save_skipped(item.url, item.title, item.reason, item.page_url)
            elif isinstance(item, FailureItem):
                store.save_failure(item.url, item.reason, item.detail)
            else:
                logger.warning("unknown item type %s", type(item).__name__)
