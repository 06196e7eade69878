"""Re-parse every stored page body without the network, rewriting reports/cells/checks.

    python -m crawler.reparse [--db PATH] [--kind report --kind attachment ...]

Use it after the parsers improve: pages keep their bodies (zlib-compressed), so the
whole database can be rebuilt from what was fetched. A page that no longer parses
as a report loses its report row; one that now does gains it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from crawler.attachments import SAME_AS_PAGE, PageReport, attachment_status
from crawler.content import charset_of
from output.store import ReportStore, StoredPage
from parsers import parse_document
from parsers.model import ParseOutcome

BATCH = 50


def _default_db() -> str:
    from crawler import settings

    return settings.REPORTS_DB


def reparse(store: ReportStore, kinds: list[str] | None = None) -> Counter:
    """Re-parse the stored pages of the given kinds (all by default).

    Attachments go last, once the pages linking them hold their new reports: an
    attachment repeating its page's report is not stored as a second one (the rule of
    the crawl, crawler.attachments).
    """
    counts: Counter = Counter()
    batch: list[ParseOutcome] = []

    def flush() -> None:
        counts["removed"] += store.save_outcomes(batch)["removed"]
        batch.clear()

    for page in store.iter_pages(kinds):
        if page.kind == "attachment":
            continue  # second pass
        batch.append(_reparse_page(store, page, counts))
        if len(batch) >= BATCH:
            flush()
    flush()
    if kinds is None or "attachment" in kinds:
        for page in store.iter_pages(["attachment"]):
            batch.append(_reparse_page(store, page, counts))
            if len(batch) >= BATCH:
                flush()
        flush()
    return counts


def _reparse_page(store: ReportStore, page: StoredPage, counts: Counter) -> ParseOutcome:
    counts["pages"] += 1
    outcome = parse_document(page.body, page.url, page.content_type, charset_of(page.content_type))
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
    args = parser.parse_args(argv)
    store = ReportStore(args.db or _default_db())
    try:
        before = store.counts()
        counts = reparse(store, args.kinds)
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
