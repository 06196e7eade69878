"""Dynamic column lists (Hanweb data proxy, TRS JSON API, gkmlpt API), column discovery and
the attachment rules: pure functions on made snippets shaped like the real pages."""

from __future__ import annotations

import json

from crawler import discovery
from crawler.families import guess_family, strategy_for
from crawler.families.base import Fetch
from crawler.families.gkmlpt import API_KIND as GKMLPT_KIND
from crawler.families.gkmlpt import gkmlpt_root, site_id
from crawler.families.hanweb import PROXY_KIND, jpage_settings, parse_datastore, proxy_plan
from crawler.families.jsonapi import find_records, load_json, record_anchors
from crawler.families.trs import API_KIND as TRS_KIND
from parsers.model import Cell, ParseOutcome, Report
from parsers.provenance import (
    NOT_REPORT,
    REPORT,
    SAME_AS_PAGE,
    SCANNED,
    UNREADABLE,
    PageReport,
    attachment_status,
)

SITE = "http://a.gov.cn/"

# --- Hanweb data proxy ---------------------------------------------------------------------

# A column page whose nextgroup names only the column (as some JCMS versions write it):
# the rest of the form is in the jpage call's ajaxParam.
JS_ONLY_COLUMN = """<html><body><div id="4851098"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&columnid=1559772"></a>]]>
</nextgroup><recordset>
<record><![CDATA[<li><a href="/art/2023/1/20/art_1559772_1.html">
  某县2022年政府信息公开工作年度报告</a></li>]]></record>
</recordset></datastore></script></div>
<script type="text/javascript">
$('#4851098').jpage({dataStore: dataStore, perPage: 15, totalRecord: 40,
  proxyUrl: '/module/web/jpage/dataproxy.jsp',
  ajaxParam: {col: 1, appid: 1, webid: 3090, path: '/', columnid: 1559772,
              sourceContentType: 1, unitid: '4851098', webname: '某县人民政府',
              permissiontype: 0}});
</script></body></html>"""
COLUMN_URL = "http://a.gov.cn/col/col1559772/index.html"


def answer(start: int, end: int, total: int) -> str:
    records = "".join(
        f'<record><![CDATA[<li><a href="/art/2020/1/{n}/art_1559772_{n}.html">'
        f"某县2019年部门预算公开{n}</a></li>]]></record>"
        for n in range(start, end + 1)
    )
    return (
        f"<datastore><totalrecord>{total}</totalrecord><recordset>{records}</recordset></datastore>"
    )


def test_hanweb_form_fields_come_from_the_inline_jpage_call():
    settings = jpage_settings(JS_ONLY_COLUMN)
    assert settings["webid"] == "3090" and settings["webname"] == "某县人民政府"
    assert settings["perPage"] == "15" and settings["totalRecord"] == "40"
    plan = proxy_plan(JS_ONLY_COLUMN, COLUMN_URL)
    assert plan.url == "http://a.gov.cn/module/web/jpage/dataproxy.jsp"
    assert plan.form["unitid"] == "4851098" and plan.form["columnid"] == "1559772"
    assert plan.form["path"] == "/" and plan.form["col"] == "1"
    assert plan.total == 40 and plan.per_page == 15


def test_hanweb_registry_form_fields_win_over_the_page():
    plan = proxy_plan(JS_ONLY_COLUMN, COLUMN_URL, {"hanweb_form": {"webid": 7, "unitid": 99}})
    assert plan.form["webid"] == "7" and plan.form["unitid"] == "99"


