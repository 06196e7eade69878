"""Turn attachment bytes (PDF, DOCX, DOC/WPS) into a ``Document`` of paragraphs and tables.

Pure functions: no network, no Scrapy. Every entry point returns a ``Document`` and never
raises; input that cannot be read comes back with no blocks and the reason in ``problem``.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import statistics
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from parsers.bounds import check_docx, scan_pdf
from parsers.model import Block, Document, Paragraph, Table
from parsers.sniff import MAX_DOCUMENT_BYTES as MAX_BYTES
from parsers.sniff import OLE2_MAGIC, PDF_MAGIC, PICTURE_MAGIC, PICTURE_SUFFIXES, ZIP_MAGIC
from parsers.vocabulary import REPORT_WORDS

TOOL_TIMEOUT = 30  # seconds for antiword / catdoc

# OLE2 containers that are spreadsheets or slides (MS Office and WPS), not word processing.
_OLE2_NOT_WORD = {".xls", ".ppt", ".et", ".dps", ".msg"}

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

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- text helpers


def _join_broken(left: str, right: str) -> str:
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


def _space_beside_cjk(text: str) -> str:
    return _WHITESPACE_RUN.sub(_drop_beside_cjk, text)


def _tidy_line(text: str) -> str:
    text = text.replace("\u200b", "").replace("\ufeff", "")
    text = _SPACE_RUN.sub(_drop_between_cjk, text)
    return re.sub(r"[ \t\u00a0\u3000]+", " ", text).strip()


def clean_cell(text: str | None) -> str:
    """A table cell's text on one line: wraps removed, CJK joined without spaces."""
    if not text:
        return ""
    pieces = [_tidy_line(piece) for piece in re.split(r"[\r\n\v]+", text)]
    joined = ""
    for piece in pieces:
        if piece:
            joined = _join_broken(joined, piece)
    joined = _space_beside_cjk(joined)
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


def _title_from_lines(lines: list[str]) -> str | None:
    for line in lines[:_TITLE_SEARCH_LINES]:
        line = line.strip()
        if line and REPORT_WORDS.search(line):
            return _space_beside_cjk(line)
    return None


def _problem(message: str) -> Document:
    return Document(blocks=[], problem=message)


def _drop_blank_rows(rows: list[list[str]]) -> list[list[str]]:
    return [row for row in rows if any(cell for cell in row)]


# --------------------------------------------------------------------------- dispatch


def extract_attachment(
    data: bytes, filename_or_url: str, content_type: str | None = None
) -> Document:
    """Read an attachment whatever its kind: magic bytes first, then the name's extension."""
    if len(data) > MAX_BYTES:
        return _problem(f"attachment too large: {len(data)} bytes (limit {MAX_BYTES})")
    suffix = _suffix(filename_or_url)
    ctype = (content_type or "").split(";")[0].strip().lower()
    head = data[:8]
    if head.startswith(PDF_MAGIC) or (b"%PDF-" in data[:1024]):
        return extract_pdf(data)
    if head.startswith(ZIP_MAGIC) and _is_docx_zip(data):
        return extract_docx(data)
    if head.startswith(OLE2_MAGIC) and suffix in _OLE2_NOT_WORD:
        return _problem(f"unsupported attachment type: {suffix}")
    if head.startswith(PICTURE_MAGIC) or suffix in PICTURE_SUFFIXES or ctype.startswith("image/"):
        return extract_pictures([data])
    if head.startswith(OLE2_MAGIC) or data[:5] == b"{\\rtf":
        return extract_legacy_word(data, suffix if suffix in (".doc", ".wps") else ".doc")
    # The bytes did not tell; a misnamed or truncated file still deserves its reader's reason.
    if suffix == ".pdf" or ctype == "application/pdf":
        return extract_pdf(data)
    if suffix == ".docx" or "wordprocessingml" in ctype:
        return extract_docx(data)
    if suffix in (".doc", ".wps") or ctype in ("application/msword", "application/kswps"):
        return extract_legacy_word(data, suffix or ".doc")
    what = suffix or ctype or repr(bytes(head))
    return _problem(f"unsupported attachment type: {what}")


