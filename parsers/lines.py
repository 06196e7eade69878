"""The line model every reader of laid-out pages shares: PDF text layers and OCR.

Lines and tables keep where they stand on their page; from them come the paragraphs and
tables of a ``Document`` (wrapped lines joined, tables continued over a page break joined,
page numbers dropped) and the report's title. Text tidying for table cells lives here
too, so that a cell reads the same whether it came from a text layer or from OCR.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from parsers.model import Block, Document, Paragraph, Table
from parsers.vocabulary import REPORT_WORDS

# CJK ideographs, CJK and fullwidth punctuation: text in which line breaks and the spaces
# that PDF justification leaves between characters carry no meaning.
_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_PUNCT = "\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_PUNCT_CHAR = re.compile(f"[{_CJK_PUNCT}]")
# Runs of spaces are matched whole and judged by their neighbours in a function: a
# lookahead after a `+` run rescans the run from every start, quadratic on long runs.
_SPACE_RUN = re.compile("[ \\t\u00a0]+")
_WHITESPACE_RUN = re.compile(r"\s+")
_NUMERIC_CELL = re.compile(r"^[\d\s.,%]+$")

_DASHES = "-\u2010-\u2015\u2212\ufe58\ufe63\uff0d~\uff5e_\u00b7"
# Page furniture recognised anywhere on a page (matched against text without whitespace).
_FURNITURE_ANYWHERE = [
    re.compile(f"^[{_DASHES}]+\\d{{1,4}}[{_DASHES}]+$"),  # - 3 -, — 3 —, －3－
    re.compile(r"^第\d{1,4}页(?:[,，/]?共\d{1,4}页)?$"),  # 第 3 页, 第3页共6页
    re.compile(r"^共\d{1,4}页[,，]?第\d{1,4}页$"),
    re.compile(r"^page\d{1,4}(?:of\d{1,4})?$", re.IGNORECASE),
]
# Forms that can also be real content, so only the first or last line of a page is dropped.
_FURNITURE_AT_EDGE = [
    re.compile(r"^\d{1,4}$"),  # lone page number
    re.compile(r"^\d{1,4}/\d{1,4}$"),  # 3/6
]
_TITLE_SEARCH_LINES = 6


# --------------------------------------------------------------------------- text


def join_broken(left: str, right: str) -> str:
    """Join two pieces of text that a line wrap separated."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    # Latin words need their space back; CJK text and numbers split by a wrap do not.
    if a.isascii() and b.isascii() and not (a.isdigit() and b.isdigit()):
        return left + " " + right
    return left + right


def _neighbours(match: re.Match) -> tuple[str, str]:
    text, start, end = match.string, match.start(), match.end()
    return (text[start - 1] if start else ""), (text[end] if end < len(text) else "")


def _drop_between_cjk(match: re.Match) -> str:
    """Spaces between CJK characters, or beside CJK punctuation: justified PDF lines."""
    before, after = _neighbours(match)
    cjk = bool(before and after and _CJK_CHAR.match(before) and _CJK_CHAR.match(after))
    punct = any(c and _CJK_PUNCT_CHAR.match(c) for c in (before, after))
    return "" if cjk or punct else match.group()


def _drop_beside_cjk(match: re.Match) -> str:
    before, after = _neighbours(match)
    return "" if any(c and _CJK_CHAR.match(c) for c in (before, after)) else match.group()


def space_beside_cjk(text: str) -> str:
    return _WHITESPACE_RUN.sub(_drop_beside_cjk, text)


def tidy_line(text: str) -> str:
    text = text.replace("\u200b", "").replace("\ufeff", "")
    text = _SPACE_RUN.sub(_drop_between_cjk, text)
    return re.sub(r"[ \t\u00a0\u3000]+", " ", text).strip()


def clean_cell(text: str | None) -> str:
    """A table cell's text on one line: wraps removed, CJK joined without spaces."""
    if not text:
        return ""
    pieces = [tidy_line(piece) for piece in re.split(r"[\r\n\v]+", text)]
    joined = ""
    for piece in pieces:
        if piece:
            joined = join_broken(joined, piece)
    joined = space_beside_cjk(joined)
    if _NUMERIC_CELL.match(joined):
        # A number cell narrower than its number wraps it or spreads its digits.
        joined = re.sub(r"\s+", "", joined)
    return joined


def is_page_furniture(text: str, at_page_edge: bool = False) -> bool:
    """True for page-number lines such as "- 3 -", "第 3 页" and, at a page edge, "3" or "3/6"."""
    squashed = re.sub(r"\s+", "", text)
    if not squashed:
        return True
    if any(pattern.match(squashed) for pattern in _FURNITURE_ANYWHERE):
        return True
    return at_page_edge and any(pattern.match(squashed) for pattern in _FURNITURE_AT_EDGE)


def title_from_lines(lines: list[str]) -> str | None:
    for line in lines[:_TITLE_SEARCH_LINES]:
        line = line.strip()
        if line and REPORT_WORDS.search(line):
            return space_beside_cjk(line)
    return None


def problem_document(message: str) -> Document:
    return Document(blocks=[], problem=message)


