"""Re-parse every stored page body without the network, rewriting reports/cells/checks.

    python -m crawler.reparse [--db PATH] [--kind report --kind attachment ...] [--workers N]

Use it after the parsers improve: pages keep their bodies (zlib-compressed), so the
whole database can be rebuilt from what was fetched. A page that no longer parses
as a report loses its report row; one that now does gains it. Pages are parsed on
every core (--workers), and stored by this process in the order they were read.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
from collections import Counter, deque
from collections.abc import Iterable, Iterator

from crawler.attachments import SAME_AS_PAGE, PageReport, attachment_status
from crawler.content import charset_of
from output.store import ReportStore, StoredPage
from parsers import parse_document
from parsers.model import ParseOutcome

BATCH = 50
# Documents in flight per worker: enough to keep every core busy while the main
# process stores results, few enough that bodies held in memory stay bounded.
IN_FLIGHT_PER_WORKER = 8

ParseJob = tuple[bytes, str, str | None, str | None]  # body, url, content type, charset


def _default_db() -> str:
    from crawler import settings

    return settings.REPORTS_DB


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _parse_job(job: ParseJob) -> ParseOutcome:
    return parse_document(*job)


def parse_many(jobs: Iterable[ParseJob], workers: int = 0) -> Iterator[ParseOutcome]:
    """parse_document for every job, outcomes in job order, on ``workers`` processes
    (0: every core; 1: in this process).

    The one place reparse maps parse jobs onto processes: a pool with limits per
    document can take its place without reparse changing.
    """
    workers = workers or default_workers()
    if workers == 1:
        yield from map(_parse_job, jobs)
        return
    # spawn: workers start clean, whatever threads or connections this process holds.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pending: deque = deque()
        for job in jobs:
            pending.append(pool.apply_async(_parse_job, (job,)))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _parsed(pages: Iterable[StoredPage], workers: int) -> Iterator[tuple[StoredPage, ParseOutcome]]:
    held: deque[StoredPage] = deque()

    def jobs() -> Iterator[ParseJob]:
        for page in pages:
            held.append(page)
            yield (page.body, page.url, page.content_type, charset_of(page.content_type))

    for outcome in parse_many(jobs(), workers):
        yield held.popleft(), outcome


def reparse(store: ReportStore, kinds: list[str] | None = None, workers: int = 0) -> Counter:
    """Re-parse the stored pages of the given kinds (all by default), on ``workers``
    processes (0: every core).

    Attachments go last, once the pages linking them hold their new reports: an
    attachment repeating its page's report is not stored as a second one (the rule of
    the crawl, crawler.attachments).
    """
    counts: Counter = Counter()
    batch: list[ParseOutcome] = []

    def flush() -> None:
        counts["removed"] += store.save_outcomes(batch)["removed"]
        batch.clear()

    pages = (page for page in store.iter_pages(kinds) if page.kind != "attachment")
    for page, outcome in _parsed(pages, workers):
        batch.append(_reparse_page(store, page, outcome, counts))
        if len(batch) >= BATCH:
            flush()
    flush()
    if kinds is None or "attachment" in kinds:
        attachments = store.iter_pages(["attachment"])
        for page, outcome in _parsed(attachments, workers):
            batch.append(_reparse_page(store, page, outcome, counts))
            if len(batch) >= BATCH:
                flush()
        flush()
    return counts


def _reparse_page(
    store: ReportStore, page: StoredPage, outcome: ParseOutcome, counts: Counter
) -> ParseOutcome:
    counts["pages"] += 1
    if page.kind == "attachment" and page.source_page:
        stored = store.report_summary(page.source_page)
        status = attachment_status(outcome, PageReport(*stored) if stored else None)
        if status == SAME_AS_PAGE:
            counts["same_as_page"] += 1
            outcome = ParseOutcome(page.url, None, SAME_AS_PAGE, outcome.encoding)
        store.set_attachment_status(page.url, status)
    if outcome.report is not None:
        if page.source_page and not outcome.report.source_page:
            outcome.report.source_page = page.source_page
        counts["reports"] += 1
        counts[f"format/{outcome.report.format}"] += 1
    else:
        counts["not_reports"] += 1
    # Keep the page's own record of what it turned out to be in step.
    kind = page.kind
    if page.kind in ("report", "other"):
        kind = "report" if outcome.report is not None else "other"
    store.db.execute(
        "UPDATE pages SET kind = ?, parse_result = ? WHERE url = ?",
        [kind, outcome.reason or "report", page.url],
    )
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.reparse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", default=None, help="the reports database (default: REPORTS_DB)")
    parser.add_argument(
        "--kind",
        action="append",
        dest="kinds",
        choices=["list", "report", "attachment", "other"],
        help="only pages of this kind (repeatable; default: all)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes that parse (default 0: one per core; 1: no worker processes)",
    )
    args = parser.parse_args(argv)
    if args.workers < 0:
        parser.error("--workers must be 0 or more")
    store = ReportStore(args.db or _default_db())
    try:
        before = store.counts()
        counts = reparse(store, args.kinds, args.workers)
        after = store.counts()
    finally:
        store.close()
    print(
        f"pages re-parsed: {counts['pages']}  reports: {counts['reports']}  "
        f"not reports: {counts['not_reports']}  reports removed: {counts['removed']}"
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