def test_hanweb_column_is_paged_screen_by_screen_until_totalrecord():
    strategy = strategy_for("hanweb", {"hanweb_batch": 15})
    visit = strategy.read(JS_ONLY_COLUMN, COLUMN_URL, [SITE])
    (first,) = visit.next
    assert first.method == "POST" and first.kind == PROXY_KIND
    assert first.url.endswith("dataproxy.jsp?startrecord=2&endrecord=16&perpage=15")
    assert dict(first.formdata)["webid"] == "3090"
    second = strategy.read(answer(2, 16, 40), first.url, [SITE], first).next[0]
    assert "startrecord=17&endrecord=31" in second.url and second.formdata == first.formdata
    third = strategy.read(answer(17, 31, 40), second.url, [SITE], second).next[0]
    assert "startrecord=32&endrecord=40" in third.url
    last = strategy.read(answer(32, 40, 40), third.url, [SITE], third)
    assert last.next == [] and len(last.page.skipped) == 9


def test_hanweb_page_without_a_total_asks_the_proxy_to_learn_it():
    page = JS_ONLY_COLUMN.replace("totalRecord: 40,", "")
    (fetch,) = strategy_for("hanweb").read(page, COLUMN_URL, [SITE]).next
    assert "startrecord=2&endrecord=46" in fetch.url


def test_hanweb_answer_is_parsed_without_expanding_entities():
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">'
        '<!ENTITY big "AAAAAAAAAA">]><datastore><totalrecord>1</totalrecord><recordset>'
        "<record>&x;&big;</record></recordset></datastore>"
    )
    datastore = parse_datastore(hostile)
    assert datastore.total == 1
    assert all("root:" not in r and "AAAA" not in r for r in datastore.records)


def test_hanweb_column_that_shows_everything_asks_nothing_more():
    page = JS_ONLY_COLUMN.replace("totalRecord: 40", "totalRecord: 1")
    assert strategy_for("hanweb").read(page, COLUMN_URL, [SITE]).next == []


# --- TRS columns whose later pages come from a JSON API ------------------------------------

TRS_COLUMN = """<html><body><ul>
<li><a href="./202401/t20240120_1.html">某区2023年政府信息公开工作年度报告</a></li>
</ul><a id="more" href="javascript:;">加载更多</a></body></html>"""
TRS_URL = "http://a.gov.cn/zwgk/zfxxgknb/index.html"
TRS_OPTIONS = {"api_url": "/trsapi/list?channelid=12&page={page}"}


def trs_answer(*titles: str) -> str:
    rows = [
        {"DOCTITLE": t, "DOCPUBURL": f"http://a.gov.cn/zwgk/zfxxgknb/2023/t2023_{i}.html"}
        for i, t in enumerate(titles)
    ]
    return json.dumps({"code": 200, "data": {"total": 9, "list": rows}}, ensure_ascii=False)


def test_trs_api_column_asks_page_two_of_the_api():
    visit = strategy_for("trs", TRS_OPTIONS).read(TRS_COLUMN, TRS_URL, [SITE])
    (api,) = visit.next
    assert api.url == "http://a.gov.cn/trsapi/list?channelid=12&page=2"
    assert api.kind == TRS_KIND and api.page == 2 and api.column_url == TRS_URL


def test_trs_api_answer_rows_are_items_and_ask_the_next_page():
    strategy = strategy_for("trs", TRS_OPTIONS)
    fetch = strategy.read(TRS_COLUMN, TRS_URL, [SITE]).next[0]
    visit = strategy.read(
        trs_answer("某区2022年政府信息公开工作年度报告", "某区2022年部门决算公开"),
        fetch.url,
        [SITE],
        fetch,
    )
    assert [a.label for a in visit.page.reports] == ["某区2022年政府信息公开工作年度报告"]
    assert [why for _, why in visit.page.skipped] == ["excluded: 决算"]
    assert [f.url for f in visit.next] == ["http://a.gov.cn/trsapi/list?channelid=12&page=3"]


def test_trs_api_empty_page_ends_the_column():
    strategy = strategy_for("trs", TRS_OPTIONS)
    fetch = Fetch("http://a.gov.cn/trsapi/list?page=5", kind=TRS_KIND, page=5, column_url=TRS_URL)
    assert strategy.read(trs_answer(), fetch.url, [SITE], fetch).next == []


