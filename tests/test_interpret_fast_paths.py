"""The fast paths of the table interpreter read what the plain definitions read.

Random lines of borderless tables (labels, numbers full- and half-width, commas, signs,
dates, trailing spaces) are split both ways; random cell maps (blank, zero, negative
zero, fractions, missing cells) are checked both ways; 表三's end is sought both ways in
random token streams.
"""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import pytest

from parsers import checks, compiled, normalize, report, tables
from parsers import sections as sections_module
from parsers import tokens as tokens_module
from parsers.encoding import decode_bytes
from parsers.html import parse_html
from parsers.model import Cell, Check, Document, Paragraph, Reading, Table
from parsers.normalize import squash
from parsers.sections import split_sections
from parsers.tokens import (
    END,
    LABEL,
    Labels,
    Token,
    _split_trailing_numbers,
    _split_words,
    cell_token,
)

WORDS = ["本年新收", "申请", "3", "０", "12,", "1.5", "-2", "+7", "2023年", "第", "a", "，", "x1"]
SPACES = [" ", "  ", "\u3000", "\t", ""]


@pytest.mark.parametrize("seed", range(300))
def test_a_line_ending_in_no_digit_is_split_as_by_definition(seed):
    # _split_words reads every line word by word: the fast path for prose must agree.
    rng = random.Random(seed)
    for _ in range(20):
        line = "".join(rng.choice(WORDS) + rng.choice(SPACES) for _ in range(rng.randint(0, 6)))
        line = line.strip()
        assert _split_trailing_numbers(line) == _split_words(line)


def rule_by_definition(name, cells, needed, label):
    if any(key not in cells for key in needed):
        return None
    if all(cells[key] is None for key in needed):
        return None
    total_key, *part_keys = needed
    parts = sum(cells[key] or 0 for key in part_keys)
    total = cells[total_key]
    ok = total is not None and abs(total - parts) < 1e-6
    detail = "" if ok else f"{label}: {checks._shown(total)} printed, parts add up to {parts!r}"
    return Check(name, ok, detail)


def checks_by_definition(cells: dict) -> list[Check]:
    found = []
    split = any(key.startswith(checks._SPLIT_PREFIXES) for key in cells)
    for (balance, needed), (outcomes, outcome_keys) in zip(
        checks._BALANCES, checks._OUTCOMES[split], strict=True
    ):
        if all(key in cells for key in needed) and not all(cells[k] is None for k in needed):
            left = sum(cells[key] or 0 for key in needed[:2])
            right = sum(cells[key] or 0 for key in needed[2:])
            ok = abs(left - right) < 1e-6
            found.append(
                Check(balance, ok, "" if ok else f"一+二 = {left!r} but 三（七）+四 = {right!r}")
            )
        found.append(rule_by_definition(outcomes, cells, outcome_keys, "（七）总计"))
    for name, needed in checks._ROW_TOTALS + checks._GROUP_TOTALS:
        found.append(rule_by_definition(name, cells, needed, "总计"))
    return [check for check in found if check is not None]


ALL_KEYS = sorted(
    {key for _, needed in checks._BALANCES for key in needed}
    | {key for rules in checks._OUTCOMES.values() for _, needed in rules for key in needed}
    | {key for _, needed in checks._ROW_TOTALS + checks._GROUP_TOTALS for key in needed}
)
VALUES = [None, 0, 0.0, -0.0, 1, 2, 3, 10, -1, 0.5, 1.25, 1e-7, 2.0, None, 0]


@pytest.mark.parametrize("seed", range(300))
def test_checks_on_any_cells_are_the_checks_by_definition(seed):
    rng = random.Random(seed)
    share = rng.choice([0.3, 0.8, 1.0])
    cells = {key: rng.choice(VALUES) for key in ALL_KEYS if rng.random() < share}
    if rng.random() < 0.3:  # a consistent table, where sums come out right
        for key in cells:
            cells[key] = rng.choice([0, 1, None])
    assert checks.run_checks(cells) == checks_by_definition(cells)


