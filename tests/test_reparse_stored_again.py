"""A reparse of reports stored already: a page goes to its worker with the parse digest of
the report stored for it, a report that comes out the same is answered in a few bytes
(output.stored_form.StoredAgain), and the storing process stores only its times. What
ends up in the database is what storing each page's whole stored form gives, times
included; a report changed since its digest was read is read again whole."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

import crawler.reparse
import output.identity
import output.reports
from crawler.reparse import reparse
from crawler.worker import Limits, ParsePool
from output.store import ReportStore
from output.stored_form import StoredAgain, answer_bytes, from_bytes, stored_form
from parsers import parse_document
from parsers.model import ParseOutcome
from tests.conftest import CORPUS

URL = "http://127.0.0.1/again"
SHANGHAI = CORPUS.joinpath("shanghai-bgt-2019.html").read_bytes()
STAMP = "2099-01-01T00:00:00+00:00"  # the time a reparse stores, the same in every run


def _body(n: int) -> bytes:
    return SHANGHAI.replace("上海市人民政府办公厅".encode(), f"示范县{n}号单位".encode())


def _fill(path) -> None:
    """Report pages, one of them also at a second address (an alias), a list page, a
    page whose stored report and one whose own record an older parser read otherwise;
    every report stored once."""
    store = ReportStore(path)
    try:
        for n in range(6):
            store.save_page(f"{URL}/r{n}.html", 200, _body(n), "text/html", "utf-8", "report")
        store.save_page(f"{URL}/copy.html", 200, _body(0), "text/html", "utf-8", "report")
        store.save_page(f"{URL}/list.html", 200, b"<p>list</p>", "text/html", None, "list")
        reparse(store)
        # Read otherwise before: its cells and digest no longer what a parse gives.
        store.db.execute(
            "UPDATE reports SET parse_digest = 'older', title = 'older' WHERE url = ?",
            [f"{URL}/r3.html"],
        )
        # A page whose own record of what it is an older parser wrote otherwise.
        store.db.execute(
            "UPDATE pages SET kind = 'other', parse_result = 'older' WHERE url = ?",
            [f"{URL}/r1.html"],
        )
    finally:
        store.close()


def _everything(path) -> list:
    """Every row of the database's tables but the search index's, times included."""
    db = sqlite3.connect(path)
    try:
        tables = ("reports", "report_cells", "report_checks", "report_urls", "pages")
        return [db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in tables]
    finally:
        db.close()


@pytest.fixture
def stored(tmp_path, monkeypatch) -> tuple:
    """Two copies of one database of reports stored already; the time a reparse stores
    fixed, so that two reparses can be compared row by row."""
    path = tmp_path / "stored.db"
    _fill(path)
    monkeypatch.setattr(output.reports, "now", lambda: STAMP)
    monkeypatch.setattr(output.identity, "now", lambda: STAMP)
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    return path, copy


def _reparse(path, whole: bool = False) -> tuple[dict, list]:
    """A reparse of path: (its counts, the answers its workers gave); whole: no digest
    sent, every page answered in its whole stored form."""
    answers: list = []
    parse_batch = ParsePool.parse_batch

    def seen(self, documents):
        got = parse_batch(self, documents)
        answers.extend(got)
        return got

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ParsePool, "parse_batch", seen)
        if whole:
            patch.setattr(ReportStore, "stored_digests", lambda self, urls: {})
        store = ReportStore(path)
        try:
            counts = reparse(store)
        finally:
            store.close()
    return counts, answers


def test_reports_stored_already_are_answered_in_a_few_bytes_and_stored_as_whole_forms_are(
    stored, monkeypatch
):
    path, copy = stored
    counts, answers = _reparse(path)
    whole_counts, whole_answers = _reparse(copy, whole=True)

    again = [answer.url for answer in answers if isinstance(answer, StoredAgain)]
    # r0 is an alias of copy (stored first: in URL order), r3's digest another: whole forms.
    assert sorted(again) == [f"{URL}/copy.html", *(f"{URL}/r{n}.html" for n in (1, 2, 4, 5))]
    assert not any(isinstance(answer, StoredAgain) for answer in whole_answers)
    assert counts == whole_counts and counts["reports"] == 7
    assert _everything(path) == _everything(copy)
    reports = _everything(path)[0]
    assert {row[0] for row in reports} and all(STAMP in row for row in reports)


def test_a_report_changed_after_its_digest_was_sent_is_read_again_whole(stored, monkeypatch):
    path, copy = stored
    whole_reads = []
    read_whole = crawler.reparse._read_whole

    def changed_meanwhile(self, url, source_page, digest) -> bool:
        return False  # as if another page's report had been stored over it

    def counted(pool, page):
        whole_reads.append(page.url)
        return read_whole(pool, page)

    monkeypatch.setattr(ReportStore, "parsed_again", changed_meanwhile)
    monkeypatch.setattr(crawler.reparse, "_read_whole", counted)
    counts, _ = _reparse(path)
    whole_counts, _ = _reparse(copy, whole=True)

    assert sorted(whole_reads) == [f"{URL}/copy.html", *(f"{URL}/r{n}.html" for n in (1, 2, 4, 5))]
    assert counts == whole_counts
    assert _everything(path) == _everything(copy)


@pytest.mark.parametrize("differs", ["url", "source page", "digest", "no text hash"])
def test_a_report_not_stored_as_it_was_parsed_is_not_stored_again_by_its_digest(stored, differs):
    path, _ = stored
    store = ReportStore(path)
    try:
        url, other = f"{URL}/r1.html", f"{URL}/r2.html"
        digests = store.stored_digests([url, other])
        if differs == "url":
            store.db.execute("UPDATE reports SET url = ? WHERE url = ?", [f"{URL}/other", url])
        if differs == "no text hash":
            store.db.execute("UPDATE reports SET text_hash = NULL")
        before = _everything(path)
        source = "http://127.0.0.1/linked" if differs == "source page" else None
        asked = "0" * 32 if differs == "digest" else digests[url]
        assert not store.parsed_again(url, source, asked)
        assert _everything(path) == before
        # Another report, stored as it was parsed, is (unless none has a text hash).
        assert store.parsed_again(other, None, digests[other]) is (differs != "no text hash")
    finally:
        store.close()


def test_only_a_report_stored_under_its_own_address_with_a_text_hash_has_a_digest_to_send(stored):
    path, _ = stored
    store = ReportStore(path)
    try:
        urls = [f"{URL}/r0.html", f"{URL}/copy.html", f"{URL}/list.html", f"{URL}/none.html"]
        assert list(store.stored_digests(urls)) == [f"{URL}/copy.html"]  # r0: its alias
        store.db.execute("UPDATE reports SET text_hash = NULL")
        assert store.stored_digests(urls) == {}
    finally:
        store.close()


def test_a_worker_answers_a_few_bytes_only_for_the_digest_its_report_has():
    parsed = parse_document(SHANGHAI, url=f"{URL}/r.html")
    outcome = stored_form(parsed)
    digest = outcome.report.parse_digest

    again = from_bytes(answer_bytes(parsed, digest))
    assert again == StoredAgain(outcome.url, digest, outcome.report.format)
    assert len(answer_bytes(parsed, digest)) < 200 < len(answer_bytes(parsed))
    for other in (None, "0" * 32):
        assert from_bytes(answer_bytes(parsed, other)) == outcome
    none = ParseOutcome(f"{URL}/list.html", None, "no report text")
    assert from_bytes(answer_bytes(none, digest)) == stored_form(none)


def test_a_batch_answers_by_the_digest_sent_with_each_document():
    documents = [(SHANGHAI, f"{URL}/r{n}.html", "text/html", None, False) for n in range(3)]
    pool = ParsePool(1, Limits(timeout=60, memory_mb=1024))
    try:
        whole = pool.parse_batch(documents)
        digest = whole[0].report.parse_digest
        sent = [(*documents[0], digest), (*documents[1], "0" * 32), (*documents[2], None)]
        answers = pool.parse_batch(sent)
    finally:
        pool.close()
    assert answers == [StoredAgain(f"{URL}/r0.html", digest, whole[0].report.format), *whole[1:]]


def test_reports_whose_digests_are_of_an_earlier_kind_are_compared_once_then_answered_short(
    stored,
):
    # A database written by an earlier version: digests of its stored forms (form_digest),
    # which no parse digest of this version equals.
    path, copy = stored
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE reports SET parse_digest = 'a digest of an earlier kind'")
    db.close()

    first, answers = _reparse(path)
    assert not any(isinstance(answer, StoredAgain) for answer in answers)
    assert first == _reparse(copy, whole=True)[0]
    assert _everything(path) == _everything(copy)

    _, answers = _reparse(path)
    again = sorted(answer.url for answer in answers if isinstance(answer, StoredAgain))
    assert again == [f"{URL}/copy.html", *(f"{URL}/r{n}.html" for n in (1, 2, 3, 4, 5))]
