"""A parse outcome as the database stores it: the report row's values, its cells and its
checks as rows in key order, and the identity hash of its text.

Apart from the database code (no sqlite_utils, no SQL), so that a parse worker builds it
(crawler.worker, asked by crawler.reparse): the one process storing the reports then
only runs statements, and unpickles plain tuples instead of a report's Cell and Check
objects. output.reports builds the same form in-process from a ParseOutcome (the crawl),
so both paths store the same rows.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import math
from dataclasses import fields
from functools import cache
from operator import attrgetter, itemgetter
from typing import NamedTuple

from output.text_identity import text_hash
from parsers.model import Cell, Check, ParseOutcome, Reading, Report, cell_fields

_KEY_AND_VALUE = itemgetter(0, 1)
# A cell's source and confidence when it was read from text (no OCR reading), as
# parsers.model says them.
_FROM_TEXT = (Cell("", None, "").source, Cell("", None, "").confidence)
SQLITE_MIN, SQLITE_MAX = -(2**63), 2**63 - 1
SQLITE_INTEGERS = range(SQLITE_MIN, SQLITE_MAX + 1)


class StoredReport(NamedTuple):
    """The values of a reports row (but id, url and parsed_at), and its rows."""

    title: str | None
    organ: str | None
    year: int | None
    published: str | None
    format: str | None
    body_text: str | None
    source_page: str | None
    encoding: str | None
    sections_json: str
    warnings_json: str
    text_hash: str | None  # output.identity.text_hash(body_text)
    # (key, value, raw, source, confidence, flagged), one per key, in key order (code
    # point order: SQLite's BINARY order of the primary key), values as SQLite holds them.
    cells: list[tuple]
    checks: list[tuple]  # (name, ok 0/1, detail), one per name, in name order
    # parse_digest of the parse that made the values above (form_digest of the values
    # themselves where the parse has none), stored with the reports row; None: not worked
    # out yet (form_digest, when stored). _replace keeps it: a copy with any other value
    # changed but source_page must set it None, or the store takes it as stored already.
    parse_digest: str | None = None

    def values(self) -> dict:
        """{cell key: value}, as output.identity compares a report's figures."""
        return dict(map(_KEY_AND_VALUE, self.cells))  # in C: ~200 cells a report


class StoredOutcome(NamedTuple):
    """A ParseOutcome in stored form: the same url, reason and encoding; report is a
    StoredReport or None (not a report)."""

    url: str
    report: StoredReport | None
    reason: str = ""
    encoding: str | None = None


class StoredAgain(NamedTuple):
    """A parse worker's answer for a page whose report came out as the one stored for it
    (crawler.reparse sent the stored report's parse digest with the page, and the new
    stored form has it): the url, that digest and the report's format, instead of the
    whole stored form (output.reports.ReportsMixin.parsed_again stores what changes)."""

    url: str
    parse_digest: str
    format: str | None


HASH_NOT_KNOWN = object()  # a text hash not worked out yet (None is a hash: "too short to tell")


def stored_form(outcome, digest=HASH_NOT_KNOWN, parsed=HASH_NOT_KNOWN) -> StoredOutcome:
    """outcome (a ParseOutcome) as stored; digest: the text hash if known already;
    parsed: its parse_digest, if worked out already.

    Out-of-range cell values become NULL with a warning appended to the report's own
    warnings (storable_values), as the crawl has always stored them."""
    report = outcome.report
    if report is None:
        return StoredOutcome(outcome.url, None, outcome.reason, outcome.encoding)
    if digest is HASH_NOT_KNOWN:
        digest = text_hash(report.body_text)
    if parsed is HASH_NOT_KNOWN:  # before storable_values adds to the report's warnings
        parsed = parse_digest(outcome, digest)
    # A parser listing a key twice would break the primary key: the last one wins.
    cells = {cell.key: cell for cell in report.cells}
    values = storable_values(cells, report.warnings)
    checks = {check.name: check for check in report.checks}
    stored = StoredReport(
        report.title,
        report.organ,
        report.year,
        report.published,
        report.format,
        report.body_text,
        report.source_page,
        report.encoding or outcome.encoding,
        json.dumps(report.sections, ensure_ascii=False),
        json.dumps(report.warnings, ensure_ascii=False),
        digest,
        _cell_rows(cells, values),
        [(name, int(bool(c.ok)), c.detail) for name, c in sorted(checks.items())],
    )
    stored = stored._replace(parse_digest=parsed or form_digest(stored))
    return StoredOutcome(outcome.url, stored, outcome.reason, outcome.encoding)