def t3_end_by_definition(tokens: list[Token], position: int) -> int:
    """Where 表三's rows stop, every token looked at (as before labels alone were)."""
    seen_last = False
    for index in range(position, len(tokens)):
        token = tokens[index]
        text = squash(token.text) if token.kind == LABEL else ""
        if "结转下年" in text:
            seen_last = True
        elif (seen_last and text) or ("行政复议" in text and len(text) <= 40):
            return index
    return len(tokens)


T3_TEXTS = ["本年新收", "结转下年度继续办理", "行政复议", "0", "3", "", " ", "/", "（七）总计"]
T3_TEXTS += ["行政复议" + "长" * 40, "其他", "1.5"]


@pytest.mark.parametrize("seed", range(300))
def test_t3_rows_stop_where_every_token_looked_at_says(seed):
    rng = random.Random(seed)
    tokens = [
        END if rng.random() < 0.15 else cell_token(rng.choice(T3_TEXTS))
        for _ in range(rng.randint(0, 40))
    ]
    labels = Labels(tokens)
    for position in range(len(tokens) + 1):
        assert tables._t3_end(tokens, position, labels) == t3_end_by_definition(tokens, position)


def random_stream(rng: random.Random, texts: list[str], most: int = 40) -> list[Token]:
    return [
        END if rng.random() < 0.15 else cell_token(rng.choice(texts))
        for _ in range(rng.randint(0, most))
    ]


def find_by_definition(tokens, position, word, limit=None, whole=False):
    for index in range(position, len(tokens)):
        token = tokens[index]
        if token.kind != LABEL:
            continue
        text = squash(token.text)
        holds = word.search(text) if isinstance(word, re.Pattern) else word in text
        if holds and (limit is None or len(text) <= limit) and (not whole or text == word):
            return index
    return None


FIND_TEXTS = [
    "行政复议",
    "行政 复议",
    "行政复议" + "长" * 40,
    "第二十条第",
    "信息内容",
    "信息内容 ",
    "本年新收",
    "申请人情况",
    "0",
    "",
    " ",
    "复议",
    "x",
    "Ｘ",
    "\u200b",
]


@pytest.mark.parametrize("seed", range(300))
def test_the_first_label_holding_a_word_is_the_first_found_label_by_label(seed):
    rng = random.Random(seed)
    tokens = random_stream(rng, FIND_TEXTS)
    labels = Labels(tokens)
    for word, limit, whole in [
        ("行政复议", 40, False),
        ("行政复议", None, False),
        ("信息内容", 10, True),
        ("第二十条第", 30, False),
        (tables.T3_START, 80, False),
        ("x", 1, True),
    ]:
        for position in range(len(tokens) + 1):
            found = labels.first(position, word, limit, whole)
            assert found == find_by_definition(tokens, position, word, limit, whole)


KEYS = [
    "t3.granted.total",
    "t3.granted.research",
    "t3.granted.total",
    "t9.none",
    "t4.review.upheld",
]


@pytest.mark.parametrize("seed", range(300))
def test_a_row_added_at_once_is_its_cells_added_one_by_one(seed):
    rng = random.Random(seed)
    at_once, one_by_one = tables.TableResult(), tables.TableResult()
    for _ in range(rng.randint(1, 4)):
        columns = tuple(rng.sample(["total", "research", "social", "upheld"], rng.randint(0, 3)))
        if rng.random() < 0.2:
            columns += columns[:1]  # a column printed twice
        prefix = rng.choice(["t3.granted", "t4.review", "t9.none"])
        raws = [rng.choice(["0", "3", "", "/", " 12 ", "1.5"]) for _ in columns]
        readings = [
            rng.choice([None, None, Reading(0.5), Reading(0.2, (), True)])
            if rng.random() < 0.3
            else None
            for _ in columns
        ]
        at_once.add_row(tables._keys(prefix, columns), raws, readings)
        for column, raw, reading in zip(columns, raws, readings, strict=True):
            one_by_one.add(f"{prefix}.{column}", raw, reading)
    assert at_once == one_by_one


