"""The consistency rules of docs/format.md, evaluated on the cells a report has.

Rules describe published data; they never reject it. A rule is evaluated only
when every cell it needs is on the page; blank cells count as 0 in sums, and a
blank total beside non-zero parts fails. Details say "blank" for a blank cell.
"""

from __future__ import annotations

from operator import itemgetter

from parsers.model import Check
from parsers.tables import KEY_UNITS, T3_COLUMNS, T4_GROUPS

T3_OUTCOMES_2019 = [
    "granted",
    "partial",
    "denied.state_secret",
    "denied.law_forbidden",
    "denied.three_safety",
    "denied.third_party",
    "denied.internal",
    "denied.process",
    "denied.enforcement",
    "denied.query",
    "unavailable.not_held",
    "unavailable.needs_creation",
    "unavailable.unclear",
    "not_processed.petition",
    "not_processed.repeated",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirmation",
]
T3_OTHER_SPLIT = ["other.no_correction", "other.no_fee", "other.other"]
T3_ROWS_WITH_TOTAL = [
    "new_received",
    "carried_over",
    *T3_OUTCOMES_2019,
    "other",
    *T3_OTHER_SPLIT,
    "total",
    "carried_forward",
]


def _values(cells: dict, getter: itemgetter) -> tuple | None:
    """The values of the keys ``getter`` reads, in order (a tuple, read in C); None
    unless every one is on the page and one at least is not blank."""
    try:
        values = getter(cells)
    except KeyError:
        return None
    if values.count(None) == len(values):
        return None
    return values


def _shown(value) -> str:
    return "blank" if value is None else repr(value)


# The names and keys of every rule, spelled out once (not on every report).
_SPLIT_PREFIXES = tuple(f"t3.{row}." for row in T3_OTHER_SPLIT)
# Cells are of the keys of cells.tsv (Report.cells: tables.TableResult adds no other).
_SPLIT_KEYS = frozenset(key for key in KEY_UNITS if key.startswith(_SPLIT_PREFIXES))
_BALANCES = [
    (
        f"t3.balance.{column}",
        tuple(
            f"t3.{row}.{column}"
            for row in ("new_received", "carried_over", "total", "carried_forward")
        ),
    )
    for column in T3_COLUMNS
]


def _outcomes(other_rows: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (
            f"t3.outcomes.{column}",
            (
                f"t3.total.{column}",
                *(f"t3.{row}.{column}" for row in T3_OUTCOMES_2019 + other_rows),
            ),
        )
        for column in T3_COLUMNS
    ]


_OUTCOMES = {True: _outcomes(T3_OTHER_SPLIT), False: _outcomes(["other"])}
_ROW_TOTALS = [
    (
        f"t3.row_total.{row}",
        (f"t3.{row}.total", *(f"t3.{row}.{column}" for column in T3_COLUMNS[:-1])),
    )
    for row in T3_ROWS_WITH_TOTAL
]
_GROUP_TOTALS = [
    (
        f"t4.group_total.{group}",
        (
            f"t4.{group}.total",
            *(f"t4.{group}.{leaf}" for leaf in ("upheld", "corrected", "other", "pending")),
        ),
    )
    for group in T4_GROUPS
]


# Each rule's keys, read by one itemgetter (of two keys or more: it gives a tuple).
def _getters(rules: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, itemgetter]]:
    assert all(len(needed) > 1 for _, needed in rules)
    return [(name, itemgetter(*needed)) for name, needed in rules]


_BALANCE = None  # the label of a balance rule (一 + 二 = 三（七）总计 + 四), not of a total
_TOTAL_GETTERS = _getters(_ROW_TOTALS + _GROUP_TOTALS)
# Every rule (name, getter, label) in the order of its check, for a table with and
# without （六）'s three sub-rows: each column's balance then its outcomes, then totals.
_RULES = {
    split: [
        (name, getter, label)
        for (balance, balance_getter), outcome in zip(
            _getters(_BALANCES), _getters(_OUTCOMES[split]), strict=True
        )
        for name, getter, label in ((balance, balance_getter, _BALANCE), (*outcome, "（七）总计"))
    ]
    + [(name, getter, "总计") for name, getter in _TOTAL_GETTERS]
    for split in (True, False)
}


def run_checks(cells: dict) -> list[Check]:
    """The rules' checks of ``cells`` (key → value; keys of cells.tsv, as Report.cell_map)."""
    checks: list[Check] = []
    if not cells:  # every rule needs cells (a report without tables: 43 rules of none)
        return checks
    # （六）其他处理: the 2021 three sub-rows when the table has them, else its one 2019 row
    # (the keys view looks the few sub-row keys up in cells, not each cell in them).
    split = not cells.keys().isdisjoint(_SPLIT_KEYS)
    # One loop (a call per rule costs as much as the rule).
    for name, getter, label in _RULES[split]:
        try:
            values = getter(cells)
        except KeyError:
            continue
        if label is _BALANCE:
            # 一 + 二 = 三（七）总计 + 四, of a row not all blank
            if values.count(None) != len(values):
                left = sum(filter(None, values[:2]))
                right = sum(filter(None, values[2:]))
                ok = abs(left - right) < 1e-6
                checks.append(
                    Check(name, ok, "" if ok else f"一+二 = {left!r} but 三（七）+四 = {right!r}")
                )
            continue
        total = values[0]
        parts = sum(filter(None, values[1:]))  # blank parts count as 0
        if total is not None and abs(total - parts) < 1e-6:
            checks.append(Check(name, True, ""))
        elif values.count(None) != len(values):  # a rule of blank cells only is no check
            checks.append(
                Check(name, False, f"{label}: {_shown(total)} printed, parts add up to {parts!r}")
            )
    return checks
