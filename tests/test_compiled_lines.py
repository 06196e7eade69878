"""The compiled article walk (parsers/_lines.pyx) emits the blocks html._collect emits,
and reads the rows table_rows.data_table_rows reads.

Compared on every element of every real page and of random made pages, on tables of
cells made of chains of elements, and on the edge cases of lxml's semantics the walk
copies (adjacent text nodes, comments and processing instructions kept, Unicode
whitespace, four-byte characters, cells outside rows, the long-cell bound, nesting far
deeper than any C stack). The module must be built and current (`make install`).
"""

from __future__ import annotations

import random
import sys

import pytest
from lxml import etree

from parsers import compiled, container, html, table_rows
from parsers.encoding import decode_bytes
from tests.made_pages import REAL_PAGES, chain_cell, page

lines = compiled.lines


def plain_blocks(element) -> list:
    blocks: list = []
    html._collect(element, blocks)
    return blocks


def compiled_blocks(element) -> list:
    blocks: list = []
    html._collect_compiled(element, blocks)
    return blocks


def compiled_rows(table):
    return lines.data_table_rows(table, table_rows.cell_text, table_rows.LONG_CELL)


def assert_read_alike(root) -> None:
    for element in root.iter():
        if isinstance(element.tag, str):
            assert compiled_blocks(element) == plain_blocks(element), element.tag
        if element.tag == "table":
            assert compiled_rows(element) == table_rows.data_table_rows(element)


def real_root(path):
    root = html._document_root(decode_bytes(path.read_bytes())[0])
    etree.strip_elements(
        root, "script", "style", etree.Comment, etree.ProcessingInstruction, with_tail=False
    )
    etree.strip_elements(root, *html._DROP_AFTER, with_tail=False)
    return root


def made_root(markup: str, strip: bool = True):
    root = html._document_root(f"<html><body>{markup}</body></html>")
    if strip:
        etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    return root


def test_the_compiled_walk_is_built_current_and_the_one_parse_html_runs():
    assert lines is not None, compiled.lines_status
    assert html.collect is html._collect_compiled


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_every_element_of_a_real_page_gives_the_plain_blocks(path):
    root = real_root(path)
    article = container.find_container(root)
    assert compiled_blocks(article) == plain_blocks(article)
    assert_read_alike(root)


def test_the_real_pages_compared_hold_lines_and_data_tables():
    kinds = set()
    for path in REAL_PAGES:
        kinds.update(type(block).__name__ for block in compiled_blocks(real_root(path)))
    assert kinds == {"Paragraph", "Table"}


@pytest.mark.parametrize("seed", range(150))
def test_every_element_of_a_made_page_gives_the_plain_blocks(seed):
    assert_read_alike(page(seed))


@pytest.mark.parametrize("seed", range(100))
def test_tables_of_chained_cells_read_the_plain_rows(seed):
    rng = random.Random(seed)
    rows = "".join(
        "<tr>" + "".join(chain_cell(rng) for _ in range(rng.randint(1, 4))) + "</tr>"
        for _ in range(rng.randint(1, 5))
    )
    markup = f"<div>前<table>{rows}</table>后</div>"
    assert_read_alike(made_root(markup))  # comments stripped: adjacent text nodes
    assert_read_alike(made_root(markup, strip=False))  # comments kept


LONG = "长" * table_rows.LONG_CELL


def row(cells: str) -> str:
    return f"<table><tr>{cells}</tr></table>"


