"""The identity of a URL: what makes two addresses one page or one report.

Portals add parameters that change on every visit (a session id, a random number, a
timestamp against caches); a report linked with a fresh `?sid=` each run is still one
report. canonical_url drops those parameters and the fragment; everything else (host,
path, the other parameters and their order) is kept, so that an address without
volatile parameters is its own canonical form.

Used for report ids (output.store.report_id) and for "seen before" within a crawl;
requests are still sent to the address as published.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# Parameters that never select content.
VOLATILE = frozenset(
    {"sid", "jsessionid", "phpsessid", "aspsessionid", "random", "rand", "rnd", "nocache"}
    | {"timestamp", "_"}
)
# Parameters that are volatile when their value looks like a Unix time (s or ms).
TIMESTAMPS = frozenset({"t", "ts", "_t", "time", "tm", "v", "ver"})
_UNIX_TIME = re.compile(r"1\d{9}(?:\d{3})?")
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*", re.I)


def _volatile(pair: str) -> bool:
    name, _, value = pair.partition("=")
    name = name.lower()
    return name in VOLATILE or (name in TIMESTAMPS and bool(_UNIX_TIME.fullmatch(value)))


def canonical_url(url: str) -> str:
    """url without its fragment, session ids and cache-busting parameters; an address
    with none of them comes back exactly as it was (stored ids stay valid)."""
    parts = urlsplit(url)
    pairs = parts.query.split("&") if parts.query else []
    kept = [pair for pair in pairs if not _volatile(pair)]
    path = _PATH_SESSION.sub("", parts.path)
    if len(kept) == len(pairs) and path == parts.path and not parts.fragment:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, "&".join(kept), ""))
