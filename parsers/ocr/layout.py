"""Where the tables and their cells are on a page image: ruling lines found by morphology.

A scanned table is a grid of printed rules. Opening the inked pixels with a long thin
kernel keeps the rules and drops the text; the regions the rules enclose are the cells
(a merged cell is one region, as it is printed). Measurements are in pixels of a page
rendered at ``dpi``; lengths scale with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Box:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


@dataclass
class GridTable:
    box: Box
    cells: list[Box]  # in reading order: by top edge, then left edge


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """255 where the page is inked. Otsu leaves a grey seal over text out of the ink."""
    import cv2

    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return binary


def _rules(ink: np.ndarray, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) rule masks: ink runs longer than any character stroke."""
    import cv2

    run = max(20, round(dpi * 0.3))  # 7.6 mm; CJK strokes at body size are shorter
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    return horizontal, vertical


def skew_angle(gray: np.ndarray, dpi: int) -> float:
    """The page's tilt in degrees, from its long horizontal rules (0 when it has none)."""
    import cv2

    horizontal, _ = _rules(ink_mask(gray), dpi)
    count, _, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    angles, weights = [], []
    for label in range(1, count):
        x, y, width, height, _ = stats[label]
        if width < gray.shape[1] // 4:
            continue
        ys, xs = np.nonzero(horizontal[y : y + height, x : x + width])
        if len(xs) < 50:
            continue
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angles.append(np.degrees(np.arctan(slope)))
        weights.append(width)
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def deskew(gray: np.ndarray, dpi: int) -> np.ndarray:
    import cv2

    angle = skew_angle(gray, dpi)
    if abs(angle) < 0.05 or abs(angle) > 5:
        return gray
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)


def find_tables(gray: np.ndarray, dpi: int) -> tuple[list[GridTable], np.ndarray]:
    """The ruled tables of a page and the page's ink with the rules taken out."""
    import cv2

    ink = ink_mask(gray)
    horizontal, vertical = _rules(ink, dpi)
    horizontal = _keep_long(horizontal, axis=1, minimum=round(dpi * 0.45))
    vertical = _keep_long(vertical, axis=0, minimum=round(dpi * 0.25))
    # Close the small gaps a scan leaves where rules cross or fade.
    joint = max(3, dpi // 50)
    grid = cv2.dilate(horizontal | vertical, np.ones((joint, joint), np.uint8))
    text_ink = cv2.bitwise_and(ink, cv2.bitwise_not(grid))
    tables: list[GridTable] = []
    count, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    for label in range(1, count):
        x, y, width, height, _ = stats[label]
        if width < dpi or height < dpi // 3:
            continue  # a lone rule (a signature line, an underline) is no table
        region = grid[y : y + height, x : x + width]
        cells = _cells(region, x, y, dpi)
        if len(cells) >= 2:
            tables.append(GridTable(Box(int(x), int(y), int(x + width), int(y + height)), cells))
    tables.sort(key=lambda table: table.box.y0)
    return tables, text_ink


def _keep_long(mask: np.ndarray, axis: int, minimum: int) -> np.ndarray:
    import cv2

    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    size = stats[:, cv2.CC_STAT_WIDTH if axis == 1 else cv2.CC_STAT_HEIGHT]
    keep = size >= minimum
    keep[0] = False
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _cells(region: np.ndarray, left: int, top: int, dpi: int) -> list[Box]:
    """The enclosed areas of a table's rules, as boxes on the page."""
    import cv2

    # A table cut by a page break has no rule along the cut: the frame closes its cells.
    closed = region.copy()
    closed[[0, -1], :] = 255
    closed[:, [0, -1]] = 255
    inside = cv2.bitwise_not(closed)
    count, _, stats, _ = cv2.connectedComponentsWithStats(inside, connectivity=4)
    smallest = max(6, dpi // 25)
    cells = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if w < smallest or h < smallest:
            continue
        cells.append(Box(int(left + x), int(top + y), int(left + x + w), int(top + y + h)))
    tolerance = max(4, dpi // 25)
    cells.sort(key=lambda box: (box.y0, box.x0))
    # Cells of one printed row share a top edge, give or take the scan's wobble.
    ordered: list[Box] = []
    row: list[Box] = []
    for box in cells:
        if row and box.y0 - row[0].y0 > tolerance:
            ordered.extend(sorted(row, key=lambda b: b.x0))
            row = []
        row.append(box)
    ordered.extend(sorted(row, key=lambda b: b.x0))
    return ordered


def text_bands(ink: np.ndarray, box: Box, dpi: int) -> list[Box]:
    """The lines of text inside a cell: bands of inked rows, each trimmed to its ink."""
    margin = max(2, dpi // 60)
    x0, y0 = box.x0 + margin, box.y0 + margin
    x1, y1 = box.x1 - margin, box.y1 - margin
    if x1 <= x0 or y1 <= y0:
        return []
    area = ink[y0:y1, x0:x1]
    rows = np.count_nonzero(area, axis=1)
    min_ink = 1
    bands: list[tuple[int, int]] = []
    start = None
    for index, count in enumerate(rows):
        if count >= min_ink and start is None:
            start = index
        elif count < min_ink and start is not None:
            bands.append((start, index))
            start = None
    if start is not None:
        bands.append((start, len(rows)))
    # Specks (JPEG noise, a seal's edge) are thinner than a character.
    min_height = max(4, dpi // 25)
    lines = []
    for top, bottom in _merge_close(bands, gap=max(2, dpi // 70)):
        if bottom - top < min_height:
            continue
        cols = np.nonzero(np.count_nonzero(area[top:bottom], axis=0))[0]
        if len(cols) == 0 or np.count_nonzero(area[top:bottom]) < dpi // 10:
            continue
        lines.append(Box(x0 + int(cols[0]), y0 + top, x0 + int(cols[-1]) + 1, y0 + bottom))
    return lines


def _merge_close(bands: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for top, bottom in bands:
        if merged and top - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], bottom)
        else:
            merged.append((top, bottom))
    return merged
