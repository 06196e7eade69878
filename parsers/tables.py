"""Read the standard tables (表二 主动公开, 表三 申请处理, 表四 复议诉讼) from a token stream.

Rows are recognised by what their labels mean, columns by their header labels;
values are taken in reading order within a row and placed only when the row's
count of cells leaves no doubt. Anything that cannot be placed with certainty
is left out and reported as a warning.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter
from typing import NamedTuple

from parsers.caches import text_cache, text_dict
from parsers.compiled import rows as compiled
from parsers.model import Cell, Reading
from parsers.normalize import SHORT_TEXT, parse_value, squash
from parsers.table_labels import (
    CELLS_TSV,
    FORMAT_2019_COLUMNS,
    FORMAT_2021_COLUMNS,
    T2_COLUMN_RE,
    T2_ROWS,
    T3_COLUMNS,
    T3_GROUPS,
    T3_ROWS,
    T4_GROUPS,
    T4_LEAVES,
)
from parsers.tokens import LABEL, ROW_END, VALUE, Labels, Token


def _load_keys() -> dict[str, str]:
    with CELLS_TSV.open(encoding="utf-8") as handle:
        return {row["key"]: row["unit"] for row in csv.DictReader(handle, delimiter="\t")}


KEY_UNITS = _load_keys()


@dataclass
class TableResult:
    cells: list[Cell] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    t2_columns: set[str] = field(default_factory=set)
    t3_found: bool = False
    t3_other_split: bool = False  # 2021 layout: （六）其他处理 has three sub-rows
    # The keys of ``cells``: a page may print thousands of cells.
    keys: set[str] = field(default_factory=set, repr=False)

    def add(self, key: str, raw: str, reading: Reading | None = None) -> None:
        self.add_all([key], [raw], [reading])

    def add_all(self, keys, raws, readings) -> None:
        """add() of each key with its raw text and reading, in order (one call a row)."""
        cells, seen = self.cells, self.keys
        for key, raw, reading in zip(keys, raws, readings, strict=True):
            unit = KEY_UNITS.get(key)
            if unit is None:
                continue
            if key in seen:
                self.warnings.append(f"{key}: printed twice, first kept")
                continue
            seen.add(key)
            if reading is not None and reading.unreadable:
                cells.append(Cell(key, None, raw.strip(), reading))
                continue
            value, text = _value_and_text(raw, unit)
            cells.append(Cell(key, value, text, reading))

    def add_row(self, row: RowKeys, raws: list[str], readings: list[Reading | None]) -> None:
        """add_all() of a row, its cells made in one go when nothing makes it differ
        from that: its keys all known, distinct and new, and no cell read by OCR."""
        new = row.distinct
        if new is None or any(readings) or not self.keys.isdisjoint(new):
            self.add_all(row.keys, raws, readings)
            return
        if not raws:
            return
        self.keys.update(new)
        if row.unit is None:
            values, texts = _mixed_row_values(raws, row.units)
        else:
            values, texts = _row_values(tuple(raws), row.unit)
        self.cells.extend(_make_cells(Cell, row.keys, values, texts))  # no reading: none is read

    def remove(self, keys: set[str]) -> bool:
        """Drop the cells of ``keys``; True when there were any."""
        if not self.keys & keys:
            return False
        self.cells = [cell for cell in self.cells if cell.key not in keys]
        self.keys -= keys
        return True


_TEXT, _READING = attrgetter("text"), attrgetter("reading")


def _plain_make_cells(cls, keys, values, texts) -> map:
    return map(cls, keys, values, texts)


# Cells made in C with their instance dicts written whole (a dataclass __init__ per
# cell is ~2,000 instructions: a tenth of interpret).
_make_cells = compiled.make_cells if compiled is not None else _plain_make_cells


class RowKeys(NamedTuple):
    keys: tuple[str, ...]  # a row's cell keys, in the order of its cells
    units: tuple[str | None, ...]  # each key's unit, None for a key not in cells.tsv
    distinct: frozenset[str] | None  # the keys, when all are known and no two alike
    unit: str | None  # the unit of every key, when they have one


@text_cache(maxsize=1024)  # a few hundred row and column names
def _keys(prefix: str, columns: tuple[str, ...]) -> RowKeys:
    """The cell keys of a row: ``prefix`` and each column's name."""
    keys = tuple(f"{prefix}.{column}" for column in columns)
    units = tuple(map(KEY_UNITS.get, keys))
    distinct = None not in units and len(set(keys)) == len(keys)
    unit = units[0] if len(set(units)) == 1 else None
    return RowKeys(keys, units, frozenset(keys) if distinct else None, unit)


