"""A page fetched as UTF-8 goes to lxml as its own bytes, not its text encoded again, and
only when those bytes are the text's UTF-8 (parsers.report._parse, parsers.html.parse_html).
"""

from __future__ import annotations

import dataclasses

import pytest

from parsers import html, parse_document, report
from parsers.encoding import decode_bytes, decode_page
from tests.made_pages import REAL_PAGES

REPLY = "<html><body><h1>2023年度政府信息公开工作年度报告</h1><p>{}</p></body></html>"


def utf8_handed_to_parse_html(monkeypatch, content: bytes) -> list:
    """What parse_document passed parse_html as the text's UTF-8, page by page."""
    handed = []
    parse_html = report.parse_html

    def recording(text, verdict=None, utf8=None):
        handed.append((text, utf8))
        return parse_html(text, verdict, utf8)

    monkeypatch.setattr(report, "parse_html", recording)
    parse_document(content, url="http://example.gov.cn/a.html")
    return handed


@pytest.mark.parametrize(
    "content",
    [
        REPLY.format("主动公开政府信息情况" * 30).encode(),
        # Mostly UTF-8 with stray bytes: decoded with replacement, so the text's UTF-8 is
        # not the body.
        REPLY.format("主动公开政府信息情况" * 30 + "\xff").encode().replace(b"\xc3\xbf", b"\xff"),
        REPLY.format("主动公开政府信息情况" * 30).encode("gb18030"),
        b"\xef\xbb\xbf" + REPLY.format("政府信息公开" * 30).encode(),  # a byte-order mark
        REPLY.format("\ufffd 替换字符" * 30).encode(),  # a U+FFFD the page itself holds
    ],
)
def test_the_bytes_handed_over_are_the_texts_utf8(monkeypatch, content):
    handed = utf8_handed_to_parse_html(monkeypatch, content)
    assert handed, "the page was parsed as HTML"
    for text, utf8 in handed:
        assert utf8 is None or utf8 == text.encode("utf-8")


def test_a_strict_utf8_page_hands_over_its_bytes(monkeypatch):
    content = REPLY.format("主动公开政府信息情况" * 30).encode()
    [(_, utf8)] = utf8_handed_to_parse_html(monkeypatch, content)
    assert utf8 is content


def test_a_page_with_stray_bytes_hands_over_none(monkeypatch):
    content = REPLY.format("主动公开政府信息情况" * 30).encode()
    content = content.replace("主".encode(), b"\xff", 1)
    text, codec = decode_bytes(content)
    assert codec == "utf-8" and "\ufffd" in text  # read as UTF-8, with a replacement
    [(_, utf8)] = utf8_handed_to_parse_html(monkeypatch, content)
    assert utf8 is None


def test_a_strict_page_holding_a_replacement_character_hands_over_its_bytes(monkeypatch):
    # decode_page knows the page was strict UTF-8; its text alone could not tell.
    content = REPLY.format("\ufffd 替换字符" * 30).encode()
    [(_, utf8)] = utf8_handed_to_parse_html(monkeypatch, content)
    assert utf8 is content


@pytest.mark.parametrize(
    "content",
    [
        REPLY.format("主动公开政府信息情况" * 30).encode(),
        REPLY.format("\ufffd 替换字符" * 30).encode(),
        REPLY.format("主动公开政府信息情况" * 30).encode().replace("主".encode(), b"\xff", 1),
        REPLY.format("主动公开政府信息情况" * 30).encode("gb18030"),
        b"\xef\xbb\xbf" + REPLY.format("政府信息公开" * 30).encode(),
        b"<p>ascii only</p>",
        b"\xff\xfe" + "<p>年度报告</p>".encode("utf-16-le"),
    ],
)
def test_decode_page_says_strict_only_of_a_body_that_is_its_texts_utf8(content):
    text, codec, strict = decode_page(content)
    assert (text, codec) == decode_bytes(content)
    assert strict == (text.encode("utf-8", "surrogatepass") == content)


def _handed_over(path) -> bool:
    """Whether parse_document hands lxml this page's own bytes (UTF-8 read strictly)."""
    return decode_page(path.read_bytes())[2]


# The pages read otherwise (GB18030, a byte-order mark) keep the encoded path, which
# every other parser test covers.
UTF8_PAGES = [path for path in REAL_PAGES if _handed_over(path)]


def test_most_real_pages_are_handed_over():
    assert len(UTF8_PAGES) > len(REAL_PAGES) // 2


@pytest.mark.parametrize("path", UTF8_PAGES, ids=lambda path: path.name)
def test_a_real_page_parsed_from_its_bytes_is_the_same_document(path):
    text, _ = decode_bytes(path.read_bytes())
    given = html.parse_html(text, utf8=path.read_bytes())
    encoded = html.parse_html(text)
    assert dataclasses.asdict(given) == dataclasses.asdict(encoded)


def test_decode_page_says_strict_of_the_real_pages_that_are_their_texts_utf8():
    for path in REAL_PAGES:
        content = path.read_bytes()
        text, _, strict = decode_page(content)
        assert strict == (text.encode("utf-8", "surrogatepass") == content), path.name