LINE_STARTS = [
    "一",
    "二",
    "三",
    "十",
    "⼀",
    "\u200b",
    " ",
    "\u3000",
    "a",
    "|",
    "本",
    "（",
    "Ⅰ",
    "",
    "二十",
]
LINE_RESTS = [
    "、总体情况",
    "、主动公开政府信息情况",
    ".收到和处理",
    "、本年新收",
    "、x",
    "文字",
    "| 0 |",
    "．其他",
]


@pytest.mark.parametrize("seed", range(300))
def test_sections_skip_only_lines_that_cannot_be_headings(seed):
    rng = random.Random(seed)
    lines = [
        "".join(rng.choice(LINE_STARTS) for _ in range(rng.randint(0, 2))) + rng.choice(LINE_RESTS)
        for _ in range(rng.randint(0, 30))
    ]
    assert split_sections(lines) == sections_module._plain_split_sections(lines)


@pytest.mark.parametrize("seed", range(100))
def test_the_opening_lines_are_the_first_lines_of_the_whole_document(seed):
    # _lines with a limit writes only the table rows it keeps.
    rng = random.Random(seed)
    blocks = [
        Table([[rng.choice(["0", "a", ""]) for _ in range(rng.randint(0, 3))]] * rng.randint(0, 9))
        if rng.random() < 0.5
        else Paragraph("\n".join(rng.choice(["x", "", " y "]) for _ in range(rng.randint(1, 5))))
        for _ in range(rng.randint(0, 8))
    ]
    document = Document(blocks=blocks)
    for limit in range(0, 30):
        assert report._lines(document, limit) == report._lines(document)[:limit]


def test_no_character_of_the_common_ranges_is_another_scripts_digit():
    # normalize._OTHER_DIGIT_POSSIBLE: a text without a character outside these ranges
    # holds no digit but ASCII and full-width ones.
    for code in [*range(0x80), *range(0x3000, 0x3040), *range(0x4E00, 0xA000)]:
        assert not normalize._plain_has_other_digit(chr(code))
    for code in range(0xFF00, 0xFFF0):
        assert not normalize._plain_has_other_digit(chr(code))


DIGIT_TEXTS = ["本年", "3", "０", "²", "①", "٣", "x", " ", "，", "\u3007", "\uff11", "ｘ", "〡"]


@pytest.mark.parametrize("seed", range(200))
def test_other_scripts_digits_are_found_as_by_definition(seed):
    rng = random.Random(seed)
    for _ in range(20):
        text = "".join(rng.choice(DIGIT_TEXTS) for _ in range(rng.randint(0, 8)))
        assert normalize._has_other_digit(text) == normalize._plain_has_other_digit(text)


PART_HEADING_RESTS = ["、总体情况", "、主动公开政府信息情况", ".收到和处理", "．其他"]


@pytest.mark.parametrize("seed", range(100))
def test_sections_skip_finds_every_numbered_part_in_order(seed):
    # Parts 一 to 十 in order, each heading behind a random start, among random lines: the
    # skip must let through every numeral's heading, not only the first few.
    rng = random.Random(seed)
    lines = []
    for numeral in "一二三四五六七八九十":
        start = rng.choice(["", " ", "\u3000", "\u200b"])
        lines.append(start + numeral + rng.choice(PART_HEADING_RESTS))
        for _ in range(rng.randint(0, 3)):
            lines.append(rng.choice(LINE_STARTS) + rng.choice(LINE_RESTS))
    assert split_sections(lines) == sections_module._plain_split_sections(lines)
    assert len(split_sections(lines)) >= 1


# ------------------------------------------------- the compiled loops (parsers/_rows.pyx)
# Each against its plain Python definition, which runs where the module is not built:
# on every real page and seed, and on random streams, lines and paragraphs.
ROOT = Path(__file__).resolve().parents[1]
DOCUMENT_FILES = sorted(
    [*(ROOT / "tests" / "fixtures").rglob("*.html"), *(ROOT / "demo" / "portal").rglob("*.html")]
) + sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"))
rows_module = compiled.rows
needs_module = pytest.mark.skipif(rows_module is None, reason=compiled.rows_status)


