"""Turn attachment bytes (PDF, DOCX, DOC/WPS) into a ``Document`` of paragraphs and tables.

Pure functions: no network, no Scrapy. Every entry point returns a ``Document`` and never
raises; input that cannot be read comes back with no blocks and the reason in ``problem``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from parsers.lines import clean_cell, is_page_furniture, problem_document
from parsers.model import Document
from parsers.pdf import extract_pdf
from parsers.scans import extract_pictures
from parsers.sniff import MAX_DOCUMENT_BYTES as MAX_BYTES
from parsers.sniff import OLE2_MAGIC, PDF_MAGIC, PICTURE_MAGIC, PICTURE_SUFFIXES, ZIP_MAGIC
from parsers.word import extract_docx, extract_legacy_word, is_docx_zip

__all__ = [
    "MAX_BYTES",
    "clean_cell",
    "extract_attachment",
    "extract_docx",
    "extract_legacy_word",
    "extract_pdf",
    "extract_pictures",
    "is_page_furniture",
]

# OLE2 containers that are spreadsheets or slides (MS Office and WPS), not word processing.
_OLE2_NOT_WORD = {".xls", ".ppt", ".et", ".dps", ".msg"}


def extract_attachment(
    data: bytes, filename_or_url: str, content_type: str | None = None
) -> Document:
    """Read an attachment whatever its kind: magic bytes first, then the name's extension."""
    if len(data) > MAX_BYTES:
        return problem_document(f"attachment too large: {len(data)} bytes (limit {MAX_BYTES})")
    suffix = _suffix(filename_or_url)
    ctype = (content_type or "").split(";")[0].strip().lower()
    head = data[:8]
    if head.startswith(PDF_MAGIC) or (b"%PDF-" in data[:1024]):
        return extract_pdf(data)
    if head.startswith(ZIP_MAGIC) and is_docx_zip(data):
        return extract_docx(data)
    if head.startswith(OLE2_MAGIC) and suffix in _OLE2_NOT_WORD:
        return problem_document(f"unsupported attachment type: {suffix}")
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
    return problem_document(f"unsupported attachment type: {what}")


def _suffix(filename_or_url: str) -> str:
    parts = urlsplit(filename_or_url or "")
    suffix = Path(unquote(parts.path or filename_or_url or "")).suffix.lower()
    if suffix not in (".pdf", ".docx", ".doc", ".wps") and parts.query:
        # Download scripts name the file in the query: download.jsp?file=报告.pdf
        found = re.findall(r"\.(pdf|docx|doc|wps)\b", unquote(parts.query), re.IGNORECASE)
        suffix = "." + found[-1].lower() if found else suffix
    return suffix
