"""One report, one row, however many URLs hold it (output/identity.py; issue 10).

Reports here are the real Shanghai 2019 report in the fault server's page template
(demo.faultserver.report_page), under another organ's name where a test needs another
report; the corrected editions change one real figure.
"""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from demo.faultserver import FaultServer, report_page
from output.identity import text_hash
from output.search import search
from output.store import MIGRATIONS, ReportStore, report_id
from parsers import parse_document
from parsers.model import ParseOutcome
from parsers.normalize import encodable, squash
from tests.crawl_helpers import last_run, rows, run_nightly

BASE = "http://127.0.0.1:9"


def outcome(url: str, organ: str | None = None, body: bytes | None = None) -> ParseOutcome:
    parsed = parse_document(body or report_page(organ), url, "text/html", None)
    assert parsed.report is not None and parsed.report.cells
    return parsed


def corrected(organ: str | None = None) -> bytes:
    """The report with one figure corrected (表三 自然人 新收 821 -> 822)."""
    page = report_page(organ)
    marker = b'<p align="center">821</p>'
    assert page.count(marker) == 1
    return page.replace(marker, b'<p align="center">822</p>')


def retemplated(organ: str | None = None) -> bytes:
    """The same report in another page: other wording around the same figures."""
    page = report_page(organ).decode("utf-8")
    first = "本年度报告根据"
    assert first in page
    return page.replace(first, "本报告依照", 1).encode("utf-8")


def count(store: ReportStore, sql: str, params=()) -> int:
    return store.db.execute(sql, params).fetchone()[0]


@pytest.fixture()
def store(tmp_path):
    store = ReportStore(tmp_path / "r.db")
    yield store
    store.close()


def test_the_same_report_under_two_unrelated_urls_is_one_row_with_an_alias(store):
    first, mirror = f"{BASE}/r/a.html", f"{BASE}/mirror/copy.html?id=7"
    assert store.save_outcomes([outcome(first)])["new"] == 1
    counts = store.save_outcomes([outcome(mirror)])
    assert counts["aliases"] == 1 and counts["new"] == 0
    assert count(store, "SELECT count(*) FROM reports") == 1
    assert store.db.execute("SELECT id, url FROM reports").fetchone() == (report_id(first), first)
    assert dict(store.db.execute("SELECT url, matched_by FROM report_urls")) == {
        first: "url",
        mirror: "text",
    }
    # The alias is known from now on: the next crawl of it finds the stored report.
    assert store.report_cell_count(mirror) == store.report_cell_count(first) == 198
    assert store.report_urls(mirror) == store.report_urls(first) == [first, mirror]
    again = store.save_outcomes([outcome(mirror)])
    assert again["updated"] == 1 and count(store, "SELECT count(*) FROM reports") == 1
    # Its own address stays the report's URL, whichever address was parsed last.
    assert store.db.execute("SELECT url FROM reports").fetchone() == (first,)


def test_views_exports_and_search_count_a_report_under_two_urls_once(store, tmp_path):
    store.save_outcomes([outcome(f"{BASE}/r/a.html"), outcome(f"{BASE}/b/other.html")])
    store.save_outcomes([outcome(f"{BASE}/r/c.html", "示范县丙局")])
    assert count(store, "SELECT count(*) FROM report_overview") == 2
    assert count(store, "SELECT count(*) FROM t3_totals") == 2
    assert count(store, "SELECT count(DISTINCT report_id) FROM t3_rows") == 2
    totals = store.db.execute("SELECT sum(new_requests) FROM report_overview").fetchone()[0]
    assert totals == 2 * 859  # each report's 859 once, not the first one twice
    assert len(search(store.db.conn, "政务公开工作平台")) == 2


def test_session_id_variants_are_one_row_and_one_address(store):
    for sid in (11, 12, 13):
        store.save_outcomes([outcome(f"{BASE}/r/a.html?sid={sid}&t=17000000{sid}")])
    assert count(store, "SELECT count(*) FROM reports") == 1
    assert [r[0] for r in store.db.execute("SELECT url FROM report_urls")] == [f"{BASE}/r/a.html"]


def test_two_reports_of_one_organ_and_year_with_other_cells_are_two_rows(store):
    store.save_outcomes([outcome(f"{BASE}/r/a.html")])
    other = outcome(f"{BASE}/r/b.html", body=retemplated())  # same wording nearly ...
    cell = next(c for c in other.report.cells if c.value == 821)
    cell.value, cell.raw = 820, "820"  # ... other figures
    counts = store.save_outcomes([other])
    assert counts["new"] == 1
    assert count(store, "SELECT count(*) FROM reports") == 2
    organs = {row for row in store.db.execute("SELECT organ, year FROM reports")}
    assert organs == {("上海市人民政府办公厅", 2019)}


def test_the_same_figures_in_other_words_are_the_same_report(store):
    store.save_outcomes([outcome(f"{BASE}/r/a.html")])
    counts = store.save_outcomes([outcome(f"{BASE}/mirror/a.html", body=retemplated())])
    assert counts["aliases"] == 1 and count(store, "SELECT count(*) FROM reports") == 1
    matched = store.db.execute(
        "SELECT matched_by FROM report_urls WHERE url = ?", [f"{BASE}/mirror/a.html"]
    ).fetchone()
    assert matched == ("cells",)


