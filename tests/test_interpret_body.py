"""interpret's verdict on a body of ASCII alone (a page of numbers): the same, without
searching it for words or splitting it into words."""

from __future__ import annotations

import random
import re

from parsers import report
from parsers.normalize import LINE_TEXT, _squash, squash
from parsers.tables import T2_STARTS, T3_START


def alternatives(pattern: re.Pattern) -> list[str]:
    assert not re.search(r"[\\.*+?()\[\]{}^$]", pattern.pattern)  # words and "|" only
    return pattern.pattern.split("|")


def test_every_word_the_verdict_seeks_in_the_body_is_chinese():
    # interpret does not search an ASCII body for them.
    words = [*T2_STARTS, *alternatives(T3_START), *alternatives(report._REPORT_PARTS)]
    words.append("政府信息公开")
    for word in words:
        assert word and not any(char.isascii() for char in word)
        assert not squash(word).isascii()


def test_a_long_ascii_text_is_squashed_as_by_definition():
    # Past LINE_TEXT characters an ASCII text is squashed by one translate.
    rng = random.Random(7)
    for code in range(128):
        text = f"a{chr(code)}b {chr(code)}" * LINE_TEXT
        assert squash(text) == _squash(text) == "".join(text.split())
    for _ in range(30):
        text = "".join(chr(rng.randrange(128)) for _ in range(LINE_TEXT + rng.randint(1, 99)))
        assert squash(text) == _squash(text)
