"""Mangled real pages: the parsers and the list readers never raise and still find the report.

The corpus is made here from a real report (demo/faultserver.report_page: 上海市人民政府
办公厅 on 2019, 198 table cells): nested thousands deep, padded with 10 MB of tables,
garbled to broken UTF-8, replaced by binary junk, or carrying XML entity tricks.
Tests assert behaviour only: how long these take is measured by benchmarks/soak.py and
benchmarks/parse_speed.py, never here (a loaded machine must not fail a test).
"""

from __future__ import annotations

import random

import pytest

from crawler.families import strategy_for
from crawler.listpage import anchors
from demo.faultserver import report_page
from parsers import parse_document
from parsers.encoding import decode_bytes
from parsers.model import ParseOutcome

URL = "http://127.0.0.1/zwgk/zfxxgknb/202402/t20240209_1.html"
XXE_DOCTYPE = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
    b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
)


def report() -> bytes:
    return report_page()


def garbled(data: bytes, count: int, seed: int, junk=(0x80, 0xFF, 0xC3, 0xE6, 0x00)) -> bytes:
    generator = random.Random(seed)
    out = bytearray(data)
    for index in generator.sample(range(len(out)), count):
        out[index] = generator.choice(junk)
    return bytes(out)


def ten_megabytes_of_tables() -> bytes:
    rows = b"".join(
        b"<tr><td>%d</td><td>\xe5\x90\x88\xe8\xae\xa1</td><td>%d</td></tr>" % (i, i)
        for i in range(300)
    )
    table = b"<table>" + rows + b"</table>\n"
    return report().replace(b"</body>", table * (10_000_000 // len(table)) + b"</body>")


def junk(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


CORPUS = {
    "nested-divs-50000": lambda: (
        b"<html><body>" + b"<div>" * 50_000 + report() + b"</div>" * 50_000
    ),
    "nested-tables-20000": lambda: b"<table><tr><td>" * 20_000 + report(),
    "unclosed-tags-50000": lambda: report().replace(b"<body>", b"<body>" + b"<p><b><i>" * 50_000),
    "10mb-of-tables": ten_megabytes_of_tables,
    "binary-junk-2mb": lambda: junk(2_000_000),
    "html-head-then-junk": lambda: report()[:3000] + junk(1_000_000),
    "pdf-magic-then-junk": lambda: b"%PDF-1.4\n" + junk(500_000),
    "zip-magic-then-junk": lambda: b"PK\x03\x04" + junk(500_000),
    "ole-magic-then-junk": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + junk(500_000),
    "broken-utf8-3000-bytes": lambda: garbled(report(), 3000, seed=2),
    "utf8-cut-mid-character": lambda: report().replace("政府".encode(), "政府".encode()[:4]),
    "utf16-without-bom": lambda: report().decode("utf-8").encode("utf-16-le"),
    "nul-bytes-everywhere": lambda: report().replace(b">", b">\x00"),
    "one-line-no-tags-2mb": lambda: "政府信息公开工作年度报告 1 2 3 ".encode() * 60_000,
    "megabyte-attribute": lambda: report().replace(
        b"<body", b'<body class="' + b"x" * 1_000_000 + b'"'
    ),
    "unterminated-comment": lambda: b"<!--" + report(),
    "unterminated-cdata-and-script": lambda: b"<script><![CDATA[" + report(),
    "xml-entity-bomb-and-xxe": lambda: XXE_DOCTYPE + b"<d>&f;&xxe;</d>" + report(),
    "empty": lambda: b"",
}


@pytest.fixture(scope="module", params=sorted(CORPUS), ids=sorted(CORPUS))
def hostile(request):
    return request.param, CORPUS[request.param]()


def test_parser_never_raises_on_hostile_pages(hostile):
    name, data = hostile
    big = name.startswith("10mb")
    # The 10 MB page once (about 18 s here; it is why HTML_MAXSIZE exists), the rest
    # also as the content types that hostile servers send.
    for content_type in ("text/html",) if big else ("text/html", "application/octet-stream", None):
        outcome = parse_document(data, URL, content_type, None)
        assert isinstance(outcome, ParseOutcome)
        assert outcome.report is not None or outcome.reason, name
        if outcome.report is not None:
            assert "root:" not in outcome.report.body_text  # no entity ever read a file
        if big:
            assert outcome.report is not None and len(outcome.report.cells) >= 198


def test_list_readers_never_raise_on_hostile_pages(hostile):
    _, data = hostile
    text, _ = decode_bytes(data, None)
    for family in ("generic", "trs", "hanweb"):
        visit = strategy_for(family).read(text, URL, [URL])
        assert all("root:" not in anchor.url for anchor in visit.page.reports)


def test_hanweb_data_proxy_answer_with_entities_reads_no_file_and_no_bomb():
    """Hanweb's dataproxy answers are XML. The crawler reads their CDATA records with a
    regex and an HTML parser, so DTD entities are never expanded or fetched."""
    title = "某县2023年政府信息公开工作年度报告"
    record = f'<record><![CDATA[<li><a href="/art/1.html" title="{title}">x</a></li>]]></record>'
    answer = (
        XXE_DOCTYPE.decode()
        + f"<datastore><totalrecord>1</totalrecord><recordset>{record}"
        + '<record><![CDATA[<a href="/art/&xxe;.html">&f;</a>]]></record></recordset></datastore>'
    )
    from crawler.families.base import Fetch
    from crawler.families.hanweb import PROXY_KIND

    fetch = Fetch(URL + "?startrecord=1&endrecord=45&perpage=15", method="POST", kind=PROXY_KIND)
    visit = strategy_for("hanweb").read(answer, fetch.url, [URL], fetch)
    urls = [anchor.url for anchor in anchors(answer, URL)]
    assert not any("root:" in url for url in urls) and len(answer) < 10_000
    assert [a.url.rsplit("/", 1)[1] for a in visit.page.reports] == ["1.html"]


def test_column_page_with_20000_links_is_read_whole():
    items = "".join(
        f'<li><a href="./2024/t{i}.html" title="某单位{i}2023年政府信息公开工作年度报告">x</a></li>'
        for i in range(20_000)
    )
    text = f"<html><body><div class='list'><ul>{items}</ul></div></body></html>"
    visit = strategy_for("trs").read(text, URL, [URL])
    assert len(visit.page.reports) == 20_000


# --- encodings and nesting ------------------------------------------------------------------


def test_utf8_report_with_two_stray_bytes_is_still_a_report():
    data = report().replace("公开".encode(), b"\xff\x80", 2)
    outcome = parse_document(data, URL, "text/html; charset=utf-8", "utf-8")
    assert outcome.report is not None and len(outcome.report.cells) >= 190


def test_report_nested_300_deep_is_still_a_report():
    data = b"<html><body>" + b"<div>" * 300 + report() + b"</div>" * 300
    assert parse_document(data, URL, "text/html", None).report is not None
