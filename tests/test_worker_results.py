"""What a parse worker sends back (crawler.worker): compact, and the same on arrival.

Reports cross a process boundary on every page of a crawl (and again to the writer
of a distributed crawl), pickled with their cells and checks as tuples
(parsers.model's __reduce__): unpickled, every field must be what the parser made.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import output.stored_form
from crawler.items import OutcomeItem
from crawler.storing import write_items
from crawler.worker import ParsePool
from output.identity import text_hash
from output.store import ReportStore
from parsers import parse_document
from parsers.model import Cell, Check, ParseOutcome, Reading, Report

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
DOCUMENTS = sorted(p for p in CORPUS.iterdir() if p.suffix in {".html", ".pdf"})


def _outcome(path: Path) -> ParseOutcome:
    content_type = "application/pdf" if path.suffix == ".pdf" else "text/html"
    return parse_document(path.read_bytes(), f"http://example.gov.cn/{path.name}", content_type)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_a_parsed_document_unpickles_to_an_equal_outcome(path):
    outcome = _outcome(path)
    again = pickle.loads(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == outcome
    if outcome.report is not None:
        assert [type(cell) for cell in again.report.cells] == [Cell] * len(outcome.report.cells)
        assert all(type(check) is Check for check in again.report.checks)


def test_ocr_readings_flags_and_attachment_provenance_survive_pickling():
    reading = Reading(0.42, ("17",), unreadable=False)
    cells = [Cell("t1.a", 1, "1"), Cell("t1.b", 7.5, "7.5", reading, flagged=True)]
    report = Report(
        "http://x/a.pdf", "t", "o", 2023, "2024-01-31", "2021", "text",
        {"一": "总体情况"}, cells, [Check("c", False, "3 ≠ 4")], ["t4 incomplete"],
        source_page="http://x/page.html", encoding="gb18030",
    )  # fmt: skip
    again = pickle.loads(pickle.dumps(ParseOutcome(report.url, report, encoding="gb18030")))
    assert again.report == report
    assert again.report.cells[1].reading == reading and again.report.cells[1].source == "ocr"
    assert pickle.loads(pickle.dumps(cells[1])) == cells[1]


def test_a_report_comes_back_from_a_worker_as_parsed_here():
    path = CORPUS / "shanghai-bgt-2019.html"
    pool = ParsePool(workers=1)
    try:
        outcome = pool.parse(
            path.read_bytes(), f"http://example.gov.cn/{path.name}", "text/html", None
        )
    finally:
        pool.close()
    assert outcome == _outcome(path)
    assert outcome.report is not None and len(outcome.report.cells) >= 198


def test_workers_started_ahead_are_the_ones_that_take_the_jobs():
    path = CORPUS / "shanghai-bgt-2019.html"
    pool = ParsePool(workers=2)
    try:
        pool.start_workers()
        pool.start_workers()  # never more than the pool's size
        ahead = {id(worker) for worker in pool.idle.queue}
        assert pool.started == 2 and len(ahead) == 2
        outcomes = [
            pool.parse(path.read_bytes(), f"http://example.gov.cn/{n}.html", "text/html", None)
            for n in range(3)
        ]
        assert {id(worker) for worker in pool.idle.queue} == ahead and pool.started == 2
    finally:
        pool.close()
    assert all(o.report is not None and len(o.report.cells) >= 198 for o in outcomes)


def test_a_worker_told_to_stop_or_left_by_its_pool_ends_with_exit_status_0():
    # A worker leaves at once (os._exit, its output flushed) rather than through the
    # interpreter's teardown: either way its status must say it ended well.
    path = CORPUS / "shanghai-bgt-2019.html"
    pool = ParsePool(workers=2)
    pool.start_workers()
    told, left = list(pool.idle.queue)  # both started ahead, both idle
    try:
        outcome = pool.parse(path.read_bytes(), "http://example.gov.cn/a.html", "text/html", None)
        pool.idle.queue.clear()  # this test ends them, not the pool's close
        told.stop()  # the pool's word: None
        left.conn.close()  # its pool gone: the socket's end of file
        statuses = told.process.returncode, left.process.wait(30)
    finally:
        pool.close()
        for worker in (told, left):
            if worker.process.poll() is None:
                worker.process.kill()
        left.slot.close()
    assert outcome.report is not None
    assert statuses == (0, 0)


@pytest.mark.parametrize("kind", [Report, Cell, Check], ids=lambda kind: kind.__name__)
def test_every_field_of_a_model_survives_pickling(kind):
    # __reduce__ names the fields one by one: a field added later must be added there too.
    values = {field.name: f"value of {field.name}" for field in dataclasses.fields(kind)}
    if kind is Report:
        values["cells"] = [Cell("t1.a", 1, "1")]
        values["checks"] = [Check("c", True)]
    if kind is Cell:
        values["flagged"] = True
    made = kind(**values)
    assert pickle.loads(pickle.dumps(made)) == made


def test_a_stored_body_is_inflated_in_the_worker_and_parsed_as_fetched():
    path = CORPUS / "shanghai-bgt-2019.html"
    url = f"http://example.gov.cn/{path.name}"
    pool = ParsePool(workers=1)
    try:
        stored = zlib.compress(path.read_bytes(), 3)
        outcome = pool.parse(stored, url, "text/html", None, compressed=True)
        broken = pool.parse(stored[:-40] + b"x" * 40, url, "text/html", None, compressed=True)
        after = pool.parse(stored, url, "text/html", None, compressed=True)
    finally:
        pool.close()
    assert outcome == after == _outcome(path)
    # A body that does not inflate is one bad item, recorded as such; the worker goes on.
    assert broken.report is None and broken.reason.startswith(
        "parser error: DamagedBody('the stored body does not inflate: "
    )
    assert pool.replaced == 0


def test_niced_workers_run_below_the_pool_and_get_a_wall_clock_allowance_to_match():
    path = CORPUS / "shanghai-bgt-2019.html"
    pool = ParsePool(workers=1, niceness=5)
    plain = ParsePool(workers=1)
    try:
        outcome = pool.parse(path.read_bytes(), "http://example.gov.cn/a.html", "text/html", None)
        worker = pool.idle.get_nowait()
        niceness = os.getpriority(os.PRIO_PROCESS, worker.process.pid)
        pool.idle.put(worker)
    finally:
        pool.close()
        plain.close()
    assert outcome.report is not None
    assert niceness == os.getpriority(os.PRIO_PROCESS, 0) + 5 or niceness == 19
    assert pool.wall_factor == pytest.approx(plain.wall_factor * 1.25**5)


def test_a_worker_asked_for_it_answers_the_identity_hash_of_the_report_text():
    path = CORPUS / "shanghai-bgt-2019.html"
    url = f"http://example.gov.cn/{path.name}"
    pool = ParsePool(workers=1)
    try:
        outcome, digest = pool.parse(path.read_bytes(), url, "text/html", None, text_hash=True)
        other, none = pool.parse(
            b"<html><p>no report</p></html>", url, "text/html", None, None, False, True
        )
    finally:
        pool.close()
    assert outcome == _outcome(path)
    assert digest == text_hash(outcome.report.body_text) and digest is not None
    assert other.report is None and none is None


def test_the_workers_text_hash_leaves_the_database_code_unimported():
    # 20 MiB more a worker (sqlite_utils and what it imports) against the crawl's RSS cap.
    check = "import sys, output.text_identity; print('sqlite_utils' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=root)
    assert done.stdout.strip() == "False", done.stderr


def _stored_hash(store, url: str) -> str | None:
    row = store.db.execute("SELECT text_hash FROM reports WHERE url = ?", [url]).fetchone()
    return row[0]


def test_a_crawl_item_hashed_by_its_worker_is_stored_with_that_hash_not_one_worked_out_again(
    tmp_path, monkeypatch
):
    path = CORPUS / "shanghai-bgt-2019.html"
    worked_out = text_hash(_outcome(path).report.body_text)
    store = ReportStore(tmp_path / "r.db")
    try:
        # Unhashed: the writer works the hash out itself.
        write_items(store, [OutcomeItem(_outcome(path))])
        assert _stored_hash(store, _outcome(path).url) == worked_out

        def not_again(text):
            raise AssertionError("the text hash worked out again by the writer")

        monkeypatch.setattr(output.stored_form, "text_hash", not_again)
        hashed = OutcomeItem(_outcome(path), None, None, "b" * 64, text_hashed=True)
        written = write_items(store, [hashed])
        assert written["errors"] == 0
        assert _stored_hash(store, _outcome(path).url) == "b" * 64  # the item's, as sent
    finally:
        store.close()


# A worker's loop in a process of its own, fed a page, then a PDF: which readers it has
# imported after each (sys.modules, printed by a thread of that process).
_READERS_AFTER_EACH_JOB = """
import dataclasses, socket, sys, threading
from multiprocessing.connection import Connection
from crawler import worker
from crawler.caps import Limits

