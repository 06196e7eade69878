"""Re-parse every stored page body without the network, rewriting reports/cells/checks.

    python -m crawler.reparse [--db PATH] [--kind report --kind attachment ...] [--drop-worse]

Use it after the parsers improve: pages keep their bodies (zlib-compressed), so the
whole database can be rebuilt from what was fetched. A page that now parses as a
report gains its row. Keep-the-better, as in the crawl: a stored report with table
cells is not replaced by a reading with fewer cells or none (--drop-worse allows it),
and a document past the parse limits never changes what is stored.

Documents are parsed in worker processes under the crawl's limits (crawler.worker,
PARSE_* settings), one per core, while the reports parsed before them are stored: 50
pages to a transaction, the reports indexed for search once 200 are noted (as by the
crawl's writer, output.search). A worker is handed POOL_BATCH pages at once, read one
after another and answered in one message. The workers get the bodies as stored (zlib),
run niced (WORKER_NICENESS) and answer the rows to store (output.stored_form): this
process storing the reports is the one that must keep its core. A page goes with the
parse digest of the report stored for it: a report that comes out as stored (most, when
the parsers' change touches few reports) is answered in a few bytes, and only its times
are stored (output.reports: parsed_again), as storing its whole form would store them.

Exit status: 0 done; 2 the database cannot be used (missing, not SQLite, damaged,
read-only, not a reports database: one line says why, and the file is left as it was).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections import Counter, deque
from concurrent.futures import Future

from crawler.worker import Limits, ParsePool, limit_reason
from output.lock import RunLock, lock_path_for
from output.search import SEARCH_INDEX_AT_LEAST
from output.store import EXIT_BAD_DATABASE, DatabaseError, ReportStore, StoredPage, open_store
from output.stored_form import StoredAgain, StoredOutcome, stored_form, with_source_page
from parsers.encoding import charset_of
from parsers.provenance import SAME_AS_PAGE, PageReport, settle_attachment

BATCH = 50
# Pages a worker is handed at once (ParsePool.parse_batch): a reparse of 3,000 reports
# stored already took 5-29% less time than one page at a time (ten alternated pairs,
# 2026-12-03); 50 or 100 could not be told from 25.
POOL_BATCH = 25
# Pages handed to the pool ahead of the batch being stored, and the bytes of their
# bodies, held meanwhile: a hundred large PDFs must not fill the memory. A deeper
# window (400 pages) was measured on 2026-11-30: the parse threads waited for work as
# often (23% and 25% of a 2,000-report reparse, py-spy), and the run held more memory.
IN_FLIGHT = 2 * BATCH
IN_FLIGHT_BYTES = 128 << 20  # compressed, as the bodies are held here
# This process stores what the workers find, one report after another; with the workers
# at the same priority it got ~2/3 of a core on 2 cores, and the workers waited for work
# 35-40% of a 2,000-report reparse. Niced by 5 they waited 22-25% (2026-11-30, load 5).
WORKER_NICENESS = 5


def _default_db() -> str:
    from crawler import settings

    return settings.REPORTS_DB


def reparse(
    store: ReportStore,
    kinds: list[str] | None = None,
    pool: ParsePool | None = None,
    drop_worse: bool = False,
) -> Counter:
    """Re-parse the stored pages of the given kinds (all by default).

    Attachments go last, once the pages linking them hold their new reports: an
    attachment repeating its page's report is not stored as a second one (the rule of
    the crawl, crawler.attachments).
    """
    counts: Counter = Counter()
    own_pool = pool is None
    pool = pool or ParsePool(limits=_limits(), niceness=WORKER_NICENESS)
    # Search indexed once SEARCH_INDEX_AT_LEAST reports are noted, not at each batch's
    # COMMIT, as by the crawl's writer (output.search); what is left, at the end. A
    # reparse killed before leaves committed notes: search answers them, and the next
    # open of the store indexes them.
    index_at_least, store.index_at_least = store.index_at_least, SEARCH_INDEX_AT_LEAST
    try:
        _reparse_pages(store, kinds, pool, drop_worse, counts)
    except BaseException:
        # The run's own error is the one to report: indexing may fail on the same broken
        # database, and the notes it leaves are indexed by the next open of the store.
        store.index_at_least = index_at_least
        with contextlib.suppress(Exception):
            _close_and_index(store, pool, own_pool)
        raise
    store.index_at_least = index_at_least
    _close_and_index(store, pool, own_pool)
    return counts


def _close_and_index(store: ReportStore, pool: ParsePool, own_pool: bool) -> None:
    """The reparse's own pool closed, then what is still noted indexed for search."""
    try:
        if own_pool:
            pool.close()
    finally:
        store.index_search()


