"""The cron entry point: one crawl of the registry, never two at once, with a summary.

    python -m crawler.nightly [--db PATH] [--log PATH] [--lock PATH] [--site NAME]
                              [--refresh] [--jobdir DIR] [-a NAME=VALUE] [-s NAME=VALUE] ...
                              [--redis redis://HOST:PORT/DB --workers N]

With --redis, the crawl runs on Redis with N worker processes and one writer
(crawler/distributed/nightly.py); the exit statuses below hold as well.

Runs `scrapy crawl annual_reports` in this process (so that killing this process
kills the crawl, and the lock dies with both), logging to --log. The run's row in
the `runs` table is written as it goes (crawler/runs.py); at the end it gets this
command's exit status, and its summary is printed.

Exit status:
  0   ok
  1   failed: a site failed entirely (nothing of it could be fetched), nothing was
      fetched at all, or the database refused items (storage errors)
  2   the crawl could not run (bad arguments, unknown site, broken registry, a --db
      that is not a usable reports database, a --lock that is the database or not a
      lock file: one line says why, the file is untouched)
  3   interrupted (SIGINT/SIGTERM; the next run continues from what was stored)
  75  another run holds the lock: nothing was done

The lock is an flock() on --lock (default: the database's real path + ".lock", so
a symlink to the database takes the same lock; output/lock.py). The kernel releases
it when its holder dies, however it dies, so a lock left by a killed run is taken
over by the next one; the file holds the holder's PID for humans and logs. A --lock
that is the database itself, or any file that is not a lock file, is refused (exit 2)
and left untouched. Plain `scrapy crawl`, crawler.reparse and `python -m parsers --db`
wait for the same lock.

A run killed outright leaves a consistent database (SQLite in WAL mode, one
transaction per batch of items, a page body stored only after what it led to) and a
runs row saying "running": the next run marks it "interrupted" and goes on. Pages
stored before the kill come back unchanged (304 or the same content hash) and are
not parsed again, so the next run does only what the killed one had not done.

--jobdir keeps Scrapy's request queue on disk (JOBDIR) for very long crawls: a run
stopped by SIGINT/SIGTERM resumes its queue on the next start. A queue left by a
killed run is discarded (Scrapy writes it consistently only on a clean stop), and
so is the queue of a run that finished.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from pathlib import Path

from crawler.runs import (  # noqa: F401  (the exit codes are this command's interface)
    ERROR_STAT,
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    exit_code,
)
from output.lock import LockError, RunLock, lock_path_for
from output.store import RUN_SUMMARY_COLUMNS, DatabaseError, ReportStore, open_store

logger = logging.getLogger("crawler.nightly")
RESUMABLE_MARK = ".nightly-resumable"  # in --jobdir: written only after a clean stop
# The counts of a run's summary line: its row in runs, less the status words.
SUMMARY_FIELDS = tuple(c for c in RUN_SUMMARY_COLUMNS if c not in ("status", "detail"))


def pid_alive(pid: str | None) -> bool:
    try:
        os.kill(int(pid or ""), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.nightly",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", help="the reports database (default: REPORTS_DB setting)")
    parser.add_argument("--log", help="log file, appended to (default: <db dir>/nightly.log)")
    parser.add_argument(
        "--lock", help="lock file (default: <db>.lock, of the database's real path)"
    )
    parser.add_argument("--site", help='registry site(s): "name", "a,b", "demo-*"')
    parser.add_argument("--refresh", action="store_true", help="re-fetch and re-parse all")
    parser.add_argument("--jobdir", help="keep the request queue here (see above)")
    parser.add_argument("--redis", metavar="URL", help="crawl on Redis (crawler/distributed)")
    parser.add_argument("--workers", type=int, default=1, help="with --redis: worker processes")
    parser.add_argument(
        "-a", dest="spider_args", action="append", default=[], metavar="NAME=VALUE",
        help="spider argument, as for scrapy crawl",
    )  # fmt: skip
    parser.add_argument(
        "-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
        help="Scrapy setting, as for scrapy crawl",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.redis and args.jobdir:
        parser.error("--jobdir and --redis exclude each other: the queue is in Redis")
    for option in args.spider_args + args.settings:
        if "=" not in option:
            parser.error(f"expected NAME=VALUE, got {option!r}")
    return args


def crawl_settings(args: argparse.Namespace):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for option in args.settings:
        name, value = option.split("=", 1)
        settings.set(name, value, priority="cmdline")
    if args.db:
        settings.set("REPORTS_DB", args.db, priority="cmdline")
    db = Path(settings.get("REPORTS_DB"))
    log = args.log or settings.get("LOG_FILE") or str(db.parent / "nightly.log")
    settings.set("LOG_FILE", log, priority="cmdline")
    if args.jobdir:
        settings.set("JOBDIR", args.jobdir, priority="cmdline")
    return settings


def spider_arguments(args: argparse.Namespace) -> dict[str, str]:
    spider_args = dict(option.split("=", 1) for option in args.spider_args)
    if args.site:
        spider_args["site"] = args.site
    if args.refresh:
        spider_args["refresh"] = "1"
    return spider_args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = crawl_settings(args)
    db = settings.get("REPORTS_DB")
    try:  # before the lock, whose file sits beside the database
        open_store(db).close()
    except DatabaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    lock = RunLock(args.lock or lock_path_for(db), database=db)
    try:
        acquired = lock.acquire()
    except (LockError, OSError) as error:
        print(f"error: cannot lock: {error}", file=sys.stderr)
        return EXIT_ERROR
    if not acquired:
        print(
            f"another run (pid {lock.holder}) holds {lock.path}; not starting a second one",
            file=sys.stderr,
        )
        return EXIT_LOCKED
    settings.set("RUN_LOCK_HELD", True, priority="cmdline")  # the crawl's own lock: ours
    try:
        if args.redis:
            from crawler.distributed.nightly import run_distributed

            return run_distributed(args, settings, spider_arguments(args))
        return _run(args, settings, lock)
    finally:
        lock.release()


def _run(args: argparse.Namespace, settings, lock: RunLock) -> int:
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(settings)  # sets up logging to LOG_FILE
    db = settings.get("REPORTS_DB")
    logger.info("nightly run, pid %d, database %s", os.getpid(), db)
    if lock.previous and lock.previous != str(os.getpid()):
        state = "still running?!" if pid_alive(lock.previous) else "no longer running"
        logger.warning("took over the lock of run pid %s (%s)", lock.previous, state)
    store = ReportStore(db)
    try:
        stale = store.interrupt_stale_runs()
    finally:
        store.close()
    if stale:
        logger.warning("%d earlier run(s) had died mid-crawl: marked interrupted", stale)
    if args.jobdir:
        _prepare_jobdir(Path(args.jobdir))

    errors: list = []
    crawler = process.create_crawler("annual_reports")
    deferred = process.crawl(crawler, **spider_arguments(args))
    deferred.addErrback(errors.append)
    process.start()

    try:
        run_id = crawler.stats.get_value("run/id")
    except RuntimeError:  # Scrapy sets stats when the crawl starts; this one never did
        run_id = None
    store = ReportStore(db)
    try:
        error = f"{errors[0].type.__name__}: {errors[0].value}" if errors else None
        if run_id is None:  # the spider never opened
            run_id = store.start_run(0)
            status, code = "failed", EXIT_ERROR
        else:
            status = (store.run(run_id) or {}).get("status")
            code = exit_code(status, {ERROR_STAT: crawler.stats.get_value(ERROR_STAT)})
            if error:
                status, code = "failed", EXIT_ERROR
        store.set_run_outcome(run_id, status or "failed", code, error)
        row = store.run(run_id) or {}
    finally:
        store.close()
    if args.jobdir:
        _finish_jobdir(Path(args.jobdir), row.get("status"))
    text = format_summary(row)
    logger.info("%s", text.replace("\n", "; "))
    print(text)
    return code


def _prepare_jobdir(jobdir: Path) -> None:
    mark = jobdir / RESUMABLE_MARK
    if jobdir.exists() and not mark.exists():
        logger.warning("discarding %s: left by a run that did not stop cleanly", jobdir)
        shutil.rmtree(jobdir)
    elif mark.exists():
        logger.info("resuming the request queue in %s", jobdir)
        mark.unlink()  # a kill during this run must not leave it looking resumable


def _finish_jobdir(jobdir: Path, status: str | None) -> None:
    if status == "interrupted" and jobdir.exists():
        (jobdir / RESUMABLE_MARK).touch()
    else:
        shutil.rmtree(jobdir, ignore_errors=True)


def format_summary(row: dict) -> str:
    lines = [
        f"run {row.get('id')}: {row.get('status')} (exit {row.get('exit_code')})"
        f" {row.get('started') or '?'} .. {row.get('ended') or '?'}"
    ]
    lines.append("  " + ", ".join(f"{name} {row.get(name) or 0}" for name in SUMMARY_FIELDS))
    if row.get("detail"):
        lines.append(f"  {row['detail']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