def test_the_compiled_loops_are_built_current_and_the_ones_interpret_runs():
    # Without this, a module that failed to build would only skip the comparisons below.
    assert rows_module is not None, compiled.rows_status
    assert tables._rows is rows_module.rows
    assert tables._fit is rows_module.fit
    assert tables._add_row is rows_module.add_row
    assert tables._make_cells is rows_module.make_cells
    assert report._paragraph_kept is rows_module.paragraph_lines_kept
    assert tokens_module.compiled_rows is rows_module
    assert sections_module.compiled_rows is rows_module


def fixture_document(path: Path) -> Document:
    if path.suffix == ".txt":
        return Document(blocks=[Paragraph(path.read_text(encoding="utf-8"))])
    return parse_html(decode_bytes(path.read_bytes())[0])


def use_plain_loops(monkeypatch) -> None:
    """Every loop of parsers/_rows.pyx replaced by its plain definition."""
    monkeypatch.setattr(tokens_module, "compiled_rows", None)
    monkeypatch.setattr(tables, "compiled", None)
    monkeypatch.setattr(tables, "_rows", tables._plain_rows)
    monkeypatch.setattr(tables, "_make_cells", tables._plain_make_cells)
    monkeypatch.setattr(tables, "_fit", tables._plain_fit)
    monkeypatch.setattr(tables, "_add_row", tables.TableResult.add_row)
    monkeypatch.setattr(report, "_paragraph_kept", report._plain_paragraph_kept)
    monkeypatch.setattr(report, "compiled_rows", None)  # report._lines
    monkeypatch.setattr(sections_module, "compiled_rows", None)


def recorded(classify_keys: dict, calls: list):
    """A classify that records what it is asked and answers from ``classify_keys``."""

    def classify(labels):
        texts = tuple(token.text for token in labels)
        calls.append(texts)
        return classify_keys.get(texts[-1][:1]) if texts else None

    return classify


def assert_rows_alike(stream: list[Token]) -> None:
    answers = {"本": "new", "结": "carried", "0": None, "（": ("tuple", 1)}
    compiled_calls: list = []
    plain_calls: list = []
    found = rows_module.rows(stream, recorded(answers, compiled_calls))
    assert found == list(tables._plain_rows(stream, recorded(answers, plain_calls)))
    assert compiled_calls == plain_calls


@needs_module
@pytest.mark.parametrize("path", DOCUMENT_FILES, ids=lambda path: path.name)
def test_a_fixture_is_interpreted_alike_by_the_compiled_and_the_plain_loops(path, monkeypatch):
    document = fixture_document(path)
    fast = repr(report.interpret(document, path.name))
    clean = report._without_chrome(document)
    stream = tokens_module.tokens_from_document(clean)
    lines = [line for line in report._lines(clean) if line.strip()]
    fast_sections = split_sections(lines)
    labels = Labels(stream)
    found = [labels.first(0, word, limit, whole) for word, limit, whole in SEARCHES]
    end = tables._t3_end(stream, 0, labels)
    for block in document.blocks:
        if isinstance(block, Paragraph):
            kept = rows_module.paragraph_lines_kept(block)
            assert kept == report._plain_paragraph_kept(block)
            assert (kept is block) == (report._plain_paragraph_kept(block) is block)
    assert_rows_alike(stream)
    use_plain_loops(monkeypatch)
    assert repr(report.interpret(document, path.name)) == fast
    plain_stream = tokens_module.tokens_from_document(report._without_chrome(document))
    assert plain_stream == stream
    assert list(map(type, plain_stream)) == list(map(type, stream))  # Tokens, not tuples
    assert split_sections(lines) == fast_sections
    plain_labels = Labels(stream)
    assert plain_labels.indices == labels.indices
    assert [plain_labels.first(0, word, limit, whole) for word, limit, whole in SEARCHES] == found
    assert tables._t3_end(stream, 0, plain_labels) == end


SEARCHES = [
    ("第二十条第", 30, False),
    ("信息内容", 10, True),
    (tables.T3_START, 80, False),
    ("行政复议", 40, False),
    ("本年新收", None, False),
]
ROW_TEXTS = ["本年新收", "结转", "（三）", "0", "3", "", " ", "/", "\u3000", "x"]


