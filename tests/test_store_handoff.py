"""The storage pipeline's hand-off to its writer (a process), as a crawl sees it.

When the writer is behind (MAX_PENDING_BATCHES batches waiting), an item of a crawl
waits as a coroutine: the reactor thread goes on (downloads, parse results) instead of
blocking until the writer commits. The item is stored, in order, once there is room.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import threading
from types import SimpleNamespace

import pytest

from crawler.feeds import Stored
from crawler.items import FailureItem
from crawler.pipelines import MAX_PENDING_BATCHES, SqliteStorePipeline
from crawler.store_process import StoreProcess

URL = "http://example.gov.cn/xxgk/ndbg/"


@pytest.fixture
def held_writer(monkeypatch):
    """A batch is handed to the store's writer process only once the returned event is set."""
    gate = threading.Event()
    write = StoreProcess.write

    def held(self, batch, failed):
        assert gate.wait(30), "the test never let the writer go"
        return write(self, batch, failed)

    monkeypatch.setattr(StoreProcess, "write", held)

    async def done(future):  # the reactor's wait (a Deferred), as an asyncio one here
        await asyncio.wrap_future(future)

    monkeypatch.setattr(SqliteStorePipeline, "_done", staticmethod(done))
    return gate


def failures_stored(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT url FROM failures ORDER BY url")]
    finally:
        conn.close()


def test_an_item_waits_for_a_busy_writer_without_blocking_the_crawl(tmp_path, held_writer):
    path = tmp_path / "h.db"
    pipeline = SqliteStorePipeline(str(path), batch_size=1)
    pipeline.open_spider()
    pipeline.crawler = SimpleNamespace()  # as in a crawl (a pipeline by hand blocks instead)
    items = [FailureItem(f"{URL}{n}", "HTTP 404") for n in range(MAX_PENDING_BATCHES + 2)]
    for item in items[:MAX_PENDING_BATCHES]:  # handed over: the writer holds them
        with pytest.raises(Stored):
            pipeline.process_item(item)
    assert pipeline.writer.full()
    waiting = [pipeline.process_item(item) for item in items[MAX_PENDING_BATCHES:]]
    # Returned at once, while the writer is still held: nothing blocked the caller.
    assert all(inspect.iscoroutine(w) for w in waiting)
    assert pipeline.buffer == [] and not held_writer.is_set()

    async def release():
        held_writer.set()
        for coroutine in waiting:
            with pytest.raises(Stored):
                await coroutine
            assert len(pipeline.writer.pending) <= MAX_PENDING_BATCHES

    asyncio.run(release())
    pipeline.crawler = None
    pipeline.close_spider()
    assert failures_stored(path) == sorted(item.url for item in items)


def test_a_pipeline_built_by_hand_waits_in_the_calling_thread(tmp_path, held_writer):
    """Outside a crawl (tests, tools) process_item returns only once there is room."""
    pipeline = SqliteStorePipeline(str(tmp_path / "b.db"), batch_size=1)
    pipeline.open_spider()
    items = [FailureItem(f"{URL}{n}", "HTTP 404") for n in range(MAX_PENDING_BATCHES + 1)]
    threading.Timer(0.2, held_writer.set).start()
    for item in items:
        with pytest.raises(Stored):
            pipeline.process_item(item)
    pipeline.close_spider()
    assert len(failures_stored(tmp_path / "b.db")) == len(items)
