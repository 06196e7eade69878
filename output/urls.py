"""The identity of a URL: what makes two addresses one page or one report.

Portals add parameters that change on every visit (a session id, a random number, a
timestamp against caches); a report linked with a fresh `?sid=` each run is still one
report. canonical_url drops those parameters and the fragment; everything else (host,
path, the other parameters and their order) is kept, so that an address without
volatile parameters is its own canonical form.

Used for report ids (output.store.report_id) and for "seen before" within a crawl;
requests are still sent to the address as published. Below it, the other identities
of an address the crawler compares: a link resolved (normalize_url, resolve), a list
page (page_key) and a site (site_key, same_site).
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

# Parameters that never select content.
VOLATILE = frozenset(
    {"sid", "jsessionid", "phpsessid", "aspsessionid", "random", "rand", "rnd", "nocache"}
    | {"timestamp", "_"}
)
# Parameters that are volatile when their value looks like a Unix time (s or ms).
TIMESTAMPS = frozenset({"t", "ts", "_t", "time", "tm", "v", "ver"})
_UNIX_TIME = re.compile(r"1\d{9}(?:\d{3})?")
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*", re.I)
_NOT_A_PAGE = re.compile(r"(?i)(javascript|mailto|tel|data):")
_INDEX_FILE = re.compile(r"/(?:index|default)\.(?:s?html?|jsp|aspx?|php)$", re.I)


def _volatile(pair: str) -> bool:
    name, _, value = pair.partition("=")
    name = name.lower()
    return name in VOLATILE or (name in TIMESTAMPS and bool(_UNIX_TIME.fullmatch(value)))


@functools.lru_cache(maxsize=1024)
def canonical_url(url: str) -> str:
    """url without its fragment, session ids and cache-busting parameters; an address
    with none of them comes back exactly as it was (stored ids stay valid). Cached:
    storing one report asks it of the same URL four times (its id, its address, looked
    up twice)."""
    parts = urlsplit(url)
    pairs = parts.query.split("&") if parts.query else []
    kept = [pair for pair in pairs if not _volatile(pair)]
    path = _PATH_SESSION.sub("", parts.path)
    if len(kept) == len(pairs) and path == parts.path and not parts.fragment:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, "&".join(kept), ""))


# --- addresses as the crawler compares them ---------------------------------------------------


def normalize_url(url: str) -> str:
    """Drop the fragment and stray whitespace; keep the query (it may select the page)."""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def resolve(href: str | None, base: str) -> str | None:
    """An absolute http(s) URL for href, or None for javascript:, mailto:, anchors and junk."""
    if not href:
        return None
    href = html_lib.unescape(href).strip()
    if not href or href.startswith("#") or _NOT_A_PAGE.match(href):
        return None
    absolute = urljoin(base, href)
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return normalize_url(absolute)


def page_key(url: str) -> str:
    """A list page's identity: ".../ndbg/" and ".../ndbg/index.html" are one page."""
    return _INDEX_FILE.sub("/", normalize_url(url))


def site_key(url: str) -> tuple[str, int | None]:
    """(host without "www.", explicit port) — what "the same site" compares.

    http->https and www redirects keep a site; a different port does not
    (two demo portals on 127.0.0.1 are different sites).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    if port in (80, 443):
        port = None
    return host, port


def same_site(url: str, site_urls: list[str] | tuple[str, ...] | set[str]) -> bool:
    key = site_key(url)
    return any(site_key(site_url) == key for site_url in site_urls)
