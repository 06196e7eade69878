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

from parsers.compiled import lines, markup, walks
from parsers.container import COMPILED_TESTS, MIN_BODY_CHARS, find_container
from parsers.density import links_length, string_of, string_value, text_length
from parsers.links import TARGETS, PageHeads, heads_of, page_heads
from parsers.meta import labelled_date
from parsers.model import Document, Paragraph, Table
from parsers.normalize import never_lengthened, tidy
from parsers.table_rows import LONG_CELL, cell_text, data_table_rows
from parsers.vocabulary import MIN_REPORT_TEXT, REPORT_TITLE

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
# huge_tree: pages nested deeper than libxml2's default 256 levels keep their text.
# Plain etree elements, not lxml.html's: the same tree, without a Python class lookup
# for every element touched (most of the time of a walk over a big table).
# collect_ids=False: libxml2 keeps no table of the id attributes, which only XPath's
# id() and getElementById read; nothing here does (the container tests compare @id).
_PARSER = etree.HTMLParser(huge_tree=True, collect_ids=False)
_UTF8 = etree.HTMLParser(huge_tree=True, encoding="utf-8", collect_ids=False)  # UTF-8 bytes
MAX_NODES = 400_000

# Attributes of presentation, which no parser reads (the walks read id, class, href, src,
# data-src, data, title, name, property, content). Word's and Excel's exports put several
# on every cell: half the bytes of a report page, and each one is allocated in libxml2's
# tree, walked past and freed. They are left out of the bytes libxml2 reads
# (parsers/_markup.pyx), the rest of the page as it is: every result stays the same
# (tests/test_markup_presentation.py), in a seventh fewer instructions on a report page.
PRESENTATION = (
    "style", "align", "valign", "nowrap", "width", "height", "bgcolor", "background",
    "border", "bordercolor", "cellspacing", "cellpadding", "face", "color", "lang",
    "xml:lang", "x:num", "x:str", "clear", "hspace", "vspace",
)  # fmt: skip


def _as_is(data: bytes) -> bytes:
    return data


# Without the compiled module, libxml2 reads the attributes too: the same results, slower.
without_presentation = _as_is if markup is None else markup.PresentationFilter(PRESENTATION)


def _document_root(text: str, utf8: bytes | None = None):
    # lxml.html.document_fromstring, less its element classes. As UTF-8 bytes: lxml hands
    # a str of Chinese to libxml2 as UTF-16, which it converts first (a third of the time
    # of a big page). Text that UTF-8 cannot encode (lone surrogates) goes as it is.
    # ``utf8``: the text's UTF-8 when the caller has it (a page fetched as UTF-8), not
    # made again (its encode is ~3% of a page's instructions).
    if utf8 is not None:
        data = without_presentation(utf8)
    else:
        try:
            data = without_presentation(text.encode("utf-8"))
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


def parse_html(
    text: str, verdict: Callable[..., str] | None = None, utf8: bytes | None = None
) -> Document:
    """Never raises: malformed markup is repaired by lxml, nonsense gives an empty body.

    ``utf8``: ``text`` encoded as UTF-8, when the caller has those bytes already.

    ``verdict(meta, page_title)``: why a page so named is no report ("" when its text must
    be read); when it says, the blocks are left unread (most of the time of a page) and the
    Document carries the verdict instead. A page whose article holds little text is asked
    about again, ``verdict(meta, page_title, text, most)``: the article's text, and at most
    how long the text read of it would be (_most_text).
    """
    try:
        root = _document_root(text, utf8) if text else _document_root("<html></html>")
    except (etree.ParserError, ValueError):
        # lxml refuses strings with an XML encoding declaration or only whitespace.
        stripped = re.sub(r"^\s*<\?xml[^>]*>", "", text or "") or "<p/>"
        try:
            root = _document_root(stripped)
        except (etree.ParserError, ValueError):
            return Document(blocks=[], problem="not HTML")
    # From this one parse, before scripts and chrome go; <meta> and <title> in the same
    # pass, and the rest of the page's walks (page_walks: one walk where compiled).
    page = page_walks(root)
    base, links, page_links, meta, title = page.heads
    page_title = tidy(title or "") or None  # the first <title>: what findtext(".//title") finds
    document = Document(blocks=[], title=page_title, meta=meta, links=links, base=base)
    document.anchors = page_links
    _page_wide_metadata(page, meta)
    document.verdict = verdict(meta, page_title) if verdict is not None else ""
    if document.verdict and not page.has_pictures():
        return document  # no article to look for pictures in
    container, length = page.container()
    document.pictures = _pictures(page.picture_sources(container))
    if verdict is not None and not document.verdict and length < MIN_REPORT_TEXT:
        # An article of little text: asked again with its text and a bound of what is read.
        text = string_value(container)
        most = _most_text(container, text, length)
        if most is not None:
            document.verdict = verdict(meta, page_title, text, most)
    if document.verdict:
        return document
    collect(container, document.blocks)
    document.link_text_ratio = page.links_length(container) / length if length else 0.0
    return document