def test_trs_api_field_options_and_html_answers():
    rows = {"page": {"content": [{"biaoti": "某区2021年政务信息公开年度报告", "lj": "/a/1.html"}]}}
    options = {**TRS_OPTIONS, "api_title_field": "biaoti", "api_url_field": "lj"}
    fetch = Fetch("http://a.gov.cn/api?p=2", kind=TRS_KIND, page=2, column_url=TRS_URL)
    visit = strategy_for("trs", options).read(json.dumps(rows), fetch.url, [SITE], fetch)
    assert [a.url for a in visit.page.reports] == ["http://a.gov.cn/a/1.html"]
    html = {"data": {"html": '<li><a href="/b/2.html">某区2020年政府信息公开工作年度报告</a></li>'}}
    options = {**TRS_OPTIONS, "api_html_field": "data.html"}
    visit = strategy_for("trs", options).read(json.dumps(html), fetch.url, [SITE], fetch)
    assert [a.url for a in visit.page.reports] == ["http://a.gov.cn/b/2.html"]


def test_json_answers_wrapped_as_jsonp_are_read():
    assert load_json('callback({"data": [{"title": "x", "url": "/1.html"}]});') == {
        "data": [{"title": "x", "url": "/1.html"}]
    }
    assert load_json("<html>error</html>") is None
    rows = find_records(load_json('var list = {"result": {"docs": [{"docTitle": "t"}]}};'))
    assert rows == [{"docTitle": "t"}]
    assert record_anchors([{"title": "<em>t</em>"}], SITE) == []  # no address, no item


# --- Guangdong gkmlpt -----------------------------------------------------------------------

GKMLPT_PAGE = "<script>window._CONFIG = { SID: '755031', SITE_NAME: 'x' };</script>"
GKMLPT_URL = "http://www.a.gov.cn/bm/gkmlpt/index"


def gkmlpt_answer(n: int, total: int, page: int) -> str:
    articles = [
        {"id": i, "title": f"某局{2000 + i}年政府信息公开工作年度报告", "url": f"/c/post_{i}.html"}
        for i in range(n)
    ]
    return json.dumps({"articles": articles, "total": total, "page": page}, ensure_ascii=False)


def test_gkmlpt_api_address_uses_the_pages_sid_and_the_category_option():
    assert site_id(GKMLPT_PAGE) == "755031"
    assert gkmlpt_root(GKMLPT_URL) == "http://www.a.gov.cn/bm/gkmlpt/"
    (api,) = strategy_for("gkmlpt", {"cat": 2811}).read(GKMLPT_PAGE, GKMLPT_URL, [GKMLPT_URL]).next
    assert api.url == "http://www.a.gov.cn/bm/gkmlpt/api/all/2811?page=1&sid=755031"
    assert api.kind == GKMLPT_KIND


def test_gkmlpt_pages_until_total_is_reached():
    strategy = strategy_for("gkmlpt", {"cat": 5})
    first = strategy.read(GKMLPT_PAGE, GKMLPT_URL, [GKMLPT_URL]).next[0]
    visit = strategy.read(gkmlpt_answer(3, 5, 1), first.url, [GKMLPT_URL], first)
    assert len(visit.page.reports) == 3
    (second,) = visit.next
    assert second.url.endswith("api/all/5?page=2&sid=755031")
    done = strategy.read(gkmlpt_answer(2, 5, 2), second.url, [GKMLPT_URL], second)
    assert done.next == []  # 2 pages of 3 cover the 5


def test_gkmlpt_page_without_a_sid_says_so():
    visit = strategy_for("gkmlpt").read("<html></html>", GKMLPT_URL, [GKMLPT_URL])
    assert visit.next == [] and "option sid" in visit.script_list


def test_family_guessed_from_addresses():
    assert guess_family("http://www.sz.gov.cn/gkmlpt/index") == "gkmlpt"
    assert guess_family("http://a.gov.cn/col/col12/index.html") == "hanweb"


# --- column discovery -----------------------------------------------------------------------

