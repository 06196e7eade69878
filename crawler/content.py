"""What a fetched body is, from its bytes and headers (no Scrapy, shared with reparse)."""

from __future__ import annotations

import re

from crawler.links import is_attachment_url

# Magic numbers of the files the parsers read: PDF, OOXML (docx), OLE (doc/wps/xls).
DOCUMENT_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.I)
    return match.group(1) if match else None


def looks_like_document(body: bytes, content_type: str | None, url: str) -> bool:
    """A file for the parsers (pdf/doc/docx/wps) rather than an HTML page."""
    if body.startswith(DOCUMENT_MAGIC):
        return True
    content_type = (content_type or "").lower()
    if "html" in content_type or "xml" in content_type or body.lstrip()[:1] == b"<":
        return False
    return is_attachment_url(url)


_FIRST_ELEMENT = re.compile(rb"<([A-Za-z][\w:.-]{0,40})")


def looks_complete(body: bytes) -> bool:
    """Whether a body whose length nobody stated (a connection closed without
    Content-Length) ends as a whole file of its kind ends: an HTML page with </html>,
    a PDF with %%EOF, a zip with its central directory, XML with its root's end tag.
    Anything else is taken as cut.
    """
    tail = body[-1024:]
    if body.startswith(b"%PDF"):
        return b"%%EOF" in tail
    if body.startswith(b"PK\x03\x04"):
        return b"PK\x05\x06" in body[-66_000:]
    if body.startswith(b"\xd0\xcf\x11\xe0"):
        return len(body) % 512 == 0  # OLE2 files are whole sectors
    stripped = tail.rstrip(b" \t\r\n\x00").lower()
    if stripped.endswith((b"}", b"]")):  # a JSON answer
        return True
    root = _FIRST_ELEMENT.search(body[:4096])
    return bool(root) and stripped.endswith(b"</" + root.group(1).lower() + b">")
