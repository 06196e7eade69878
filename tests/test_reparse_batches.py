"""A worker handed several documents at once (ParsePool.parse_batch, as crawler.reparse
hands its pages): each answered as if handed alone, in order; a document past a limit
answered as a failure and the rest of its batch read, none lost; a reparse in batches
stores what a reparse one page at a time stores."""

from __future__ import annotations

import os
import signal
import sqlite3
import zlib

import pytest

import crawler.reparse
from crawler.reparse import reparse
from crawler.worker import MEMORY_CHECK_EVERY, Limits, ParsePool, limit_reason
from demo.faultserver import report_page
from output.store import ReportStore
from tests import bombs
from tests.conftest import CORPUS
from tests.test_bounded_extraction import big_table_page
from tests.test_worker_lost_with_jobs_queued import _kill_once_busy

URL = "http://127.0.0.1/r/doc"


def _documents() -> list[tuple]:
    """(body, url, content_type, charset, compressed): real pages and files, stored bodies
    (zlib) among them, and bytes that are no document."""
    documents = []
    for n, path in enumerate(sorted(CORPUS.iterdir())):
        body = path.read_bytes()
        kind = "application/pdf" if path.suffix == ".pdf" else "text/html"
        packed = n % 2 == 0
        documents.append((zlib.compress(body) if packed else body, f"{URL}/{path.name}",
                          kind, None, packed))  # fmt: skip
    documents.append((b"\x00\x01\x02" * 50, f"{URL}/junk.bin", "application/octet-stream",
                      None, False))  # fmt: skip
    return documents


def test_a_batch_answers_each_document_as_it_is_answered_alone():
    documents = _documents()
    pool = ParsePool(1, Limits(timeout=60, memory_mb=1024))
    try:
        batched = pool.parse_batch(documents)
        alone = [
            pool.parse(body, url, kind, charset, compressed=packed, stored_form=True)
            for body, url, kind, charset, packed in documents
        ]
    finally:
        pool.close()
    assert [answer.url for answer in batched] == [document[1] for document in documents]
    assert batched == alone
    assert sum(answer.report is not None for answer in batched) >= 3
    assert any(answer.report is None for answer in batched)


