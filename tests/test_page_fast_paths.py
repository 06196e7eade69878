"""The fast paths of a page's fixed cost read what their plain definitions read: the text
of an element (string_of) against XPath's string(), over every element of the real pages
and of made pages holding what a text serialisation could treat otherwise than XPath
(comments, scripts and styles, CDATA, processing instructions, entities, tails).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

from parsers import density, html, parse_document, sniff
from parsers.density import string_of, text_length
from parsers.encoding import decode_bytes, decode_page
from parsers.meta import _PUBLISHED_BY_LABEL, _TITLE_SPLIT, date_string, labelled_date, title_pieces

ROOT = Path(__file__).resolve().parents[1]
REAL_PAGES = sorted((ROOT / "tests" / "fixtures").rglob("*.htm*"))
REAL_PAGES += sorted(
    p for p in (ROOT / "demo" / "portal").rglob("*.html") if "pdfjs" not in p.parts
)
PLAIN_STRING = etree.XPath("string()")

BITS = ["政府信息公开", " ", "\n", "\r\n", "\u3000", "\xa0", "a&amp;b", "&lt;&gt;", "&#20154;"]
BITS += ["<!-- 注释 -->", "<script>var a = '<b>x</b>';</script>", "<style>p{}</style>"]
BITS += ["<![CDATA[c]]>", "<?php echo 1 ?>", "<br>", "&nbsp;", "x\x0cy", "\t"]
TAGS = ["div", "p", "span", "a", "td", "table", "tr", "b", "textarea", "title", "noscript"]


def made_page(seed: int) -> str:
    rng = random.Random(seed)

    def element(depth: int) -> str:
        if depth == 0:
            return "".join(rng.choice(BITS) for _ in range(rng.randint(0, 4)))
        tag = rng.choice(TAGS)
        inner = "".join(element(depth - 1) + rng.choice(BITS) for _ in range(rng.randint(0, 4)))
        return f"<{tag}>{inner}</{tag}>"

    return f"<html><head><title>t</title></head><body>{element(4)}{element(3)}</body></html>"


def assert_strings_alike(root) -> None:
    for element in root.iter(etree.Element):  # elements only: no comment is measured
        assert string_of(element) == PLAIN_STRING(element)
        text = PLAIN_STRING(element)
        assert text_length(element) == len("".join(text.split()))


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_text_of_every_element_of_a_real_page_is_its_string_value(path):
    assert_strings_alike(html._document_root(decode_bytes(path.read_bytes())[0]))


@pytest.mark.parametrize("seed", range(200))
def test_text_of_every_element_of_a_made_page_is_its_string_value(seed):
    root = html._document_root(made_page(seed))
    assert_strings_alike(root)
    etree.strip_elements(root, *html.DROP_TAGS, etree.Comment, with_tail=False)
    assert_strings_alike(root)


def plain_labelled_date(text: str) -> str | None:
    for pattern in _PUBLISHED_BY_LABEL:
        match = pattern.search(text)
        if match:
            return date_string(*match.groups())
    return None


LABELLED = ["发布时间：2023-01-05", "发布日期 2023年1月5日", "公开日期:2023/1/5", "日期2023.1.5"]
LABELLED += ["发布时2023-01-05", "发文日2023-01-05", "时间：2023-01-05", "成文日期：2023-01-05"]
LABELLED += ["发布日期：2023-13-05", "", "日期", "发布时间"]


@pytest.mark.parametrize("text", LABELLED)
def test_labelled_date_looks_for_a_label_only_where_one_is(text):
    for around in ("{}", "正文{}正文", "{}发布日期：2020-02-02"):
        page = around.format(text)
        assert labelled_date(page) == plain_labelled_date(page)


LINKS_HOLDING_THE_TEXT = [
    "<ul><li><a href='/a'>{long}</a></li><li><a href='/b'>短</a></li></ul><p>页脚</p>",
    "<div><a href='/a'><span>{long}</span></a></div><p>页脚</p>",
    "<div><a href='/a'>{long}<b>粗</b></a></div>",
    "<h1>标题</h1><div><div><a href='/a'>{long}</a></div></div>",
    "<div><a href='/a'>{long}</a><p>{long}</p></div>",
    "<a href='/a'><div><p>{long}</p></div></a><p>尾</p>",
]


@pytest.mark.parametrize("body", LINKS_HOLDING_THE_TEXT)
@pytest.mark.parametrize("size", [1, 20, 300])
def test_densest_where_a_link_holds_most_text_is_the_one_measured_one_by_one(body, size):
    root = html._document_root(f"<html><body>{body.format(long='长' * size)}</body></html>")
    element = root.find("body")
    assert density.densest(element) is density._densest_by_scan(element)


BODIES = [
    b"<html><p>x</p></html>",
    b"  \n\t<p>x</p>",
    b"\x89PNG\r\n\x1a\nrest",
    b"\xff\xd8\xffjpeg",
]
BODIES += [
    b"GIF89a...",
    b"%PDF-1.4",
    b"plain text",
    b"",
    b" ",
    b"\x0c<p>",
    b"\x00<p>",
    b"Rar!\x1a\x07",
]
TYPES = [None, "text/html", "image/png", "IMAGE/JPEG", "application/octet-stream", "text/xml"]
URLS = ["http://a/b.png", "http://a/b.html", "http://a/b.pdf", "http://a/scan.JPG?x=1"]


@pytest.mark.parametrize("body", BODIES)
def test_pictures_setting_is_looked_up_only_where_it_changes_what_a_body_is(body):
    for content_type in TYPES:
        if sniff.pictures_matter(body, content_type):
            continue
        assert sniff.not_a_document(body, True) == sniff.not_a_document(body, False)
        for url in URLS:
            on = sniff.looks_like_document(body, content_type, url, True)
            assert on == sniff.looks_like_document(body, content_type, url, False)


def test_characters_said_never_lengthened_have_an_nfkc_form_of_one_character_at_most():
    import unicodedata

    from parsers.normalize import never_lengthened

    kept = [chr(code) for code in range(0xD800) if never_lengthened(chr(code))]
    kept += [chr(code) for code in range(0xE000, 0x110000) if never_lengthened(chr(code))]
    assert len(kept) > 22_000  # ASCII, the CJK ideographs and punctuation at least
    assert all(len(unicodedata.normalize("NFKD", c)) <= 1 for c in kept)
    assert not never_lengthened("…") and not never_lengthened("㈠")


def test_every_report_title_holds_the_words_a_page_is_searched_for():
    from parsers.vocabulary import REPORT_TITLE, REPORT_TITLE_WORDS

    depth, alternatives, start = 0, [], 0
    pattern = REPORT_TITLE.pattern
    for position, character in enumerate(pattern):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == "|" and depth == 0:
            alternatives.append(pattern[start:position])
            start = position + 1
    alternatives.append(pattern[start:])
    assert len(alternatives) >= 2
    assert all(REPORT_TITLE_WORDS.match(alternative) for alternative in alternatives)


def test_nfkc_keeps_whitespace_whitespace():
    # A line's report-title words are found in its article's text squashed
    # (report._verdict_by_name) only if NFKC turns no whitespace between them into text.
    import sys
    import unicodedata

    spaces = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    assert all(unicodedata.normalize("NFKC", space).isspace() for space in spaces)


def test_libxml2_out_of_memory_is_a_memory_error(monkeypatch):
    # What a worker past its memory limit meets inside the lxml parse: the worker says
    # "too large" for a MemoryError (crawler.worker), never "parser error: XMLSyntaxError".
    def out_of_memory(*args):
        raise etree.XMLSyntaxError("unknown error", etree.ErrorTypes.ERR_NO_MEMORY, 0, 0)

    monkeypatch.setattr(html.etree, "fromstring", out_of_memory)
    outcome = parse_document(b"<html><body><p>x</p></body></html>", "http://127.0.0.1/a.html")
    assert outcome.reason.startswith("parser error: MemoryError")


def random_bodies(count: int, seed: int = 14) -> list[bytes]:
    """Bodies of blanks, markup, magic numbers and random bytes, in random order."""
    rng = random.Random(seed)
    parts = [b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\x00", b"<", b"<p>", b"x"]
    parts += [magic for magic, _ in sniff.PICTURES] + list(sniff.DOCUMENT_MAGIC)
    parts += [magic for magic, _ in sniff.NOT_DOCUMENTS]
    bodies = [b"".join(rng.choices(parts, k=rng.randint(0, 6))) for _ in range(count)]
    bodies += [bytes(rng.randrange(256) for _ in range(rng.randint(0, 12))) for _ in range(count)]
    return [*bodies, b" " * 1100 + b"<p>", b" " * 1100 + b"%PDF-1.4"]


@pytest.mark.parametrize("body", BODIES + random_bodies(300))
def test_plain_markup_is_what_the_sniffers_say_of_markup(body):
    # report._parse asks none of the sniffers of plain markup: they must say it is a page.
    for content_type in [*TYPES, "", "Image/gif", "text/html; charset=gbk"]:
        if not sniff.plain_markup(body, content_type):
            continue
        assert not sniff.pictures_matter(body, content_type)
        for pictures in (False, True):
            assert sniff.not_a_document(body, pictures) is None
            for url in [*URLS, "http://a/b.txt", "http://a/b"]:
                assert not sniff.looks_like_document(body, content_type, url, pictures)
    assert sniff.plain_markup(body, None) == body.lstrip().startswith(b"<")


def plain_choose_title(meta: dict, page_title: str | None, lines: list[str]) -> str | None:
    """meta.choose_title as first written (every field and <title> piece looked at)."""
    from parsers.meta import _TITLE_SPLIT, REPORT_TITLE, _title_like, squash, tidy

    for name in ("ArticleTitle", "articletitle", "title", "og:title"):
        if meta.get(name) and REPORT_TITLE.search(squash(meta[name])):
            return tidy(meta[name])
    for piece in _TITLE_SPLIT.split(page_title or ""):
        if _title_like(tidy(piece)):
            return tidy(piece)
    if meta.get("heading") and _title_like(meta["heading"]):
        return tidy(meta["heading"])
    for line in lines[:12]:
        if _title_like(tidy(line)):
            return tidy(line)
    return None


TITLE_PIECES = ["2023年", "政府信息公开", "工作年度报告", " ", "\u200b", "\xa0"]
TITLE_PIECES += ["-", "_", "|", "某"]


@pytest.mark.parametrize("seed", range(300))
def test_choose_title_is_its_plain_definition(seed):
    from parsers.meta import choose_title

    rng = random.Random(seed)

    def made() -> str:
        return "".join(rng.choices(TITLE_PIECES, k=rng.randint(0, 7)))

    names = ["ArticleTitle", "title", "heading", "og:title"]
    meta = {name: made() for name in rng.sample(names, rng.randint(0, 3))}
    page_title = rng.choice([None, "", made(), made()])
    lines = [made() for _ in range(rng.randint(0, 3))]
    assert choose_title(meta, page_title, lines) == plain_choose_title(meta, page_title, lines)


@pytest.mark.parametrize("cut", range(4990, 5006))
def test_html_sniff_to_a_bound_is_the_sniff_of_the_opening_copied(cut):
    from parsers.report import _HTML_SNIFF

    for tag in ("<p>", "<pre>", "< BR/>", "<spank", "<table"):
        text = "文" * cut + tag + "x" * 10
        for end in range(4995, 5010):
            text = text[: end + 10]
            assert bool(_HTML_SNIFF.search(text, 0, 5000)) == bool(_HTML_SNIFF.search(text[:5000]))


def test_nfkc_gives_ascii_text_back_as_unicodedata_does():
    # nfkc returns ASCII text as it is: NFKC changes no ASCII character, alone or next
    # to others (short texts and long ones, which take the full-width fold first).
    import unicodedata

    from parsers.normalize import nfkc

    rng = random.Random(15)
    every = "".join(map(chr, range(128)))
    texts = [
        every,
        *every,
        *("".join(rng.choices(every, k=rng.randint(0, 300))) for _ in range(300)),
    ]
    for text in texts:
        assert nfkc(text) == unicodedata.normalize("NFKC", text)
    assert nfkc("１２（a）") == "12(a)"  # not ASCII: normalised


def tidy_by_definition(text: str | None) -> str:
    """normalize.tidy as first written: both replacements, then split and join."""
    return " ".join((text or "").replace("\u200b", "").replace("\xa0", " ").split())


def test_tidy_is_its_plain_definition_on_every_character_and_random_text():
    from parsers.normalize import tidy

    rng = random.Random(91)
    spaces = [chr(code) for code in range(0x110000) if chr(code).isspace()]
    assert "\xa0" in spaces and "\u200b" not in spaces
    pieces = [*spaces, "\u200b", "\xa0", "a", "中", "  ", "\u200b\u200b", "b c"]
    for code in range(0x3100):
        text = f"a{chr(code)}\u200b {chr(code)}b"
        assert tidy(text) == tidy_by_definition(text)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(12)))
        assert tidy(text) == tidy_by_definition(text)
    assert tidy(None) == tidy("") == tidy_by_definition(None) == ""


@pytest.mark.parametrize("seed", range(200))
def test_title_pieces_are_the_split_of_the_title(seed):
    # meta.title_pieces splits only a title holding a separator; every other is one piece.
    rng = random.Random(seed)
    parts = ["_", "|", "｜", "-", "—", "–", "－", "~", "·", " ", "\u3000", "\t", "某", "a", "年度"]
    title = "".join(rng.choice(parts) for _ in range(rng.randint(0, 16)))
    assert title_pieces(title) == _TITLE_SPLIT.split(title)
    assert (len(title_pieces(title)) > 1) <= any(c in "_|｜-—–－" for c in title)


def _binary_by_text(content: bytes) -> bool:
    # The rule on the decoded text, as parse_document states it.
    text = decode_page(content)[0]
    return text.find("\x00", 0, 2000) >= 0 and text.count("\x00") > 10


@pytest.mark.parametrize("codec", ["utf-8", "gb18030"])
@pytest.mark.parametrize(
    "page",
    [
        "<p>主动公开</p>" + "\x00" * 11,  # strict UTF-8 with zero bytes: binary
        "<p>主动公开</p>" + "\x00" * 10,
        "<p>主动公开</p>" + "x\x00" * 11,
        "<p>主动公开</p>" + "主" * 2000 + "\x00" * 11,  # the first only past 2000 characters
        "<p>" + "主" * 1990 + "\x00" * 11,
        "<p>主动公开</p>" * 50,  # none
    ],
)
def test_zero_bytes_make_a_page_binary_as_its_text_says(codec, page):
    content = page.encode(codec)
    outcome = parse_document(content, url="http://example.gov.cn/a.html")
    assert (outcome.reason == "binary data, not a page") == _binary_by_text(content)
