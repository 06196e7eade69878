"""Crawl items into the store: write_items, one transaction a batch, each item atomic.

Free of Scrapy, so that the crawl's SQLite writer process (crawler.store_process), the
distributed writer and the tools import only the store and the items.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter

from crawler.items import (
    AttachmentItem,
    FailureItem,
    OutcomeItem,
    PageItem,
    SkippedItem,
    StoredOutcomeItem,
    UnchangedItem,
    for_writer,
    parts_of,
)
from output.store import ReportStore
from output.stored_form import from_bytes

logger = logging.getLogger(__name__)

STORAGE_ERROR = "storage error"  # an item the database refused (failures.reason)


def write_batch(store: ReportStore, items: list, failed: set[str]) -> Counter:
    """write_items, a failed transaction counted: its items as errors."""
    try:
        return write_items(store, items, failed)
    except Exception:
        # The batch's transaction itself failed (disk full, I/O error, a lock held
        # past every retry): nothing of it is stored, and the run must say so.
        logger.exception("could not store a batch of %d items", len(items))
        return Counter(errors=len(items))


def write_items(store: ReportStore, items: list, failed: set[str] | None = None) -> Counter:
    """Write crawl items in one transaction, in the order they came, each atomic.

    An item that cannot be stored (a value SQLite refuses, a broken record) is rolled
    back alone and recorded as a "storage error" failure of its URL; the batch's other
    items are stored. Returns how many reports were new, how many replaced a stored
    one, and how many items failed ("errors").

    The body of a page whose other items failed (`failed` collects their URLs, across
    batches) is not stored: stored, it would count as done and never be tried again.
    """
    written: Counter = Counter()
    failed = set() if failed is None else failed
    with store.transaction():
        for item in (part for entry in items for part in parts_of(entry)):
            if isinstance(item, PageItem) and item.url in failed:
                written["bodies_held_back"] += 1
                continue
            try:
                # No savepoint of its own: each method _write_item calls is atomic by
                # itself (one statement, or its own savepoint), and what it reads from the
                # item is read before it writes; a savepoint more around it cost two
                # statements an item.
                _write_item(store, for_writer(item), written)
            except (sqlite3.Error, ValueError, TypeError, OverflowError) as error:
                written["errors"] += 1
                url = item_url(item)
                detail = f"{type(item).__name__}: {type(error).__name__}: {error}"[:500]
                logger.error("%s: %s (%s)", STORAGE_ERROR, url, detail)
                store.save_failure(url, STORAGE_ERROR, detail)
                failed.add(url)
    return written


def item_url(item) -> str:
    """The URL an item is recorded under when it cannot be stored."""
    for name in ("url", "attachment_url"):
        if getattr(item, name, None):
            return getattr(item, name)
    outcome = getattr(item, "outcome", None)
    return outcome.url if outcome is not None else "?"


def _write_item(store: ReportStore, item, written: Counter) -> None:
    if isinstance(item, PageItem):
        store.save_page(
            item.url,
            item.status,
            item.body,
            item.content_type,
            item.encoding,
            item.kind,
            item.parse_result,
            item.site,
            item.etag,
            item.last_modified,
        )
    elif isinstance(item, StoredOutcomeItem):  # the rows as its parse worker built them
        source_pages = {item.url: item.source_page} if item.source_page else None
        written.update(store.save_outcomes([from_bytes(item.stored)], source_pages))
    elif isinstance(item, OutcomeItem):
        # The text hash the parse worker worked out, when it did (OutcomeItem.text_hashed).
        hashes = {item.outcome.url: item.text_hash} if item.text_hashed else None
        written.update(store.save_outcomes([item.outcome], text_hashes=hashes))
    elif isinstance(item, UnchangedItem):
        store.touch_page(item.url)
    elif isinstance(item, AttachmentItem):
        store.save_attachment(item.page_url, item.attachment_url, item.status)
    elif isinstance(item, SkippedItem):
        store.save_skipped(item.url, item.title, item.reason, item.page_url)
    elif isinstance(item, FailureItem):
        store.save_failure(item.url, item.reason, item.detail)
    else:
        # Recorded as a storage error (write_items), not skipped in silence: e.g. an item of
        # a newer version reaching an older distributed writer.
        raise TypeError(f"not an item the store knows: {type(item).__name__}")
