"""The crawl on Redis: workers and one writer, against a real redis-server on 127.0.0.1.

Each test starts its own redis-server (free port, temporary directory) and stops it.
Pages are served by demo/server.py (the demo portal) or demo/faultserver.py.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from crawler.distributed.keys import RunKeys
from crawler.distributed.stream import encode, ensure_group
from crawler.failures import STORAGE_ERROR
from crawler.items import FailureItem, PageItem, SkippedItem
from crawler.writer import UNWRITABLE, Writer
from demo.faultserver import Fault, FaultServer, build_portal
from demo.redis_server import RedisServer
from output.store import ReportStore
from tests.crawl_helpers import FAST, ROOT, env, last_run, rows, run_nightly, start_nightly, value

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="redis-server is not installed (make install installs it when run as root)",
    ),
]

DEMO_PORTAL = ROOT / "demo" / "portal"
SLOW = Fault("slow", seconds=0.4)
# Slow pages on a busy machine must not time out: these tests are about losing nothing.
PATIENT = ["-s", "DOWNLOAD_TIMEOUT=20", "-s", "RETRY_TIMES=3"]


@pytest.fixture()
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


def wait_for(condition, timeout: float = 90.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = condition()
        except Exception:  # the database or key may not exist yet
            result = None
        if result:
            return result
        time.sleep(step)
    raise AssertionError("timed out waiting")


def reports(db: Path) -> dict[str, int]:
    """{report url path: number of cells}."""
    found = rows(
        db,
        "SELECT r.url, count(c.key) FROM reports r"
        " LEFT JOIN report_cells c ON c.report_id = r.id GROUP BY r.url",
    )
    return {url.split("/", 3)[3]: count for url, count in found}


def cells(db: Path) -> set[tuple]:
    found = rows(
        db, "SELECT r.url, c.key, c.value FROM reports r JOIN report_cells c ON c.report_id = r.id"
    )
    return {(url.split("/", 3)[3], key, val) for url, key, val in found}


def assert_each_once(db: Path) -> None:
    assert value(db, "SELECT count(*) - count(DISTINCT url) FROM reports") == 0
    assert value(db, "SELECT count(*) - count(DISTINCT url) FROM pages") == 0
    assert value(db, "PRAGMA integrity_check") == "ok"


def worker(redis_url: str, log: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "scrapy", "crawl", "annual_reports"]
    command += ["-s", f"REDIS_URL={redis_url}", *FAST, *PATIENT, "-s", f"LOG_FILE={log}", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env(), stderr=subprocess.PIPE, text=True)


def writer(redis_url: str, db: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "crawler.writer", "--redis", redis_url, "--db", str(db)]
    command += ["--log", str(db.with_suffix(".writer.log")), *args]
    return subprocess.Popen(
        command, cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def slow_column(tmp_path: Path, count: int) -> FaultServer:
    paths = build_portal(tmp_path / "site", [f"p{i:02d}" for i in range(count)])
    return FaultServer(tmp_path / "site", {p: SLOW for p in paths.values()}, lifetime=300)


# --- the demo portal: the same database as one process ---------------------------------------


def test_two_workers_and_a_writer_store_what_one_process_stores(redis_server, tmp_path):
    if not DEMO_PORTAL.is_dir():
        pytest.skip("demo/portal is not built")
    from demo.server import serve

    server, base = serve(DEMO_PORTAL, "127.0.0.1", port=0)
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    args = ["-a", "site=demo-*", "-a", f"demo_base={base.rstrip('/')}"]
    on_redis = ["--redis", redis_server.url, "--workers", "2", *args]
    try:
        single = run_nightly(one, *args, timeout=300)
        assert single.returncode == 0, single.stderr[-2000:]
        spread = run_nightly(two, *on_redis, timeout=300)
        assert spread.returncode == 0, spread.stderr[-3000:] + spread.stdout
        first = last_run(two)
        # A second run over the unchanged portal parses nothing again.
        again = run_nightly(two, *on_redis, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:] + again.stdout
        second = last_run(two)
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in spread.stderr
    assert reports(two) == reports(one) and len(reports(one)) >= 5
    assert cells(two) == cells(one)
    assert_each_once(two)
    assert (first["status"], first["exit_code"]) == ("ok", 0)
    assert first["reports_new"] == len(reports(one))
    workers = list(tmp_path.glob("two.worker*.log"))
    assert len(workers) == 2
    for log in workers:
        assert "Traceback" not in log.read_text()
    assert (second["status"], second["reports_new"], second["reports_updated"]) == ("ok", 0, 0)
    assert second["pages_unchanged"] >= len(reports(one))
    assert reports(two) == reports(one)


# --- kills -----------------------------------------------------------------------------------


def test_a_worker_killed_mid_crawl_loses_nothing(redis_server, tmp_path):
    db = tmp_path / "r.db"
    client = redis.Redis.from_url(redis_server.url)
    keys = RunKeys()
    with slow_column(tmp_path, 24) as site:
        start = ["-a", f"start_url={site.base_url}/list.html"]
        write = writer(redis_server.url, db)
        wait_for(lambda: client.hget(keys.run, "state") == b"running")
        first = worker(redis_server.url, tmp_path / "w1.log", *start)
        second = worker(redis_server.url, tmp_path / "w2.log", *start)
        workers = {first: None, second: None}

        def busy_worker():
            for name in client.smembers(keys.workers):
                if client.hlen(keys.inflight(name.decode())):
                    pid = int(name.decode().split(":")[1])
                    return next((p for p in workers if p.pid == pid), None)
            return None

        wait_for(lambda: value(db, "SELECT count(*) FROM reports") >= 3)
        victim = wait_for(busy_worker)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        survivor = second if victim is first else first
        survivor.wait(timeout=240)
        out, err = write.communicate(timeout=120)
    assert survivor.returncode == 0, survivor.stderr.read()[-2000:]
    assert write.returncode == 0, err[-2000:] + out
    names = {url.rsplit("/", 1)[1] for url in reports(db)}
    assert {f"p{i:02d}.html" for i in range(24)} <= names
    assert all(count > 0 for count in reports(db).values())
    assert_each_once(db)
    assert "requeued" in (tmp_path / f"w{1 if survivor is first else 2}.log").read_text()
    assert last_run(db)["status"] == "ok"


def test_a_killed_writer_restarted_writes_the_rest(redis_server, tmp_path):
    db = tmp_path / "r.db"
    client = redis.Redis.from_url(redis_server.url)
    with slow_column(tmp_path, 16) as site:
        first_writer = writer(redis_server.url, db, "--batch", "1")
        wait_for(lambda: client.hget(RunKeys().run, "state") == b"running")
        crawl = worker(
            redis_server.url, tmp_path / "w.log", "-a", f"start_url={site.base_url}/list.html"
        )
        wait_for(lambda: value(db, "SELECT count(*) FROM reports") >= 2)
        first_writer.send_signal(signal.SIGKILL)
        first_writer.wait(timeout=30)
        crawl.wait(timeout=240)
        assert crawl.returncode == 0
        assert client.xlen(RunKeys().items) > 0  # what came after the kill waits in Redis
        out, err = writer(redis_server.url, db).communicate(timeout=120)
    assert "ok (exit 0)" in out, err[-2000:] + out
    names = {url.rsplit("/", 1)[1] for url in reports(db)}
    assert {f"p{i:02d}.html" for i in range(16)} | {"huaian-city-2024.pdf"} == names
    assert_each_once(db)
    assert client.xlen(RunKeys().items) == 0


def test_a_poison_entry_is_recorded_and_skipped(redis_server, tmp_path):
    client = redis.Redis.from_url(redis_server.url)
    keys = RunKeys("poison-test")
    ensure_group(client, keys.items)
    client.xadd(keys.items, {b"item": b"not a pickle"})
    client.xadd(keys.items, {b"item": encode(FailureItem("http://a.example/x", "http 503"))})
    unwritable = PageItem("http://a.example/y", 200, None, "text/html", None, "report")
    client.xadd(keys.items, {b"item": encode(unwritable)})
    client.xadd(keys.items, {b"item": encode(SkippedItem("http://a.example/z", "t", "notice"))})
    client.hset(keys.run, mapping={"stop": "1"})
    store = ReportStore(tmp_path / "p.db")
    try:
        Writer(client, keys, store, batch=10).drain()
    finally:
        store.close()
    db = tmp_path / "p.db"
    failures = dict(rows(db, "SELECT url, reason FROM failures"))
    assert failures["http://a.example/x"] == "http 503"  # the good ones are written
    assert ("http://a.example/z",) in rows(db, "SELECT url FROM skipped")
    # An entry that cannot be decoded is the writer's to record; an item the database
    # refuses is isolated in its savepoint by write_items, like in a one-process crawl.
    poisoned = [url for url, reason in failures.items() if reason == UNWRITABLE]
    assert len(poisoned) == 1 and poisoned[0].startswith("redis-stream:")
    assert failures["http://a.example/y"] == STORAGE_ERROR
    assert client.xlen(keys.items) == 0  # acknowledged and gone, nothing blocks


# --- Redis itself ----------------------------------------------------------------------------


def test_redis_unreachable_at_start_is_one_line_and_exit_2(tmp_path):
    from demo.redis_server import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    db = tmp_path / "r.db"
    result = run_nightly(
        db, "--redis", url, "--workers", "2", "-a", "start_url=http://127.0.0.1:9/"
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"cannot reach Redis at {url}")
    assert "Traceback" not in result.stderr
    assert (last_run(db)["status"], last_run(db)["exit_code"]) == ("failed", 2)

    out = writer(url, tmp_path / "w.db").communicate(timeout=60)
    assert "cannot reach Redis" in out[1] and "Traceback" not in out[1]

    log = tmp_path / "worker.log"
    lone = worker(url, log, "-a", "start_url=http://127.0.0.1:9/")
    lone.communicate(timeout=120)
    text = log.read_text()
    assert "cannot reach Redis" in text and "redis_unreachable" in text
    assert "Traceback" not in text


def test_redis_lost_mid_run_stops_workers_and_the_next_run_resumes(redis_server, tmp_path):
    db = tmp_path / "r.db"
    with slow_column(tmp_path, 24) as site:
        args = ["--redis", redis_server.url, "--workers", "2", *PATIENT]
        args += ["-a", f"start_url={site.base_url}/list.html"]
        nightly = start_nightly(db, *args)
        wait_for(lambda: value(db, "SELECT count(*) FROM reports") >= 3)
        redis_server.stop()
        out, err = nightly.communicate(timeout=120)
        assert nightly.returncode == 3, err[-2000:] + out
        assert "interrupted" in out
        for log in tmp_path.glob("r.worker*.log"):
            text = log.read_text()
            assert "lost Redis" in text
        stored = value(db, "SELECT count(*) FROM reports")
        assert stored < 25

        redis_server.start()  # the same data: the run resumes where it stopped
        result = run_nightly(db, *args, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:] + result.stdout
    names = {url.rsplit("/", 1)[1] for url in reports(db)}
    assert {f"p{i:02d}.html" for i in range(24)} <= names
    assert_each_once(db)
    assert "resumed" in (tmp_path / "r.log").read_text()
