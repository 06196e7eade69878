"""One page image read into lines of text and ruled tables, in page coordinates (points).

Tables come from the page's rules (layout.py); each cell's lines of ink are recognised
one by one, so a lone "0" in a wide cell is read as surely as a long label. Text outside
the tables is found by the engine's detector and recognised line by line.
"""

from __future__ import annotations

import re

import numpy as np

from parsers.lines import Line, PageTable, clean_cell
from parsers.model import Reading
from parsers.normalize import is_value_text, squash
from parsers.ocr import borderless, engine, layout

# Below this a cell is not read at all: NULL with a warning, never a guess.
UNREADABLE_BELOW = 0.5
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# What a number cell may look like to OCR: digits and their look-alikes.
_NUMBERISH = re.compile(r"^[\dOoIlLSsBbZz.,，。·\-+%]+$")


def has_ink(gray: np.ndarray) -> bool:
    """False for a blank (or nearly blank) page: no OCR is spent on it."""
    dark = np.count_nonzero(gray < 128)
    return dark > gray.size * 0.0005


def read_page(gray: np.ndarray, dpi: int) -> list[Line | PageTable]:
    """Lines and tables of a grey page image rendered at ``dpi``, top to bottom."""
    gray = layout.deskew(gray, dpi)
    tables, text_ink = layout.find_tables(gray, dpi)
    loose = text_ink.copy()
    for table in tables:
        box = table.box
        loose[box.y0 : box.y1, box.x0 : box.x1] = 0
    tables += borderless.find_borderless(loose, dpi)
    points = 72.0 / dpi
    items: list[Line | PageTable] = [_read_table(gray, text_ink, t, dpi, points) for t in tables]
    outside = gray.copy()
    for table in tables:
        box = table.box
        outside[box.y0 : box.y1, box.x0 : box.x1] = 255
    items.extend(_read_lines(outside, points))
    items = [item for item in items if not isinstance(item, PageTable) or item.rows]
    items.sort(key=lambda item: item.top)
    return items


def _crop(gray: np.ndarray, band: layout.Box, limit: layout.Box) -> np.ndarray:
    pad = max(3, band.height // 4)
    return gray[
        max(limit.y0, band.y0 - pad) : min(limit.y1, band.y1 + pad),
        max(limit.x0, band.x0 - pad) : min(limit.x1, band.x1 + pad),
    ]


def _read_table(gray, ink, table: layout.GridTable, dpi: int, points: float) -> PageTable:
    crops: list[np.ndarray] = []
    owners: list[int] = []
    for number, cell in enumerate(table.cells):
        for band in layout.text_bands(ink, cell, dpi):
            crops.append(_crop(gray, band, cell))
            owners.append(number)
    texts: list[list[str]] = [[] for _ in table.cells]
    readings: list[list[Reading]] = [[] for _ in table.cells]
    for owner, (text, reading) in zip(owners, engine.recognize(crops), strict=True):
        texts[owner].append(text)
        readings[owner].append(reading)
    result = PageTable(
        page=0,
        top=table.box.y0 * points,
        bottom=table.box.y1 * points,
        columns=_columns([cell.x0 * points for cell in table.cells]),
        readings=[],
    )
    row_top = None
    for cell, cell_texts, cell_readings in zip(table.cells, texts, readings, strict=True):
        text, reading = cell_value(cell_texts, cell_readings)
        if row_top is None or cell.y0 - row_top > max(4, dpi // 25):
            result.rows.append([])
            result.readings.append([])
            row_top = cell.y0
        result.rows[-1].append(text)
        result.readings[-1].append(reading)
    return result


def cell_value(texts: list[str], readings: list[Reading]) -> tuple[str, Reading]:
    """A cell's text from its recognised lines, and how far it can be trusted."""
    if not texts:
        return "", Reading(1.0)  # no ink: a blank cell, surely
    text = clean_cell("\n".join(texts))
    confidence = min(reading.confidence for reading in readings)
    alternatives = readings[0].alternatives if len(readings) == 1 else ()
    if _CJK.search(text):
        return text, Reading(confidence)
    compact = squash(text)
    if confidence < UNREADABLE_BELOW or (not is_value_text(compact) and _NUMBERISH.match(compact)):
        return text, Reading(confidence, alternatives, unreadable=True)
    if is_value_text(compact):
        text = compact
    return text, Reading(confidence, alternatives)


def _columns(lefts: list[float], tolerance: float = 3.0) -> list[float]:
    """Column left edges, with the scan's wobble of one edge folded together."""
    columns: list[float] = []
    for left in sorted(lefts):
        if not columns or left - columns[-1] > tolerance:
            columns.append(round(left, 1))
    return columns


def _read_lines(gray: np.ndarray, points: float) -> list[Line]:
    quads = [quad for quad in engine.detect_lines(gray) if _quad_height(quad) >= 8]
    if not quads:
        return []
    results = engine.recognize([engine.crop_quad(gray, quad) for quad in quads])
    pieces = []
    for quad, (text, reading) in zip(quads, results, strict=True):
        if text and reading.confidence >= UNREADABLE_BELOW / 2:
            xs, ys = quad[:, 0], quad[:, 1]
            pieces.append(
                (float(ys.min()), float(ys.max()), float(xs.min()), float(xs.max()), text)
            )
    pieces.sort(key=lambda piece: (piece[0] + piece[1]) / 2)
    lines: list[list[tuple]] = []
    for piece in pieces:
        if lines:
            top = min(p[0] for p in lines[-1])
            bottom = max(p[1] for p in lines[-1])
            overlap = min(bottom, piece[1]) - max(top, piece[0])
            if overlap > 0.5 * min(bottom - top, piece[1] - piece[0]):
                lines[-1].append(piece)
                continue
        lines.append([piece])
    result = []
    for group in lines:
        group.sort(key=lambda p: p[2])
        top, bottom = min(p[0] for p in group), max(p[1] for p in group)
        text = " ".join(p[4] for p in group)
        result.append(
            Line(
                page=0,
                top=top * points,
                bottom=bottom * points,
                x0=group[0][2] * points,
                x1=max(p[3] for p in group) * points,
                size=_font_size(group, bottom - top, points),
                text=text,
            )
        )
    return result


def _font_size(group: list[tuple], height: float, points: float) -> float:
    """A line's type size in points: the pitch of its characters (a CJK character is as
    wide as its size, a Latin letter or digit about half), which says the size far more
    steadily than the detector's box height."""
    units = sum(1.0 if ord(char) > 0x2E80 else 0.5 for p in group for char in p[4] if char != " ")
    width = sum(p[3] - p[2] for p in group)
    if units >= 4:
        return round(width / units * points, 1)
    return round(height * points * 0.8, 1)


def _quad_height(quad: np.ndarray) -> float:
    return float(quad[:, 1].max() - quad[:, 1].min())
