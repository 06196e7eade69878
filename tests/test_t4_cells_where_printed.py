"""表四 read from its tokens: blank cells of a header row are skipped, blank cells among
its numbers are cells; its groups' keys follow the order its header prints them in, and
an incomplete table places whole groups from the left only."""

from __future__ import annotations

from parsers.tables import T4_GROUPS, T4_LEAVES, TableResult, _read_t4
from parsers.tokens import END, cell_token

GROUP_LABELS = {
    "review": "行政复议",
    "suit_direct": "未经复议直接起诉",
    "suit_after_review": "复议后起诉",
}


def _stream(groups, numbers, row_label):
    """Tokens of a 表四: a header row of each group's name, then a header row of blank
    cells under a label, then a row of ``numbers`` ("" blank) after ``row_label``."""
    tokens = [cell_token("行政复议")]
    tokens += [cell_token(GROUP_LABELS[group]) for group in groups] + [END]
    tokens += [cell_token("结果维持"), cell_token(""), cell_token(" "), END]
    tokens += [cell_token(row_label)] if row_label else []
    return tokens + [cell_token(text) for text in numbers] + [END, cell_token("五、存在的主要问题")]


def _read(groups, numbers, row_label=""):
    result = TableResult()
    _read_t4(_stream(groups, numbers, row_label), 0, result)
    return result


def test_blank_cells_among_the_numbers_are_cells_of_their_place():
    expected = [f"t4.{group}.{leaf}" for group in T4_GROUPS for leaf in T4_LEAVES]
    for first, row_label in (("", ""), ("7", "件数")):  # a labelled row's first is a number
        numbers = [first] + [str(n) if n % 4 else "" for n in range(1, 15)]
        result = _read(T4_GROUPS, numbers, row_label)
        assert [cell.key for cell in result.cells] == expected
        assert [cell.raw for cell in result.cells] == numbers
        assert result.warnings == []


def test_groups_take_the_order_the_header_prints_them_in():
    swapped = ["review", "suit_after_review", "suit_direct"]
    for groups in (swapped, T4_GROUPS, swapped):  # each order again after the other
        result = _read(groups, [str(n) for n in range(15)])
        expected = [f"t4.{group}.{leaf}" for group in groups for leaf in T4_LEAVES]
        assert [cell.key for cell in result.cells] == expected


def test_an_incomplete_table_places_whole_groups_from_the_left():
    for groups in (T4_GROUPS, ["review", "suit_after_review", "suit_direct"]):
        result = _read(groups, [str(n) for n in range(1, 9)])
        assert [cell.key for cell in result.cells] == [
            f"t4.{groups[0]}.{leaf}" for leaf in T4_LEAVES
        ]
        assert result.warnings == [
            "t4 incomplete: 8 of 15 cells printed; 1 group(s) placed, the rest left out"
        ]
