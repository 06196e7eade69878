"""Soak: nightly crawls through a portal that fails at a rate, killed now and then.

    .venv/bin/python benchmarks/soak.py [--pages 200] [--fault-rate 0.2] [--kill-every 0]
                                        [--seed 1] [--max-seconds 900] [--keep DIR]

A column of --pages report pages (copies of a real report, each attaching a real PDF;
demo/faultserver.build_portal) is served on 127.0.0.1 by demo/faultserver.py.

1. A clean run (no faults) gives the reference: which reports exist, with how many cells.
2. Faulty runs: every request meets a fault with probability --fault-rate (5xx with
   and without Retry-After, timeouts, slow bodies, resets, truncated and empty
   bodies). With --kill-every S, the first --kills runs are SIGKILLed after S seconds
   (and the database checked); then runs go on, without kills, until one has
   finished and nothing is missing, or --max-runs is reached.

Printed: pages, requests and faults served, retries and failures by reason (of the
runs that finished), reports stored against the clean run, reports lost (must be 0),
reports that got worse between two runs (must be 0), duplicate and orphan rows (must
be 0), PRAGMA integrity_check after every kill and at the end. Figures, not asserts;
the exit status is 1 when any must-be-0 figure is not. Bounded by --max-seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo.faultserver import FaultServer, build_portal  # noqa: E402

# Faults are meant to be met: short timeouts, Scrapy's usual retries, no politeness delay.
SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "3",
    "RETRY_AFTER_MAX": "2",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
    "REPORTS_DB_BATCH": "20",
    "LOG_LEVEL": "INFO",
}
# Tables whose primary keys should make duplicates impossible; checked all the same.
KEYS = {
    "reports": "url",
    "report_cells": "report_id, key",
    "report_checks": "report_id, name",
    "pages": "url",
    "attachments": "page_url, attachment_url",
    "failures": "url",
}


def nightly(db: Path, base_url: str, log: Path) -> list[str]:
    command = [sys.executable, "-m", "crawler.nightly", "--db", str(db), "--log", str(log)]
    command += ["-a", f"start_url={base_url}/list.html", "-a", "max_pages=1000"]
    for name, value in SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    return command


def run(db: Path, server: FaultServer, log: Path, kill_after: float | None, deadline: float):
    """One nightly run; (exit status or None when killed, seconds)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    process = subprocess.Popen(
        nightly(db, server.base_url, log),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    limit = max(1.0, deadline - start)
    if kill_after is not None:
        limit = min(limit, kill_after)
    try:
        code = process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        code = None
    return code, time.monotonic() - start


def query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def reports(db: Path) -> dict[str, int]:
    """{path: cells} of the stored reports (the port differs between servers)."""
    sql = (
        "SELECT r.url, count(c.key) FROM reports r"
        " LEFT JOIN report_cells c ON c.report_id = r.id GROUP BY r.url"
    )
    return {url.split("/", 3)[3]: cells for url, cells in query(db, sql)}


def duplicates(db: Path) -> int:
    total = 0
    for table, key in KEYS.items():
        sql = f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1)"
        total += query(db, sql)[0][0]
    return total


def orphans(db: Path) -> int:
    sql = "SELECT count(*) FROM {} WHERE report_id NOT IN (SELECT id FROM reports)"
    return sum(query(db, sql.format(table))[0][0] for table in ("report_cells", "report_checks"))


def integrity(db: Path) -> str:
    return query(db, "PRAGMA integrity_check")[0][0]


