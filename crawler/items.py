"""What the spider hands to the pipelines: plain dataclasses (Scrapy accepts them as items).

Kept free of Scrapy imports so that storage and tests can build them directly.

The spider yields PageItem, UnchangedItem, OutcomeItem, AttachmentItem, SkippedItem and
FailureItem: bookkeeping for the store (an OutcomeItem reaches the writer as a
StoredOutcomeItem when its stored form was built already). A fetched document (a report
page, an attachment) comes as one DocumentItem holding those it gave. The storage
pipeline consumes them all and hands on one ReportRecord per report it stores: the only
item that reaches feed exports.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.model import ParseOutcome


@dataclass
class PageItem:
    """A fetched document, stored compressed so that reports can be re-parsed offline."""

    url: str
    status: int
    body: bytes
    content_type: str | None
    encoding: str | None
    kind: str  # "list" | "report" | "attachment" | "other" | "discovery" (a home page)
    parse_result: str | None = None
    site: str | None = None
    # Filled from the response headers by crawler.middlewares.ResponseHeadersMiddleware:
    etag: str | None = None  # validators for the next run's conditional request
    last_modified: str | None = None
    filename: str | None = None  # Content-Disposition's file name (untrusted)


@dataclass
class UnchangedItem:
    """A page fetched again whose content had not changed (304, or the same hash)."""

    url: str


@dataclass
class OutcomeItem:
    """The parsers' verdict on one page or attachment; a non-report clears a stale report."""

    outcome: ParseOutcome
    source_page: str | None = None  # for attachments: the page linking to them
    site: str | None = None
    # output.identity.text_hash of the report's text when the parse worker worked it out
    # (text_hashed; None is a hash too: "too short to tell"), so the writer, which shares
    # the reactor's process, does not.
    text_hash: str | None = None
    text_hashed: bool = False
    # output.stored_form.to_bytes of the outcome, built by the parse worker from the
    # outcome as it read it (a report page's: no pipeline changes what of it is stored),
    # so that the writer stores these rows rather than the outcome's object graph. The
    # outcome then comes without its report's body_text and sections (crawler.worker).
    stored: bytes | None = None


@dataclass
class StoredOutcomeItem:
    """An OutcomeItem with its stored form, as the crawl hands it to its writer: the form's
    bytes without the outcome, which would be pickled for the writer, unpickled there and
    turned into that form again (for_writer)."""

    url: str
    stored: bytes  # output.stored_form.to_bytes
    source_page: str | None = None  # as OutcomeItem's (output.stored_form.with_source_page)


def for_writer(item):
    """An item as the writer needs it: an OutcomeItem with its stored form, as that."""
    if isinstance(item, OutcomeItem) and item.stored is not None:
        return StoredOutcomeItem(item.outcome.url, item.stored, item.source_page)
    return item


@dataclass
class AttachmentItem:
    page_url: str
    attachment_url: str
    # "queued" (requested), "failed", "offsite", "not-fetched" (a type the parsers don't
    # read) and "not-needed"; once parsed, parsers.provenance' "report", "same report as
    # page", "scanned", "unreadable" or "not-report"
    status: str


@dataclass
class SkippedItem:
    """A list item that is not a report (法治政府建设年度报告, 通知, ...), with why."""

    url: str
    title: str
    reason: str
    page_url: str | None = None


@dataclass
class FailureItem:
    url: str
    reason: str
    detail: str = ""


@dataclass
class ReportRecord:
    """One report as a feed gives it (crawler.feeds): what the database holds for it."""

    id: str  # reports.id
    url: str
    source_page: str | None
    title: str | None
    organ: str | None
    year: int | None
    format: str
    published: str | None
    cells: dict[str, float | int | None]  # cell key -> value, in cells.tsv order
    failed_checks: list[dict[str, str]]  # [{"name": ..., "detail": ...}]
    warnings: list[str]


@dataclass
class DocumentItem:
    """One fetched document and what was read from it, as one item: its OutcomeItem, its
    AttachmentItems, then its PageItem (last: a stored body counts as done).

    Each item costs a pass through every spider middleware and pipeline, and in a
    distributed crawl a stream entry of its own: a report page is one item, not two (its
    outcome and body) or more (its attachments). The pipelines handle each part as they
    would the item alone (parts_of).
    """

    url: str
    parts: list


def parts_of(item) -> list:
    """The items an item stands for: a DocumentItem's parts, else the item itself."""
    return item.parts if isinstance(item, DocumentItem) else [item]
