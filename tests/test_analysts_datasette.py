"""The analysts' app: a real Datasette on loopback over the demo database, over HTTP."""

from __future__ import annotations

import io
import sqlite3
import urllib.parse

import pytest

from tests.analyst_helpers import Datasette, demo_db

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def db():
    return demo_db()


@pytest.fixture(scope="module")
def app(db):
    server = Datasette(db)
    yield server
    server.close()


def texts(db) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, title, organ, body_text FROM reports").fetchall()
    finally:
        conn.close()
    return {rid: "\n".join(part or "" for part in parts) for rid, *parts in rows}


def terms_of(db) -> list[str]:
    """2-, 3- and 4-character terms taken from the stored reports, some in few of them."""
    found = []
    for text in texts(db).values():
        for length in (2, 3, 4):
            for start in (0, len(text) // 3, len(text) // 2):
                term = text[start : start + length]
                if len(term) == length and not any(c.isspace() for c in term):
                    found.append(term)
    return sorted(set(found))


def test_search_finds_every_report_holding_2_3_and_4_character_terms(app, db):
    stored = texts(db)
    terms = [*terms_of(db), "复议", "洪泽", "人民政府", "区人民政府"]
    assert {len(t) for t in terms} >= {2, 3, 4}
    for term in terms:
        rows = app.rows("search", q=term)
        expected = {rid for rid, text in stored.items() if term in text}
        assert {row["id"] for row in rows} == expected, term
        assert all(set(row) == {"id", "organ", "year", "title", "url", "snippet"} for row in rows)
    only = app.rows("search", q="洪泽")
    assert [row["organ"] for row in only] == ["洪泽区人民政府"]


@pytest.mark.parametrize("query", ['"', 'AND "复议', "复议 OR", "*", "-复议", "(复议", "NEAR(", ""])
def test_fts_syntax_in_a_query_is_text_and_never_an_error(app, db, query):
    stored = texts(db)
    rows = app.rows("search", q=query)
    term = query.strip()
    assert {row["id"] for row in rows} == {r for r, t in stored.items() if term and term in t}


def test_search_param_on_tables_and_views_finds_the_same_reports(app):
    ids = {row["id"] for row in app.rows("search", q="洪泽")}
    assert {row["id"] for row in app.rows("reports", _search="洪泽")} == ids
    t3 = app.rows("t3_rows", _search="洪泽")
    assert t3 and {row["report_id"] for row in t3} == ids


def test_failed_checks_query_lists_the_reports_with_failed_checks(app, db):
    conn = sqlite3.connect(db)
    expected = dict(
        conn.execute(
            "SELECT report_id, count(*) FROM report_checks WHERE ok = 0 GROUP BY report_id"
        ).fetchall()
    )
    conn.close()
    rows = app.rows("failed_checks")
    assert {row["id"]: row["failed_checks"] for row in rows} == expected
    assert {row["organ"] for row in rows} == {"上海市人民政府办公厅", "洪泽区人民政府"}
    hongze = next(r for r in rows if r["organ"] == "洪泽区人民政府")
    assert "t4.group_total.review" in hongze["checks"]


def test_one_body_across_years_and_all_bodies_of_a_year(app, db):
    rows = app.rows("body_across_years", organ="洪泽区")
    assert [(r["organ"], r["year"]) for r in rows] == [("洪泽区人民政府", 2023)]
    conn = sqlite3.connect(db)
    new_received, total = conn.execute(
        "SELECT max(CASE WHEN key = 't3.new_received.total' THEN value END),"
        " max(CASE WHEN key = 't3.total.total' THEN value END) FROM report_cells"
        " WHERE report_id = ?",
        [rows[0]["report_id"]],
    ).fetchone()
    organs_2023 = [r[0] for r in conn.execute(
        "SELECT DISTINCT r.organ FROM reports r JOIN report_cells c ON c.report_id = r.id"
        " WHERE r.year = 2023 AND c.key LIKE 't3.%' ORDER BY r.organ")]  # fmt: skip
    conn.close()
    assert (rows[0]["new_received"], rows[0]["total"]) == (new_received, total)
    side = app.rows("year_side_by_side", year="2023")
    assert [r["organ"] for r in side] == organs_2023
    assert len(organs_2023) >= 2


def test_labels_and_descriptions_show(app):
    page = app.get(f"/{app.name}/t3_rows?row_key=denied.three_safety").decode()
    assert "三、（三）不予公开 3.危及“三安全一稳定”" in page
    assert "Table 3 (requests received and handled) as printed" in page
    assert "表三（收到和处理政府信息公开申请情况）" in page
    keys = app.rows("cell_keys")
    assert len(keys) == 226
    home = app.get("/").decode()
    assert "政府信息公开工作年度报告" in home
    assert "Data: public government information" in app.get(f"/{app.name}").decode()


def test_csv_links_start_with_a_bom_and_xlsx_links_open(app):
    body = app.get(f"/{app.name}/report_overview.csv?_dl=1")
    assert body.startswith(b"\xef\xbb\xbf")
    assert "上海市人民政府办公厅" in body.decode("utf-8-sig")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(app.get(f"/{app.name}/report_overview.xlsx")))
    sheet = book.active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header[:3] == ["id", "organ", "year"]
    assert sheet.max_row == 1 + len(app.rows("report_overview"))


def test_charts_page_draws_requests_and_outcomes_per_year(app):
    page = app.get("/-/charts?" + urllib.parse.urlencode({"organ": "淮安市人民政府"}))
    text = page.decode()
    assert "<svg" in text and "淮安市人民政府" in text
    assert "2024 新收申请 new requests: 3119" in text
