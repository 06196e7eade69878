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

from crawler.content import charset_of
from crawler.storage import ReportStore
from parsers import parse_document

BATCH = 50


def _default_db() -> str:
    from crawler import settings

    return settings.REPORTS_DB


def reparse(store: ReportStore, kinds: list[str] | None = None) -> Counter:
    counts: Counter = Counter()
    batch = []
    for page in store.iter_pages(kinds):
        counts["pages"] += 1
        outcome = parse_document(
            page.body, page.url, page.content_type, charset_of(page.content_type)
        )
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
        batch.append(outcome)
        if len(batch) >= BATCH:
            counts["removed"] += store.save_outcomes(batch)["removed"]
            batch = []
    if batch:
        counts["removed"] += store.save_outcomes(batch)["removed"]
    return counts


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
