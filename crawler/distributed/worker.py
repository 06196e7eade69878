"""A worker of a distributed run: `scrapy crawl annual_reports -s REDIS_URL=redis://HOST:PORT/DB`.

RedisModeAddon (crawler/distributed/addon.py, in ADDONS always) does nothing without
REDIS_URL. With it, the crawl takes its requests from scrapy-redis' shared queue and
dupefilter (persisted, so a stopped run resumes), sends items to the Redis stream
instead of SQLite, and the components below replace the ones that would open the
database:

  WorkerExtension   heartbeat, requeueing dead workers' requests, staying open while
                    other workers may still add requests, the run's stats into Redis
  SeedMiddleware    only one worker of a run yields the spider's start requests
                    (the spider's own `async def start()`), the others join its queue

A worker joining a run takes the run's spider arguments (stored when it was seeded),
so `scrapy crawl annual_reports -s REDIS_URL=...` on another machine needs no -a.
"""

from __future__ import annotations

import json
import logging

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.distributed import index
from crawler.distributed.addon import UNREACHABLE
from crawler.distributed.keys import (
    ALIVE_SECONDS,
    RedisUnavailable,
    connect,
    keys_from_settings,
    requeue_dead_workers,
    run_complete,
    run_field,
)
from crawler.runs import RunRecorder

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0


def run_arguments(settings, given: dict) -> dict:
    """The spider arguments of the run this worker joins; the first worker's are stored."""
    url = settings.get("REDIS_URL")
    try:
        client = connect(url)
    except RedisUnavailable:
        return given  # WorkerExtension reports it and stops the crawl
    keys = keys_from_settings(settings)
    try:
        client.hsetnx(keys.run, "args", json.dumps(given, sort_keys=True))
        stored = json.loads(run_field(client, keys, "args") or "{}")
    finally:
        client.close()
    if given and given != stored:
        logger.warning("joining a run with arguments %s; ignoring %s", stored, given)
    return stored


def stop_worker(crawler, reason: str) -> None:
    """Close the spider with reason, once; safe to call from any component."""
    engine = crawler.engine
    if engine is None or getattr(crawler, "redis_stopping", False):
        return
    crawler.redis_stopping = True
    crawler.stats.set_value("redis/stop_reason", reason)
    deferred_from_coro(engine.close_spider_async(reason=reason))


class WorkerExtension(RunRecorder):
    """RunRecorder for a worker: the run's row is the writer's, the stats go to Redis."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.keys = keys_from_settings(crawler.settings)
        self.worker = crawler.redis_worker_id
        self.client: redis.Redis | None = None
        self.beat: task.LoopingCall | None = None
        self.beats = 0
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    def spider_opened(self, spider) -> None:
        problem = self.crawler.settings.get(UNREACHABLE)
        if problem:
            logger.error("%s; this worker stops", problem)
            stop_worker(self.crawler, "redis_unreachable")
            return
        self.client = redis.Redis.from_url(self.crawler.settings.get("REDIS_URL"))
        client, keys = self.client, self.keys
        client.sadd(keys.workers, self.worker)
        client.set(keys.alive(self.worker), "1", ex=ALIVE_SECONDS)
        if spider.sites:
            client.sadd(keys.sites, *spider.sites)
        index.attach(spider, client, keys)
        self.beat = task.LoopingCall(self.heartbeat)
        self.beat.start(HEARTBEAT_SECONDS, now=False)
        logger.info("worker %s joined the run on %s", self.worker, self.keys.prefix)

    def heartbeat(self) -> None:
        self.beats += 1
        try:
            self.client.set(self.keys.alive(self.worker), "1", ex=ALIVE_SECONDS)
            if self.beats % 3 == 0:
                self._requeue()
        except redis.RedisError as error:
            self._lost(error)

    def spider_idle(self, spider) -> None:
        """Stay open while the run is not over: another worker may still add requests."""
        if self.client is None or getattr(self.crawler, "redis_stopping", False):
            return
        try:
            self.crawler.engine._slot.scheduler.settle(everything=True)
            self._requeue()
            if run_field(self.client, self.keys, "stop") == "1":
                return
            seeder = run_field(self.client, self.keys, "seeder")
            if (
                run_field(self.client, self.keys, "seeded") != "1"
                and seeder
                and not self.client.exists(self.keys.alive(seeder))
            ):
                # The seeder died before its start requests were all queued: nothing can
                # finish this run; the next one (prepare_run) seeds it again.
                logger.error("the worker seeding this run (%s) died; stopping", seeder)
                stop_worker(self.crawler, "seeder_lost")
                return
            if run_complete(self.client, self.keys):
                return
        except redis.RedisError as error:
            self._lost(error)
            return
        raise DontCloseSpider("the run is not over: other workers are busy")

    def spider_closed(self, spider, reason: str) -> None:
        if self.beat is not None and self.beat.running:
            self.beat.stop()
        if self.client is None:
            return
        stats = self.crawler.stats.get_stats()
        try:
            pipe = self.client.pipeline()
            for name, value in stats.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    pipe.hincrby(self.keys.stats, name, value)
            pipe.hset(self.keys.reasons, self.worker, reason)
            if reason == "finished":
                pipe.delete(self.keys.inflight(self.worker))
                pipe.srem(self.keys.workers, self.worker)
            # Not finished: what it took stays in its in-flight hash, requeued by the others
            # as soon as its alive key is gone.
            pipe.delete(self.keys.alive(self.worker))
            pipe.execute()
        except redis.RedisError as error:
            logger.error("could not record this worker's stats in Redis: %s", error)
        logger.info("worker %s: %s", self.worker, reason)
        # The worker's own exit status (crawler/commands/crawl.py); the run's is the writer's.
        status = {"finished": "ok", "shutdown": "interrupted"}.get(reason, "failed")
        self.crawler.stats.set_value("run/status", status)
        self.crawler.stats.set_value("run/detail", reason)

    def _requeue(self) -> None:
        requeued = requeue_dead_workers(self.client, self.keys, me=self.worker)
        if requeued:
            logger.warning("requeued %d requests of workers that died", requeued)
            self.crawler.stats.inc_value("redis/requeued", requeued)

    def _lost(self, error: Exception) -> None:
        logger.error("lost Redis (%s): stopping this worker; the next run resumes", error)
        scheduler = getattr(getattr(self.crawler.engine, "_slot", None), "scheduler", None)
        if scheduler is not None:
            scheduler.lost = True
        self.client = None
        stop_worker(self.crawler, "redis_lost")


class SeedMiddleware:
    """Spider middleware: the first worker of a run seeds it from the spider's start()."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start):
        settings = self.crawler.settings
        if settings.get(UNREACHABLE):
            return
        keys = keys_from_settings(settings)
        client = redis.Redis.from_url(settings.get("REDIS_URL"))
        worker = self.crawler.redis_worker_id
        try:
            if not client.hsetnx(keys.run, "seeder", worker):
                seeder = run_field(client, keys, "seeder")
                logger.info("joining the run seeded by %s", seeder)
                return
            async for request in start:
                yield request
            client.hset(keys.run, "seeded", "1")
            logger.info("seeded the run")
        except redis.RedisError as error:
            logger.error("lost Redis while seeding (%s): stopping this worker", error)
            stop_worker(self.crawler, "redis_lost")
        finally:
            client.close()
