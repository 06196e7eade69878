"""The fast paths of parsers/html.py choose what the plain definitions choose.

Random pages (nested links, links holding most of the text, containers by id, class
and tag, tables with leaf cells, cells of several pieces, prose cells, nested tables)
are read both ways: the container search against CONTAINER_XPATHS, the walk down
the densest chain against measuring every element, table rows against itertext().
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

from parsers import density, html, links, table_rows
from parsers.encoding import decode_bytes

WORDS = ["政府信息公开", "年度报告", "0", "12", " ", "\n", "\u3000", "/", "主动公开", "a b"]
CLASSES = ["TRS_Editor", "trs_editor_view", "xTRS_UEDITORx", "article-content", "view", "x"]
# "zoom|Zoom" is no container id, though it sits in the list of ids the XPath prefilter holds.
IDS = ["zoom", "Zoom", "zoom|Zoom", "UCAP-CONTENT", "fontzoom", "content", "ArticleContent"]
IDS += ["other"]


def text(rng: random.Random, most: int = 6) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(0, most)))


def element(rng: random.Random, depth: int, in_link: bool = False) -> str:
    if depth == 0:
        return text(rng)
    tag = rng.choice(["div", "p", "span", "a", "section", "article", "ucapcontent", "table"])
    if tag == "table":
        return table(rng, depth)
    attributes = ""
    if rng.random() < 0.3:
        attributes += f' id="{rng.choice(IDS)}"'
    if rng.random() < 0.3:
        attributes += f' class="{rng.choice(CLASSES)} {rng.choice(CLASSES)}"'
    if tag == "a" and in_link and rng.random() < 0.7:
        tag = "span"  # nested links are rare, but they occur
    inner = "".join(
        element(rng, depth - 1, in_link or tag == "a") + text(rng, 2)
        for _ in range(rng.randint(0, 4))
    )
    if rng.random() < 0.1:
        inner += "长" * rng.randint(100, 900)
    return f"<{tag}{attributes}>{text(rng)}{inner}</{tag}>"


def cell(rng: random.Random, depth: int) -> str:
    tag = rng.choice(["td", "th"])
    kind = rng.random()
    if kind < 0.5:
        inner = text(rng, 3)
    elif kind < 0.9:
        inner = "".join(f"<p><span>{text(rng, 2)}</span>{text(rng, 1)}</p>" for _ in range(2))
    elif kind < 0.95:
        inner = "文" * 601
    else:
        inner = element(rng, depth - 1)
    return f"<{tag}>{inner}</{tag}>"


def table(rng: random.Random, depth: int) -> str:
    rows = "".join(
        "<tr>" + "".join(cell(rng, depth) for _ in range(rng.randint(0, 5))) + "</tr>"
        for _ in range(rng.randint(0, 6))
    )
    if rng.random() < 0.3:
        # A cell outside any row (lxml keeps it where it stands): never read, but long
        # prose in it makes a layout table all the same.
        rows += rng.choice(["{}", "<div>{}</div>", "<tr><td><div>{}</div></td></tr>"]).format(
            cell(rng, depth)
        )
    return f"<table><tbody>{rows}</tbody></table>"


def page(seed: int):
    rng = random.Random(seed)
    body = "".join(element(rng, 4) for _ in range(rng.randint(1, 4)))
    root = html._document_root(f"<html><body>{body}</body></html>")
    etree.strip_elements(root, *html.DROP_TAGS, etree.Comment, with_tail=False)
    return root


def rows_by_definition(table) -> list[list[str]] | None:
    """The rows as parsers/html.py defined them before its one-pass reading."""
    if table.find(".//table") is not None:
        return None
    if any(len("".join(c.itertext())) > 600 for c in table.iter("td", "th")):
        return None
    rows = []
    for row in table.iter("tr"):
        cells = [
            html.tidy("".join(piece.strip() for piece in c.itertext()))
            for c in row
            if c.tag in html.CELL_TAGS
        ]
        if cells:
            rows.append(cells)
    return rows


@pytest.mark.parametrize("seed", range(150))
def test_container_candidates_are_what_the_xpaths_select(seed):
    root = page(seed)
    expected = [root.xpath(xpath) for xpath in html.CONTAINER_XPATHS]
    assert list(html._container_candidates(root)) == expected


@pytest.mark.parametrize("seed", range(150))
def test_densest_chain_is_the_deepest_element_measured_one_by_one(seed):
    body = page(seed).find("body")
    assert density.densest(body) is density._densest_by_scan(body)


@pytest.mark.parametrize("seed", range(150))
def test_table_rows_read_in_one_pass_are_the_rows_by_definition(seed):
    for table in page(seed).iter("table"):
        assert table_rows.data_table_rows(table) == rows_by_definition(table)


@pytest.mark.parametrize("seed", range(150))
def test_link_text_measured_in_one_call_is_the_sum_over_links(seed):
    for element in page(seed).iter("body", "div", "a"):
        assert density.links_length(element) == density._link_length(element)


@pytest.mark.parametrize("seed", range(150))
def test_lengths_summed_in_one_walk_find_what_measuring_every_element_finds(seed):
    body = page(seed).find("body")
    assert density._densest_by_sums(body) is density._densest_by_scan(body)
    for element in body.iter("div", "a"):
        assert density._densest_by_sums(element) is density._densest_by_scan(element)


@pytest.mark.parametrize("seed", range(150))
def test_cell_pieces_are_the_text_nodes_xpath_selects(seed):
    for cell in page(seed).iter("td", "th"):
        assert table_rows._pieces(cell) == table_rows._TEXTS(cell)


def chain_cell(rng: random.Random) -> str:
    """A cell whose elements each hold one element (<td><p><span>12</span></p></td>),
    with comments and scripts among the texts: stripped, they leave adjacent text nodes,
    which .text and .tail join and XPath gives apart."""

    def bit() -> str:
        return rng.choice(
            ["", "1", "2", " ", "1 ", " 2", "\u3000", "a b", "<!-- c -->", "<script>x</script>"]
        )

    def texts() -> str:
        return "".join(bit() for _ in range(rng.randint(0, 3)))

    inner = texts()
    for tag in rng.sample(["p", "span", "b", "font", "div"], rng.randint(1, 4)):
        inner = f"{texts()}<{tag}>{inner}</{tag}>{texts()}"
    return f"<td>{inner}</td>"


@pytest.mark.parametrize("seed", range(150))
def test_cell_text_of_a_chain_of_elements_is_the_text_of_its_text_nodes(seed):
    rng = random.Random(seed)
    cells = "".join(chain_cell(rng) for _ in range(20))
    root = html._document_root(f"<html><body><table><tr>{cells}</tr></table></body></html>")
    etree.strip_elements(root, "script", etree.Comment, with_tail=False)
    for cell in root.iter("td"):
        if len(cell) == 1 and not len(cell[0]):
            continue  # one element of text only: read as .text joins it, as it always was
        pieces, nodes = table_rows._pieces(cell), table_rows._TEXTS(cell)
        assert table_rows._cell_text(pieces) == table_rows._cell_text(nodes)
        assert sum(map(len, pieces)) == sum(map(len, nodes))


@pytest.mark.parametrize("seed", range(50))
def test_base_href_is_the_first_one_xpath_selects_that_is_not_blank(seed):
    rng = random.Random(seed)
    bases = "".join(
        rng.choice(["<base>", '<base href="">', '<base href=" ">', '<base href=" /a/ ">'])
        + rng.choice(["", "<p>x</p>", '<a href="/b">b</a>'])
        for _ in range(rng.randint(0, 4))
    )
    where = rng.choice(["<head>{}</head><body></body>", "<body><div>{}</div></body>"])
    root = html._document_root(f"<html>{where.format(bases)}</html>")
    hrefs = [href.strip() for href in root.xpath("//base/@href") if href.strip()]
    assert links.links_and_anchors(root)[0] == (hrefs[0] if hrefs else None)


@pytest.mark.parametrize("seed", range(100))
def test_densest_of_a_page_without_links_is_the_one_measured_one_by_one(seed):
    body = page(seed).find("body")
    for link in list(body.iter("a")):
        link.tag = "span"
    assert density.densest(body) is density._densest_by_scan(body)


REAL_PAGES = sorted((Path(__file__).resolve().parent / "fixtures" / "corpus").glob("*.html"))
REAL_PAGES += sorted((Path(__file__).resolve().parents[1] / "demo" / "portal").rglob("*.html"))


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_anchors_read_in_the_links_pass_are_every_a_href_with_its_text(path):
    root = html._document_root(decode_bytes(path.read_bytes())[0])
    # The plain definition: string() of each <a href>, by XPath.
    plain = [
        (a.get("href"), a.xpath("string()"), a.get("title") or "")
        for a in root.iter("a")
        if a.get("href")
    ]
    assert links.links_and_anchors(root)[2] == plain


@pytest.mark.parametrize("seed", range(150))
def test_cell_of_one_element_between_whitespace_reads_as_its_pieces(seed):
    rng = random.Random(seed)
    cells = "".join(chain_cell(rng) for _ in range(20)) + "<td> <b>1 2</b>\n</td><td>x<b>1</b></td>"
    root = html._document_root(f"<html><body><table><tr>{cells}</tr></table></body></html>")
    etree.strip_elements(root, "script", etree.Comment, with_tail=False)
    wrapped = 0
    for cell in root.iter("td"):
        found = table_rows._wrapped_text(cell)
        if found is None:
            continue
        wrapped += 1
        pieces = table_rows._pieces(cell)
        assert table_rows._leaf_cell_text(found[0]) == table_rows._cell_text(pieces)
        assert found[1] == sum(map(len, pieces))
    assert wrapped