# Cell texts' values and stored texts by unit: a report prints the same few cell texts
# ("0", "/") hundreds of times. Short texts only, and forgotten when there are too many.
_KNOWN_VALUES: dict[str, dict[str, tuple[int | float | None, str]]] = text_dict()
VALUES_KEPT = 8192


def _values_in(raws: list[str], unit: str) -> list[tuple[int | float | None, str]]:
    """_value_and_text() of each text of ``raws``, in ``unit``."""
    known = _KNOWN_VALUES.setdefault(unit, {})
    found = list(map(known.get, raws))
    if not all(found):  # a text not seen before (a found pair is never false)
        if len(known) > VALUES_KEPT:
            known.clear()
        for index, raw in enumerate(raws):
            if found[index] is None:
                found[index] = pair = (parse_value(raw, unit), raw.strip())
                if len(raw) <= SHORT_TEXT:
                    known[raw] = pair
    return found


# Rows' values and stored texts by unit: a report prints rows of zeros and blanks by the
# dozen. Rows of short texts only, and forgotten when there are too many.
_KNOWN_ROWS: dict[str, dict[tuple[str, ...], tuple[tuple, tuple[str, ...]]]] = text_dict()
ROWS_KEPT = 4096


def _row_values(raws: tuple[str, ...], unit: str) -> tuple[tuple, tuple[str, ...]]:
    """The values and the stored texts of a row's texts (not empty) in ``unit``: those of
    _value_and_text() of each."""
    known = _KNOWN_ROWS.setdefault(unit, {})
    found = known.get(raws)
    if found is None:
        found = tuple(zip(*_values_in(list(raws), unit), strict=True))
        if sum(map(len, raws)) <= SHORT_TEXT:
            if len(known) > ROWS_KEPT:
                known.clear()
            known[raws] = found
    return found


def _mixed_row_values(raws: list[str], units: tuple[str, ...]) -> tuple[tuple, tuple]:
    """The values and stored texts of a row's texts (not empty), each in its own unit."""
    return tuple(zip(*map(_value_and_text, raws, units), strict=True))


@text_cache(maxsize=8192)  # a report prints the same few cell texts ("0", "/") hundreds of times
def _value_and_text(raw: str, unit: str) -> tuple[int | float | None, str]:
    """A cell's value and its text as stored (numbers are immutable: shared safely)."""
    return parse_value(raw, unit), raw.strip()


def _plain_fit(values: list[Token], expected: int) -> list[Token] | None:
    """The row's cells when their count leaves no doubt about placement."""
    if len(values) == expected:
        return values
    if len(values) > expected:
        filled = [token for token in values if not token.blank]
        if len(filled) == expected:
            return filled
        if all(token.blank for token in values[expected:]):
            return values[:expected]
    return None


# One place decides: the compiled forms when built and current (parsers.compiled).
_fit = compiled.fit if compiled is not None else _plain_fit
_add_row = compiled.add_row if compiled is not None else TableResult.add_row


# The labels that start 表二 (两 kinds) and 表三. read_tables reads nothing without one.
T2_STARTS = ("第二十条第", "信息内容")
T3_STARTS = ("申请人情况", "勾稽关系", "本年新收政府信息公开申请")
T3_START = re.compile("|".join(T3_STARTS))  # a label holding any of them


def may_hold_tables(squashed_text: str) -> bool:
    """False when read_tables finds nothing for sure: no start label in the text (squashed)
    of everything the tokens come from. A word looked for by `in` (a fast search of its
    own) rather than by T3_START: the regex tests each character of a report's body
    against the words' first characters, six times slower on a body without them."""
    return any(word in squashed_text for word in (*T2_STARTS, *T3_STARTS))


