"""A page's opening lines, squashed, are the join of each line's squash
(parsers.meta.published_date reads them so, the lines' squash mostly answered from the
caches): NFKC composes nothing across a line break and squash leaves the breaks out.
Checked on the opening of every real page and on made lines whose ends hold what NFKC
composes, folds or drops (combining marks, Hangul jamo, compatibility forms, spaces)."""

from __future__ import annotations

import random

import pytest

from parsers.encoding import decode_bytes
from parsers.html import parse_html
from parsers.meta import labelled_date, published_date
from parsers.normalize import squash
from parsers.report import RAW_LINES_READ, _lines
from tests.made_pages import REAL_PAGES


def _opening(path) -> list[str]:
    document = parse_html(decode_bytes(path.read_bytes())[0])
    return _lines(document, limit=RAW_LINES_READ)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_a_real_page_s_opening_squashes_line_by_line_as_a_whole(path):
    lines = _opening(path)
    assert "".join(map(squash, lines)) == squash("\n".join(lines))
    whole = labelled_date(squash("\n".join(lines)))  # the plain definition
    assert published_date({}, lambda: lines, []) == whole


# What NFKC composes (e + U+0301, Hangul jamo), folds (full-width forms, ㊐, ⽇, ﬁ) or
# keeps apart; the blanks squash drops; label and date characters.
POOL = ["e", "\u0301", "\u0308", "\u1100", "\u1161", "\u11a8", "가", "Ａ", "１", "㊐", "⽇", "ﬁ"]
POOL += [*"发布时间日期：:2024-01年月 \t\u3000\u200b\xa0", "\u2028", "\r"]


@pytest.mark.parametrize("seed", range(20))
def test_made_lines_squash_line_by_line_as_a_whole(seed):
    rng = random.Random(seed)
    for _ in range(500):
        lines = ["".join(rng.choices(POOL, k=rng.randint(0, 8))) for _ in range(rng.randint(0, 5))]
        assert "".join(map(squash, lines)) == squash("\n".join(lines)), lines
        whole = labelled_date(squash("\n".join(lines)))
        assert published_date({}, lambda lines=lines: lines, []) == whole, lines
