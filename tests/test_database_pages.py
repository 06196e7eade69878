"""A new reports database is made of 8 KiB pages and every connection keeps 8 MB of them
cached (output.database: a batch of reports then writes half as many pages and spills
none before its COMMIT); a database made before keeps its own page size, and stores and
finds the same as a new one."""

from __future__ import annotations

import sqlite3

from output.database import CACHE_KIB, PAGE_SIZE
from output.search import search_ids
from output.store import ReportStore
from parsers.model import Cell, Check, ParseOutcome, Report


def outcome(number: int) -> ParseOutcome:
    text = f"第{number}号。" + "行政复议两件。" * 500
    report = Report(
        url=f"http://x.gov.cn/{number}.html", title=f"年度报告{number}", organ="示范县人民政府",
        year=2023, published=None, format="2021", body_text=text,
        cells=[Cell(f"t3.k{n:03d}.total", n * number, str(n)) for n in range(200)],
        checks=[Check("t3.balance.total", True, "")],
    )  # fmt: skip
    return ParseOutcome(report.url, report)


def pragma(store: ReportStore, name: str) -> int:
    return store.db.execute(f"PRAGMA {name}").fetchone()[0]


def test_a_new_database_has_8_kib_pages_and_an_8_mb_cache(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    assert (pragma(store, "page_size"), pragma(store, "cache_size")) == (8192, -8000)
    assert (PAGE_SIZE, CACHE_KIB) == (8192, 8000)
    assert pragma(store, "journal_mode") == "wal"
    store.close()


def test_a_database_made_with_4_kib_pages_keeps_them_and_stores_alike(tmp_path):
    conn = sqlite3.connect(tmp_path / "old.db")
    conn.execute("CREATE TABLE made_before (x)")  # the file exists with SQLite's 4 KiB pages
    conn.commit()
    conn.close()
    stores = [ReportStore(tmp_path / "old.db"), ReportStore(tmp_path / "new.db")]
    assert [pragma(store, "page_size") for store in stores] == [4096, 8192]
    for store in stores:
        store.save_outcomes([outcome(n) for n in range(30)])
    found = []
    for store in stores:
        rows = store.db.execute(
            "SELECT r.id, r.title, c.key, c.value FROM reports r JOIN report_cells c"
            " ON c.report_id = r.id ORDER BY r.id, c.key"
        ).fetchall()
        conn = store.db.conn
        found.append((rows, search_ids(conn, "行政复议"), search_ids(conn, "第7号")))
        store.close()
    assert found[0] == found[1]
    assert len(found[0][0]) == 30 * 200 and len(found[0][1]) == 30
