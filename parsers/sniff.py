"""What a body is before anything reads it: magic numbers, file suffixes, size caps.

The one place for "is this a document file, and may it be read": the parsers route
bytes by it (parsers.report, parsers.attachments), the crawler decides by it what a
response is and how big it may be (crawler.content, crawler.middlewares,
crawler.settings). The caps on a document's insides (pages, zip members) are
parsers.bounds'.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urlsplit

# Whole documents: the most bytes a parser reads (and the crawler downloads: scanned
# PDFs can be large). A page that is no document file may be a fifth of that.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PAGE_BYTES = 10 * 1024 * 1024

PDF_MAGIC = b"%PDF"
ZIP_MAGIC = b"PK\x03\x04"  # OOXML (docx, xlsx)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # doc, wps, xls
# The files the parsers read, by their first bytes (the OLE2 signature's first half is
# enough to tell a file from a page).
DOCUMENT_MAGIC = (PDF_MAGIC, ZIP_MAGIC, OLE2_MAGIC[:4])
# Pictures (scans, tables published as <img>) are read by OCR (parsers.ocr) like scanned
# PDFs; with OCR off they are no document.
PICTURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
)
PICTURE_MAGIC = tuple(magic for magic, _ in PICTURES)
PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff"}
# Files that are no document at all, by their first bytes: said as such, never read as text.
NOT_DOCUMENTS = (
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x1f\x8b", "gzip file"),
)

# Attachment types a report page may link, by the file name's extension.
ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd")
_ATTACHMENT_PATH = re.compile(rf"\.({'|'.join(ATTACHMENT_EXTENSIONS)})$", re.I)


def attachment_extension(url: str) -> str | None:
    """The attachment type of url, looking at the path and then at query values
    (download.jsp?filename=report.pdf)."""
    parts = urlsplit(url)
    match = _ATTACHMENT_PATH.search(unquote(parts.path))
    if match:
        return match.group(1).lower()
    for _, value in parse_qsl(parts.query):
        match = _ATTACHMENT_PATH.search(value.split("?")[0])
        if match:
            return match.group(1).lower()
    return None


def is_attachment_url(url: str) -> bool:
    return attachment_extension(url) is not None


def starts_like_document(body: bytes) -> bool:
    """A PDF, OOXML or OLE2 file by its first bytes (leading blank lines allowed)."""
    return body.startswith(DOCUMENT_MAGIC) or body[:1024].lstrip().startswith(DOCUMENT_MAGIC)


def not_a_document(body: bytes, pictures: bool = False) -> str | None:
    """What the body is when its first bytes say it is no document (an archive; an image
    too unless pictures are read, by OCR)."""
    refused = NOT_DOCUMENTS if pictures else PICTURES + NOT_DOCUMENTS
    for magic, what in refused:
        if body.startswith(magic):
            return what
    return None


def is_picture(body: bytes, content_type: str | None) -> bool:
    """A picture by its first bytes or its content type (the name: looks_like_document)."""
    return body.startswith(PICTURE_MAGIC) or (content_type or "").lower().startswith("image/")


_MARKUP_FIRST = re.compile(rb"[ \t\n\r\x0b\x0c]*<")


def _starts_as_markup(body: bytes) -> bool:
    """body.lstrip()[:1] == b"<", without a copy. Most pages begin with the "<": asked
    first, it spares them the regex (~3 µs of a page read after others, the regex
    engine's code and data cold)."""
    return body.startswith(b"<") or _MARKUP_FIRST.match(body) is not None


def pictures_matter(body: bytes, content_type: str | None) -> bool:
    """Whether reading pictures (OCR on or off) can change what not_a_document and
    looks_like_document say of ``body``: not for markup that claims no image type."""
    return is_picture(body, content_type) or not _starts_as_markup(body)


def plain_markup(body: bytes, content_type: str | None) -> bool:
    """Markup (its first byte past ASCII whitespace a "<") that claims no image type:
    no magic number starts so, so pictures_matter and looks_like_document are False of
    it and not_a_document None, whatever the pictures setting (a page's usual case,
    answered without asking them)."""
    return _starts_as_markup(body) and not (
        content_type and content_type.lower().startswith("image/")
    )


def looks_like_document(
    body: bytes, content_type: str | None, url: str, pictures: bool = False
) -> bool:
    """A file for the attachment readers (pdf/doc/docx/wps, and pictures when they are
    read) rather than an HTML page: its magic number wins; else a page that says or
    looks like HTML is one; else the name's extension decides."""
    if starts_like_document(body) or (pictures and is_picture(body, content_type)):
        return True
    content_type = (content_type or "").lower()
    if "html" in content_type or "xml" in content_type or body.lstrip()[:1] == b"<":
        return False
    if pictures and PurePosixPath(unquote(urlsplit(url).path)).suffix.lower() in PICTURE_SUFFIXES:
        return True
    return is_attachment_url(url)
