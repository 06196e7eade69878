"""Plain data produced by the parsers; nothing here knows about HTTP or Scrapy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import starmap

# How the parsers word the reasons of documents they could not read (attachments.py,
# report.py), as opposed to documents read and found not to be reports.
SCANNED_REASON = re.compile(r"^scanned\b", re.I)
UNREADABLE_REASON = re.compile(
    r"^(?:unreadable|cannot read|too large|\w+ too large|\w+ has no text|parser error"
    r"|not a document)",
    re.I,
)


@dataclass(frozen=True)
class Reading:
    """How sure OCR is of a cell it read from a page image."""

    confidence: float  # the lowest probability among the cell's characters, 0..1
    alternatives: tuple[str, ...] = ()  # the engine's second choices, one digit changed each
    unreadable: bool = False  # ink in the cell, but no number could be read from it


# Slots, no instance dict: a report's ~200 cells are made in C (parsers/_rows.pyx,
# make_cells) by setting each field through its member descriptor, a fraction of the
# cost of a dict per cell.
@dataclass(slots=True)
class Cell:
    key: str  # a key of parsers/cells.tsv, e.g. "t3.new_received.natural_person"
    value: float | int | None  # None for blank, '/', '-' and other non-numbers
    raw: str  # the cell's text as published
    reading: Reading | None = None  # set when the cell was read by OCR
    flagged: bool = False  # OCR cell with low confidence or in a failing check

    def __reduce__(self):
        return Cell, cell_fields(self)

    @property
    def source(self) -> str:
        return "text" if self.reading is None else "ocr"

    @property
    def confidence(self) -> float | None:
        return None if self.reading is None else self.reading.confidence


@dataclass
class Check:
    name: str  # e.g. "t3.balance.natural_person"
    ok: bool
    detail: str = ""

    def __reduce__(self):
        return Check, (self.name, self.ok, self.detail)


@dataclass
class Report:
    url: str
    title: str | None
    organ: str | None
    year: int | None
    published: str | None  # YYYY-MM-DD
    format: str  # "2021", "2019", "pre2019", "unknown"
    body_text: str
    sections: dict[str, str] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    # Problems met while reading the tables, e.g. "t4 incomplete: 9 of 15 cells".
    warnings: list[str] = field(default_factory=list)
    source_page: str | None = None  # the page an attachment was linked from
    encoding: str | None = None

    def cell_map(self) -> dict[str, float | int | None]:
        return {cell.key: cell.value for cell in self.cells}

    def __reduce__(self):
        # Every report is pickled from a parse worker to the crawl (crawler.worker), and
        # again to the writer of a distributed crawl: its ~200 cells and ~50 checks go as
        # plain tuples, which pickle and unpickle in under half the time of dataclasses
        # with a state dict each.
        head = (self.url, self.title, self.organ, self.year, self.published, self.format)
        return _report, (
            head,
            self.body_text,
            self.sections,
            [cell_fields(cell) for cell in self.cells],
            [(check.name, check.ok, check.detail) for check in self.checks],
            (self.warnings, self.source_page, self.encoding),
        )


def cell_fields(cell: Cell) -> tuple:
    """A cell's fields as a tuple, the last two left out when they are the default."""
    if cell.reading is None and not cell.flagged:
        return cell.key, cell.value, cell.raw
    return cell.key, cell.value, cell.raw, cell.reading, cell.flagged


def _report(head, body_text, sections, cells, checks, tail) -> Report:
    """A Report from its __reduce__ tuples (unpickling: in the crawl's process, a report
    page's every answer; starmap makes its ~250 objects without a Python loop)."""
    cells = list(starmap(Cell, cells))
    checks = list(starmap(Check, checks))
    return Report(*head, body_text, sections, cells, checks, *tail)


@dataclass
class ParseOutcome:
    """What one document turned out to be.

    ``report`` is set only for annual reports; anything else (a column page, a
    notice, a 法治政府建设年度报告, unreadable input) carries the reason instead.
    """

    url: str
    report: Report | None = None
    reason: str = ""
    encoding: str | None = None
    # An HTML page's link targets and <base href> (Document.links): read from the one
    # parse of the page, so that the crawler finds its attachments without another.
    links: list[str] = field(default_factory=list)
    base: str | None = None
    # An HTML page that is no report: its text and anchors (parsers.links.links_and_anchors),
    # so that the crawler reads it as a list without decoding or parsing it again.
    text: str | None = None
    anchors: list[tuple[str, str, str]] | None = None
    # The pictures in an HTML page's article, as written (Document.pictures): its tables,
    # perhaps, when the text has none (crawler.pictures fetches them for OCR).
    pictures: list[str] = field(default_factory=list)

    @property
    def is_report(self) -> bool:
        return self.report is not None

    @property
    def reading_problem(self) -> str | None:
        """ "scanned" (images, no text layer), "unreadable" (damaged, too large, not a
        document) or None: the document was read, and is or is not a report."""
        if self.report is not None:
            return None
        if SCANNED_REASON.search(self.reason or ""):
            return "scanned"
        if UNREADABLE_REASON.search(self.reason or ""):
            return "unreadable"
        return None


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    """A table as published: rows of cell texts in reading order.

    Spans are not expanded (a rowspan cell appears once, in its first row);
    blank cells are "". Extractors that cannot see rows (plain text) give one
    row per run of cells they can delimit.
    """

    rows: list[list[str]]
    # For tables read by OCR: each cell's reading, in the shape of ``rows``.
    readings: list[list[Reading | None]] | None = None


Block = Paragraph | Table


@dataclass
class Document:
    """A report source reduced to readable blocks, before any interpretation."""

    blocks: list[Block]
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)  # <meta> names, e.g. PubDate
    encoding: str | None = None
    # Set when the source has no readable text (a scanned PDF) or is damaged.
    problem: str | None = None
    # Share of the body's text that sits in links: high on list and navigation pages.
    link_text_ratio: float = 0.0
    # Where an HTML page points, as written (parsers.links), and its <base href>.
    links: list[str] = field(default_factory=list)
    base: str | None = None
    anchors: list[tuple[str, str, str]] = field(default_factory=list)  # (href, text, title)
    pictures: list[str] = field(default_factory=list)  # <img> sources in the article
    # Why the page is no report, when its name said so before its text was read (the
    # blocks are then left unread: parsers.html.parse_html's ``verdict``).
    verdict: str = ""