def _suffix(filename_or_url: str) -> str:
    parts = urlsplit(filename_or_url or "")
    suffix = Path(unquote(parts.path or filename_or_url or "")).suffix.lower()
    if suffix not in (".pdf", ".docx", ".doc", ".wps") and parts.query:
        # Download scripts name the file in the query: download.jsp?file=报告.pdf
        found = re.findall(r"\.(pdf|docx|doc|wps)\b", unquote(parts.query), re.IGNORECASE)
        suffix = "." + found[-1].lower() if found else suffix
    return suffix


def _is_docx_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


# --------------------------------------------------------------------------- PDF


@dataclass
class _Line:
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str


@dataclass
class _PdfTable:
    page: int
    top: float
    bottom: float
    columns: list[float]  # left x of each grid column
    rows: list[list[str]] = field(default_factory=list)
    readings: list | None = None  # per cell, for tables read by OCR


def extract_pdf(data: bytes) -> Document:
    """Paragraphs and tables of a PDF in reading order, without page numbers.

    Scanned PDFs (no text layer) and unreadable ones come back with ``problem`` set.
    """
    if len(data) > MAX_BYTES:
        return _problem(f"PDF too large: {len(data)} bytes (limit {MAX_BYTES})")
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover - a broken install is a problem, not a crash
        return _problem("cannot read PDF: pdfplumber is not installed")
    too_large = scan_pdf(data).problem
    if too_large:
        return _problem(too_large)
    # pdfminer reports every odd object it meets; the outcome is what matters here.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            meta = _pdf_meta(pdf)
            n_pages = len(pdf.pages)
            items: list[_Line | _PdfTable] = []
            n_chars = 0
            scanned: list[int] = []  # pages without a text layer
            for number, page in enumerate(pdf.pages):
                n_chars += len(page.chars)
                if not page.chars:
                    scanned.append(number)
                items.extend(_read_page(page, number))
                page.flush_cache()
    except Exception as exc:  # a damaged file may fail anywhere in pdfminer
        reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        return _problem(f"unreadable PDF: {reason[:300]}")
    if n_pages == 0:
        return _problem("unreadable PDF: no pages")
    if scanned:
        problem = _add_ocr_pages(data, scanned, items, meta)
        if problem and (n_chars == 0 or not items):
            return Document(blocks=[], meta=meta, problem=f"scanned PDF: {problem}")
        if problem and not problem.endswith(_BLANK_PAGES):  # blank pages are no news
            meta["ocr:problem"] = problem
    if not items:
        return Document(
            blocks=[], meta=meta, problem=f"scanned PDF: no text layer ({n_pages} pages)"
        )
    text_sample = "".join(item.text for item in items if isinstance(item, _Line))
    if text_sample.count("(cid:") * 6 > max(len(text_sample), 1) // 2:
        return Document(
            blocks=[], meta=meta, problem="unreadable PDF: text layer has no Unicode mapping (cid)"
        )
    items = _drop_furniture(items)
    lines = [item for item in items if isinstance(item, _Line)]
    title = _pdf_title(lines, items)
    blocks = _assemble(items, lines)
    if not blocks:
        return Document(
            blocks=[], meta=meta, problem=f"scanned PDF: no text layer ({n_pages} pages)"
        )
    return Document(blocks=blocks, title=title, meta=meta)


_BLANK_PAGES = "OCR found no text on them"


def _add_ocr_pages(data: bytes, numbers: list[int], items: list, meta: dict) -> str | None:
    """Read pages without a text layer by OCR into ``items``; the reason when it cannot."""
    from parsers import ocr

    count = f"{len(numbers)} page(s) without a text layer"
    if not ocr.enabled():
        return f"{count}; OCR is turned off"
    try:
        from parsers.ocr.engine import OcrUnavailable
        from parsers.ocr.page import OcrTable

        pages = ocr.read_pdf_pages(data, numbers)
    except (ocr.OcrProblem, OcrUnavailable, ImportError) as error:
        return f"{count}, not read: {error}"
    for number, found in pages.items():
        items.extend(_ocr_items(number, found, OcrTable))
    items.sort(key=lambda item: item.page)  # stable: each page keeps its top-down order
    meta["ocr:pages"] = ",".join(str(number + 1) for number in sorted(pages))
    if not any(pages.values()):
        return f"{count}; {_BLANK_PAGES}"
    return None