@needs_module
@pytest.mark.parametrize("seed", range(300))
def test_random_streams_are_read_alike_by_the_compiled_and_the_plain_loops(seed, monkeypatch):
    rng = random.Random(seed)
    stream = random_stream(rng, ROW_TEXTS + FIND_TEXTS, most=60)
    assert_rows_alike(stream)
    labels = Labels(stream)
    fast = [labels.first(at, *search) for search in SEARCHES for at in range(len(stream) + 1)]
    ends = [tables._t3_end(stream, at, labels) for at in range(len(stream) + 1)]
    use_plain_loops(monkeypatch)
    labels = Labels(stream)
    assert [
        labels.first(at, *search) for search in SEARCHES for at in range(len(stream) + 1)
    ] == fast
    assert [tables._t3_end(stream, at, labels) for at in range(len(stream) + 1)] == ends


LINE_PIECES = [
    "本年新收",
    "3",
    "０",
    " 12",
    "|",
    "||",
    " | ",
    "\r",
    "\t",
    " ",
    "\u3000",
    "a",
    "2023年",
]
LINE_PIECES += [
    "ICP备",
    "责任编辑：x",
    "打印本页",
    "无障碍",
    "版权所有",
    "长" * 200,
    "字号：大",
    "\n",
]


@needs_module
@pytest.mark.parametrize("seed", range(300))
def test_random_lines_are_tokens_and_chrome_alike_compiled_and_plain(seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(LINE_PIECES) for _ in range(rng.randint(0, 30)))
    lines = text.split("\n")
    tokens = rows_module.lines_tokens(lines, [])
    assert tokens == tokens_module.tokens_from_lines(lines)
    assert {type(token) for token in tokens} <= {tokens_module.Token}
    paragraph = Paragraph(text)
    kept = rows_module.paragraph_lines_kept(paragraph)
    assert kept == report._plain_paragraph_kept(paragraph)
    assert (kept is paragraph) == (report._plain_paragraph_kept(paragraph) is paragraph)
    assert split_sections(lines) == sections_module._split(lines, skip=True)


@needs_module
@pytest.mark.parametrize("seed", range(200))
def test_a_documents_tokens_and_lines_are_alike_compiled_and_plain(seed, monkeypatch):
    rng = random.Random(seed)
    blocks = []
    for _ in range(rng.randint(0, 6)):
        if rng.random() < 0.5:
            text = "".join(rng.choice(LINE_PIECES) for _ in range(rng.randint(0, 10)))
            blocks.append(Paragraph(text))
            continue
        rows = [[rng.choice(ROW_TEXTS) for _ in range(rng.randint(0, 5))] for _ in range(3)]
        readings = None
        if rng.random() < 0.3:
            readings = [
                [rng.choice([None, Reading(0.5), Reading(0.1, (), True)]) for _ in row]
                for row in rows
            ]
        blocks.append(Table(rows, readings))
    if rng.random() < 0.2:
        monkeypatch.setattr(tokens_module, "CELL_TOKENS_KEPT", 2)  # forgotten on the way
    document = Document(blocks=blocks)
    compiled_tokens = tokens_module.tokens_from_document(document)
    monkeypatch.setattr(tokens_module, "compiled_rows", None)
    plain_tokens = tokens_module.tokens_from_document(document)
    assert compiled_tokens == plain_tokens
    assert list(map(type, compiled_tokens)) == list(map(type, plain_tokens))
    for limit in (None, 0, 1, 2, 5, 30):
        assert report._lines(document, limit) == report._plain_lines(document, limit)


T2_HEADERS = [
    ["信息内容", "本年新制作", "本年新公开", "对外公开总数"],
    ["信息内容", "本年处理决定数"],
    ["信息内容", "收费金额（单位：元）"],
    ["信息内容", "采购项目数", "采购总金额（元）"],
    ["信息内容", "本年收费金额（单位：万元）"],
]
T2_ROW_NAMES = ["规章", "行政许可", "行政事业性收费", "政府集中采购", "其他"]
T2_VALUES = ["0", "3", "1.5", "/", "", " 12 ", "2元", "\u3000"]


