"""Downloader and spider middlewares that keep unattended runs honest and cheap.

Downloader side (crawler/settings.py gives the order; Scrapy passes a response
through process_response from the highest number to the lowest):

  ConditionalGetMiddleware   910  revalidate stored report pages and attachments with
                                  If-None-Match / If-Modified-Since; a 304 comes back as
                                  the stored body, so the spider sees "unchanged"
  RedirectGuardMiddleware    650  a redirect loop, or a redirect or meta refresh off the
                                  site (host and port) or to an over-long URL, becomes a
                                  recorded failure (Scrapy drops them silently); a meta
                                  refresh is checked at 580 (crawler/meta_refresh.py),
                                  once the page is inflated
  CompressedBodyGuard...     600  a gzip/deflate body cut short (no end of stream, bad
                                  CRC) is flagged "dataloss": Scrapy's decompression
                                  hands back what it could read, without a word
  ResponseGuardMiddleware    560  an empty or truncated body is retried, then a failure:
                                  it must never reach the parsers as if it were a page
  RetryAfterMiddleware       555  wait what Retry-After asks (within a cap) before
                                  Scrapy's RetryMiddleware (550) retries a 503/429
  DownloadCountsMiddleware   850  Scrapy's downloader/* counts (statuses, bytes received,
                                  exceptions) in its place, less the request bytes

Spider side:

  ResponseHeadersMiddleware       copy ETag, Last-Modified and the Content-Disposition
                                  file name onto the PageItems of a response
"""

from __future__ import annotations

import logging
import re
import zlib
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urldefrag, urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.downloadermiddlewares.stats import DownloaderStats
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater
from w3lib.url import safe_url_string

from crawler import failures
from crawler.content import looks_complete
from crawler.failures import FetchFailed
from crawler.files import disposition_filename
from crawler.items import PageItem, parts_of
from crawler.store_access import crawl_store
from output.store import ReportStore
from output.urls import same_site
from parsers.sniff import MAX_PAGE_BYTES, looks_like_document

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
NOT_MODIFIED_FLAG = "not_modified"


