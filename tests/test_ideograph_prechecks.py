"""A text holding an ideograph that no answer holds is answered without its squash
(parsers.normalize.ideograph_outside): is a cell's text a value, is it a label of the
metadata grid. The answers are those of the definitions, on every ideograph's NFKC, on
every line and cell of the real pages and on made texts of the characters where NFKC
folds, composes or makes ideographs."""

from __future__ import annotations

import random
import sys
import unicodedata

import pytest

from parsers import chrome, normalize
from parsers.encoding import decode_bytes
from parsers.html import parse_html
from parsers.model import Paragraph, Table
from tests.made_pages import REAL_PAGES

FIRST, LAST = 0x4E00, 0x9FFF  # the ideographs ideograph_outside looks for


def test_nfkc_keeps_every_ideograph_and_composes_none():
    for code in range(FIRST, LAST + 1):
        assert unicodedata.normalize("NFKC", chr(code)) == chr(code), hex(code)
    # A canonical pair that composes into one character: an ideograph is part of none.
    for code in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            assert not any(FIRST <= int(part, 16) <= LAST for part in parts), hex(code)


def _real_texts(path) -> list[str]:
    document = parse_html(decode_bytes(path.read_bytes())[0])
    texts = [block.text for block in document.blocks if isinstance(block, Paragraph)]
    for table in (block for block in document.blocks if isinstance(block, Table)):
        texts += [cell for row in table.rows for cell in row]
    return texts


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_every_line_and_cell_of_a_real_page_is_answered_as_by_definition(path):
    for text in _real_texts(path):
        assert normalize.is_value_text(text) == normalize._is_value_text(text), text
        assert chrome._metadata_label(text) == chrome._metadata_label_of(text), text


# Digits, signs, units and blanks; the labels' ideographs and others; forms that NFKC
# makes ideographs of (⽂ a Kangxi radical, 豈 a compatibility ideograph, ㊀ ㈠ circled and
# parenthesised ones, ㍻ an era), full-width forms and spaces.
POOL = list("0123456789１２.,+-−＋/\\—－×…万元件条个项次人宗无空文号索引名称标题日期年度报告")
POOL += ["⽂", "⼀", "豈", "㊀", "㈠", "㍻", "：", ":", "²", "①", " ", "\u3000", "\u200b"]


@pytest.mark.parametrize("seed", range(20))
def test_made_texts_are_answered_as_by_definition(seed):
    rng = random.Random(seed)
    for _ in range(500):
        text = "".join(rng.choices(POOL, k=rng.randint(0, 6)))
        assert normalize.is_value_text(text) == normalize._is_value_text(text), ascii(text)
        assert chrome._metadata_label(text) == chrome._metadata_label_of(text), ascii(text)


@pytest.mark.parametrize(
    ("text", "value", "label"),
    [
        ("12万元", True, None),
        ("无", True, None),
        ("2019年", False, None),
        ("⽂号：", False, "文号"),  # a Kangxi radical that NFKC makes 文
        ("索 引 号", False, "索引号"),
        ("自然人", False, None),
    ],
)
def test_texts_that_only_their_squash_answers_are_still_answered(text, value, label):
    assert normalize.is_value_text(text) is value
    assert chrome._metadata_label(text) == label