class SeparateWalks:
    """A page's parts parse_html reads, each by a walk of its own over the tree, which is
    stripped as they go: scripts, styles, comments and processing instructions (when it
    holds any) before anything but the links pass, DROP_AFTER before the container.
    The plain definition of OneWalk."""

    def __init__(self, root) -> None:
        self.root = root
        self.heads: PageHeads = page_heads(root)
        # Comments and processing instructions go with scripts: they hold no text (string()
        # skips them), and the walk after, by tag names only, ends at once on a page that
        # names none of them.
        if holds(root, _STRIPPED_FIRST, comments=True):
            etree.strip_elements(root, *_STRIPPED_FIRST, *_NO_TEXT, with_tail=False)
        self.lengths: dict = {}  # element -> text_length, measured once

    def squashed_opening(self) -> str:
        return squashed_opening(self.root)

    def headings(self):
        return self.root.iter("h1", "h2", "h3")

    def heading_text(self, element) -> str:
        return string_value(element)

    def has_pictures(self) -> bool:
        return next(self.root.iter("img"), None) is not None

    def container(self) -> tuple:
        """The article, stripped, and its text_length."""
        if holds(self.root, _DROP_AFTER, comments=False):
            etree.strip_elements(self.root, *_DROP_AFTER, with_tail=False)
        container = find_container(self.root, self.lengths)
        if container not in self.lengths:
            self.lengths[container] = text_length(container)
        return container, self.lengths[container]

    def picture_sources(self, container) -> list[str]:
        return picture_sources(container)

    def links_length(self, container) -> int:
        return links_length(container)


class OneWalk:
    """SeparateWalks' parts from one compiled walk of the tree as parsed
    (parsers/_walk_fused.pxi), which steps over what the strips would take instead of
    stripping; only the article found is stripped, for the walks that read it after."""

    def __init__(self, page) -> None:
        self.page = page
        self.heads: PageHeads = heads_of(*page.heads)
        self.index: int | None = None  # the container's, among the elements kept

    def squashed_opening(self) -> str:
        return self.page.squashed

    def headings(self):
        return self.page.headings

    def heading_text(self, element) -> str:
        return self.page.string_outside(element)

    def has_pictures(self) -> bool:
        return self.page.has_pictures

    def container(self) -> tuple:
        page = self.page
        self.index = page.container(MIN_BODY_CHARS)  # find_container's choice
        container = page.element(self.index)
        if page.holds_stripped(self.index):
            etree.strip_elements(container, *_STRIPPED_FIRST, *_NO_TEXT, *_DROP_AFTER,
                                 with_tail=False)  # fmt: skip
        return container, page.text_length(self.index)

    def picture_sources(self, container) -> list[str]:
        return self.page.picture_sources(self.index)

    def links_length(self, container) -> int:
        return self.page.link_length(self.index)


def _fused_walks(root) -> OneWalk | SeparateWalks:
    page = _WALKER.walk(root)
    return SeparateWalks(root) if page is None else OneWalk(page)


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


def _pictures(sources: list[str]) -> list[str]:
    """The ``src`` of each picture inside the article (a table published as an image),
    as written, in page order (``sources``: picture_sources of the article); logos and
    banners outside the article are not looked at."""
    found: list[str] = []
    for source in sources:
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


def _page_wide_metadata(page, meta: dict[str, str]) -> None:
    """Title and date shown outside the article container (toolbars, headings)."""
    published = labelled_date(page.squashed_opening())
    if published:
        meta.setdefault("page_published", published)
    for element in page.headings():
        heading = tidy(page.heading_text(element))
        if 6 <= len(heading) <= 80 and REPORT_TITLE.search(heading.replace(" ", "")):
            meta.setdefault("heading", heading)
            break


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
    """_collect in one walk over libxml2's nodes (parsers/_lines.pyx): the same blocks,
    each line tidied there (None: its compiled tidy), not by a call back to tidy."""
    lines.collect(element, blocks, _BREAKS, None, Paragraph, cell_text, Table, LONG_CELL)


# One place decides: the compiled walk when it is built and current (parsers.compiled).
collect = _collect_compiled if lines is not None else _collect


# The one walk's set-up: the names and tests of the walks it fuses, from where they are
# defined.
_WALKER = (
    walks.PageWalker(
        TARGETS,
        tuple(tag.encode() for tag in _STRIPPED_FIRST),
        tuple(tag.encode() for tag in _DROP_AFTER),
        (b"h1", b"h2", b"h3"),
        *COMPILED_TESTS,
        _OPENING,
    )
    if walks is not None
    else None
)
# One place decides: the one compiled walk when it is built and current.
page_walks = _fused_walks if walks is not None else SeparateWalks
