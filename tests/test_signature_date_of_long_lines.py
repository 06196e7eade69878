"""published_date skips a closing line too long to be a signature date before reading its
Chinese numerals: what it returns is what reading every one of the last six lines returns."""

from __future__ import annotations

import random
import re

import pytest

from parsers.meta import (
    _DATE,
    _DATE_ONLY,
    SIGNATURE_MOST,
    SIGNATURE_SQUASHED_MOST,
    arabic_date,
    date_string,
    published_date,
)
from parsers.normalize import squash

# Chinese dates that arabic_date shortens most (13 → 11 characters), keeps, or lengthens.
PIECES = ["二〇二四年一十二月三十一日", "二〇二三年二十月二十一日", "二〇二四年十月十日"]
PIECES += ["二〇二三年一月五日", "2024年1月5日", "2023-12-31", "办公室", "单位：", " ", "\u3000"]
PIECES += ["人民政府", "年", "日", "〇", "十", "三十一"]


def plain_signature_date(body_lines: list[str]) -> str | None:
    """published_date's last step (no fields, no labelled opening): every line read."""
    for line in reversed(body_lines[-6:]):
        text = arabic_date(squash(line))
        match = _DATE_ONLY.match(text) or re.search(_DATE + r"$", text)
        if match and len(text) <= SIGNATURE_MOST:
            return date_string(*match.groups())
    return None


def made_line(rng: random.Random) -> str:
    line = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))
    return line + rng.choice(["", *PIECES[:5]])


@pytest.mark.parametrize("seed", range(40))
def test_the_signature_date_is_the_one_every_line_read_gives(seed):
    rng = random.Random(seed)
    for _ in range(100):
        lines = [made_line(rng) for _ in range(rng.randint(1, 8))]
        assert published_date({}, lambda: [], lines) == plain_signature_date(lines)


@pytest.mark.parametrize(
    "line",
    [
        "单" * 2 + "二〇二四年一十二月三十一日" * 3,  # 41 characters, 35 read
        "二〇二四年一十二月三十一日" * 4,  # 52 characters, 44 read
        "单位" + "二〇二四年一十二月三十一日" * 3 + "二〇二三年一月五日",
        "一" * 30 + "二〇二四年一十二月三十一日",
    ],
)
def test_a_line_shortened_by_its_numerals_to_a_signature_is_read(line):
    lines = [line, "二〇二三年一月五日" + "正文" * 30]
    assert published_date({}, lambda: [], lines[::-1]) == plain_signature_date(lines[::-1])
    assert published_date({}, lambda: [], [line]) == plain_signature_date([line])


def test_no_line_longer_than_the_bound_is_a_signature_once_read():
    # arabic_date shortens a line at most by 2 characters in 13.
    for count in range(1, 12):
        for lead in range(0, 14):
            line = "单" * lead + "二〇二四年一十二月三十一日" * count
            if len(line) > SIGNATURE_SQUASHED_MOST:
                assert len(arabic_date(line)) > SIGNATURE_MOST
