"""crawler.listpage, crawler.families and crawler.attachments: report selection,
pagination, attachments, hosts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler import listpage
from crawler.attachments import attachment_urls
from crawler.families import guess_family, strategy_for
from crawler.families.base import page_document
from crawler.families.hanweb import PROXY_KIND
from crawler.families.trs import js_written_html, trs_pager_pages
from crawler.listpage import classify_title
from output.urls import page_key, same_site
from parsers.html import parse_html
from parsers.sniff import attachment_extension


# The spider reads a page as a document parsed once, with what every family reads out of
# its scripts (page_document); these read a page's text the same way.
def read_list_page(html: str, url: str, *args, **kwargs) -> listpage.ListPage:
    return listpage.read_list_page(page_document(html, url), url, *args, **kwargs)


def pagination_links(html: str, url: str) -> list[str]:
    return listpage.pagination_links(page_document(html, url), url)


def find_attachment_links(html: str, url: str) -> list[str]:
    """A report page's attachments as the spider finds them: from the parsers' one parse."""
    document = parse_html(html)
    return attachment_urls(document.links, document.base, url)


ORDOS = Path(__file__).resolve().parent / "fixtures" / "corpus" / "ordos-engebei-column.html"
ORDOS_URL = "http://egb.ordos.gov.cn/xxgk/xxgknb/"


@pytest.fixture(scope="module")
def ordos_saved() -> str:
    """The page as saved from a browser: the JS pager AND the links it wrote."""
    return ORDOS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ordos_served(ordos_saved) -> str:
    """The page as a server sends it: only the JS, no pager links in the HTML."""
    return re.sub(r"(</script>)共计.*?(</td>)", r"\1\2", ordos_saved, count=1, flags=re.S)


# --- the real TRS column page ---------------------------------------------------------------


def test_ordos_served_has_no_pager_anchors(ordos_served):
    assert "index_1.html" not in ordos_served.replace('"+"_" + ', "")
    assert "document.write" in ordos_served


@pytest.mark.parametrize("variant", ["ordos_saved", "ordos_served"])
def test_ordos_pagination(variant, request):
    html = request.getfixturevalue(variant)
    assert pagination_links(html, ORDOS_URL) == [ORDOS_URL + "index_1.html"]
    # From page 2 the only other page is the first one (index.html is the column itself).
    assert [page_key(u) for u in pagination_links(html, ORDOS_URL + "index_1.html")] == [ORDOS_URL]


def test_ordos_js_pager_is_read_from_document_write(ordos_served):
    written = "".join(js_written_html(ordos_served))
    assert '<a href="index.html">首页</a>' in written
    assert 'href="index_{computed}.html"' in written  # computed hrefs are marked, not guessed
    assert trs_pager_pages(ordos_served, ORDOS_URL) == [
        ORDOS_URL + "index.html",
        ORDOS_URL + "index_1.html",
    ]


def test_ordos_report_selection(ordos_served):
    page = read_list_page(ordos_served, ORDOS_URL)
    assert [a.label for a in page.reports] == [
        "鄂尔多斯市2019年政府信息公开工作年度报告",
        "鄂尔多斯市人民政府办公室2019年政府信息公开工作年度报告",
        "鄂尔多斯市2018年政府信息公开年度报告",
        "内蒙古自治区2018年政府信息公开工作年度报告",
    ]
    assert page.reports[0].url == ORDOS_URL + "202009/t20200903_2748784.html"
    skipped = {a.label: why for a, why in page.skipped}
    assert len(skipped) == 6
    assert skipped["恩格贝生态示范区召开2020年度工作会暨党风廉政建设会议"] == "excluded: 会议"
    assert skipped["2016，恩格贝，精彩继续！"] == "not a report title"
    # Navigation named after the column ("信息公开年报" -> ./) is not an item at all.
    assert all(not a.url.endswith("xxgknb/") for a in page.reports)
    assert len(page.items) == 10
    assert page.offsite == []  # the weather widget and the search form are not items


# --- TRS createPageHTML variants -----------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "url", "expected"),
    [
        (
            'createPageHTML(3, 0, "index", "html");',
            "http://a.gov.cn/x/",
            ["index.html", "index_1.html", "index_2.html"],
        ),
        (
            'createPageHTML(3, 2, "index", "shtml");',
            "http://a.gov.cn/x/index_2.shtml",
            ["index.shtml", "index_1.shtml", "index_2.shtml"],
        ),
        # records first (or a div id): the two numbers before the prefix are pages, current
        (
            "createPageHTML(145, 2, 0, 'index', 'htm');",
            "http://a.gov.cn/x/index.htm",
            ["index.htm", "index_1.htm"],
        ),
        (
            "createPageHTML('page_div', 3, 1, 'fg_index', 'html', 25);",
            "http://a.gov.cn/x/fg_index_1.html",
            ["fg_index.html", "fg_index_1.html", "fg_index_2.html"],
        ),
        (
            "var currentPage = 0;\nvar countPage = 2//共多少页",
            "http://a.gov.cn/x/index.html",
            ["index.html", "index_1.html"],
        ),
        ('createPageHTML(1, 0, "index", "html");', "http://a.gov.cn/x/", []),
    ],
)
def test_trs_pager_variants(script, url, expected):
    html = f"<html><body><div class='page'><script>{script}</script></div></body></html>"
    assert trs_pager_pages(html, url) == ["http://a.gov.cn/x/" + name for name in expected]


def test_trs_pager_ignores_its_own_page_in_pagination_links():
    html = '<script>createPageHTML(3, 1, "index", "html");</script>'
    assert pagination_links(html, "http://a.gov.cn/x/index_1.html") == [
        "http://a.gov.cn/x/index.html",
        "http://a.gov.cn/x/index_2.html",
    ]


# --- other pagers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchors", "url", "expected"),
    [
        (
            '<a href="list_2.html">下一页</a><a href="list_9.html">尾页</a>',
            "http://a.gov.cn/ndbg/list.html",
            ["http://a.gov.cn/ndbg/list_2.html", "http://a.gov.cn/ndbg/list_9.html"],
        ),
        (
            '<a href="?page=2">2</a><a href="?page=3">3</a><a href="javascript:void(0)">下页</a>',
            "http://a.gov.cn/ndbg/list.jsp",
            ["http://a.gov.cn/ndbg/list.jsp?page=2", "http://a.gov.cn/ndbg/list.jsp?page=3"],
        ),
        (
            '<a href="list.jsp?cid=5&pageNo=2">2</a>',
            "http://a.gov.cn/ndbg/list.jsp?cid=5",
            ["http://a.gov.cn/ndbg/list.jsp?cid=5&pageNo=2"],
        ),
        (
            '<a href="list.jsp?currPage=2">&gt;</a>',
            "http://a.gov.cn/ndbg/list.jsp",
            ["http://a.gov.cn/ndbg/list.jsp?currPage=2"],
        ),
        (
            '<a href="index.jsp?pageNum=2&uid=4">2</a>',
            "http://a.gov.cn/col/index.jsp",
            ["http://a.gov.cn/col/index.jsp?pagenum=2&uid=4".replace("pagenum", "pageNum")],
        ),
        # page numbers elsewhere on the site are not this list's pages
        (
            '<a href="/other/index_2.html">2</a><a href="http://b.gov.cn/x/list_2.html">下一页</a>',
            "http://a.gov.cn/ndbg/index.html",
            ["http://b.gov.cn/x/list_2.html"],
        ),
    ],
)
def test_pager_anchors(anchors, url, expected):
    assert pagination_links(f"<html><body>{anchors}</body></html>", url) == expected


def test_subcolumns_below_the_column_are_followed():
    html = (
        '<a href="./qzfbgs/">区政府办公室</a> <a href="./qfgw/index.html">区发改委</a>'
        ' <a href="../xxgkzn/">信息公开指南</a> <a href="/">首页</a>'
        ' <a href="./qfgw/index_1.html">2</a>'
    )
    visit = strategy_for("trs").read(html, "http://a.gov.cn/xxgk/zfxxgknb/", ["http://a.gov.cn/"])
    assert visit.page.subcolumns == [
        "http://a.gov.cn/xxgk/zfxxgknb/qzfbgs/",
        "http://a.gov.cn/xxgk/zfxxgknb/qfgw/index.html",
    ]
    assert [f.kind for f in visit.next] == ["column", "column"]
    assert visit.page.items == []


def test_offsite_pager_links_are_not_followed():
    html = '<a href="http://b.gov.cn/x/list_2.html">下一页</a>'
    assert read_list_page(html, "http://a.gov.cn/ndbg/list.html").pages == []


# --- titles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "is_report"),
    [
        ("东丽区2022年政府信息公开工作年度报告", True),
        ("诺敏镇人民政府2022年度政府信息公开工作年度报告", True),
        ("某局2018年政府信息公开年度报告", True),
        ("某县2015年政务信息公开年度报告", True),
        ("某区2021年度政府信息公开工作报告", True),
        ("2022年信息公开年报", True),
        ("2022年年报", True),
        ("民政局2023年度报告", True),
        ("某区2022年法治政府建设年度报告", False),
        ("关于做好2022年政府信息公开工作年度报告编制工作的通知", False),
        ("某区2023年政务公开工作要点", False),
        ("某局2023年部门预算", False),
        ("某局2022年部门决算公开", False),
        ("一图读懂2022年政府信息公开工作年度报告", False),
        ("2022年政府信息公开工作年度报告解读", False),
        ("某区2023年统计年报", False),
        ("政府信息公开指南", False),
        ("", False),
    ],
)
def test_classify_title(title, is_report):
    assert classify_title(title)[0] is is_report


def test_truncated_titles_use_the_title_attribute():
    html = (
        '<ul><li><a href="./202301/t20230120_1.html"'
        ' title="某县2022年政府信息公开工作年度报告">某县2022年政府信息公开工...</a></li>'
        '<li><a href="./202301/t20230121_2.html">某县2022年政府信息公开工...</a></li></ul>'
    )
    page = read_list_page(html, "http://a.gov.cn/ndbg/")
    assert [a.label for a in page.reports] == [
        "某县2022年政府信息公开工作年度报告",
        "某县2022年政府信息公开工...",
    ]


def test_custom_title_patterns_from_options():
    html = (
        '<a href="/a/t20230101_1.html">2022年度报告</a>'
        '<a href="/a/t20230101_2.html">某县2022年政府信息公开工作年度报告</a>'
    )
    strategy = strategy_for("generic", {"report_title_pattern": r"^\d{4}年度报告$"})
    visit = strategy.read(html, "http://a.gov.cn/a/", ["http://a.gov.cn/a/"])
    assert [a.label for a in visit.page.reports] == ["2022年度报告"]


def test_list_selector_limits_items_to_the_list_region():
    html = (
        '<div class="side"><a href="/a/t20230101_9.html">'
        "某市2022年政府信息公开工作年度报告</a></div>"
        '<ul class="list"><li><a href="/a/t20230101_1.html">'
        "某县2022年政府信息公开工作年度报告</a></li></ul>"
    )
    visit = strategy_for("generic", {"list_selector": "ul.list"}).read(
        html, "http://a.gov.cn/a/", ["http://a.gov.cn/a/"]
    )
    assert [a.url for a in visit.page.reports] == ["http://a.gov.cn/a/t20230101_1.html"]


# --- hosts -------------------------------------------------------------------------------


def test_offsite_links_are_dropped_and_reported():
    html = (
        '<a href="http://other.example.com/t20230101_1.html">某县2022年政府信息公开工作年度报告</a>'
        '<a href="http://127.0.0.1:9999/a/t20230101_2.html">某县2021年政府信息公开工作年度报告</a>'
        '<a href="/a/t20230101_3.html">某县2020年政府信息公开工作年度报告</a>'
    )
    page = read_list_page(html, "http://127.0.0.1:8000/a/list.html")
    assert [a.url for a in page.reports] == ["http://127.0.0.1:8000/a/t20230101_3.html"]
    assert len(page.offsite) == 2


def test_same_site_rules():
    site = ["http://www.a.gov.cn/xxgk/"]
    assert same_site("https://a.gov.cn/x.html", site)  # http->https and www are one site
    assert same_site("http://www.a.gov.cn:80/x.html", site)
    assert not same_site("http://b.a.gov.cn/x.html", site)
    assert same_site("http://127.0.0.1:8000/x", ["http://127.0.0.1:8000/"])
    assert not same_site("http://127.0.0.1:8001/x", ["http://127.0.0.1:8000/"])


# --- attachments -------------------------------------------------------------------------


def test_find_attachment_links():
    html = """<html><body><div id="zoom">
      <p>附件：<a href="/u/P020240131.pdf">报告.pdf</a> <a href="./b.DOCX">b</a>
      <a href="/module/download/downfile.jsp?classid=0&filename=abc.wps">wps</a>
      <a href="/u/pic.jpg">img</a> <a href="/u/P020240131.pdf#page=2">same pdf</a></p>
      <iframe src="/pdfjs/web/viewer.html?file=%2Fu%2Freport.pdf"></iframe>
      <embed src="../files/t.doc">
      <script>var url = "/u/table.xls";</script>
    </div></body></html>"""
    assert find_attachment_links(html, "http://a.gov.cn/x/y/t1.html") == [
        "http://a.gov.cn/u/P020240131.pdf",
        "http://a.gov.cn/x/y/b.DOCX",
        "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.wps",
        "http://a.gov.cn/u/report.pdf",
        "http://a.gov.cn/x/files/t.doc",
        "http://a.gov.cn/u/table.xls",
    ]


def test_attachment_extension():
    assert attachment_extension("http://a.gov.cn/x.PDF") == "pdf"
    assert attachment_extension("http://a.gov.cn/d.jsp?filename=r.docx") == "docx"
    assert attachment_extension("http://a.gov.cn/x.html") is None


def test_pdfjs_viewer_file_is_resolved_against_the_viewer():
    html = '<a href="/static/pdfjs/web/viewer.html?file=../../files/r.pdf">查看</a>'
    assert find_attachment_links(html, "http://a.gov.cn/p.html") == [
        "http://a.gov.cn/static/files/r.pdf"
    ]


# --- families ----------------------------------------------------------------------------

PROXY_HREF = (
    "/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=2150&unitid=5783"
    "&webname=%E7%A4%BA&permissiontype=0"
)
HANWEB_COLUMN = f"""<html><body><div id="5783"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{PROXY_HREF}"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2023/1/20/art_2150_11.html"
  title="某市2022年政府信息公开工作年度报告">某市2022年政府信...</a></li>]]></record>
