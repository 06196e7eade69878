"""The rows of cell texts of a data table, read from its lxml element.

A cell's text is its text nodes, each stripped, joined without a space (labels and
numbers are split across tags, never meant to be two words), whitespace collapsed.
A table that holds another table or a cell of prose (LONG_CELL) is for layout: None.

A report table may have 200,000 cells: one pass over them measures and reads them,
with fast paths for the cell shapes report tables print most. (Measured and left:
libxslt writing a table's cells as one string to split costs 2.7x as much over the
tables of the real pages, and more on the 200,000 cells of text only.)
"""

from __future__ import annotations

from lxml import etree

from parsers.caches import text_cache
from parsers.normalize import tidy

LONG_CELL = 600  # characters: a cell this long holds prose, so its table is for layout

# The text nodes of a subtree, as itertext() gives them (in C: half the time).
_TEXTS = etree.XPath("descendant::text()", smart_strings=False)
_CELL_COUNT = etree.XPath("count(descendant::td) + count(descendant::th)")
_LONG_CELLS = etree.XPath(
    "boolean(descendant::td[string-length() > $long] | descendant::th[string-length() > $long])"
)


def data_table_rows(table) -> list[list[str]] | None:
    """The rows of cell texts of a data table; None for a layout table (one that holds
    other tables or paragraphs of prose), which is walked into instead.

    Rows are the table's tr elements, cells the td/th children of a row.
    """
    if next(table.iterdescendants("table"), None) is not None:
        return None
    rows = []
    cells = 0
    for tr in table.iter("tr"):
        row = []
        for cell in tr.iterchildren("td", "th"):
            if len(cell):
                wrapped = _wrapped_text(cell)
                if wrapped is not None:
                    text, length = wrapped
                    if length > LONG_CELL:
                        return None
                    row.append(_leaf_cell_text(text))
                    continue
                pieces = _pieces(cell)
                if sum(map(len, pieces)) > LONG_CELL:
                    return None
                row.append(_cell_text(pieces))
                continue
            text = cell.text or ""  # a cell of text only: no pieces to join
            if len(text) > LONG_CELL:
                return None
            row.append(_leaf_cell_text(text))
        if row:
            cells += len(row)
            rows.append(row)
    # A cell outside any row (a td in a div) is not read, but prose in it still makes
    # the table one for layout.
    if cells != _CELL_COUNT(table) and _LONG_CELLS(table, long=LONG_CELL):
        return None
    return rows


def _cell_text(pieces: list[str]) -> str:
    # Pieces of one cell (spans, <br>, <p>) join without a space.
    return tidy("".join(map(str.strip, pieces)))


@text_cache(maxsize=4096)  # report tables repeat a few texts ("0", "/") many times
def _leaf_cell_text(text: str) -> str:
    return tidy(text.strip())


# A cell's text stripped, tidied: the compiled walk (parsers/_lines.pyx) hands it each
# cell's stripped pieces joined, which tidy the same way with or without a strip.
cell_text = _leaf_cell_text


def _pieces(cell) -> list[str]:
    """The text nodes of a cell, as _TEXTS gives them; a cell of one element of text only
    (<td><p>12</p></td>, most cells that are not text alone) without an XPath call, and
    a chain of them (<td><p><span>12</span></p></td>) too, where that reads the same."""
    if len(cell) == 1:
        child = cell[0]
        if isinstance(child.tag, str) and not len(child):
            return [piece for piece in (cell.text, child.text, child.tail) if piece]
        pieces = _chain_pieces(cell)
        if pieces is not None:
            return pieces
    return _TEXTS(cell)


def _chain_pieces(cell) -> list[str] | None:
    """The texts of a cell whose elements each hold one element (down to one of text
    only), in document order; None for any other cell, or where the texts could read
    otherwise than _TEXTS's: .text and .tail join adjacent text nodes (left where a
    comment was stripped) that _TEXTS gives apart, and apart each is stripped. Joined
    or apart, a text with no whitespace inside reads the same once stripped."""
    heads: list[str | None] = []
    tails: list[str | None] = []
    node = cell
    while len(node):
        if len(node) > 1:
            return None
        child = node[0]
        if not isinstance(child.tag, str):
            return None
        heads.append(node.text)
        tails.append(child.tail)
        node = child
    heads.append(node.text)
    tails.reverse()
    pieces = [piece for piece in heads + tails if piece]
    for piece in pieces:
        if len(piece.split()) > 1:
            return None
    return pieces


def _wrapped_text(cell) -> tuple[str, int] | None:
    """(text, length of all its pieces) of a cell holding one element of text only
    between whitespace (<td>\n<p>12</p>\n</td>, most cells of a report table): its
    pieces stripped and joined are that element's text stripped, which _leaf_cell_text
    keeps for the next cell of the same text. None for any other cell."""
    if len(cell) != 1:
        return None
    child = cell[0]
    if len(child) or not isinstance(child.tag, str):
        return None
    head, tail = cell.text, child.tail
    if (head and not head.isspace()) or (tail and not tail.isspace()):
        return None
    text = child.text or ""
    return text, len(text) + len(head or "") + len(tail or "")