ours, theirs = socket.socketpair()
conn = Connection(ours.detach())
fields = dataclasses.astuple(Limits())

def feed():
    for name, kind in (("page.html", "text/html"), ("report.pdf", "application/pdf")):
        body = open(sys.argv[1 if kind == "text/html" else 2], "rb").read()
        conn.send((body, "http://example.gov.cn/" + name, kind, None, fields, None,
                   False, False, False, False))
        answer = conn.recv()
        while answer[0] == "budget":
            answer = conn.recv()
        print(name, answer[1].report is not None, "pdfplumber" in sys.modules, flush=True)
    conn.send(None)

threading.Thread(target=feed).start()
worker._serve(Connection(theirs.detach()))
"""


def test_a_worker_imports_the_attachment_readers_only_once_a_document_may_need_them():
    # ~25 MiB a worker that a crawl of pages never uses, against the crawl's RSS cap.
    page, pdf = CORPUS / "shanghai-bgt-2019.html", CORPUS / "hongze-district-2023.pdf"
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", _READERS_AFTER_EACH_JOB, str(page), str(pdf)],
        capture_output=True, text=True, cwd=root, timeout=120,
    )  # fmt: skip
    assert done.stdout.split("\n")[:2] == [
        "page.html True False",
        "report.pdf True True",
    ], done.stderr
