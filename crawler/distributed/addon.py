"""RedisModeAddon: a crawl becomes a worker of a distributed run when REDIS_URL is set.

In ADDONS always (crawler/settings.py), so it sits on every crawl's start-up path: it
imports redis and the distributed components (crawler/distributed/worker.py) only when
REDIS_URL is set. A crawl without it does not pay their import (~0.1 s of CPU of the
reactor's process before its first request).
"""

from __future__ import annotations

UNREACHABLE = "REDIS_UNREACHABLE"  # setting: the error line, when Redis was down at start


class RedisModeAddon:
    """Switch the crawl to Redis when REDIS_URL is set (crawler/distributed/worker.py)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def update_settings(self, settings) -> None:
        url = settings.get("REDIS_URL")
        if not url:
            return
        from crawler.distributed.keys import (
            RedisUnavailable,
            connect,
            keys_from_settings,
            new_worker_id,
        )

        self.crawler.redis_worker_id = new_worker_id()
        keys = keys_from_settings(settings)
        try:
            connect(url).close()
        except RedisUnavailable as error:
            settings.set(UNREACHABLE, str(error), priority="cmdline")
        else:
            settings.set("SCHEDULER", "crawler.distributed.scheduler.RedisScheduler", "cmdline")
            settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "cmdline")
        queue = "crawler.distributed.scheduler.InflightQueue"
        settings.set("SCHEDULER_QUEUE_CLASS", queue, "cmdline")
        settings.set("SCHEDULER_QUEUE_KEY", keys.requests, "cmdline")
        settings.set("SCHEDULER_DUPEFILTER_KEY", keys.dupefilter, "cmdline")
        settings.set("SCHEDULER_PERSIST", True, "cmdline")
        # The database's writers' lock is the writer's: a worker writes no SQLite.
        settings.set("RUN_LOCK_HELD", True, "cmdline")
        # Workers never open SQLite: these two would, and the writer does their work.
        _components(settings, "ITEM_PIPELINES", {
            "crawler.pipelines.KeepBetterReportPipeline": None,
            "crawler.pipelines.SqliteStorePipeline": None,
            "crawler.distributed.stream.RedisStreamPipeline": 900,
        })  # fmt: skip
        _components(settings, "EXTENSIONS", {
            "crawler.runs.RunRecorder": None,
            "crawler.distributed.worker.WorkerExtension": 500,
        })  # fmt: skip
        _components(settings, "DOWNLOADER_MIDDLEWARES", {
            "crawler.middlewares.ConditionalGetMiddleware": None,
            "crawler.distributed.index.RedisConditionalGetMiddleware": 910,
            "crawler.distributed.politeness.HostSpacingMiddleware": 120,
        })  # fmt: skip
        _components(settings, "SPIDER_MIDDLEWARES", {
            "crawler.distributed.worker.SeedMiddleware": 10,
        })  # fmt: skip


def _components(settings, name: str, changes: dict) -> None:
    settings.set(name, {**settings.getdict(name), **changes}, priority="cmdline")
