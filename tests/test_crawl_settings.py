"""The crawl's Scrapy components: what real portals need stays, what nothing reads goes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.downloadermiddlewares.stats import DownloaderStats
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list

SCRAPY_DOWNLOADER = "scrapy.downloadermiddlewares."


def crawl_settings(**command_line) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(command_line, priority="cmdline")
    return settings


def downloader_middlewares(settings: Settings) -> dict[str, int]:
    components = settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    return {name: components[name] for name in build_component_list(components)}


def spider_middlewares(settings: Settings) -> list[str]:
    return build_component_list(settings.getwithbase("SPIDER_MIDDLEWARES"))


def test_the_crawl_keeps_session_cookies_referers_proxies_and_robots():
    # Portals' JSON list endpoints want the session cookie of a prior page (docs/portals.md);
    # attachments may be refused without a Referer; a proxy may come from the environment.
    settings = crawl_settings()
    downloader = downloader_middlewares(settings)
    for name in ("cookies.CookiesMiddleware", "httpproxy.HttpProxyMiddleware"):
        assert SCRAPY_DOWNLOADER + name in downloader
    assert SCRAPY_DOWNLOADER + "robotstxt.RobotsTxtMiddleware" in downloader
    assert "scrapy.spidermiddlewares.referer.RefererMiddleware" in spider_middlewares(settings)
    for switch in ("COOKIES_ENABLED", "REFERER_ENABLED", "HTTPPROXY_ENABLED", "ROBOTSTXT_OBEY"):
        assert settings.getbool(switch), switch


def test_a_meta_refresh_is_followed_by_ours_once_the_page_is_inflated():
    settings = crawl_settings()
    downloader = downloader_middlewares(settings)
    assert settings.getbool("METAREFRESH_ENABLED")
    assert SCRAPY_DOWNLOADER + "redirect.MetaRefreshMiddleware" not in downloader
    ours = downloader["crawler.meta_refresh.MetaRefreshMiddleware"]
    assert ours < downloader[SCRAPY_DOWNLOADER + "httpcompression.HttpCompressionMiddleware"]
    assert ours < downloader["crawler.middlewares.RedirectGuardMiddleware"]


@pytest.mark.parametrize(
    ("command_line", "counted"), [({}, False), ({"DOWNLOADER_STATS": "1"}, True)]
)
def test_downloader_stats_are_not_counted_unless_asked_for(command_line, counted):
    crawler = SimpleNamespace(settings=crawl_settings(**command_line), stats=None)
    if counted:
        assert isinstance(DownloaderStats.from_crawler(crawler), DownloaderStats)
    else:
        with pytest.raises(NotConfigured):
            DownloaderStats.from_crawler(crawler)
