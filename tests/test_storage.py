"""output.store: schema, idempotent migrations, upserts that never duplicate."""

from __future__ import annotations

import sqlite3
import zlib

import pytest

from crawler.feeds import Stored
from crawler.items import (
    AttachmentItem,
    DocumentItem,
    FailureItem,
    OutcomeItem,
    PageItem,
    SkippedItem,
)
from crawler.pipelines import SqliteStorePipeline
from crawler.storing import write_items
from output.store import MIGRATIONS, ReportStore, content_hash, report_id
from parsers.model import Cell, Check, ParseOutcome, Report

URL = "http://example.gov.cn/xxgk/ndbg/202401/t20240131_1.html"


def make_report(
    url: str = URL, cells=None, checks=None, title="示范县2023年政府信息公开工作年度报告"
):
    return Report(
        url=url,
        title=title,
        organ="示范县人民政府",
        year=2023,
        published="2024-01-31",
        format="2021",
        body_text="一、总体情况……",
        cells=cells
        if cells is not None
        else [
            Cell("t3.new_received.natural_person", 5, "5"),
            Cell("t2.fees.amount", 1.5, "15000元"),
        ],
        checks=checks
        if checks is not None
        else [
            Check("t3.balance.natural_person", True),
            Check("t3.balance.total", False, "1+2=3 ≠ 4"),
        ],
        warnings=["t4 incomplete"],
    )