# fault -> (its document, the pool's limits, the reason it is answered with)
FAULTS = {
    "over its time limit": (
        (bombs.pdf_slow(), f"{URL}/slow.pdf", "application/pdf", None, False),
        Limits(1, per_page=0, memory_mb=1024),
        "too slow",
    ),
    "over its memory limit": (
        (big_table_page(6), f"{URL}/big.html", "text/html", None, False),
        Limits(300, per_page=0, memory_mb=200),
        "too large",
    ),
    # Killed while it reads the slow file: the batch is read again a document at a time,
    # the slow file too, which passes its time limit then.
    "killed from outside": (
        (bombs.pdf_slow(), f"{URL}/slow.pdf", "application/pdf", None, False),
        Limits(4, per_page=0, memory_mb=1024),
        "too slow",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_document_past_a_limit_fails_alone_and_the_rest_of_its_batch_is_read(fault):
    bad, limits, reason = FAULTS[fault]
    good = [(report_page(), f"{URL}/good{n}.html", "text/html", None, False) for n in range(4)]
    documents = [*good[:2], bad, *good[2:]]
    pool = ParsePool(1, limits)
    try:
        pool.start_workers()
        (worker,) = pool.idle.queue
        answers = pool.submit_batch(documents)
        if fault == "killed from outside":
            _kill_once_busy(worker.process.pid)
        answers = answers.result(timeout=300)
    finally:
        pool.close()
    assert [answer.url for answer in answers] == [document[1] for document in documents]
    failed = answers.pop(2)
    assert failed.report is None and limit_reason(failed) == reason, failed.reason
    for answer in answers:
        assert answer.report is not None and len(answer.report.cells) >= 198
    if fault != "over its memory limit":  # a MemoryError Python can raise is answered
        assert worker.process.poll() is not None  # the lost worker is gone
    if fault == "over its time limit":
        # Read once: the worker's slot named it, the batch was read again without it.
        assert pool.replaced == 1
    if fault == "killed from outside":
        # No limit named it: each document read alone, the slow file passing its limit.
        assert pool.replaced == 2


def test_each_document_past_its_cpu_limit_in_a_batch_is_read_once():
    slow = (bombs.pdf_slow(), f"{URL}/slow.pdf", "application/pdf", None, False)
    good = [(report_page(), f"{URL}/good{n}.html", "text/html", None, False) for n in range(3)]
    documents = [slow, good[0], slow, good[1], good[2], slow]
    pool = ParsePool(1, Limits(1, per_page=0, memory_mb=1024))
    try:
        answers = pool.parse_batch(documents)
    finally:
        pool.close()
    assert [answer.url for answer in answers] == [document[1] for document in documents]
    assert [limit_reason(answers[n]) for n in (0, 2, 5)] == ["too slow"] * 3
    for n in (1, 3, 4):
        assert answers[n].report is not None and len(answers[n].report.cells) >= 198
    assert pool.replaced == 3  # one worker lost for each, none for a second reading


def test_a_worker_s_memory_is_looked_at_every_so_many_documents_batched_or_not(monkeypatch):
    looked = []
    monkeypatch.setattr(
        "crawler.worker._Worker.address_space", lambda worker: looked.append(worker.jobs) or 1
    )
    pool = ParsePool(1, Limits(timeout=60, memory_mb=1024))
    page = (report_page(), f"{URL}/page.html", "text/html", None, False)
    try:
        pool.parse_batch([page] * (MEMORY_CHECK_EVERY - 1))
        assert looked == []
        pool.parse_batch([page] * 2)  # past the first MEMORY_CHECK_EVERY
        pool.parse(*page[:4])
        assert looked == [MEMORY_CHECK_EVERY + 1]
        pool.parse_batch([page] * MEMORY_CHECK_EVERY)
        assert looked == [MEMORY_CHECK_EVERY + 1, 2 * MEMORY_CHECK_EVERY + 2]
    finally:
        pool.close()


def _store_of_pages(path, pages: int) -> ReportStore:
    store = ReportStore(path)
    shanghai = CORPUS.joinpath("shanghai-bgt-2019.html").read_bytes()
    for n in range(pages):
        body = shanghai.replace("上海市人民政府办公厅".encode(), f"示范县{n}号单位".encode())
        store.save_page(f"{URL}/r{n:02d}.html", 200, body, "text/html", "utf-8", "report")
    store.save_page(f"{URL}/list.html", 200, b"<html><p>list</p></html>", "text/html", None, "list")
    return store


_TIMES = ("first_seen", "last_seen", "fetched_at")


def _rows(path) -> list:
    """Every row of the reports' tables and the pages, the times left out."""
    db = sqlite3.connect(path)
    try:
        reports = db.execute("SELECT * FROM reports ORDER BY id").fetchall()
        stamp = [row[1] for row in db.execute("PRAGMA table_info(reports)")].index("parsed_at")
        rows = [row[:stamp] + row[stamp + 1 :] for row in reports]
        for table in ("report_cells", "report_checks", "report_urls", "pages"):
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            kept = ", ".join(c for c in columns if c not in _TIMES)
            rows += db.execute(f"SELECT {kept} FROM {table} ORDER BY 1, 2").fetchall()
        return rows
    finally:
        db.close()


def test_a_reparse_in_batches_stores_what_one_page_at_a_time_stores(tmp_path, monkeypatch):
    handed = []
    submit_batch = ParsePool.submit_batch

    def counting(self, documents):
        handed.append(len(documents))
        return submit_batch(self, documents)

    monkeypatch.setattr(ParsePool, "submit_batch", counting)
    results = {}
    for size in (1, 4):
        monkeypatch.setattr(crawler.reparse, "POOL_BATCH", size)
        handed.clear()
        path = tmp_path / f"batches-of-{size}.db"
        store = _store_of_pages(path, 10)
        counts = reparse(store)
        store.close()
        assert counts["pages"] == 11 and counts["reports"] == 10
        assert sum(handed) == 11 and max(handed) == size
        results[size] = _rows(path)
    assert results[1] == results[4] and len(results[1]) > 10


def test_a_batch_s_worker_killed_between_documents_is_replaced():
    pool = ParsePool(1, Limits(timeout=60, memory_mb=1024))
    page = (report_page(), f"{URL}/page.html", "text/html", None, False)
    try:
        pool.start_workers()
        (worker,) = pool.idle.queue
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
        answers = pool.parse_batch([page, page])
    finally:
        pool.close()
    assert [answer.report is not None for answer in answers] == [True, True]
    assert pool.replaced == 1
