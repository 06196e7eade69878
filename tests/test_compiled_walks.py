"""The compiled walks (parsers/_walk.pyx) read what their plain Python definitions read.

Every function of the compiled module is compared with the definition it replaces, on
every element of every real page and of random made pages (tests/made_pages.py). The
module must be built and current: `make install` builds it, and a test run that fell
back to the Python definitions would not be testing what the parsers run.
"""

from __future__ import annotations

import random

import pytest
from lxml import etree

from parsers import compiled, container, density, encoding, html, links
from parsers.encoding import decode_bytes
from tests.made_pages import REAL_PAGES, page, raw_page

walks = compiled.walks


def test_the_compiled_walks_are_built_and_current():
    assert walks is not None, compiled.status
    assert density.text_length is walks.text_length


def real_root(path):
    root = html._document_root(decode_bytes(path.read_bytes())[0])
    etree.strip_elements(root, "script", "style", etree.Comment, with_tail=False)
    return root


def elements(root):
    return [element for element in root.iter() if isinstance(element.tag, str)]


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_text_length_of_every_element_of_a_real_page_is_the_plain_one(path):
    for element in elements(real_root(path)):
        assert walks.text_length(element) == density._text_length(element)


@pytest.mark.parametrize("seed", range(150))
def test_text_length_of_every_element_of_a_made_page_is_the_plain_one(seed):
    for element in elements(page(seed)):
        assert walks.text_length(element) == density._text_length(element)


def test_text_length_counts_characters_not_bytes_and_skips_every_kind_of_space():
    root = html._document_root(
        "<html><body><p>政府 信息\u3000公开\xa0年度\u2028报告\x85𠀀 ab"
        "<span>\t12\n</span><!-- 注 --></p></body></html>"
    )
    paragraph = root.find(".//p")
    assert walks.text_length(paragraph) == density._text_length(paragraph) == 15


# --- the page's own walks: each compiled one against its plain definition ---------------


def raw_real_root(path):
    return html._document_root(decode_bytes(path.read_bytes())[0])


def stripped_root(root):
    etree.strip_elements(
        root, *html.DROP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False
    )
    return root


def test_the_page_walks_are_the_compiled_ones():
    assert links.page_heads is links._compiled_page_heads
    assert density.densest is density._compiled_densest
    assert container.container_candidates is not container._container_candidates


def same_heads(root):
    assert links._compiled_page_heads(root) == links._page_heads(root)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_links_pass_of_a_real_page_is_the_plain_one(path):
    same_heads(raw_real_root(path))


@pytest.mark.parametrize("seed", range(300))
def test_links_pass_of_a_made_page_is_the_plain_one(seed):
    same_heads(raw_page(seed))


def test_links_pass_reads_entities_four_byte_characters_and_nested_links_as_lxml_does():
    root = html._document_root(
        '<html><head><base href="  "><base href=" /b/&amp;c "><title>题&lt;𠀀</title>'
        '<meta name=" n " content=" v&nbsp;𠀀 "></head><body>'
        '<a href="/x?a=1&amp;b=𠀀" title="t&quot;">a<a href="/in">b</a>c</a>'
        '<a href="/y"><!-- c -->𠀀 z</a></body></html>'
    )
    base, targets, anchors, meta, title = links._compiled_page_heads(root)
    assert (base, title, meta) == ("/b/&c", "题<𠀀", {"n": "v\xa0𠀀"})
    assert targets == ["/x?a=1&b=𠀀", "/in", "/y"]
    assert anchors[0] == ("/x?a=1&b=𠀀", "a", 't"')
    assert anchors[2] == ("/y", "𠀀 z", "")
    same_heads(root)


def same_candidates(root):
    assert container.container_candidates(root) == container._container_candidates(root)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_container_candidates_of_a_real_page_are_the_plain_ones(path):
    same_candidates(stripped_root(raw_real_root(path)))


@pytest.mark.parametrize("seed", range(300))
def test_container_candidates_of_a_made_page_are_the_plain_ones(seed):
    same_candidates(page(seed))


@pytest.mark.parametrize(
    ("attributes", "tests"),
    [
        ('id="zoom|Zoom"', []),
        ('id=" zoom"', []),
        ('id="ZOOM"', [0]),
        ('class="a\tTRS_Editor\nb"', [1]),
        ('class="TRS_Editor\u3000x"', []),  # not an XML space: one word
        ('class="\xa0view"', []),
        ('class="x view"', [10]),
        ('class="xTRS_UEDITORx"', [3]),
        ('class="trs_editor_view"', [2]),
        ('class="article-content&#32;y"', [6]),
        ('id="ArticleContent" class="pages_content"', [8, 9]),
        ('id="content&#x1F600;"', []),
    ],
)
def test_container_tests_split_class_words_on_xml_spaces_only(attributes, tests):
    root = html._document_root(f"<html><body><div {attributes}>x</div></body></html>")
    found = container.container_candidates(root)
    div = root.find(".//div")
    assert [index for index, elements in enumerate(found) if div in elements] == tests
    assert found == [root.xpath(xpath) for xpath in container.CONTAINER_XPATHS]


