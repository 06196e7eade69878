"""Tables printed without rules, rebuilt from how their text lines up.

A borderless table is still a grid: its rows are bands of ink with blank space between
them, and in each row the cells stand apart by gaps wider than any gap inside a label or
a number. A run of rows that each hold several such pieces, at least two of them as
narrow as a number, is a table; every piece is a cell (its box spans the row's band,
so the cells of a row share a top edge as ruled cells do) and is read like a ruled
cell. Prose has no such rows: its lines are one piece each, or a few wide ones.
"""

from __future__ import annotations

import itertools

import numpy as np

from parsers.ocr.layout import Box, GridTable

# A run of fewer rows than this is no table (a line with a few spaced words is not one).
MIN_ROWS = 2


def find_borderless(ink: np.ndarray, dpi: int) -> list[GridTable]:
    """Tables among the ink (rules and ruled tables already taken out), top to bottom."""
    pieces = _pieces(ink, dpi)
    if len(pieces) < 3:
        return []
    tables: list[GridTable] = []
    run: list[tuple[tuple[int, int], list[Box]]] = []
    for band in _bands(ink):
        inside = [box for box in pieces if band[0] <= (box.y0 + box.y1) / 2 < band[1]]
        for row, cells in _rows(band, inside, dpi):
            if _tabular(cells, dpi):
                run.append((row, cells))
                continue
            tables.extend(_table(run, dpi, ink.shape))
            run = []
    tables.extend(_table(run, dpi, ink.shape))
    return tables


def _rows(band: tuple[int, int], pieces: list[Box], dpi: int):
    """A band's rows and their cells. Two printed rows share a band when a label spans
    both (a merged cell printed between them): the numbers, one line per row, part them.
    """
    if not pieces:
        return []
    height = float(np.median([box.height for box in pieces]))
    labels_end = max((box.x1 for box in pieces if box.width >= dpi * 0.45), default=0)
    numbers = sorted(
        (box for box in pieces if box.width < dpi * 0.45 and box.x0 > labels_end),
        key=lambda box: box.y0 + box.y1,
    )
    cuts = []
    for above, below in itertools.pairwise(numbers):
        if below.y0 >= above.y1 and (below.y0 + below.y1 - above.y0 - above.y1) / 2 > 0.7 * height:
            cuts.append((above.y1 + below.y0) // 2)
    edges = [band[0], *sorted(set(cuts)), band[1]]
    rows = []
    for top, bottom in itertools.pairwise(edges):
        inside = [box for box in pieces if top <= (box.y0 + box.y1) / 2 < bottom]
        if inside:
            rows.append(((top, bottom), _cells(inside, height)))
    return rows


def _cells(pieces: list[Box], height: float) -> list[Box]:
    """Pieces of one row joined into cells: lines of one cell overlap across (a wrapped
    label, a two-line heading), words of one cell stand closer than a character."""
    cells: list[Box] = []
    for piece in sorted(pieces, key=lambda box: box.x0):
        last = cells[-1] if cells else None
        if last is not None and piece.x0 - last.x1 < 0.75 * height:
            cells[-1] = Box(
                min(last.x0, piece.x0),
                min(last.y0, piece.y0),
                max(last.x1, piece.x1),
                max(last.y1, piece.y1),
            )
        else:
            cells.append(piece)
    return cells


def _pieces(ink: np.ndarray, dpi: int) -> list[Box]:
    """Boxes of ink that stand apart: a label, a number, a word; never two cells."""
    import cv2

    join = max(3, round(dpi * 0.05))  # wider than a gap between characters of one word
    joined = cv2.dilate(ink, np.ones((1, join), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    smallest = max(4, dpi // 25)
    boxes = []
    for label in range(1, count):
        x, y, width, height, _ = stats[label]
        if height < smallest and width < smallest:
            continue  # a speck (a rule's stub, JPEG noise); "一" is flat but long
        # The dilation widened the piece by half the kernel on each side.
        boxes.append(Box(int(x + join // 2), int(y), int(x + width - join // 2), int(y + height)))
    return boxes


def _bands(ink: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges of ink with blank rows between them."""
    inked = np.count_nonzero(ink, axis=1) > 0
    bands, start = [], None
    for row, on in enumerate(inked):
        if on and start is None:
            start = row
        elif not on and start is not None:
            bands.append((start, row))
            start = None
    if start is not None:
        bands.append((start, len(inked)))
    return bands


def _tabular(cells: list[Box], dpi: int) -> bool:
    narrow = [box for box in cells if box.width < dpi * 0.45]
    return len(cells) >= 3 and len(narrow) >= 2


def _table(
    run: list[tuple[tuple[int, int], list[Box]]], dpi: int, shape: tuple[int, ...]
) -> list[GridTable]:
    if len(run) < MIN_ROWS:
        return []
    pad = max(3, dpi // 40)
    cells: list[Box] = []
    for (top, bottom), pieces in run:
        for piece in pieces:
            cells.append(
                Box(
                    max(0, piece.x0 - pad),
                    max(0, top - pad),
                    min(shape[1], piece.x1 + pad),
                    min(shape[0], bottom + pad),
                )
            )
    box = Box(
        min(cell.x0 for cell in cells),
        min(cell.y0 for cell in cells),
        max(cell.x1 for cell in cells),
        max(cell.y1 for cell in cells),
    )
    return [GridTable(box, cells)]
