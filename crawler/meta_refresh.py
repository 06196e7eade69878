"""A page's <meta http-equiv="refresh">, found without decoding the page when it has none.

Scrapy's get_meta_refresh reads `response.text[:4096]`, which decodes the whole body
(a 37 KiB report page: 0.29 M instructions, every page, in the reactor thread) though nothing in
the crawl's process reads that text again: the parse workers decode the bytes
themselves. Its first 4,096 characters lie in the first 16 KiB of bytes (at most four
bytes a character in every encoding below), and in an encoding that writes ASCII as
ASCII bytes a refresh there spells "refresh" in them. When it does not, there is none;
when it does (or the encoding is another), Scrapy's own function gives the answer, the
same as before.

MetaRefreshMiddleware takes the place of Scrapy's (crawler/settings.py); -s
METAREFRESH_ENABLED=0 turns it off, as it does Scrapy's.
"""

from __future__ import annotations

import codecs
from urllib.parse import urldefrag

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.response import get_meta_refresh
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from crawler.middlewares import RedirectGuardMiddleware

SCANNED_BYTES = 4 * 4096  # Scrapy scans 4,096 characters: at most 4 bytes each
# Encodings in which every ASCII character is its own single byte and no byte sequence
# decodes to ASCII otherwise (not UTF-16/32, UTF-7, the ISO-2022 family or EBCDIC).
# Codec names as codecs.lookup gives them.
ASCII_BYTES = frozenset(
    {
        "ascii",
        "utf-8",
        "gb18030",
        "gbk",
        "gb2312",
        "big5",
        "big5hkscs",
        "cp950",
        "cp1252",
        "iso8859-1",
        "euc_jp",
        "euc_kr",
        "shift_jis",
        "cp932",
    }
)


def meta_refresh(response: HtmlResponse, ignore_tags) -> tuple[float, str] | tuple[None, None]:
    """(delay, absolute URL) of the page's meta refresh, or (None, None): Scrapy's answer."""
    if not _may_refresh(response):
        return None, None
    return get_meta_refresh(response, ignore_tags=ignore_tags)


def _may_refresh(response: HtmlResponse) -> bool:
    """False only when the page surely has no meta refresh in Scrapy's scan."""
    body = response.body
    # bytes.lower() and `in` are C loops over the 16 KiB; re.IGNORECASE tries every offset
    if b"refresh" in body[:SCANNED_BYTES].lower():
        return True
    if read_bom(body)[0] is not None:
        return True  # the BOM decides the encoding: rare, left to Scrapy
    # Declared by the headers, else by the page; when neither does, Scrapy infers
    # ASCII, UTF-8 or cp1252, all of which write ASCII as ASCII.
    content_type = response.headers.get(b"Content-Type") or b""
    declared = http_content_type_encoding(content_type.decode("latin-1"))
    declared = declared or html_body_declared_encoding(body)
    return declared is not None and _codec(declared) not in ASCII_BYTES


def _codec(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None  # Scrapy falls back to its inference: left to it


class MetaRefreshMiddleware(ScrapyMetaRefresh):
    """Scrapy's MetaRefreshMiddleware (METAREFRESH_* settings, the same redirects), which
    decodes a page only when its bytes may hold a refresh, and puts a refresh through
    RedirectGuardMiddleware's checks before following it. At 580, after
    HttpCompressionMiddleware (590): RedirectGuard (650) sees a gzip page still packed."""

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        middleware.guard = RedirectGuardMiddleware(crawler)
        return middleware

    def process_response(self, request: Request, response: Response):
        if not isinstance(response, HtmlResponse):
            return response
        delay, url = meta_refresh(response, self._ignore_tags)
        if not url:
            return response  # as Scrapy's would hand it back, without its decode
        if self.guard.guards(request, response) and delay < self._maxdelay:
            self.guard.check(request, urldefrag(url)[0])
        return super().process_response(request, response)