def same_densest(body):
    lengths: dict = {}
    best = density._compiled_densest(body, lengths)
    assert best is density._densest(body)
    assert lengths[best] == density._text_length(best)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_densest_of_every_element_of_a_real_page_is_the_plain_one(path):
    root = stripped_root(raw_real_root(path))
    for element in elements(root):
        if element.tag in ("html", "body", "div", "table", "td", "a", "ul", "li"):
            same_densest(element)


@pytest.mark.parametrize("seed", range(300))
def test_densest_of_every_element_of_a_made_page_is_the_plain_one(seed):
    for element in elements(page(seed)):
        same_densest(element)


@pytest.mark.parametrize("seed", range(100))
def test_densest_where_links_nest_or_hold_the_text_is_the_plain_one(seed):
    root = raw_page(seed)
    stripped_root(root)
    for element in elements(root):
        same_densest(element)
        assert density.densest(element) is density._densest_by_scan(element)


def test_densest_walks_a_page_deeper_than_the_stack_allows():
    depth = 2_000  # libxml2 keeps 2,048 levels (huge_tree); Python recursion stops at 1,000
    body = "<div>" * depth + "正文" * 300 + "</div>" * depth
    root = html._document_root(f"<html><body><a href='/'>链接</a>{body}</body></html>")
    best, length = walks.densest(root.find("body"))
    assert length == 600
    assert best.tag == "div" and len(best) == 0
    same_densest(root.find("body"))


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_squashed_opening_of_a_real_page_is_the_plain_one(path):
    root = stripped_root(raw_real_root(path))
    for limit in (0, 1, 100, 200_000):
        assert walks.squashed_text(root, limit) == "".join(density.string_of(root)[:limit].split())


@pytest.mark.parametrize("seed", range(150))
def test_squashed_opening_of_a_made_page_is_the_plain_one(seed):
    root = page(seed)
    for limit in range(0, 400, 7):
        assert walks.squashed_text(root, limit) == "".join(density.string_of(root)[:limit].split())
    assert html.squashed_opening(root) == html._squashed_opening(root)


def same_small_walks(root):
    for tags in (html._STRIPPED_FIRST, html._DROP_AFTER):
        for comments in (True, False):
            assert html.holds(root, tags, comments) == html._holds(root, tags, comments)
    for element in elements(root):
        assert walks.cells_and_rows(element) == html._cells_and_rows(element)
        assert walks.picture_sources(element) == html._picture_sources(element)
        assert walks.link_length(element) == density._link_length(element)
        assert density._links_length(element) == density._link_length(element)
        assert density.links_length is walks.link_length


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_strip_test_cells_pictures_and_link_text_of_a_real_page_are_the_plain_ones(path):
    root = raw_real_root(path)
    same_small_walks(root)
    same_small_walks(stripped_root(root))


@pytest.mark.parametrize("seed", range(150))
def test_strip_test_cells_pictures_and_link_text_of_a_made_page_are_the_plain_ones(seed):
    same_small_walks(raw_page(seed))
    same_small_walks(page(seed))


@pytest.mark.parametrize(
    ("markup", "first", "after"),
    [
        ("<p>x</p>", False, False),
        ("<p>x<!-- c --></p>", True, False),
        ("<p>x<?php 1 ?></p>", True, False),
        ("<script>1</script>", True, False),
        ("<form><input></form>", False, True),
        ("<nav>n</nav>", False, True),
    ],
)
def test_a_page_holds_what_strip_elements_would_strip(markup, first, after):
    root = html._document_root(f"<html><body>{markup}</body></html>")
    assert html.holds(root, html._STRIPPED_FIRST, True) is first
    assert html.holds(root, html._DROP_AFTER, False) is after
    assert html._holds(root, html._STRIPPED_FIRST, True) is first
    assert html._holds(root, html._DROP_AFTER, False) is after


def test_the_element_stripped_from_is_not_among_what_it_holds():
    root = html._document_root("<html><body><form>x</form></body></html>")
    form = root.find(".//form")
    assert not walks.holds(form, (b"form",), False)
    assert not html._holds(form, ("form",), False)


def plain_ideograph_counts(text: str, limit: int) -> tuple[int, int]:
    ideographs = encoding._NOT_HANZI_RUNS.sub("", text[:limit])
    return len(ideographs), len("".join(encoding._COMMON_RUNS.findall(ideographs)))


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_ideograph_counts_of_a_real_page_are_the_plain_ones(path):
    assert encoding._reads_as_chinese is encoding._compiled_reads_as_chinese
    data = path.read_bytes()
    for codec in ("gb18030", "utf-8", "big5"):
        text = data.decode(codec, "replace")
        for limit in (0, 100, encoding.READ_AS_CHINESE):
            counts = walks.ideograph_counts(text, limit, encoding._COMMON_TABLE)
            assert counts == plain_ideograph_counts(text, limit)
        assert encoding._reads_as_chinese(text) == encoding._plain_reads_as_chinese(text)


