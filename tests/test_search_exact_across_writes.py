"""Search answers exactly `term in text` after every kind of write, and inside the writing
transaction too, although reports_fts is filled once per transaction (migration 7): by
ReportStore (new report, update, alias, replacement, removal), by raw SQL from a program
that never indexes, by a writer killed mid-batch, and on a database upgraded from the
per-row triggers of before."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from output.search import search_ids
from output.store import MIGRATIONS, ReportStore, report_id
from parsers.model import Cell, Check, ParseOutcome, Report
from tests.analyst_helpers import ROOT, env

TERMS = [
    "复议",
    "行政复议",
    "政府信息",
    "改写后",
    "甲报告",
    "示范县人民政府",
    "诉讼",
    "乙",
    "新词语",
]
A, B, C = (f"http://x.gov.cn/{name}.html" for name in "abc")


def report(url: str, title: str, body: str, organ: str = "示范县人民政府") -> Report:
    return Report(
        url=url, title=title, organ=organ, year=2023, published=None, format="2021",
        body_text=body, cells=[Cell("t3.new_received.total", 5, "5")],
        checks=[Check("t3.balance.total", True, "")],
    )  # fmt: skip


def expected(conn, term: str) -> set[str]:
    rows = conn.execute("SELECT id, title, organ, body_text FROM reports")
    return {rid for rid, *parts in rows if any(term in (p or "") for p in parts)}


def trigrams(term: str) -> list[str]:
    return [term[i : i + 3] for i in range(len(term) - 2)]


def indexed(conn, term: str) -> set[str]:
    """What reports_fts alone answers (no pending scan, no instr check): the reports
    holding every trigram of term, in some column."""
    query = " AND ".join('"' + g.replace('"', '""') + '"' for g in trigrams(term))
    rows = conn.execute(
        "SELECT s.report_id FROM reports_fts JOIN report_search_ids s"
        " ON s.fts_rowid = reports_fts.rowid WHERE reports_fts MATCH ?",
        [query],
    )
    return {row[0] for row in rows}


def holding_trigrams(conn, term: str) -> set[str]:
    rows = conn.execute("SELECT id, title, organ, body_text FROM reports").fetchall()
    return {
        rid
        for rid, *parts in rows
        if all(any(g in (p or "") for p in parts) for g in trigrams(term))
    }


def pending(conn) -> int:
    return conn.execute("SELECT count(*) FROM report_search_pending").fetchone()[0]


def assert_exact(conn, *, flushed: bool = True) -> None:
    for term in TERMS:
        assert search_ids(conn, term) == expected(conn, term), term
        if flushed and len(term) >= 3:  # the index holds exactly what reports say now
            assert indexed(conn, term) == holding_trigrams(conn, term), term
    if flushed:
        assert pending(conn) == 0
        ids = {row[0] for row in conn.execute("SELECT report_id FROM report_search_ids")}
        assert ids == {row[0] for row in conn.execute("SELECT id FROM reports")}


def test_search_is_exact_after_each_kind_of_store_write(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    conn = store.db.conn
    long_text = "政府信息公开工作年度报告。" * 30  # long enough to identify a report by text
    counts = store.save_outcomes(
        [
            ParseOutcome(A, report(A, "甲报告", "行政复议两件" + long_text)),
            ParseOutcome(B, report(B, "乙报告", "没有诉讼")),
        ]
    )
    assert counts["new"] == 2
    assert_exact(conn)
    # The same text at a new address: an alias, not a second row.
    assert (
        store.save_outcomes([ParseOutcome(C, report(C, "甲报告", "行政复议两件" + long_text))])[
            "aliases"
        ]
        == 1
    )
    assert_exact(conn)
    # An update of an indexed report: its old words leave the index at once.
    store.save_outcomes([ParseOutcome(B, report(B, "乙报告", "改写后有新词语"))])
    assert search_ids(conn, "诉讼") == set()
    assert_exact(conn)
    # Its address now holds another report: replaced, then removed.
    store.save_outcomes([ParseOutcome(B, report(B, "丙报告", "另一份诉讼", organ="别的县"))])
    assert_exact(conn)
    store.save_outcomes([ParseOutcome(B, None, "not a report")])
    assert report_id(B) not in {row[0] for row in conn.execute("SELECT id FROM reports")}
    assert_exact(conn)
    store.close()


def test_search_is_exact_inside_the_writing_transaction(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    conn = store.db.conn
    store.save_outcomes([ParseOutcome(A, report(A, "甲报告", "行政复议两件"))])
    with store.transaction():
        store.save_outcomes([ParseOutcome(B, report(B, "乙报告", "新词语和诉讼"))])
        store.save_outcomes([ParseOutcome(A, report(A, "甲报告", "改写后"))])
        assert pending(conn) == 2  # noted, not yet indexed
        assert_exact(conn, flushed=False)
    assert_exact(conn)
    store.close()


def test_search_is_exact_after_raw_sql_writes_and_opening_indexes_them(tmp_path):
    path = tmp_path / "r.db"
    ReportStore(path).save_outcomes([ParseOutcome(A, report(A, "甲报告", "行政复议两件"))])
    raw = sqlite3.connect(path)  # another program: plain SQL, no index_pending
    raw.execute(
        "INSERT INTO reports (id, url, title, organ, body_text)"
        " VALUES ('r2', 'http://x/2', '乙报告', '示范县人民政府', '没有诉讼也没有新词语')"
    )
    raw.execute("INSERT INTO reports (id, url, title, body_text) VALUES ('r3', 'u3', '丙', '复议')")
    raw.commit()
    assert_exact(raw, flushed=False)
    raw.execute("UPDATE reports SET body_text = '改写后' WHERE id = ?", [report_id(A)])
    raw.execute("UPDATE reports SET id = 'r4' WHERE id = 'r3'")
    raw.execute("DELETE FROM reports WHERE id = 'r2'")
    raw.commit()
    assert search_ids(raw, "行政复议") == set()
    assert_exact(raw, flushed=False)
    raw.close()
    store = ReportStore(path)  # opening indexes what the raw writer left pending
    assert_exact(store.db.conn)
    store.close()


WRITER = textwrap.dedent(
    """
    import sys, time
    from output.store import ReportStore
    from tests.test_search_exact_across_writes import report
    from parsers.model import ParseOutcome
    store = ReportStore(sys.argv[1])
    with store.transaction():
        for n in range(20):
            url = f"http://x.gov.cn/killed{n}.html"
            store.save_outcomes([ParseOutcome(url, report(url, "未提交", f"新词语第{n}号"))])
        print("written", flush=True)
        time.sleep(120)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_writer_killed_mid_batch_leaves_search_exact(tmp_path):
    path = tmp_path / "r.db"
    store = ReportStore(path)
    store.save_outcomes([ParseOutcome(A, report(A, "甲报告", "行政复议两件"))])
    store.close()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], cwd=ROOT, env=env(),
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "written"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)
    store = ReportStore(path)
    conn = store.db.conn
    assert [row[0] for row in conn.execute("SELECT id FROM reports")] == [report_id(A)]
    assert search_ids(conn, "新词语") == set()
    assert_exact(conn)
    store.save_outcomes([ParseOutcome(B, report(B, "乙报告", "新词语"))])
    assert_exact(conn)
    store.close()