def _ocr_items(number: int, found: list, table_type) -> list[_Line | _PdfTable]:
    items: list[_Line | _PdfTable] = []
    for item in found:
        if isinstance(item, table_type):
            items.append(
                _PdfTable(number, item.top, item.bottom, item.columns, item.rows, item.readings)
            )
        else:
            items.append(
                _Line(number, item.top, item.bottom, item.x0, item.x1, item.size, item.text)
            )
    return items


def extract_pictures(images: list[bytes], what: str = "picture") -> Document:
    """Pictures of report pages (a scan, a table published as an image) read by OCR."""
    from parsers import ocr

    if not ocr.enabled():
        return _problem(f"scanned {what}: not read, OCR is turned off")
    try:
        from parsers.ocr.engine import OcrUnavailable
        from parsers.ocr.page import OcrTable

        pages = ocr.read_images(images)
    except (ocr.OcrProblem, OcrUnavailable, ImportError) as error:
        return _problem(f"unreadable {what}: {error}")
    items: list[_Line | _PdfTable] = []
    for number, found in enumerate(pages):
        items.extend(_ocr_items(number, found, OcrTable))
    if not items:
        return _problem(f"scanned {what}: OCR found no text")
    items = _drop_furniture(items)
    lines = [item for item in items if isinstance(item, _Line)]
    blocks = _assemble(items, lines)
    if not blocks:
        return _problem(f"scanned {what}: OCR found no text")
    meta = {"ocr:pages": ",".join(str(number + 1) for number in range(len(pages)))}
    return Document(blocks=blocks, title=_pdf_title(lines, items), meta=meta)


def _pdf_meta(pdf) -> dict[str, str]:
    """The document information dictionary, decoded from its raw strings.

    pdfminer decodes only big-endian UTF-16; Chinese producers (WPS) often write
    little-endian UTF-16 or GBK, which would come out as mojibake.
    """
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    meta: dict[str, str] = {}
    try:
        infos = list(getattr(pdf.doc, "info", None) or [])
    except Exception:  # metadata is a bonus, never a reason to fail
        return meta
    for info in infos:
        info = resolve1(info)
        if not isinstance(info, dict):
            continue
        for key in ("Title", "Subject", "Creator", "Producer", "CreationDate", "ModDate"):
            value = resolve1(info.get(key))
            if isinstance(value, bytes):
                value = _decode_pdf_string(value, decode_text)
            if isinstance(value, str) and value.strip():
                meta[f"pdf:{key}"] = value.replace("\x00", "").strip()
    return meta


def _decode_pdf_string(raw: bytes, pdfdoc_decode) -> str:
    if raw[:2] == b"\xfe\xff":
        return raw[2:].decode("utf-16-be", "replace")
    if raw[:2] == b"\xff\xfe":
        return raw[2:].decode("utf-16-le", "replace")
    if raw[:3] == b"\xef\xbb\xbf":
        return raw[3:].decode("utf-8", "replace")
    if raw.isascii():
        return raw.decode("ascii")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return pdfdoc_decode(raw)


def _is_border(obj: dict) -> bool:
    """Whether a graphic object can be a table border.

    Word and WPS paint a white (or tinted) filled box behind every line of some paragraphs;
    taken as borders, those boxes turn prose into one-column tables. Filled boxes count only
    when they are thin enough to be drawn rules.
    """
    if obj.get("object_type") != "rect":
        return True
    if obj.get("stroke"):
        return True
    width = obj["x1"] - obj["x0"]
    height = obj["bottom"] - obj["top"]
    return min(width, height) <= 2.0


def _closing_edges(page) -> list[dict]:
    """Horizontal edges where a table's column rules start or stop with no rule across.

    A table cut by a page break often lacks its top or bottom border on one of the pages,
    and pdfplumber only sees cells closed on four sides.
    """
    verticals = [edge for edge in page.edges if edge["orientation"] == "v"]
    extra: list[dict] = []
    for side in ("top", "bottom"):
        groups: dict[int, list[dict]] = {}
        for edge in verticals:
            groups.setdefault(round(edge[side]), []).append(edge)
        for y, group in groups.items():
            if len(group) < 2:
                continue
            x0 = min(edge["x0"] for edge in group)
            x1 = max(edge["x1"] for edge in group)
            extra.append(
                {
                    "object_type": "closing_edge",
                    "orientation": "h",
                    "x0": x0,
                    "x1": x1,
                    "top": float(y),
                    "bottom": float(y),
                    "width": x1 - x0,
                    "height": 0.0,
                }
            )
    return extra


