"""Item pipelines, in order: provenance, stats, keep-better, attachment files, storage (last).

Each handles the parts of a DocumentItem (a fetched document with what it gave) as it
would the items alone, in their order.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.failures import STORAGE_ERROR, STORE_ERRORS, WORSE_PARSE
from crawler.feeds import Stored, report_record
from crawler.files import save_attachment_file
from crawler.items import (
    AttachmentItem,
    DocumentItem,
    FailureItem,
    OutcomeItem,
    PageItem,
    for_writer,
    parts_of,
)
from crawler.progress import shown
from crawler.store_access import crawl_store
from crawler.store_process import Batch, StoreProcess, pack
from crawler.storing import write_batch
from crawler.worker import deferred_of
from output.identity import address
from output.store import ReportStore
from parsers.provenance import SAME_AS_PAGE, settle_source_page

logger = logging.getLogger(__name__)


class ReportProvenancePipeline:
    """Make a report say where it was read from: the fetched URL, the linking page."""

    def process_item(self, item):
        for part in parts_of(item):
            if isinstance(part, OutcomeItem) and part.outcome.report is not None:
                report = part.outcome.report
                report.url = part.outcome.url
                settle_source_page(report, part.source_page)
                if not report.encoding and part.outcome.encoding:
                    report.encoding = part.outcome.encoding
        return item


class CrawlStatsPipeline:
    """Count reports by format and by what their tables say, for the end-of-run summary."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        for part in parts_of(item):
            if isinstance(part, OutcomeItem) and part.outcome.report is not None:
                self._count(part.outcome.report)
        return item

    def _count(self, report) -> None:
        self.stats.inc_value("reports/saved")
        self.stats.inc_value(f"reports/format/{report.format}")
        if report.cells:
            self.stats.inc_value("reports/with_cells")
        failed = sum(1 for check in report.checks if not check.ok)
        if failed:
            self.stats.inc_value("reports/with_failed_checks")
            self.stats.inc_value("reports/failed_checks", failed)


class KeepBetterReportPipeline:
    """Never replace a stored report with a worse reading of the same URL.

    A portal having a bad night serves error pages with status 200, half a table or
    a login wall. If a report is stored for the URL and the new outcome is no report,
    or a report with fewer cells, the stored report stays, and so does the stored body
    (its PageItem is dropped, so that reparse and the unchanged check keep working
    from the good one); the failure is recorded as "worse parse kept old".

    The spider yields a page's OutcomeItem before its PageItem (in one DocumentItem),
    which is what lets this pipeline decide on the page before its body reaches storage.

    A URL's stored cell count is asked of the store the first time the crawl meets its
    address, and kept up to date with the outcomes let through: what the crawl let
    through is known before its writer has stored it. A database with no report yet is
    never asked. (Reading every address's count when the spider opened, in one query,
    read all of report_cells however few pages the crawl fetched: 0.12 s of the
    reactor's time warm, 2.6 s by the clock cold, for 10,000 stored reports.) Without
    open_spider (the distributed writer, which writes as it decides), each outcome asks
    the store.
    """

    def __init__(self, path: str, stats=None, crawler=None):
        self.path = path
        self.stats = stats
        self.crawler = crawler
        self.store: ReportStore | None = None
        self.kept: set[str] = set()
        # identity.address -> cells (None: no report), of the addresses met so far
        self.cell_counts: dict[str, int | None] | None = None
        self.ask_store = True  # whether an address not met yet may have a stored report

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("REPORTS_DB"), crawler.stats, crawler)

    def open_spider(self):
        # The crawl's shared store; a pipeline built by hand (tests) opens its own.
        self.store = crawl_store(self.crawler) if self.crawler else ReportStore(self.path)
        self.cell_counts = {}
        self.ask_store = self.store.has_reports()

    def close_spider(self):
        if self.store is not None and self.crawler is None:
            self.store.close()
        self.store = None  # the crawl's store closes when the engine stops
        self.cell_counts = None

    def process_item(self, item):
        if not isinstance(item, DocumentItem):
            return self._one(item)
        parts = []
        for part in item.parts:
            try:
                parts.append(self._one(part))
            except DropItem as dropped:  # the body kept: the document's other parts go on
                logger.info("%s", dropped)
        item.parts = parts
        return item

    def _one(self, item):
        if isinstance(item, OutcomeItem):
            return self._outcome(item)
        url = getattr(item, "url", None) or getattr(item, "attachment_url", None)
        if url not in self.kept:
            return item
        if isinstance(item, PageItem):
            raise DropItem(f"kept the stored body of {url}: {WORSE_PARSE}", log_level="INFO")
        if isinstance(item, AttachmentItem):
            # Fetched but not usable this time: "failed" gets it another try next run.
            item.status = "failed"
        return item

    def _outcome(self, item: OutcomeItem):
        url = item.outcome.url
        report = item.outcome.report
        found = len({c.key for c in report.cells}) if report is not None else None
        stored = self._stored_cells(url)
        if (
            stored is None
            or (found is not None and found >= stored)
            or (report is None and item.outcome.reason == SAME_AS_PAGE)
        ):  # SAME_AS_PAGE: a deliberate verdict (the page holds this report), not a bad fetch
            self._stored(url, found)
            return item
        self.kept.add(url)
        if self.stats is not None:
            self.stats.inc_value(f"failures/{WORSE_PARSE}")
        got = f"{len(report.cells)} cells" if report else f"no report ({item.outcome.reason})"
        detail = f"stored report has {stored} cells; the new response gave {got}"
        logger.warning("%s: %s (%s)", WORSE_PARSE, url, detail)
        return FailureItem(url, WORSE_PARSE, detail)

    def _stored_cells(self, url: str) -> int | None:
        if self.cell_counts is None:
            return self.store.report_cell_count(url) if self.store else None
        key = address(url)
        if key not in self.cell_counts:  # met for the first time: as the store holds it
            stored = self.store.report_cell_count(url) if self.ask_store else None
            self.cell_counts[key] = stored
        return self.cell_counts[key]

    def _stored(self, url: str, cells: int | None) -> None:
        """What storing an outcome let through does to its URL: the report's cells, or
        (None) the URL loses the report it had."""
        if self.cell_counts is not None:
            self.cell_counts[address(url)] = cells


