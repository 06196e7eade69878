"""Every number OCR read is either confirmed by the tables' own sums or flagged.

The tables add up (rows to their 总计, outcomes to 三（七）, 一+二 = 三+四). Where the
engine offered a second reading of a digit (0/8, 1/7, 3/8 …) and the printed sums
agree with exactly one combination of readings, that one is taken; a cell is flagged
when its confidence is low, when it takes part in a check that still fails, or when it
could not be read (then it is NULL, never 0). Every flag is listed in a warning.
"""

from __future__ import annotations

from itertools import product

from parsers.checks import run_checks
from parsers.model import Cell, Report
from parsers.normalize import parse_value
from parsers.tables import KEY_UNITS

# Cells read with less confidence than this are flagged even when every sum agrees.
LOW_CONFIDENCE = 0.9
# How many cells with second readings are tried together (2^n combinations at most).
MAX_UNCERTAIN = 8


def verify_ocr_cells(report: Report) -> None:
    """Choose between OCR readings by the checks, flag doubtful cells, warn about them."""
    ocr_cells = [cell for cell in report.cells if cell.reading is not None]
    if not ocr_cells:
        return
    for cell in ocr_cells:
        if cell.reading.unreadable:
            cell.value = None
            cell.flagged = True
            report.warnings.append(
                f"{cell.key}: OCR could not read the cell ('{cell.raw}', confidence "
                f"{cell.reading.confidence:.2f}); left NULL"
            )
    _choose_readings(report, ocr_cells)
    report.checks = run_checks(report.cell_map())
    suspects = _cells_in_failing_checks(report)
    for cell in ocr_cells:
        if cell.flagged:
            continue
        low = cell.reading.confidence < LOW_CONFIDENCE and not _blank(cell)
        if low or cell.key in suspects:
            cell.flagged = True
            why = "low OCR confidence" if low else "in a failing check"
            report.warnings.append(
                f"{cell.key}: flagged ({why}): read '{cell.raw}' with confidence "
                f"{cell.reading.confidence:.2f}"
            )


def _blank(cell: Cell) -> bool:
    return cell.raw == "" and cell.value is None


def _choose_readings(report: Report, cells: list[Cell]) -> None:
    """Take the second readings that make every failing check pass, if exactly one set does."""
    failing = [check for check in report.checks if not check.ok]
    if not failing:
        return
    uncertain = [
        cell
        for cell in cells
        if cell.reading.alternatives and not cell.reading.unreadable and cell.value is not None
    ]
    # The least sure first: when there are too many, these are the likeliest misreadings.
    uncertain.sort(key=lambda cell: cell.reading.confidence)
    uncertain = uncertain[:MAX_UNCERTAIN]
    if not uncertain:
        return
    values = report.cell_map()
    options = []
    for cell in uncertain:
        readings = [cell.raw, *cell.reading.alternatives]
        options.append(
            [(raw, parse_value(raw, KEY_UNITS.get(cell.key, "count"))) for raw in readings]
        )
    solutions = []
    for choice in product(*options):
        if all(raw == cell.raw for (raw, _), cell in zip(choice, uncertain, strict=True)):
            continue
        trial = dict(values)
        for (_, value), cell in zip(choice, uncertain, strict=True):
            trial[cell.key] = value
        if all(check.ok for check in run_checks(trial)):
            solutions.append(choice)
            if len(solutions) > 1:
                return  # the sums allow more than one reading: choose none
    if len(solutions) != 1:
        return
    for (raw, value), cell in zip(solutions[0], uncertain, strict=True):
        if raw != cell.raw:
            report.warnings.append(
                f"{cell.key}: OCR read '{cell.raw}' or '{raw}'; '{raw}' taken, the only "
                "reading with which the table's sums agree"
            )
            cell.raw, cell.value = raw, value


def _cells_in_failing_checks(report: Report) -> set[str]:
    """Keys of the cells whose value changes the outcome of a failing check."""
    failing = {check.name for check in report.checks if not check.ok}
    if not failing:
        return set()
    values = report.cell_map()
    before = {check.name: (check.ok, check.detail) for check in report.checks}
    involved = set()
    for key, value in values.items():
        trial = dict(values)
        trial[key] = (value or 0) + 1
        after = {check.name: (check.ok, check.detail) for check in run_checks(trial)}
        if any(after.get(name) != before.get(name) for name in failing):
            involved.add(key)
    return involved
