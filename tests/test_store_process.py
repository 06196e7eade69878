"""The crawl's SQLite writer in a process of its own (crawler.store_process): what is
handed to it is stored whole or counted as not stored, whoever dies."""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3

import pytest

from crawler.items import DocumentItem, FailureItem
from crawler.store_process import PROTOCOL, StoreProcess, pack
from crawler.storing import STORAGE_ERROR
from output.store import ReportStore

URL = "http://example.gov.cn/xxgk/ndbg/"


class KillsItsWriter(DocumentItem):
    """An item whose parts, read by write_items inside the batch's transaction, end the
    process reading them: a writer that dies mid-batch, every time."""

    def __init__(self):
        self.url = f"{URL}kills"

    @property
    def parts(self):
        os._exit(9)


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "r.db"
    ReportStore(str(path)).close()  # migrated, as the crawl's own store does first
    return str(path)


@pytest.fixture
def writer(database):
    process = StoreProcess(database)
    yield process
    process.close()


def failures(path: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT url FROM failures ORDER BY url")]
    finally:
        conn.close()


def item(n: int) -> FailureItem:
    return FailureItem(f"{URL}{n}", "HTTP 404")


def test_a_writer_killed_between_batches_is_replaced_and_loses_nothing(database, writer):
    assert writer.write(pack([item(1)]), set())["errors"] == 0
    first = writer.process.pid
    os.kill(first, signal.SIGKILL)
    writer.process.wait()
    assert writer.write(pack([item(2)]), set())["errors"] == 0  # sent again, to a new writer
    assert writer.process.pid != first
    assert failures(database) == [f"{URL}1", f"{URL}2"]


def test_an_item_that_kills_every_writer_is_recorded_and_takes_no_other_item_with_it(
    database, writer
):
    assert writer.write(pack([item(1)]), set())["errors"] == 0
    failed: set[str] = set()
    written = writer.write(pack([item(2), KillsItsWriter(), item(3)]), failed)
    # The batch died with two writers (rolled back whole, never half a batch), then went
    # item by item: items 2 and 3 stored, the killer recorded as not stored.
    assert written["errors"] == 1
    assert failed == {f"{URL}kills"}
    assert writer.write(pack([item(4)]), set())["errors"] == 0  # writers go on
    assert failures(database) == [f"{URL}{n}" for n in (1, 2, 3, 4)] + [f"{URL}kills"]
    conn = sqlite3.connect(database)
    try:
        reason = conn.execute("SELECT reason FROM failures WHERE url = ?", [f"{URL}kills"])
        assert reason.fetchone()[0] == STORAGE_ERROR
    finally:
        conn.close()


def test_the_batch_a_writer_holds_is_stored_when_the_crawl_dies(database, writer):
    writer.start()
    batch = [item(n) for n in range(5)]
    writer.conn.send_bytes(pickle.dumps(frozenset(), PROTOCOL))
    writer.conn.send_bytes(pack(batch).data)
    writer.conn.close()  # the crawl's end of the socket gone, as when it is killed
    writer.conn = None
    assert writer.process.wait(60) == 0
    assert failures(database) == sorted(i.url for i in batch)


def test_a_writer_outlives_sigterm_and_sigint_to_write_the_last_batches(database, writer):
    writer.write(pack([item(1)]), set())
    pid = writer.process.pid
    for signum in (signal.SIGTERM, signal.SIGINT):  # the crawl's to handle: it closes
        os.kill(pid, signum)
    assert writer.write(pack([item(2)]), set())["errors"] == 0
    assert writer.process.pid == pid
    assert failures(database) == [f"{URL}1", f"{URL}2"]


def test_the_urls_a_writer_refused_reach_the_crawls_failed_set(database, writer):
    failed = {f"{URL}earlier"}
    refused = FailureItem(f"{URL}bad", 2**70)  # an integer SQLite cannot hold
    written = writer.write(pack([item(1), refused]), failed)
    assert written["errors"] == 1
    assert failed == {f"{URL}earlier", f"{URL}bad"}
    assert f"{URL}1" in failures(database)


def test_a_writer_runs_at_the_niceness_asked_below_the_crawl(database):
    writer = StoreProcess(database, niceness=3)
    try:
        writer.write(pack([item(1)]), set())
        own = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, writer.process.pid) == min(own + 3, 19)
    finally:
        writer.close()
