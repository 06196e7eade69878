"""A page whose own name says it is another document (a notice, a 解读) is judged by that
name before its text is read (parsers.report._verdict_by_name): the outcome must be the
one of the whole page read. Every real page in the fixtures and the demo portal, and
made pages for the edges: pictures inside and outside the article, a name found only in
the text, in a heading, in <meta>, or in the <title> beside a report's name.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from parsers import parse_document
from parsers.encoding import decode_bytes
from parsers.html import parse_html
from parsers.meta import choose_title
from parsers.report import _NameVerdict, _verdict_by_name, interpret

ROOT = Path(__file__).resolve().parents[1]
REAL_PAGES = sorted((ROOT / "tests" / "fixtures").rglob("*.htm*"))
REAL_PAGES += sorted(
    p for p in (ROOT / "demo" / "portal").rglob("*.html") if "pdfjs" not in p.parts
)

NOTICE = "关于做好2023年政府信息公开工作年度报告编制工作的通知"
REPORT = "某某县2023年政府信息公开工作年度报告"
PROSE = "<p>" + "根据《中华人民共和国政府信息公开条例》规定，现将有关事项通知如下。" * 8 + "</p>"
MADE_PAGES = {
    "meta names a notice": f'<html><head><meta name="ArticleTitle" content="{NOTICE}">'
    f"</head><body><div id='zoom'>{PROSE}</div></body></html>",
    "title names a notice, a picture in the article": f"<html><head><title>{NOTICE}</title>"
    f"</head><body><div id='zoom'>{PROSE}<img src='a.png'><img src='a.png'>"
    "<img data-src='b.jpg'></div></body></html>",
    "title names a notice, a picture outside the article": f"<html><head><title>{NOTICE}"
    f"</title></head><body><img src='logo.png'><div id='zoom'>{PROSE}</div>"
    "<nav><img src='nav.png'></nav></body></html>",
    "a heading names a notice": f"<html><body><h1>{NOTICE}</h1><div>{PROSE}</div></body></html>",
    "only the text names a notice": f"<html><head><title>首页</title></head><body><div><p>"
    f"{NOTICE}</p>{PROSE}</div></body></html>",
    "the title names a report, the text a notice": f"<html><head><title>{REPORT}</title>"
    f"</head><body><div id='zoom'><p>{NOTICE}</p>{PROSE}</div></body></html>",
    "title pieces: a site name, then a notice": f"<html><head><title>某某县人民政府 - {NOTICE}"
    f"</title></head><body><div id='zoom'>{PROSE}<img src='x.gif'></div></body></html>",
    "meta names a report, the title a notice": f'<html><head><meta name="ArticleTitle" '
    f'content="{REPORT}"><title>{NOTICE}</title></head><body>{PROSE}</body></html>',
    "a 解读 in <meta>, with tables": f'<html><head><meta name="title" content="{REPORT}解读">'
    "</head><body><div id='zoom'><table><tr><td>本年新收政府信息公开申请数量</td><td>12</td>"
    "</tr></table>" + PROSE + "</div></body></html>",
}


# Pages of little text: judged by a bound of their text (html._most_text), near it and past it.
HAN = "样例县人民政府办公室"  # 10 characters
CELLS = "<table>" + "<tr><td>主动公开</td><td>12</td><td>0</td></tr>" * 10 + "</table>"
LITTLE = {
    "199 characters": f"<html><body><div>{HAN * 19}123456789</div></body></html>",
    "200 characters": f"<html><body><div>{HAN * 20}</div></body></html>",
    "150 characters and table pipes": f"<html><body><p>{HAN * 11}</p>{CELLS}</body></html>",
    "a few cells": "<html><body><p>x</p><table><tr><td>1</td><td>2</td></tr></table></body></html>",
    "characters NFKC lengthens": f"<html><body><p>{'㈠…' * 60}</p></body></html>",
    "a line names a report": f"<html><head><title>首页</title></head><body><p>{HAN}</p>"
    "<p>某县2023年政府信息公开工作年度报告</p></body></html>",
    "a line names a notice": f"<html><body><p>{NOTICE}</p></body></html>",
    "meta names a notice, short": f'<html><head><meta name="ArticleTitle" content="{NOTICE}">'
    "</head><body><p>短</p></body></html>",
    "meta names another thing, short": '<html><head><meta name="ArticleTitle" content="预算公开">'
    "</head><body><p>短<img src='p.png'></p></body></html>",
    "a heading names a budget": "<html><body><h2>样例县2023年部门预算公开说明</h2><p>短</p>"
    "</body></html>",
    "title names a report, short": f"<html><head><title>{REPORT}</title></head><body><p>短</p>"
    "<img src='in.png'></body></html>",
    "empty": "<html><body></body></html>",
    "words across tags": "<html><body><p>信息<b>公开</b>年度报告</p></body></html>",
    "words joined once a button goes": "<html><body><p>某县信息<button>按钮</button>公开年度报告"
    "</p></body></html>",
    "non-BMP text": f"<html><body><p>{'𠀀' * 150}</p></body></html>",
    "full-width and spaces": f"<html><body><p>{'１２３　，' * 45}</p></body></html>",
}
PAGES_BY_TEXT = list(LITTLE.items())


@pytest.mark.parametrize(("name", "text"), PAGES_BY_TEXT, ids=[name for name, _ in PAGES_BY_TEXT])
def test_a_page_of_little_text_reads_as_the_whole_page(name, text):
    url = "http://127.0.0.1/page.html"
    assert repr(parse_document(text, url)) == repr(read_whole(text, url))


def test_pages_of_little_text_are_judged_without_their_blocks():
    judged = {name for name, text in LITTLE.items() if parse_html(text, _verdict_by_name).verdict}
    assert judged == {
        "199 characters",
        "a few cells",
        "meta names a notice, short",
        "meta names another thing, short",
        "a heading names a budget",
        "title names a report, short",
        "empty",
        "full-width and spaces",
    }
    assert parse_document(LITTLE["meta names another thing, short"], "u").pictures == ["p.png"]
    private = (ROOT / "demo" / "portal" / "private" / "index.html").read_text(encoding="utf-8")
    assert parse_html(private, _verdict_by_name).verdict.startswith("no report text")


def read_whole(text: str, url: str):
    """parse_document of a page as text, with every block read (no verdict by name)."""
    document = parse_html(text)
    outcome = interpret(document, url)
    outcome.links, outcome.base = document.links, document.base
    outcome.pictures = document.pictures
    if outcome.report is None:
        outcome.text, outcome.anchors = text, document.anchors
    return outcome


PAGES = [(str(p.relative_to(ROOT)), decode_bytes(p.read_bytes())[0]) for p in REAL_PAGES]
PAGES += list(MADE_PAGES.items())


@pytest.mark.parametrize(("name", "text"), PAGES, ids=[name for name, _ in PAGES])
def test_a_page_judged_by_its_name_reads_as_the_whole_page(name, text):
    url = "http://127.0.0.1/page.html"
    assert repr(parse_document(text, url)) == repr(read_whole(text, url))


def test_notices_are_judged_by_name_without_their_text():
    # The edge cases above must reach the short path, or the comparison proves nothing.
    judged = [
        name for name, text in MADE_PAGES.items() if parse_html(text, _verdict_by_name).verdict
    ]
    assert judged == [
        "meta names a notice",
        "title names a notice, a picture in the article",
        "title names a notice, a picture outside the article",
        "a heading names a notice",
        "title pieces: a site name, then a notice",
        "a 解读 in <meta>, with tables",
    ]
    inside = parse_document(MADE_PAGES["title names a notice, a picture in the article"], "u")
    assert inside.reason.endswith(NOTICE) and inside.pictures == ["a.png", "b.jpg"]
    outside = parse_document(MADE_PAGES["title names a notice, a picture outside the article"], "u")
    assert outside.reason.endswith(NOTICE) and outside.pictures == []
    real = [
        name
        for name, text in PAGES[: len(REAL_PAGES)]
        if parse_html(text, _verdict_by_name).verdict
    ]
    assert len(real) >= 20  # the demo portal's notices and plans


def _questions(text: str) -> list[tuple]:
    """The questions parse_html asks of a page's verdict, as asked."""
    asked = []

    def record(*question):
        asked.append(question)
        return _verdict_by_name(*question)

    parse_html(text, record)
    return asked


