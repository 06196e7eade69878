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


# --- decode_bytes against its plain definition (_plain_decode_bytes) --------------------

DECLARED = [None, "gbk", "utf-8", "big5", "latin-1", "x-unknown"]


@pytest.mark.parametrize("name,data", REAL, ids=[name for name, _ in REAL])
def test_real_pages_are_decoded_as_the_plain_definition_decodes_them(name, data):
    for declared in DECLARED:
        assert decode_bytes(data, declared) == encoding._plain_decode_bytes(data, declared)


def broken_utf8(seed: int) -> bytes:
    """UTF-8 prose with a number of broken sequences of every length (a lead byte alone,
    a character cut after one or two of its bytes, stray continuation bytes, invalid
    leads) and U+FFFD of its own, near the counts _mostly_utf8 allows."""
    rng = random.Random(seed)
    prose = "".join(rng.choice(PROSE + "ab \n") for _ in range(rng.choice([10, 30, 900, 4000])))
    pieces = [piece.encode() for piece in prose]
    breaks = [b"\xe5", b"\xe5\xb9", b"\xf0\x9f\x98", b"\x80", b"\xbf\xbf", b"\xff", b"\xc0\xaf"]
    breaks += ["\ufffd".encode(), b"\xed\xa0\x80", b"\xd6\xd0"]
    for _ in range(rng.choice([0, 1, 3, 4, 5, 8, 12, 40])):
        pieces.insert(rng.randrange(len(pieces) + 1), rng.choice(breaks))
    return b"".join(pieces)


@pytest.mark.parametrize("seed", range(400))
def test_mostly_utf8_is_told_from_the_escapes_where_they_can_tell(seed):
    data = broken_utf8(seed)
    counts = encoding._byte_escape_counts(data)
    assert counts == encoding._plain_byte_escape_counts(data)
    told = encoding.mostly_utf8_by_escapes(*counts[:4])
    if told is not None:
        assert told == encoding._mostly_utf8(data.decode("utf-8", "replace"))
    assert decode_bytes(data) == encoding._plain_decode_bytes(data)


def test_the_escapes_tell_most_pages_apart():
    told = [
        encoding.mostly_utf8_by_escapes(*encoding._byte_escape_counts(broken_utf8(seed))[:4])
        for seed in range(400)
    ]
    assert told.count(None) < 100 and told.count(True) > 50 and told.count(False) > 50


@pytest.mark.parametrize("seed", range(300))
def test_made_pages_are_decoded_as_the_plain_definition_decodes_them(seed):
    data = made_page(seed)
    assert encoding._byte_escape_counts(data) == encoding._plain_byte_escape_counts(data)
    for declared in (None, "gb2312"):
        assert decode_bytes(data, declared) == encoding._plain_decode_bytes(data, declared)


def test_a_line_is_clean_of_escapes_between_its_line_ends():
    text = "中\udc80\n中\nab\n\udcff\n文"
    assert encoding._clean_cjk_line(text, 0) == encoding._plain_clean_cjk_line(text, 0) == (3, 4)
    assert encoding._clean_cjk_line(text, 5) == encoding._plain_clean_cjk_line(text, 5) == (10, 11)
    data = text.encode("utf-8", "surrogateescape")
    counts = encoding._byte_escape_counts(data)
    assert counts == encoding._plain_byte_escape_counts(data) == (11, 2, 0, 6, True)
    data = "中\udc80\n".encode("utf-8", "surrogateescape")
    counts = encoding._byte_escape_counts(data)
    assert counts == encoding._plain_byte_escape_counts(data) == (3, 1, 0, 1, False)


def test_a_mixed_page_is_found_on_a_line_that_starts_with_its_chinese():
    # The first line holding Chinese is no UTF-8 line (more other letters than CJK); the
    # next starts with its only Chinese character, and a GBK line follows.
    data = "中éééé\n".encode() + "年ab".encode() + b"\n" + "政府信息公开".encode("gbk")
    assert encoding._decode_mixed(data) == encoding._decode_mixed_by_lines(data) is not None
    assert decode_bytes(data) == encoding._plain_decode_bytes(data)
    assert decode_bytes(data)[1] == encoding.MIXED


# --- the <meta> told apart without w3lib's scan (encoding.meta_names_at_most) -----------

