"""Items and page bodies on their way to the writer: a Redis stream with a consumer group.

Each item is one stream entry (field "item": the pickled item). The writer reads
the stream as group "writer" and acknowledges (then deletes) entries only after the
database transaction holding them has committed, so a killed writer re-reads them.

Pickle, as scrapy-redis uses for requests: anyone who can write to this Redis can
run code in the workers and the writer. Keep Redis on a private network.
"""

from __future__ import annotations

import logging
import pickle

import redis
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.distributed.keys import keys_from_settings

logger = logging.getLogger(__name__)

GROUP = "writer"
FIELD = b"item"
# Workers wait while this many entries are not yet written: Redis memory stays bounded
# when the writer is slower than the workers (page bodies can be megabytes).
DEFAULT_BACKLOG = 2000


def encode(item) -> bytes:
    return pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes):
    return pickle.loads(data)


def ensure_group(client: redis.Redis, key: str) -> None:
    try:
        client.xgroup_create(key, GROUP, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


class RedisStreamPipeline:
    """Last pipeline of a worker: the item goes to the run's stream, for the writer."""

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.key = keys_from_settings(settings).items
        self.backlog = settings.getint("REDIS_STREAM_BACKLOG", DEFAULT_BACKLOG)
        self.client: redis.Redis | None = None
        self.sent = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        if not self.crawler.settings.get("REDIS_UNREACHABLE"):
            self.client = redis.Redis.from_url(self.crawler.settings.get("REDIS_URL"))
            ensure_group(self.client, self.key)

    async def process_item(self, item):
        if self.client is None:
            raise DropItem("no Redis: not sent (its request is requeued)")
        try:
            if self.sent % 50 == 0:
                await self._wait_for_writer()
            self.client.xadd(self.key, {FIELD: encode(item)})
        except redis.RedisError as error:
            from crawler.distributed.worker import stop_worker

            if not getattr(self.crawler, "redis_stopping", False):
                logger.error("lost Redis sending an item (%s): stopping this worker", error)
            stop_worker(self.crawler, "redis_lost")
            raise DropItem("Redis lost: not sent (its request is requeued)") from None
        self.sent += 1
        self.crawler.stats.inc_value("redis/items_sent")
        return item

    async def _wait_for_writer(self) -> None:
        from twisted.internet import reactor

        while self.client.xlen(self.key) > self.backlog:
            self.crawler.stats.inc_value("redis/backlog_waits")
            await maybe_deferred_to_future(deferLater(reactor, 0.5, lambda: None))
