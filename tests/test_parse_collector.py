"""parse_document holds Python's cyclic garbage collector off while it reads a page
(parsers/report.py _collector_paused): that is only sound while reading a page makes
no cyclic garbage, and it must leave the collector as it found it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from parsers import parse_document

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "tests" / "fixtures" / "corpus").glob("*.html")) + sorted(
    (ROOT / "demo" / "portal").rglob("*.html")
)


@pytest.fixture
def collector_off():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_reading_pages_leaves_no_cyclic_garbage(collector_off):
    assert len(PAGES) > 50
    for path in PAGES:
        data = path.read_bytes()
        for body in (data, data[: len(data) // 3], data.replace(b"<t", b"<")):
            parse_document(body, url=f"http://127.0.0.1/{path.name}")
    assert gc.collect() == 0


def test_the_collector_is_left_as_it_was():
    page = PAGES[0].read_bytes()
    assert gc.isenabled()
    parse_document(page, url="http://127.0.0.1/a.html")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_document(page, url="http://127.0.0.1/a.html")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_runs_again_after_a_page_that_fails(monkeypatch):
    def broken(text):
        assert not gc.isenabled()  # held off while the page is read
        raise RuntimeError("boom")

    monkeypatch.setattr("parsers.report.parse_html", broken)
    outcome = parse_document(b"<html><body><p>x</p></body></html>", url="http://127.0.0.1/")
    assert outcome.reason == "parser error: RuntimeError: boom"
    assert gc.isenabled()
