"""Stored page bodies (output.bodies) are zlib data, whichever library wrote them.

A database outlives the machine that crawled it: bodies written by Python's zlib (every
database before output.bodies, or a machine without the isal wheel) are read by ISA-L's,
and ISA-L's by Python's zlib (an analyst's script, an older checkout). Every document
fixture goes both ways; the fallback module (no isal) is loaded beside the other.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
import zlib
from pathlib import Path

import pytest

import output.bodies

FIXTURES = Path(__file__).parent / "fixtures"
DOCUMENTS = sorted(
    path
    for path in FIXTURES.rglob("*")
    if path.suffix in {".html", ".pdf", ".doc", ".docx", ".txt"}
)
# The machines pyproject.toml installs isal on (its wheels).
ISAL_MACHINES = {"x86_64", "AMD64", "aarch64", "arm64"}


def without_isal():
    """output.bodies loaded again as on a machine without isal, apart from the other."""
    spec = importlib.util.spec_from_file_location("bodies_without_isal", output.bodies.__file__)
    module = importlib.util.module_from_spec(spec)
    saved = sys.modules.get("isal", None)
    sys.modules["isal"] = None  # import isal raises ImportError
    try:
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del sys.modules["isal"]
        else:
            sys.modules["isal"] = saved
    return module


FALLBACK = without_isal()


def test_the_fixtures_are_found():
    assert len(DOCUMENTS) >= 15


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(FIXTURES)))
@pytest.mark.parametrize("codec", [output.bodies, FALLBACK], ids=["installed", "without_isal"])
def test_a_stored_body_is_zlib_data_read_back_by_either(path, codec):
    body = path.read_bytes()
    stored = codec.compress_body(body)
    assert zlib.decompress(stored) == body
    assert output.bodies.inflate_body(stored) == body
    assert FALLBACK.inflate_body(stored) == body
    assert len(stored) < len(body) or len(body) < 1024


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(FIXTURES)))
@pytest.mark.parametrize("level", [1, 3, 6, 9])
def test_a_body_stored_by_pythons_zlib_is_read(path, level):
    body = path.read_bytes()
    assert output.bodies.inflate_body(zlib.compress(body, level)) == body


@pytest.mark.parametrize("codec", [output.bodies, FALLBACK], ids=["installed", "without_isal"])
@pytest.mark.parametrize("damage", ["flipped", "cut", "not_zlib"])
def test_a_damaged_body_is_said_so_alike_by_either(codec, damage):
    stored = bytearray(output.bodies.compress_body(DOCUMENTS[0].read_bytes()))
    if damage == "flipped":
        stored[len(stored) // 2] ^= 0xFF
    elif damage == "cut":
        del stored[-40:]
    else:
        stored = bytearray(b"<html>as fetched</html>")
    with pytest.raises(codec.DamagedBody, match=r"^the stored body does not inflate: "):
        codec.inflate_body(bytes(stored))


@pytest.mark.skipif(
    platform.machine() not in ISAL_MACHINES, reason="isal is not installed on this machine"
)
def test_isal_writes_the_bodies_where_pyproject_installs_it():
    # A broken install would store every body at a sixth of the speed, silently.
    assert output.bodies._zlib.__name__ == "isal.isal_zlib"
    assert FALLBACK._zlib is zlib
