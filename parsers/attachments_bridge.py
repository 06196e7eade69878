"""Route attachment bytes (PDF, DOCX, DOC, WPS) to the extractors in parsers.attachments."""

from __future__ import annotations

from parsers.model import Document

ATTACHMENT_SUFFIXES = {".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx"}
# Pictures (scans, tables published as <img>) are read by OCR like scanned PDFs.
PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff"}
PICTURE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")
_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", *PICTURE_MAGIC)


def is_attachment(content: bytes, suffix: str, content_type: str | None) -> bool:
    if content[:1024].lstrip().startswith(_MAGIC) or content.startswith(_MAGIC):
        return True
    kind = (content_type or "").lower()
    if kind.startswith("image/"):
        return True
    return suffix in ATTACHMENT_SUFFIXES | PICTURE_SUFFIXES and "html" not in kind


def extract(content: bytes, url: str, content_type: str | None) -> Document:
    from parsers.attachments import extract_attachment

    return extract_attachment(content, url, content_type)