def drop_blank_rows(rows: list[list[str]]) -> list[list[str]]:
    return [row for row in rows if any(cell for cell in row)]


# --------------------------------------------------------------------------- page layout


@dataclass
class Line:
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float  # type size in points
    text: str


@dataclass
class PageTable:
    page: int
    top: float
    bottom: float
    columns: list[float]  # left x of each grid column
    rows: list[list[str]] = field(default_factory=list)
    readings: list | None = None  # per cell, for tables read by OCR


def drop_furniture(items: list[Line | PageTable]) -> list[Line | PageTable]:
    by_page: dict[int, list[int]] = {}
    for index, item in enumerate(items):
        if isinstance(item, Line):
            by_page.setdefault(item.page, []).append(index)
    edge = set()
    for indexes in by_page.values():
        edge.update(indexes[:1] + indexes[-1:])
    kept = []
    for index, item in enumerate(items):
        if isinstance(item, Line) and is_page_furniture(item.text, at_page_edge=index in edge):
            continue
        kept.append(item)
    return kept


def layout_title(lines: list[Line], items: list[Line | PageTable]) -> str | None:
    """The line naming the report, with the heading lines printed in its size around it."""
    first_table = next((i for i, item in enumerate(items) if isinstance(item, PageTable)), None)
    head = items[:first_table] if first_table is not None else items
    head_lines = [item for item in head if isinstance(item, Line)][:_TITLE_SEARCH_LINES]
    hit = next((i for i, line in enumerate(head_lines) if REPORT_WORDS.search(line.text)), None)
    if hit is None:
        return None
    body_size = statistics.median(line.size for line in lines) if lines else 0.0
    title_line = head_lines[hit]
    start = end = hit
    if title_line.size > body_size + 1:
        # A heading set larger than the body is often split, e.g. organ / year and report.
        def same_heading(other: Line, near: Line) -> bool:
            return (
                other.page == near.page
                and abs(other.size - title_line.size) <= 0.6
                and max(other.top - near.bottom, near.top - other.bottom) < title_line.size
            )

        while start > 0 and same_heading(head_lines[start - 1], head_lines[start]):
            start -= 1
        while end + 1 < len(head_lines) and same_heading(head_lines[end + 1], head_lines[end]):
            end += 1
    text = ""
    for line in head_lines[start : end + 1]:
        text = join_broken(text, line.text)
    return space_beside_cjk(text) or None


def assemble(items: list[Line | PageTable], lines: list[Line]) -> list[Block]:
    """Lines joined into paragraphs, tables continued over a page break joined into one."""
    if lines:
        sizes = [line.size for line in lines]
        char = statistics.median(sizes) or 10.0
        left = statistics.mode(round(line.x0) for line in lines)
        right = _quantile([line.x1 for line in lines], 0.9)
    else:
        char, left, right = 10.0, 0.0, 0.0
    blocks: list[Block] = []
    previous: Line | PageTable | None = None
    for item in items:
        if isinstance(item, PageTable):
            if (
                isinstance(previous, PageTable)
                and item.page == previous.page + 1
                and _same_columns(previous.columns, item.columns)
                and isinstance(blocks[-1], Table)
            ):
                _join_readings(blocks[-1], item)
                blocks[-1].rows.extend(item.rows)
                previous.page, previous.columns = item.page, item.columns
                continue
            readings = [list(row) for row in item.readings] if item.readings else None
            blocks.append(Table(rows=[list(row) for row in item.rows], readings=readings))
            previous = PageTable(item.page, item.top, item.bottom, item.columns)
            continue
        if isinstance(previous, Line) and _continues(previous, item, char, left, right):
            paragraph = blocks[-1]
            assert isinstance(paragraph, Paragraph)
            paragraph.text = join_broken(paragraph.text, item.text)
        else:
            blocks.append(Paragraph(item.text))
        previous = item
    return blocks


def _join_readings(table: Table, continued: PageTable) -> None:
    """Keep OCR readings in step with rows when a table goes on over a page break."""
    if table.readings is None and continued.readings is None:
        return
    if table.readings is None:
        table.readings = [[None] * len(row) for row in table.rows]
    more = continued.readings or [[None] * len(row) for row in continued.rows]
    table.readings.extend(list(row) for row in more)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _same_columns(a: list[float], b: list[float]) -> bool:
    if len(a) != len(b) or len(a) < 2:
        return False
    # Relative positions, so that a table set a little further right on the next page still joins.
    return all(abs((x - a[0]) - (y - b[0])) <= 4 for x, y in zip(a, b, strict=True))


def _continues(above: Line, below: Line, char: float, left: float, right: float) -> bool:
    """Whether ``below`` goes on with the paragraph that ``above`` belongs to."""
    size = max(above.size, below.size, 1.0)
    if abs(above.size - below.size) > 1:
        return False
    if above.x1 < right - 1.5 * size:
        return False  # a short line ends its paragraph
    if below.x0 > left + 0.8 * size:
        return False  # an indented line starts one
    if below.page == above.page:
        return below.top - above.bottom < 1.6 * size
    return below.page == above.page + 1
