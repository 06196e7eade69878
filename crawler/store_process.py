"""The crawl's SQLite writer in a process of its own: batches in, their counts out.

The writer's Python part (a report's rows, the savepoints, the search index's text)
held the GIL beside the reactor: the crawl's process used one core between them while
the parse workers' core waited. In a process of its own it has a core of its own.

A batch goes over a socket as the URLs already refused (write_items' `failed`), then
its items as one pickle (as the distributed writer's Redis stream carries them), and
comes back as (written counts, the URLs refused now). The process is started as
`python -m crawler.store_process FD DB NICENESS` (not through multiprocessing, which would import
the caller's __main__ again), opens its own connection (migrated already by the crawl's
store), and writes batch after batch, each in one transaction, in the order they came.

Nothing stored is lost when either side dies: a batch commits whole or not at all; the
writer ignores SIGINT and SIGTERM (the crawl handles them by closing the spider, and its
last batches must still be written), and ends once the crawl closes the socket or dies,
after the batch it is writing has committed. A writer lost mid-batch answers nothing:
the crawl starts another and sends the batch again; a batch that loses two writers goes
again item by item, the one item that kills every writer recorded as a storage error
(StoreProcess.write).
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections import Counter
from multiprocessing.connection import Connection
from typing import NamedTuple

from crawler.children import leave_at_once, start_child
from crawler.items import FailureItem
from output.search import SEARCH_INDEX_AT_LEAST

logger = logging.getLogger(__name__)

PROTOCOL = pickle.HIGHEST_PROTOCOL
# A batch whose writer died is sent to a new one once more: a writer killed from outside
# dies once, a batch that kills its writer (a crash in SQLite) would kill every one.
ATTEMPTS = 2


def _serve(conn: Connection, path: str, niceness: int = 0) -> None:
    """The writer's loop: one batch at a time, until the socket closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if niceness:
        os.nice(niceness)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s"
    )
    from crawler.storing import write_batch

    store = writer_store(path)
    try:
        while True:
            try:
                failed = pickle.loads(conn.recv_bytes())
                items = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):  # the crawl closed the socket, or is gone
                return
            refused = set(failed)
            written = write_batch(store, items, refused)  # committed (or refused) whole
            del items  # not held while the next batch is read: one batch in memory, not two
            try:
                conn.send_bytes(pickle.dumps((written, refused - failed), PROTOCOL))
            except OSError:  # the crawl is gone; what it sent is stored
                return
    finally:
        try:
            store.index_search()  # what the last batches noted (SEARCH_INDEX_AT_LEAST)
        finally:
            store.close()


def writer_store(path: str):
    """The writer's connection: the database migrated by the crawl's store, indexing for
    search put off until SEARCH_INDEX_AT_LEAST reports are noted."""
    from output.store import ReportStore

    store = ReportStore(path, migrate=False)
    store.index_at_least = SEARCH_INDEX_AT_LEAST
    return store


class Batch(NamedTuple):
    data: bytes  # the items, pickled
    size: int  # how many


def pack(items: list) -> Batch:
    """A batch as the writer process takes it. Packed when handed over, so that the crawl
    holds bytes, not the items' objects (several times larger), while it waits its turn."""
    return Batch(pickle.dumps(items, PROTOCOL), len(items))


class StoreProcess:
    """The parent's side: write(items, failed) sends a batch and waits for its counts
    (blocks the calling thread, which is BatchWriter's: the GIL is free meanwhile)."""

    def __init__(self, path: str, niceness: int = 0):
        self.path, self.niceness = path, max(0, niceness)
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.conn: Connection | None = None

    def start(self) -> None:
        self.process, self.conn = start_child("crawler.store_process", self.path, self.niceness)

    def write(self, batch: Batch, failed: set[str]) -> Counter:
        """Store a batch; `failed` gains the URLs refused now. A writer lost on the way
        (killed, crashed) is replaced and the batch sent again (written twice, a batch is
        stored once: upserts). A batch that loses two writers is written again item by
        item, so that one item that kills every writer takes no other with it: that item
        is recorded as a storage error by the next writer and counted in `errors`."""
        with self.lock:
            written = self._send(batch, failed)
            if written is not None:
                return written
            items = pickle.loads(batch.data)
            if len(items) > 1:
                written = Counter()
                for item in items:
                    alone = self._send(pack([item]), failed)
                    written.update(self._record(item, failed) if alone is None else alone)
                return written
            return self._record(items[0], failed)

    def _send(self, batch: Batch, failed: set[str]) -> Counter | None:
        """The batch's counts, or None when it lost ATTEMPTS writers."""
        for _attempt in range(ATTEMPTS):
            if self.conn is None:
                self.start()
            try:
                # The URLs refused so far, as they are now (the batches before this
                # one have been answered), then the batch as packed.
                self.conn.send_bytes(pickle.dumps(frozenset(failed), PROTOCOL))
                self.conn.send_bytes(batch.data)
                written, refused = pickle.loads(self.conn.recv_bytes())
            except (EOFError, OSError):
                code = self._lost()
                logger.error("the store writer died (exit code %s) with a batch of %d items",
                             code, batch.size)  # fmt: skip
                continue
            failed |= refused
            return written
        return None

    def _record(self, item, failed: set[str]) -> Counter:
        """An item that killed its writers, recorded as not stored (if a writer can)."""
        from crawler.storing import STORAGE_ERROR, item_url

        url = item_url(item)
        failed.add(url)  # its page's body held back, as for any item refused
        lost = FailureItem(url, STORAGE_ERROR, "the store's writer died writing it")
        self._send(pack([lost]), failed)
        return Counter(errors=1)

    def _lost(self) -> int | None:
        self.conn.close()
        self.conn = None
        try:
            return self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def close(self) -> None:
        """After the last batch: the writer ends (its connection closed) and is waited for."""
        with self.lock:
            if self.conn is not None:
                self.conn.close()
                self.conn = None
            if self.process is not None:
                self.process.wait()
                self.process = None


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), sys.argv[2], int(sys.argv[3]))
    leave_at_once()  # stored, indexed and closed; a writer that failed left by its traceback
