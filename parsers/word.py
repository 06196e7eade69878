"""Word attachments: .docx by python-docx, .doc and .wps by antiword or catdoc."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from pathlib import Path

from parsers.bounds import check_docx
from parsers.lines import (
    clean_cell,
    drop_blank_rows,
    is_page_furniture,
    problem_document,
    tidy_line,
    title_from_lines,
)
from parsers.model import Block, Document, Paragraph, Table
from parsers.scans import extract_pictures
from parsers.sniff import MAX_DOCUMENT_BYTES as MAX_BYTES
from parsers.sniff import OLE2_MAGIC, ZIP_MAGIC
from parsers.vocabulary import REPORT_WORDS

TOOL_TIMEOUT = 30  # seconds for antiword / catdoc


def is_docx_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


# --------------------------------------------------------------------------- DOCX


def extract_docx(data: bytes) -> Document:
    """Paragraphs and tables of a .docx in document order; merged cells appear once."""
    if len(data) > MAX_BYTES:
        return problem_document(f"DOCX too large: {len(data)} bytes (limit {MAX_BYTES})")
    try:
        import docx
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph as DocxParagraph
    except ImportError:  # pragma: no cover
        return problem_document("cannot read DOCX: python-docx is not installed")
    too_large = check_docx(data)
    if too_large:
        return problem_document(too_large)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[Block] = []
        for element in _body_elements(document.element.body):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "p":
                text = tidy_line(DocxParagraph(element, document).text.replace("\n", " "))
                if text:
                    blocks.append(Paragraph(text))
            elif tag == "tbl":
                rows = _docx_rows(DocxTable(element, document))
                if rows:
                    blocks.append(Table(rows=rows))
        meta = _docx_meta(document)
    except Exception as exc:  # a damaged file is reported, not raised
        return problem_document(f"unreadable DOCX: {type(exc).__name__}: {exc}"[:300])
    if not blocks:
        pictures = _docx_pictures(document)
        if pictures:
            scanned = extract_pictures(pictures, what="DOCX")
            scanned.meta.update(meta)
            return scanned
        return Document(blocks=[], meta=meta, problem="DOCX has no text (images only?)")
    texts = [block.text for block in blocks if isinstance(block, Paragraph)]
    title = title_from_lines(texts)
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
    return drop_blank_rows(rows)


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
        return problem_document(f"{kind} too large: {len(data)} bytes (limit {MAX_BYTES})")
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith(ZIP_MAGIC) and is_docx_zip(data):
        return extract_docx(data)  # a .docx renamed to .doc, as some sites serve them
    if data.startswith(OLE2_MAGIC):
        wanted = ("antiword", "catdoc")
    elif head.startswith(b"{\\rtf"):
        wanted = ("catdoc",)
    elif head.startswith((b"<!doctype", b"<html", b"<?xml", b"mime-version")) or b"<html" in head:
        return problem_document(f"unsupported attachment type: HTML or MHT saved as {kind}")
    else:
        return problem_document(f"unreadable {kind}: not an OLE2 Word file")
    tools = [name for name in wanted if shutil.which(name)]
    if not tools:
        return problem_document(
            f"cannot read {kind}: install antiword (apt-get install antiword catdoc)"
        )
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
                    blocks=blocks, title=title_from_lines(lines), meta={"converter": tool}
                )
            reasons.append(f"{tool}: no text")
    return problem_document(f"cannot read {kind}: " + "; ".join(reasons))


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
            kept = drop_blank_rows([[clean_cell(cell) for cell in row] for row in rows])
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
        line = tidy_line(raw)
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
