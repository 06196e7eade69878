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

import random
import re

_TEXT = re.compile(r">[^<]+<")  # a run of text between two tags
PERMUTED = "3456789"


def with_own_digits(page: str, number: int) -> str:
    """``page`` with the digits 3 to 9 of its text replaced by copy ``number``'s
    permutation of them."""
    own = "".join(random.Random(number).sample(PERMUTED, len(PERMUTED)))
    table = str.maketrans(PERMUTED, own)
    return _TEXT.sub(lambda run: run.group().translate(table), page)
