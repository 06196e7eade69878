"""One report, one row: when two addresses hold the same report (docs/schema.md, "Identity").

A parsed report is the report already stored when
1. its URL is known: the canonical form (output.urls) is in report_urls, the report's
   own address or one seen earlier for it; otherwise, when it arrives under a new URL,
2. its text is: the same text_hash, the SHA-256 of the body text the parser kept (site
   chrome already stripped) normalised as labels are compared (NFKC, no whitespace);
   raw bytes would differ with the chrome, the encoding or a visit counter; or
3. its figures are: the same organ, the same year and the same full set of cells (every
   key with the same value), at least MIN_IDENTITY_CELLS of them holding a number.
A match by 2 or 3 adds the URL to report_urls (matched_by 'text' or 'cells'), not a row
to reports, so views, exports and search count the report once, and the next crawl of
that URL finds it by 1.

The same organ and year with other cells is another report (a corrected edition
published at a new address included): both rows are kept, since telling a correction
from a different document would be a guess and guessing wrong would lose one of them.
At a URL it already has, a report is replaced by what the URL now says, as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from operator import countOf

from output.database import now
from output.text_identity import MIN_IDENTITY_TEXT, text_hash  # noqa: F401 (rule 2)
from output.urls import canonical_url
from parsers.normalize import encodable

# Fewer figures could be shared by two documents of one organ and year (a notice quoting
# two totals); a wrong merge would lose one of them.
MIN_IDENTITY_CELLS = 20


def address(url: str) -> str:
    """url as report_urls.url holds it."""
    return encodable(canonical_url(url))


def report_of(db, url: str) -> str | None:
    """The id of the report stored for url (under any of its addresses), or None."""
    row = db.execute("SELECT report_id FROM report_urls WHERE url = ?", [address(url)]).fetchone()
    return row[0] if row else None


def stored_cells(db, rid: str) -> dict:
    rows = db.execute("SELECT key, value FROM report_cells WHERE report_id = ?", [rid])
    return dict(rows.fetchall())


def same_report(db, digest, organ, year, values: Callable[[], dict], only: str | None = None):
    """(id, 'text' | 'cells') of a stored report that is this one, or None.

    values: gives {cell key: value} of the report, asked only when the text does not
    tell (most reports are found by their text hash: building the dict of ~200 cells
    was a tenth of storing a report again). only: look at that report alone (is a
    URL's report still the one it serves?).
    """
    scope, params = ("", []) if only is None else (" AND id = ?", [only])
    if digest is not None:
        row = db.execute(
            f"SELECT id FROM reports WHERE text_hash = ?{scope} ORDER BY parsed_at, id LIMIT 1",
            [digest, *params],
        ).fetchone()
        if row:
            return row[0], "text"
    if not organ or year is None:
        return None
    values = values()
    numbers = len(values) - countOf(values.values(), None)  # in C, not a loop of ours
    if numbers >= MIN_IDENTITY_CELLS:
        candidates = db.execute(
            f"SELECT id FROM reports WHERE organ = ? AND year = ?{scope} ORDER BY parsed_at, id",
            [encodable(organ), year, *params],
        ).fetchall()
        for (rid,) in candidates:
            if stored_cells(db, rid) == values:
                return rid, "cells"
    return None


def add_url(db, url: str, rid: str, matched_by: str) -> None:
    """url is (one of) the addresses of report rid from now on."""
    at = now()
    db.execute(
        """
        INSERT INTO report_urls (url, report_id, matched_by, first_seen, last_seen)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen
        """,
        [encodable(canonical_url(url)), rid, matched_by, at, at],
    )


def primary_url(db, rid: str) -> str:
    """reports.url: the address the report is shown under."""
    return db.execute("SELECT url FROM reports WHERE id = ?", [rid]).fetchone()[0]


def url_count(db, rid: str) -> int:
    return db.execute("SELECT count(*) FROM report_urls WHERE report_id = ?", [rid]).fetchone()[0]


def forget_url(db, url: str) -> int:
    """url no longer holds its report: drop the address; the report goes with its last
    address (1 is returned then), else reports.url moves to the earliest other one."""
    canonical = encodable(canonical_url(url))
    rid = report_of(db, url)
    if rid is None:
        return 0
    db.execute("DELETE FROM report_urls WHERE url = ?", [canonical])
    others = db.execute(
        "SELECT url FROM report_urls WHERE report_id = ? ORDER BY first_seen, rowid", [rid]
    ).fetchall()
    if not others:
        # Its cells and checks go with it (ON DELETE CASCADE), its search entry by trigger.
        return db.execute("DELETE FROM reports WHERE id = ?", [rid]).rowcount
    if encodable(canonical_url(primary_url(db, rid))) == canonical:
        db.execute("UPDATE reports SET url = ? WHERE id = ?", [others[0][0], rid])
    return 0


def free_id(db, url: str, first: str) -> str:
    """first (report_id(url)), or when a report kept that id after url left it, the
    first free id made from url and a counter."""
    candidate, n = first, 1
    while db.execute("SELECT 1 FROM reports WHERE id = ?", [candidate]).fetchone():
        n += 1
        seed = f"{encodable(canonical_url(url))}\n{n}"
        candidate = hashlib.sha1(seed.encode("utf-8")).hexdigest()[:16]
    return candidate
