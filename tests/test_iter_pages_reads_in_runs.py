"""output.pages.iter_pages reads stored bodies a run at a time (one query for up to
READ_PAGES pages or READ_BYTES of bodies) and still yields every page once, in URL
order, with its own body, and none that is gone."""

from __future__ import annotations

import zlib

import pytest

from output import pages
from output.store import ReportStore


@pytest.fixture
def store(tmp_path):
    store = ReportStore(tmp_path / "reports.db")
    yield store
    store.close()


def _save(store, count: int, size: int = 10) -> dict[str, bytes]:
    bodies = {}
    with store.transaction():
        for number in range(count):
            url = f"http://a.gov.cn/{number:04d}.html"
            bodies[url] = (f"<p>{number}</p>".encode() * size)[: size * 8]
            store.save_page(url, 200, bodies[url], "text/html", None, "report")
    return bodies


@pytest.mark.parametrize("count", [0, 1, 49, 50, 51, 123])
def test_every_page_comes_once_in_url_order_with_its_body(store, count):
    bodies = _save(store, count)
    read = [(page.url, page.body) for page in store.iter_pages()]
    assert read == sorted(bodies.items())


def test_runs_are_bounded_by_pages_and_by_bytes(monkeypatch):
    listed = [(f"u{n}", 10) for n in range(7)]
    monkeypatch.setattr(pages, "READ_PAGES", 3)
    assert [len(run) for run in pages._chunks(listed)] == [3, 3, 1]
    monkeypatch.setattr(pages, "READ_PAGES", 50)
    monkeypatch.setattr(pages, "READ_BYTES", 25)
    assert [len(run) for run in pages._chunks(listed)] == [2, 2, 2, 1]
    # A body larger than the bound is read alone, never skipped.
    big = [("a", 10), ("b", 100), ("c", 10)]
    assert [run for run in pages._chunks(big)] == [["a"], ["b"], ["c"]]


def test_a_page_deleted_while_iterating_is_not_yielded(store, monkeypatch):
    monkeypatch.setattr(pages, "READ_PAGES", 2)
    bodies = _save(store, 6)
    urls = sorted(bodies)
    seen = []
    for page in store.iter_pages():
        seen.append(page.url)
        if len(seen) == 1:  # the caller writes between reads: a later page goes
            with store.transaction():
                store.db.execute("DELETE FROM pages WHERE url = ?", [urls[4]])
    assert seen == urls[:4] + urls[5:]


def test_compressed_bodies_come_as_stored(store):
    bodies = _save(store, 3, size=400)
    read = {page.url: page for page in store.iter_pages(compressed=True)}
    assert {url: zlib.decompress(page.body) for url, page in read.items()} == bodies
    assert all(page.compressed for page in read.values())
