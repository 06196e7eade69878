"""A distributed run's life in Redis: prepared (fresh or resumed), then finished.

<prefix>:run is a hash:
  state    "running" from prepare_run until finish_run; a run found "running" by the
           next prepare_run was stopped (killed, Redis lost, SIGTERM) and is resumed:
           its queue, dupefilter and workers' unfinished requests are kept
  id       the run's row in the runs table
  args     the spider arguments (JSON), that every worker takes
  seeder   the worker that yields the start requests; seeded: "1" once it has
  stop     "1": workers close when idle even if the run is not over (the nightly
           sets it once all of its workers have exited)

Only the process that owns the database (crawler.nightly, or crawler.writer) calls
prepare_run: the index it loads into Redis comes from the database.
"""

from __future__ import annotations

import json
import logging

import redis

from crawler.distributed import index
from crawler.distributed.keys import RunKeys, requeue_dead_workers, run_field
from output.store import ReportStore

logger = logging.getLogger(__name__)


def prepare_run(
    client: redis.Redis, keys: RunKeys, store: ReportStore, args: dict | None
) -> tuple[int, bool]:
    """(the runs row id, whether an unfinished run was resumed).

    args None: the first worker to join gives them (a cluster started by hand).
    """
    if run_field(client, keys, "state") == "running" and run_field(client, keys, "id"):
        requeued = requeue_dead_workers(client, keys)
        run_id = int(run_field(client, keys, "id"))
        client.hdel(keys.run, "stop")
        if run_field(client, keys, "seeded") != "1":
            client.hdel(keys.run, "seeder")  # its seeder died half-way: seed it again
        logger.info("resuming run %s (%d unfinished requests requeued)", run_id, requeued)
        return run_id, True
    for worker in client.smembers(keys.workers):
        client.delete(keys.inflight(worker.decode()))
    client.delete(*keys.run_scoped(), keys.run, keys.workers)
    loaded = index.load(store, client, keys)
    run_id = store.start_run(0)
    fields = {"state": "running", "id": str(run_id)}
    if args is not None:
        fields["args"] = json.dumps(args, sort_keys=True)
    client.hset(keys.run, mapping=fields)
    logger.info("run %s prepared in Redis; index loaded: %s", run_id, loaded)
    return run_id, False


def merged_stats(client: redis.Redis, keys: RunKeys) -> dict:
    return {k.decode(): int(v) for k, v in client.hgetall(keys.stats).items()}


def run_sites(client: redis.Redis, keys: RunKeys) -> list[str]:
    return sorted(s.decode() for s in client.smembers(keys.sites))


def worker_reasons(client: redis.Redis, keys: RunKeys) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in client.hgetall(keys.reasons).items()}


def finish_run(client: redis.Redis, keys: RunKeys) -> None:
    """A complete run: the next prepare_run starts afresh."""
    client.hset(keys.run, "state", "finished")
