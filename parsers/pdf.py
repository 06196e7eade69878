"""PDF attachments: text layers read by pdfplumber, pages without one by OCR."""

from __future__ import annotations

import io
import logging
import statistics

from parsers.bounds import scan_pdf
from parsers.lines import (
    Line,
    PageTable,
    assemble,
    clean_cell,
    drop_blank_rows,
    drop_furniture,
    layout_title,
    problem_document,
    tidy_line,
)
from parsers.model import Document
from parsers.scans import BLANK_PAGES, add_ocr_pages
from parsers.sniff import MAX_DOCUMENT_BYTES as MAX_BYTES


def extract_pdf(data: bytes) -> Document:
    """Paragraphs and tables of a PDF in reading order, without page numbers.

    Scanned PDFs (no text layer) and unreadable ones come back with ``problem`` set.
    """
    if len(data) > MAX_BYTES:
        return problem_document(f"PDF too large: {len(data)} bytes (limit {MAX_BYTES})")
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover - a broken install is a problem, not a crash
        return problem_document("cannot read PDF: pdfplumber is not installed")
    too_large = scan_pdf(data).problem
    if too_large:
        return problem_document(too_large)
    # pdfminer reports every odd object it meets; the outcome is what matters here.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            meta = _pdf_meta(pdf)
            n_pages = len(pdf.pages)
            items: list[Line | PageTable] = []
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
        return problem_document(f"unreadable PDF: {reason[:300]}")
    if n_pages == 0:
        return problem_document("unreadable PDF: no pages")
    if scanned:
        problem = add_ocr_pages(data, scanned, items, meta)
        if problem and (n_chars == 0 or not items):
            return Document(blocks=[], meta=meta, problem=f"scanned PDF: {problem}")
        if problem and not problem.endswith(BLANK_PAGES):  # blank pages are no news
            meta["ocr:problem"] = problem
    if not items:
        return Document(
            blocks=[], meta=meta, problem=f"scanned PDF: no text layer ({n_pages} pages)"
        )
    text_sample = "".join(item.text for item in items if isinstance(item, Line))
    if text_sample.count("(cid:") * 6 > max(len(text_sample), 1) // 2:
        return Document(
            blocks=[], meta=meta, problem="unreadable PDF: text layer has no Unicode mapping (cid)"
        )
    items = drop_furniture(items)
    lines = [item for item in items if isinstance(item, Line)]
    title = layout_title(lines, items)
    blocks = assemble(items, lines)
    if not blocks:
        return Document(
            blocks=[], meta=meta, problem=f"scanned PDF: no text layer ({n_pages} pages)"
        )
    return Document(blocks=blocks, title=title, meta=meta)


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


def _read_page(page, number: int) -> list[Line | PageTable]:
    drawn = page.filter(_is_border)
    settings = {"explicit_horizontal_lines": _closing_edges(drawn)}
    tables: list[PageTable] = []
    boxes = []
    for found in drawn.find_tables(table_settings=settings):
        columns = sorted({round(cell[0], 1) for cell in found.cells})
        if len(columns) < 2:
            continue  # a framed paragraph, not a table: its text is read as text
        rows = []
        for raw_row in found.extract():
            # None marks a grid position covered by a span: the model keeps a span once.
            rows.append([clean_cell(cell) for cell in raw_row if cell is not None])
        rows = drop_blank_rows(rows)
        if not rows:
            continue
        x0, top, x1, bottom = found.bbox
        boxes.append((x0, top, x1, bottom))
        tables.append(PageTable(page=number, top=top, bottom=bottom, columns=columns, rows=rows))

    def outside_tables(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside_tables) if boxes else page
    lines: list[Line] = []
    for raw in text_page.extract_text_lines(return_chars=True):
        text = tidy_line(raw["text"])
        if not text:
            continue
        sizes = [char.get("size", 0) for char in raw.get("chars", []) if not char["text"].isspace()]
        size = statistics.median(sizes) if sizes else 0.0
        lines.append(
            Line(number, raw["top"], raw["bottom"], raw["x0"], raw["x1"], round(size, 1), text)
        )
    items: list[Line | PageTable] = [*lines, *tables]
    items.sort(key=lambda item: item.top)
    return items
