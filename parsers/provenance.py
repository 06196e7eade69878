"""Which report an attachment is, and which page a report was read from: pure rules.

Report pages often attach their own report once more as PDF or Word ("附件：…年度报告.pdf");
other pages attach a different body's report, or are mere wrappers around the file.
`settle_attachment` is the one rule the spider, crawler.reparse (and through
`settle_source_page` the pipelines and the store) follow, so that one report is one row:
an attachment holding the report of the page that links it is recorded as "same report
as page" and not stored as a report again; any other report read from an attachment
names the linking page as its source_page.

Same report: when both readings have table cells, the cells decide (organ names are
spelled differently on a page and in its PDF, and a body's page may attach a
department's report of the same year); otherwise the same year and organ names of
which one contains the other (通渭县人民政府 / 定西市通渭县人民政府).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parsers.model import ParseOutcome, Report
from parsers.normalize import squash

# attachments.status values set once an attachment has been parsed.
REPORT = "report"  # stored as a report of its own (url = the file, source_page = the page)
SAME_AS_PAGE = "same report as page"  # the linking page holds this report already
SCANNED = "scanned"  # images without a text layer: recorded, not parsed
UNREADABLE = "unreadable"  # damaged, too large, or a format no reader could open
NOT_REPORT = "not-report"  # readable, but not an annual report

# Shared cells that must agree for two readings to be one report; a PDF reading may
# miss or split a few cells that the HTML table has.
MIN_SHARED_CELLS = 10
MIN_AGREEMENT = 0.9


@dataclass(frozen=True)
class PageReport:
    """What is needed of a page's report to compare an attachment with it."""

    organ: str | None
    year: int | None
    cells: dict[str, float | int | None] = field(default_factory=dict)

    @classmethod
    def of(cls, report: Report | None) -> PageReport | None:
        if report is None:
            return None
        return cls(report.organ, report.year, report.cell_map())


def attachment_status(outcome: ParseOutcome, page: PageReport | None) -> str:
    """The attachments.status of a parsed attachment linked from a page holding `page`
    (None: the page holds no report, or is a list)."""
    if outcome.report is not None:
        if page is not None and same_report(page, outcome.report):
            return SAME_AS_PAGE
        return REPORT
    problem = outcome.reading_problem  # the parsers' own words, parsers/model.py
    return {"scanned": SCANNED, "unreadable": UNREADABLE}.get(problem or "", NOT_REPORT)


def settle_source_page(report: Report | None, page_url: str | None) -> None:
    """A report read from an attachment names the page that linked it, unless it already
    names one (an earlier reading, or the parsers, said so first)."""
    if report is not None and page_url and not report.source_page:
        report.source_page = page_url


def settle_attachment(
    outcome: ParseOutcome, page_url: str | None, page: PageReport | None
) -> tuple[ParseOutcome, str]:
    """(the outcome to store, the attachments.status) of a parsed attachment linked from
    page_url, whose page holds `page` (None: no report, or a list). The page's own report
    attached again becomes an outcome without a report: one report, one row (the page's)."""
    status = attachment_status(outcome, page)
    if status == SAME_AS_PAGE:
        outcome = ParseOutcome(outcome.url, None, SAME_AS_PAGE, outcome.encoding)
    settle_source_page(outcome.report, page_url)
    return outcome, status


def same_report(page: PageReport, attachment: Report) -> bool:
    cells = attachment.cell_map()
    if page.cells and cells:
        return cells_agree(page.cells, cells)
    if page.year is None or attachment.year is None or page.year != attachment.year:
        return False
    return organs_match(page.organ, attachment.organ)


def cells_agree(a: dict, b: dict) -> bool:
    shared = [key for key in a.keys() & b.keys() if a[key] is not None and b[key] is not None]
    if len(shared) < MIN_SHARED_CELLS:
        return False
    equal = sum(1 for key in shared if abs(float(a[key]) - float(b[key])) < 1e-6)
    return equal >= MIN_AGREEMENT * len(shared)


def organs_match(a: str | None, b: str | None) -> bool:
    a, b = squash(a or ""), squash(b or "")
    return bool(a and b) and (a in b or b in a)
