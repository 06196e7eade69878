"""A table's metadata grid (索引号 | … | 发布机构 | …) is read the same with the texts
known to be no label remembered (chrome.metadata_pairs) as by its plain definition
(chrome._plain_metadata_pairs): on every table of every real page, read twice, and on
random tables of labels, values and numbers asked one after the other."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from parsers import chrome
from parsers.chrome import _plain_metadata_pairs, metadata_pairs
from parsers.encoding import decode_bytes
from parsers.html import parse_html
from parsers.model import Table

ROOT = Path(__file__).resolve().parents[1]
REAL_PAGES = sorted((ROOT / "tests" / "fixtures").rglob("*.htm*"))
REAL_PAGES += sorted(
    p for p in (ROOT / "demo" / "portal").rglob("*.html") if "pdfjs" not in p.parts
)

GRID = [
    ["索引号", "000014349/2024-00012", "主题分类", "综合政务"],
    ["发布机构", "县政府办", "文号", ""],
]


@pytest.fixture(autouse=True)
def nothing_known(monkeypatch):
    """Each test starts with no text remembered (and leaves the module's memo alone)."""
    monkeypatch.setattr(chrome, "_NOT_LABELS", set())


def test_every_table_of_the_real_pages_reads_alike():
    tables = []
    for path in REAL_PAGES:
        document = parse_html(decode_bytes(path.read_bytes())[0])
        tables += [block.rows for block in document.blocks if isinstance(block, Table)]
    assert tables and any(_plain_metadata_pairs(rows) for rows in tables)
    for _ in range(2):  # first with nothing remembered, then with every text known
        for rows in tables:
            assert metadata_pairs(rows) == _plain_metadata_pairs(rows)
    assert chrome._NOT_LABELS


def test_a_grid_is_read_among_tables_of_known_texts():
    numbers = [["本年新收", "0", "/"], ["总计", "1", "2"]]
    assert metadata_pairs(numbers) is None
    assert (
        metadata_pairs(GRID)
        == _plain_metadata_pairs(GRID)
        == {
            "索引号": "000014349/2024-00012",
            "主题分类": "综合政务",
            "发布机构": "县政府办",
            "文号": "",
        }
    )
    # The labels are never remembered as no label, the other texts are.
    assert not {"索引号", "主题分类", "发布机构", "文号"} & chrome._NOT_LABELS
    assert {"0", "/", "总计", "综合政务"} <= chrome._NOT_LABELS
    assert metadata_pairs(GRID + numbers) == _plain_metadata_pairs(GRID + numbers)


def test_texts_remembered_are_short_and_bounded(monkeypatch):
    monkeypatch.setattr(chrome, "NOT_LABELS_KEPT", 50)
    metadata_pairs([["长" * 300, "0"]])
    assert {"0"} == chrome._NOT_LABELS
    metadata_pairs([[str(number) for number in range(60)]])  # too many new: none kept
    assert {"0"} == chrome._NOT_LABELS
    metadata_pairs([[str(number) for number in range(1, 50)], ["x"]])  # 50 new
    assert len(chrome._NOT_LABELS) == 50 and "0" not in chrome._NOT_LABELS  # forgotten first
    assert metadata_pairs([["0", "x", "1"]]) is None


WORDS = [
    "索引号",
    "索引号：",
    "索引号:",
    " 主题分类 ",
    "发布日期",
    "发 布 机 构",
    "名称",
    "标题：",
    "有效性",
    "文号",
    "发文字号",
    "索引",
    "索引号码",
    "0",
    "/",
    "",
    " ",
    "12",
    "县政府办",
    "2024-01-02",
    "本年新收政府信息公开申请数量",
    "ｘ",
    "\u3000",
]


def test_random_tables_read_alike_asked_one_after_the_other():
    rng = random.Random(17)
    for _ in range(3000):
        rows = [
            [rng.choice(WORDS) for _ in range(rng.randint(0, 6))] for _ in range(rng.randint(0, 5))
        ]
        assert metadata_pairs(rows) == _plain_metadata_pairs(rows), rows
