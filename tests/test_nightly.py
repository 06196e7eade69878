"""crawler.nightly: the lock, exit statuses, the runs table, and surviving kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from crawler.nightly import RunLock, format_summary
from crawler.runs import exit_code, run_summary
from demo.faultserver import Fault, FaultServer, build_portal
from tests.crawl_helpers import (
    integrity,
    last_run,
    report_names,
    rows,
    run_nightly,
    start_nightly,
    value,
)

SLOW = Fault("slow", seconds=0.4)


def wait_for(condition, timeout: float = 30.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = condition()
        except Exception:  # the database may not exist yet
            result = None
        if result:
            return result
        time.sleep(step)
    raise AssertionError("timed out waiting")


def running(db: Path) -> bool:
    return value(db, "SELECT count(*) FROM runs WHERE status = 'running'") > 0


def slow_site(tmp_path: Path, count: int, fault: Fault = SLOW):
    """A column of `count` reports, each page slow to arrive."""
    paths = build_portal(tmp_path / "site", [f"p{i:02d}" for i in range(count)])
    faults = {path: fault for path in paths.values()}
    return FaultServer(tmp_path / "site", faults, lifetime=120)


def report_urls(db: Path) -> set[str]:
    return {url for (url,) in rows(db, "SELECT url FROM reports WHERE url LIKE '%/r/p%'")}


def kill(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
    process.send_signal(sig)
    process.communicate(timeout=60)


# --- fast: the pieces ----------------------------------------------------------------------


def test_run_lock_is_exclusive_and_released(tmp_path):
    path = tmp_path / "run.lock"
    first, second = RunLock(path), RunLock(path)
    assert first.acquire()
    assert not second.acquire()  # flock conflicts between open files, even in one process
    assert second.holder == str(os.getpid())
    first.release()
    assert path.read_text() == ""  # a clean release leaves no PID behind
    assert second.acquire() and second.previous is None
    second.release()


def test_run_summary_fails_a_run_when_a_site_fetched_nothing():
    stats = {"run/fetched/a": 3, "pages/unchanged": 2, "failures/http 503": 4}
    ok = run_summary({**stats, "run/fetched/b": 1}, ["a", "b"], "finished")
    assert (ok["status"], ok["pages_fetched"], ok["pages_failed"]) == ("ok", 4, 4)
    dead = run_summary(stats, ["a", "b"], "finished")
    assert dead["status"] == "failed" and dead["detail"] == "site failed entirely: b"
    assert run_summary({}, ["a"], "finished")["detail"] == "fetched nothing"
    assert run_summary(stats, ["a", "b"], "shutdown")["status"] == "interrupted"
    assert "pages_fetched 4" in format_summary({"id": 1, "status": "ok", **ok})


def test_run_outcome_says_why_and_gives_the_documented_exit_status():
    fetched = {"run/fetched/a": 3, "list/report_links": 2}
    cases = [
        ({**fetched}, "ok", 0),
        ({**fetched, "store/errors": 1}, "failed", 1),  # the database refused a batch
        ({"run/fetched/a": 1, "list/script_lists_not_read": 1}, "failed", 1),
        ({**fetched, "list/script_lists_not_read": 1}, "ok", 0),  # reports found anyway
        ({"run/error": "cannot crawl: no site matching x in the registry"}, "failed", 2),
    ]
    for stats, status, code in cases:
        run = run_summary(stats, ["a"], "finished")
        assert (run["status"], exit_code(run["status"], stats)) == (status, code), stats
    assert exit_code("interrupted", {}) == 3


# --- end to end ------------------------------------------------------------------------------


@pytest.mark.e2e
def test_nightly_exits_nonzero_when_a_site_failed_entirely(tmp_path):
    build_portal(tmp_path / "site", ["a"])
    registry = tmp_path / "registry.yaml"
    with FaultServer(tmp_path / "site", {"/down/index.html": Fault.http(503)}) as server:
        registry.write_text(
            "sites:\n"
            f"  - {{name: up, start_urls: ['{server.base_url}/list.html']}}\n"
            f"  - {{name: down, start_urls: ['{server.base_url}/down/index.html']}}\n",
            encoding="utf-8",
        )
        db = tmp_path / "r.db"
        result = run_nightly(db, "-a", f"registry={registry}")
    assert result.returncode == 1, result.stderr[-2000:]
    run = last_run(db)
    assert (run["status"], run["exit_code"], run["sites"]) == ("failed", 1, 2)
    assert run["detail"] == "site failed entirely: down"
    assert "site failed entirely: down" in result.stdout
    assert report_names(db) == {"a.html", "huaian-city-2024.pdf"}  # the good site is stored


@pytest.mark.e2e
def test_nightly_exits_nonzero_when_the_run_fetched_nothing(tmp_path):
    (tmp_path / "site").mkdir()
    with FaultServer(tmp_path / "site", {"/list.html": Fault("reset")}) as server:
        db = tmp_path / "r.db"
        result = run_nightly(db, "-a", f"start_url={server.base_url}/list.html")
    assert result.returncode == 1
    run = last_run(db)
    assert (run["status"], run["detail"], run["pages_failed"]) == ("failed", "fetched nothing", 1)


@pytest.mark.e2e
def test_second_nightly_run_while_first_holds_lock_exits(tmp_path):
    db = tmp_path / "r.db"
    # Slow enough (about 4 s) that the first run still holds the lock when the second
    # one, a new Python process, gets to it.
    with slow_site(tmp_path, 8, Fault("slow", seconds=1.0)) as server:
        start = f"start_url={server.base_url}/list.html"
        first = start_nightly(db, "-a", start)
        try:
            wait_for(lambda: running(db))
            second = run_nightly(db, "-a", start, timeout=60)
            assert second.returncode == 75
            assert f"another run (pid {first.pid}) holds" in second.stderr
            assert value(db, "SELECT count(*) FROM runs") == 1  # the second touched nothing
        finally:
            _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err[-2000:]
    assert last_run(db)["status"] == "ok"


@pytest.mark.e2e
def test_stale_lock_from_killed_run_is_taken_over(tmp_path):
    db = tmp_path / "r.db"
    lock = Path(f"{db}.lock")
    with slow_site(tmp_path, 6) as server:
        start = f"start_url={server.base_url}/list.html"
        first = start_nightly(db, "-a", start)
        wait_for(lambda: running(db))
        kill(first)  # SIGKILL: no cleanup at all; the lock file still names it
        assert lock.read_text().split()[0] == str(first.pid)
        result = run_nightly(db, "-a", start)
    assert result.returncode == 0, result.stderr[-2000:]
    log = db.with_suffix(".log").read_text(encoding="utf-8")
    assert f"took over the lock of run pid {first.pid} (no longer running)" in log
    statuses = [status for (status,) in rows(db, "SELECT status FROM runs ORDER BY id")]
    assert statuses == ["interrupted", "ok"]
    assert lock.read_text() == ""


@pytest.mark.e2e
def test_sigkill_mid_crawl_leaves_consistent_db_and_next_run_finishes(tmp_path):
    db = tmp_path / "r.db"
    count = 16
    with slow_site(tmp_path, count) as server:
        start = f"start_url={server.base_url}/list.html"
        crawl = start_nightly(db, "-a", start, "-s", "REPORTS_DB_BATCH=3")
        wait_for(lambda: value(db, "SELECT count(*) FROM pages WHERE kind = 'report'") >= 4)
        kill(crawl)

        assert integrity(db) == "ok"
        # A page body is stored after what it led to: every stored report page has its
        # report, cells and all.
        assert not rows(
            db,
            "SELECT url FROM pages WHERE kind = 'report' AND url NOT IN (SELECT url FROM reports)",
        )
        done = {url for (url,) in rows(db, "SELECT url FROM pages WHERE kind = 'report'")}
        stored_before = value(db, "SELECT count(*) FROM reports")
        seen = len(server.log)

        result = run_nightly(db, "-a", start)
        assert result.returncode == 0, result.stderr[-2000:]
        again = server.log[seen:]

    assert integrity(db) == "ok"
    assert report_names(db) == {f"p{i:02d}.html" for i in range(count)} | {"huaian-city-2024.pdf"}
    # Every report whole: all copies of the page have as many cells as the first.
    cells = rows(
        db,
        "SELECT count(c.key) FROM reports r LEFT JOIN report_cells c ON c.report_id = r.id"
        " WHERE r.url LIKE '%.html' GROUP BY r.id",
    )
    assert len(set(cells)) == 1 and cells[0][0] > 150
    # Finished work was not redone: pages stored before the kill were only revalidated.
    revalidated = {e["path"] for e in again if e["if_none_match"]}
    assert {url.split("127.0.0.1", 1)[1].split("/", 1)[1] for url in done} <= {
        p.lstrip("/") for p in revalidated
    }
    run = last_run(db)
    assert run["pages_unchanged"] >= len(done)
    assert run["reports_new"] == count + 1 - stored_before
    statuses = [status for (status,) in rows(db, "SELECT status FROM runs ORDER BY id")]
    assert statuses == ["interrupted", "ok"]


@pytest.mark.e2e
def test_sigterm_stops_cleanly_and_jobdir_resumes_the_queue(tmp_path):
    db = tmp_path / "r.db"
    jobdir = tmp_path / "job"
    count = 20
    with slow_site(tmp_path, count) as server:
        args = ("-a", f"start_url={server.base_url}/list.html", "--jobdir", str(jobdir))
        # One request at a time, so that most of the column is still queued at SIGTERM.
        crawl = start_nightly(db, *args, "-s", "CONCURRENT_REQUESTS=1")
        wait_for(lambda: sum(e["path"].startswith("/r/p") for e in server.log) >= 3)
        crawl.send_signal(signal.SIGTERM)
        out, _ = crawl.communicate(timeout=60)
        assert crawl.returncode == 3, out
        assert last_run(db)["status"] == "interrupted"
        assert (jobdir / ".nightly-resumable").exists()
        before = len(server.log)
        done = {url.split("/", 3)[3] for url in report_urls(db)}
        assert len(done) < count

        result = run_nightly(db, *args)
        resumed = {e["path"].lstrip("/") for e in server.log[before:] if "/r/p" in e["path"]}
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resuming the request queue" in db.with_suffix(".log").read_text(encoding="utf-8")
    # The resumed queue asked for what the stopped run had not done, and only that.
    assert resumed == {f"r/p{i:02d}.html" for i in range(count)} - done
    assert report_names(db) == {f"p{i:02d}.html" for i in range(count)} | {"huaian-city-2024.pdf"}
    assert not jobdir.exists()  # a finished run leaves no queue for the next night
