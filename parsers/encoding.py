"""Decode page bytes: declarations are hints, the bytes decide. The one decoding
function of the project (decode_bytes); the crawler and the parsers both call it.

Portals serve GBK under a UTF-8 header, declare gb2312 for text that needs
GB18030, or declare nothing. A declared codec is used only when the bytes decode
cleanly with it; otherwise chardet decides. Declarations are read by w3lib.encoding
(the header's charset, the page's <meta>, a byte order mark), whose names are
resolved as browsers do: gb2312/gbk are read as gb18030, their superset, latin-1 as
cp1252; ASCII is read as UTF-8, its superset.
"""

from __future__ import annotations

import re
from array import array

import chardet
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

from parsers.compiled import walks

_ASCII = {"ascii", "us-ascii", "us_ascii", "646"}


def normalise_codec(name: str | None) -> str | None:
    """The Python codec a declared charset name stands for, None when unknown."""
    if not name:
        return None
    codec = resolve_encoding(name.strip())
    if codec == "cp1252" and name.strip().lower() in _ASCII:
        return "utf-8"  # w3lib reads ASCII as cp1252; to a CMS, a UTF-8 page "is" ASCII
    return codec


def charset_of(content_type: str | None) -> str | None:
    """The codec of a Content-Type header's charset parameter, if any."""
    return http_content_type_encoding(content_type)


def meta_charset(body: bytes) -> str | None:
    """The codec a page's <meta> (or XML declaration) names, if any."""
    return html_body_declared_encoding(body)


# What follows "charset" where w3lib reads a label: the attribute's value (quoted or not,
# less leading whitespace) or a content value's "charset=" (its _CONTENT_CHARSET_RE).
_LABEL_AFTER = re.compile(r"""\s*=\s*["']?\s*([\w-]+)""")
META_BYTES = 4096  # what html_body_declared_encoding reads of a page


def meta_names_at_most(body: bytes, codec: str) -> bool:
    """True only when meta_charset(body) is None or ``codec``, told without w3lib's scan
    of the tags (~20 µs of a small GBK page's decode): without an XML declaration, each
    label it reads is the one after an occurrence of "charset" in the same text (the
    first META_BYTES bytes as Latin-1), and a label that names no codec ends the scan
    with None. Every occurrence is looked at, in comments and past <body> too, so
    this says False of some pages whose <meta> names ``codec``, never True of one whose
    <meta> names another (tests/test_decode_fast_paths.py compares with w3lib).
    Found in the bytes, lowered: no Latin-1 letter but ASCII ones matches "charset" or
    "<?xml" case-insensitively (a case-insensitive regex of the text is ten times slower).
    """
    lowered = body[:META_BYTES].lower()
    if b"<?xml" in lowered:
        return False
    found = lowered.find(b"charset")
    if found < 0:
        return True
    chunk = body[:META_BYTES].decode("latin-1")
    while found >= 0:
        label = _LABEL_AFTER.match(chunk, found + 7)
        if label is not None and resolve_encoding(label[1]) not in (None, codec):
            return False
        found = lowered.find(b"charset", found + 7)
    return True


def _decoded(body: bytes, codec: str) -> str | None:
    """``body`` decoded with ``codec``, None when it does not decode cleanly."""
    if codec == "gb18030" and walks is not None:
        # Most GBK pages hold ASCII and two-byte codes alone, read so in a quarter of the
        # codec's time; the rest (a four-byte code, a broken one) by the codec.
        text = walks.gb18030_two_byte(body, _gb18030_pairs())
        if text is not None:
            return text
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


_GB18030_LEADS, _GB18030_TRAILS = range(0x81, 0xFF), range(0x40, 0xFF)
_gb18030_table: list[array] = []  # made once, when a process first meets a GBK page


def _gb18030_pairs() -> array:
    """walks.gb18030_two_byte's table, made by the codec (~15 ms; not a cache of texts:
    forget_texts keeps it): each two-byte code's character, 0 where the codec decodes the
    code to no single character of the Basic Multilingual Plane (trail byte 0x7F is no
    code)."""
    if not _gb18030_table:
        _gb18030_table.append(_made_gb18030_pairs())
    return _gb18030_table[0]


