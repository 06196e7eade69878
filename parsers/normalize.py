"""Text normalisation shared by every parser: one place for NFKC, spaces and numbers."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

from parsers.caches import text_cache
from parsers.compiled import walks

_SPACE = re.compile(r"\s+")
# Cells that are present but hold no number.
_NOT_A_NUMBER = {"", "/", "-", "—", "——", "－", "\\", "无", "空", "×", "…", "--", "---"}
# ASCII digits only, after NFKC has folded full-width ones: Python's \d would also read
# Arabic-Indic and other scripts' digits.
_UNITS = ("万元", "元", "件", "条", "个", "项", "次", "人次", "宗")
_NUMBER = re.compile(
    rf"^(?P<sign>[+\-])?(?P<num>[0-9]+(?:\.[0-9]+)?)(?P<unit>{'|'.join(_UNITS)})?$"
)
_FULL_WIDTH_DIGITS = "０１２３４５６７８９"


# Full-width ASCII forms and the ideographic space: in Chinese text nearly the only
# characters NFKC changes (，（）；：). Each becomes one ASCII character, its whole
# compatibility decomposition, so folding them first leaves the result as it is
# (NFKC(s) = NFC(NFKD(s)), and NFKD decomposes character by character), and the rest
# then mostly passes unicodedata's quick check: a third of the time of a report's text.
_FULL_WIDTH = re.compile("[\u3000\uff01-\uff5e]+")


def _fold_run(match: re.Match) -> str:
    return unicodedata.normalize("NFKC", match.group())


def _plain_fold_full_width(text: str) -> str:
    return _FULL_WIDTH.sub(_fold_run, text)


# The same fold in one compiled pass when built and current: the regex's test of each
# character and its NFKC call for each run were ~3% of a page read the first time
# (squash's caches keep the texts of a page read again).
_fold_full_width = walks.fold_full_width if walks is not None else _plain_fold_full_width
# Texts longer than this are folded first. The compiled fold pays on any text: a label
# holding "（" or "，" costs NFKC ~4 µs (past its quick check, CPython's composition
# scans a table for each character), ~0.5 µs folded first; a text with none costs the
# fold's one pass (~0.2 µs). Below about 100 characters the regex's pass costs more
# than it saves.
_FOLD_FIRST = 0 if walks is not None else 100


def nfkc(text: str) -> str:
    text = text or ""
    if text.isascii():  # NFKC keeps every ASCII character (a table's 200,000 cells of digits)
        return text
    if len(text) > _FOLD_FIRST:
        text = _fold_full_width(text)
    return unicodedata.normalize("NFKC", text)


# The CJK unified ideographs: NFKC keeps each and composes none with its neighbours
# (tests/test_ideograph_prechecks.py checks each).
IDEOGRAPHS = ("\u4e00", "\u9fff")


def ideograph_outside(words) -> re.Pattern:
    """A pattern that finds an ideograph of IDEOGRAPHS in none of ``words``. NFKC leaves
    each as it is and composes none with its neighbours, so a text holding one still
    holds it squashed: it can equal or match only what holds that ideograph. The texts a
    page's labels and cells are asked about are mostly prose, whose squash (NFKC of the
    whole line) such a search, stopping at the first ideograph of it, spares."""
    first, last = IDEOGRAPHS
    ideographs = {char for word in words for char in word if first <= char <= last}
    kept = "".join(sorted(ideographs))
    before, after = chr(ord(first) - 1), chr(ord(last) + 1)
    # Every character but those before the ideographs, those after them and the kept ones.
    return re.compile(f"[^\\x00-{before}{after}-\U0010ffff{kept}]")


SHORT_TEXT = 200  # characters: labels and cells, kept by the thousand
LINE_TEXT = 10_000  # characters: a page's lines, kept by the hundred (NFKC of prose costs)


def squash(text: str) -> str:
    """NFKC with every whitespace removed: the form labels are compared in."""
    if not text or len(text) <= SHORT_TEXT:
        return _squash_short(text)
    if len(text) <= LINE_TEXT:
        # A page's lines are squashed two or three times (chrome, sections, organ).
        return _squash_line(text)
    if text.isascii():
        # NFKC keeps ASCII; one translate deletes what split splits on, where a split of
        # a page of numbers would make a str of each word.
        return text.translate(_ASCII_SPACES)
    return _squash(text)


def _plain_squash(text: str) -> str:
    # "".join(split()) is _SPACE.sub("", …): both split on str.isspace(); join is faster.
    return "".join(nfkc(text).split()).replace("\u200b", "")


def _compiled_squash(text: str) -> str:
    """_plain_squash in one compiled pass (walks.squash_folded: full-width forms folded,
    whitespace and U+200B left out), whose text is the answer when NFKC leaves it as it
    is (unicodedata's quick check; the rest go the plain way). Why: those left-out
    characters are starters that compose with nothing and that NFKC keeps as whitespace
    or as themselves, so the NFKC of a text is that of the pieces between them, joined
    with them; each piece is part of the folded text, so NFKC leaves it as it is when it
    leaves the whole so (tests/test_squash.py compares the two on every character).
    A report's body of 6,700 characters: 64 µs the plain way (half of it in split()),
    26 µs so; the real pages read the first time: 2.6-2.8% less time (2026-12-02)."""
    squashed, kept = walks.squash_folded(text, NFKC_KEPT)
    if kept or unicodedata.is_normalized("NFKC", squashed):
        return squashed
    return _plain_squash(text)


# The ranges a page's text is mostly made of, less the blocks holding characters that
# compose with the one before them though not combining (Indic vowel signs from U+0900,
# Tibetan and Myanmar from U+0F00, Hangul jamo at U+1100, Balinese at U+1B00).
_KEPT_RANGES = ((0x0000, 0x08FF), (0x0E00, 0x0EFF), (0x10A0, 0x10FF), (0x1200, 0x1AFF),
                (0x1B80, 0x33FF), (0xF900, 0xFFFF))  # fmt: skip


def _nfkc_kept() -> bytes:
    """A byte per character from U+0000 to U+FFFF, 1 where any text made only of such
    characters is its own NFKC: a character without a decomposition (NFKD keeps it), not
    combining (no reordering), and not the second of a canonical pair (none composes with
    the one before it; tests/test_squash.py checks every pair of Unicode). Worked out for
    _KEPT_RANGES and the ideographs (a few ms), the rest left 0: a text holding one of
    those is asked NFKC's quick check, as every text was before (the check is ~half of a
    report page's squash time)."""
    table = bytearray(0x10000)
    decomposition, combining = unicodedata.decomposition, unicodedata.combining
    for low, high in _KEPT_RANGES:
        for code in range(low, high + 1):
            character = chr(code)
            if not decomposition(character) and not combining(character):
                table[code] = 1
    low, high = map(ord, IDEOGRAPHS)
    table[low : high + 1] = b"\x01" * (high + 1 - low)
    return bytes(table)


NFKC_KEPT = _nfkc_kept() if walks is not None else b""


_squash = _compiled_squash if walks is not None else _plain_squash


_ASCII_SPACES = dict.fromkeys(code for code in range(128) if chr(code).isspace())


# Bounded: a long text is kept only while its page is read.
_squash_line = text_cache(maxsize=256)(_squash)
_squash_short = text_cache(maxsize=8192)(_squash)


# Characters whose NFKC form is at most one character (ASCII, CJK ideographs and
# punctuation, full-width forms, box drawing, ①-⑨ …; tests/test_page_fast_paths.py checks
# every one). NFKC decomposes character by character and then only composes, so a text
# of these alone never gets longer: its squash is at most its non-space characters.
_LENGTHENED = re.compile(
    "[^\x00-\xa7\xb0-\xb3\xb5-\xb7\xd7\u2010-\u2016\u2018-\u2024\u2027-\u2032"
    "\u2460-\u2468\u2500-\u27bf\u3000-\u303f\u4e00-\u9fff\uff00-\uffe2\uffe4-\uffef]"
)


def never_lengthened(text: str) -> bool:
    """True when NFKC makes no character of ``text`` longer (see _LENGTHENED)."""
    return _LENGTHENED.search(text) is None


def tidy(text: str) -> str:
    """Runs of whitespace collapsed to one space: the form text is stored in.

    Characters stay as published (full-width punctuation included); only the
    comparison form ``squash`` folds them.
    """
    # " ".join(split()) is _SPACE.sub(" ", …).strip(), in a fifth of the time; split()
    # splits at U+00A0 too. A page's ~30 lines come here one by one: the zero-width
    # space, rare, is looked for before a copy without it is made.
    if not text:
        return ""
    if "\u200b" in text:
        text = text.replace("\u200b", "")
    return " ".join(text.split())


# ASCII, CJK punctuation, ideographs and full-width forms: no character of these is a
# digit but the ASCII and full-width ones (tests/test_interpret_fast_paths.py checks each).
# A text of these alone (most of a page's prose) needs no look at each character.
_OTHER_DIGIT_POSSIBLE = re.compile("[^\x00-\x7f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _has_other_digit(raw: str) -> bool:
    """True when ``raw`` holds a digit neither ASCII nor full-width (², ①, ٣ …). Only the
    characters outside those ranges are looked at, one by one: most of a report's prose
    holds “quotes”, and looking at only those took 0.3-1.4% less of the real pages' time
    read the first time than a loop over all its characters (2026-12-02)."""
    return any(character.isdigit() for character in _OTHER_DIGIT_POSSIBLE.findall(raw))


def _plain_has_other_digit(raw: str) -> bool:
    return any(c.isdigit() and not c.isascii() and c not in _FULL_WIDTH_DIGITS for c in raw)


def _number_text(raw: str) -> str:
    """A cell's text in the form numbers are read from; "" ⇒ never a number.

    Only ASCII and full-width digits count: NFKC would turn superscripts (8²¹) and
    circled digits into ASCII ones, so any other numeric character makes the cell text.
    """
    if not raw.isascii() and _has_other_digit(raw):
        return "\x00"
    return squash(raw).replace(",", "").replace("−", "-").replace("＋", "+")


# An ideograph that no number, unit or blank holds: a text with one is none of them.
_NO_VALUE_HOLDS = ideograph_outside((*_UNITS, *_NOT_A_NUMBER))


@text_cache(maxsize=8192)  # tables repeat the same few cell texts ("0", "") thousands of times
def is_value_text(raw: str) -> bool:
    """True for what a table's number cell can hold: a number, blank, '/' or '-'."""
    # Most texts asked are lines of prose, which hold an ideograph no value holds: their
    # squash is spared (with chrome._metadata_label's, 1.6% of the instructions of the
    # real pages read the first time).
    return not _NO_VALUE_HOLDS.search(raw) and _is_value_text(raw)


def _is_value_text(raw: str) -> bool:
    """is_value_text by its definition."""
    text = _number_text(raw)
    return text in _NOT_A_NUMBER or bool(_NUMBER.match(text))


def is_blank(raw: str) -> bool:
    return squash(raw) == ""


def parse_value(raw: str, unit: str = "count") -> int | float | None:
    """The number a cell holds, None when it holds none.

    ``unit`` is "count" or "10k_yuan" (万元). Amounts written in 元 are
    converted to 万元; signs of 本年增/减 cells are kept.
    Integers are read exactly (no float on the way); a decimal too large for a float
    is None. Whether a value fits the database is the store's question.
    """
    text = _number_text(raw)
    match = _NUMBER.match(text)
    if not match:
        return None
    num = match["num"]
    if "." not in num and match["unit"] != "元" and len(num) < 30:  # the common case, fast
        whole = -int(num) if match["sign"] == "-" else int(num)
        return whole if unit == "count" else float(whole)
    number = Decimal(num)
    if match["sign"] == "-":
        number = -number
    if match["unit"] == "元":
        number = number / 10000
    if unit == "count" and match["unit"] != "元" and number == number.to_integral_value():
        return int(number)
    value = round(float(number), 6)
    return value if math.isfinite(value) else None


_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """Text that UTF-8 can encode: surrogate pairs joined, lone surrogates (from JSON
    escapes such as \\ud800) replaced by U+FFFD. Other text is returned as it is."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
