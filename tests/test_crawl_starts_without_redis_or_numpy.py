"""A crawl without REDIS_URL imports neither redis nor numpy before its first request.

Both sat on the crawl's start-up path in the reactor's process (~0.1 s of CPU each):
redis through the always-enabled RedisModeAddon, numpy through sqlite_utils, which
imports it only to give numpy values column types. Each is checked in a process of its
own, as `scrapy crawl` builds its crawler.
"""

from __future__ import annotations

from scrapy.settings import Settings

from crawler.distributed.addon import UNREACHABLE, RedisModeAddon
from tests.helpers import fresh_python_last_line

CRAWL_START = """
import sys
from scrapy.crawler import Crawler
from scrapy.utils.project import get_project_settings
import crawler.commands.crawl
from crawler.spiders.annual_reports import AnnualReportsSpider
settings = get_project_settings()
settings.set("REPORTS_DB", sys.argv[1])
crawler = Crawler(AnnualReportsSpider, settings)
crawler.addons.load_settings(crawler.settings)
spider = AnnualReportsSpider.from_crawler(crawler, start_url="http://127.0.0.1:9/")
crawler.spider = spider
from crawler.store_access import crawl_store
crawl_store(crawler).page_index()
print(sorted(name for name in ("numpy", "redis") if sys.modules.get(name)))
"""


def test_a_crawl_without_redis_url_imports_neither_redis_nor_numpy(tmp_path):
    assert fresh_python_last_line(CRAWL_START, str(tmp_path / "r.db")) == "[]"


def test_numpy_stays_importable_after_the_database_module():
    code = (
        "import sys, output.database, sqlite_utils.db\n"
        "assert sqlite_utils.db.np is None and 'numpy' not in sys.modules\n"
        "try:\n    import numpy\nexcept ImportError:\n    print('no numpy installed')\n"
        "else:\n    print(numpy.zeros(2).tolist())"
    )
    assert fresh_python_last_line(code) in {"[0.0, 0.0]", "no numpy installed"}


class _Crawler:
    redis_worker_id = None


def test_with_redis_url_the_addon_still_switches_the_crawl_to_redis():
    settings = Settings({"REDIS_URL": "redis://127.0.0.1:9/0"})  # nothing listens on 9
    settings.set("ITEM_PIPELINES", {"crawler.pipelines.SqliteStorePipeline": 900})
    crawler = _Crawler()
    RedisModeAddon(crawler).update_settings(settings)
    assert settings.get(UNREACHABLE).startswith("cannot reach Redis at redis://127.0.0.1:9/0")
    assert crawler.redis_worker_id
    pipelines = settings.getdict("ITEM_PIPELINES")
    assert pipelines["crawler.pipelines.SqliteStorePipeline"] is None
    assert pipelines["crawler.distributed.stream.RedisStreamPipeline"] == 900
    assert settings.getbool("RUN_LOCK_HELD")


def test_without_redis_url_the_addon_changes_nothing():
    settings = Settings({"ITEM_PIPELINES": {"crawler.pipelines.SqliteStorePipeline": 900}})
    RedisModeAddon(_Crawler()).update_settings(settings)
    assert settings.getdict("ITEM_PIPELINES") == {"crawler.pipelines.SqliteStorePipeline": 900}
    assert settings.get(UNREACHABLE) is None