def _plain_rows(tokens: list[Token], classify):
    """Yield (label tokens, row key, value tokens) for every row whose label classifies.
    ``classify`` (of a row's labels, at its first value) must not depend on what the
    caller does with a row: the compiled loop makes the list of rows first."""
    labels: list[Token] = []
    key, values = None, []
    for token in [*tokens, Token(LABEL, "")]:
        if token.kind == VALUE:
            if not values:
                key = classify(labels) if labels else None
                if key is None and token.blank:
                    continue  # padding that closes a header row
            values.append(token)
            continue
        if values:
            yield labels, key, values
            labels, key, values = [], None, []
        if token.kind == ROW_END:
            # A row of labels only (a header row) still labels what follows.
            continue
        labels.append(token)


# One place decides: the compiled loop when it is built and current (parsers.compiled).
_rows = compiled.rows if compiled is not None else _plain_rows


def read_tables(tokens: list[Token]) -> TableResult:
    result = TableResult()
    labels = Labels(tokens)
    t2_start = labels.first(0, T2_STARTS[0], limit=30)
    if t2_start is None:
        t2_start = labels.first(0, T2_STARTS[1], limit=10, whole=True)
    t3_start = labels.first(t2_start or 0, T3_START, limit=80)
    if t2_start is not None:
        _read_t2(tokens[t2_start : t3_start if t3_start is not None else len(tokens)], result)
    if t3_start is None:
        return result
    t3_end = _read_t3(tokens, t3_start, result, labels)
    t4_start = labels.first(t3_end, "行政复议", limit=40)
    if t4_start is not None:
        _read_t4(tokens, t4_start, result)
    return result


# ---------------------------------------------------------------- 表二
def _t2_columns(header: str) -> list[str]:
    columns = []
    for match in T2_COLUMN_RE.finditer(header):
        columns.append(match.lastgroup)
    pending = iter(["made", "published"])
    return [next(pending, "new") if column == "new" else column for column in columns]


def _read_t2(tokens: list[Token], result: TableResult) -> None:
    if compiled is not None:  # the same loop in C, its rows read as they are found
        compiled.t2_rows(result, tokens, _t2_row_and_header, LABELS_KEPT)
    else:
        _plain_t2_rows(result, tokens)


def _plain_t2_rows(result: TableResult, tokens: list[Token]) -> None:
    """表二's rows: each classified by its labels, placed by the header it is under."""
    columns: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # the columns' names in cell keys
    in_yuan = False  # amounts printed in 元

    def classify(labels: list[Token]) -> tuple | None:
        """The row and the header it is under (the last one before it)."""
        nonlocal columns, names, in_yuan
        row, header = _t2_row_and_header(tuple(map(_TEXT, labels)))
        if header is not None:
            columns, names, in_yuan = header
        return None if row is None else (row, columns, names, in_yuan)

    for _labels, row_and_header, values in _rows(tokens, classify):
        if row_and_header is None:
            continue
        row, under, names_under, under_yuan = row_and_header
        placed = _fit(values, len(under)) if under else None
        if placed is None:
            _t2_left_out(result, row, values, under)
            continue
        result.t2_columns.update(under)
        raws = list(map(_TEXT, placed))
        if under_yuan:
            _in_yuan(raws, under)
        _add_row(result, _keys(f"t2.{row}", names_under), raws, list(map(_READING, placed)))


# What both loops of 表二, plain and compiled, call for a row left out and for amounts.
def _t2_left_out(result: TableResult, row: str, values: list[Token], under: tuple) -> None:
    result.warnings.append(f"t2.{row}: {len(values)} cells for {len(under)} columns, row left out")


def _in_yuan(raws: list[str], under: tuple[str, ...]) -> None:
    """A row's amounts printed in 元 without the unit: given it, in place."""
    for index, column in enumerate(under):
        raw = raws[index]
        if column in {"fee_amount", "amount"} and "元" not in raw and squash(raw):
            raws[index] = f"{raw}元"


def _labels_cached(maxsize: int):
    """text_cache of a function of label texts (a text or a tuple of texts) that keeps
    short ones only: every report prints the same labels, but a page's prose lines can
    be labels too, and long (the cache must not keep pages alive)."""

    def decorate(function):
        cached = text_cache(maxsize=maxsize)(function)

        def call(texts, *rest):
            size = len(texts) if isinstance(texts, str) else sum(map(len, texts))
            return cached(texts, *rest) if size <= LABELS_KEPT else function(texts, *rest)

        # what a compiled loop asks instead of this wrapper (parsers/_rows.pyx, t3_rows)
        call.cached, call.plain = cached, function
        return call

    return decorate