def parse_digest(outcome, hashed=HASH_NOT_KNOWN) -> str | None:
    """A digest of what the parse of a report found (outcome: a ParseOutcome with one),
    stored with its reports row: a report stored again with the same digest is stored
    as it was, its row not compared value by value nor its rows read back, and a
    reparse's worker answers it in a few bytes without building its stored form (a
    sixth of its CPU a report). It is worked out from every field of the Report but the
    addresses (_REPORT_VALUES: what the stored form is made of), and from the form this
    module's code makes of a report made for the purpose (_form_code): when that code
    changes what it stores, every digest changes with it; and from the text hash stored
    with it (``hashed``: given by the crawl's worker, else worked out here). None when a
    value is one that marshal does not write (an OCR cell's Reading): the stored form's
    own digest (form_digest) is stored."""
    report = outcome.report
    if hashed is HASH_NOT_KNOWN:
        hashed = text_hash(report.body_text)
    parsed = (
        _form_code(),
        hashed,
        report.encoding or outcome.encoding,  # the form's, whichever of the two names it
        _REPORT_VALUES(report),
        list(map(cell_fields, report.cells)),
        [(check.name, check.ok, check.detail) for check in report.checks],
    )
    try:
        return _digest(parsed)
    except ValueError:
        return None


# Every field of a Report but its addresses (the store sets source_page, after the
# parse: with_source_page), its encoding, and its cells and checks, which parse_digest
# takes as the stored form does.
_REPORT_VALUES = attrgetter(
    *(
        f.name
        for f in fields(Report)
        if f.name not in ("url", "source_page", "encoding", "cells", "checks")
    )
)


# What a report's parse stored: every value of a StoredReport but source_page (set by the
# store, after the parse: with_source_page) and the digest itself.
_PARSED = itemgetter(
    *(n for n, f in enumerate(StoredReport._fields) if f not in ("source_page", "parse_digest"))
)


def form_digest(report: StoredReport) -> str:
    """A digest of a stored form (_PARSED: its row's values, its cells and its checks):
    the parse digest of a form that comes without one (made by hand, or a copy with a
    value changed), and what _form_code samples."""
    return _digest(_PARSED(report))


def _digest(values: tuple) -> str:
    # marshal's version 2 writes each value whole, by its type (version 3 on refers back
    # to an object met before: equal values sharing their strings otherwise would
    # differ); a value equal to SQLite but of another type (3 and 3.0) only makes it
    # stored again. SHA-256 (its first 128 bits): computed in the CPU on most machines,
    # half the time of BLAKE2b here (0.03 against 0.06 ms a report of 6,000 characters).
    return hashlib.sha256(marshal.dumps(values, 2)).hexdigest()[:32]


@cache
def _form_code() -> str:
    """form_digest of the stored form of a report made to pass through every branch of
    this module's code (an OCR cell, a value out of SQLite's range, a float, sections,
    warnings, checks, an encoding from the outcome, a text long enough to hash)."""
    cells = [
        Cell("t3.a", 2**70, "1180591620717411303424"),
        Cell("t3.b", 1.5, "1.5"),
        Cell("t1.c", None, "/", Reading(0.5, ("8",), False), True),
        Cell("t1.d", 3, "3"),
    ]
    made = Report(
        "", "示例机关2023年政府信息公开工作年度报告", "示例机关", 2023, "2024-01-31", "2021",
        "本机关收到政府信息公开申请三件。" * 20, {"一、总体情况": "本机关"}, cells,
        [Check("t3.balance", False, "1 ≠ 2"), Check("t1.sum", True)], ["t2: a row"],
    )  # fmt: skip
    return form_digest(stored_form(ParseOutcome("", made, "", "gbk"), parsed=None).report)