def test_a_corrected_edition_at_a_new_url_is_another_row_and_at_its_own_url_replaces(store):
    """The rule (docs/schema.md, Identity): other figures are another report; nothing
    tells a correction from a different document, and a wrong merge would lose one."""
    old, new = f"{BASE}/r/a.html", f"{BASE}/r/a-corrected.html"
    store.save_outcomes([outcome(old)])
    store.save_outcomes([outcome(new, body=corrected())])
    figures = dict(
        store.db.execute(
            "SELECT r.url, c.value FROM reports r JOIN report_cells c ON c.report_id = r.id"
            " WHERE c.key = 't3.new_received.natural_person'"
        )
    )
    assert figures == {old: 821, new: 822}
    # At the address it already has, a corrected edition replaces the old one ...
    own = f"{BASE}/r/c.html"
    store.save_outcomes([outcome(own, "示范县丙局")])
    counts = store.save_outcomes([outcome(own, body=corrected("示范县丙局"))])
    assert counts["updated"] == 1 and count(store, "SELECT count(*) FROM reports") == 3
    assert store.report_summary(own)[2]["t3.new_received.natural_person"] == 822
    # ... and where the corrected edition is stored already, the old address joins it.
    counts = store.save_outcomes([outcome(old, body=corrected())])
    assert counts["aliases"] == 1 and counts["removed"] == 1
    assert count(store, "SELECT count(*) FROM reports") == 2
    assert store.report_urls(old) == [new, old]


def test_an_alias_that_now_serves_another_report_leaves_the_first_one_intact(store):
    first, mirror = f"{BASE}/r/a.html", f"{BASE}/mirror/a.html"
    store.save_outcomes([outcome(first), outcome(mirror)])
    counts = store.save_outcomes([outcome(mirror, "示范县乙局")])
    assert counts["new"] == 1 and count(store, "SELECT count(*) FROM reports") == 2
    assert store.report_summary(first)[0] == "上海市人民政府办公厅"
    assert store.report_summary(mirror)[0] == "示范县乙局"
    assert store.report_urls(first) == [first]


def test_an_address_without_the_report_any_more_removes_the_address_not_the_report(store):
    first, mirror = f"{BASE}/r/a.html", f"{BASE}/mirror/a.html"
    store.save_outcomes([outcome(first), outcome(mirror)])
    gone = store.save_outcomes([ParseOutcome(first, None, "not a report")])
    assert gone["removed"] == 0
    # The report stays, under the address that still holds it.
    assert store.db.execute("SELECT url FROM reports").fetchall() == [(mirror,)]
    assert store.report_cell_count(first) is None and store.report_cell_count(mirror) == 198
    assert store.save_outcomes([ParseOutcome(mirror, None, "not a report")])["removed"] == 1
    assert count(store, "SELECT count(*) FROM reports") == 0
    assert count(store, "SELECT count(*) FROM report_urls") == 0
    # Its first address holds it again: a new row, under the id that address gives.
    store.save_outcomes([outcome(first)])
    assert store.db.execute("SELECT id FROM reports").fetchone() == (report_id(first),)


def test_a_fuller_parse_under_a_new_url_keeps_the_better_copy(store):
    first, mirror = f"{BASE}/r/a.html", f"{BASE}/mirror/a.html"
    thin = outcome(first)
    thin.report.cells = thin.report.cells[:50]
    store.save_outcomes([thin])
    assert store.save_outcomes([outcome(mirror)])["aliases"] == 1  # same text, more cells
    assert store.report_cell_count(first) == 198
    assert store.db.execute("SELECT id, url FROM reports").fetchone() == (report_id(first), first)
    fewer = outcome(f"{BASE}/third/a.html")
    fewer.report.cells = fewer.report.cells[:10]
    store.save_outcomes([fewer])
    assert store.report_cell_count(first) == 198  # a thinner copy changes nothing


def test_text_hash_ignores_layout_and_needs_enough_text():
    text = outcome(f"{BASE}/r/a.html").report.body_text
    assert text_hash(text) == text_hash(text.replace("\n", "\n\n  ").replace("。", "。 "))
    assert text_hash(text) != text_hash(text.replace("821", "822"))
    assert text_hash("2019年政府信息公开工作年度报告") is None


@pytest.mark.parametrize(
    "oddity",
    ["", "\ud800", "\udfff tail", "\ud83d\ude00", "\ud800\ud800"],
    ids=["none", "lone high surrogate", "lone low surrogate", "surrogate pair", "two highs"],
)
def test_text_hash_is_the_sha256_of_the_squashed_text_made_encodable(oddity):
    # The hash of a text UTF-8 refuses (a lone surrogate from a JSON escape) is that of
    # its encodable form, as it was before the text was encoded without a look first.
    text = outcome(f"{BASE}/r/a.html").report.body_text[:300] + oddity
    expected = hashlib.sha256(encodable(squash(text)).encode("utf-8")).hexdigest()
    assert text_hash(text) == expected


