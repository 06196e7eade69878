"""The one walk of a page (parsers/_walk_fused.pxi, html.OneWalk) reads what the separate
walks read (html.SeparateWalks, the plain definition), part by part and as a whole.

The separate walks strip the tree as they go; the one walk steps over what the strips
would take, on the tree as parsed, and strips the article found only. Compared on every
real page and on made pages where scripts, styles, comments, processing instructions
and the DROP_AFTER tags stand inside and around containers, links, headings and
pictures.
"""

from __future__ import annotations

import pytest
from lxml import etree

from parsers import compiled, html
from parsers.encoding import decode_bytes
from parsers.html import OneWalk, SeparateWalks, _document_root
from parsers.report import _verdict_by_name
from tests.made_pages import REAL_PAGES, stripped_page_markup

MADE = range(400)


def test_parse_html_reads_a_page_in_one_walk_when_compiled():
    assert compiled.walks is not None, compiled.status
    assert html.page_walks is html._fused_walks
    assert isinstance(html.page_walks(_document_root("<p>x</p>")), OneWalk)


def kept_index(root, element) -> int:
    # Where the element stands among the elements a stripped tree holds, in document order.
    return [node for node in root.iter() if isinstance(node.tag, str)].index(element)


def parts(walks) -> dict:
    """Everything parse_html asks of a page's walks, in its order, as plain values."""
    found = {
        "heads": walks.heads,
        "squashed": walks.squashed_opening(),
        "headings": [(h.tag, walks.heading_text(h)) for h in walks.headings()],
        "pictures": walks.has_pictures(),
    }
    container, length = walks.container()
    found |= {
        "tag": container.tag,
        "length": length,
        "sources": walks.picture_sources(container),
        "links": walks.links_length(container),
        "article": etree.tostring(container, encoding=str, with_tail=False),
        "text": html.string_value(container),
        "cells": html.cells_and_rows(container),
    }
    blocks: list = []
    html.collect(container, blocks)
    found["blocks"] = repr(blocks)
    return found


def same_parts(markup: str) -> None:
    separate_root, fused_root = _document_root(markup), _document_root(markup)
    separate = parts(SeparateWalks(separate_root))
    fused_walks = html._fused_walks(fused_root)
    assert isinstance(fused_walks, OneWalk)
    fused = parts(fused_walks)
    assert fused == separate
    # The same element: where it stands among the elements the strips keep.
    container = SeparateWalks(_document_root(markup))
    element, _ = container.container()
    assert fused_walks.index == kept_index(container.root, element)


def same_documents(markup: str) -> None:
    fused = html.parse_html(markup, _verdict_by_name)
    separate = _parse_separately(markup)
    assert repr(fused) == repr(separate)
    assert (fused.pictures, fused.verdict, fused.anchors) == (
        separate.pictures,
        separate.verdict,
        separate.anchors,
    )


def _parse_separately(markup: str):
    walks, html.page_walks = html.page_walks, SeparateWalks
    try:
        return html.parse_html(markup, _verdict_by_name)
    finally:
        html.page_walks = walks


def real_markup(path) -> str:
    return decode_bytes(path.read_bytes())[0]


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_one_walk_of_a_real_page_reads_what_the_separate_walks_read(path):
    same_parts(real_markup(path))
    same_documents(real_markup(path))


@pytest.mark.parametrize("seed", MADE)
def test_one_walk_of_a_made_page_reads_what_the_separate_walks_read(seed):
    same_parts(stripped_page_markup(seed))
    same_documents(stripped_page_markup(seed))