@pytest.fixture()
def store(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    yield store
    store.close()


def columns(store: ReportStore, table: str) -> list[str]:
    return [row[1] for row in store.db.execute(f"PRAGMA table_info({table})")]


def test_schema_has_the_interface_of_spec_db_md(store):
    assert columns(store, "reports")[:8] == [
        "id",
        "url",
        "title",
        "organ",
        "year",
        "published",
        "format",
        "body_text",
    ]
    assert {"source_page", "encoding", "sections_json", "warnings_json", "parsed_at"} <= set(
        columns(store, "reports")
    )
    # The interface's four columns first; then where a value came from (text or OCR).
    assert columns(store, "report_cells")[:4] == ["report_id", "key", "value", "raw"]
    assert columns(store, "report_cells")[4:] == ["source", "confidence", "flagged"]
    assert columns(store, "report_checks") == ["report_id", "name", "ok", "detail"]
    for table in ("pages", "attachments", "skipped", "failures", "schema_migrations"):
        assert columns(store, table), table
    assert store.db.journal_mode == "wal"


def test_migrations_are_idempotent(tmp_path):
    path = tmp_path / "m.db"
    first = ReportStore(path, migrate=False)
    assert first.migrate() == [version for version, _, _ in MIGRATIONS]
    assert first.migrate() == []
    first.close()
    again = ReportStore(path)  # migrates on open: nothing left to do
    versions = [row[0] for row in again.db.execute("SELECT version FROM schema_migrations")]
    assert versions == [version for version, _, _ in MIGRATIONS]
    again.close()


def test_report_id_is_stable_and_derived_from_the_url():
    assert report_id(URL) == report_id(URL)
    assert len(report_id(URL)) == 16
    assert report_id(URL) != report_id(URL + "?x=1")


def test_save_outcomes_writes_report_cells_and_checks(store):
    store.save_outcomes([ParseOutcome(URL, make_report(), encoding="utf-8")])
    row = store.db.execute(
        "SELECT id, url, year, format, encoding, warnings_json FROM reports"
    ).fetchone()
    assert row == (report_id(URL), URL, 2023, "2021", "utf-8", '["t4 incomplete"]')
    cells = dict(store.db.execute("SELECT key, value FROM report_cells").fetchall())
    assert cells == {"t3.new_received.natural_person": 5, "t2.fees.amount": 1.5}
    assert isinstance(cells["t3.new_received.natural_person"], int)  # not 5.0
    checks = store.db.execute("SELECT name, ok, detail FROM report_checks ORDER BY name").fetchall()
    assert checks == [("t3.balance.natural_person", 1, ""), ("t3.balance.total", 0, "1+2=3 ≠ 4")]


def test_resaving_replaces_cells_and_never_duplicates(store):
    store.save_outcomes([ParseOutcome(URL, make_report())])
    store.save_outcomes(
        [
            ParseOutcome(
                URL,
                make_report(
                    title="新标题", cells=[Cell("t3.new_received.total", 7, "7")], checks=[]
                ),
            )
        ]
    )
    assert store.counts()["reports"] == 1
    assert store.db.execute("SELECT title FROM reports").fetchone() == ("新标题",)
    assert store.db.execute("SELECT key, value FROM report_cells").fetchall() == [
        ("t3.new_received.total", 7)
    ]
    assert store.counts()["report_checks"] == 0


def test_duplicate_cell_keys_keep_the_last(store):
    cells = [Cell("t3.new_received.total", 1, "1"), Cell("t3.new_received.total", 2, "2")]
    store.save_outcomes([ParseOutcome(URL, make_report(cells=cells))])
    assert store.db.execute("SELECT value FROM report_cells").fetchall() == [(2,)]


def test_a_non_report_outcome_removes_a_stale_report(store):
    store.save_outcomes([ParseOutcome(URL, make_report())])
    result = store.save_outcomes([ParseOutcome(URL, None, reason="not a report")])
    assert (result["saved"], result["removed"]) == (0, 1)
    assert store.counts()["reports"] == store.counts()["report_cells"] == 0


def test_save_outcomes_is_one_transaction(store):
    """A failure half-way leaves nothing of the batch behind."""
    good = ParseOutcome(URL, make_report())
    broken = ParseOutcome(URL + "2", make_report(URL + "2"))
    broken.report.cells = [object()]  # no .key: fails while writing cells
    with pytest.raises(AttributeError):
        store.save_outcomes([good, broken])
    assert store.counts()["reports"] == 0
    assert store.counts()["report_cells"] == 0


def test_save_page_compresses_and_reports_changes(store):
    body = "<html>报告</html>".encode()
    assert store.save_page(URL, 200, body, "text/html", "utf-8", "report") is True
    assert store.page_unchanged(URL, content_hash(body))
    assert store.save_page(URL, 200, body, "text/html", "utf-8", "report") is False
    assert store.save_page(URL, 200, body + b"!", "text/html", "utf-8", "report") is True
    stored = store.db.execute("SELECT body, kind FROM pages").fetchone()
    assert zlib.decompress(stored[0]) == body + b"!" and stored[1] == "report"
    assert store.counts()["pages"] == 1
    assert [p.body for p in store.iter_pages()] == [body + b"!"]


def test_a_fetched_page_clears_its_failure(store):
    store.save_failure(URL, "HTTP 503", "try later")
    store.save_failure(URL, "HTTP 503", "again")
    assert store.counts()["failures"] == 1
    store.save_page(URL, 200, b"x", None, None, "other")
    assert store.counts()["failures"] == 0


def test_iter_pages_knows_the_page_linking_an_attachment(store):
    pdf = "http://example.gov.cn/a.pdf"
    store.save_page(pdf, 200, b"%PDF-1.4", "application/pdf", None, "attachment")
    store.save_attachment(URL, pdf, "report")
    store.save_attachment(URL, pdf, "report")  # upsert
    assert store.counts()["attachments"] == 1
    (page,) = store.iter_pages(["attachment"])
    assert page.source_page == URL


def passes_on(pipeline, item):
    """What the storage pipeline hands on (to feeds): the item, or None when consumed."""
    try:
        return pipeline.process_item(item)
    except Stored:
        return None


def test_pipeline_batches_writes_and_flushes_on_close(tmp_path):
    path = tmp_path / "p.db"
    pipeline = SqliteStorePipeline(str(path), batch_size=3)
    pipeline.open_spider()
    items = [
        PageItem(URL, 200, b"<html></html>", "text/html", "utf-8", "report", "report", "s"),
        OutcomeItem(ParseOutcome(URL, make_report())),
        SkippedItem(URL + "x", "法治政府建设年度报告", "excluded: 法治", URL),
        AttachmentItem(URL, URL + ".pdf", "queued"),
        FailureItem(URL + "y", "HTTP 404"),
    ]
    passed = [passes_on(pipeline, item) for item in items[:2]]
    assert not sqlite3.connect(path).execute("SELECT count(*) FROM pages").fetchone()[0]
    passed += [passes_on(pipeline, item) for item in items[2:]]
    pipeline.close_spider()
    # Only the report goes on (to feed exports), as a record; the rest is consumed.
    assert [type(item).__name__ for item in passed if item] == ["ReportRecord"]
    conn = sqlite3.connect(path)
    assert [
        conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("pages", "reports", "skipped", "attachments", "failures")
    ] == [1] * 5


def test_a_document_item_is_stored_part_by_part_and_its_report_goes_on(tmp_path):
    path = tmp_path / "d.db"
    pipeline = SqliteStorePipeline(str(path), batch_size=50)
    pipeline.open_spider()
    parts = [
        OutcomeItem(ParseOutcome(URL, make_report())),
        AttachmentItem(URL, URL + ".pdf", "queued"),
        PageItem(URL, 200, b"<html></html>", "text/html", "utf-8", "report", "report", "s"),
    ]
    passed = passes_on(pipeline, DocumentItem(URL, parts))
    assert len(pipeline.buffer) == 3  # a batch counts the parts it writes
    pipeline.close_spider()
    assert type(passed).__name__ == "ReportRecord" and passed.url == URL
    conn = sqlite3.connect(path)
    assert [
        conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("pages", "reports", "attachments")
    ] == [1] * 3


def test_pipeline_flushes_early_on_large_bodies(tmp_path):
    pipeline = SqliteStorePipeline(str(tmp_path / "b.db"), batch_size=100, batch_bytes=10)
    pipeline.open_spider()
    passes_on(pipeline, PageItem(URL, 200, b"x" * 11, None, None, "attachment"))
    assert pipeline.buffer == []  # handed to the writer thread
    pipeline.wait()
    assert pipeline.store.counts()["pages"] == 1
    pipeline.close_spider()


class CountingStats:
    def __init__(self):
        self.values: dict[str, int] = {}

    def inc_value(self, key, count=1, start=0):
        self.values[key] = self.values.get(key, start) + count


def test_pipeline_writes_batches_in_order_off_the_calling_thread(tmp_path):
    """One item a batch, so that each is written by the writer thread on its own: a
    refused outcome still holds back its page's body, which comes in a later batch,
    and the stats of every batch are counted once the pipeline closes."""
    path = tmp_path / "t.db"
    ReportStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON reports WHEN NEW.url LIKE '%bad%'"
        " BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    conn.commit()
    conn.close()
    stats = CountingStats()
    pipeline = SqliteStorePipeline(str(path), batch_size=1, stats=stats)
    pipeline.open_spider()
    bad, urls = URL + "bad", [f"{URL}{n}" for n in range(20)]
    items = [
        OutcomeItem(ParseOutcome(bad, make_report())),
        PageItem(bad, 200, b"b", None, None, "report"),
    ]
    for url in urls:
        items += [
            OutcomeItem(ParseOutcome(url, make_report())),
            PageItem(url, 200, b"x", None, None, "report"),
        ]
    for item in items:
        passes_on(pipeline, item)
    assert pipeline.writer.thread is not None  # written by a thread of the pipeline's own
    pipeline.close_spider()
    conn = sqlite3.connect(path)
    assert {row[0] for row in conn.execute("SELECT url FROM pages")} == set(urls)
    assert {row[0] for row in conn.execute("SELECT url FROM reports")} == set(urls)
    assert conn.execute("SELECT reason FROM failures WHERE url = ?", [bad]).fetchone() == (
        "storage error",
    )
    assert stats.values["store/batches"] == len(items)
    assert stats.values["store/reports_new"] == len(urls)
    assert stats.values["store/errors"] == 1


def test_write_items_is_one_transaction(store):
    items = [PageItem(URL, 200, b"x", None, None, "other"), object()]
    # An unknown item is recorded as a storage error, not fatal; a broken one rolls back
    # the batch.
    assert write_items(store, items)["errors"] == 1
    assert store.counts()["pages"] == 1
    failures = store.db.conn.execute("SELECT reason, detail FROM failures").fetchall()
    assert failures == [("storage error", "object: TypeError: not an item the store knows: object")]
    bad = [
        PageItem(URL + "2", 200, b"x", None, None, "other"),
        OutcomeItem(ParseOutcome(URL, make_report(cells=[object()]))),
    ]
    with pytest.raises(AttributeError):
        write_items(store, bad)
    assert store.counts()["pages"] == 1
