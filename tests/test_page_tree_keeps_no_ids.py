"""libxml2 keeps no table of a page's id attributes (parsers.html's parsers,
collect_ids=False): nothing reads it, and building it costs each parse. The container
tests compare @id and so find the same elements (test_parse_golden and the walks' tests)."""

from __future__ import annotations

import pytest
from lxml import etree

from parsers import html
from parsers.container import find_container

PAGE = "<html><body><div id='nav'>首页</div><div id='zoom'>{}</div></body></html>"
TEXT = "主动公开政府信息情况" * 20


@pytest.mark.parametrize("utf8", [True, False], ids=["as UTF-8 bytes", "as text"])
def test_a_page_tree_has_no_id_table(utf8):
    page = PAGE.format(TEXT)
    root = html._document_root(page, page.encode() if utf8 else None)
    assert root.xpath("//*[@id='zoom']")  # the attribute is there
    assert etree.XPath("id('zoom')")(root) == []  # no table that id() reads


def test_the_container_is_still_found_by_its_id():
    root = html._document_root(PAGE.format(TEXT))
    assert find_container(root).get("id") == "zoom"
