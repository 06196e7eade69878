"""What became of an attachment, in words the attachments table keeps (no Scrapy here).

Report pages often attach their own report once more as PDF or Word ("附件：…年度报告.pdf");
other pages attach a different body's report, or are mere wrappers around the file.
The spider and crawler.reparse ask `attachment_status` what a parsed attachment is, so
that one report is one row: an attachment holding the report of the page that links
it is recorded as "same report as page" and not stored as a report again.

Same report: when both readings have table cells, the cells decide (organ names are
spelled differently on a page and in its PDF, and a body's page may attach a
department's report of the same year); otherwise the same year and organ names of
which one contains the other (通渭县人民政府 / 定西市通渭县人民政府).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from parsers.html import content_pictures
from parsers.model import ParseOutcome, Report
from parsers.normalize import squash
from parsers.sniff import PICTURE_SUFFIXES

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


def table_pictures(html: str, base_url: str) -> list[str]:
    """URLs of the pictures in a report page's article that may be its tables: files
    with a picture suffix (PNG, JPEG, GIF, TIFF), in page order. Fetched under the
    attachments' rules (same site, caps) and read by OCR as part of the page's report."""
    found: list[str] = []
    for source in content_pictures(html):
        if source.startswith("data:"):
            continue
        url = urljoin(base_url, source)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            continue
        suffix = PurePosixPath(unquote(parts.path)).suffix.lower()
        if suffix in PICTURE_SUFFIXES and url not in found:
            found.append(url)
    return found


def wants_pictures(outcome: ParseOutcome) -> bool:
    """A page whose text gave no table cells may hold its tables as pictures."""
    return outcome.report is None or not outcome.report.cells
