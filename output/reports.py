"""Reports: writing parsed reports with their cells and checks, and reading them back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache

from output import identity
from output.database import Connection, execute, insert_rows, now, replace_rows
from output.stored_form import (
    HASH_NOT_KNOWN,
    StoredOutcome,
    StoredReport,
    form_digest,
    stored_form,
    with_source_page,
)
from output.urls import canonical_url
from parsers.model import ParseOutcome
from parsers.normalize import encodable
from parsers.provenance import settle_source_page


def report_id(url: str) -> str:
    """The reports.id of a URL: the first 16 hex digits of the SHA-1 of its canonical
    form (output.urls: a fresh ?sid= or timestamp does not make another report)."""
    return hashlib.sha1(encodable(canonical_url(url)).encode("utf-8")).hexdigest()[:16]


class ReportsMixin(Connection):
    def save_outcomes(
        self,
        outcomes: Iterable[ParseOutcome | StoredOutcome],
        source_pages: dict[str, str] | None = None,
        text_hashes: dict[str, str | None] | None = None,
    ) -> dict[str, int]:
        """Write the reports of outcomes, their cells and checks, in one transaction.

        A report is one row however many URLs hold it (output.identity); its cells and
        checks are replaced, never appended. An outcome without a report takes its URL
        off the report stored for it, and the report with its last URL: the database
        says what the latest parse says. counts: saved = new + updated + aliases.
        outcomes: ParseOutcomes, or StoredOutcomes (output.stored_form: built by the
        parse workers of crawler.reparse, with the text hash, so this process only
        writes). text_hashes: identity.text_hash of a ParseOutcome's report text by its
        URL, where it was worked out already.
        """
        counts = {"saved": 0, "removed": 0, "new": 0, "updated": 0, "aliases": 0}
        source_pages = source_pages or {}
        text_hashes = text_hashes or {}
        with self.transaction():
            for outcome in outcomes:
                if outcome.report is None:
                    counts["removed"] += identity.forget_url(self.db, outcome.url)
                    continue
                if isinstance(outcome, StoredOutcome):
                    outcome = with_source_page(outcome, source_pages.get(outcome.url))
                else:
                    settle_source_page(outcome.report, source_pages.get(outcome.url))
                    outcome = stored_form(outcome, text_hashes.get(outcome.url, HASH_NOT_KNOWN))
                saved = self._save_report(outcome.url, outcome.report, counts)
                counts[saved] += 1
                counts["saved"] += 1
        return counts

    def _save_report(self, url: str, report: StoredReport, counts: dict) -> str:
        """Store one report; 'new', 'updated' or 'aliases' (a known report, a new URL)."""
        # The cells' values are built only when the text hash does not find the report
        # (most reports stored again are found by it), and then once.
        known = (report.text_hash, report.organ, report.year, cache(report.values))
        rid = identity.report_of(self.db, url)
        if rid is not None and identity.same_report(self.db, *known, only=rid) is None:
            # The URL's report changed. Alone at its address, it is replaced (the database
            # says what the latest parse says) unless it now is another stored report; one
            # of several addresses leaves the others, whose report stays as they hold it.
            elsewhere = identity.same_report(self.db, *known) is not None
            if elsewhere or identity.url_count(self.db, rid) > 1:
                counts["removed"] += identity.forget_url(self.db, url)
                rid = None
        if rid is not None:
            primary = identity.primary_url(self.db, rid)
            same_address = canonical_url(primary) == canonical_url(url)
            self._write_report(rid, url if same_address else primary, report)
            identity.add_url(self.db, url, rid, "url")
            return "updated"
        match = identity.same_report(self.db, *known)
        if match is not None:
            rid, matched_by = match
            identity.add_url(self.db, url, rid, matched_by)
            if len(report.cells) > len(identity.stored_cells(self.db, rid)):  # keep the better
                primary = identity.primary_url(self.db, rid)
                self._write_report(rid, primary, report)
            return "aliases"
        rid = identity.free_id(self.db, url, report_id(url))
        self._write_report(rid, url, report, fresh=True)
        identity.add_url(self.db, url, rid, "url")
        return "new"

    def _write_report(self, rid: str, url: str, report: StoredReport, fresh: bool = False) -> None:
        """Upsert report rid (stored under url) with its cells and checks; fresh: no
        report rid was stored (so it has no cells or checks to compare)."""
        conn = self.db.conn
        digest, parsed_at = report.parse_digest or form_digest(report), now()
        values = (rid, url, *report[:10], parsed_at, report.text_hash, digest)
        # A report stored again as it was (a reparse, a page whose site around the report
        # changed) keeps its row, parsed_at set, and its rows, when the row holds the same
        # URL, source page and parse digest: the rest of the row, its cells and checks
        # were written with that digest (this method alone writes them). Comparing the
        # row's values in SQLite cost 0.08-0.15 ms a report, this 0.015-0.02 ms (0.06 ms
        # with the row's pages not cached), and reading its rows back to compare them
        # 0.24 ms (2026-12-03).
        same = (rid, url, report.source_page, digest, parsed_at)
        if not fresh and execute(conn, _SAME_PARSE, same).rowcount:
            return
        execute(conn, _REPORT_ROW, values)
        # The rows come in primary-key order (report_id, key): the order SQLite reads them
        # in, so that a list compares with what is stored as it comes.
        # A report whose row changed or has no digest yet may still have the same rows
        # (its text's spacing changed; stored before migration 8), or a few changed (a
        # parser that reads some cells otherwise): it keeps the same ones, reading them
        # costing a tenth of deleting and inserting them again. A new report has none.
        write = insert_rows if fresh else replace_rows
        # A cell's last three: source, confidence, flagged.
        write(conn, "report_cells", _CELL_COLUMNS, rid, report.cells, 3)
        write(conn, "report_checks", _CHECK_COLUMNS, rid, report.checks, 0)

    def stored_digests(self, urls: list[str]) -> dict[str, str]:
        """{url: the parse digest of the report stored under that very url}, for those of
        urls whose report parsed again as it is stored would be stored again as it was by
        its parse digest alone (parsed_again): found by its text hash, not by its cells.
        One query for them all (a reparse asks it of each batch of pages it sends)."""
        addresses = {identity.address(url): url for url in urls}
        query = (
            "SELECT u.url, r.url, r.parse_digest FROM report_urls u JOIN reports r"
            " ON r.id = u.report_id WHERE r.text_hash IS NOT NULL AND r.parse_digest"
            " IS NOT NULL AND u.url IN ({})".format(", ".join("?" * len(addresses)))
        )
        rows = self.db.execute(query, list(addresses)).fetchall()
        return {url: digest for address, url, digest in rows if addresses[address] == url}

    def parsed_again(self, url: str, source_page: str | None, digest: str) -> bool:
        """Store a report parsed again at url as the one stored for it, whose parse digest
        it has, with source_page: what save_outcomes would store of it, when the report
        stored for url is stored under url itself, with that source page, digest and a
        text hash (same_report finds it by that hash; _write_report changes only its
        parsed_at; add_url, the address's last_seen). False, nothing stored, when the
        stored report is not so (changed since the digest was read): then it is stored
        by save_outcomes, from its whole stored form."""
        address, at = identity.address(url), now()
        updated = execute(self.db.conn, _PARSED_AGAIN, (address, url, source_page, digest, at))
        if not updated.rowcount:
            return False
        execute(self.db.conn, _SEEN_AGAIN, (at, address))
        return True

    def report_urls(self, url: str) -> list[str]:
        """Every address (canonical) of the report stored for url; [] when there is none."""
        rid = identity.report_of(self.db, url)
        rows = self.db.execute(
            "SELECT url FROM report_urls WHERE report_id = ? ORDER BY first_seen, rowid", [rid]
        )
        return [row[0] for row in rows] if rid else []

    def report_cell_count(self, url: str) -> int | None:
        """How many cells the stored report of url has; None when no report is stored."""
        rid = identity.report_of(self.db, url)
        if rid is None:
            return None
        query = "SELECT count(*) FROM report_cells WHERE report_id = ?"
        return self.db.execute(query, [rid]).fetchone()[0]

    def has_reports(self) -> bool:
        """Whether any report is stored (one row looked for)."""
        return self.db.execute("SELECT EXISTS (SELECT 1 FROM report_urls)").fetchone()[0] == 1

    def report_summary(self, url: str) -> tuple[str | None, int | None, dict] | None:
        """(organ, year, {cell key: value}) of the report stored for url, or None; what
        crawler.attachments compares an attachment with."""
        rid = identity.report_of(self.db, url)
        if rid is None:
            return None
        row = self.db.execute("SELECT organ, year FROM reports WHERE id = ?", [rid]).fetchone()
        return row[0], row[1], identity.stored_cells(self.db, rid)


# A reports row's columns, in the order of its parameters: id, url, the ten values of a
# StoredReport before its text hash (named as their columns), parsed_at, text_hash,
# parse_digest.
_ROW_COLUMNS = ("id", "url", *StoredReport._fields[:10], "parsed_at", "text_hash", "parse_digest")
_REPORT_ROW = (
    f"INSERT INTO reports ({', '.join(_ROW_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(_ROW_COLUMNS))})"
    " ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in _ROW_COLUMNS[1:])
)
# Only parsed_at set, where the row holds the url, source page and parse digest given
# (IS: NULL is NULL).
_SAME_PARSE = (
    "UPDATE reports SET parsed_at = ?5 WHERE id = ?1"
    " AND url IS ?2 AND source_page IS ?3 AND parse_digest IS ?4"
)
# _SAME_PARSE of a report parsed again at url (?2, its address ?1), where the report
# stored for the address is stored under url itself and found by its text hash
# (ReportsMixin.parsed_again).
_PARSED_AGAIN = (
    "UPDATE reports SET parsed_at = ?5"
    " WHERE id = (SELECT report_id FROM report_urls WHERE url = ?1)"
    " AND url IS ?2 AND source_page IS ?3 AND parse_digest IS ?4 AND text_hash IS NOT NULL"
)
_SEEN_AGAIN = "UPDATE report_urls SET last_seen = ? WHERE url = ?"  # add_url of a known URL

# The columns of a report's rows besides report_id, the first of them its key.
_CELL_COLUMNS = "key, value, raw, source, confidence, flagged"
_CHECK_COLUMNS = "name, ok, detail"
