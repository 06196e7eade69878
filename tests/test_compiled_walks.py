"""The compiled walks (parsers/_walk.pyx) read what their plain Python definitions read.

Every function of the compiled module is compared with the definition it replaces, on
every element of every real page and of random made pages (tests/made_pages.py). The
module must be built and current: `make install` builds it, and a test run that fell
back to the Python definitions would not be testing what the parsers run.
"""

from __future__ import annotations

import pytest
from lxml import etree

from parsers import compiled, density, html
from parsers.encoding import decode_bytes
from tests.made_pages import REAL_PAGES, page

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
