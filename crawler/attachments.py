"""A report page's attachments, from what the parsers read of the page (no Scrapy here).

The page is parsed once, in a parse worker (parsers.html, parsers.links): its outcome
carries the targets of its links, frames and scripts as written. Here they are resolved
against the page and kept when they name a file the parsers can read, or the file a pdf.js
viewer shows. What a parsed attachment turns out to be is parsers.provenance's.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from output.urls import resolve
from parsers.model import ParseOutcome
from parsers.sniff import PICTURE_SUFFIXES, is_attachment_url


def attachment_links(outcome: ParseOutcome, page_url: str) -> list[str]:
    """Attachment URLs of a parsed page: linked files, iframes/embeds/objects, pdf.js
    viewers (viewer.html?file=...), and file paths quoted in scripts."""
    return attachment_urls(outcome.links, outcome.base, page_url)


def attachment_urls(targets: list[str], base_href: str | None, page_url: str) -> list[str]:
    """The attachments among a page's link targets (parsers.links.links_and_anchors)."""
    base = urljoin(page_url, base_href) if base_href else page_url
    found: list[str] = []
    for target in targets:
        url = resolve(target, base)
        if url:
            url = pdfjs_file(url) or (url if is_attachment_url(url) else None)
        if url and url not in found:
            found.append(url)
    return found


def pdfjs_file(url: str) -> str | None:
    """The document a pdf.js viewer URL shows, resolved like pdf.js does (against the viewer)."""
    parts = urlsplit(url)
    if not parts.path.lower().endswith(("viewer.html", "viewer.htm", "viewer.jsp")):
        return None
    for key, value in parse_qsl(parts.query):
        if key.lower() == "file" and value:
            return resolve(value, url)
    if "file=" in parts.fragment:
        return resolve(dict(parse_qsl(parts.fragment)).get("file"), url)
    return None


def table_pictures(outcome: ParseOutcome, page_url: str) -> list[str]:
    """URLs of the pictures in a parsed report page's article that may be its tables:
    files with a picture suffix (PNG, JPEG, GIF, TIFF), in page order, from the worker's
    one parse. Fetched under the attachments' rules (same site, caps) and read by OCR as
    part of the page's report."""
    base = urljoin(page_url, outcome.base) if outcome.base else page_url
    found: list[str] = []
    for source in outcome.pictures:
        if source.startswith("data:"):
            continue
        url = urljoin(base, source)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            continue
        suffix = PurePosixPath(unquote(parts.path)).suffix.lower()
        if suffix in PICTURE_SUFFIXES and url not in found:
            found.append(url)
    return found


def wants_pictures(outcome: ParseOutcome) -> bool:
    """A page whose text gave no table cells may hold its tables as pictures."""
    return outcome.report is None or not outcome.report.cells
