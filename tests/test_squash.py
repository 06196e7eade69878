"""squash in one compiled pass (parsers/_walk.pyx squash_folded, then NFKC's quick check
unless every character is one NFKC keeps in any text, normalize.NFKC_KEPT) gives what its
plain definition gives (NFKC, then every whitespace and U+200B left out): on every
character of Unicode between whitespace, U+200B and letters, on made texts of the
characters where NFKC composes, decomposes or makes spaces, and on every line of the
real pages. NFKC_KEPT marks no character that NFKC changes, reorders or composes with
the one before it."""

from __future__ import annotations

import random
import sys
import unicodedata

import pytest

from parsers import normalize
from parsers.compiled import walks
from parsers.encoding import decode_bytes
from parsers.html import parse_html
from parsers.model import Paragraph, Table
from tests.made_pages import REAL_PAGES

pytestmark = pytest.mark.skipif(walks is None, reason="parsers/_walk.pyx not built")

WHITESPACE = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
# Characters NFKC composes (a base and its marks, Hangul jamo), decomposes into several
# (with a space: ¨ ´; ㈱ ﬁ ｶﾞ), folds (full-width forms) or keeps, and U+200B.
TRICKY = ["e", "\u0301", "\u0308", "\u0327", "é", "\u1100", "\u1161", "\u11a8", "가", "\u00a8"]
TRICKY += ["\u00b4", "㈱", "ﬁ", "ｶ", "ﾞ", "ｅ", "，", "中", "①", "\u200b", "\U0001d400", "x"]


def test_nfkc_kept_marks_no_character_that_nfkc_changes_or_composes():
    # The second of every canonical pair (Hangul's are made by rule: its vowels and
    # trailing consonants).
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for code in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    marked = [code for code, mark in enumerate(normalize.NFKC_KEPT) if mark]
    assert len(marked) > 20_000  # the ideographs, ASCII, the CJK punctuation ...
    for code in marked:
        character = chr(code)
        assert unicodedata.normalize("NFKD", character) == character, hex(code)
        assert unicodedata.combining(character) == 0, hex(code)
        assert code not in seconds, hex(code)
    # And texts of them are their own NFKC: every pair of the ASCII and CJK marks.
    common = [chr(code) for code in marked if code < 0x80 or 0x3000 <= code < 0x3100]
    for first in common:
        pairs = "".join(first + second for second in common)
        assert unicodedata.is_normalized("NFKC", pairs), hex(ord(first))


@pytest.mark.parametrize("plane", range(17))
def test_every_character_of_a_plane_is_squashed_as_by_definition(plane):
    for code in range(plane << 16, (plane + 1) << 16):
        character = chr(code)
        # After a base, a space and U+200B (neither may let it compose with the "e"),
        # before a letter.
        text = f"e {character}\u200b{character}x\u3000{character}"
        assert normalize._compiled_squash(text) == normalize._plain_squash(text), hex(code)


@pytest.mark.parametrize("seed", range(40))
def test_made_texts_are_squashed_as_by_definition(seed):
    rng = random.Random(seed)
    pool = TRICKY + WHITESPACE
    for _ in range(100):
        text = "".join(rng.choices(pool, k=rng.randint(0, 14)))
        assert normalize._compiled_squash(text) == normalize._plain_squash(text), ascii(text)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_every_line_of_a_real_page_is_squashed_as_by_definition(path):
    document = parse_html(decode_bytes(path.read_bytes())[0])
    texts = [block.text for block in document.blocks if isinstance(block, Paragraph)]
    for table in (block for block in document.blocks if isinstance(block, Table)):
        texts += [cell for row in table.rows for cell in row]
    texts.append("\n".join(texts))  # the page's body: one text of thousands of characters
    for text in texts:
        assert normalize._compiled_squash(text) == normalize._plain_squash(text)
