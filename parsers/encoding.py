"""Decode page bytes: declarations are hints, the bytes decide.

Portals serve GBK under a UTF-8 header, declare gb2312 for text that needs
GB18030, or declare nothing. A declared codec is used only when the bytes decode
cleanly with it; otherwise chardet decides. gb2312/gbk are read as gb18030,
their superset.
"""

from __future__ import annotations

import codecs
import re

import chardet

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "big5": "big5hkscs",
}


def normalise_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        canonical = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(canonical, canonical)


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _decoded(body: bytes, codec: str) -> str | None:
    """``body`` decoded with ``codec``, None when it does not decode cleanly."""
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, codec used). Never raises; undecodable bytes become U+FFFD.

    Each attempt decodes once and its text is the answer: pages are decoded once.
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8-sig"
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
    for codec in candidates:
        text = _decoded(body, codec) if codec else None
        if text is not None:
            # cp1252 "decodes" anything: only trust it when chardet agrees.
            if codec == "cp1252" and _guess(body) not in (None, "cp1252"):
                continue
            return text, codec
    guessed = _guess(body) or "gb18030"
    return body.decode(guessed, "replace"), guessed


MIXED = "utf-8+gb18030"  # the codec name of a page decoded line by line
_CJK_CHAR = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _decode_mixed(body: bytes) -> str | None:
    """A page whose template is UTF-8 and whose content is GBK (or the reverse), decoded
    line by line; None when it is not such a page.

    A line is UTF-8 when it decodes as UTF-8 into Chinese: GBK bytes that happen to be
    valid UTF-8 come out as Latin, Hebrew or Arabic letters, not as CJK.
    """
    lines = body.split(b"\n")
    texts, utf8, other = [], 0, 0
    for line in lines:
        text = None
        if not line.isascii():
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            wide = [char for char in text or "" if ord(char) > 0x7F]
            if text is not None and sum(1 for c in wide if _CJK_CHAR.match(c)) * 2 > len(wide):
                utf8 += 1
            else:
                text = line.decode("gb18030", "replace")
                other += 1
        texts.append(text if text is not None else line.decode("ascii"))
    return "\n".join(texts) if utf8 and other else None


def _guess(body: bytes) -> str | None:
    sample = body[:200_000]
    result = chardet.detect(sample)
    return normalise_codec(result.get("encoding")) if result.get("confidence", 0) > 0.3 else None


def _mostly_utf8(text: str) -> bool:
    """UTF-8 (``text``, decoded with replacement) with at most a handful of broken
    sequences among many good ones."""
    broken = text.count("\ufffd")
    wide = len(text) - len(text.encode("ascii", "ignore")) - broken
    return wide >= 20 and broken <= max(3, wide // 1000)
