"""Copies of a real report page that differ from each other as reports do.

A crawl meets each report once: its numbers, dates and the sentences that hold them are
new to the parsers' caches of texts (parsers.caches), while the tables' labels and the
parts' headings repeat from report to report. Identical copies would find every text
answered from those caches and time a page read again. So each copy has the digits 3
to 9 of its text (not of its markup: a colspan stays) replaced by a permutation of its
own; 0, 1 and 2 stay, so that years stay years (20xx) and zeros, most cells of real
reports, stay zeros.
"""

from __future__ import annotations

import math
import re

_TEXT = re.compile(r">[^<]+<")  # a run of text between two tags
PERMUTED = "3456789"
# Copies of one page with digits of their own each: as many as the digits' orderings.
DISTINCT_COPIES = math.factorial(len(PERMUTED))


def with_own_digits(page: str, number: int) -> str:
    """``page`` with the digits 3 to 9 of its text replaced by copy ``number``'s
    permutation of them: the number-th of their orderings, so that no two copies of a
    page numbered below DISTINCT_COPIES share one (drawn at random, ~250 of 1,667
    copies of a page did, and were stored as one report at two addresses)."""
    digits, own = list(PERMUTED), []
    rest = number % DISTINCT_COPIES
    for left in range(len(digits), 0, -1):
        pick, rest = divmod(rest, math.factorial(left - 1))
        own.append(digits.pop(pick))
    table = str.maketrans(PERMUTED, "".join(own))
    return _TEXT.sub(lambda run: run.group().translate(table), page)