EDGE_CASES = {
    "comment between texts of a cell": row("<td>1 <!--c--> 2</td><td>a<!--c-->b</td>"),
    "comment in a wrapped cell": row("<td> <p>1<!--c--> 2</p> </td>"),
    "comment beside the element of a cell": row("<td> <!--c--><p>1</p></td>"),
    "processing instruction in a cell": row("<td>1<?pi x?>2</td><td><p>3</p><?pi?></td>"),
    "comment in a line": "<p>前<!--c-->后<b>粗</b><!--c-->尾</p>",
    "br in a cell": row("<td>第一<br>第二</td><td><p>1</p><br/><p>2</p></td>"),
    "br in a line": "<p>一<br>二<br/>三</p>文<span>四<br>五</span>",
    "nested table": row("<td>外<table><tr><td>内</td></tr></table></td>"),
    "layout table of prose": row(f"<td>{LONG}文</td><td>1</td>"),
    "cell of exactly the long bound": row(f"<td>{LONG}</td><td><p>{LONG}</p></td>"),
    "cell one over the long bound": row(f"<td> {LONG}</td><td>1</td>"),
    "wrapped cell over the bound by its spaces": row(f"<td> <p>{LONG}</p></td>"),
    "cell outside rows, short": "<table><tr><td>1</td></tr><div><td>外</td></div></table>",
    "cell outside rows, long": f"<table><tr><td>1</td></tr><div><td>{LONG}外</td></div></table>",
    "long cell nested in a cell outside rows": (
        f"<table><div><td><div><td>{LONG}</td></div>x</td></div><tr><td>1</td></tr></table>"
    ),
    "row inside a cell": row("<td>a<tr><td>b</td></tr></td>"),
    "empty table and empty rows": "<p>前</p><table></table><table><tr></tr></table><p>后</p>",
    "empty cells": row("<td></td><th> </th><td><p></p></td>"),
    "unicode whitespace": (
        "<table><tr><td>\xa01\u3000</td><td>\u2028<p>\x85二\x1c</p>\u3000</td>"
        "<td>\x1f<b> a\u3000b </b>\x1d</td><td>\u200b3\u200b</td></tr></table>"
        "<p>\xa0行\u3000内\u2028文\x85</p>"
    ),
    "four-byte characters": row("<td>𠀀 𠀁</td><td><p>𠀀</p><span>𠀁</span></td>") + "<p>𠀂</p>",
    "chain of elements with two words": row("<td><p><span>a b</span></p>c</td>"),
    "chain with two words across a comment": row("<td><p><span>a <!--c--> b</span></p></td>"),
    "chain of elements": row("<td> x <p> y <span> z </span> w </p> v </td>"),
    "text around a table": "前<table><tr><td>1</td></tr></table>后<div>块</div>尾",
    "lines without blocks": "<span>一</span><span>二</span><a>三</a><b>四</b>",
    "th and td": (
        "<table><thead><tr><th>项目</th><th>数</th></tr></thead><tr><td>公开</td><td>3</td></tr>"
        "</table>"
    ),
    "tags beginning as td, th, tr and table do": (  # _nodes.named compares two bytes first
        "<table><trx><tdx>1</tdx><td>2<tablex>3</tablex></td><t>4</t></trx><tr><thx>5</thx>"
        "<th>6</th><tab>7</tab><td><tr2>8</tr2></td></tr></table><tablet>9</tablet>"
    ),
}