def test_ideographs_are_counted_in_their_range_only():
    text = "\u4dff\u4e00\u9fff\ua000𠀀的的x\u3000是"
    assert walks.ideograph_counts(text, 100, encoding._COMMON_TABLE) == (5, 4)
    assert plain_ideograph_counts(text, 100) == (5, 4)
    assert walks.ideograph_counts(text, 6, encoding._COMMON_TABLE) == (3, 2)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_cjk_scan_of_a_real_page_is_the_regex_one(path):
    assert encoding._cjk_at is walks.cjk_at
    data = path.read_bytes()
    for codec in ("utf-8", "gb18030"):
        text = data.decode(codec, "surrogateescape")
        for start in (0, 1, len(text) // 3, len(text) - 1, len(text), len(text) + 5):
            assert walks.cjk_at(text, start) == encoding._plain_cjk_at(text, start)
        assert encoding._decode_mixed(data) == encoding._decode_mixed_by_lines(data)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_byte_counts_of_a_real_page_are_those_of_its_surrogateescape_text(path):
    assert encoding._byte_escape_counts is walks.byte_escape_counts
    data = path.read_bytes()
    text = decode_bytes(data)[0]
    for whole in (data, text.encode("gb18030", "replace"), text.encode("big5", "replace")):
        for body in (whole, whole[: len(whole) // 2 + 1], whole[1:]):
            assert walks.byte_escape_counts(body) == encoding._plain_byte_escape_counts(body)


# Every kind of sequence's first and last valid bytes, one past each, and cut sequences.
_SEQUENCES = [
    b"\x7f", b"\xc1\xbf", b"\xc2\x80", b"\xdf\xbf", b"\xe0\x9f\x80", b"\xe0\xa0\x80",
    b"\xed\x9f\xbf", b"\xed\xa0\x80", b"\xef\xbf\xbd", b"\xef\xbf\xbf", b"\xf0\x8f\xbf\xbf",
    b"\xf0\x90\x80\x80", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80",
    b"\xe4\xb8", b"\xf0\x9f\x98", b"\x80", b"\xff", b"\n", b"a",
    "中".encode(), "\u2e80".encode(), "\uffef".encode(), "\uff00".encode(), "\uf900".encode(),
    "\ufaff".encode(), "\ufb00".encode(), "政府".encode("gbk"),
]  # fmt: skip


@pytest.mark.parametrize("seed", range(300))
def test_byte_counts_of_random_bytes_are_those_of_their_surrogateescape_text(seed):
    rng = random.Random(seed)
    made = b"".join(rng.choice(_SEQUENCES) for _ in range(rng.randrange(30)))
    noise = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
    for body in (made, noise, made + noise, made[: rng.randrange(len(made) + 1)]):
        assert walks.byte_escape_counts(body) == encoding._plain_byte_escape_counts(body)


def test_cjk_scan_knows_the_ends_of_each_range():
    ends = [0x2E7F, 0x2E80, 0x9FFF, 0xA000, 0xF8FF, 0xF900, 0xFAFF, 0xFB00, 0xFEFF, 0xFF00]
    for code in [*ends, 0xFFEF, 0xFFF0, 0x20000, 0xDC80]:
        text = "ab\n" + chr(code) + "c"
        assert walks.cjk_at(text, 0) == encoding._plain_cjk_at(text, 0)


def mostly_utf8_by_definition(text: str) -> bool:
    broken = text.count("\ufffd")
    wide = len(text) - len(text.encode("ascii", "ignore")) - broken
    return wide >= 20 and broken <= max(3, wide // 1000)


@pytest.mark.parametrize("seed", range(200))
def test_mostly_utf8_refuses_quickly_only_what_it_refuses(seed):
    rng = random.Random(seed)
    wide = rng.choice([5, 19, 20, 21, 999, 3000, 5000])
    broken = rng.randint(0, max(3, wide // 1000) + 2)
    pieces = rng.choices(["政", "é"], k=wide) + ["\ufffd"] * broken
    pieces += ["a"] * rng.randint(0, 3000)
    rng.shuffle(pieces)
    text = "".join(pieces)
    assert encoding._mostly_utf8(text) == mostly_utf8_by_definition(text)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_string_value_of_every_element_of_a_real_page_is_the_plain_one(path):
    assert density.string_value is walks.string_value
    for root in (raw_real_root(path), real_root(path)):
        for element in elements(root):
            assert walks.string_value(element) == density.string_of(element)


@pytest.mark.parametrize("seed", range(150))
def test_string_value_of_every_element_of_a_made_page_is_the_plain_one(seed):
    for root in (raw_page(seed), page(seed)):
        for element in elements(root):
            assert walks.string_value(element) == density.string_of(element)
