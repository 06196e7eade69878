"""Reduce a portal page to the report's blocks: find the article, drop the site.

Known body containers are tried first (docs/portals.md lists them); pages
without one fall back to the deepest element that still holds most of the
page's non-link text. Layout tables are walked into; data tables become
``Table`` blocks with one text per cell.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from parsers.meta import REPORT_TITLE, labelled_date
from parsers.model import Document, Paragraph, Table
from parsers.normalize import tidy

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
_PARSER = lxml.html.HTMLParser(huge_tree=True)
MAX_NODES = 400_000


def _text_length(element) -> int:
    return len(re.sub(r"\s+", "", element.text_content() or ""))


def _link_length(element) -> int:
    return sum(_text_length(link) for link in element.iter("a"))


def parse_html(text: str) -> Document:
    """Never raises: malformed markup is repaired by lxml, nonsense gives an empty body."""
    try:
        root = lxml.html.document_fromstring(text or "<html></html>", parser=_PARSER)
    except (etree.ParserError, ValueError):
        # lxml refuses strings with an XML encoding declaration or only whitespace.
        stripped = re.sub(r"^\s*<\?xml[^>]*>", "", text or "") or "<p/>"
        try:
            root = lxml.html.document_fromstring(stripped, parser=_PARSER)
        except (etree.ParserError, ValueError):
            return Document(blocks=[], problem="not HTML")
    meta = {}
    for element in root.iter("meta"):
        name = (element.get("name") or element.get("property") or "").strip()
        if name and element.get("content") is not None:
            meta.setdefault(name, element.get("content").strip())
    page_title = tidy(root.findtext(".//title") or "") or None
    etree.strip_elements(root, "script", "style", with_tail=False)
    _page_wide_metadata(root, meta)
    etree.strip_elements(
        root, *DROP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False
    )
    container = _find_container(root)
    blocks: list = []
    _collect(container, blocks, [])
    text_length = _text_length(container)
    ratio = _link_length(container) / text_length if text_length else 0.0
    return Document(blocks=blocks, title=page_title, meta=meta, link_text_ratio=ratio)


def _page_wide_metadata(root, meta: dict[str, str]) -> None:
    """Title and date shown outside the article container (toolbars, headings)."""
    page_text = root.text_content() or ""
    published = labelled_date(re.sub(r"\s+", "", page_text[:200_000]))
    if published:
        meta.setdefault("page_published", published)
    for element in root.iter("h1", "h2", "h3"):
        heading = tidy(element.text_content() or "")
        if 6 <= len(heading) <= 80 and REPORT_TITLE.search(heading.replace(" ", "")):
            meta.setdefault("heading", heading)
            break


def _find_container(root):
    body = root.find("body")
    if body is None:
        body = root
    for xpath in CONTAINER_XPATHS:
        try:
            found = root.xpath(xpath)
        except etree.XPathError:
            continue
        found = [element for element in found if _text_length(element) >= MIN_BODY_CHARS]
        if found:
            # Nested matches: the outermost keeps everything the report says.
            return max(found, key=_text_length)
    return _densest(body)


def _densest(body):
    """The deepest element holding nearly all of the page's non-link text."""
    total = _text_length(body) - _link_length(body)
    if total <= 0:
        return body
    best = body
    for element in body.iter():
        if not isinstance(element.tag, str) or element is body:
            continue
        own = _text_length(element) - _link_length(element)
        if own >= 0.8 * total and _depth(element) > _depth(best):
            best = element
    return best


def _depth(element) -> int:
    depth = 0
    while element is not None:
        element = element.getparent()
        depth += 1
    return depth


def _is_layout_table(table) -> bool:
    """A table used for page layout: it holds other tables or paragraphs of prose."""
    if table.find(".//table") is not None:
        return True
    return any(len(cell.text_content()) > 600 for cell in table.iter("td", "th"))


def _cell_text(cell) -> str:
    # Pieces of one cell (spans, <br>, <p>) join without a space: labels and
    # numbers are split across tags, never meant to be two words.
    return tidy("".join(piece.strip() for piece in cell.itertext()))


def _table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.iter("tr"):
        # Rows of a nested table belong to that table, not to this one.
        if _owning_table(row) is not table:
            continue
        cells = [
            _cell_text(cell) for cell in row if isinstance(cell.tag, str) and cell.tag in CELL_TAGS
        ]
        if cells:
            rows.append(cells)
    return rows


def _owning_table(element):
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _collect(element, blocks: list, line: list[str]) -> None:
    """Walk ``element`` in document order, emitting Paragraph lines and Table blocks.

    Iterative (lxml's iterwalk), so that absurdly deep pages cannot exhaust the stack.
    """
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        tag = node.tag if isinstance(node.tag, str) else ""
        is_block = tag in BLOCK_TAGS or tag in CELL_TAGS or tag in {"br", "table"}
        if event == "start":
            if is_block:
                _flush(blocks, line)
            if tag == "table" and not _is_layout_table(node):
                rows = _table_rows(node)
                if rows:
                    blocks.append(Table(rows=rows))
                walker.skip_subtree()
            elif node.text and tag:
                line.append(node.text)
            continue
        if is_block:
            _flush(blocks, line)
        if node is not element:
            _tail(node, line)


def _tail(element, line: list[str]) -> None:
    if element.tail:
        line.append(element.tail)


def _flush(blocks: list, line: list[str]) -> None:
    text = tidy("".join(line))
    line.clear()
    if text:
        blocks.append(Paragraph(text))