LABELS_KEPT = 400  # characters


@_labels_cached(maxsize=2048)  # every report prints the same few rows and headers
def _t2_row_and_header(raws: tuple[str, ...]):
    """The 表二 row the last label naming one names (None for none) and, from the labels
    before it, the columns of a header among them, their names in cell keys, and
    whether amounts are in 元 (None when they hold no header)."""
    texts = [squash(raw) for raw in raws]
    for row_index in range(len(texts) - 1, -1, -1):
        for name, pattern in T2_ROWS:
            if pattern.search(texts[row_index]):
                return name, _t2_header(texts[:row_index])
    return None, None


def _t2_header(before: list[str]) -> tuple[tuple[str, ...], tuple[str, ...], bool] | None:
    # Labels up to the row label are the block's header (信息内容 | 本年… | …).
    if not any("信息内容" in text or T2_COLUMN_RE.search(text) for text in before):
        return None
    start = max((i for i, text in enumerate(before) if "信息内容" in text), default=0)
    header = [text.split("信息内容")[-1] for text in before[start:]]
    columns = tuple(_t2_columns("".join(header)))
    names = tuple("amount" if column == "fee_amount" else column for column in columns)
    return columns, names, any("单位:元" in h or "(元)" in h for h in header)


# ---------------------------------------------------------------- 表三
def _t3_column_order(header: str) -> tuple[str, ...]:
    natural, total = header.find("自然人"), header.rfind("总计")
    if 0 <= total < natural:
        return ("total", *T3_COLUMNS[:-1])
    return tuple(T3_COLUMNS)


@_labels_cached(maxsize=2048)  # every report prints the same row labels
def _t3_row(raws: tuple[str, ...], group: str | None) -> tuple[str | None, str | None]:
    """The 表三 outcome group after a row's labels (the last any of them heads, else
    ``group``), and the row's key under it."""
    texts = tuple(map(squash, raws))
    for text in texts:
        for name, pattern in T3_GROUPS:
            if pattern.search(text):
                group = name
    return group, _classify_t3_texts(texts[-4:], group)


def _classify_t3_texts(texts: tuple[str, ...], group: str | None) -> str | None:
    """The row key of the last (up to four) label texts of a row, under ``group``."""
    for size in range(1, min(4, len(texts)) + 1):
        text = "".join(texts[-size:])
        for key, pattern, needs_group in T3_ROWS:
            if needs_group and group != needs_group:
                continue
            if pattern.search(text):
                if key == "total" and size > 1 and not pattern.search(texts[-1]):
                    continue
                return key
        if size == 1:
            for name, pattern in T3_GROUPS:
                if pattern.search(text) and name == "other":
                    return "other"  # （六）其他处理 printed as a single row
    return None


def _t3_end(tokens: list[Token], position: int, labels: Labels) -> int:
    """Where 表三's rows from ``position`` stop: at the first label after 结转下年度, or at
    表四 when a page lost that row. Labels only are looked at: a value never stops them."""
    if compiled is not None:  # the same loop in C
        start = labels.after(position)
        return compiled.t3_end(tokens, labels.indices, labels.texts, start)
    return _plain_t3_end(tokens, position, labels)


def _plain_t3_end(tokens: list[Token], position: int, labels: Labels) -> int:
    seen_last = False
    for number in range(labels.after(position), len(labels.indices)):
        text = labels.text(number)
        if "结转下年" in text:
            seen_last = True
        elif (seen_last and text) or ("行政复议" in text and len(text) <= 40):
            return labels.indices[number]
    return len(tokens)


def _read_t3(tokens: list[Token], start: int, result: TableResult, labels: Labels) -> int:
    """Read 表三 from ``start``; return the index just after its last row."""
    first_row = labels.first(start, "本年新收")
    header = "".join(squash(t.text) for t in tokens[start : first_row or start] if t.kind == LABEL)
    columns = _t3_column_order(header)
    position = first_row if first_row is not None else start
    end = _t3_end(tokens, position, labels)
    stream = tokens[position:end]
    if compiled is not None:  # the same loop in C, its rows read as they are found
        compiled.t3_rows(result, stream, columns, _t3_row, LABELS_KEPT)
    else:
        _plain_t3_rows(result, stream, columns)
    if result.t3_other_split:
        # With the 2021 sub-rows present, a （六）其他处理 row of its own is a subtotal,
        # not the 2019 single row its keys stand for.
        subtotal = {f"t3.other.{column}" for column in T3_COLUMNS}
        if result.remove(subtotal):
            result.warnings.append("t3: （六）其他处理 subtotal row left out beside its sub-rows")
    return end