def test_migration_6_gives_stored_reports_their_addresses_and_merges_copies(tmp_path):
    path = tmp_path / "old.db"
    old = ReportStore(path, migrate=False)
    conn = old.db.conn
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
    )
    for version, name, sql in MIGRATIONS:
        if version < 6:
            conn.executescript(sql)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, '')", [version, name])
    body = outcome(f"{BASE}/r/a.html").report.body_text
    for n, (url, cells) in enumerate([("a.html?sid=1", 3), ("b.html", 5), ("c.html", 1)]):
        rid = f"r{n}"
        conn.execute(
            "INSERT INTO reports (id, url, organ, year, body_text, parsed_at)"
            " VALUES (?, ?, '示范县', 2019, ?, ?)",
            [rid, f"{BASE}/r/{url}", body if n < 2 else "其他", f"2024-01-0{n + 1}"],
        )
        conn.executemany(
            "INSERT INTO report_cells (report_id, key, value) VALUES (?, ?, 1)",
            [(rid, f"t3.k{k}") for k in range(cells)],
        )
    conn.commit()
    old.close()
    store = ReportStore(path)
    assert count(store, "SELECT count(*) FROM reports") == 2  # r0's text is r1's: merged
    addresses = dict(store.db.execute("SELECT url, report_id FROM report_urls"))
    # The copy with more cells stays; the other's address (made canonical) is its alias.
    assert addresses == {
        f"{BASE}/r/a.html": "r1",
        f"{BASE}/r/b.html": "r1",
        f"{BASE}/r/c.html": "r2",
    }
    assert count(store, "SELECT count(*) FROM report_cells WHERE report_id = 'r0'") == 0
    assert store.db.execute("SELECT text_hash FROM reports WHERE id = 'r1'").fetchone() == (
        text_hash(body),
    )
    assert count(store, "SELECT count(*) FROM report_overview") == 2
    store.close()


@pytest.mark.e2e
def test_crawl_stores_a_report_linked_under_two_unrelated_urls_once(tmp_path):
    site = tmp_path / "site"
    for path in ("r/a.html", "mirror/2019/copy.html"):
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(report_page())
    (site / "r/b.html").write_bytes(report_page("示范县乙局"))
    title = "{}2019年政府信息公开工作年度报告"
    links = [("/r/a.html", title.format("上海市人民政府办公厅")),
             ("/mirror/2019/copy.html", title.format("（转载）上海市人民政府办公厅")),
             ("/r/b.html", title.format("示范县乙局"))]  # fmt: skip
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    (site / "list.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>信息公开年报</title></head>'
        f'<body><ul class="list">{items}</ul></body></html>',
        encoding="utf-8",
    )
    db = tmp_path / "alias.db"
    with FaultServer(site, lifetime=120) as server:
        for run in (1, 2):
            result = run_nightly(
                db, "-a", f"start_url={server.base_url}/list.html",
                "-s", "ATTACHMENTS_POLICY=never",
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-3000:]
            assert rows(db, "SELECT count(*) FROM reports") == [(2,)]
            addresses = dict(rows(db, "SELECT url, matched_by FROM report_urls"))
            copies = [f"{server.base_url}/r/a.html", f"{server.base_url}/mirror/2019/copy.html"]
            # Whichever copy was stored first holds the row; the other joins it by its text.
            assert sorted(addresses[url] for url in copies) == ["text", "url"]
            assert addresses[f"{server.base_url}/r/b.html"] == "url"
            assert len(addresses) == 3
            if run == 1:
                assert '"store/reports_aliases": 1' in last_run(db)["stats_json"]
                assert last_run(db)["reports_new"] == 2
    # Both addresses were fetched and kept as pages; the second run added no report.
    assert rows(db, "SELECT count(*) FROM pages WHERE kind = 'report'") == [(3,)]
    assert last_run(db)["reports_new"] == 0
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM report_overview").fetchone() == (2,)
    finally:
        conn.close()


def test_an_address_now_holding_another_stored_report_joins_it(store):
    """A portal that replaced a page with a copy of another report: one row each, no copy."""
    a, b = f"{BASE}/r/a.html", f"{BASE}/r/b.html"
    store.save_outcomes([outcome(a, "示范县甲局"), outcome(b, "示范县乙局")])
    counts = store.save_outcomes([outcome(a, "示范县乙局")])
    assert counts["aliases"] == 1 and counts["removed"] == 1
    assert [r[0] for r in store.db.execute("SELECT organ FROM reports")] == ["示范县乙局"]
    assert store.report_urls(a) == [b, a]


def test_a_few_shared_figures_do_not_make_two_documents_one(store):
    """Two short documents of one organ and year quoting the same two totals."""
    for url, text in ((f"{BASE}/n/1.html", "通知一"), (f"{BASE}/n/2.html", "通知二")):
        parsed = outcome(url)
        parsed.report.body_text, parsed.report.cells = text, parsed.report.cells[:19]
        store.save_outcomes([parsed])
    assert count(store, "SELECT count(*) FROM reports") == 2