@pytest.mark.parametrize(
    "body",
    [
        "",
        "<p>短</p>",
        # The container candidate's text is mostly in a script, a comment or a form.
        "<div id='zoom'>正文<script>" + "脚本" * 100 + "</script></div>" + "<p>" + "文" * 200,
        "<div id='zoom'><!--" + "注" * 200 + "-->正</div><div class='view'>" + "视" * 130,
        "<div id='zoom'><form>" + "表" * 200 + "</form></div><article>" + "文" * 130,
        # A container inside what is stripped is no candidate.
        "<nav><div id='zoom'>" + "导" * 300 + "</div></nav><div>" + "文" * 150 + "</div>",
        "<script><div id='zoom'>" + "x" * 300 + "</div></script><p>" + "文" * 150,
        # Links: a comment or a form is all a long link holds besides text.
        "<a href='/a'><!-- c -->" + "链" * 300 + "</a><p>" + "文" * 20,
        "<a href='/a'><form>f</form>" + "链" * 300 + "</a><p>" + "文" * 20,
        "<a href='/a'><b>粗</b>" + "链" * 300 + "</a><p>" + "文" * 20,
        "<a href='/a'><a href='/b'>" + "嵌" * 200 + "</a></a><div>" + "文" * 40 + "</div>",
        # Pictures inside and outside the article, and inside what is stripped.
        "<img src='/logo.png'><div id='zoom'><img src='/t.png'><noscript><img src='/n.png'>"
        "</noscript>" + "文" * 130 + "<img data-src='/t.png'></div>",
        "<header><img src='/h.png'></header><p>" + "文" * 20 + "</p>",
        # Headings with what is stripped inside, and in what is stripped after.
        "<nav><h1>2023年政府信息公开工作年度报告</h1></nav><p>" + "文" * 20,
        "<h1>2023年<script>x</script>政府信息公开工作年度报告<!-- c --></h1><p>文</p>",
        # A page without a body: the root is measured from.
        "<frameset><frame src='/f.html'></frameset>",
    ],
)
def test_one_walk_of_an_edge_page_reads_what_the_separate_walks_read(body):
    markup = f"<html><head><title>t</title></head><body>{body}</body></html>"
    same_parts(markup)
    same_documents(markup)


def test_one_walk_reads_a_page_deeper_than_the_stack_allows():
    depth = 3_000
    markup = (
        "<html><body><script>s</script>" + "<div><!-- c -->" * depth + "正文" * 300
        + "<form>f</form></div>" * depth + "</body></html>"
    )  # fmt: skip
    same_parts(markup)
    same_documents(markup)


def test_a_page_without_anything_to_strip_is_left_as_parsed():
    root = _document_root("<html><body><div id='zoom'>" + "文" * 200 + "</div></body></html>")
    walks = html._fused_walks(root)
    container, length = walks.container()
    assert (container.get("id"), length) == ("zoom", 200)
    assert not walks.page.holds_stripped(walks.index)


def test_only_the_article_is_stripped():
    root = _document_root(
        "<html><body><script>s</script><nav>n</nav>"
        "<div id='zoom'><script>x</script>" + "文" * 200 + "<form>f</form></div></body></html>"
    )
    container, _ = html._fused_walks(root).container()
    assert [node.tag for node in container.iter()] == ["div"]
    assert root.find(".//nav") is not None and root.find("body/script") is not None


def test_one_walk_counts_the_text_past_the_opening_it_squashes():
    opening = html._OPENING
    markup = (
        "<html><body><div>" + "页 " * (opening // 3) + "</div><div id='zoom'>"
        + "正 文" * (opening // 4) + "</div><p>" + "尾" * 99 + "</p></body></html>"
    )  # fmt: skip
    same_parts(markup)
    same_documents(markup)


def same_parts_of_a_made_tree(make) -> None:
    separate, fused = SeparateWalks(make()), html._fused_walks(make())
    assert isinstance(fused, OneWalk)
    assert parts(fused) == parts(separate)


def test_one_walk_of_a_tree_no_html_parse_makes_reads_what_the_separate_walks_read():
    # The root is never stripped, whatever its name; the body is the root's child.
    def made(root_tag: str):
        def make():
            root = etree.Element(root_tag)
            etree.SubElement(etree.SubElement(root, "div"), "body").text = "错" * 300
            body = etree.SubElement(root, "body")
            etree.SubElement(body, "p").text = "正文" * 100
            etree.SubElement(body, "script").text = "s" * 500
            return root

        return make

    for tag in ("html", "nav", "form", "script", "div"):
        same_parts_of_a_made_tree(made(tag))