def _made_gb18030_pairs() -> array:
    table = array("H", bytes(2 * len(_GB18030_LEADS) * len(_GB18030_TRAILS)))
    codes = (bytes((lead, trail)) for lead in _GB18030_LEADS for trail in _GB18030_TRAILS)
    for index, code in enumerate(codes):
        try:
            character = code.decode("gb18030")
        except UnicodeDecodeError:
            continue
        if len(character) == 1 and ord(character) <= 0xFFFF:
            table[index] = ord(character)
    return table


def decode_bytes(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, codec used). Never raises; undecodable bytes become U+FFFD.
    (decode_page's first two answers.)"""
    text, codec, _ = decode_page(body, declared)
    return text, codec


def decode_page(body: bytes, declared: str | None = None) -> tuple[str, str, bool]:
    """decode_bytes' (text, codec), and whether ``body`` is the text's UTF-8 (decoded
    strictly as UTF-8, without a byte-order mark): a parser may then read the body
    itself rather than the text encoded again. Only the decode knows it: a text read
    with replacement holds U+FFFD, but so may a page that was strict UTF-8.

    Each attempt decodes once and its text is the answer: pages are decoded once. The
    decisions are _plain_decode_bytes', with fewer whole passes over a page that is not
    UTF-8: one count of the bytes (as a decode with surrogateescape would read them)
    tells whether the page is mostly UTF-8 (mostly_utf8_by_escapes) and whether it may
    have UTF-8 lines (_decode_mixed, asked only then), and a <meta> is read only when
    the declared codec does not do.
    """
    by_bom = _by_bom(body)
    if by_bom is not None:
        return (*by_bom, False)
    # Valid UTF-8 with non-ASCII bytes is almost never GBK by accident; the reverse
    # is common (GB18030 decodes most UTF-8 into mojibake without an error).
    text = _decoded(body, "utf-8")
    if text is not None:
        return text, "utf-8", True
    return (*_not_strict_utf8(body, declared), False)


def _not_strict_utf8(body: bytes, declared: str | None) -> tuple[str, str]:
    """decode_bytes of a body without a byte-order mark that is not strict UTF-8."""
    length, escapes, replaced, ascii, clean_line = _byte_escape_counts(body)
    mostly = mostly_utf8_by_escapes(length, escapes, replaced, ascii)
    if mostly is not False:  # True, or None: only the decode with replacement can tell
        text = body.decode("utf-8", "replace")
        if mostly or _mostly_utf8(text):
            # A few stray bytes in a UTF-8 page (a truncated multi-byte character, junk
            # from a CMS) must not turn the whole page into GB18030 mojibake.
            return text, "utf-8"
    # Without a line of CJK and no escaped byte, _decode_mixed finds no UTF-8 line.
    mixed = _decode_mixed(body) if clean_line else None
    if mixed is not None:
        return mixed, MIXED
    if (
        len(body) <= META_BYTES
        and normalise_codec(declared) is None
        and meta_names_at_most(body, "gb18030")
    ):
        # Undeclared, and the <meta> names GB18030 or nothing: GB18030 is the answer
        # either way when it reads the page as Chinese (the <meta>'s codec, else the guess).
        # Only on a page no longer than what w3lib's scan reads: counting a longer page's
        # ideographs costs more than the scan (24 KiB of GBK: +280 k instructions).
        text = _decoded(body, "gb18030")
        if text is not None and _reads_as_chinese(text):
            return text, "gb18030"
    return _as_declared_or_guessed(body, _declared_codecs(body, declared))


def _by_bom(body: bytes) -> tuple[str, str] | None:
    """The page decoded by its byte-order mark, if it has one."""
    bom_codec, bom = read_bom(body)
    if bom_codec == "utf-8":
        return body[len(bom) :].decode("utf-8", "replace"), "utf-8-sig"
    if bom_codec is not None:
        return body[len(bom) :].decode(bom_codec, "replace"), bom_codec
    return None


def _as_declared_or_guessed(body: bytes, codecs) -> tuple[str, str]:
    """A page that is neither UTF-8 nor mixed: the first of ``codecs`` (the declared
    ones, None where none is) that decodes it, else GB18030 when it reads as Chinese,
    else chardet's guess."""
    for codec in codecs:
        text = _decoded(body, codec) if codec else None
        if text is not None:
            # cp1252 "decodes" anything: only trust it when chardet agrees.
            if codec == "cp1252" and _guess(body) not in (None, "cp1252"):
                continue
            return text, codec
    text = _decoded(body, "gb18030")
    if text is not None and _reads_as_chinese(text):
        # What chardet says of such a page, without its statistics (tens of ms a page).
        return text, "gb18030"
    guessed = _guess(body) or "gb18030"
    return body.decode(guessed, "replace"), guessed


def _declared_codecs(body: bytes, declared: str | None):
    # The declared codec, then the <meta>'s, read only when it is asked for.
    yield normalise_codec(declared)
    yield normalise_codec(meta_charset(body))


def mostly_utf8_by_escapes(length: int, escapes: int, replaced: int, ascii: int) -> bool | None:
    """_mostly_utf8 of the page decoded with replacement, told from its decode with
    surrogateescape (of ``length`` characters: ``escapes`` escaped bytes, ``replaced``
    U+FFFD, ``ascii`` ASCII characters), or None when only that decode can tell.

    Both decodes meet the same broken sequences of 1 to 3 bytes: replacement makes
    each one U+FFFD, surrogateescape each of its bytes an escape. So with S escapes,
    the broken characters _mostly_utf8 counts are between S / 3 and S, plus the page's
    own U+FFFD, and the characters besides them are those of ``escaped`` less the
    escapes and the U+FFFD.
    """
    wide = length - escapes - replaced - ascii
    if wide < 20:
        return False
    allowed = max(3, wide // 1000)
    if escapes + replaced <= allowed:
        return True
    if -(-escapes // 3) + replaced > allowed:
        return False
    return None


def _plain_byte_escape_counts(body: bytes) -> tuple[int, int, int, int, bool]:
    """Of ``body`` decoded with surrogateescape: its length, its escaped bytes, its U+FFFD,
    its ASCII characters, and whether a line holds CJK and no escaped byte."""
    escaped = body.decode("utf-8", "surrogateescape")
    ascii = len(escaped.encode("ascii", "ignore"))  # the escapes are no ASCII
    escapes = len(_ESCAPED_BYTE.findall(escaped))
    clean_line = _plain_clean_cjk_line(escaped, 0) is not None
    return len(escaped), escapes, escaped.count("\ufffd"), ascii, clean_line


def _plain_decode_bytes(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """decode_bytes as first written: each decision from a decode of its own (the plain
    definition tests/test_decode_fast_paths.py compares decode_bytes with)."""
    by_bom = _by_bom(body)
    if by_bom is not None:
        return by_bom
    # Valid UTF-8 with non-ASCII bytes is almost never GBK by accident; the reverse
    # is common (GB18030 decodes most UTF-8 into mojibake without an error).
    text = _decoded(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    text = body.decode("utf-8", "replace")
    if _mostly_utf8(text):
        # A few stray bytes in a UTF-8 page (a truncated multi-byte character, junk
        # from a CMS) must not turn the whole page into GB18030 mojibake.
        return text, "utf-8"
    mixed = _decode_mixed(body)
    if mixed is not None:
        return mixed, MIXED
    candidates = [normalise_codec(declared), normalise_codec(meta_charset(body))]
    return _as_declared_or_guessed(body, candidates)


# Common characters of Chinese prose and of these reports: in real text they are most of
# the ideographs; in other encodings' bytes read as GB18030 (Big5, EUC-KR, Shift_JIS)
# the ideographs come out at random, and few of them are these.
_COMMON_HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
    "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两"
    "体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线"
    "内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并"
    "提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见"
    "计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七"
    "海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场"
    "身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广"
    "石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办"
    "青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江"
    "型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严息申请告镇街"
)
# Runs, not characters: a page's ideographs come in runs of a dozen, so a run is one
# match where a character was one (a third of the time of counting them one by one).
_COMMON_RUNS = re.compile(f"[{_COMMON_HANZI}]+")
_NOT_HANZI_RUNS = re.compile("[^\u4e00-\u9fff]+")
READ_AS_CHINESE = 200_000  # characters looked at, as chardet looks at that many bytes


def _plain_reads_as_chinese(text: str) -> bool:
    """Chinese text: enough ideographs, most of them common ones.

    The ideographs are counted as the length of their runs, the common ones (all
    ideographs themselves) within those runs only (tests/test_decode_fast_paths.py
    compares it with counting them one by one).
    """
    ideographs = _NOT_HANZI_RUNS.sub("", text[:READ_AS_CHINESE])
    common = len("".join(_COMMON_RUNS.findall(ideographs)))
    return len(ideographs) >= 50 and common * 2 >= len(ideographs)


# One byte per ideograph from U+4E00, 1 for a common one: the compiled count's table.
_COMMON_TABLE = bytes(chr(0x4E00 + offset) in _COMMON_HANZI for offset in range(0x5200))


def _compiled_reads_as_chinese(text: str) -> bool:
    ideographs, common = walks.ideograph_counts(text, READ_AS_CHINESE, _COMMON_TABLE)
    return ideographs >= 50 and common * 2 >= ideographs


# The compiled count reads each character once, in place (no text built, no regex).
_reads_as_chinese = _compiled_reads_as_chinese if walks is not None else _plain_reads_as_chinese


MIXED = "utf-8+gb18030"  # the codec name of a page decoded line by line
_CJK_CHAR = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _decode_mixed(body: bytes) -> str | None:
    """_decode_mixed_by_lines, with one quick look first: a page has a UTF-8 line only
    when one of its lines, decoded with surrogateescape, holds a CJK character and no
    escaped byte (then it decoded as UTF-8, and the same text). Only such lines are
    measured, in Python; most pages that are not mixed have none.
    """
    text = body.decode("utf-8", "surrogateescape")
    found = _clean_cjk_line(text, 0)  # each line looked at once
    while found is not None:
        start, end = found
        if _utf8_line(text[start:end]):
            return _decode_mixed_by_lines(body)
        found = _clean_cjk_line(text, end + 1)
    return None


def _plain_clean_cjk_line(text: str, start: int) -> tuple[int, int] | None:
    """(start, end) of the first line from ``start`` (a line's start) holding a CJK
    character and no escaped byte; None when there is none."""
    found = _plain_cjk_at(text, start)
    while found >= 0:
        start = text.rfind("\n", 0, found) + 1
        end = text.find("\n", found + 1)
        end = len(text) if end < 0 else end
        if not _ESCAPED_BYTE.search(text, start, end):
            return start, end
        found = _plain_cjk_at(text, end)
    return None


def _plain_cjk_at(text: str, start: int) -> int:
    """Where the first CJK character from ``start`` is, -1 for nowhere."""
    found = _CJK_CHAR.search(text, start)
    return -1 if found is None else found.start()


# The compiled scans read the characters in place (a regex scan of a page is ~10x slower).
_cjk_at = walks.cjk_at if walks is not None else _plain_cjk_at
_clean_cjk_line = walks.clean_cjk_line if walks is not None else _plain_clean_cjk_line
_byte_escape_counts = walks.byte_escape_counts if walks is not None else _plain_byte_escape_counts


def _utf8_line(text: str) -> bool:
    """A line (decoded as UTF-8) that reads as Chinese, not as GBK bytes by chance."""
    # Characters past ASCII, and of those the CJK ones (counted in C).
    wide = len(text) - len(text.encode("ascii", "ignore"))
    return len(_CJK_CHAR.findall(text)) * 2 > wide


def _decode_mixed_by_lines(body: bytes) -> str | None:
    """A page whose template is UTF-8 and whose content is GBK (or the reverse), decoded
    line by line; None when it is not such a page.

    A line is UTF-8 when it decodes as UTF-8 into Chinese: GBK bytes that happen to be
    valid UTF-8 come out as Latin, Hebrew or Arabic letters, not as CJK.
    """
    lines = body.split(b"\n")
    texts: list[str | None] = []  # None: a line read as GB18030, once both kinds are seen
    utf8, other = 0, 0
    for line in lines:
        if line.isascii():
            texts.append(line.decode("ascii"))
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and _utf8_line(text):
            utf8 += 1
            texts.append(text)
        else:
            other += 1
            texts.append(None)
    if not (utf8 and other):
        return None
    return "\n".join(
        line.decode("gb18030", "replace") if text is None else text
        for line, text in zip(lines, texts, strict=True)
    )


def _guess(body: bytes) -> str | None:
    sample = body[:200_000]
    result = chardet.detect(sample)
    return normalise_codec(result.get("encoding")) if result.get("confidence", 0) > 0.3 else None


def _mostly_utf8(text: str) -> bool:
    """UTF-8 (``text``, decoded with replacement) with at most a handful of broken
    sequences among many good ones."""
    broken = text.count("\ufffd")
    if broken > max(3, (len(text) - broken) // 1000):
        return False  # more broken than any count of wide characters allows
    wide = len(text) - len(text.encode("ascii", "ignore")) - broken
    return wide >= 20 and broken <= max(3, wide // 1000)
