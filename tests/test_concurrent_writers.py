"""Writers that share a database: no lost write, no migration race, a lock that can
neither be dodged through a symlink nor turned against the database (issue 10)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
import time

import pytest

from output.lock import LockError, RunLock, lock_path_for
from output.store import MIGRATIONS
from tests.crawl_helpers import ROOT, env, rows, run_nightly


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_database(path) -> None:
    from output.store import ReportStore

    store = ReportStore(path)
    store.save_failure("http://127.0.0.1/x", "http 503", "kept")
    store.close()


def test_lock_path_equal_to_the_database_is_refused_and_the_database_untouched(tmp_path):
    db = tmp_path / "r.db"
    make_database(db)
    before = digest(db)
    with pytest.raises(LockError, match="is the database itself"):
        RunLock(db, database=db).acquire()
    link = tmp_path / "link.db"
    link.symlink_to(db)
    with pytest.raises(LockError):
        RunLock(link, database=db).acquire()
    assert digest(db) == before


def test_nightly_with_the_database_as_its_lock_exits_2_and_leaves_it_whole(tmp_path):
    db = tmp_path / "r.db"
    make_database(db)
    before = digest(db)
    result = run_nightly(db, "--lock", str(db), "-a", "start_url=http://127.0.0.1:9/")
    assert result.returncode == 2
    assert "is the database itself" in result.stderr and "Traceback" not in result.stderr
    assert digest(db) == before and rows(db, "SELECT reason FROM failures") == [("http 503",)]


def test_a_file_that_is_not_a_lock_file_is_never_truncated(tmp_path):
    precious = tmp_path / "notes.txt"
    precious.write_text("审计 notes, not a lock\n" * 50, encoding="utf-8")
    before = digest(precious)
    with pytest.raises(LockError, match="not a lock file"):
        RunLock(precious).acquire()
    assert digest(precious) == before


def test_a_database_named_through_a_symlink_takes_the_same_lock(tmp_path):
    db = tmp_path / "r.db"
    make_database(db)
    link = tmp_path / "elsewhere.db"
    link.symlink_to(db)
    first, second = RunLock(lock_path_for(db), db), RunLock(lock_path_for(link), link)
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def run_processes(code: str, count: int) -> list[subprocess.CompletedProcess]:
    """`count` Python processes running code at once (released together by a file)."""
    started = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), str(n)],
            cwd=ROOT,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    done = []
    for process in started:
        out, err = process.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def test_processes_opening_a_new_database_at_once_migrate_it_once(tmp_path):
    db = tmp_path / "fresh.db"
    code = f"""
        import sys
        from output.store import ReportStore
        ReportStore({str(db)!r}).close()
    """
    for result in run_processes(code, 6):
        assert result.returncode == 0, result.stderr
    versions = rows(db, "SELECT version FROM schema_migrations ORDER BY version")
    assert versions == [(version,) for version, _, _ in MIGRATIONS]


def test_two_writers_at_once_lose_no_write(tmp_path):
    db = tmp_path / "shared.db"
    make_database(db)
    code = f"""
        import dataclasses
        import sys
        from crawler.items import OutcomeItem, PageItem
        from crawler.storing import write_items
        from output.store import ReportStore
        from parsers import parse_document
        from parsers.model import ParseOutcome
        from demo.faultserver import report_page

        writer = sys.argv[1]
        body = report_page()
        store = ReportStore({str(db)!r})
        template = parse_document(body, "http://127.0.0.1/t.html", "text/html", None)
        for batch in range(10):
            items = []
            for n in range(30):
                url = f"http://127.0.0.1/w{{writer}}/{{batch}}-{{n}}.html"
                # 600 reports, not one under 600 URLs: their own organ and text each.
                report = dataclasses.replace(
                    template.report, url=url, organ=url, body_text=template.report.body_text + url
                )
                items.append(OutcomeItem(ParseOutcome(url, report)))
                items.append(PageItem(url, 200, body, "text/html", "utf-8", "report"))
            written = write_items(store, items)
            assert written["errors"] == 0, written
        store.close()
    """
    for result in run_processes(code, 2):
        assert result.returncode == 0, result.stderr[-2000:]
    assert rows(db, "SELECT count(*) FROM reports") == [(600,)]
    assert rows(db, "SELECT count(*) FROM pages") == [(600,)]


@pytest.mark.e2e
def test_a_plain_crawl_waits_for_the_lock_of_a_run_on_the_same_database(tmp_path):
    from demo.faultserver import FaultServer, build_portal

    build_portal(tmp_path / "site", ["a", "b"])
    db = tmp_path / "r.db"
    make_database(db)
    log = tmp_path / "crawl.log"
    held = RunLock(lock_path_for(db), db)
    assert held.acquire()
    with FaultServer(tmp_path / "site", lifetime=120) as server:
        crawl = subprocess.Popen(
            [
                sys.executable, "-m", "scrapy", "crawl", "annual_reports",
                "-a", f"start_url={server.base_url}/list.html",
                "-s", f"REPORTS_DB={db}", "-s", f"LOG_FILE={log}",
                "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
                "-s", "ATTACHMENTS_POLICY=never",
            ],
            cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            # Wait (on a condition, not a clock) until the crawl says it is waiting.
            for _ in range(600):  # a guard against hanging, not a timing assertion
                if "waiting for run pid" in (log.read_text() if log.exists() else ""):
                    break
                assert crawl.poll() is None, "the crawl ended instead of waiting"
                time.sleep(0.2)
            else:
                pytest.fail("the crawl never said it was waiting for the lock")
            assert rows(db, "SELECT count(*) FROM runs") == [(0,)]  # nothing written yet
            assert server.requests_for("/list.html") == []
        finally:
            held.release()
        assert crawl.wait(timeout=180) == 0
    assert rows(db, "SELECT status FROM runs") == [("ok",)]
    assert rows(db, "SELECT count(*) FROM reports") == [(2,)]