def _plain_t3_rows(result: TableResult, stream: list[Token], columns: tuple[str, ...]) -> None:
    """_read_t3's rows: each classified by its labels, placed by the columns, added."""
    group: str | None = None

    def classify(labels: list[Token]) -> str | None:
        nonlocal group
        group, key = _t3_row(tuple(map(_TEXT, labels)), group)
        return key

    row_keys: dict[str, RowKeys] = {}  # the rows' keys in this table's columns
    for labels, row, values in _rows(stream, classify):
        if row is None:
            _t3_unrecognised(result, labels)
            continue
        result.t3_found = True
        if row.startswith("other."):
            result.t3_other_split = True
        placed = _fit(values, len(columns))
        if placed is None:
            _t3_left_out(result, row, values, columns)
        else:
            keys = row_keys.get(row) or row_keys.setdefault(row, _keys(f"t3.{row}", columns))
            _add_row(result, keys, list(map(_TEXT, placed)), list(map(_READING, placed)))


# The warnings of 表三's rows not read (both loops, plain and compiled, call these).
def _t3_unrecognised(result: TableResult, labels: list[Token]) -> None:
    shown = "".join(squash(t.text) for t in labels)[-30:]
    result.warnings.append(f"t3: row '{shown}' not recognised, left out")


def _t3_left_out(result: TableResult, row: str, values: list[Token], columns: tuple) -> None:
    result.warnings.append(
        f"t3.{row}: {len(values)} cells for {len(columns)} columns, row left out"
    )


# ---------------------------------------------------------------- 表四
def _read_t4(tokens: list[Token], start: int, result: TableResult) -> None:
    header: list[str] = []
    values: list[Token] = []
    row_has_label = False
    for token in islice(tokens, start, None):  # a few dozen tokens: no copy of the rest
        if token.kind == ROW_END:
            if values:
                break
            row_has_label = False
            continue
        if token.kind == LABEL:
            if values:
                break
            text = squash(token.text)
            if len(text) > 40:
                break
            header.append(text)
            row_has_label = True
            continue
        # Empty cells of a header row (Token.blank, a Python property that squashes the
        # text, asked last: only before the first value, not of each value after it).
        if not values and row_has_label and token.blank:
            continue
        values.append(token)
    joined = "".join(header)
    groups = list(T4_GROUPS)
    direct, after = joined.find("未经复议直接起诉"), joined.find("复议后起诉")
    if 0 <= after < direct:
        groups = ["review", "suit_after_review", "suit_direct"]
    expected = len(groups) * len(T4_LEAVES)
    placed = _fit(values, expected)
    if placed is None:
        # Only whole groups from the left can be placed with certainty.
        whole = len([t for t in values if not t.blank]) if len(values) > expected else len(values)
        whole_groups = min(whole, expected) // len(T4_LEAVES)
        result.warnings.append(
            f"t4 incomplete: {len(values)} of {expected} cells printed; "
            f"{whole_groups} group(s) placed, the rest left out"
        )
        placed = values[: whole_groups * len(T4_LEAVES)]
        groups = groups[:whole_groups]
    # One row of cells (a group's leaves, group after group), made in one go as a row's.
    _add_row(result, _t4_keys(tuple(groups)), list(map(_TEXT, placed)), list(map(_READING, placed)))


@text_cache(maxsize=16)  # 表四's two orders of groups, whole or cut short
def _t4_keys(groups: tuple[str, ...]) -> RowKeys:
    """The keys of 表四's one row of cells: each group's leaves, group after group."""
    return _keys("t4", tuple(f"{group}.{leaf}" for group in groups for leaf in T4_LEAVES))


def table_format(result: TableResult) -> str | None:
    """2021 or 2019 from the tables' own headers; None when no table says."""
    if result.t2_columns & FORMAT_2021_COLUMNS:
        return "2021"
    if result.t2_columns & FORMAT_2019_COLUMNS:
        return "2019"
    if result.t3_found:
        return "2021" if result.t3_other_split else "2019"
    return None
