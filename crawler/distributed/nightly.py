"""`python -m crawler.nightly --redis redis://HOST:PORT/DB --workers N [--db] [-a ...]`.

The nightly run on Redis, on one machine (more workers may join from others with
`scrapy crawl annual_reports -s REDIS_URL=...`):

1. Redis is checked (unreachable: one line, exit 2, a failed runs row); the run is
   prepared in Redis: a fresh one gets the database's index and the spider
   arguments, an unfinished one (killed, SIGTERM, Redis lost) is resumed.
2. The writer (`python -m crawler.writer --child`) and N workers (`scrapy crawl
   annual_reports -s REDIS_URL=...`, logs beside --log as .worker<i>.log) start;
   CONCURRENT_REQUESTS_PER_DOMAIN is divided among the workers.
3. When every worker has exited, the writer drains the stream and exits.
4. The runs row gets the summed stats of workers and writer, the status and exit
   code as for a one-process run (crawler.nightly), and the summary is printed.

SIGINT/SIGTERM stop the workers (Scrapy's clean shutdown), let the writer write
what they sent, and exit 3; the next run resumes the queue.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from crawler.distributed import run as redis_run
from crawler.distributed.keys import (
    DEFAULT_PREFIX,
    RedisUnavailable,
    RunKeys,
    connect,
    run_complete,
)
from crawler.runs import run_summary
from output.store import ReportStore

logger = logging.getLogger("crawler.nightly")

POLL_SECONDS = 0.5


def run_distributed(args, settings, spider_args: dict) -> int:
    from crawler.nightly import EXIT_CODES, EXIT_ERROR, format_summary

    db, log = settings.get("REPORTS_DB"), settings.get("LOG_FILE")
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=log, level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s"
    )
    keys = RunKeys(settings.get("REDIS_KEY_PREFIX") or DEFAULT_PREFIX)
    store = ReportStore(db)
    try:
        stale = store.interrupt_stale_runs()
        if stale:
            logger.warning("%d earlier run(s) had died mid-crawl: marked interrupted", stale)
        try:
            client = connect(args.redis)
            run_id, resumed = redis_run.prepare_run(client, keys, store, spider_args)
        except (RedisUnavailable, redis.RedisError) as error:
            message = str(error)
            print(message, file=sys.stderr)
            logger.error("%s", message)
            run_id = store.start_run(0)
            store.set_run_outcome(run_id, "failed", EXIT_ERROR, message)
            print(format_summary(store.run(run_id) or {}))
            return EXIT_ERROR
    finally:
        store.close()
    state = "resumed" if resumed else "new"
    logger.info("distributed run %s (%s) on %s", run_id, state, args.redis)

    outcome = _supervise(args, settings, keys, db, log)
    store = ReportStore(db)
    try:
        try:
            stats = redis_run.merged_stats(client, keys)
            sites = redis_run.run_sites(client, keys)
            reasons = redis_run.worker_reasons(client, keys)
            complete = run_complete(client, keys)
        except redis.RedisError as error:
            stats, sites, reasons, complete = {}, [], {}, False
            outcome = outcome or f"lost Redis: {error}"
        lost = [w for w, reason in reasons.items() if reason.startswith("redis_")]
        if lost and not outcome:
            outcome = f"lost Redis ({len(lost)} worker(s) stopped); the next run resumes"
        reason = "shutdown" if outcome or not complete else "finished"
        summary = run_summary(stats, sites, reason)
        if reason == "shutdown":
            summary["detail"] = outcome or "the workers exited before the run was over"
        store.finish_run(run_id, summary, stats)
        code = EXIT_CODES.get(summary["status"], EXIT_ERROR)
        store.set_run_outcome(run_id, summary["status"], code, summary["detail"])
        if complete and not outcome:
            redis_run.finish_run(client, keys)
        row = store.run(run_id) or {}
    finally:
        store.close()
    text = format_summary(row)
    logger.info("%s", text.replace("\n", "; "))
    print(text)
    return code


def _supervise(args, settings, keys: RunKeys, db: str, log: str) -> str | None:
    """Start the writer and the workers, wait for them; why the run stopped early, if it did."""
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    prefix = ["-s", f"REDIS_KEY_PREFIX={keys.prefix}"]
    writer = subprocess.Popen(
        [sys.executable, "-m", "crawler.writer", "--redis", args.redis, "--db", db,
         "--log", log, "--child", "--prefix", keys.prefix],
        env=env,
    )  # fmt: skip
    workers = [
        subprocess.Popen(_worker_command(args, settings, prefix, log, number), env=env)
        for number in range(1, args.workers + 1)
    ]
    stopped: list[str] = []

    def stop(signum, frame):
        stopped.append(signal.Signals(signum).name)
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while any(process.poll() is None for process in workers):
            time.sleep(POLL_SECONDS)
        codes = [process.returncode for process in workers]
        logger.info("workers exited: %s", codes)
        try:
            connect(args.redis).hset(keys.run, "stop", "1")  # the writer drains, then exits
        except (RedisUnavailable, redis.RedisError) as error:
            writer.send_signal(signal.SIGTERM)
            writer.wait()
            return f"lost Redis: {error}"
        writer.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stopped:
        return f"stopped by {stopped[0]}; the next run resumes"
    if writer.returncode:
        return f"the writer exited with status {writer.returncode}"
    return None


def _worker_command(args, settings, prefix: list[str], log: str, number: int) -> list[str]:
    per_host = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2) // args.workers)
    command = [sys.executable, "-m", "scrapy", "crawl", "annual_reports"]
    for option in args.settings:
        command += ["-s", option]
    command += ["-s", f"REDIS_URL={args.redis}", *prefix]
    command += ["-s", f"LOG_FILE={Path(log).with_suffix('')}.worker{number}.log"]
    command += ["-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={per_host}"]
    return command