class ConditionalGetMiddleware:
    """Ask the server whether a stored page changed instead of downloading it again.

    Only pages stored with an ETag or Last-Modified and not of kind "list" (list pages
    are always re-read, they are where new reports appear). Off with -a refresh=1.
    A 304 is answered from the pages table, so that a 304 can never overwrite a stored
    body, and the spider's content-hash check then finds the page unchanged.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.path = crawler.settings.get("REPORTS_DB")
        self.store: ReportStore | None = None
        self.validators: dict[str, tuple[str | None, str | None]] | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _load(self) -> dict:
        if self.validators is None:
            spider = self.crawler.spider
            if getattr(spider, "refresh", False):
                self.validators = {}
            else:
                self.validators = self._stored_validators()
        return self.validators

    def _stored_validators(self):
        """url → (ETag, Last-Modified) of what earlier runs stored."""
        self.store = crawl_store(self.crawler)
        return self.store.page_validators()

    def spider_closed(self, spider=None) -> None:
        self.store = None  # the crawl's store closes when the engine stops

    def process_request(self, request: Request):
        if request.method != "GET":
            return None
        if request.meta.get("conditional_for") not in (None, request.url):
            # A redirect or a retry copies the headers: they vouch for another URL's body.
            request.headers.pop(b"If-None-Match", None)
            request.headers.pop(b"If-Modified-Since", None)
            del request.meta["conditional_for"]
        validators = self._load().get(request.url)
        if not validators:
            return None
        etag, modified = validators
        if etag:
            request.headers[b"If-None-Match"] = etag
        if modified:
            request.headers[b"If-Modified-Since"] = modified
        request.meta["conditional_for"] = request.url
        # Scrapy's HttpErrorMiddleware drops non-2xx responses before the spider; a 304
        # to a conditional request is an answer, not an error.
        allowed = list(request.meta.get("handle_httpstatus_list", []))
        if 304 not in allowed:
            request.meta["handle_httpstatus_list"] = [*allowed, 304]
        self.crawler.stats.inc_value("conditional/sent")
        return None

    def process_response(self, request: Request, response: Response):
        if response.status != 304 or request.meta.get("conditional_for") != request.url:
            return response
        stored = self.store.stored_body(request.url) if self.store else None
        if stored is None:
            raise FetchFailed(failures.NOT_MODIFIED_WITHOUT_COPY, request.url)
        body, content_type = stored
        headers = Headers(response.headers)
        for name in (b"Content-Length", b"Content-Encoding", b"Transfer-Encoding"):
            headers.pop(name, None)
        if content_type:
            headers[b"Content-Type"] = content_type
        self.crawler.stats.inc_value("conditional/not_modified")
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(
            url=request.url,
            status=200,
            headers=headers,
            body=body,
            flags=[*response.flags, NOT_MODIFIED_FLAG],
            request=request,
        )


class RedirectGuardMiddleware:
    """Turn the redirects Scrapy would drop without a word into recorded failures.

    RedirectMiddleware hands a redirect back to the scheduler, where the dupefilter
    drops a loop and OffsiteMiddleware drops another host, neither calling the errback.
    Seen before RedirectMiddleware, they fail here and the errback records why. A meta
    refresh is checked by crawler.meta_refresh.MetaRefreshMiddleware with `check`: it
    reads the page after HttpCompressionMiddleware (590) has inflated it, this one before.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.url_limit = crawler.settings.getint("URLLENGTH_LIMIT", 2083)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response):
        location = response.headers.get(b"Location")
        if response.status in REDIRECT_STATUSES and location and self.guards(request, response):
            self.check(request, urldefrag(urljoin(request.url, safe_url_string(location)))[0])
        return response

    @staticmethod
    def guards(request: Request, response: Response) -> bool:
        """False when the request asked to see this response as it is."""
        return not (
            request.meta.get("dont_redirect")
            or response.status in request.meta.get("handle_httpstatus_list", ())
        )

    def check(self, request: Request, target: str) -> None:
        """Raise FetchFailed when a redirect of request to target must not be followed."""
        if len(target) > self.url_limit:
            detail = f"{request.url} -> {target[:200]}... ({len(target)} characters)"
            raise FetchFailed(failures.URL_TOO_LONG, detail)
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in {urldefrag(url)[0] for url in chain}:
            raise FetchFailed(failures.REDIRECT_LOOP, " -> ".join([*chain, target]))
        if not (request.dont_filter or request.meta.get("allow_offsite")) and not _allowed(
            target, getattr(self.crawler.spider, "allowed_domains", None)
        ):
            raise FetchFailed(failures.OFFSITE_REDIRECT, f"{request.url} -> {target}")
        if not self._same_site(request, target):
            raise FetchFailed(failures.OFFSITE_REDIRECT, f"{request.url} -> {target}")

    def _same_site(self, request: Request, target: str) -> bool:
        """The spider's site rule (host and port, output.urls.same_site) for every
        redirect and meta refresh past a start URL; a start URL may move its site
        (the spider learns where it went)."""
        sites = getattr(self.crawler.spider, "sites", None) or {}
        state = sites.get(request.meta.get("site"))
        if state is None or request.meta.get("role") in ("entry", "home"):
            return True
        return same_site(target, state.urls)


def _allowed(url: str, allowed_domains: list[str] | None) -> bool:
    """Scrapy's OffsiteMiddleware rule: a listed host or a subdomain of one; all if none."""
    if not allowed_domains:
        return True
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith("." + domain) for domain in allowed_domains)


class CompressedBodyGuardMiddleware:
    """Flag a gzip or deflate body whose stream is cut short or fails its checksum.

    Before HttpCompressionMiddleware (590), which decompresses what it can and keeps
    quiet about the rest: 60% of a gzip stream became a page with 0 cells. The check
    inflates in bounded chunks, discarding the output, up to DOWNLOAD_MAXSIZE.
    """

    def __init__(self, crawler):
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE") or (1 << 30)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response):
        encoding = (_header(response.headers, b"Content-Encoding") or "").strip().lower()
        wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}.get(encoding)
        if encoding == "deflate":
            wbits = zlib.MAX_WBITS if response.body[:1] == b"\x78" else -zlib.MAX_WBITS
        body = response.body
        if wbits is None or not body or not _stream_cut(body, wbits, self.maxsize):
            return response
        return response.replace(flags=[*response.flags, "dataloss"])


def _stream_cut(data: bytes, wbits: int, maxsize: int) -> bool:
    """True when a compressed stream ends before its end, or fails its checksum."""
    produced = 0
    while data:
        inflater = zlib.decompressobj(wbits)
        try:
            while data:
                produced += len(inflater.decompress(data, 1 << 20))
                data = inflater.unconsumed_tail
                if produced > maxsize:
                    return False  # Scrapy refuses it as too large
        except zlib.error:
            return True
        if not inflater.eof:
            return True
        data = inflater.unused_data.lstrip(b"\x00")  # another gzip member, or padding
        if wbits != 16 + zlib.MAX_WBITS:
            break
    return False