<record><![CDATA[<li><a href="/art/2023/1/21/art_2150_12.html">
  某市2022年法治政府建设年度报告</a></li>]]></record>
</recordset></datastore></script></div>
<script>$('#5783').jpage({{totalRecord:50, perPage:15}});</script></body></html>"""


def test_hanweb_embedded_records_and_data_proxy():
    strategy = strategy_for("hanweb")
    url = "http://a.gov.cn/col/col2150/index.html"
    visit = strategy.read(HANWEB_COLUMN, url, [url])
    assert [a.label for a in visit.page.reports] == ["某市2022年政府信息公开工作年度报告"]
    assert len(visit.page.skipped) == 1
    (proxy,) = visit.next
    assert proxy.method == "POST" and proxy.kind == PROXY_KIND
    assert proxy.url == (
        "http://a.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=47&perpage=15"
    )
    form = dict(proxy.formdata)
    assert form["columnid"] == "2150" and form["unitid"] == "5783" and form["col"] == "1"

    answer = (
        "<datastore><totalrecord>50</totalrecord><recordset>"
        '<record><![CDATA[<li><a href="/art/2021/1/2/art_2150_3.html">'
        "某市2020年政府信息公开工作年度报告</a></li>]]></record></recordset></datastore>"
    )
    visit2 = strategy.read(answer, proxy.url, [url], proxy)
    assert [a.url for a in visit2.page.reports] == ["http://a.gov.cn/art/2021/1/2/art_2150_3.html"]
    (batch,) = visit2.next
    assert "startrecord=48&endrecord=50" in batch.url and batch.formdata == proxy.formdata
    # An empty answer ends the batches.
    assert (
        strategy.read(
            "<datastore><totalrecord>50</totalrecord></datastore>", batch.url, [url], batch
        ).next
        == []
    )


def test_trs_drops_mobile_twins():
    html = (
        '<a href="./202301/t20230120_1.html">某县2022年政府信息公开工作年度报告</a>'
        '<a href="./202301/t20230120_1_wap.html">某县2022年政府信息公开工作年度报告</a>'
    )
    visit = strategy_for("trs").read(html, "http://a.gov.cn/x/", ["http://a.gov.cn/x/"])
    assert [a.url for a in visit.page.reports] == ["http://a.gov.cn/x/202301/t20230120_1.html"]


def test_guess_family():
    assert guess_family("http://a.gov.cn/col/col2150/index.html") == "hanweb"
    assert guess_family("http://a.gov.cn/zwgk/ndbg/") == "generic"
