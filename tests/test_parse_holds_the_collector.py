"""parse_document holds Python's cycle collector off while it reads a page (parsers.report
_CyclesHeld): reading makes no reference cycles for it to find, and the collector is
left as it was found, on or off, whatever the page did."""

from __future__ import annotations

import gc

import pytest

from parsers import parse_document
from tests.made_pages import REAL_PAGES


@pytest.mark.parametrize("path", REAL_PAGES[::4], ids=lambda path: path.name)
def test_reading_a_real_page_makes_no_reference_cycles(path):
    gc.collect()
    for content in (path.read_bytes(), path.read_bytes().decode("utf-8", "replace")):
        parse_document(content, url=f"http://127.0.0.1/{path.name}")
    assert gc.collect() == 0


@pytest.mark.parametrize("was_on", [True, False])
@pytest.mark.parametrize(
    "content",
    [REAL_PAGES[0].read_bytes(), b"<html><body>" + b"<p>x" * 10 + b"</body></html>", b"\xff" * 9],
)
def test_the_collector_is_left_as_it_was_found(was_on, content):
    gc.enable() if was_on else gc.disable()
    try:
        parse_document(content, url="http://127.0.0.1/a.html")
        assert gc.isenabled() is was_on
    finally:
        gc.enable()


def test_the_collector_is_on_again_after_a_page_that_fails(monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("broken walk")

    monkeypatch.setattr("parsers.report.parse_html", broken)
    outcome = parse_document(b"<html><body><p>x</p></body></html>", url="http://127.0.0.1/")
    assert "broken walk" in outcome.reason
    assert gc.isenabled()


def test_a_page_of_many_rows_sets_off_no_collection():
    # Its rows (a list each) are made and gone while the collector is held: none is left
    # for a collection to walk when parse_document returns.
    row = "<tr>" + "<td>1</td>" * 5 + "</tr>"
    page = f"<html><body><div id='zoom'><table>{row * 5000}</table></div></body></html>"
    started = []

    def record(phase, _info):
        if phase == "start":
            started.append(phase)

    gc.collect()
    gc.callbacks.append(record)
    try:
        parse_document(page.encode(), url="http://127.0.0.1/big.html")
    finally:
        gc.callbacks.remove(record)
    assert started == []
