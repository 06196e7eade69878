"""A parse worker lost (killed, over its memory limit, over its time limit) while other
jobs wait for the pool: every waiting job is still read, by the worker that replaces
it, and answered with its own document's outcome; the lost job is answered as a
failure; in a reparse every page is stored or recorded as failed once, none lost, none
twice. These hold whichever way jobs wait (in the pool's queue, or handed to a worker
ahead of its answer)."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from crawler.reparse import reparse
from crawler.worker import Limits, ParsePool, limit_reason
from demo.faultserver import report_page
from output.store import ReportStore
from tests import bombs
from tests.test_bounded_extraction import big_table_page

URL = "http://127.0.0.1/r/doc"
QUEUED = 4  # good jobs waiting behind the one that loses its worker


def _slow_pdf() -> tuple:
    return bombs.pdf_slow(), f"{URL}/slow.pdf", "application/pdf", None


def _big_page() -> tuple:
    return big_table_page(6), f"{URL}/big.html", "text/html", None


# fault -> (its document, the pool's limits, the reason it is answered with)
FAULTS = {
    "over its time limit": (_slow_pdf, Limits(1, per_page=0, memory_mb=1024), "too slow"),
    "over its memory limit": (_big_page, Limits(300, per_page=0, memory_mb=200), "too large"),
    "killed from outside": (_slow_pdf, Limits(300, per_page=0, memory_mb=1024), "too large"),
}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _kill_once_busy(pid: int) -> None:
    """SIGKILL the worker once it has spent a CPU second on the slow job (it is then
    inside it, not between jobs)."""
    start, deadline = _cpu_seconds(pid), time.monotonic() + 60
    while _cpu_seconds(pid) < start + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_jobs_queued_behind_a_lost_worker_are_each_read_once_by_its_replacement(fault):
    document, limits, reason = FAULTS[fault]
    pool = ParsePool(1, limits)
    try:
        # A worker started and idle, so that the lost job is the first it takes.
        assert pool.parse(report_page(), f"{URL}/first.html", "text/html", None).report
        (worker,) = pool.idle.queue
        bad = document()
        lost = pool.submit(*bad)
        queued = [
            pool.submit(report_page(), f"{URL}/queued{n}.html", "text/html", None)
            for n in range(QUEUED)
        ]
        if fault == "killed from outside":
            _kill_once_busy(worker.process.pid)
        outcome = lost.result(timeout=120)
        assert outcome.url == bad[1] and outcome.report is None
        assert limit_reason(outcome) == reason, outcome.reason
        for n, future in enumerate(queued):
            answer = future.result(timeout=120)
            assert answer.url == f"{URL}/queued{n}.html"  # its own document's answer
            assert answer.report is not None and len(answer.report.cells) >= 198
        if fault == "over its memory limit":
            # An allocation past the limit may fail where Python raises MemoryError
            # (the worker answers and reads on) or where it cannot (the worker dies).
            assert pool.replaced in (0, 1)
        else:
            assert pool.replaced == 1
            assert worker.process.poll() is not None  # the lost worker is gone
    finally:
        pool.close()


def _store_with_a_bad_page(path, bad_body: bytes, pages: int = 6) -> tuple[ReportStore, str]:
    store = ReportStore(path)
    for n in range(pages):
        store.save_page(f"{URL}/r{n}.html", 200, report_page(), "text/html", "utf-8", "report")
    bad_url = f"{URL}/r{pages // 2}b.html"  # read in the middle of the good pages
    store.save_page(bad_url, 200, bad_body, "text/html", "utf-8", "report")
    return store, bad_url


def test_a_reparse_stores_every_page_once_when_a_worker_is_lost_among_queued_pages(
    tmp_path, monkeypatch
):
    stored, failed = Counter(), Counter()
    save_outcomes, save_failure = ReportStore.save_outcomes, ReportStore.save_failure

    def counting_outcomes(self, outcomes, *args):
        outcomes = list(outcomes)
        stored.update(outcome.url for outcome in outcomes)
        return save_outcomes(self, outcomes, *args)

    def counting_failure(self, url, reason, *args):
        failed[url, reason] += 1
        return save_failure(self, url, reason, *args)

    monkeypatch.setattr(ReportStore, "save_outcomes", counting_outcomes)
    monkeypatch.setattr(ReportStore, "save_failure", counting_failure)
    store, bad_url = _store_with_a_bad_page(tmp_path / "r.db", big_table_page(6))
    pool = ParsePool(1, Limits(timeout=300, per_page=0, memory_mb=200))
    try:
        counts = reparse(store, pool=pool)
    finally:
        pool.close()
    good = {f"{URL}/r{n}.html" for n in range(6)}
    assert counts["pages"] == 7 and counts["too_large"] == 1 and counts["reports"] == 6
    assert stored == Counter(good)  # each good page stored once, the lost one not at all
    assert failed == Counter({(bad_url, "too large"): 1})
    # The same page six times is one report (identity: the rest are its aliases).
    reports = [url for (url,) in store.db.execute("SELECT url FROM reports")]
    assert len(reports) == 1 and reports[0] in good
    store.close()