HOME = """<html><body>
<a href="/zwgk/">政务公开</a> <a href="/xxgk/">信息公开</a>
<a href="/tjnb/">统计年报</a> <a href="/nb/">年报</a>
<a href="/fzzf/">法治政府建设年度报告</a>
<a href="/zwgk/ndbg/202401/t20240120_1.html">2023年政府信息公开工作年度报告</a>
<a href="http://other.gov.cn/nb/">政府信息公开年报</a>
</body></html>"""


def test_discovery_keeps_column_names_and_leaves_reports_and_other_reports():
    links = discovery.find_columns(HOME, SITE, [SITE])
    assert [(link.url, link.strength) for link in links] == [("http://a.gov.cn/nb/", "short name")]
    assert discovery.find_intermediate(HOME, SITE, [SITE]) == "http://a.gov.cn/zwgk/"


def test_discovery_prefers_full_column_names():
    page = '<a href="/nb/">年报</a><a href="/zfxxgknb/">政府信息公开工作年度报告</a>'
    links = discovery.find_columns(page, SITE, [SITE])
    assert [link.strength for link in links] == ["full name", "short name"]


def test_discovered_column_is_confirmed_by_its_column_name_meta_or_its_reports():
    named = '<meta name="ColumnName" content="政府信息公开年报"><p>…</p>'
    assert discovery.accept_column(named, SITE + "nb/", [SITE], "short name")[0]
    statistics = (
        '<meta name="ColumnName" content="统计年报"><a href="/tj/1.html">2023年统计年报</a>'
    )
    assert not discovery.accept_column(statistics, SITE + "tjnb/", [SITE], "short name")[0]
    listing = '<a href="/nb/t20240101_1.html">某县2023年政府信息公开工作年度报告</a>'
    assert discovery.accept_column(listing, SITE + "nb/", [SITE], "short name")[0]
    assert discovery.accept_column("<p>空</p>", SITE + "nb/", [SITE], "full name")[0]


# --- attachments: the page's own report, scans ----------------------------------------------


def report(organ: str, year: int, cells: dict | None = None) -> Report:
    made = Report("u", "t", organ, year, None, "2021", "text")
    made.cells = [Cell(k, v, str(v)) for k, v in (cells or {}).items()]
    return made


TABLE = {f"t3.k{i}": i for i in range(20)}


def test_attachment_with_the_pages_organ_and_year_is_the_same_report():
    page = PageReport.of(report("通渭县人民政府", 2023))
    outcome = ParseOutcome("a.pdf", report("定西市通渭县人民政府", 2023, TABLE))
    assert attachment_status(outcome, page) == SAME_AS_PAGE
    other_year = ParseOutcome("b.pdf", report("定西市通渭县人民政府", 2022))
    assert attachment_status(other_year, page) == REPORT


def test_attachment_whose_cells_differ_from_the_pages_is_another_report():
    page = PageReport.of(report("上海市人民政府", 2019, TABLE))
    same_cells = ParseOutcome("a.pdf", report("上海市人民政府办公厅", 2019, TABLE))
    assert attachment_status(same_cells, page) == SAME_AS_PAGE
    other = {k: v + 1 for k, v in TABLE.items()}
    assert attachment_status(ParseOutcome("b.pdf", report("上海市", 2019, other)), page) == REPORT
    assert attachment_status(ParseOutcome("c.pdf", report("x", 2019)), None) == REPORT


def test_unparsed_attachments_say_why():
    scanned = ParseOutcome("s.pdf", None, "scanned PDF: no text layer (2 pages)")
    assert attachment_status(scanned, None) == SCANNED
    assert attachment_status(ParseOutcome("d.doc", None, "cannot read doc: x"), None) == UNREADABLE
    assert (
        attachment_status(ParseOutcome("e.pdf", None, "PDF too large: 9 bytes"), None) == UNREADABLE
    )
    notice = ParseOutcome("n.pdf", None, "no annual-report title, sections or tables")
    assert attachment_status(notice, None) == NOT_REPORT
