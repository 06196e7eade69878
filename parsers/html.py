"""Reduce a portal page to the report's blocks: find the article, drop the site.

Known body containers are tried first (docs/portals.md lists them); pages
without one fall back to the deepest element that still holds most of the
page's non-link text. Layout tables are walked into; data tables become
``Table`` blocks with one text per cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from parsers.compiled import lines, walks
from parsers.density import densest, links_length, string_of, string_value, text_length
from parsers.links import page_heads
from parsers.meta import labelled_date
from parsers.model import Document, Paragraph, Table
from parsers.normalize import never_lengthened, tidy
from parsers.table_rows import LONG_CELL, cell_text, data_table_rows
from parsers.vocabulary import MIN_REPORT_TEXT, REPORT_TITLE

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
DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "button",
    "select",
    "input",
    "textarea",
    "form",
    "svg",
    "canvas",
    "nav",
    "header",
    "footer",
]
_STRIPPED_FIRST = ("script", "style")
_DROP_AFTER = tuple(tag for tag in DROP_TAGS if tag not in _STRIPPED_FIRST)  # gone already
_NO_TEXT = (etree.Comment, etree.ProcessingInstruction)
BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "center",
    "tr",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "hr",
    "address",
    "main",
    "aside",
    "figure",
    "figcaption",
    "ucapcontent",
}
CELL_TAGS = {"td", "th"}
MIN_BODY_CHARS = 120
# huge_tree: pages nested deeper than libxml2's default 256 levels keep their text.
# Plain etree elements, not lxml.html's: the same tree, without a Python class lookup
# for every element touched (most of the time of a walk over a big table).
_PARSER = etree.HTMLParser(huge_tree=True)
_UTF8 = etree.HTMLParser(huge_tree=True, encoding="utf-8")  # for text as UTF-8 bytes
MAX_NODES = 400_000
_XML_SPACE = re.compile(r"[ \t\r\n]+")  # normalize-space() splits on these only


def _document_root(text: str):
    # lxml.html.document_fromstring, less its element classes. As UTF-8 bytes: lxml hands
    # a str of Chinese to libxml2 as UTF-16, which it converts first (a third of the time
    # of a big page). Text that UTF-8 cannot encode (lone surrogates) goes as it is.
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = None
    try:
        root = etree.fromstring(text, _PARSER) if data is None else etree.fromstring(data, _UTF8)
    except etree.XMLSyntaxError as error:
        # libxml2 out of memory (a worker's limit) is said so, not as a syntax error: the
        # worker records the page as too large.
        if error.code == etree.ErrorTypes.ERR_NO_MEMORY:
            raise MemoryError(f"libxml2: {error}") from error
        raise
    if root is None:
        raise etree.ParserError("Document is empty")
    return root


def parse_html(text: str, verdict: Callable[..., str] | None = None) -> Document:
    """Never raises: malformed markup is repaired by lxml, nonsense gives an empty body.

    ``verdict(meta, page_title)``: why a page so named is no report ("" when its text must
    be read); when it says, the blocks are left unread (most of the time of a page) and the
    Document carries the verdict instead. A page whose article holds little text is asked
    about again, ``verdict(meta, page_title, text, most)``: the article's text, and at most
    how long the text read of it would be (_most_text).
    """
    try:
        root = _document_root(text or "<html></html>")
    except (etree.ParserError, ValueError):
        # lxml refuses strings with an XML encoding declaration or only whitespace.
        stripped = re.sub(r"^\s*<\?xml[^>]*>", "", text or "") or "<p/>"
        try:
            root = _document_root(stripped)
        except (etree.ParserError, ValueError):
            return Document(blocks=[], problem="not HTML")
    # From this one parse, before scripts and chrome go; <meta> and <title> in the same pass.
    base, links, page_links, meta, title = page_heads(root)
    page_title = tidy(title or "") or None  # the first <title>: what findtext(".//title") finds
    document = Document(blocks=[], title=page_title, meta=meta, links=links, base=base)
    document.anchors = page_links
    # Comments and processing instructions go with scripts: they hold no text (string()
    # skips them), and the walk after, by tag names only, ends at once on a page that
    # names none of them.
    if holds(root, _STRIPPED_FIRST, comments=True):
        etree.strip_elements(root, *_STRIPPED_FIRST, *_NO_TEXT, with_tail=False)
    _page_wide_metadata(root, meta)
    document.verdict = verdict(meta, page_title) if verdict is not None else ""
    if document.verdict and next(root.iter("img"), None) is None:
        return document  # no article to look for pictures in
    if holds(root, _DROP_AFTER, comments=False):
        etree.strip_elements(root, *_DROP_AFTER, with_tail=False)
    lengths: dict = {}  # element -> text_length, measured once
    container = _find_container(root, lengths)
    document.pictures = _pictures(container)
    length = lengths[container] if container in lengths else text_length(container)
    if verdict is not None and not document.verdict and length < MIN_REPORT_TEXT:
        # An article of little text: asked again with its text and a bound of what is read.
        text = string_value(container)
        most = _most_text(container, text, length)
        if most is not None:
            document.verdict = verdict(meta, page_title, text, most)
    if document.verdict:
        return document
    collect(container, document.blocks)
    document.link_text_ratio = links_length(container) / length if length else 0.0
    return document


def _holds(root, tags, comments: bool) -> bool:
    # Whether strip_elements(root, *tags) (and comments and processing instructions)
    # finds anything below root.
    kinds = (*tags, *_NO_TEXT) if comments else tags
    return any(element is not root for element in root.iter(*kinds))


_ENCODED = {tags: tuple(tag.encode() for tag in tags) for tags in (_STRIPPED_FIRST, _DROP_AFTER)}
# The compiled walk ends at the first it finds; strip_elements sets up a matcher first.
holds = (
    (lambda root, tags, comments: walks.holds(root, _ENCODED[tags], comments))
    if walks is not None
    else _holds
)


_CELLS_AND_ROWS = etree.XPath("count(descendant::td | descendant::th | descendant::tr)")


def _most_text(container, text: str, length: int) -> int | None:
    """At least the length of the text interpret reads of ``container`` (whose text is
    ``text``, of ``length`` non-space characters), squashed; None when that cannot be
    bounded so. That text is a selection of the container's characters, each once, with
    whitespace and a table row's "|" between them (one per cell, one more per row); NFKC
    makes it no longer when never_lengthened holds of them."""
    if not never_lengthened(text):
        return None
    return length + cells_and_rows(container)


def _cells_and_rows(container) -> int:
    # The cells and rows below the container, when it holds a cell or is one.
    if next(container.iter("td", "th"), None) is not None:
        return int(_CELLS_AND_ROWS(container))
    return 0


cells_and_rows = walks.cells_and_rows if walks is not None else _cells_and_rows


def _pictures(container) -> list[str]:
    """The ``src`` of each picture inside the article (a table published as an image),
    as written, in page order; logos and banners outside the article are not looked at."""
    found: list[str] = []
    for source in picture_sources(container):
        source = source.strip()
        if source and source not in found:
            found.append(source)
    return found


def _picture_sources(container) -> list[str]:
    return [image.get("src") or image.get("data-src") or "" for image in container.iter("img")]


picture_sources = walks.picture_sources if walks is not None else _picture_sources


def _squashed_opening(root) -> str:
    # The page's first 200,000 characters, less whitespace.
    return "".join(string_of(root)[:_OPENING].split())


_OPENING = 200_000
squashed_opening = (
    (lambda root: walks.squashed_text(root, _OPENING)) if walks is not None else _squashed_opening
)


def _page_wide_metadata(root, meta: dict[str, str]) -> None:
    """Title and date shown outside the article container (toolbars, headings)."""
    published = labelled_date(squashed_opening(root))
    if published:
        meta.setdefault("page_published", published)
    for element in root.iter("h1", "h2", "h3"):
        heading = tidy(string_value(element))
        if 6 <= len(heading) <= 80 and REPORT_TITLE.search(heading.replace(" ", "")):
            meta.setdefault("heading", heading)
            break


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
_COMPILED_TESTS = (
    tuple((value.encode(), index) for value, index in _ID_TESTS.items()),
    tuple((index, word.encode(), is_part) for index, word, is_part in _CLASS_TESTS),
    tuple((tag.encode(), index) for tag, index in _TAG_TESTS.items()),
    len(_CONTAINER_TESTS),
)
# The compiled search reads every attribute in place and makes a proxy of the elements
# found only.
container_candidates = (
    (lambda root: walks.container_candidates(root, *_COMPILED_TESTS))
    if walks is not None
    else _container_candidates
)


def _find_container(root, lengths: dict | None = None):
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


# The tags that end a line: blocks, cells, line breaks (tables are blocks).
_BREAKS = frozenset(BLOCK_TAGS | CELL_TAGS | {"br", "table"})


def _collect(element, blocks: list) -> None:
    """Walk ``element`` in document order, emitting Paragraph lines and Table blocks.

    Iterative (lxml's iterwalk), so that absurdly deep pages cannot exhaust the stack.
    A line left open when ``element`` is no block is not emitted.
    """
    line: list[str] = []
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        tag = node.tag
        if event == "start":
            if tag in _BREAKS:
                if line:
                    _flush(blocks, line)
                if tag == "table":
                    rows = data_table_rows(node)
                    if rows is not None:
                        if rows:
                            blocks.append(Table(rows=rows))
                        walker.skip_subtree()
                        continue
            text = node.text
            if text and isinstance(tag, str):
                line.append(text)
            continue
        if line and tag in _BREAKS:
            _flush(blocks, line)
        if node is not element:
            tail = node.tail
            if tail:
                line.append(tail)


def _flush(blocks: list, line: list[str]) -> None:
    text = tidy("".join(line))
    line.clear()
    if text:
        blocks.append(Paragraph(text))


def _collect_compiled(element, blocks: list) -> None:
    """_collect in one walk over libxml2's nodes (parsers/_lines.pyx): the same blocks."""
    lines.collect(element, blocks, _BREAKS, tidy, Paragraph, cell_text, Table, LONG_CELL)


# One place decides: the compiled walk when it is built and current (parsers.compiled).
collect = _collect_compiled if lines is not None else _collect
