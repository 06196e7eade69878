"""The consistency rules of docs/format.md, evaluated on the cells a report has.

Rules describe published data; they never reject it. A rule is evaluated only
when every cell it needs is on the page; blank cells count as 0 in sums, and a
blank total beside non-zero parts fails. Details say "blank" for a blank cell.
"""

from __future__ import annotations

from parsers.model import Check
from parsers.tables import T3_COLUMNS, T4_GROUPS

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


def _sum(cells: dict, keys: list[str]) -> int | float:
    return sum(cells[key] or 0 for key in keys)


def _shown(value) -> str:
    return "blank" if value is None else repr(value)


def _rule(name: str, cells: dict, total_key: str, part_keys: list[str], label: str) -> Check | None:
    needed = [total_key, *part_keys]
    if any(key not in cells for key in needed):
        return None
    if all(cells[key] is None for key in needed):
        return None
    parts = _sum(cells, part_keys)
    total = cells[total_key]
    ok = total is not None and abs(total - parts) < 1e-6
    detail = "" if ok else f"{label}: {_shown(total)} printed, parts add up to {parts!r}"
    return Check(name, ok, detail)


def run_checks(cells: dict) -> list[Check]:
    checks: list[Check | None] = []
    # （六）其他处理: the 2021 three sub-rows when the table has them, else its one 2019 row.
    split = any(key.startswith(f"t3.{row}.") for row in T3_OTHER_SPLIT for key in cells)
    other_rows = T3_OTHER_SPLIT if split else ["other"]
    for column in T3_COLUMNS:
        # 一 + 二 = 三（七）总计 + 四
        needed = [
            f"t3.{row}.{column}"
            for row in ("new_received", "carried_over", "total", "carried_forward")
        ]
        if all(key in cells for key in needed) and not all(cells[k] is None for k in needed):
            left = _sum(cells, needed[:2])
            right = _sum(cells, needed[2:])
            ok = abs(left - right) < 1e-6
            checks.append(
                Check(
                    f"t3.balance.{column}",
                    ok,
                    "" if ok else f"一+二 = {left!r} but 三（七）+四 = {right!r}",
                )
            )
        checks.append(
            _rule(
                f"t3.outcomes.{column}",
                cells,
                f"t3.total.{column}",
                [f"t3.{row}.{column}" for row in T3_OUTCOMES_2019 + other_rows],
                "（七）总计",
            )
        )
    for row in T3_ROWS_WITH_TOTAL:
        checks.append(
            _rule(
                f"t3.row_total.{row}",
                cells,
                f"t3.{row}.total",
                [f"t3.{row}.{column}" for column in T3_COLUMNS[:-1]],
                "总计",
            )
        )
    for group in T4_GROUPS:
        checks.append(
            _rule(
                f"t4.group_total.{group}",
                cells,
                f"t4.{group}.total",
                [f"t4.{group}.{leaf}" for leaf in ("upheld", "corrected", "other", "pending")],
                "总计",
            )
        )
    return [check for check in checks if check is not None]