class AttachmentFilesPipeline:
    """With ATTACHMENTS_DIR set, keep each fetched attachment as a file there.

    Files are named by content hash and a sanitised extension (crawler/files.py), so
    hostile URLs and Content-Disposition names cannot choose where they land.

    Without ATTACHMENTS_DIR (the default) Scrapy leaves it out of the chain
    (NotConfigured), so that no item pays a pass through it for nothing.
    """

    def __init__(self, root: str | None, stats=None):
        self.root = root
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("ATTACHMENTS_DIR")
        if not root:
            raise NotConfigured  # without a message: Scrapy would log it as a warning
        return cls(root, crawler.stats)

    def process_item(self, item):
        if not self.root:
            return item
        for page in parts_of(item):
            if isinstance(page, PageItem) and page.kind == "attachment" and page.body:
                path = save_attachment_file(self.root, page.body, page.url, page.filename)
                logger.debug("attachment %s saved as %s", page.url, path)
                if self.stats is not None:
                    self.stats.inc_value("attachments/files_saved")
        return item


class SqliteStorePipeline:
    """Buffer items and write them every REPORTS_DB_BATCH items, one transaction a batch.

    Page bodies can be large (scanned PDFs), so a batch is also written once the bodies
    it holds pass REPORTS_DB_BATCH_BYTES.

    Batches are written by a process of their own (BatchWriter, crawler.store_process),
    in the order they came, on a connection of its own: indexing a report for search and
    storing its cells costs more than parsing it, and in the reactor's process its
    Python part held the GIL beside the reactor. At most
    MAX_PENDING_BATCHES wait to be written; beyond, an item waits for the oldest to
    commit (memory stays bounded). In a crawl it waits as a coroutine, so the reactor
    goes on downloading and taking parse results meanwhile (blocking it stalled every
    download for the writer: a fifth of a crawl's time); Scrapy's scraper limits stop
    new downloads once enough responses wait. close_spider (also on SIGINT/SIGTERM,
    which close the spider) returns once every batch has committed, before the run's
    row is written.

    Every item ends here: a report goes on as a ReportRecord (to feed exports, -O), the
    rest is consumed (crawler.feeds.Stored, not logged). A crawl without feed exports
    (no FEEDS) consumes its reports too: their records (0.15 ms of the reactor's time a
    report) would go nowhere.
    """

    def __init__(
        self,
        path: str,
        batch_size: int,
        stats=None,
        batch_bytes: int = 64 << 20,
        crawler=None,
        niceness: int = 0,
        records: bool = True,
        counts_logged: bool = True,
    ):
        self.path = path
        self.records = records  # a ReportRecord handed on for each report stored
        # The database's row counts logged at the close (INFO): each count reads its whole
        # table (report_cells: a row a cell of every report), so not for a line not shown.
        self.counts_logged = counts_logged
        self.crawler = crawler
        self.batch_size = max(1, batch_size)
        self.batch_bytes = batch_bytes
        self.niceness = niceness  # the writer process's (STORE_NICENESS)
        self.stats = stats
        self.buffer: list = []
        self.buffered_bytes = 0
        self.store: ReportStore | None = None
        self.writer: BatchWriter | None = None
        self.failed: set[str] = set()  # URLs with an item the database refused

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            settings.get("REPORTS_DB"),
            settings.getint("REPORTS_DB_BATCH", 50),
            crawler.stats,
            settings.getint("REPORTS_DB_BATCH_BYTES", 64 << 20),
            crawler,
            settings.getint("STORE_NICENESS"),
            records=bool(settings.getdict("FEEDS")),
            counts_logged=shown(settings, logging.INFO),
        )

    def open_spider(self):
        # The crawl's shared store (migrated); a pipeline built by hand (tests) opens its own.
        self.store = crawl_store(self.crawler) if self.crawler else ReportStore(self.path)
        self.writer = BatchWriter(self.store, self.failed, self.niceness)
        logger.info("writing to %s", self.path)

    def close_spider(self):
        self.flush()
        self.wait()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.store is not None:
            # The run's row in `runs` is written by crawler.runs.RunRecorder, once the
            # spider has closed and every stat is final.
            if self.counts_logged:
                logger.info("database %s now holds %s", self.path, self.store.counts())
            if self.crawler is None:
                self.store.close()
            self.store = None

    def process_item(self, item):
        if self.crawler is not None and self.writer is not None and self.writer.full():
            return self._after_room(item)  # a coroutine: the item waits, the reactor does not
        return self._take(item)

    async def _after_room(self, item):
        while self.writer is not None and self.writer.full():
            await self._done(self.writer.oldest())
            self._count(self.writer.finished())
        # No await between the check and here: pending batches stay within the bound.
        return self._take(item)

    @staticmethod
    async def _done(future) -> None:
        """Until a writer future is done, in the reactor thread, without blocking it."""
        await maybe_deferred_to_future(deferred_of(future))

    def _take(self, item):
        record = None
        for part in parts_of(item):
            self.buffer.append(for_writer(part))  # pickled for the writer: no outcome twice
            if isinstance(part, PageItem):
                self.buffered_bytes += len(part.body)
            elif self.records and isinstance(part, OutcomeItem) and part.outcome.report is not None:
                record = report_record(part.outcome.url, part.outcome.report, part.source_page)
        if len(self.buffer) >= self.batch_size or self.buffered_bytes >= self.batch_bytes:
            self.flush()
        if record is not None:
            return record
        raise Stored("stored")

    def flush(self) -> None:
        """Hand the buffered items to the writer thread as one batch."""
        if not self.buffer or self.writer is None:
            return
        items, self.buffer, self.buffered_bytes = self.buffer, [], 0
        self._count(self.writer.submit(items))

    def wait(self) -> None:
        """Until every batch handed over has been written (committed or refused)."""
        if self.writer is not None:
            self._count(self.writer.drain())

    def _count(self, results: list[tuple[int, Counter]]) -> None:
        """Stats of written batches, in the reactor thread (stats are not thread-safe)."""
        if self.stats is None:
            return
        for size, written in results:
            self.stats.inc_value("store/batches")
            self.stats.inc_value("store/items", size)
            for key in ("new", "updated", "aliases"):
                if written[key]:
                    self.stats.inc_value(f"store/reports_{key}", written[key])
            if written["errors"]:
                self.stats.inc_value(STORE_ERRORS, written["errors"])
                self.stats.inc_value(f"failures/{STORAGE_ERROR}", written["errors"])


