"""Where a page's report is: the known body containers (docs/portals.md lists them),
tried in order, else the deepest element holding most of the page's non-link text
(parsers.density.densest). Used by parsers.html on the page once stripped.
"""

from __future__ import annotations

import re

from lxml import etree

from parsers.compiled import walks
from parsers.density import densest, text_length

CONTAINER_XPATHS = [
    "//*[@id='zoom' or @id='Zoom' or @id='ZOOM']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' trs_editor_view ')]",
    "//*[contains(@class, 'TRS_UEDITOR')]",
    "//*[@id='UCAP-CONTENT']",
    "//ucapcontent",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//*[@id='fontzoom']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' pages_content ')]",
    "//*[@id='content' or @id='Content' or @id='article' or @id='ArticleContent']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' view ')]",
    "//article",
]
MIN_BODY_CHARS = 120
_XML_SPACE = re.compile(r"[ \t\r\n]+")  # normalize-space() splits on these only


# CONTAINER_XPATHS as tests on one attribute (or a tag), in the same order: an id among
# the ids, a class attribute holding the word among its words (normalize-space() splits
# on XML spaces only) or as a part of it, an element of the tag.
_CONTAINER_TESTS = [
    ("id", ("zoom", "Zoom", "ZOOM")),
    ("class word", "TRS_Editor"),
    ("class word", "trs_editor_view"),
    ("class part", "TRS_UEDITOR"),
    ("id", ("UCAP-CONTENT",)),
    ("tag", "ucapcontent"),
    ("class word", "article-content"),
    ("id", ("fontzoom",)),
    ("class word", "pages_content"),
    ("id", ("content", "Content", "article", "ArticleContent")),
    ("class word", "view"),
    ("tag", "article"),
]
assert len(_CONTAINER_TESTS) == len(CONTAINER_XPATHS)
# The ids the id tests accept, each to the index of its test.
_ID_TESTS = {
    value: index
    for index, (kind, values) in enumerate(_CONTAINER_TESTS)
    if kind == "id"
    for value in values
}
# (index, word, whether a part of the attribute will do)
_CLASS_TESTS = [
    (index, word, kind == "class part")
    for index, (kind, word) in enumerate(_CONTAINER_TESTS)
    if kind.startswith("class")
]
_TAG_TESTS = {test: index for index, (kind, test) in enumerate(_CONTAINER_TESTS) if kind == "tag"}
# The id and class attributes that may pass a test, found in C (a page has hundreds of
# attributes, and a handful of these); the tests themselves run in Python. Every class
# word tested holds one of the three substrings. Container tags are found by lxml's own
# tag filter.
# From the root element, elements only: "//@id" would visit every text node as well.
_CANDIDATE_ATTRIBUTES = etree.XPath(
    f"descendant-or-self::*/@id[contains('|{'|'.join(_ID_TESTS)}|', concat('|', ., '|'))]"
    " | descendant-or-self::*/@class[contains(., 'TRS') or contains(., 'view')"
    " or contains(., 'content')]"
)


def _container_candidates(root) -> list[list]:
    """Per entry of CONTAINER_XPATHS, the elements it selects, in document order."""
    found: list[list] = [[] for _ in _CONTAINER_TESTS]
    for attribute in _CANDIDATE_ATTRIBUTES(root):
        if attribute.attrname == "id":
            index = _ID_TESTS.get(attribute)  # None for an id such as "zoom|Zoom"
            if index is not None:
                found[index].append(attribute.getparent())
            continue
        value = str(attribute)
        words = set(_XML_SPACE.split(value))
        for index, word, is_part in _CLASS_TESTS:
            if word in (value if is_part else words):
                found[index].append(attribute.getparent())
    for element in root.iter(*_TAG_TESTS):  # both tags in one walk
        found[_TAG_TESTS[element.tag]].append(element)
    return found


# The tests as the compiled search takes them: as bytes, with the index of each.
COMPILED_TESTS = (
    tuple((value.encode(), index) for value, index in _ID_TESTS.items()),
    tuple((index, word.encode(), is_part) for index, word, is_part in _CLASS_TESTS),
    tuple((tag.encode(), index) for tag, index in _TAG_TESTS.items()),
    len(_CONTAINER_TESTS),
)
# The compiled search reads every attribute in place and makes a proxy of the elements
# found only.
container_candidates = (
    (lambda root: walks.container_candidates(root, *COMPILED_TESTS))
    if walks is not None
    else _container_candidates
)


def find_container(root, lengths: dict | None = None):
    """The element holding the report; ``lengths`` gathers the text lengths measured."""
    body = next(root.iterchildren("body"), root)  # root.find("body"), without ElementPath
    lengths = {} if lengths is None else lengths

    def length(element) -> int:
        if element not in lengths:
            lengths[element] = text_length(element)
        return lengths[element]

    for found in container_candidates(root):
        if not found:
            continue
        found = [element for element in found if length(element) >= MIN_BODY_CHARS]
        if found:
            # Nested matches: the outermost keeps everything the report says.
            return max(found, key=length)
    return densest(body, lengths)
