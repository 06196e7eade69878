"""Running `python -m crawler.nightly` from tests, and reading what it stored."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Local and tiny: politeness delays would only slow the tests; timeouts are short so
# that stalls and retries cost seconds, not minutes.
FAST = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=0",
    "-s", "DOWNLOAD_TIMEOUT=1.5",
    "-s", "RETRY_TIMES=1",
    "-s", "LOG_LEVEL=INFO",
]  # fmt: skip


def nightly_command(db: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "crawler.nightly",
        "--db", str(db), "--log", str(db.with_suffix(".log")),
        *FAST, *args,
    ]  # fmt: skip


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def run_nightly(db: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run one nightly crawl to its end; the log is beside the database (.log)."""
    return subprocess.run(
        nightly_command(db, *args),
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_nightly(db: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        nightly_command(db, *args),
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def crawl_served_site(site: Path, start_path: str, db: Path) -> subprocess.CompletedProcess:
    """Serve the folder `site` on 127.0.0.1 and run a real `scrapy crawl annual_reports`
    from `start_path` into `db`, politeness off; the server stops afterwards."""
    from demo.server import serve

    server, base = serve(site, "127.0.0.1", port=0)
    command = [sys.executable, "-m", "scrapy", "crawl", "annual_reports", "-a"]
    command += [f"start_url={base.rstrip('/')}/{start_path.lstrip('/')}", "-s", f"REPORTS_DB={db}"]
    command += ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"]
    try:
        return subprocess.run(
            command, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=900
        )
    finally:
        server.shutdown()
        server.server_close()


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def value(db: Path, sql: str, params: tuple = ()):
    return rows(db, sql, params)[0][0]


def last_run(db: Path) -> dict:
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone())
    finally:
        conn.close()


def failure_reasons(db: Path) -> dict[str, str]:
    """{last path segment: reason} of the failures table."""
    return {
        url.rsplit("/", 1)[1]: reason
        for url, reason in rows(db, "SELECT url, reason FROM failures")
    }


def report_names(db: Path) -> set[str]:
    return {url.rsplit("/", 1)[1] for (url,) in rows(db, "SELECT url FROM reports")}


def integrity(db: Path) -> str:
    return value(db, "PRAGMA integrity_check")


def last_stats(db: Path) -> dict:
    from output.store import ReportStore

    store = ReportStore(db)
    try:
        return store.last_run_stats() or {}
    finally:
        store.close()
