"""How OCR readings become cells: chosen by the tables' sums, flagged, or left NULL.

No OCR engine runs here: readings are given, and the table finder sees drawn grids.
"""

from __future__ import annotations

import pytest

from parsers.checks import run_checks
from parsers.model import Cell, Reading, Report, Table
from parsers.tokens import LABEL, VALUE, tokens_from_document

SURE = Reading(0.99)


def _report(cells: list[Cell]) -> Report:
    report = Report(
        url="scan.pdf",
        title=None,
        organ=None,
        year=2023,
        published=None,
        format="2021",
        body_text="",
        cells=cells,
    )
    report.checks = run_checks(report.cell_map())
    return report


def _review_group(total: str, total_reading: Reading, upheld="1", upheld_reading=SURE):
    cells = [Cell("t4.review.upheld", int(upheld), upheld, upheld_reading)]
    cells += [Cell(f"t4.review.{leaf}", 0, "0", SURE) for leaf in ("corrected", "other", "pending")]
    cells.append(Cell("t4.review.total", int(total), total, total_reading))
    return cells


def _verify(report: Report) -> Report:
    from parsers.ocr.verify import verify_ocr_cells

    verify_ocr_cells(report)
    return report


def test_second_reading_that_makes_the_sums_agree_is_taken():
    report = _verify(_report(_review_group("7", Reading(0.97, ("1",)))))
    cells = {cell.key: cell for cell in report.cells}
    assert cells["t4.review.total"].value == 1
    assert all(check.ok for check in report.checks)
    assert any("'1' taken" in warning for warning in report.warnings)
    assert not any(cell.flagged for cell in report.cells)


def test_no_reading_is_chosen_when_the_sums_allow_two():
    # 1 + … = 7 fails; 7 + … = 7 and 1 + … = 1 both pass: the sums cannot choose.
    cells = _review_group(
        "7", Reading(0.97, ("1",)), upheld="1", upheld_reading=Reading(0.96, ("7",))
    )
    report = _verify(_report(cells))
    values = report.cell_map()
    assert (values["t4.review.upheld"], values["t4.review.total"]) == (1, 7)
    flagged = {cell.key for cell in report.cells if cell.flagged}
    assert flagged == {
        f"t4.review.{leaf}" for leaf in ("upheld", "corrected", "other", "pending", "total")
    }
    assert any("t4.review.total: flagged (in a failing check)" in w for w in report.warnings)


def test_cell_ocr_cannot_read_is_null_and_flagged_never_zero():
    cells = _review_group("1", SURE)
    cells[0] = Cell("t4.review.upheld", None, "l?", Reading(0.31, unreadable=True))
    report = _verify(_report(cells))
    upheld = next(cell for cell in report.cells if cell.key == "t4.review.upheld")
    assert upheld.value is None and upheld.flagged
    assert any("t4.review.upheld: OCR could not read" in w for w in report.warnings)


def test_low_confidence_is_flagged_even_when_the_sums_agree():
    report = _verify(_report(_review_group("1", Reading(0.62))))
    assert [cell.key for cell in report.cells if cell.flagged] == ["t4.review.total"]
    assert any("low OCR confidence" in warning for warning in report.warnings)


def test_text_cells_are_never_flagged_or_given_a_confidence():
    cells = [Cell("t4.review.upheld", 1, "1"), Cell("t4.review.total", 0, "0")]
    report = _verify(_report(cells))
    assert [(c.source, c.confidence, c.flagged) for c in report.cells] == [
        ("text", None, False)
    ] * 2


def test_unreadable_number_cell_stays_a_value_token_in_its_row():
    table = Table(
        rows=[["行政复议", "1O", "0"]],
        readings=[[SURE, Reading(0.4, unreadable=True), SURE]],
    )
    from parsers.model import Document

    tokens = tokens_from_document(Document(blocks=[table]))
    assert [token.kind for token in tokens[:3]] == [LABEL, VALUE, VALUE]
    assert tokens[1].reading.unreadable


# ------------------------------------------------------------------ tables from rules


def _grid(rows: list[int], columns: list[int], open_bottom: bool = False):
    np = pytest.importorskip("numpy")
    cv2 = pytest.importorskip("cv2")
    page = np.full((1400, 1654), 255, dtype=np.uint8)
    bottom = rows[-1]
    for index, y in enumerate(rows):
        if open_bottom and index == len(rows) - 1:
            continue
        cv2.line(page, (columns[0], y), (columns[-1], y), 0, 3)
    for x in columns:
        cv2.line(page, (x, rows[0]), (x, bottom), 0, 3)
    return page


def test_ruled_table_is_found_with_its_cells_in_reading_order():
    from parsers.ocr.layout import find_tables

    page = _grid([200, 300, 400, 500], [150, 600, 900, 1200, 1500])
    tables, _ = find_tables(page, 200)
    assert len(tables) == 1
    cells = tables[0].cells
    assert len(cells) == 12
    assert [cell.y0 // 50 for cell in cells] == sorted(cell.y0 // 50 for cell in cells)


def test_table_cut_by_a_page_break_keeps_its_last_row():
    from parsers.ocr.layout import find_tables

    page = _grid([200, 300, 400, 500], [150, 600, 900, 1200, 1500], open_bottom=True)
    tables, _ = find_tables(page, 200)
    assert len(tables[0].cells) == 12


def test_tilt_of_a_scan_is_measured_from_its_rules():
    cv2 = pytest.importorskip("cv2")
    from parsers.ocr.layout import skew_angle

    page = _grid([200, 300, 400, 500], [150, 600, 900, 1200, 1500])
    matrix = cv2.getRotationMatrix2D((827, 700), 0.5, 1.0)
    turned = cv2.warpAffine(page, matrix, (1654, 1400), borderValue=255)
    assert abs(abs(skew_angle(turned, 200)) - 0.5) < 0.1
