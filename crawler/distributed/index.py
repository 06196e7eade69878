"""What the database knows, carried to workers that never open it.

When a run is seeded (crawler.distributed.run.prepare_run), the writer's side loads
from the database into Redis hashes:

  <prefix>:index:pages        url -> "content_hash kind"   (the spider's unchanged check)
  <prefix>:index:validators   url -> [etag, last_modified] (the conditional GET)
  <prefix>:index:attachments  page url -> [[attachment url, status], ...]
  <prefix>:index:summaries    page url -> [organ, year, {cell: value}] for the pages
                              whose attachments are retried (crawler.attachments)

Workers read them one key at a time (RedisLookup), so a worker's memory does not
grow with the database.
"""

from __future__ import annotations

import json

import redis
from scrapy.http import Request, Response

from crawler.distributed.keys import RunKeys
from crawler.middlewares import NOT_MODIFIED_FLAG, ConditionalGetMiddleware
from output.store import ReportStore
from parsers.provenance import PageReport

RETRY_STATUSES = ("queued", "failed")  # attachments the spider fetches again (_RETRY_ATTACHMENT)
NOT_MODIFIED_BODY = b"<!-- 304 Not Modified: the stored body stays with the writer -->"
CHUNK = 1000


def load(store: ReportStore, client: redis.Redis, keys: RunKeys) -> dict[str, int]:
    """Copy the database's index into Redis (replacing what a previous run left)."""
    client.delete(keys.pages, keys.validators, keys.attachments, keys.summaries)
    pages = {url: f"{digest} {kind}" for url, (digest, kind) in store.page_index().items()}
    validators = {url: json.dumps(list(v)) for url, v in store.page_validators().items()}
    attachments = store.attachment_index()
    retried = [
        url for url, rows in attachments.items() if any(s in RETRY_STATUSES for _, s in rows)
    ]
    summaries = {}
    for url in retried:
        stored = store.report_summary(url)
        if stored is not None:
            summaries[url] = json.dumps(stored, ensure_ascii=False, default=str)
    attachments_json = {url: json.dumps(rows) for url, rows in attachments.items()}
    for key, mapping in (
        (keys.pages, pages),
        (keys.validators, validators),
        (keys.attachments, attachments_json),
        (keys.summaries, summaries),
    ):
        items = list(mapping.items())
        for start in range(0, len(items), CHUNK):
            client.hset(key, mapping=dict(items[start : start + CHUNK]))
    return {"pages": len(pages), "validators": len(validators), "attachments": len(attachments)}


class RedisLookup:
    """A read-only mapping over one Redis hash: .get(key) -> decoded value or default."""

    def __init__(self, client: redis.Redis, key: str, decode):
        self.client = client
        self.key = key
        self.decode = decode

    def get(self, name: str, default=None):
        try:
            value = self.client.hget(self.key, name)
        except redis.RedisError:
            # Redis lost: the scheduler stops this worker; what is crawled meanwhile is
            # not sent anywhere, and its requests are requeued by the next run.
            return default
        return default if value is None else self.decode(value)


def _page(value: bytes) -> tuple[str, str]:
    digest, kind = value.decode().split(" ", 1)
    return digest, kind


def _rows(value: bytes) -> list[tuple[str, str]]:
    return [tuple(row) for row in json.loads(value)]


def attach(spider, client: redis.Redis, keys: RunKeys) -> None:
    """Give the spider Redis lookups for what its _load_index reads from SQLite."""
    spider.page_index = RedisLookup(client, keys.pages, _page)
    spider.attachment_index = RedisLookup(client, keys.attachments, _rows)
    spider.stored_summaries = RedisLookup(client, keys.summaries, json.loads)


def stored_page_report(spider, url: str) -> PageReport | None:
    """The spider's _stored_page_report, from the summaries loaded at seeding."""
    stored = spider.stored_summaries.get(url)
    return PageReport(*stored) if stored else None


class RedisConditionalGetMiddleware(ConditionalGetMiddleware):
    """ConditionalGetMiddleware with the validators in Redis and the bodies with the writer.

    A 304 becomes a stub 200 flagged not_modified: the spider counts the page
    unchanged by the flag (the stored body, in the database, is not needed).
    """

    def _stored_validators(self):
        from crawler.distributed.keys import keys_from_settings

        client = redis.Redis.from_url(self.crawler.settings.get("REDIS_URL"))
        keys = keys_from_settings(self.crawler.settings)
        return RedisLookup(client, keys.validators, json.loads)

    def process_response(self, request: Request, response: Response):
        if response.status != 304 or request.meta.get("conditional_for") != request.url:
            return response
        self.crawler.stats.inc_value("conditional/not_modified")
        return response.replace(
            status=200, body=NOT_MODIFIED_BODY, flags=[*response.flags, NOT_MODIFIED_FLAG]
        )
