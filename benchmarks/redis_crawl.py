"""Benchmark: the crawl on Redis with 1, 2 and 4 worker processes, and its one writer.

    .venv/bin/python benchmarks/redis_crawl.py [--pages 2000] [--workers 1,2,4] [--keep DIR]

A synthetic column of --pages report pages (copies of a real report, each attaching
the same real PDF; demo/faultserver.build_portal) is served on 127.0.0.1, and a
redis-server is started in a temporary directory. For each worker count, on a fresh
database and fresh Redis keys:

1. crawl: `python -m crawler.writer` prepares the run and is stopped at once, then N
   `scrapy crawl annual_reports -s REDIS_URL=...` workers crawl the whole column into
   the Redis stream (no writer competing for the CPU): pages/s = pages fetched (all
   workers) / seconds from the first worker's start to the last one's exit;
2. write: the writer is started again and drains the stream into SQLite: rows/s =
   rows written (reports, cells, checks, pages, attachments) / its seconds.

Peak RSS is each process's own (wait4). Politeness is off (loopback, no delay, no
AutoThrottle); CONCURRENT_REQUESTS_PER_DOMAIN is 16 in total, divided among the
workers as crawler.nightly does. Figures are printed with ratios to 1 worker, measured
in this one run; the machine's other load shows in them, so compare within a run.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from crawler.distributed.keys import RunKeys  # noqa: E402
from demo.faultserver import FaultServer, build_portal  # noqa: E402
from demo.redis_server import RedisServer  # noqa: E402

PER_HOST_TOTAL = 16
SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "16",
    "LOG_LEVEL": "INFO",
    "REDIS_STREAM_BACKLOG": "1000000",  # phase 1 keeps everything in the stream
}
TABLES = ("reports", "report_cells", "report_checks", "pages", "attachments")


def wait_rss(process: subprocess.Popen) -> tuple[int, float]:
    """(exit status, peak RSS in MB) of a child, from wait4."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024


def writer_command(url: str, db: Path, log: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.writer", "--redis", url, "--db", str(db),
            "--log", str(log), "--batch", "200"]  # fmt: skip


def one(count: int, url: str, base: str, work: Path) -> dict:
    client = redis.Redis.from_url(url)
    client.flushall()
    db = work / f"w{count}.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    prepare = subprocess.Popen(
        writer_command(url, db, work / f"w{count}.prepare.log"), env=env, stdout=subprocess.DEVNULL
    )
    keys = RunKeys()
    while client.hget(keys.run, "state") != b"running":
        time.sleep(0.05)
    prepare.send_signal(signal.SIGTERM)  # stops before writing anything: the stream is empty
    prepare.wait()

    command = [sys.executable, "-m", "scrapy", "crawl", "annual_reports"]
    command += ["-a", f"start_url={base}/list.html", "-a", "max_pages=1000"]
    settings = {**SETTINGS, "REDIS_URL": url}
    settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = str(max(1, PER_HOST_TOTAL // count))
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    started = time.monotonic()
    workers = [
        subprocess.Popen([*command, "-s", f"LOG_FILE={work}/w{count}.worker{i}.log"], env=env)
        for i in range(count)
    ]
    results = [wait_rss(process) for process in workers]
    crawl_seconds = time.monotonic() - started
    stats = {k.decode(): int(v) for k, v in client.hgetall(keys.stats).items()}
    pages = stats.get("downloader/response_status_count/200", 0)
    entries = client.xlen(keys.items)

    started = time.monotonic()
    writer = subprocess.Popen(writer_command(url, db, work / f"w{count}.writer.log"), env=env,
                              stdout=subprocess.DEVNULL)  # fmt: skip
    writer_status, writer_rss = wait_rss(writer)
    write_seconds = time.monotonic() - started
    conn = sqlite3.connect(db)
    rows = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)
    stored = conn.execute("SELECT count(*) FROM reports WHERE url LIKE '%/r/p%'").fetchone()[0]
    conn.close()
    return {
        "workers": count,
        "worker_status": [status for status, _ in results],
        "writer_status": writer_status,
        "pages": pages,
        "crawl_s": crawl_seconds,
        "pages_per_s": pages / crawl_seconds,
        "entries": entries,
        "rows": rows,
        "write_s": write_seconds,
        "rows_per_s": rows / write_seconds,
        "reports": stored,
        "worker_rss_mb": [rss for _, rss in results],
        "writer_rss_mb": writer_rss,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--keep", help="keep databases and logs here")
    args = parser.parse_args(argv)
    work = Path(args.keep or tempfile.mkdtemp(prefix="redis-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    build_portal(work / "site", [f"p{i:05d}" for i in range(args.pages)])
    results = []
    with RedisServer(work / "redis") as server, FaultServer(work / "site", lifetime=7200) as site:
        for count in (int(n) for n in args.workers.split(",")):
            print(f"{count} worker(s) ...", flush=True)
            results.append(one(count, server.url, site.base_url, work))
    base = results[0]
    print(f"\n{args.pages} report pages on 127.0.0.1, {os.cpu_count()} CPUs\n")
    print(
        f"{'workers':>7} {'pages/s':>8} {'x':>5} {'writer rows/s':>13} {'reports':>7}"
        f" {'worker peak RSS MB':>20} {'writer RSS MB':>13}"
    )
    bad = 0
    for r in results:
        rss = "/".join(f"{v:.0f}" for v in r["worker_rss_mb"])
        ratio = r["pages_per_s"] / base["pages_per_s"]
        print(
            f"{r['workers']:>7} {r['pages_per_s']:>8.1f} {ratio:>5.2f}"
            f" {r['rows_per_s']:>13.0f} {r['reports']:>7} {rss:>20} {r['writer_rss_mb']:>13.0f}"
        )
        bad += r["reports"] != args.pages or any(r["worker_status"]) or r["writer_status"] != 0
    print(f"\nwork directory: {work}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
