"""A page's meta refresh found as Scrapy finds it, without decoding a page that has none."""

from __future__ import annotations

import pytest
from scrapy import Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.http import HtmlResponse, Request
from scrapy.utils.response import get_meta_refresh
from scrapy.utils.test import get_crawler

from crawler import meta_refresh as module
from crawler.meta_refresh import MetaRefreshMiddleware, meta_refresh

URL = "http://www.example.gov.cn/xxgk/ndbg/index.html"
REFRESH = '<meta http-equiv="refresh" content="0;url=/xxgk/ndbg/list.html">'
LONG_TEXT = "政府信息公开工作年度报告" * 400  # 4,800 characters, 14,400 bytes in UTF-8


def page(head: str = "", body: str = "<p>年度报告</p>", charset: str | None = "utf-8") -> str:
    declared = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{declared}{head}<title>年报</title></head><body>{body}</body></html>"


def response(text: str, encoding: str = "utf-8", content_type: str = "text/html") -> HtmlResponse:
    body = text.encode(encoding) if isinstance(text, str) else text
    headers = {"Content-Type": content_type}
    return HtmlResponse(URL, body=body, headers=headers, request=Request(URL))


CASES = {
    "none": response(page()),
    "refresh": response(page(REFRESH)),
    "upper case": response(page(REFRESH.upper().replace("/XXGK/NDBG/LIST.HTML", "/a.html"))),
    "in noscript": response(page(f"<noscript>{REFRESH}</noscript>")),
    "the word in a script": response(page("<script>function refresh(){}</script>")),
    "long delay": response(page(REFRESH.replace("0;", "600;"))),
    "gbk": response(page(REFRESH, charset="gbk"), "gbk"),
    "gbk by header": response(page(REFRESH, charset=None), "gbk", "text/html; charset=GBK"),
    "undeclared": response(page(REFRESH, charset=None)),
    "utf-16 with bom": response(page(REFRESH, charset=None), "utf-16"),
    "utf-16 by header": response(
        page(REFRESH, charset=None), "utf-16-le", "text/html; charset=utf-16le"
    ),
    "after 4096 characters": response(page(body=LONG_TEXT + REFRESH)),
    "before 4096 characters": response(page(body=LONG_TEXT[:3900] + REFRESH)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_meta_refresh_answers_as_scrapy_does(name):
    ours = meta_refresh(CASES[name], ["noscript"])
    fresh = CASES[name].replace()  # Scrapy caches its answer by response
    assert ours == get_meta_refresh(fresh, ignore_tags=["noscript"])
    found = (
        "refresh",
        "gbk",
        "gbk by header",
        "undeclared",
        "utf-16 with bom",
        "before 4096 characters",
    )
    if name in found:
        assert ours[1] == "http://www.example.gov.cn/xxgk/ndbg/list.html"


def test_a_page_without_a_refresh_is_not_decoded(monkeypatch):
    def decoding(*args, **kwargs):
        raise AssertionError("the page was decoded")

    monkeypatch.setattr(module, "get_meta_refresh", decoding)
    plain = response(page(body=LONG_TEXT))
    assert meta_refresh(plain, ["noscript"]) == (None, None)
    crawler = get_crawler(Spider)
    middleware = MetaRefreshMiddleware.from_crawler(crawler)
    assert middleware.process_response(plain.request, plain) is plain
    with pytest.raises(AssertionError, match="decoded"):
        meta_refresh(response(page(REFRESH)), ["noscript"])


@pytest.mark.parametrize("name", ["none", "refresh", "long delay", "gbk", "in noscript"])
def test_the_middleware_redirects_as_scrapys_does(name):
    crawler = get_crawler(Spider)
    ours = MetaRefreshMiddleware.from_crawler(crawler).process_response(
        CASES[name].request, CASES[name]
    )
    fresh = CASES[name].replace()
    theirs = ScrapyMetaRefresh.from_crawler(crawler).process_response(fresh.request, fresh)
    if isinstance(theirs, Request):
        assert (ours.url, ours.method, ours.meta) == (theirs.url, theirs.method, theirs.meta)
    else:
        assert ours is CASES[name] and theirs is fresh
