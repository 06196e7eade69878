"""Text normalisation shared by every parser: one place for NFKC, spaces and numbers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
# Cells that are present but hold no number.
_NOT_A_NUMBER = {"", "/", "-", "—", "——", "－", "\\", "无", "空", "×", "…", "--", "---"}
_NUMBER = re.compile(
    r"^(?P<sign>[+\-])?(?P<num>\d+(?:\.\d+)?)(?P<unit>万元|元|件|条|个|项|次|人次|宗)?$"
)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


@lru_cache(maxsize=8192)
def squash(text: str) -> str:
    """NFKC with every whitespace removed: the form labels are compared in."""
    return _SPACE.sub("", nfkc(text)).replace("\u200b", "")


def tidy(text: str) -> str:
    """Runs of whitespace collapsed to one space: the form text is stored in.

    Characters stay as published (full-width punctuation included); only the
    comparison form ``squash`` folds them.
    """
    # " ".join(split()) is _SPACE.sub(" ", …).strip(), in a fifth of the time.
    return " ".join((text or "").replace("\u200b", "").replace("\xa0", " ").split())


def _number_text(raw: str) -> str:
    text = squash(raw).replace(",", "").replace("−", "-").replace("＋", "+")
    return text


@lru_cache(maxsize=8192)  # tables repeat the same few cell texts ("0", "") thousands of times
def is_value_text(raw: str) -> bool:
    """True for what a table's number cell can hold: a number, blank, '/' or '-'."""
    text = _number_text(raw)
    return text in _NOT_A_NUMBER or bool(_NUMBER.match(text))


def is_blank(raw: str) -> bool:
    return squash(raw) == ""


def parse_value(raw: str, unit: str = "count") -> int | float | None:
    """The number a cell holds, None when it holds none.

    ``unit`` is "count" or "10k_yuan" (万元). Amounts written in 元 are
    converted to 万元; signs of 本年增/减 cells are kept.
    """
    text = _number_text(raw)
    match = _NUMBER.match(text)
    if not match:
        return None
    number = float(match["num"])
    if match["sign"] == "-":
        number = -number
    if match["unit"] == "元":
        number = number / 10000
    if unit == "count" and number == int(number) and match["unit"] != "元":
        return int(number)
    return round(number, 6)