@pytest.mark.parametrize("markup", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_read_alike_with_comments_stripped_and_kept(markup):
    for strip in (True, False):
        root = made_root(f"<div>{markup}</div>", strip)
        assert_read_alike(root)
        assert compiled_blocks(root.find("body/div"))  # a block ends every line


def test_a_table_and_lines_read_as_the_definitions_say():
    root = made_root(
        "<div>题<p>第一段 <b>粗</b></p><table><tr><td> <p>12</p> </td>"
        "<td>a<!--c--> b</td></tr><tr></tr></table>尾</div>"
    )
    blocks = compiled_blocks(root.find("body/div"))
    assert [getattr(block, "text", None) for block in blocks] == ["题", "第一段 粗", None, "尾"]
    # A cell of text only reads its .text: the text nodes a stripped comment left apart
    # are joined before the strip, as lxml joins them.
    assert blocks[2].rows == [["12", "a b"]]
    assert blocks[2].rows == plain_blocks(root.find("body/div"))[2].rows


def test_elements_in_a_namespace_read_alike():
    # The HTML parser makes none, but lxml's API does: "{urn:x}p" is no block, while
    # iter("tr") and iterchildren("td") take a tr and a td of any namespace.
    for tag in ("p", "table", "tr", "td", "th", "br"):
        root = made_root(row("<td>1</td><td>2</td>") + "<div>前<p>中</p>后</div>")
        for element in list(root.iter(tag)):
            etree.SubElement(element.getparent(), f"{{urn:x}}{tag}").text = "名"
            element.tag = f"{{urn:x}}{tag}"
        assert_read_alike(root)


def test_cdata_sections_read_as_text_as_lxml_reads_them():
    # The HTML parser makes none; an XML tree can hold them, beside text nodes.
    markup = (
        "<body><div>a<![CDATA[ b ]]>c<p>d<![CDATA[e]]></p><![CDATA[f]]></div><table><tr>"
        "<td>1<![CDATA[ 2]]></td><td><p>x</p><![CDATA[ y ]]></td><td><b><i>3</i></b><![CDATA[4]]>"
        "</td><td><p>5</p><p><![CDATA[ 6 ]]></p></td></tr></table>"
        f"<table><tr><td><p>1</p><![CDATA[{LONG}]]></td></tr></table></body>"
    )
    root = etree.fromstring(markup, etree.XMLParser(strip_cdata=False))
    assert root.find("div").text == "a b c"
    assert_read_alike(root)
    table, first, prose = compiled_blocks(root)[-3:]
    assert table.rows == [["1 2", "xy", "34", "56"]]
    assert (first.text, prose.text) == ("1", LONG)  # a cell over the bound: for layout


def test_pages_nested_deeper_than_any_stack_are_walked():
    # libxml2's parser stops at 2,048 levels (huge_tree); trees built by lxml do not.
    depth = 2_000
    deep = "<div>" * depth + "深" + "</div>" * depth
    cell = "<td>" + "<span>" * depth + "1" + "</span>" * depth + "</td>"
    root = made_root(f"{deep}<table><tr>{cell}<td>2</td></tr></table>")
    body = root.find("body")
    assert compiled_blocks(body) == plain_blocks(body)
    assert [block.rows for block in compiled_blocks(body)[1:]] == [[["1", "2"]]]
    node = body
    for _ in range(20_000):
        node = etree.SubElement(node, "div")
    node.text = "底"
    row = etree.SubElement(etree.SubElement(node, "table"), "tr")
    etree.SubElement(row, "td").text = "3"
    assert compiled_blocks(body) == plain_blocks(body)
    assert compiled_blocks(body)[-2:][0].text == "底"


def test_cells_of_printable_ascii_words_read_as_cell_text_reads_them():
    # The compiled rows hand cell_text no cell of printable ASCII without a space (it
    # would give it back as it is): every such character, alone and in words, and the
    # characters either side of that range and the ones tidy changes, read alike.
    printable = [chr(code) for code in range(0x21, 0x7F)]
    assert all(table_rows.cell_text(c) == c for c in printable)
    near = [" ", "\x7f", "\x80", "\xa0", "\u200b", "\u3000", "\t", "０", "é"]
    rng = random.Random(12)
    words = ["".join(rng.choices(printable + near, k=rng.randint(0, 6))) for _ in range(600)]
    cells = (
        printable + near + words + ["12", "-", "/", "1,234", "a\u200bb", "x\xa0y", "a  b", "a\tb"]
    )
    table = etree.Element("table")
    for start in range(0, len(cells), 10):
        row = etree.SubElement(table, "tr")
        for cell in cells[start : start + 10]:
            etree.SubElement(row, "td").text = cell
    assert compiled_rows(table) == table_rows.data_table_rows(table)
    read = [cell for row in compiled_rows(table) for cell in row]
    assert read == [table_rows.cell_text(cell) for cell in cells]


def test_lines_are_tidied_in_the_walk_as_tidy_tidies_them():
    # The compiled walk tidies each line itself (parsers/_lines.pyx _tidy): every
    # whitespace character str.split() knows and the zero-width space normalize.tidy
    # drops, alone, in runs, at either end and between words, one, two, three and four
    # bytes long in UTF-8.
    spaces = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    near = ["\u200b", "\u200c", "\u2060", "\ufeff", "\u180e", "\u3001", "\x1b", "é", "𠀀"]
    rng = random.Random(18)
    pieces = spaces + near + ["a", "二", " ", "&amp;", "<b>", "</b>", "<br>", "<p>", "</p>"]
    lines_made = [
        "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(400)
    ]
    lines_made += [f"{a}x{a}{b}y{b}" for a in spaces + near for b in ("\u200b", " ", "")]
    for markup in lines_made:
        root = made_root(f"<div>{markup}</div>")
        assert compiled_blocks(root) == plain_blocks(root), repr(markup)
