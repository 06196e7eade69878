"""A crawl's report page is stored from the rows its parse worker built (crawler.worker's
with_stored), not from its outcome turned into those rows again by the writer: what is
stored must be what the outcome, as the pipelines leave it, would have stored.

Every real HTML page (tests/fixtures and the demo portal) holding a report, and random
reports (repeated keys, values SQLite cannot hold), go both ways.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import pickle
import random
import subprocess
import sys
from pathlib import Path

import pytest

import output.reports
from crawler import worker
from crawler.feeds import Stored, report_record
from crawler.items import (
    DocumentItem,
    OutcomeItem,
    PageItem,
    StoredOutcomeItem,
    for_writer,
)
from crawler.pipelines import (
    CrawlStatsPipeline,
    KeepBetterReportPipeline,
    ReportProvenancePipeline,
    SqliteStorePipeline,
)
from crawler.storing import write_items
from output.store import ReportStore
from output.stored_form import from_bytes, stored_form
from output.text_identity import text_hash
from parsers import parse_document
from parsers.model import Cell, Check, ParseOutcome, Reading, Report

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "tests" / "fixtures").rglob("*.htm*")) + sorted(
    p for p in (ROOT / "demo" / "portal").rglob("*.html") if "pdfjs" not in p.parts
)


class _Stats:
    def inc_value(self, key, count=1):
        pass


def _reports() -> list[ParseOutcome]:
    found = []
    for path in PAGES:
        url = f"http://example.gov.cn/{path.relative_to(ROOT).as_posix()}"
        outcome = parse_document(path.read_bytes(), url, "text/html")
        if outcome.report is not None:
            found.append(outcome)
    return found


@pytest.fixture(scope="module")
def reports() -> list[ParseOutcome]:
    found = _reports()
    assert len(found) >= 6  # the corpus's and the portal's report pages
    return found


def _random_report(rng: random.Random, n: int) -> ParseOutcome:
    keys = [f"t{rng.randint(1, 7)}.k{rng.randint(0, 30)}" for _ in range(rng.randint(0, 40))]
    values = [None, 0, 7, 1.5, 1270.0, -3, 2**63, -(2**63) - 1, 2**70, math.inf, math.nan]
    cells = [
        Cell(
            key,
            rng.choice(values),
            str(rng.random()),
            Reading(rng.random(), ("1",), rng.random() < 0.2) if rng.random() < 0.2 else None,
            flagged=rng.random() < 0.1,
        )
        for key in keys
    ]
    checks = [Check(f"c{rng.randint(0, 5)}", rng.random() < 0.5, "d") for _ in range(4)]
    report = Report(
        f"http://x/{n}.html", "标题", rng.choice([None, "某局"]), rng.choice([None, 2023]),
        None, "2024", "html", {"一": "总体情况"}, cells, checks, ["w"],
        source_page=rng.choice([None, "http://x/list.html"]),
        encoding=rng.choice([None, "gb18030"]),
    )  # fmt: skip
    return ParseOutcome(report.url, report, encoding=rng.choice([None, "utf-8"]))


def _random_reports() -> list[ParseOutcome]:
    rng = random.Random(19)
    return [_random_report(rng, n) for n in range(300)]


def _after_pipelines(outcome: ParseOutcome, digest, stored, source_page=None) -> OutcomeItem:
    """An outcome item after the crawl's pipelines, as the spider yields a report page's
    (source_page: a linking page's, which the writer settles on the stored form)."""
    item = OutcomeItem(outcome, source_page, "site", digest, True, stored)
    document = DocumentItem(outcome.url, [item])
    document = ReportProvenancePipeline().process_item(document)
    document = CrawlStatsPipeline(_Stats()).process_item(document)
    return document.parts[0]


def _same_values(a, b) -> bool:
    """Equal, a NaN equal to a NaN (a random cell's value)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        return _same_values(dataclasses.astuple(a), dataclasses.astuple(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and _same_values(list(a.values()), list(b.values()))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(map(_same_values, a, b))
    return a == b


def _for_the_crawl(outcome: ParseOutcome):
    """What a worker answers the crawl for outcome (crawler.worker), the outcome as it
    arrives (pickled), its report's url set by the pipelines."""
    lean, digest, stored = worker._for_the_crawl(pickle.loads(pickle.dumps(outcome)))
    return pickle.loads(pickle.dumps(lean)), digest, stored


@pytest.mark.parametrize("source", ["pages", "random"])
def test_the_crawl_stores_and_exports_from_the_workers_answer_what_the_outcome_gives(
    source, reports
):
    outcomes = reports if source == "pages" else _random_reports()
    for outcome in outcomes:
        full = _after_pipelines(copy.deepcopy(outcome), text_hash(outcome.report.body_text), None)
        lean = _after_pipelines(*_for_the_crawl(outcome))
        assert lean.text_hash == full.text_hash
        # What the crawl's process reads of it: the feed record, keep-better's cells...
        assert _same_values(
            report_record(lean.outcome.url, lean.outcome.report, None),
            report_record(full.outcome.url, full.outcome.report, None),
        )
        assert _same_values(lean.outcome.report.cells, full.outcome.report.cells)
        assert lean.outcome.report.checks == full.outcome.report.checks
        assert lean.outcome.links == full.outcome.links
        assert lean.outcome.pictures == full.outcome.pictures
        # ... and what its writer stores: the full outcome's rows after the pipelines.
        expected = stored_form(full.outcome, full.text_hash)
        assert _same_values(tuple(from_bytes(lean.stored)), tuple(expected)), outcome.url


def test_an_out_of_range_cell_warns_in_the_stored_form_only():
    cells = [Cell("t1.a", 2**70, "9" * 22), Cell("t1.b", 3, "3")]
    report = Report("http://x/a.html", "t", "o", 2023, None, "2024", "html", {}, cells, [], [])
    lean, _, stored = worker._for_the_crawl(ParseOutcome(report.url, report))
    assert lean.report.warnings == []
    assert "out of range" in from_bytes(stored).report.warnings_json
    assert from_bytes(stored).report.cells[0][:2] == ("t1.a", None)


def _rows(store: ReportStore) -> dict[str, list]:
    """What the database holds of the reports, timestamps left out."""
    db = store.db
    return {
        "reports": db.execute("SELECT * FROM reports ORDER BY id").fetchall(),
        "cells": db.execute("SELECT * FROM report_cells ORDER BY report_id, key").fetchall(),
        "checks": db.execute("SELECT * FROM report_checks ORDER BY report_id, name").fetchall(),
        "urls": db.execute(
            "SELECT url, report_id, matched_by FROM report_urls ORDER BY url"
        ).fetchall(),
        "search": db.execute("SELECT * FROM report_search_ids ORDER BY fts_rowid").fetchall(),
    }


def _without_times(rows: dict[str, list], columns: list[str]) -> dict[str, list]:
    parsed_at = columns.index("parsed_at")
    reports = [row[:parsed_at] + row[parsed_at + 1 :] for row in rows["reports"]]
    return {**rows, "reports": reports}


@pytest.mark.parametrize("source", ["pages", "random"])
def test_a_crawl_stores_the_same_rows_from_the_workers_form_as_from_the_outcome(
    source, reports, monkeypatch
):
    outcomes = reports if source == "pages" else _random_reports()
    old, new = ReportStore(":memory:"), ReportStore(":memory:")
    try:
        columns = [row[1] for row in old.db.execute("PRAGMA table_info(reports)")]
        old_items, new_items = [], []
        for number, outcome in enumerate(outcomes):
            plain = copy.deepcopy(outcome)
            page = "http://x/list.html" if number % 3 == 0 else None
            digest = text_hash(plain.report.body_text)
            old_items.append(_after_pipelines(plain, digest, None, page))
            new_items.append(for_writer(_after_pipelines(*_for_the_crawl(outcome), page)))
        assert all(type(item) is StoredOutcomeItem for item in new_items)
        assert write_items(old, old_items)["errors"] == 0
        # The writer builds no stored form of its own.
        monkeypatch.setattr(output.reports, "stored_form", None)
        assert write_items(new, new_items)["errors"] == 0
        assert _same_values(
            list(_without_times(_rows(new), columns).items()),
            list(_without_times(_rows(old), columns).items()),
        )
    finally:
        old.close()
        new.close()


def test_the_crawls_batches_carry_the_stored_form_not_the_outcome(reports):
    pipeline = SqliteStorePipeline(":memory:", batch_size=1000)
    item = _after_pipelines(*_for_the_crawl(reports[0]))
    url = item.outcome.url
    page = PageItem(url, 200, b"<html></html>", "text/html", None, "report")
    plain = OutcomeItem(ParseOutcome("http://x/none.html", None, "not a report"))
    pipeline._take(DocumentItem(url, [item, page]))
    with pytest.raises(Stored):  # consumed: no feed record
        pipeline._take(plain)
    assert [type(item) for item in pipeline.buffer] == [StoredOutcomeItem, PageItem, OutcomeItem]
    assert pipeline.buffer[0] == StoredOutcomeItem(url, item.stored, None)


def test_keep_better_decides_on_the_outcome_of_an_item_with_its_stored_form(reports, tmp_path):
    outcome = reports[0]
    store = ReportStore(tmp_path / "r.db")
    try:
        write_items(store, [for_writer(_after_pipelines(*_for_the_crawl(outcome)))])
    finally:
        store.close()
    keep = KeepBetterReportPipeline(str(tmp_path / "r.db"))
    keep.open_spider()
    try:
        worse = copy.deepcopy(outcome)
        worse.report.cells = worse.report.cells[:3]
        kept = keep.process_item(_after_pipelines(*_for_the_crawl(worse)))
    finally:
        keep.close_spider()
    assert type(kept).__name__ == "FailureItem"


def test_a_worker_asked_for_both_answers_the_outcome_its_hash_and_its_stored_form():
    path = ROOT / "tests" / "fixtures" / "corpus" / "shanghai-bgt-2019.html"
    url = f"http://example.gov.cn/{path.name}"
    pool = worker.ParsePool(workers=1)
    try:
        outcome, digest, stored = pool.parse(
            path.read_bytes(), url, "text/html", None, with_stored=True
        )
        none, no_digest, nothing = pool.parse(
            b"<html><p>no report</p></html>", url, "text/html", None, with_stored=True
        )
    finally:
        pool.close()
    lean, digest_here, stored_here = worker._for_the_crawl(
        parse_document(path.read_bytes(), url, "text/html")
    )
    assert outcome == lean and outcome.report.body_text == ""
    # marshal's bytes depend on the objects' sharing; what they read back does not.
    assert (digest, from_bytes(stored)) == (digest_here, from_bytes(stored_here))
    assert none.report is None and no_digest is None and nothing is None


# A worker's loop in a process of its own whose stored form cannot be built: the report
# page's answer is the outcome and its text hash, as without with_stored.
_FORM_FAILS = """
import dataclasses, socket, sys, threading
from multiprocessing.connection import Connection
import output.stored_form
from crawler import worker
from crawler.caps import Limits

def broken(*args):
    raise ValueError("no form")

output.stored_form.stored_form = broken
ours, theirs = socket.socketpair()
conn = Connection(ours.detach())

def feed():
    body = open(sys.argv[1], "rb").read()
    conn.send((body, "http://example.gov.cn/a.html", "text/html", None,
               dataclasses.astuple(Limits()), None, False, True, False, True))
    answer = conn.recv()
    print(len(answer), answer[1].report is not None, len(answer[1].report.body_text) > 0,
          answer[2] is not None, flush=True)
    conn.send(None)

threading.Thread(target=feed).start()
worker._serve(Connection(theirs.detach()))
"""


def test_a_report_whose_stored_form_fails_in_the_worker_comes_as_the_whole_outcome():
    page = ROOT / "tests" / "fixtures" / "corpus" / "shanghai-bgt-2019.html"
    done = subprocess.run(
        [sys.executable, "-c", _FORM_FAILS, str(page)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.stdout.split("\n")[0] == "3 True True True", done.stderr
