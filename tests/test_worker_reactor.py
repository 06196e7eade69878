"""ParsePool.parse_async, the spider's way in: the reactor sends each job and reads its
answer itself, under the same limits as parse() (tests/test_bounded_extraction.py).

Each test runs a reactor of its own (a SelectReactor, not installed), so nothing is
shared with Scrapy's.
"""

from __future__ import annotations

import os
import signal

from twisted.internet.selectreactor import SelectReactor

from crawler.worker import INLINE_SEND, Limits, ParsePool, limit_reason
from demo.faultserver import report_page
from tests.test_bounded_extraction import MEMORY_MB, URL, big_table_page


def read_in_a_reactor(pool_args: dict, documents: list[bytes], at_once: bool = False, before=None):
    """The outcomes of parse_async for documents, in order: one after another, or all
    handed over at once (at_once: they wait for a free worker). before(pool, n) runs
    before the n-th document is handed over. Returns (outcomes, pool), the pool closed."""
    reactor = SelectReactor()
    pool = ParsePool(**pool_args, reactor=reactor)
    outcomes: dict[int, object] = {}

    def take(outcome, n: int) -> None:
        outcomes[n] = outcome
        if len(outcomes) == len(documents):
            reactor.stop()
        elif not at_once:
            hand_over(n + 1)

    def hand_over(n: int) -> None:
        if before is not None:
            before(pool, n)
        reading = pool.parse_async(documents[n], f"{URL}/{n}.html", "text/html", None)
        reading.addCallback(take, n)

    def begin() -> None:
        for n in range(len(documents) if at_once else 1):
            hand_over(n)

    reactor.callWhenRunning(begin)
    try:
        reactor.run(installSignalHandlers=False)
    finally:
        pool.close()
    return [outcomes[n] for n in range(len(documents))], pool


def is_report_of(outcome, n: int) -> bool:
    return outcome.report is not None and outcome.url == f"{URL}/{n}.html"


def test_documents_handed_over_at_once_are_each_read_by_a_free_worker():
    outcomes, pool = read_in_a_reactor(
        {"workers": 2, "limits": Limits(timeout=60, memory_mb=MEMORY_MB)},
        [report_page()] * 6,
        at_once=True,
    )
    assert all(is_report_of(outcome, n) for n, outcome in enumerate(outcomes))
    assert len(outcomes[0].report.cells) >= 198
    assert pool.replaced == 0 and not pool.running and not pool.waiting


def test_a_body_too_large_to_send_from_the_reactor_is_sent_from_a_thread_and_read():
    large = report_page().replace(b"</body>", b"<!--" + b"x" * INLINE_SEND + b"--></body>")
    outcomes, _ = read_in_a_reactor(
        {"workers": 1, "limits": Limits(timeout=60, memory_mb=MEMORY_MB)}, [large, report_page()]
    )
    assert is_report_of(outcomes[0], 0) and is_report_of(outcomes[1], 1)


def test_document_past_the_time_limit_is_too_slow_and_the_next_is_read():
    outcomes, pool = read_in_a_reactor(
        {"workers": 1, "limits": Limits(timeout=1, per_page=0, memory_mb=MEMORY_MB)},
        [big_table_page(6), report_page()],
    )
    assert limit_reason(outcomes[0]) == "too slow", outcomes[0].reason
    assert is_report_of(outcomes[1], 1) and pool.replaced == 1


def test_document_past_the_memory_limit_is_too_large_and_the_next_is_read():
    outcomes, _ = read_in_a_reactor(
        {"workers": 1, "limits": Limits(timeout=300, per_page=0, memory_mb=200)},
        [big_table_page(6), report_page()],
    )
    assert limit_reason(outcomes[0]) == "too large", outcomes[0].reason
    assert is_report_of(outcomes[1], 1)


def test_worker_killed_from_outside_is_recorded_and_replaced():
    def kill_the_idle_worker(pool, n):
        if n == 1:
            os.kill(pool.idle.queue[0].process.pid, signal.SIGKILL)
            pool.idle.queue[0].process.wait()

    outcomes, pool = read_in_a_reactor(
        {"workers": 1, "limits": Limits(timeout=60, memory_mb=MEMORY_MB)},
        [report_page()] * 3,
        before=kill_the_idle_worker,
    )
    assert is_report_of(outcomes[0], 0) and is_report_of(outcomes[2], 2)
    assert outcomes[1].report is None and limit_reason(outcomes[1]) is not None
    assert pool.replaced == 1


def test_worker_is_retired_after_its_jobs_and_fresh_ones_read_on():
    pids = []

    def note_the_idle_worker(pool, n):
        pids.append(pool.idle.queue[0].process.pid if pool.idle.queue else None)

    outcomes, pool = read_in_a_reactor(
        {"workers": 1, "limits": Limits(timeout=60, memory_mb=MEMORY_MB), "jobs_per_worker": 2},
        [report_page()] * 5,
        before=note_the_idle_worker,
    )
    assert all(is_report_of(outcome, n) for n, outcome in enumerate(outcomes))
    # Before each document: none yet, the first worker, none (retired), the second, none.
    assert pids[0] is None and pids[2] is None and pids[4] is None
    assert None not in (pids[1], pids[3]) and pids[1] != pids[3]
    assert pool.replaced == 0 and not pool.retired  # retired workers reaped on close