def _cell_rows(cells: dict, values: dict) -> list[tuple]:
    """(key, value, raw, source, confidence, flagged) of each cell, in key order. Most
    cells are read from text, whose source and confidence are the same for all
    (_FROM_TEXT): the properties are asked of OCR cells only (two Python calls a cell
    were a fifth of the time of building the stored form)."""
    rows = []
    for key in sorted(cells):
        cell = cells[key]
        if cell.reading is None:
            rows.append((key, values[key], cell.raw, *_FROM_TEXT, int(cell.flagged)))
        else:
            source, confidence = cell.source, cell.confidence
            rows.append((key, values[key], cell.raw, source, confidence, int(cell.flagged)))
    return rows


def with_source_page(outcome: StoredOutcome, page_url: str | None) -> StoredOutcome:
    """parsers.provenance.settle_source_page for the stored form: a report read from an
    attachment names the page that linked it, unless it names one already."""
    report = outcome.report
    if report is None or not page_url or report.source_page:
        return outcome
    return outcome._replace(report=report._replace(source_page=page_url))


def to_bytes(outcome: StoredOutcome) -> bytes:
    """outcome as a parse worker sends it: marshal, not pickle. Its values are only
    tuples, lists, strings and numbers, which marshal reads back as they were, 2.5 times
    faster than pickle (0.06 against 0.16 ms for a report of 200 cells and 6,600
    characters), and in the one process storing the reports."""
    report = outcome.report
    plain = None if report is None else tuple(report)
    return marshal.dumps((outcome.url, plain, outcome.reason, outcome.encoding))


def answer_bytes(outcome, stored_digest: str | None = None) -> bytes:
    """to_bytes of the stored form of outcome (a ParseOutcome), or, when its report's
    parse digest is ``stored_digest`` (the digest of the report stored for its page), a
    StoredAgain's: a few bytes instead of the report's ~20 KB, which the one process
    storing the reports would read back and compare only to find them the same, and
    its stored form never built."""
    report = outcome.report
    if stored_digest is None or report is None:
        return to_bytes(stored_form(outcome))
    hashed = text_hash(report.body_text)
    digest = parse_digest(outcome, hashed)
    if digest == stored_digest:
        return marshal.dumps((outcome.url, stored_digest, report.format))
    return to_bytes(stored_form(outcome, hashed, digest))


def from_bytes(data: bytes) -> StoredOutcome | StoredAgain:
    """The StoredOutcome that to_bytes sent, or the StoredAgain that answer_bytes did
    (from a worker of the same Python)."""
    sent = marshal.loads(data)
    if len(sent) == len(StoredAgain._fields):
        return StoredAgain._make(sent)
    url, report, reason, encoding = sent
    stored = None if report is None else StoredReport._make(report)
    return StoredOutcome(url, stored, reason, encoding)


def storable_values(cells: dict, warnings: list[str]) -> dict:
    """{key: value} of cells as SQLite can hold them (storable). The values are looked
    at one by one only when their sum or range says one may need it: a call per cell
    cost more than writing the cells."""
    values = {key: cell.value for key, cell in cells.items()}
    numbers = [value for value in values.values() if value is not None]
    try:
        # Any non-finite number makes the sum non-finite; a big int makes it overflow.
        plain = not numbers or (
            math.isfinite(sum(numbers))
            and min(numbers) >= SQLITE_MIN
            and max(numbers) <= SQLITE_MAX
        )
    except (OverflowError, TypeError):  # TypeError: not a number at all; storable keeps it
        plain = False
    if plain:
        return values
    return {key: storable(key, cell, warnings) for key, cell in cells.items()}


def storable(key: str, cell, warnings: list[str]):
    """A cell's value as SQLite can hold it: an integer beyond 64 bits or a number that
    is not finite becomes NULL, with a warning on the report (its raw text is kept)."""
    value = cell.value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and value not in SQLITE_INTEGERS:
        warnings.append(f"{key}: {cell.raw[:40]!r} is out of range; stored as NULL")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        warnings.append(f"{key}: {cell.raw[:40]!r} is not a finite number; stored as NULL")
        return None
    return value