def random_t2_stream(rng: random.Random) -> list[Token]:
    """Rows of 表二, a header before one now and then, of one to three values each."""
    stream = []
    for _ in range(rng.randint(1, 8)):
        header = rng.choice(T2_HEADERS) if rng.random() < 0.4 else []
        texts = [*header, rng.choice(T2_ROW_NAMES)]
        texts += [rng.choice(T2_VALUES) for _ in range(rng.randint(1, 3))]
        stream += map(cell_token, texts)
        stream += [END] * (rng.random() < 0.6)
    return stream


@needs_module
@pytest.mark.parametrize("seed", range(300))
def test_t2_streams_are_read_alike_by_the_compiled_and_the_plain_loops(seed, monkeypatch):
    # Headers with and without 元 before rows of amounts: the columns a row is under
    # and its amounts given their unit.
    stream = random_t2_stream(random.Random(seed))
    compiled_result = tables.TableResult()
    tables._read_t2(stream, compiled_result)
    use_plain_loops(monkeypatch)
    plain_result = tables.TableResult()
    tables._read_t2(stream, plain_result)
    assert compiled_result == plain_result


SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))


@needs_module
@pytest.mark.parametrize("path", SEEDS, ids=lambda path: path.name)
def test_a_seeds_tables_are_read_alike_by_the_compiled_and_the_plain_loops(path, monkeypatch):
    # The seeds print 表三 in both layouts (2019, and 2021 with （六）'s sub-rows).
    stream = tokens_module.tokens_from_lines(path.read_text(encoding="utf-8").split("\n"))
    compiled_result = tables.read_tables(stream)
    use_plain_loops(monkeypatch)
    assert compiled_result == tables.read_tables(stream)  # its flags too
    assert tables.table_format(compiled_result) == tables.table_format(tables.read_tables(stream))


def _all_fields(cell: Cell) -> list:
    return [(type(value), value) for value in map(cell.__getattribute__, FIELD_NAMES)]


FIELD_NAMES = [field.name for field in dataclasses.fields(Cell)]


@needs_module
def test_compiled_cells_are_the_dataclass_cells():
    keys, values, texts = ("t3.a", "t3.b", "t3.c"), (0, None, 1.5), ("0", "/", "1.5")
    made = rows_module.make_cells(Cell, keys, values, texts)
    assert made == list(map(Cell, keys, values, texts))
    # every field set, to the same value of the same type (== alone takes 0 for 0.0)
    assert [_all_fields(cell) for cell in made] == [
        _all_fields(Cell(*fields)) for fields in zip(keys, values, texts, strict=True)
    ]
    assert rows_module.make_cells(Cell, keys, values[:2], texts) == list(
        map(Cell, keys, values[:2], texts)
    )


@needs_module
@pytest.mark.parametrize("seed", range(300))
def test_rows_placed_and_added_alike_by_the_compiled_and_the_plain_forms(seed):
    rng = random.Random(seed)
    values = random_stream(rng, ["0", "3", "", " ", "/", "\u3000", "1.5"], most=10)
    values = [token for token in values if token.kind != "row_end"]
    for expected in range(0, 9):
        assert rows_module.fit(values, expected) == tables._plain_fit(values, expected)
    compiled_result, plain_result = tables.TableResult(), tables.TableResult()
    for _ in range(rng.randint(1, 4)):
        columns = tuple(rng.sample(["total", "research", "social", "upheld"], rng.randint(0, 3)))
        prefix = rng.choice(["t3.granted", "t4.review", "t9.none", "t2.fees"])
        raws = [rng.choice(["0", "3", "", "/", " 12 ", "1.5", "2元"]) for _ in columns]
        readings = [Reading(0.5) if rng.random() < 0.1 else None for _ in columns]
        row = tables._keys(prefix, columns)
        rows_module.add_row(compiled_result, row, list(raws), list(readings))
        plain_result.add_row(row, list(raws), list(readings))
    assert compiled_result == plain_result