def _read_page(page, number: int) -> list[_Line | _PdfTable]:
    drawn = page.filter(_is_border)
    settings = {"explicit_horizontal_lines": _closing_edges(drawn)}
    tables: list[_PdfTable] = []
    boxes = []
    for found in drawn.find_tables(table_settings=settings):
        columns = sorted({round(cell[0], 1) for cell in found.cells})
        if len(columns) < 2:
            continue  # a framed paragraph, not a table: its text is read as text
        rows = []
        for raw_row in found.extract():
            # None marks a grid position covered by a span: the model keeps a span once.
            rows.append([clean_cell(cell) for cell in raw_row if cell is not None])
        rows = _drop_blank_rows(rows)
        if not rows:
            continue
        x0, top, x1, bottom = found.bbox
        boxes.append((x0, top, x1, bottom))
        tables.append(_PdfTable(page=number, top=top, bottom=bottom, columns=columns, rows=rows))

    def outside_tables(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside_tables) if boxes else page
    lines: list[_Line] = []
    for raw in text_page.extract_text_lines(return_chars=True):
        text = _tidy_line(raw["text"])
        if not text:
            continue
        sizes = [char.get("size", 0) for char in raw.get("chars", []) if not char["text"].isspace()]
        size = statistics.median(sizes) if sizes else 0.0
        lines.append(
            _Line(number, raw["top"], raw["bottom"], raw["x0"], raw["x1"], round(size, 1), text)
        )
    items: list[_Line | _PdfTable] = [*lines, *tables]
    items.sort(key=lambda item: item.top)
    return items


def _drop_furniture(items: list[_Line | _PdfTable]) -> list[_Line | _PdfTable]:
    by_page: dict[int, list[int]] = {}
    for index, item in enumerate(items):
        if isinstance(item, _Line):
            by_page.setdefault(item.page, []).append(index)
    edge = set()
    for indexes in by_page.values():
        edge.update(indexes[:1] + indexes[-1:])
    kept = []
    for index, item in enumerate(items):
        if isinstance(item, _Line) and is_page_furniture(item.text, at_page_edge=index in edge):
            continue
        kept.append(item)
    return kept


def _pdf_title(lines: list[_Line], items: list[_Line | _PdfTable]) -> str | None:
    """The line naming the report, with the heading lines printed in its size around it."""
    first_table = next((i for i, item in enumerate(items) if isinstance(item, _PdfTable)), None)
    head = items[:first_table] if first_table is not None else items
    head_lines = [item for item in head if isinstance(item, _Line)][:_TITLE_SEARCH_LINES]
    hit = next((i for i, line in enumerate(head_lines) if REPORT_WORDS.search(line.text)), None)
    if hit is None:
        return None
    body_size = statistics.median(line.size for line in lines) if lines else 0.0
    title_line = head_lines[hit]
    start = end = hit
    if title_line.size > body_size + 1:
        # A heading set larger than the body is often split, e.g. organ / year and report.
        def same_heading(other: _Line, near: _Line) -> bool:
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
        text = _join_broken(text, line.text)
    return _space_beside_cjk(text) or None


