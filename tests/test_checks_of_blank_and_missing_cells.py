"""run_checks on the cells a report may lack or leave blank: no cells, no check; a
column whose balance cells are all blank has no balance check; any one of （六）'s
2021 sub-rows makes its outcome rules the 2021 ones, and without them the 2019 ones."""

from __future__ import annotations

from parsers.checks import _BALANCES, _GROUP_TOTALS, _OUTCOMES, _ROW_TOTALS, run_checks
from parsers.model import Check
from parsers.tables import T3_COLUMNS

EVERY_KEY = {
    key
    for rules in (_BALANCES, *_OUTCOMES.values(), _ROW_TOTALS, _GROUP_TOTALS)
    for _, needed in rules
    for key in needed
}


def test_a_report_without_cells_has_no_checks():
    assert run_checks({}) == []


def test_a_column_of_blank_balance_cells_has_no_balance_check():
    for blank_name, blank_keys in _BALANCES:
        cells = dict.fromkeys(EVERY_KEY, 0)
        cells.update(dict.fromkeys(blank_keys, None))
        names = [check.name for check in run_checks(cells)]
        assert blank_name not in names
        assert [name for name, _ in _BALANCES if name in names] == [
            name for name, _ in _BALANCES if name != blank_name
        ]


def test_the_2021_outcome_rules_apply_when_a_sub_row_is_printed():
    column = T3_COLUMNS[0]
    name, needed = _OUTCOMES[True][0]
    sub_rows = [key for key in needed if key.startswith("t3.other.")]
    for printed in sub_rows:
        # The sub-rows add up to the total; the 2019 single row (5) would not.
        cells = dict.fromkeys(needed, 0) | dict.fromkeys(sub_rows, None)
        cells |= {printed: 1, f"t3.total.{column}": 1, f"t3.other.{column}": 5}
        assert Check(name, True, "") in run_checks(cells)


def test_the_2019_outcome_rules_apply_without_sub_rows():
    column = T3_COLUMNS[0]
    name, needed = _OUTCOMES[False][0]
    cells = dict.fromkeys(needed, 0) | {f"t3.total.{column}": 5, f"t3.other.{column}": 5}
    assert Check(name, True, "") in run_checks(cells)
