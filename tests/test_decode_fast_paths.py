"""The quick tests of parsers/encoding.py decide what the plain definitions decide.

_reads_as_chinese counts ideographs by their runs, _decode_mixed looks at the lines
holding CJK characters only; their plain definitions count character by character
and decode line by line. Both are compared on the real pages (tests/fixtures and the
demo portal) in several encodings, and on made pages: lines of Chinese in UTF-8, GBK,
Big5, Shift_JIS, EUC-KR and cp1252 mixed at random, truncated multi-byte characters,
random bytes and CRLF line ends.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from parsers import encoding
from parsers.encoding import decode_bytes

ROOT = Path(__file__).resolve().parents[1]
REAL_PAGES = sorted((ROOT / "tests" / "fixtures" / "corpus").glob("*.html")) + sorted(
    (ROOT / "demo" / "portal").rglob("*.html")
)
CODECS = ["utf-8", "gb18030", "big5", "shift_jis", "euc-kr", "cp1252"]
PROSE = "本年度政府信息公开工作年度报告主动公开行政复议申请人情况总计（三）不予公开"
HANZI = re.compile("[\u4e00-\u9fff]")
COMMON = re.compile(f"[{encoding._COMMON_HANZI}]")


def reads_as_chinese_by_definition(text: str) -> bool:
    """parsers.encoding._reads_as_chinese as first written: characters counted one by one."""
    sample = text[: encoding.READ_AS_CHINESE]
    ideographs = len(sample) - len(HANZI.sub("", sample))
    common = len(sample) - len(COMMON.sub("", sample))
    return ideographs >= 50 and common * 2 >= ideographs


OTHER_TEXT = ["Annual report 2023", "résumé café", "日本語のテキスト", "한국어 문장", "λόγος"]


def as_encoded(text: str, rng: random.Random) -> bytes:
    """The text split into lines, each line in an encoding drawn at random."""
    out = []
    for line in text.split("\n"):
        codec = rng.choice(CODECS)
        out.append(line.encode(codec, "replace"))
    return b"\n".join(out)


def made_page(seed: int) -> bytes:
    rng = random.Random(seed)
    lines = []
    for _ in range(rng.randint(1, 40)):
        kind = rng.random()
        if kind < 0.35:
            words = "".join(rng.choice(PROSE) for _ in range(rng.randint(1, 60)))
            line = f"<p>{words}</p>".encode(rng.choice(CODECS), "replace")
        elif kind < 0.5:
            line = rng.choice(OTHER_TEXT).encode(rng.choice(CODECS), "replace")
        elif kind < 0.6:
            # A truncated or broken multi-byte character.
            line = "年度".encode(rng.choice(["utf-8", "gb18030"]))[: rng.randint(1, 5)]
        elif kind < 0.7:
            line = bytes(rng.randrange(256) for _ in range(rng.randint(0, 30)))
        else:
            line = b"<div class='x'>" + str(rng.random()).encode() + b"</div>"
        if rng.random() < 0.2:
            line += b"\r"
        lines.append(line)
    return b"\n".join(lines)


def real_variants() -> list[tuple[str, bytes]]:
    found = []
    for path in REAL_PAGES:
        data = path.read_bytes()
        text = decode_bytes(data)[0]
        name = str(path.relative_to(ROOT))
        found.append((name, data))
        for codec in ("gb18030", "big5", "shift_jis", "cp1252"):
            found.append((f"{name} as {codec}", text.encode(codec, "replace")))
        found.append((f"{name} mixed", as_encoded(text, random.Random(name))))
    return found


REAL = real_variants()


def test_common_characters_are_all_ideographs():
    # _reads_as_chinese looks for common characters inside the runs of ideographs only.
    assert all(HANZI.fullmatch(char) for char in encoding._COMMON_HANZI)


@pytest.mark.parametrize("name,data", REAL, ids=[name for name, _ in REAL])
def test_real_pages_get_the_decisions_of_the_plain_definitions(name, data):
    assert encoding._decode_mixed(data) == encoding._decode_mixed_by_lines(data)
    for codec in ("gb18030", "big5", "utf-8", "cp1252"):
        text = data.decode(codec, "replace")
        assert encoding._reads_as_chinese(text) == reads_as_chinese_by_definition(text)


@pytest.mark.parametrize("seed", range(300))
def test_made_pages_get_the_decisions_of_the_plain_definitions(seed):
    data = made_page(seed)
    assert encoding._decode_mixed(data) == encoding._decode_mixed_by_lines(data)
    for codec in ("gb18030", "big5", "shift_jis", "utf-8"):
        text = data.decode(codec, "replace")
        assert encoding._reads_as_chinese(text) == reads_as_chinese_by_definition(text)


def test_mixed_pages_are_found_by_the_quick_look():
    # The made pages above must include mixed ones, or the comparison says little.
    mixed = [seed for seed in range(300) if encoding._decode_mixed(made_page(seed)) is not None]
    assert len(mixed) > 30
    assert any(encoding._decode_mixed(data) is not None for _, data in REAL)


def test_chinese_sample_ends_where_the_definition_ends():
    # Ideographs past READ_AS_CHINESE characters are not looked at by either.
    limit = encoding.READ_AS_CHINESE
    for text in ("a" * (limit - 30) + "的" * 60, "a" * (limit - 60) + "的" * 60, "的" * 49):
        assert encoding._reads_as_chinese(text) == reads_as_chinese_by_definition(text)
    assert not encoding._reads_as_chinese("a" * (limit - 30) + "的" * 60)
    assert encoding._reads_as_chinese("a" * (limit - 60) + "的" * 60)