def _limits() -> Limits:
    from scrapy.utils.project import get_project_settings

    return Limits.from_settings(get_project_settings())


def _reparse_pages(store, kinds, pool: ParsePool, drop_worse: bool, counts: Counter) -> None:
    # Pages are parsed in the pool while earlier ones are stored: up to IN_FLIGHT pages
    # are in flight, and each batch is handled in order, in one transaction. A page goes
    # to the pool in a group of up to POOL_BATCH pages, read by one worker (an
    # attachment alone: its whole outcome comes back).
    in_flight: deque[tuple[StoredPage, Future, int | None]] = deque()
    group: list[StoredPage] = []  # pages not handed to the pool yet
    held = 0  # bytes of the bodies in flight or in the group

    def handle(size: int) -> None:
        nonlocal held
        batch = [in_flight.popleft() for _ in range(min(size, len(in_flight)))]
        held -= sum(len(page.body) for page, _, _ in batch)
        results = [(page, _answer(future, index)) for page, future, index in batch]
        with store.transaction():
            outcomes = []
            for page, result in results:
                if isinstance(result, StoredAgain):
                    if outcomes:  # stored in the pages' order: the outcomes before it first
                        counts["removed"] += store.save_outcomes(outcomes)["removed"]
                        outcomes = []
                    if _stored_again(store, page, result, counts):
                        continue
                    result = _read_whole(pool, page)  # its stored report changed meanwhile
                outcome = _reparse_page(store, page, result, counts, drop_worse)
                if outcome is not None:
                    outcomes.append(outcome)
            counts["removed"] += store.save_outcomes(outcomes)["removed"]

    def send_group() -> None:
        # Inflated, and the rows to store built (text hash included) in the worker: off
        # this process, which stores. A page goes with the parse digest of the report
        # stored for it, if any: one that comes out the same is answered in a few bytes
        # (output.stored_form.StoredAgain), and here only its times are stored.
        if group:
            digests = store.stored_digests([page.url for page in group])
            documents = [
                (
                    page.body,
                    page.url,
                    page.content_type,
                    charset_of(page.content_type),
                    page.compressed,
                    digests.get(page.url),
                )
                for page in group
            ]
            future = pool.submit_batch(documents)
            in_flight.extend((page, future, index) for index, page in enumerate(group))
            group.clear()

    def make_room() -> None:
        while (waiting := len(in_flight) + len(group)) >= IN_FLIGHT or (
            held > IN_FLIGHT_BYTES and waiting > 1
        ):
            send_group()
            handle(BATCH)

    def add(page: StoredPage) -> None:
        nonlocal held
        group.append(page)
        held += len(page.body)
        if len(group) >= POOL_BATCH:
            send_group()
        make_room()

    def submit_attachment(page: StoredPage) -> None:
        # Compared with its page's report (settle_attachment): its whole outcome comes
        # back, with its text hash.
        nonlocal held
        send_group()  # the pages before it go first: outcomes are stored in the pages' order
        charset = charset_of(page.content_type)
        future = pool.submit(
            page.body,
            page.url,
            page.content_type,
            charset,
            compressed=page.compressed,
            text_hash=True,
        )
        in_flight.append((page, future, None))
        held += len(page.body)
        make_room()

    for page in store.iter_pages(kinds, compressed=True):
        if page.kind != "attachment":  # attachments: second pass
            add(page)
    send_group()
    while in_flight:
        handle(BATCH)
    if kinds is None or "attachment" in kinds:
        for page in store.iter_pages(["attachment"], compressed=True):
            if page.source_page:
                submit_attachment(page)
            else:  # no page of its own to compare it with: stored as a page is
                add(page)
        send_group()
        while in_flight:
            handle(BATCH)


def _answer(future: Future, index: int | None):
    """A page's answer: its own future's, or its place in its group's."""
    return future.result() if index is None else future.result()[index]


def _stored_again(store: ReportStore, page: StoredPage, answer: StoredAgain, counts) -> bool:
    """A page whose report came out as the one stored for it (answer): its times stored
    and it counted, as _reparse_page and save_outcomes would; False, nothing done, when
    the report stored is no longer so (ReportsMixin.parsed_again)."""
    if not store.parsed_again(page.url, page.source_page or None, answer.parse_digest):
        return False
    counts["pages"] += 1
    _note_result(store, page, counts, answer.format, "")
    return True


def _read_whole(pool: ParsePool, page: StoredPage) -> StoredOutcome:
    """The page's answer in its whole stored form (no digest to compare with)."""
    charset = charset_of(page.content_type)
    return pool.parse(
        page.body, page.url, page.content_type, charset, compressed=page.compressed,
        stored_form=True,
    )  # fmt: skip