VERDICT_PAGES = [decode_bytes(p.read_bytes())[0] for p in REAL_PAGES]
VERDICT_PAGES += list(MADE_PAGES.values()) + list(LITTLE.values())


def test_the_verdict_of_one_page_answers_as_the_plain_definition_on_every_page():
    asked_twice = 0
    for text in VERDICT_PAGES:
        one_page = _NameVerdict()  # as _parse makes one for each page
        questions = _questions(text)
        asked_twice += len(questions) == 2
        for question in questions:
            assert one_page(*question) == _verdict_by_name(*question), question[1]
        fast = parse_html(text, _NameVerdict()).verdict
        assert fast == parse_html(text, _verdict_by_name).verdict
    assert asked_twice >= 10  # the pages whose title is chosen once for two questions


def test_the_verdict_of_one_page_chooses_again_for_another_name():
    # Asked of other fields or another <title> (random pairs of the pages' names), it
    # answers for them, not for the name it was asked of first.
    questions = [q for text in VERDICT_PAGES for q in _questions(text)]
    rng = random.Random(16)
    one_page = _NameVerdict()
    for _ in range(600):
        question = rng.choice(questions)
        meta = dict(question[0]) if rng.random() < 0.5 else question[0]
        question = (meta, rng.choice(questions)[1], *question[2:])
        assert one_page(*question) == _verdict_by_name(*question), question[1]


def test_a_page_read_with_its_names_chosen_once_reads_as_with_the_plain_definitions():
    for text in VERDICT_PAGES:
        names = _NameVerdict()
        fast = interpret(parse_html(text, names), "http://example.gov.cn/a.html", names)
        plain = interpret(parse_html(text, _verdict_by_name), "http://example.gov.cn/a.html")
        assert fast == plain


def test_the_title_of_one_page_is_choose_titles_for_any_fields_and_lines():
    questions = [q for text in VERDICT_PAGES for q in _questions(text)]
    lines = [line for text in VERDICT_PAGES for line in text.splitlines()[:40]]
    lines += [NOTICE, REPORT, f"  {REPORT}  ", "首页"]
    rng = random.Random(1616)
    one_page = _NameVerdict()
    chosen_from_lines = 0
    for _ in range(600):
        meta, page_title = rng.choice(questions)[:2]
        if rng.random() < 0.3:
            meta = dict(meta)
        some = rng.sample(lines, 14)
        expected = choose_title(meta, page_title, some)
        assert one_page.title(meta, page_title, some) == expected, page_title
        chosen_from_lines += expected is not None and choose_title(meta, page_title, []) is None
    assert chosen_from_lines >= 5  # titles found only in the lines are compared too
