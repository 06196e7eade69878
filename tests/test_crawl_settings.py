"""The crawl's Scrapy components: what real portals need stays, what nothing reads goes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.conf import build_component_list

from crawler.middlewares import DownloadCountsMiddleware

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


def test_download_counts_are_kept_without_building_each_requests_http_text(monkeypatch):
    settings = crawl_settings()
    downloader = downloader_middlewares(settings)
    assert SCRAPY_DOWNLOADER + "stats.DownloaderStats" not in downloader
    assert downloader["crawler.middlewares.DownloadCountsMiddleware"] == 850  # Scrapy's place

    def no_http_text(request):
        raise AssertionError("request_httprepr called")

    monkeypatch.setattr("scrapy.downloadermiddlewares.stats.request_httprepr", no_http_text)
    stats = StatsCollector(SimpleNamespace(settings=settings, spider=None))
    counts = DownloadCountsMiddleware.from_crawler(SimpleNamespace(settings=settings, stats=stats))
    request = Request("http://127.0.0.1/a.html")
    counts.process_request(request)
    counts.process_response(request, HtmlResponse(request.url, status=404, body=b"<p>gone</p>"))
    got = stats.get_stats()
    assert got["downloader/request_count"] == 1
    assert got["downloader/request_method_count/GET"] == 1
    assert got["downloader/response_status_count/404"] == 1
    assert got["downloader/response_bytes"] > len(b"<p>gone</p>")
    assert "downloader/request_bytes" not in got


def test_download_counts_switch_off_as_scrapys_do():
    crawler = SimpleNamespace(settings=crawl_settings(DOWNLOADER_STATS="0"), stats=None)
    with pytest.raises(NotConfigured):
        DownloadCountsMiddleware.from_crawler(crawler)