def finished_run_stats(db: Path) -> list[dict]:
    rows = query(db, "SELECT stats_json FROM runs WHERE stats_json IS NOT NULL ORDER BY id")
    return [json.loads(stats) for (stats,) in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="report pages in the column")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--kill-every", type=float, default=0, help="SIGKILL after S seconds")
    parser.add_argument("--kills", type=int, default=3, help="how many runs to kill")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-runs", type=int, default=12, help="faulty runs at most")
    parser.add_argument("--max-seconds", type=float, default=900, help="the whole soak")
    parser.add_argument("--keep", type=Path, help="keep the databases and logs here")
    args = parser.parse_args(argv)
    began = time.monotonic()
    deadline = began + args.max_seconds

    work = args.keep or Path(tempfile.mkdtemp(prefix="soak-"))
    work.mkdir(parents=True, exist_ok=True)
    site = work / "site"
    build_portal(site, [f"p{i:05d}" for i in range(args.pages)])
    kill = f", {args.kills} runs SIGKILLed after {args.kill_every:g} s" if args.kill_every else ""
    print(
        f"soak: {args.pages} report pages, fault rate {args.fault_rate:g}{kill}, seed {args.seed}"
    )
    print(f"work dir: {work}")

    clean_db = work / "clean.db"
    with FaultServer(site, lifetime=args.max_seconds) as server:
        code, seconds = run(clean_db, server, work / "clean.log", None, deadline)
    reference = reports(clean_db)
    cells = sum(reference.values())
    print(f"clean run: exit {code}, {len(reference)} reports, {cells} cells, {seconds:.1f} s")

    db = work / "faulty.db"
    kills, runs, problems = 0, 0, []
    worse: set[str] = set()
    kill_integrity: Counter = Counter()
    previous: dict[str, int] = {}
    faulty_began = time.monotonic()
    with FaultServer(site, rate=args.fault_rate, seed=args.seed, lifetime=args.max_seconds) as s:
        finished_once = False
        while runs < args.max_runs and time.monotonic() < deadline:
            killing = args.kill_every and kills < args.kills and not finished_once
            kill_after = args.kill_every if killing else None
            code, seconds = run(db, s, work / "faulty.log", kill_after, deadline)
            runs += 1
            if code is None:
                kills += 1
                kill_integrity[integrity(db)] += 1
            else:
                finished_once = True
            now = reports(db)
            # A report stored by an earlier run must never vanish or lose cells.
            worse |= {path for path, n in previous.items() if now.get(path, -1) < n}
            previous = now
            state = "killed" if code is None else f"exit {code}"
            print(f"  run {runs}: {state} after {seconds:.1f} s, {len(now)} reports")
            if finished_once and set(reference) <= set(now):
                break
        served, injected = len(s.log), dict(sorted(s.injected.items()))
    elapsed = time.monotonic() - faulty_began

    stats = finished_run_stats(db)
    retries = sum(run_stats.get("retry/count", 0) for run_stats in stats)
    failures: Counter = Counter()
    for run_stats in stats:
        for key, count in run_stats.items():
            if key.startswith("failures/"):
                failures[key.split("/", 1)[1]] += count
    stored = reports(db)
    lost = sorted(set(reference) - set(stored))
    fewer = sorted(p for p in reference if p in stored and stored[p] < reference[p])
    dup, orph, check = duplicates(db), orphans(db), integrity(db)

    print(f"faulty runs: {runs} ({kills} killed), {elapsed:.1f} s")
    print(f"pages: {args.pages} report pages + list pages + 1 attachment")
    print(f"requests served: {served}; faults injected: {injected}")
    print(f"retries (runs that finished): {retries}")
    print(f"failures by reason (runs that finished): {dict(sorted(failures.items()))}")
    table = dict(query(db, "SELECT reason, count(*) FROM failures GROUP BY reason"))
    print(f"failures table now: {table}")
    print(f"reports stored: {len(stored)} / {len(reference)} of the clean run")
    print(f"reports lost: {len(lost)} {lost[:5] if lost else ''}")
    print(f"reports with fewer cells than the clean run: {len(fewer)}")
    print(f"reports that got worse between runs: {len(worse)}")
    print(f"duplicate rows: {dup}; orphan rows: {orph}")
    after_kills = dict(kill_integrity) if kills else "no kills"
    print(f"integrity_check: {check} (after each kill: {after_kills})")
    print(f"total {time.monotonic() - began:.1f} s")
    if lost or fewer or worse or dup or orph or check != "ok" or set(kill_integrity) - {"ok"}:
        problems.append("data lost or damaged")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
