"""scrapy-redis' scheduler and priority queue, made safe against a worker's death.

scrapy-redis pops a request off the shared queue and forgets it: a worker killed
while fetching it loses it for good. InflightQueue pops into a per-worker hash
(<prefix>:inflight:<worker>) in the same Redis step, and the scheduler removes an
entry once Scrapy's engine has finished with its request (callback, items and the
requests it led to all handed on). A dead worker's entries are requeued by the
others (crawler.distributed.keys.requeue_dead_workers); at worst a page is fetched
twice, and the writer's upserts store it once.

Redis lost mid-run: the scheduler logs one line and asks the worker to stop
(reason "redis_lost") instead of raising in the engine's loop.
"""

from __future__ import annotations

import itertools
import logging
import warnings

import redis
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.distributed.keys import keys_from_settings

logger = logging.getLogger(__name__)
# scrapy-redis 0.9.1 still passes spider= to stats and calls Spider.log(): harmless on
# Scrapy 2.19, and not ours to fix here.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")

# Take the first request and remember it as this worker's, atomically.
POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
redis.call('HSET', KEYS[2], ARGV[1], found[2] .. '\\n' .. found[1])
return found[1]
"""


class InflightQueue(PriorityQueue):
    """PriorityQueue whose pop records the request in the worker's in-flight hash."""

    worker: str = ""
    inflight_key: str = ""
    _numbers = itertools.count(1)

    def pop(self, timeout=0):
        field = str(next(self._numbers))
        data = self.server.eval(POP, 2, self.key, self.inflight_key, field)
        if not data:
            return None
        request = self._decode_request(data)
        return request, field


class RedisScheduler(Scheduler):
    """The scrapy-redis Scheduler with InflightQueue and a graceful Redis loss."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crawler = None
        self.taken: dict = {}  # Request -> its field in this worker's in-flight hash
        self.lost = False

    @classmethod
    def from_crawler(cls, crawler):
        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        return instance

    def open(self, spider):
        super().open(spider)
        worker = self.crawler.redis_worker_id
        self.queue.worker = worker
        self.queue.inflight_key = keys_from_settings(self.crawler.settings).inflight(worker)

    def close(self, reason):
        if not self.lost:
            super().close(reason)

    def enqueue_request(self, request):
        try:
            return super().enqueue_request(request)
        except redis.RedisError as error:
            self._lose(error)
            return False

    def next_request(self):
        try:
            self.settle()
            popped = self.queue.pop()
        except redis.RedisError as error:
            self._lose(error)
            return None
        if popped is None:
            return None
        request, field = popped
        self.taken[request] = field
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        if self.lost:
            return False
        try:
            return super().has_pending_requests()
        except redis.RedisError as error:
            self._lose(error)
            return False

    def settle(self, everything: bool = False) -> None:
        """Forget the taken requests that the engine has finished with."""
        if not self.taken:
            return
        busy = set() if everything else self._in_progress()
        done = [request for request in self.taken if request not in busy]
        if done:
            self.server.hdel(self.queue.inflight_key, *[self.taken.pop(r) for r in done])

    def _in_progress(self) -> set:
        # The engine's set of requests being downloaded or scraped. Private in Scrapy;
        # without it nothing counts as done until the worker is idle (settle(True)).
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is None or not hasattr(slot, "inprogress"):
            return set(self.taken)
        return set(slot.inprogress)

    def _lose(self, error: Exception) -> None:
        if self.lost:
            return
        self.lost = True
        logger.error("lost Redis (%s): stopping this worker; the next run resumes", error)
        from crawler.distributed.worker import stop_worker

        stop_worker(self.crawler, "redis_lost")
