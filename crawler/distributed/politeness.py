"""Per-host politeness across workers: one shared pace per host, kept in Redis.

Each worker keeps Scrapy's own limits (robots.txt, AutoThrottle, DOWNLOAD_DELAY,
CONCURRENT_REQUESTS_PER_DOMAIN), which alone would multiply by the number of
workers. HostSpacingMiddleware adds a reservation per host: before a request
leaves, its worker reserves the next start time for the host in Redis
(<prefix>:host:<host>), at least REDIS_HOST_INTERVAL seconds (default:
DOWNLOAD_DELAY) after the previous one, whichever worker sent it, and waits until
then. So N workers together start no more requests per host than one would.
crawler.nightly also divides CONCURRENT_REQUESTS_PER_DOMAIN among its workers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import redis
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.distributed.keys import keys_from_settings

# Reserve the host's next slot: returns how many milliseconds to wait for it.
RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local next_start = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, next_start)
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], start + interval, 'PX', interval + 60000)
return start - now
"""


class HostSpacingMiddleware:
    def __init__(self, crawler):
        settings = crawler.settings
        default = settings.getfloat("DOWNLOAD_DELAY", 0.0)
        self.interval_ms = int(1000 * settings.getfloat("REDIS_HOST_INTERVAL", default))
        self.prefix = keys_from_settings(settings).prefix
        self.crawler = crawler
        self.client: redis.Redis | None = None
        if self.interval_ms > 0 and not settings.get("REDIS_UNREACHABLE"):
            self.client = redis.Redis.from_url(settings.get("REDIS_URL"))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        if self.client is None:
            return None
        host = (urlsplit(request.url).netloc or "").lower()
        try:
            wait_ms = self.client.eval(RESERVE, 1, f"{self.prefix}:host:{host}", self.interval_ms)
        except redis.RedisError:
            return None  # the scheduler notices a lost Redis and stops the worker
        if wait_ms > 0:
            from twisted.internet import reactor

            self.crawler.stats.inc_value("redis/host_waits")
            await maybe_deferred_to_future(deferLater(reactor, wait_ms / 1000, lambda: None))
        return None