def _reparse_page(
    store: ReportStore, page: StoredPage, answer, counts: Counter, drop_worse: bool
) -> StoredOutcome | None:
    """The outcome to store for a page, or None to leave what is stored as it is.

    answer: the worker's StoredOutcome, or for an attachment (ParseOutcome, text hash)."""
    counts["pages"] += 1
    if isinstance(answer, StoredOutcome):
        outcome, digest = answer, None
    else:
        outcome, digest = answer
    reason = limit_reason(outcome)
    if reason:
        counts[reason.replace(" ", "_")] += 1
        store.save_failure(page.url, reason, outcome.reason)
        return None
    if not isinstance(outcome, StoredOutcome):  # an attachment: its page's report first
        summary = store.report_summary(page.source_page)
        page_report = PageReport(*summary) if summary else None
        outcome, status = settle_attachment(outcome, page.source_page, page_report)
        if status == SAME_AS_PAGE:
            counts["same_as_page"] += 1
        store.set_attachment_status(page.url, status)
        outcome = stored_form(outcome, digest)
    stored = store.report_cell_count(page.url)
    found = len(outcome.report.cells) if outcome.report else 0  # one row a key
    if not drop_worse and stored and found < stored and outcome.reason != SAME_AS_PAGE:
        counts["kept_better"] += 1  # its body may have been lost; the report is not
        return None
    if outcome.report is not None:
        outcome = with_source_page(outcome, page.source_page)
    report_format = outcome.report.format if outcome.report is not None else _NO_REPORT
    _note_result(store, page, counts, report_format, outcome.reason)
    return outcome


_NO_REPORT = object()  # the page's outcome holds no report (a format may be None)


def _note_result(store: ReportStore, page: StoredPage, counts, report_format, reason) -> None:
    """A page's outcome counted (a report's format, or _NO_REPORT) and the page's own
    record of what it turned out to be kept in step."""
    is_report = report_format is not _NO_REPORT
    if is_report:
        counts["reports"] += 1
        counts[f"format/{report_format}"] += 1
    else:
        counts["not_reports"] += 1
    kind = page.kind
    if page.kind in ("report", "other"):
        kind = "report" if is_report else "other"
    store.set_page_result(page.url, kind, reason or "report")


def _collect_less() -> None:
    """Fewer, smaller cycle collections in this process, for the rest of its run: what
    is imported and set up by now is never garbage (frozen), and the young generation is
    collected every 10,000 allocations instead of 700. Storing a report allocates
    hundreds of short-lived tuples and no cycles; the collections took 0.21 ms of CPU a
    report of a 2,000-report reparse, 0.11 ms so (2026-11-30)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 50, 100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.reparse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", default=None, help="the reports database (default: REPORTS_DB)")
    parser.add_argument(
        "--drop-worse",
        action="store_true",
        help="let a reading with fewer table cells replace a stored report",
    )
    parser.add_argument(
        "--kind",
        action="append",
        dest="kinds",
        choices=["list", "report", "attachment", "other"],
        help="only pages of this kind (repeatable; default: all)",
    )
    args = parser.parse_args(argv)
    db = args.db or _default_db()
    try:
        open_store(db, create=False).close()
    except DatabaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    # The writers' lock, waited for: never beside a crawl of the same database.
    with RunLock(lock_path_for(db), db):
        # The workers start first: their imports (~0.4 s of CPU each) run while this
        # process reads the settings (Scrapy's, ~0.3 s) and opens the store, instead of
        # after; a worker takes its memory limit with its first job.
        pool = ParsePool(niceness=WORKER_NICENESS)
        pool.start_workers()
        try:
            pool.limits = _limits()
            store = ReportStore(db)
            _collect_less()
            try:
                before = store.counts()
                counts = reparse(store, args.kinds, pool, drop_worse=args.drop_worse)
                after = store.counts()
            finally:
                store.close()
        finally:
            pool.close()
    print(
        f"pages re-parsed: {counts['pages']}  reports: {counts['reports']}  "
        f"not reports: {counts['not_reports']}  reports removed: {counts['removed']}"
    )
    print(
        f"kept the better stored report: {counts['kept_better']}  "
        f"too large: {counts['too_large']}  too slow: {counts['too_slow']}"
    )
    formats = ", ".join(
        f"{k.split('/', 1)[1]}: {v}" for k, v in sorted(counts.items()) if k.startswith("format/")
    )
    if formats:
        print(f"formats: {formats}")
    print(
        f"reports {before['reports']} -> {after['reports']}, "
        f"cells {before['report_cells']} -> {after['report_cells']}, "
        f"checks {before['report_checks']} -> {after['report_checks']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
