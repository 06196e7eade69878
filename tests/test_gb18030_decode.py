"""A GBK page read by its two-byte codes (parsers/_walk.pyx gb18030_two_byte, the table
made by the codec) is the codec's text: every two-byte code, made bodies of the bytes
where the codec reads four-byte codes or fails, and every real GB18030 page."""

from __future__ import annotations

import random

import pytest

from parsers import encoding
from parsers.compiled import walks
from tests.made_pages import REAL_PAGES

pytestmark = pytest.mark.skipif(walks is None, reason="parsers/_walk.pyx not built")


def _codec(body: bytes) -> str | None:
    try:
        return body.decode("gb18030")
    except UnicodeDecodeError:
        return None


@pytest.mark.parametrize("lead", range(0x81, 0xFF), ids=hex)
def test_every_two_byte_code_reads_as_the_codec_reads_it(lead):
    pairs = encoding._gb18030_pairs()
    for trail in range(0x100):
        body = b"a" + bytes((lead, trail)) + b"z"
        fast = walks.gb18030_two_byte(body, pairs)
        if 0x40 <= trail <= 0xFE and trail != 0x7F:
            assert fast == _codec(body), (hex(lead), hex(trail))
        else:  # a four-byte code's start, or no code: the codec's to read
            assert fast is None, (hex(lead), hex(trail))


# ASCII, lead and trail bytes, the bytes that are no code, a four-byte code and its start.
POOL = [b"a", b"\n", b"<", b"\x00", b"\x7f", b"\x81", b"\xb0", b"\xa1", b"\xfe", b"\x40"]
POOL += [b"\x7e", b"\x30", b"\x39", b"\x80", b"\xff", b"\xd6\xd0", b"\x81\x30\x81\x30"]


@pytest.mark.parametrize("seed", range(30))
def test_made_bodies_decode_as_by_the_codec(seed):
    rng = random.Random(seed)
    for _ in range(300):
        body = b"".join(rng.choices(POOL, k=rng.randint(0, 12)))
        assert encoding._decoded(body, "gb18030") == _codec(body), body


GB_PAGES = [path for path in REAL_PAGES if encoding.decode_bytes(path.read_bytes())[1] == "gb18030"]


def test_the_real_pages_include_gbk_ones():
    assert len(GB_PAGES) >= 3


@pytest.mark.parametrize("path", GB_PAGES, ids=lambda path: path.name)
def test_a_real_gbk_page_is_read_by_its_two_byte_codes_as_the_codec_reads_it(path):
    body = path.read_bytes()
    assert walks.gb18030_two_byte(body, encoding._gb18030_pairs()) == body.decode("gb18030")