SCHEMA_6_INSERT_TRIGGER = """CREATE TRIGGER reports_search_insert AFTER INSERT ON reports BEGIN
    INSERT OR IGNORE INTO report_search_ids (report_id) VALUES (new.id);
    INSERT INTO reports_fts (rowid, title, organ, body_text)
        VALUES ((SELECT fts_rowid FROM report_search_ids WHERE report_id = new.id),
                new.title, new.organ, new.body_text);
END"""


def test_a_database_of_per_row_triggers_upgrades_with_search_exact(tmp_path):
    path = tmp_path / "old.db"
    store = ReportStore(path)
    store.save_outcomes([ParseOutcome(A, report(A, "甲报告", "行政复议两件"))])
    store.close()
    conn = sqlite3.connect(path)  # back to schema 6, its triggers indexing row by row
    for name in ("insert", "update", "delete"):
        conn.execute(f"DROP TRIGGER reports_search_{name}")
    conn.execute("DROP TABLE report_search_pending")
    conn.execute(SCHEMA_6_INSERT_TRIGGER)
    conn.execute("DELETE FROM schema_migrations WHERE version = 7")
    conn.execute("DELETE FROM derived_objects")
    conn.execute(
        "INSERT INTO reports (id, url, title, organ, body_text)"
        " VALUES ('r2', 'http://x/2', '乙报告', '示范县人民政府', '没有诉讼')"
    )
    conn.commit()
    conn.close()
    store = ReportStore(path)
    conn = store.db.conn
    versions = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    assert versions == {version for version, _, _ in MIGRATIONS}  # 7 applied again
    assert_exact(conn)
    store.save_outcomes([ParseOutcome(B, report(B, "丙报告", "改写后有新词语"))])
    assert_exact(conn)
    store.close()


def test_the_search_query_alone_finds_pending_reports_and_checks_what_the_index_finds(tmp_path):
    """The canned query (output/metadata.yaml) is the SQL above; a pending row is found by it
    without any Python of ours: a plain sqlite3 connection on a file left unindexed."""
    path = tmp_path / "r.db"
    ReportStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO reports (id, url, title, body_text) VALUES ('r', 'u', 't', '复议诉讼')"
    )
    raw.commit()
    assert pending(raw) == 1
    assert search_ids(raw, "复议诉讼") == {"r"} and indexed(raw, "复议诉讼") == set()
    # Every trigram of the term in the text, but not the term: found by the index, and
    # left out by the check of the search query.
    raw.execute(
        "INSERT INTO reports (id, url, title, body_text) VALUES ('s', 'v', 't', '复议诉x议诉讼')"
    )
    raw.commit()
    raw.close()
    store = ReportStore(path)
    assert indexed(store.db.conn, "复议诉讼") == {"r", "s"}
    assert search_ids(store.db.conn, "复议诉讼") == {"r"}
    store.close()
