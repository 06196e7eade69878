"""Size caps on documents, checked before a reader is let loose on them.

One place for how big a document may be: a PDF's pages, objects, inflated streams and
drawing operations, a DOCX's zip members and table spans. Each check reads the raw
bytes in linear time and decompresses at most a cap's worth of any stream, so a bomb
is refused for what it claims or starts to produce, not after it has been expanded.

These caps are the first line; the crawl's worker processes (crawler.worker) add a
memory and a time limit around every document as the last.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

TOO_LARGE = "too large"
TOO_SLOW = "too slow"  # past a time limit (crawler.worker)

PDF_MAX_PAGES = 500
PDF_MAX_OBJECTS = 200_000
PDF_MAX_STREAM_BYTES = 64 << 20  # one stream, inflated
PDF_MAX_INFLATED_BYTES = 256 << 20  # all streams, inflated
PDF_MAX_DRAWING_OPS = 200_000  # line, rectangle and curve operators over the document
DOCX_MAX_MEMBER_BYTES = 64 << 20  # one zip member, uncompressed
DOCX_MAX_TOTAL_BYTES = 256 << 20
DOCX_MAX_RATIO = 100  # uncompressed / compressed, for members over DOCX_RATIO_FLOOR
DOCX_RATIO_FLOOR = 1 << 20
DOCX_MAX_SPAN = 64  # Word's own limit on table columns is 63

# Bounded quantifiers keep these linear on long runs of digits or spaces.
_OBJ = re.compile(rb"\d{1,10}[ \t\r\n]{1,8}\d{1,5}[ \t\r\n]{1,8}obj\b")
_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_PAGE = re.compile(rb"/Type\s{0,8}/Page(?![a-zA-Z])")
_DRAWING_OP = re.compile(rb"[\d.][ \t\r\n]{1,8}(?:l|re|c|v|y)(?=[\s/\[(<]|$)")
_GRID_SPAN = re.compile(rb"gridSpan[^>]{0,40}?w:val=\"(\d{1,12})\"")


@dataclass
class PdfScan:
    pages: int = 0
    objects: int = 0  # counted only where "obj" occurs more often than PDF_MAX_OBJECTS
    drawing_ops: int = 0
    inflated: int = 0
    problem: str | None = None  # "too large: ..." when a cap is passed


def scan_pdf(data: bytes) -> PdfScan:
    """Count a PDF's pages, objects and drawing operations; stop at the first cap passed.

    Pages are counted as page objects, also inside compressed object streams, so a
    document cannot hide its size in its page tree.
    """
    scan = PdfScan()
    # Every object header ends in "obj": where the word is no more frequent than the cap
    # allows, the headers need no counting (the pattern tries every digit of the file).
    if data.count(b"obj") > PDF_MAX_OBJECTS:
        scan.objects = len(_OBJ.findall(data))
        if scan.objects > PDF_MAX_OBJECTS:
            scan.problem = f"{TOO_LARGE}: {scan.objects} PDF objects (limit {PDF_MAX_OBJECTS})"
            return scan
    scan.pages = sum(1 for _ in _PAGE.finditer(data))
    if scan.pages > PDF_MAX_PAGES:
        # Refused on the page objects in plain sight, before any stream is read: walking
        # 20,000 content streams takes longer than reading a good report.
        scan.problem = _too_many_pages(scan)
        return scan
    position = 0
    while scan.problem is None:
        found = _STREAM.search(data, position)
        if found is None:
            break
        start = found.end()
        end = data.find(b"endstream", start)
        end = len(data) if end < 0 else end
        head = data[max(0, found.start() - 400) : found.start()]
        if b"FlateDecode" in head[head.rfind(b"obj") + 1 :]:
            _inflate(data[start:end], scan)
        else:
            scan.drawing_ops += sum(1 for _ in _DRAWING_OP.finditer(data, start, end))
        position = end + 1
    if scan.problem is None and scan.pages > PDF_MAX_PAGES:  # counting compressed ones
        scan.problem = _too_many_pages(scan)
    if scan.problem is None and scan.drawing_ops > PDF_MAX_DRAWING_OPS:
        scan.problem = (
            f"{TOO_LARGE}: {scan.drawing_ops} drawing operations (limit {PDF_MAX_DRAWING_OPS})"
        )
    return scan


def _too_many_pages(scan: PdfScan) -> str:
    return f"{TOO_LARGE}: {scan.pages} PDF pages (limit {PDF_MAX_PAGES})"


def _inflate(raw: bytes, scan: PdfScan) -> None:
    """Inflate one stream a cap's worth at most, counting what it holds."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(raw, PDF_MAX_STREAM_BYTES + 1)
    except zlib.error:
        return  # damaged: the reader says so, or reads around it
    if len(out) > PDF_MAX_STREAM_BYTES:
        scan.problem = f"{TOO_LARGE}: a PDF stream inflates beyond {PDF_MAX_STREAM_BYTES >> 20} MB"
        return
    scan.inflated += len(out)
    if scan.inflated > PDF_MAX_INFLATED_BYTES:
        scan.problem = f"{TOO_LARGE}: PDF streams inflate beyond {PDF_MAX_INFLATED_BYTES >> 20} MB"
        return
    scan.pages += sum(1 for _ in _PAGE.finditer(out))
    scan.drawing_ops += sum(1 for _ in _DRAWING_OP.finditer(out))


def check_docx(data: bytes) -> str | None:
    """Why a DOCX must not be opened ("too large: ..."), or None.

    Member sizes come from the zip's directory, before anything is inflated; zipfile
    never inflates a member beyond the size its directory states.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # not a zip: the reader gives its own reason
    with archive:
        total = 0
        for info in archive.infolist():
            size = info.file_size
            total += size
            if size > DOCX_MAX_MEMBER_BYTES:
                return f"{TOO_LARGE}: zip member {info.filename[:80]} holds {size} bytes"
            ratio = size / max(info.compress_size, 1)
            if size > DOCX_RATIO_FLOOR and ratio > DOCX_MAX_RATIO:
                return (
                    f"{TOO_LARGE}: zip member {info.filename[:80]} inflates {ratio:.0f}"
                    f" times (limit {DOCX_MAX_RATIO})"
                )
        if total > DOCX_MAX_TOTAL_BYTES:
            return f"{TOO_LARGE}: zip members hold {total} bytes"
        try:
            body = archive.read("word/document.xml")
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
            return None
    widest = max((int(m.group(1)) for m in _GRID_SPAN.finditer(body)), default=0)
    if widest > DOCX_MAX_SPAN:
        return f"{TOO_LARGE}: a table cell spans {widest} columns (limit {DOCX_MAX_SPAN})"
    return None