def _assemble(items: list[_Line | _PdfTable], lines: list[_Line]) -> list[Block]:
    """Lines joined into paragraphs, tables continued over a page break joined into one."""
    if lines:
        sizes = [line.size for line in lines]
        char = statistics.median(sizes) or 10.0
        left = statistics.mode(round(line.x0) for line in lines)
        right = _quantile([line.x1 for line in lines], 0.9)
    else:
        char, left, right = 10.0, 0.0, 0.0
    blocks: list[Block] = []
    previous: _Line | _PdfTable | None = None
    for item in items:
        if isinstance(item, _PdfTable):
            if (
                isinstance(previous, _PdfTable)
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
            previous = _PdfTable(item.page, item.top, item.bottom, item.columns)
            continue
        if isinstance(previous, _Line) and _continues(previous, item, char, left, right):
            paragraph = blocks[-1]
            assert isinstance(paragraph, Paragraph)
            paragraph.text = _join_broken(paragraph.text, item.text)
        else:
            blocks.append(Paragraph(item.text))
        previous = item
    return blocks


def _join_readings(table: Table, continued: _PdfTable) -> None:
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


def _continues(above: _Line, below: _Line, char: float, left: float, right: float) -> bool:
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


# --------------------------------------------------------------------------- DOCX


def extract_docx(data: bytes) -> Document:
    """Paragraphs and tables of a .docx in document order; merged cells appear once."""
    if len(data) > MAX_BYTES:
        return _problem(f"DOCX too large: {len(data)} bytes (limit {MAX_BYTES})")
    try:
        import docx
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph as DocxParagraph
    except ImportError:  # pragma: no cover
        return _problem("cannot read DOCX: python-docx is not installed")
    too_large = check_docx(data)
    if too_large:
        return _problem(too_large)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[Block] = []
        for element in _body_elements(document.element.body):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "p":
                text = _tidy_line(DocxParagraph(element, document).text.replace("\n", " "))
                if text:
                    blocks.append(Paragraph(text))
            elif tag == "tbl":
                rows = _docx_rows(DocxTable(element, document))
                if rows:
                    blocks.append(Table(rows=rows))
        meta = _docx_meta(document)
    except Exception as exc:  # a damaged file is reported, not raised
        return _problem(f"unreadable DOCX: {type(exc).__name__}: {exc}"[:300])
    if not blocks:
        pictures = _docx_pictures(document)
        if pictures:
            scanned = extract_pictures(pictures, what="DOCX")
            scanned.meta.update(meta)
            return scanned
        return Document(blocks=[], meta=meta, problem="DOCX has no text (images only?)")
    texts = [block.text for block in blocks if isinstance(block, Paragraph)]
    title = _title_from_lines(texts)
    core_title = meta.get("docx:title", "")
    if title is None and REPORT_WORDS.search(core_title):
        title = core_title
    return Document(blocks=blocks, title=title, meta=meta)


def _docx_pictures(document) -> list[bytes]:
    """The pictures of a .docx in the order they appear (a scanned report pasted as images)."""
    embed = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
    pictures = []
    for element in document.element.body.iter():
        if isinstance(element.tag, str) and element.tag.endswith("}blip"):
            part = document.part.related_parts.get(element.get(embed))
            if part is not None:
                pictures.append(part.blob)
    return pictures


def _body_elements(body):
    """Body children in order, looking inside content controls that wrap paragraphs or tables."""
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag in ("p", "tbl"):
            yield element
        elif tag in ("sdt", "sdtContent", "customXml"):
            yield from _body_elements(element)


def _docx_rows(table) -> list[list[str]]:
    # A merged cell is one <w:tc>: python-docx repeats it in every grid position it spans,
    # across columns (gridSpan) and down rows (vMerge); the model keeps it once, where it starts.
    seen: set = set()
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            tc = cell._tc
            if tc in seen:
                continue
            seen.add(tc)
            cells.append(clean_cell(cell.text))
        rows.append(cells)
    return _drop_blank_rows(rows)


def _docx_meta(document) -> dict[str, str]:
    meta = {}
    props = document.core_properties
    for name in ("title", "author", "created", "modified"):
        value = getattr(props, name, None)
        if value:
            meta[f"docx:{name}"] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return meta


# --------------------------------------------------------------------------- DOC / WPS

_ANTIWORD_ROW = re.compile(r"^\s*\|(.*)\|\s*$")


def extract_legacy_word(data: bytes, suffix: str) -> Document:
    """Text of a Word 97-2003 .doc (or a Word-compatible .wps) through antiword or catdoc.

    RTF saved under a Word name is read by catdoc; HTML saved as .doc is refused, since
    catdoc would hand its markup back as text.
    """
    kind = "." + suffix.lower().lstrip(".") if suffix else ".doc"
    if len(data) > MAX_BYTES:
        return _problem(f"{kind} too large: {len(data)} bytes (limit {MAX_BYTES})")
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith(ZIP_MAGIC) and _is_docx_zip(data):
        return extract_docx(data)  # a .docx renamed to .doc, as some sites serve them
    if data.startswith(OLE2_MAGIC):
        wanted = ("antiword", "catdoc")
    elif head.startswith(b"{\\rtf"):
        wanted = ("catdoc",)
    elif head.startswith((b"<!doctype", b"<html", b"<?xml", b"mime-version")) or b"<html" in head:
        return _problem(f"unsupported attachment type: HTML or MHT saved as {kind}")
    else:
        return _problem(f"unreadable {kind}: not an OLE2 Word file")
    tools = [name for name in wanted if shutil.which(name)]
    if not tools:
        return _problem(f"cannot read {kind}: install antiword (apt-get install antiword catdoc)")
    reasons = []
    with tempfile.TemporaryDirectory(prefix="attachment-") as folder:
        path = Path(folder) / ("input.rtf" if wanted == ("catdoc",) else "input.doc")
        path.write_bytes(data)
        for tool in tools:
            text, reason = _run_converter(tool, path)
            if text is None:
                reasons.append(f"{tool}: {reason.replace(str(path), path.name)}")
                continue
            blocks = _text_to_blocks(text, tables=tool == "antiword")
            if blocks:
                lines = [block.text for block in blocks if isinstance(block, Paragraph)]
                return Document(
                    blocks=blocks, title=_title_from_lines(lines), meta={"converter": tool}
                )
            reasons.append(f"{tool}: no text")
    return _problem(f"cannot read {kind}: " + "; ".join(reasons))


def _run_converter(tool: str, path: Path) -> tuple[str | None, str]:
    if tool == "antiword":
        # -w 0: no rewrapping, so every paragraph is one line; UTF-8 keeps Chinese intact.
        command = ["antiword", "-m", "UTF-8.txt", "-w", "0", str(path)]
    else:
        command = ["catdoc", "-d", "utf-8", "-w", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TOOL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TOOL_TIMEOUT} s"
    except OSError as exc:
        return None, str(exc)
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, (err[-1] if err else f"exit status {done.returncode}")[:200]
    return done.stdout.decode("utf-8", "replace"), ""


def _text_to_blocks(text: str, tables: bool) -> list[Block]:
    """Paragraphs from a converter's text; antiword's "|a|b|" lines and catdoc's tab lines
    become table rows."""
    blocks: list[Block] = []
    rows: list[list[str]] = []
    previous_raw: list[str] | None = None  # the padded cells of the last antiword row

    def flush_table() -> None:
        nonlocal previous_raw
        if rows:
            kept = _drop_blank_rows([[clean_cell(cell) for cell in row] for row in rows])
            if kept:
                blocks.append(Table(rows=kept))
            rows.clear()
        previous_raw = None

    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "").split("\n")
    for index, raw in enumerate(lines):
        match = _ANTIWORD_ROW.match(raw) if tables else None
        if match:
            padded = match.group(1).split("|")
            if previous_raw is not None and _wraps_previous_row(previous_raw, padded):
                for position, cell in enumerate(padded):
                    if cell.strip():
                        rows[-1][position] += "\n" + cell.strip()
            else:
                rows.append([cell.strip() for cell in padded])
            previous_raw = padded
            continue
        if not tables and "\t" in raw and _is_tab_row(lines, index):
            rows.append(raw.split("\t"))
            continue
        flush_table()
        line = _tidy_line(raw)
        if line and not is_page_furniture(line):
            blocks.append(Paragraph(line))
    flush_table()
    return blocks


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _wraps_previous_row(previous: list[str], current: list[str]) -> bool:
    """Whether an antiword table line carries on the cells of the line above.

    antiword wraps a cell's text within the cell's width, so the first part of a wrapped
    cell fills its column; a new row does not need its cells above to be full.
    """
    if len(previous) != len(current):
        return False
    filled = [index for index, cell in enumerate(current) if cell.strip()]
    if not filled:
        return False
    for index in filled:
        above = previous[index].rstrip()
        if not above.strip() or _display_width(above) < _display_width(previous[index]) - 2:
            return False
    return True


def _is_tab_row(lines: list[str], index: int) -> bool:
    # A lone tab can be a tab stop in a paragraph; a table has several cells or several rows.
    if lines[index].count("\t") >= 2:
        return True
    neighbours = lines[max(0, index - 1) : index] + lines[index + 1 : index + 2]
    return any("\t" in line for line in neighbours)
