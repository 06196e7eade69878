"""Whether a fetched body is complete (no Scrapy). What kind of file it is: parsers.sniff;
its charset: parsers.encoding."""

from __future__ import annotations

import re

from parsers.sniff import OLE2_MAGIC, PDF_MAGIC, ZIP_MAGIC

_FIRST_ELEMENT = re.compile(rb"<([A-Za-z][\w:.-]{0,40})")


def looks_complete(body: bytes) -> bool:
    """Whether a body whose length nobody stated (a connection closed without
    Content-Length) ends as a whole file of its kind ends: an HTML page with </html>,
    a PDF with %%EOF, a zip with its central directory, XML with its root's end tag.
    Anything else is taken as cut.
    """
    tail = body[-1024:]
    if body.startswith(PDF_MAGIC):
        return b"%%EOF" in tail
    if body.startswith(ZIP_MAGIC):
        return b"PK\x05\x06" in body[-66_000:]
    if body.startswith(OLE2_MAGIC[:4]):
        return len(body) % 512 == 0  # OLE2 files are whole sectors
    stripped = tail.rstrip(b" \t\r\n\x00").lower()
    if stripped.endswith((b"}", b"]")):  # a JSON answer
        return True
    root = _FIRST_ELEMENT.search(body[:4096])
    return bool(root) and stripped.endswith(b"</" + root.group(1).lower() + b">")
