"""The Redis keys of a distributed run, and the questions every process asks of them.

All keys share a prefix (REDIS_KEY_PREFIX, default the spider's name), so that one
Redis server can hold several crawls. scrapy-redis' own keys follow its defaults:
<prefix>:requests (a sorted set) and <prefix>:dupefilter (a set).

A worker announces itself in <prefix>:workers and keeps <prefix>:alive:<id> alive
(a key with a short TTL, refreshed by its heartbeat). What it took from the queue
and has not finished sits in <prefix>:inflight:<id>; when its alive key expires
(killed, machine lost), any other process puts those requests back in the queue.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

import redis

DEFAULT_PREFIX = "annual_reports"
ALIVE_SECONDS = 15  # a worker silent this long is dead; its requests go back to the queue

# Moves a dead worker's unfinished requests back into the queue, in one step.
REQUEUE = """
local values = redis.call('HVALS', KEYS[1])
for _, value in ipairs(values) do
  local cut = string.find(value, '\\n', 1, true)
  redis.call('ZADD', KEYS[2], tonumber(string.sub(value, 1, cut - 1)), string.sub(value, cut + 1))
end
redis.call('DEL', KEYS[1])
return #values
"""


class RedisUnavailable(RuntimeError):
    """Redis cannot be reached: one line for the user, never a traceback."""


@dataclass(frozen=True)
class RunKeys:
    prefix: str = DEFAULT_PREFIX

    @property
    def requests(self) -> str:  # scrapy-redis' SCHEDULER_QUEUE_KEY
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:  # scrapy-redis' SCHEDULER_DUPEFILTER_KEY
        return f"{self.prefix}:dupefilter"

    @property
    def run(self) -> str:  # hash: state, id, args, seeder, seeded, stop
        return f"{self.prefix}:run"

    @property
    def items(self) -> str:  # stream of pickled items, read by the writer's group
        return f"{self.prefix}:items"

    @property
    def stats(self) -> str:  # hash: the run's Scrapy stats, summed over workers and writer
        return f"{self.prefix}:stats"

    @property
    def sites(self) -> str:  # set: the site names the workers crawl
        return f"{self.prefix}:sites"

    @property
    def reasons(self) -> str:  # hash: worker id -> how its crawl ended
        return f"{self.prefix}:reasons"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    def alive(self, worker: str) -> str:
        return f"{self.prefix}:alive:{worker}"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"

    # What the database knew when the run was seeded (crawler.distributed.index).
    @property
    def pages(self) -> str:
        return f"{self.prefix}:index:pages"

    @property
    def validators(self) -> str:
        return f"{self.prefix}:index:validators"

    @property
    def attachments(self) -> str:
        return f"{self.prefix}:index:attachments"

    @property
    def summaries(self) -> str:
        return f"{self.prefix}:index:summaries"

    @property
    def kept(self) -> str:  # set: URLs whose stored report beat this run's parse
        return f"{self.prefix}:kept"

    def run_scoped(self) -> list[str]:
        """Keys that a fresh run starts without (the item stream is drained, not reset)."""
        return [
            self.requests,
            self.dupefilter,
            self.stats,
            self.sites,
            self.reasons,
            self.pages,
            self.validators,
            self.attachments,
            self.summaries,
            self.kept,
        ]


def keys_from_settings(settings) -> RunKeys:
    return RunKeys(settings.get("REDIS_KEY_PREFIX") or DEFAULT_PREFIX)


def connect(url: str) -> redis.Redis:
    """A client for url, checked with a PING; RedisUnavailable with one line if not."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        client.ping()
    except (redis.RedisError, ValueError, OSError) as error:
        raise RedisUnavailable(f"cannot reach Redis at {url}: {error}") from None
    return client


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def live_workers(client: redis.Redis, keys: RunKeys) -> set[str]:
    workers = {_text(w) for w in client.smembers(keys.workers)}
    return {w for w in workers if client.exists(keys.alive(w))}


def requeue_dead_workers(client: redis.Redis, keys: RunKeys, me: str | None = None) -> int:
    """Put back in the queue what dead workers had taken and not finished."""
    requeued = 0
    for worker in {_text(w) for w in client.smembers(keys.workers)}:
        if worker == me or client.exists(keys.alive(worker)):
            continue
        requeued += client.eval(REQUEUE, 2, keys.inflight(worker), keys.requests)
        client.srem(keys.workers, worker)
    return requeued


def inflight_count(client: redis.Redis, keys: RunKeys) -> int:
    workers = {_text(w) for w in client.smembers(keys.workers)}
    return sum(client.hlen(keys.inflight(w)) for w in workers)


def run_field(client: redis.Redis, keys: RunKeys, name: str) -> str | None:
    value = client.hget(keys.run, name)
    return _text(value) if value is not None else None


def run_complete(client: redis.Redis, keys: RunKeys) -> bool:
    """Seeded, nothing queued and nothing taken by any worker: the crawl is over."""
    return (
        run_field(client, keys, "seeded") == "1"
        and client.zcard(keys.requests) == 0
        and inflight_count(client, keys) == 0
    )
