"""The keys of the standard tables (parsers/cells.tsv) as rows of the cell_keys table.

A key such as ``t3.denied.three_safety.commercial`` names a table (t3), a printed row
(``denied.three_safety``) and a column (``commercial``). cells.tsv lists the keys of
the 2021 and 2019 forms; a key both forms share may appear once per form. Here each
key becomes one row with its labels, unit, the forms that print it, and the place of
its row and column in the printed table. Rows and columns of the two forms are merged
into one order that keeps each form's own order (the 2019 表二 has 其他对外管理服务事项
between 行政许可 and 行政处罚; the 2021 one does not).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from parsers.table_labels import CELLS_TSV


@dataclass(frozen=True)
class CellKey:
    key: str
    table_no: int
    row_key: str
    row_label: str
    column_key: str
    column_label: str
    unit: str
    formats: str  # "2019,2021", "2021" or "2019"
    row_order: int
    column_order: int


def split_key(key: str) -> tuple[int, str, str]:
    """(table number, row key, column key) of a cell key."""
    table, rest = key.split(".", 1)
    row_key, column_key = rest.rsplit(".", 1)
    return int(table.lstrip("t")), row_key, column_key


def merge_orders(sequences: list[list[str]]) -> list[str]:
    """One order holding every item that keeps the order of each sequence.

    Items new to the merged list are inserted just before the next item of their own
    sequence that is already placed (or after its last placed one).
    """
    merged: list[str] = []
    for sequence in sequences:
        pending: list[str] = []
        position = 0  # where the next run of new items goes
        for item in sequence:
            if item in merged:
                index = merged.index(item)
                merged[index:index] = pending
                position = merged.index(item) + 1
                pending = []
            else:
                pending.append(item)
        merged[position:position] = pending
    return merged


def _formats(value: str) -> list[str]:
    return ["2019", "2021"] if value == "both" else [value]


@cache
def cell_keys() -> tuple[CellKey, ...]:
    """Every key of cells.tsv, in the file's order (first appearance)."""
    with CELLS_TSV.open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle, delimiter="\t"))
    by_key: dict[str, dict] = {}
    # Per table and form: the printed order of rows and of columns.
    rows: dict[tuple[int, str], list[str]] = {}
    columns: dict[tuple[int, str], list[str]] = {}
    for line in lines:
        table_no, row_key, column_key = split_key(line["key"])
        entry = by_key.setdefault(
            line["key"],
            {"line": line, "formats": [], "column_labels": []},
        )
        for form in _formats(line["format"]):
            if form not in entry["formats"]:
                entry["formats"].append(form)
            for order, item in ((rows, row_key), (columns, column_key)):
                sequence = order.setdefault((table_no, form), [])
                if item not in sequence:
                    sequence.append(item)
        if line["column_label"] not in entry["column_labels"]:
            entry["column_labels"].append(line["column_label"])
    row_order: dict[int, list[str]] = {}
    column_order: dict[int, list[str]] = {}
    for table_no in sorted({t for t, _ in rows}):
        forms = sorted(f for t, f in rows if t == table_no)
        row_order[table_no] = merge_orders([rows[(table_no, f)] for f in forms])
        column_order[table_no] = merge_orders([columns[(table_no, f)] for f in forms])
    result = []
    for key, entry in by_key.items():
        table_no, row_key, column_key = split_key(key)
        result.append(
            CellKey(
                key=key,
                table_no=table_no,
                row_key=row_key,
                row_label=entry["line"]["row_label"],
                column_key=column_key,
                # A column printed under two names (2021 本年处理决定数量, 2019 处理决定数量)
                column_label=" / ".join(entry["column_labels"]),
                unit=entry["line"]["unit"],
                formats=",".join(sorted(entry["formats"])),
                row_order=row_order[table_no].index(row_key) + 1,
                column_order=column_order[table_no].index(column_key) + 1,
            )
        )
    return tuple(result)


def table_columns(table_no: int) -> list[str]:
    """The column keys of a table in printed order (both forms merged)."""
    orders = {k.column_key: k.column_order for k in cell_keys() if k.table_no == table_no}
    return sorted(orders, key=orders.get)


def tables() -> list[int]:
    return sorted({k.table_no for k in cell_keys()})
