"""Tests of the bundled demo portal (demo/portal/), its generator and its server.

The generator is rebuilt from the repository's own fixtures (tests/fixtures) and
the portal's report pages are compared with tests/golden.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from demo import build_portal  # noqa: E402
from demo.server import serve  # noqa: E402

FIXTURES = PROJECT / "tests" / "fixtures"
GOLDEN = PROJECT / "tests" / "golden"
PORTAL = PROJECT / "demo" / "portal"

REPORT_PAGES = {
    # source stem -> path of its page below the portal root
    "000_ee48f4fde292f35b": "plain/xxgk/ndbg/000_ee48f4fde292f35b.html",
    "001_594938079f36f576": "plain/xxgk/ndbg/001_594938079f36f576.html",
    "002_56f09fd46df237b3": "gkmlpt-site/attachment/0/419/419004/002_56f09fd46df237b3.docx",
    "003_ff39032f2697628d": "hanweb/art/2017/3/15/003_ff39032f2697628d.html",
    "004_c88faac3643766a2": "trs/zwgk/zfxxgknb/202402/004_c88faac3643766a2.html",
    "shanghai-bgt-2019": "trsapi-site/zwgk/zfxxgknb/202001/shanghai-bgt-2019.html",
}


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def docx_paragraphs_and_cells(path: Path) -> tuple[list[str], list[str]]:
    import docx

    document = docx.Document(str(path))
    cells, seen = [], set()
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell._tc not in seen:  # a merged cell repeats in every position it spans
                    seen.add(cell._tc)
                    cells.append(cell.text)
    return [p.text for p in document.paragraphs], cells


def page_text(path: Path) -> str:
    if path.suffix == ".docx":
        paragraphs, cells = docx_paragraphs_and_cells(path)
        return "\n".join(paragraphs + cells)
    data = path.read_bytes()
    if path.relative_to(PORTAL).parts[0] == "plain":
        return data.decode("gb18030")
    return data.decode("utf-8")


def table_cells(path: Path) -> list[str]:
    import lxml.html

    if path.suffix == ".docx":
        return docx_paragraphs_and_cells(path)[1]

    doc = lxml.html.fromstring(page_text(path))
    return [td.text_content() for td in doc.xpath("//table//td")]


def numbers(cell: str) -> list[float]:
    """The value(s) a numeric cell can stand for (元 is also read as 万元)."""
    t = re.sub(r"\s+", "", cell.replace("\xa0", " "))
    m = re.fullmatch(r"([+\-]?\d+(?:\.\d+)?)(万元|元)?", t)
    if not m:
        return []
    v = float(m.group(1))
    return [v, v / 10000] if m.group(2) == "元" else [v]


# ---------------------------------------------------------------------------
# the checked-in portal (no reference directory needed)
# ---------------------------------------------------------------------------


def test_portal_layout():
    for rel in [
        "robots.txt",
        "README.md",
        "trs/index.html",
        "trs/zwgk/zfxxgknb/index.html",
        "trs/zwgk/zfxxgknb/index_1.html",
        "trs/zwgk/zfxxgknb/index_2.html",
        "trs/pdfjs/web/viewer.html",
        "trs/zwgk/zfxxgknb/202402/huaian-city-2024.pdf",
        "trs/zwgk/zfxxgknb/202403/hongze-district-2023.pdf",
        "hanweb/index.html",
        "hanweb/col/col2150/index.html",
        "hanweb/module/web/jpage/columns/2150.xml",
        "trsapi-site/zwgk/zfxxgknb/index.html",
        "trsapi-site/trsapi/list-4127.json",
        "gkmlpt-site/gkmlpt/index",
        "gkmlpt-site/gkmlpt/api/all/2.json",
        "gkmlpt-site/attachment/0/419/419003/4190003.pdf",
        "_headers",
        "plain/index.html",
        "plain/xxgk/ndbg/list.html",
        "plain/xxgk/ndbg/list_2.html",
        *REPORT_PAGES.values(),
    ]:
        assert (PORTAL / rel).is_file(), rel
    assert (PORTAL / "robots.txt").read_text() == "User-agent: *\nDisallow: /private/\n"
    assert not list(PORTAL.glob("*/robots.txt"))


def test_report_pages_comment_and_dates():
    for rel in (rel for rel in REPORT_PAGES.values() if rel.endswith(".html")):
        text = page_text(PORTAL / rel)
        assert text.startswith("<!-- demo fixture: built by demo/build_portal.py from "), rel
        assert "real: report text and tables" in text.split("\n", 1)[0]
    # seeds 000 and 001 state no date: their pages claim none
    for stem in ("000_ee48f4fde292f35b", "001_594938079f36f576"):
        text = page_text(PORTAL / REPORT_PAGES[stem])
        assert 'name="PubDate"' not in text and "发布时间" not in text and "发布日期" not in text
    trs = page_text(PORTAL / REPORT_PAGES["004_c88faac3643766a2"])
    assert '<meta name="PubDate" content="2024-02-09 17:14" />' in trs
    assert 'class="TRS_Editor"' in trs and "huaian-city-2024.pdf" in trs
    hw = page_text(PORTAL / REPORT_PAGES["003_ff39032f2697628d"])
    assert 'content="2017-03-15 14:41"' in hw and '<div id="zoom">' in hw
    seed001 = page_text(PORTAL / REPORT_PAGES["001_594938079f36f576"])
    assert (
        "<title>东丽区2022年政府信息公开工作年度报告" in seed001
        and "香港免费公开资料大全" in seed001
    )
    assert "article-content" not in seed001 and 'id="zoom"' not in seed001


def test_list_pages():
    idx = (PORTAL / "trs/zwgk/zfxxgknb/index.html").read_text("utf-8")
    assert 'createPageHTML(3, 0, "index", "html");' in idx
    assert "./202402/004_c88faac3643766a2.html" in idx
    for i in (1, 2):
        page = (PORTAL / f"trs/zwgk/zfxxgknb/index_{i}.html").read_text("utf-8")
        assert f'createPageHTML(3, {i}, "index", "html");' in page
    col = (PORTAL / "hanweb/col/col2150/index.html").read_text("utf-8")
    # The first screen is embedded; the rest exists only behind the data proxy.
    assert '<script type="text/xml">' in col and col.count("<record>") == 15
    assert "index_2.html" not in col and "下一页" not in col
    assert "proxyUrl: '/hanweb/module/web/jpage/dataproxy.jsp'" in col and "ajaxParam" in col
    records = (PORTAL / "hanweb/module/web/jpage/columns/2150.xml").read_text("utf-8")
    assert "<totalrecord>40</totalrecord>" in records and records.count("<record>") == 40
    trsapi = (PORTAL / "trsapi-site/zwgk/zfxxgknb/index.html").read_text("utf-8")
    assert "/trsapi-site/trsapi/list?channelid=4127&page=" in trsapi
    assert "SID: '760001'" in (PORTAL / "gkmlpt-site/gkmlpt/index").read_text("utf-8")
    plain = (PORTAL / "plain/xxgk/ndbg/list.html").read_bytes()
    assert b'<meta charset="gb2312">' in plain
    assert 'href="list_2.html">下一页' in plain.decode("gbk")
    nodecl = (PORTAL / REPORT_PAGES["000_ee48f4fde292f35b"]).read_bytes()
    assert b"charset" not in nodecl.lower()
    with pytest.raises(UnicodeDecodeError):
        nodecl.decode("utf-8")


# ---------------------------------------------------------------------------
# generator (reads tests/fixtures)
# ---------------------------------------------------------------------------


def test_generator_is_deterministic_and_matches_checked_in(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    build_portal.build(a, FIXTURES)
    build_portal.build(b, FIXTURES)
    ta, tb = tree(a), tree(b)
    assert ta == tb
    checked_in = tree(PORTAL)
    assert sorted(ta) == sorted(checked_in)
    differing = [k for k in ta if ta[k] != checked_in[k]]
    assert not differing, f"demo/portal is stale, re-run demo/build_portal.py: {differing}"


@pytest.mark.parametrize("stem", sorted(REPORT_PAGES))
def test_report_tables_hold_gold_values(stem):
    gold_file = GOLDEN / (f"corpus_{stem}.json" if not stem[0].isdigit() else f"seed_{stem}.json")
    gold = json.loads(gold_file.read_text("utf-8"))
    want = Counter(float(v) for v in gold.get("cells", {}).values() if v is not None)
    have: Counter = Counter()
    for cell in table_cells(PORTAL / REPORT_PAGES[stem]):
        for v in numbers(cell):
            have[v] += 1
    missing = want - have
    assert not missing, f"{stem}: gold values not among the page's table cells: {dict(missing)}"


def test_report_text_snippets():
    """Gold must_contain snippets are on the page (the page renders the report text)."""
    import lxml.html

    for stem, rel in REPORT_PAGES.items():
        gold_file = GOLDEN / (
            f"corpus_{stem}.json" if not stem[0].isdigit() else f"seed_{stem}.json"
        )
        gold = json.loads(gold_file.read_text("utf-8"))
        text = re.sub(r"\s+", "", lxml.html.fromstring(page_text(PORTAL / rel)).text_content())
        for snippet in gold.get("must_contain", []):
            assert re.sub(r"\s+", "", snippet) in text, (stem, snippet)


# ---------------------------------------------------------------------------
# server
# ---------------------------------------------------------------------------


@pytest.fixture()
def base_url():
    server, url = serve(PORTAL)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.headers.get("Content-Type"), resp.read()


def test_server_serves_pages(base_url):
    status, ctype, body = fetch(base_url + "/trs/zwgk/zfxxgknb/index.html")
    assert status == 200 and ctype == "text/html"
    assert body == (PORTAL / "trs/zwgk/zfxxgknb/index.html").read_bytes()
    status, ctype, body = fetch(base_url + "/trs/zwgk/zfxxgknb/")
    assert status == 200 and body == (PORTAL / "trs/zwgk/zfxxgknb/index.html").read_bytes()
    status, ctype, _ = fetch(base_url + "/trs/zwgk/zfxxgknb/202403/hongze-district-2023.pdf")
    assert ctype == "application/pdf"
    status, ctype, body = fetch(base_url + "/gkmlpt-site/gkmlpt/index")
    assert ctype == "text/html" and b"_CONFIG" in body
    status, ctype, body = fetch(base_url + "/plain/xxgk/ndbg/000_ee48f4fde292f35b.html")
    assert ctype == "text/html" and "charset" not in ctype
    status, ctype, body = fetch(base_url + "/robots.txt")
    assert b"Disallow: /private/" in body


def test_server_404(base_url):
    for path in ("/no/such/page.html", "/trs/zwgk/zfxxgknb/index_3.html", "/../etc/passwd"):
        with pytest.raises(urllib.error.HTTPError) as err:
            fetch(base_url + path)
        assert err.value.code == 404


def post(url: str, form: dict[str, str]):
    data = urllib.parse.urlencode(form).encode("ascii")
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as resp:
        return resp.status, resp.headers.get("Content-Type"), resp.read().decode("utf-8")


def test_server_pages_the_hanweb_data_proxy(base_url):
    proxy = base_url + "/hanweb/module/web/jpage/dataproxy.jsp"
    _, ctype, body = post(proxy + "?startrecord=16&endrecord=30&perpage=15", {"columnid": "2150"})
    assert "xml" in ctype and "<totalrecord>40</totalrecord>" in body
    assert body.count("<record>") == 15
    _, _, tail = post(proxy + "?startrecord=31&endrecord=45&perpage=15", {"columnid": "2150"})
    assert tail.count("<record>") == 10 and "003_ff39032f2697628d" in tail
    _, _, unknown = post(proxy + "?startrecord=1&endrecord=45&perpage=15", {"columnid": "9"})
    assert "<totalrecord>0</totalrecord>" in unknown


def test_server_pages_the_json_list_apis(base_url):
    _, ctype, body = fetch(base_url + "/gkmlpt-site/gkmlpt/api/all/2?page=2&sid=760001")
    answer = json.loads(body)
    assert "json" in ctype and answer["total"] == 5 and len(answer["articles"]) == 1
    _, _, body = fetch(base_url + "/gkmlpt-site/gkmlpt/api/all/2?page=1&sid=1")
    assert json.loads(body)["articles"] == []  # a wrong site id finds nothing
    _, _, body = fetch(base_url + "/trsapi-site/trsapi/list?channelid=4127&page=9")
    answer = json.loads(body)["data"]
    assert answer["page"] == 3 and answer["list"][0]["DOCTITLE"].startswith("2019年上海市")


def test_server_sends_the_headers_file_overrides(base_url):
    _, ctype, _ = fetch(base_url + "/plain/xxgk/ndbg/001_594938079f36f576.html")
    assert ctype == "text/html; charset=utf-8"  # a GBK page under a UTF-8 header
    with pytest.raises(urllib.error.HTTPError):
        fetch(base_url + "/_headers")