LABELS = ["gbk", "GB2312", "gb18030", "x-gbk", "big5", "utf-8", "UTF8", "shift_jis", "latin-1"]
LABELS += ["ascii", "x-unknown", "", "gbk\xe9", "charset", "gb2312abc", "cp936"]
QUOTES = ['"', "'", "", '" ', '" \t', "'\n"]


def made_head(rng: random.Random) -> bytes:
    """A page's opening of <meta> tags and look-alikes declaring labels every way w3lib
    reads them and some it does not: charset and content attributes, quoted or not, any
    case and whitespace, in comments, after <body>, XML declarations, cut at 4096 bytes."""
    parts = []
    for _ in range(rng.randint(0, 5)):
        label, quote = rng.choice(LABELS), rng.choice(QUOTES)
        close = quote.strip() if rng.random() < 0.8 else ""
        spaces = rng.choice(["", " ", "\n  ", "\xa0", "\x0c"])
        charset = rng.choice(["charset", "CHARSET", "Charset", "xcharset", "char set"])
        kind = rng.random()
        if kind < 0.3:
            parts.append(f"<meta {charset}{spaces}={spaces}{quote}{label}{close}>")
        elif kind < 0.55:
            equiv = rng.choice(['http-equiv="Content-Type"', "HTTPEQUIV=contenttype", ""])
            parts.append(
                f"<META {equiv} content={quote}text/html; {charset}={spaces}{label}{close}>"
            )
        elif kind < 0.65:
            parts.append(f"<!-- <meta charset={label}> -->")
        elif kind < 0.72:
            parts.append(f'<?{rng.choice(["xml", "XML"])} version="1.0" encoding="{label}"?>')
        elif kind < 0.8:
            parts.append("<body>")
        elif kind < 0.9:
            parts.append(f"<title>{charset}={label}</title>")
        else:
            parts.append(f"<meta content='{charset}={rng.choice(LABELS)}={label}'>")
    head = "".join(parts).encode("latin-1", "replace")
    if rng.random() < 0.2:
        head = b" " * rng.randint(3900, 4090) + head
    return head


@pytest.mark.parametrize("seed", range(600))
def test_a_meta_said_to_name_at_most_gb18030_names_no_other(seed):
    head = made_head(random.Random(seed))
    if encoding.meta_names_at_most(head, "gb18030"):
        assert encoding.meta_charset(head) in (None, "gb18030")
    prose = "<p>" + PROSE * random.Random(seed).randint(0, 4) + "</p>"
    for codec in ("gb18030", "big5", "utf-8"):
        data = head + prose.encode(codec, "replace")
        for declared in (None, "gbk", "x-unknown"):
            assert decode_bytes(data, declared) == encoding._plain_decode_bytes(data, declared)


def test_made_heads_reach_both_answers():
    # The made heads must include ones said to name at most GB18030 whose <meta> names
    # it, ones naming nothing, and ones naming another codec.
    heads = [made_head(random.Random(seed)) for seed in range(600)]
    said = [encoding.meta_charset(h) for h in heads if encoding.meta_names_at_most(h, "gb18030")]
    assert said.count("gb18030") > 20 and said.count(None) > 50
    others = [h for h in heads if encoding.meta_charset(h) not in (None, "gb18030")]
    assert len(others) > 50 and not any(encoding.meta_names_at_most(h, "gb18030") for h in others)


@pytest.mark.parametrize("name,data", REAL, ids=[name for name, _ in REAL])
def test_real_pages_said_to_name_at_most_gb18030_name_no_other(name, data):
    if encoding.meta_names_at_most(data, "gb18030"):
        assert encoding.meta_charset(data) in (None, "gb18030")


def test_the_small_gbk_pages_of_the_demo_portal_skip_the_scan(monkeypatch):
    # Pages no longer than what w3lib reads are decoded without its scan; longer ones
    # with it (counting their ideographs would cost more).
    gbk = [data for name, data in REAL if "/plain/" in name and " " not in name]
    small = [data for data in gbk if len(data) <= encoding.META_BYTES]
    assert len(small) >= 7 and len(gbk) > len(small)
    assert all(encoding.meta_names_at_most(data, "gb18030") for data in gbk)
    scanned = []
    monkeypatch.setattr(encoding, "meta_charset", lambda body: scanned.append(body) or "gb18030")
    assert all(decode_bytes(data) == (data.decode("gb18030"), "gb18030") for data in gbk)
    assert scanned == [data for data in gbk if data not in small]
