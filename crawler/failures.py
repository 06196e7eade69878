"""Why a fetch failed, in a few words that the failures table and the run stats share.

Scrapy and Twisted name the same event many ways (a reset connection arrives as
ConnectionLost, ResponseNeverReceived or ResponseFailed, depending on when it
happened); users want one word per cause: "timeout", "connection reset",
"truncated body", "http 503", ...
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived
from twisted.web.http import _DataLoss

from crawler.storing import STORAGE_ERROR  # noqa: F401 (the reasons, listed here)
from parsers import bounds

# The reasons this project gives itself (the rest come from reason_of below).
EMPTY_BODY = "empty body"
TRUNCATED_BODY = "truncated body"
REDIRECT_LOOP = "redirect loop"
OFFSITE_REDIRECT = "off-site redirect"  # a 3xx or meta refresh off the site
URL_TOO_LONG = "url too long"  # over URLLENGTH_LIMIT: Scrapy would drop it silently
# TOO_LARGE: also a document past a size cap or the parse memory limit; TOO_SLOW: past
# the parse time limit (crawler.worker).
TOO_LARGE, TOO_SLOW = bounds.TOO_LARGE, bounds.TOO_SLOW
TIMEOUT = "timeout"
CONNECTION_RESET = "connection reset"
WORSE_PARSE = "worse parse kept old"
STORE_ERRORS = "store/errors"  # the stat counting them: a run with any is not ok
NOT_MODIFIED_WITHOUT_COPY = "304 without a stored copy"


class FetchFailed(IgnoreRequest):
    """A response this project refuses (empty, truncated, redirected off-site, ...).

    An IgnoreRequest, so that Scrapy hands it to the request's errback, which records
    `reason` in the failures table.
    """

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


_TIMEOUTS = (DownloadTimeoutError, net.TimeoutError, net.TCPTimedOutError, defer.TimeoutError)
_RESETS = (
    net.ConnectionLost,
    net.ConnectionDone,
    net.ConnectionAborted,
    ResponseNeverReceived,
    ResponseFailed,
    DownloadFailedError,
)


def reason_of(failure: Failure | BaseException) -> str:
    """A short reason for a failed request: "http 503", "timeout", "truncated body", ..."""
    error = failure.value if isinstance(failure, Failure) else failure
    if isinstance(error, FetchFailed):
        return error.reason
    if isinstance(error, HttpError):
        return f"http {error.response.status}"
    if isinstance(error, IgnoreRequest):
        message = str(error)
        if "robots.txt" in message:
            return "robots.txt"
        if "max redirections" in message:
            return REDIRECT_LOOP
        if "offsite" in message.lower():
            return OFFSITE_REDIRECT
        return "ignored"
    if isinstance(error, _TIMEOUTS):
        return TIMEOUT
    if isinstance(error, ResponseDataLossError) or _wraps(error, _DataLoss):
        return TRUNCATED_BODY
    # DOWNLOAD_MAXSIZE cancels the download: up front when Content-Length says so
    # (DownloadCancelledError), mid-body otherwise (Twisted's CancelledError).
    if isinstance(error, (DownloadCancelledError, defer.CancelledError)):
        return TOO_LARGE
    if isinstance(error, (DownloadConnectionRefusedError, net.ConnectionRefusedError)):
        return "connection refused"
    if isinstance(error, (CannotResolveHostError, net.DNSLookupError)):
        return "dns lookup failed"
    if isinstance(error, _RESETS):
        return CONNECTION_RESET
    return type(error).__name__


def _wraps(error: BaseException, kind: type) -> bool:
    """Twisted's ResponseFailed/ResponseNeverReceived carry a list of Failures."""
    reasons = getattr(error, "reasons", None) or []
    return any(isinstance(r, Failure) and r.check(kind) for r in reasons)