MAX_PENDING_BATCHES = 2


class BatchWriter:
    """write_items in a process of its own (crawler.store_process), batch after batch,
    handed over by one thread that waits for each (the GIL free meanwhile).

    submit() returns the results of the batches finished so far; when
    MAX_PENDING_BATCHES are still waiting it first waits for the oldest. A store
    in memory (tests) cannot be opened twice: its batches are written in the
    caller's thread, on its connection.
    """

    def __init__(self, store: ReportStore, failed: set[str], niceness: int = 0):
        self.store = store
        self.failed = failed
        self.inline = store.path == ":memory:"
        self.pending: deque[tuple[int, Future]] = deque()
        self.thread = None if self.inline else ThreadPoolExecutor(1, "sqlite-writer")
        self.process = None if self.inline else StoreProcess(store.path, niceness)
        if self.process is not None:  # its imports and connection meanwhile, not at the first batch
            self.thread.submit(self.process.start)

    def submit(self, items: list) -> list[tuple[int, Counter]]:
        if self.inline:
            return [(len(items), write_batch(self.store, items, self.failed))]
        done = self._finished(block=len(self.pending) >= MAX_PENDING_BATCHES)
        self.pending.append((len(items), self.thread.submit(self._write_own, pack(items))))
        return done

    def full(self) -> bool:
        """Whether a batch handed over now would have to wait for the oldest."""
        return len(self.pending) >= MAX_PENDING_BATCHES

    def oldest(self) -> Future:
        return self.pending[0][1]

    def finished(self) -> list[tuple[int, Counter]]:
        """The results of the batches finished so far, without waiting."""
        return self._finished(block=False)

    def drain(self) -> list[tuple[int, Counter]]:
        results = []
        while self.pending:
            results += self._finished(block=True)
        return results

    def close(self) -> None:
        self.drain()
        if self.thread is not None:
            self.thread.submit(self.process.close).result()
            self.thread.shutdown(wait=True)

    def _finished(self, block: bool) -> list[tuple[int, Counter]]:
        results = []
        while self.pending and (block or self.pending[0][1].done()):
            size, future = self.pending.popleft()
            results.append((size, future.result()))
            block = False
        return results

    def _write_own(self, batch: Batch) -> Counter:
        try:
            return self.process.write(batch, self.failed)
        except Exception:
            logger.exception("could not hand %d items to the store writer", batch.size)
            return Counter(errors=batch.size)
