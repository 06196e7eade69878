"""interpret's verdict on a body of ASCII alone (a page of numbers): the same, without
searching it for words or splitting it into words."""

from __future__ import annotations

import random
import re

import pytest

from parsers import html, report
from parsers.encoding import decode_bytes
from parsers.normalize import LINE_TEXT, _squash, squash
from parsers.tables import T2_STARTS, T3_START, T3_STARTS, may_hold_tables
from parsers.vocabulary import MIN_REPORT_TEXT
from tests.made_pages import REAL_PAGES


def alternatives(pattern: re.Pattern) -> list[str]:
    assert not re.search(r"[\\.*+?()\[\]{}^$]", pattern.pattern)  # words and "|" only
    return pattern.pattern.split("|")


def test_every_word_the_verdict_seeks_in_the_body_is_chinese():
    # interpret does not search an ASCII body for them.
    words = [*T2_STARTS, *alternatives(T3_START), *report.REPORT_PARTS]
    words.append("政府信息公开")
    for word in words:
        assert word and not any(char.isascii() for char in word)
        assert not squash(word).isascii()


def test_the_table_start_pattern_is_the_start_words():
    # may_hold_tables looks for the words, read_tables' labels for the pattern.
    assert alternatives(T3_START) == list(T3_STARTS)


def _pieces_of(words) -> list[str]:
    # Every word, its halves and its characters: bodies where words meet, overlap or
    # stop one character short.
    pieces = [" ", "。", "1", "政府信息公开"]
    for word in words:
        half = len(word) // 2
        pieces += [word, word[:half], word[half:], *word]
    return pieces


def test_no_report_part_begins_inside_another():
    # What lets `in` count them: a regex's scan finds each word the body holds, none
    # being hidden in (or cut short by) the match of another.
    for word in report.REPORT_PARTS:
        for other in report.REPORT_PARTS:
            for start in range(1, len(word)):
                tail = word[start:]
                assert not other.startswith(tail) and other not in tail, (word, other)
    assert len({word[0] for word in report.REPORT_PARTS}) == len(report.REPORT_PARTS)


@pytest.mark.parametrize("seed", range(5))
def test_the_parts_a_body_holds_are_those_a_regex_of_them_finds(seed):
    regex = re.compile("|".join(report.REPORT_PARTS))
    rng = random.Random(seed)
    pieces = _pieces_of(report.REPORT_PARTS)
    for _ in range(2000):
        body = "".join(rng.choice(pieces) for _ in range(rng.randrange(40)))
        found = sum(part in body for part in report.REPORT_PARTS)
        assert found == len(set(regex.findall(body))), body


@pytest.mark.parametrize("seed", range(5))
def test_a_body_may_hold_tables_when_a_start_word_or_the_pattern_is_in_it(seed):
    rng = random.Random(seed)
    pieces = _pieces_of((*T2_STARTS, *T3_STARTS))
    for _ in range(2000):
        body = "".join(rng.choice(pieces) for _ in range(rng.randrange(30)))
        expected = any(word in body for word in T2_STARTS) or bool(T3_START.search(body))
        assert may_hold_tables(body) == expected, body


def test_real_bodies_hold_the_same_parts_and_table_starts():
    regex = re.compile("|".join(report.REPORT_PARTS))
    bodies = [squash(decode_bytes(path.read_bytes())[0]) for path in REAL_PAGES]
    assert sum(bool(regex.search(body)) for body in bodies) > 5
    for body in bodies:
        assert sum(part in body for part in report.REPORT_PARTS) == len(set(regex.findall(body)))
        expected = any(word in body for word in T2_STARTS) or bool(T3_START.search(body))
        assert may_hold_tables(body) == expected


def test_a_long_ascii_text_is_squashed_as_by_definition():
    # Past LINE_TEXT characters an ASCII text is squashed by one translate.
    rng = random.Random(7)
    for code in range(128):
        text = f"a{chr(code)}b {chr(code)}" * LINE_TEXT
        assert squash(text) == _squash(text) == "".join(text.split())
    for _ in range(30):
        text = "".join(chr(rng.randrange(128)) for _ in range(LINE_TEXT + rng.randint(1, 99)))
        assert squash(text) == _squash(text)


def test_a_text_too_short_for_a_report_is_judged_without_its_tables():
    # interpret reads no tables of a body under MIN_REPORT_TEXT: _not_a_report's answer
    # on it is the same whatever the tables, and always a no.
    rng = random.Random(12)
    titles = [None, "", "2023年政府信息公开工作年度报告", "法治政府建设年度报告", "通知", "首页"]
    pieces = ["总体情况", "主动公开政府信息情况", "政府信息公开", "行政复议", "a", " ", "。", "1"]
    for _ in range(2000):
        body = squash("".join(rng.choice(pieces) for _ in range(rng.randrange(80))))
        body = body[: rng.randrange(MIN_REPORT_TEXT)]
        title, ratio = rng.choice(titles), rng.choice([0.0, 0.3, 0.5, 0.51, 1.0])
        with_tables = report._not_a_report(title, body, True, ratio)
        assert with_tables == report._not_a_report(title, body, False, ratio) != ""


def test_a_real_page_too_short_for_a_report_is_judged_as_with_its_tables(monkeypatch):
    # The same outcome when its tables are read first (as before the short text's shortcut).
    pages = [path.read_bytes() for path in REAL_PAGES]
    short = []
    for data in pages:
        text = decode_bytes(data)[0]
        document = html.parse_html(text)
        if document.verdict or document.problem:
            continue
        outcome = report.interpret(document, "page.html")
        if outcome.reason.startswith("no report text") or outcome.reason.startswith("not an"):
            short.append((document, outcome))
    assert len(short) > 20
    monkeypatch.setattr(report, "_too_short", lambda body: False)  # the shortcut not taken
    for document, outcome in short:
        assert report.interpret(document, "page.html") == outcome