class ResponseGuardMiddleware:
    """An empty 2xx body, or one cut short, is retried like a 503, then fails.
    Parsed, either would replace a stored report with nothing.

    Cut short: the 'dataloss' flag (DOWNLOAD_FAIL_ON_DATALOSS off, or a compressed
    stream cut, CompressedBodyGuardMiddleware), or Scrapy's 'partial' flag (the
    connection closed with no Content-Length to say where the body ends) on a body
    that does not look whole (crawler.content.looks_complete).

    A page (not a pdf/doc file) over HTML_MAXSIZE fails as "too large" without a
    retry: the parsers read HTML tables at roughly 2 s a megabyte, in the reactor
    thread, and no report page is that big; DOWNLOAD_MAXSIZE stays for files.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.html_maxsize = crawler.settings.getint("HTML_MAXSIZE", MAX_PAGE_BYTES)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response):
        if (
            self.html_maxsize
            and len(response.body) > self.html_maxsize
            and not looks_like_document(
                response.body, _header(response.headers, b"Content-Type"), response.url
            )
        ):
            size = f"a page of {len(response.body)} bytes, over HTML_MAXSIZE {self.html_maxsize}"
            raise FetchFailed(failures.TOO_LARGE, size)
        if "dataloss" in response.flags or (
            "partial" in response.flags and not looks_complete(response.body)
        ):
            problem = failures.TRUNCATED_BODY
        elif 200 <= response.status < 300 and not response.body:
            problem = failures.EMPTY_BODY
        else:
            return response
        retry = get_retry_request(request, spider=self.crawler.spider, reason=problem)
        if retry is not None:
            return retry
        raise FetchFailed(problem, f"status {response.status}, {len(response.body)} bytes")


class RetryAfterMiddleware:
    """Honour Retry-After on a response RetryMiddleware is about to retry.

    The wait is capped by RETRY_AFTER_MAX seconds (a portal asking for an hour gets
    the cap; the retry after it may fail again and be recorded). Waiting holds one of
    CONCURRENT_REQUESTS slots, which is why the cap is small.
    """

    def __init__(self, crawler):
        settings = crawler.settings
        self.stats = crawler.stats
        self.cap = settings.getfloat("RETRY_AFTER_MAX", 60.0)
        self.codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self.retry_times = settings.getint("RETRY_TIMES")
        self.enabled = settings.getbool("RETRY_ENABLED")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request: Request, response: Response):
        if not self.enabled or response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        limit = request.meta.get("max_retry_times", self.retry_times)
        if request.meta.get("retry_times", 0) >= limit:
            return response  # no retry will follow: waiting would only slow the run
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if not delay:
            return response
        delay = min(delay, self.cap)
        self.stats.inc_value("retry/retry_after_waits")
        self.stats.inc_value("retry/retry_after_seconds", round(delay, 3))
        logger.debug("Retry-After: waiting %.1fs before retrying %s", delay, request.url)
        # Imported here: importing the reactor at module level would install Twisted's
        # default one before Scrapy installs the configured (asyncio) reactor.
        from twisted.internet import reactor

        await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return response


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if re.fullmatch(r"[0-9]{1,10}", text):  # str.isdigit() takes "²", which float() refuses
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class DownloadCountsMiddleware(DownloaderStats):
    """Scrapy's DownloaderStats (DOWNLOADER_STATS, the same downloader/* keys in the stats
    and the runs table's stats_json) without downloader/request_bytes: Scrapy builds
    every request's whole HTTP text (request_httprepr) to measure it, ~0.24 M
    instructions a page in the reactor (docs/speed-log.md, s24-scrapy), for a figure
    nothing of ours reads. Responses, statuses, bytes received and exceptions are
    counted as Scrapy counts them."""

    def process_request(self, request: Request) -> None:
        self.stats.inc_value("downloader/request_count")
        self.stats.inc_value(f"downloader/request_method_count/{request.method}")


class ResponseHeadersMiddleware(BaseSpiderMiddleware):
    """Give each PageItem the headers of the response it came from.

    Storage keeps ETag and Last-Modified beside the body for the next run's
    conditional request; the file name serves ATTACHMENTS_DIR's extension.
    """

    def get_processed_item(self, item, response: Response | None):
        for page in parts_of(item):
            if isinstance(page, PageItem) and response is not None and page.url == response.url:
                headers = response.headers
                page.etag = page.etag or _header(headers, b"ETag")
                page.last_modified = page.last_modified or _header(headers, b"Last-Modified")
                if page.filename is None:
                    page.filename = disposition_filename(headers.get(b"Content-Disposition"))
        return item


def _header(headers: Headers, name: bytes) -> str | None:
    value = headers.get(name)
    # Validators are echoed back byte for byte; latin-1 round-trips any byte.
    return value.decode("latin-1")[:1000] if value else None
