"""nfkc's full-width fold, compiled (parsers/_walk.pyx fold_full_width), gives what its
plain definition (a regex and NFKC of each run) gives, and nfkc what NFKC gives."""

from __future__ import annotations

import random
import unicodedata

import pytest

from parsers import normalize
from parsers.compiled import walks

# Each folded character, characters around the folded range, and some that NFKC changes
# otherwise (compatibility forms, combining marks, astral characters).
EDGES = ["\u3000", "\u2fff", "\u3001", "\uff00", "\uff01", "\uff5e", "\uff5f", "\uffe5"]
OTHERS = ["中", "a", " ", "\n", "\u0301", "ｶ", "ﾞ", "①", "㎡", "\U0001d400", "\xa0", "\u200b"]


def made_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    folded = [chr(code) for code in range(0xFF01, 0xFF5F)]
    pool = folded + EDGES + OTHERS
    return ["".join(rng.choices(pool, k=rng.randint(0, 400))) for _ in range(count)]


@pytest.mark.skipif(walks is None, reason="parsers/_walk.pyx not built")
def test_the_compiled_fold_is_the_plain_fold_on_every_bmp_character():
    for start in range(0, 0x10000, 0x800):
        text = "".join(
            chr(code) for code in range(start, start + 0x800) if code < 0xD800 or code > 0xDFFF
        )
        assert walks.fold_full_width(text) == normalize._plain_fold_full_width(text)


@pytest.mark.skipif(walks is None, reason="parsers/_walk.pyx not built")
@pytest.mark.parametrize("seed", range(20))
def test_the_compiled_fold_is_the_plain_fold_on_random_text(seed):
    for text in made_texts(seed, 50):
        assert walks.fold_full_width(text) == normalize._plain_fold_full_width(text)


def test_a_text_without_full_width_forms_comes_back_as_it_is():
    text = "政府信息公开" * 30
    assert normalize._fold_full_width(text) is text


@pytest.mark.parametrize("seed", range(5))
def test_nfkc_is_unicodedatas_nfkc(seed):
    for text in made_texts(100 + seed, 50):
        assert normalize.nfkc(text) == unicodedata.normalize("NFKC", text)


@pytest.mark.skipif(walks is None, reason="parsers/_walk.pyx not built")
def test_a_short_label_is_folded_before_nfkc(monkeypatch):
    # Compiled, the fold pays on a label too: unfolded, its "（" sends NFKC past the
    # quick check into composing the whole text.
    folded = []

    def recording(text):
        folded.append(text)
        return walks.fold_full_width(text)

    monkeypatch.setattr(normalize, "_fold_full_width", recording)
    assert normalize.nfkc("（一）概述") == "(一)概述"
    assert folded == ["（一）概述"]
