"""squash in one compiled pass (parsers/_walk.pyx squash_folded, then NFKC's quick check)
gives what its plain definition gives (NFKC, then every whitespace and U+200B left out):
on every character of Unicode between whitespace, U+200B and letters, on made texts of
the characters where NFKC composes, decomposes or makes spaces, and on every line of the
real pages."""

from __future__ import annotations

import random
import sys

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
