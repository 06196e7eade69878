"""The fast paths of parsers/html.py choose what the plain definitions choose.

Random pages (nested links, links holding most of the text, containers by id, class
and tag, tables with leaf cells, cells of several pieces, prose cells, nested tables)
are read both ways: the container search against CONTAINER_XPATHS, the walk down
the densest chain against measuring every element, table rows against itertext().
"""

from __future__ import annotations

import random

import pytest
from lxml import etree

from parsers import container, density, html, links, table_rows
from parsers.encoding import decode_bytes
from tests.made_pages import REAL_PAGES, chain_cell, page


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
    expected = [root.xpath(xpath) for xpath in container.CONTAINER_XPATHS]
    assert list(container._container_candidates(root)) == expected


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
