"""The one writer of a distributed run: drains the Redis item stream into the database.

    python -m crawler.writer --redis redis://HOST:PORT/DB --db PATH [--log PATH] [--batch N]

Workers (`scrapy crawl annual_reports -s REDIS_URL=...`) never open SQLite: their
items and page bodies go to a Redis stream, and this process writes them in
batches, one transaction a batch, with the rules of a one-process crawl
(crawler.storing.write_items: upserts, attachments, pages, failures; and
KeepBetterReportPipeline: a stored report is never replaced by a worse parse).
Entries are acknowledged (and deleted from Redis) only after their batch has
committed: a writer killed at any point loses nothing, and its restart writes
what was left (a batch written twice is upserted twice, and stored once).

An entry that cannot be decoded or written (a poison item) is recorded in the
failures table ("unwritable item") and acknowledged, so it never blocks the rest.

Started alone (a cluster by hand), the writer prepares the run in Redis when none
is running (loading what the database knows for the workers' incremental checks),
and writes the run's row and summary when the run is over. It stops when the run
is complete (seeded, nothing queued or in flight) and the stream is drained.

Exit status: 0 ok, 1 the run failed (see the summary), 2 cannot run (Redis
unreachable, bad arguments), 3 interrupted (SIGINT/SIGTERM, Redis lost: restart it
to go on), 75 another writer holds <db>.writer.lock.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections import Counter

import redis
from scrapy.exceptions import DropItem

from crawler.distributed import run as redis_run
from crawler.distributed.keys import (
    DEFAULT_PREFIX,
    RedisUnavailable,
    RunKeys,
    connect,
    live_workers,
    run_complete,
    run_field,
)
from crawler.distributed.stream import FIELD, GROUP, decode, ensure_group
from crawler.nightly import (
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    RunLock,
    format_summary,
)
from crawler.pipelines import KeepBetterReportPipeline
from crawler.runs import run_summary
from crawler.storing import write_items
from output.store import ReportStore

logger = logging.getLogger("crawler.writer")

UNWRITABLE = "unwritable item"  # failures.reason of a poison stream entry
CONSUMER = "writer"  # one writer per run: its pending entries are its own on restart
BLOCK_MS = 1000


class RedisStats:
    """The inc_value of Scrapy's stats, into the run's stats hash in Redis."""

    def __init__(self, client: redis.Redis, keys: RunKeys):
        self.client, self.key = client, keys.stats

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.client.hincrby(self.key, key, count)


class RedisSet:
    """A set in Redis with `in` and add(): KeepBetterReportPipeline's kept URLs, kept
    across writer restarts (its PageItem may come in a later batch than its outcome)."""

    def __init__(self, client: redis.Redis, key: str):
        self.client, self.key = client, key

    def __contains__(self, value) -> bool:
        return bool(value) and bool(self.client.sismember(self.key, value))

    def add(self, value) -> None:
        self.client.sadd(self.key, value)


def item_url(item) -> str | None:
    outcome = getattr(item, "outcome", None)
    return (
        getattr(item, "url", None)
        or getattr(item, "attachment_url", None)
        or getattr(outcome, "url", None)
    )


class Writer:
    def __init__(self, client: redis.Redis, keys: RunKeys, store: ReportStore, batch: int):
        self.client, self.keys, self.store, self.batch = client, keys, store, max(1, batch)
        self.stats = RedisStats(client, keys)
        self.keep_better = KeepBetterReportPipeline(store.path, self.stats)
        self.keep_better.store = store
        self.keep_better.kept = RedisSet(client, keys.kept)
        self.stopping = False
        self.written = Counter()

    def drain(self, until_done: bool = True) -> None:
        """Write entries until the run is over and the stream is empty (or a stop)."""
        ensure_group(self.client, self.keys.items)
        backlog = True  # first the entries this consumer read before a restart
        while not self.stopping:
            start = "0" if backlog else ">"
            block = None if backlog else BLOCK_MS
            answer = self.client.xreadgroup(
                GROUP, CONSUMER, {self.keys.items: start}, count=self.batch, block=block
            )
            entries = answer[0][1] if answer else []
            if backlog and not entries:
                backlog = False
                continue
            if entries:
                self.write(entries)
            elif not until_done or self.run_over():
                return

    def run_over(self) -> bool:
        if self.client.xlen(self.keys.items):
            return False
        if run_field(self.client, self.keys, "stop") == "1":
            return True
        return run_complete(self.client, self.keys) and not live_workers(self.client, self.keys)

    def write(self, entries: list) -> None:
        ids = [entry_id for entry_id, _ in entries]
        poison: list[tuple[str | None, str]] = []
        items = []
        for entry_id, fields in entries:
            try:
                item = decode(fields[FIELD])
                item = self.keep_better.process_item(item)
            except DropItem:
                continue
            except Exception as error:  # a poison entry: recorded, never blocks the rest
                poison.append((f"redis-stream:{_text(entry_id)}", f"undecodable: {error!r}"))
                continue
            items.append(item)
        try:
            written = write_items(self.store, items)
        except Exception:
            logger.warning("a batch of %d failed; writing its items one by one", len(items))
            written = Counter()
            for item in items:
                try:
                    written += write_items(self.store, [item])
                except Exception as error:
                    poison.append((item_url(item), f"{type(item).__name__}: {error!r}"))
        for url, detail in poison:
            logger.error("%s: %s (%s)", UNWRITABLE, url, detail)
            with self.store.transaction():
                self.store.save_failure(url or "redis-stream:?", UNWRITABLE, detail[:500])
            self.stats.inc_value(f"failures/{UNWRITABLE}")
        # Committed: only now may Redis forget the entries.
        pipe = self.client.pipeline()
        pipe.xack(self.keys.items, GROUP, *ids)
        pipe.xdel(self.keys.items, *ids)
        pipe.hincrby(self.keys.stats, "store/batches", 1)
        pipe.hincrby(self.keys.stats, "store/items", len(items))
        for key in ("new", "updated", "aliases"):
            if written[key]:
                pipe.hincrby(self.keys.stats, f"store/reports_{key}", written[key])
        pipe.execute()
        self.written += written
        self.written["entries"] += len(ids)


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m crawler.writer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--redis", required=True, help="redis://HOST:PORT/DB")
    parser.add_argument("--db", required=True, help="the reports database")
    parser.add_argument("--log", help="log file, appended to (default: stderr)")
    parser.add_argument("--batch", type=int, default=200, help="entries per transaction")
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="Redis key prefix of the run")
    # crawler.nightly runs the writer with --child: the run's row and summary are its own.
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        filename=args.log,
        level=logging.INFO,
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
    )
    try:
        client = connect(args.redis)
    except RedisUnavailable as error:
        print(error, file=sys.stderr)
        return EXIT_ERROR
    lock = RunLock(f"{args.db}.writer.lock")
    if not lock.acquire():
        print(f"another writer (pid {lock.holder}) holds {lock.path}", file=sys.stderr)
        return EXIT_LOCKED
    keys = RunKeys(args.prefix)
    store = ReportStore(args.db)
    writer = Writer(client, keys, store, args.batch)

    def stop(signum, frame):
        writer.stopping = True  # after the current batch, never inside a transaction

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    run_id = None
    try:
        if not args.child:
            run_id, _ = redis_run.prepare_run(client, keys, store, None)
        logger.info("writer for %s on %s, database %s", keys.prefix, args.redis, args.db)
        writer.drain()
        interrupted = writer.stopping
    except redis.RedisError as error:
        logger.error("lost Redis: %s", error)
        print(f"lost Redis at {args.redis}: {error}; restart the writer to go on", file=sys.stderr)
        interrupted = True
    finally:
        lock.release()
    logger.info("writer wrote %s", dict(writer.written))
    try:
        if run_id is None:
            return EXIT_INTERRUPTED if interrupted else 0
        return finish_standalone(client, keys, store, run_id, interrupted)
    finally:
        store.close()


def finish_standalone(client, keys, store: ReportStore, run_id: int, interrupted: bool) -> int:
    """The run's row and summary, when the writer was started alone."""
    try:
        stats = redis_run.merged_stats(client, keys)
        sites = redis_run.run_sites(client, keys)
        complete = not interrupted and run_complete(client, keys)
        if complete:
            redis_run.finish_run(client, keys)
    except redis.RedisError:
        stats, sites, complete = {}, [], False
    reason = "finished" if complete else "shutdown"
    summary = run_summary(stats, sites, reason)
    store.finish_run(run_id, summary, stats)
    code = EXIT_CODES.get(summary["status"], EXIT_ERROR)
    store.set_run_outcome(run_id, summary["status"], code)
    print(format_summary(store.run(run_id) or {}))
    return code


if __name__ == "__main__":
    sys.exit(main())
