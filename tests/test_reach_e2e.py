"""End to end: every way a report is reached, by real `scrapy crawl` runs on 127.0.0.1.

Most tests read one crawl of the bundled demo portal (all demo-* registry sites: TRS,
Hanweb with its data proxy, plain GBK found from its home page, a TRS column with a
JSON API, a gkmlpt site; see demo/portal/README.md). A few run their own crawl: an
ad-hoc `-a home=URL`, a re-crawl, and a report page that attaches its own report.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parsers import parse_document
from tests.crawl_helpers import last_stats, rows
from tests.helpers import gold_differences, gold_files, load_gold, stored_report

ROOT = Path(__file__).resolve().parent.parent
DEMO_PORTAL = ROOT / "demo" / "portal"
HONGZE_PDF = ROOT / "tests" / "fixtures" / "corpus" / "hongze-district-2023.pdf"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=INFO"]

pytestmark = pytest.mark.e2e


def crawl(db: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "scrapy", "crawl", "annual_reports"]
    command += ["-s", f"REPORTS_DB={db}", *FAST, *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def serve(root: Path):
    from demo.server import serve as start

    server, base_url = start(root, "127.0.0.1", port=0)
    return server, base_url.rstrip("/")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(base URL, database) after one crawl of every demo-* site; the server stays up."""
    if not DEMO_PORTAL.is_dir():
        pytest.skip("demo/portal is not built")
    server, base = serve(DEMO_PORTAL)
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    try:
        crawl(db, "-a", "site=demo-*", "-a", f"demo_base={base}")
        yield base, db
    finally:
        server.shutdown()
        server.server_close()


def paths(db: Path, sql: str, *params) -> list[str]:
    """The first column of sql's rows, as paths below the portal (no host)."""
    return sorted("/" + str(row[0]).split("/", 3)[3] for row in rows(db, sql, params))


# --- the whole demo ----------------------------------------------------------------------


def test_demo_crawl_reaches_every_gold_report_politely(demo):
    _, db = demo
    stats = last_stats(db)
    assert stats.get("robotstxt/request_count", 0) >= 1
    assert not any(key.startswith("failures/") for key in stats), stats
    sites = {site for (site,) in rows(db, "SELECT DISTINCT site FROM pages")}
    assert sites == {"demo-trs", "demo-hanweb", "demo-plain", "demo-trsapi", "demo-gkmlpt"}
    assert not any("/private/" in url for (url,) in rows(db, "SELECT url FROM pages"))
    reasons = {reason.split(":")[0] for (reason,) in rows(db, "SELECT reason FROM skipped")}
    assert reasons == {"excluded"}
    problems = {}
    for gold_path in gold_files():
        gold = load_gold(gold_path)
        report = stored_report(db, gold["source"])
        problems[gold_path.stem] = (
            gold_differences(report, gold) if report else ["no report stored"]
        )
    assert problems == {name: [] for name in problems}


def test_recrawl_of_the_demo_finds_everything_unchanged(demo, tmp_path):
    base, first_db = demo
    db = tmp_path / "again.db"
    shutil.copy(first_db, db)
    before = {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("reports", "report_cells")}
    crawl(db, "-a", "site=demo-*", "-a", f"demo_base={base}")
    second = last_stats(db)
    assert {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in before} == before
    first = last_stats(first_db)
    assert second["pages/unchanged"] == first["pages/report"] + first.get("pages/other", 0)
    assert "attachments/queued" not in second and "reports/saved" not in second


# --- encodings -----------------------------------------------------------------------------


def test_gbk_page_without_any_charset_is_decoded(demo):
    _, db = demo
    ((content_type, encoding, organ, title),) = rows(
        db,
        "SELECT p.content_type, p.encoding, r.organ, r.title FROM pages p"
        " JOIN reports r ON r.url = p.url WHERE p.url LIKE '%/000_ee48f4fde292f35b.html'",
    )
    assert content_type == "text/html" and encoding == "gb18030"
    assert organ == "靖宇县" and title.startswith("靖宇县2019年")


def test_gbk_page_under_a_utf8_header_is_decoded(demo):
    _, db = demo
    ((content_type, encoding, title),) = rows(
        db,
        "SELECT p.content_type, p.encoding, r.title FROM pages p"
        " JOIN reports r ON r.url = p.url WHERE p.url LIKE '%/001_594938079f36f576.html'",
    )
    assert "utf-8" in content_type.lower() and encoding == "gb18030"
    assert title.startswith("东丽区2022年")


# --- the CMS families ----------------------------------------------------------------------


def test_trs_column_is_paged_by_its_create_page_html_pager(demo):
    _, db = demo
    lists = paths(db, "SELECT url FROM pages WHERE site = 'demo-trs' AND kind = 'list'")
    assert lists == [
        f"/trs/zwgk/zfxxgknb/{name}" for name in ("index.html", "index_1.html", "index_2.html")
    ]
    reports = paths(db, "SELECT url FROM reports WHERE url LIKE '%/trs/%'")
    assert "/trs/zwgk/zfxxgknb/202402/004_c88faac3643766a2.html" in reports


def test_hanweb_column_is_paged_through_its_data_proxy_in_three_screens(demo):
    _, db = demo
    lists = paths(db, "SELECT url FROM pages WHERE site = 'demo-hanweb' AND kind = 'list'")
    proxy = "/hanweb/module/web/jpage/dataproxy.jsp"
    assert lists == [
        "/hanweb/col/col2150/index.html",
        f"{proxy}?startrecord=16&endrecord=30&perpage=15",
        f"{proxy}?startrecord=31&endrecord=40&perpage=15",
    ]
    # 40 items: one report (on the third screen, only the proxy lists it), 39 others.
    assert paths(db, "SELECT url FROM reports WHERE url LIKE '%/hanweb/%'") == [
        "/hanweb/art/2017/3/15/003_ff39032f2697628d.html"
    ]
    skipped = rows(db, "SELECT count(*) FROM skipped WHERE url LIKE '%/hanweb/%'")[0][0]
    assert skipped == 39


def test_trs_api_column_is_paged_until_a_page_brings_nothing_new(demo):
    _, db = demo
    lists = paths(db, "SELECT url FROM pages WHERE site = 'demo-trsapi' AND kind = 'list'")
    api = "/trsapi-site/trsapi/list?channelid=4127&page="
    # The API repeats its last page (3) for page 4: nothing new, no page 5.
    assert lists == [f"{api}2", f"{api}3", f"{api}4", "/trsapi-site/zwgk/zfxxgknb/index.html"]
    assert paths(db, "SELECT url FROM reports WHERE url LIKE '%/trsapi-site/%'") == [
        "/trsapi-site/zwgk/zfxxgknb/202001/shanghai-bgt-2019.html"
    ]


def test_gkmlpt_column_is_read_through_its_json_api(demo):
    _, db = demo
    lists = paths(db, "SELECT url FROM pages WHERE site = 'demo-gkmlpt' AND kind = 'list'")
    api = "/gkmlpt-site/gkmlpt/api/all/2?page="
    # 5 articles, 4 a page: two pages; the sid comes from the index page's script.
    assert lists == [f"{api}1&sid=760001", f"{api}2&sid=760001", "/gkmlpt-site/gkmlpt/index"]
    skipped = rows(db, "SELECT count(*) FROM skipped WHERE url LIKE '%/gkmlpt-site/%'")[0][0]
    assert skipped == 3


# --- attachments ---------------------------------------------------------------------------


def test_pdf_attachments_are_reports_that_name_their_page(demo):
    _, db = demo
    found = {
        url.rsplit("/", 1)[1]: source.rsplit("/", 1)[1]
        for url, source in rows(
            db, "SELECT url, source_page FROM reports WHERE url LIKE '%.pdf' ORDER BY url"
        )
    }
    assert found == {
        "hongze-district-2023.pdf": "t20240301_1005.html",  # behind a pdf.js viewer
        "huaian-city-2024.pdf": "004_c88faac3643766a2.html",  # a 附件 link of another report
    }


def test_docx_attachment_is_a_report_with_its_tables(demo):
    _, db = demo
    ((url, source, organ, cells),) = rows(
        db,
        "SELECT r.url, r.source_page, r.organ, count(c.key) FROM reports r"
        " JOIN report_cells c ON c.report_id = r.id WHERE r.url LIKE '%.docx' GROUP BY r.id",
    )
    assert url.endswith("/002_56f09fd46df237b3.docx") and source.endswith("/post_4190004.html")
    assert organ == "鄂伦春自治旗诺敏镇人民政府" and cells == 200


def test_scanned_pdf_is_recorded_not_parsed(demo):
    _, db = demo
    ((status, reason),) = rows(
        db,
        "SELECT a.status, p.parse_result FROM attachments a JOIN pages p"
        " ON p.url = a.attachment_url WHERE a.attachment_url LIKE '%/4190003.pdf'",
    )
    assert status == "scanned"
    assert reason.startswith("scanned PDF: 2 page(s) without a text layer, not read: page 1")
    assert rows(db, "SELECT count(*) FROM reports WHERE url LIKE '%/4190003.pdf'") == [(0,)]


def test_report_page_that_attaches_its_own_pdf_is_one_report(tmp_path):
    """A page holding the report's text, with the same report attached as PDF."""
    pdf = HONGZE_PDF.read_bytes()
    text = parse_document(pdf, "x.pdf").report.body_text
    lines = [line for line in text.splitlines() if not line.startswith("|")]
    title = "洪泽区人民政府2023年政府信息公开工作年度报告"
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    column = tmp_path / "site" / "zwgk" / "ndbg"
    (column / "202401").mkdir(parents=True)
    (column / "202401" / "t20240125_1.html").write_text(
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div class="article">{paragraphs}'
        f'<p>附件：<a href="./P020240125_1.pdf">{title}.pdf</a></p></div></body></html>',
        encoding="utf-8",
    )
    (column / "202401" / "P020240125_1.pdf").write_bytes(pdf)
    (column / "index.html").write_text(
        f'<html><body><ul><li><a href="./202401/t20240125_1.html">{title}</a></li></ul>'
        "</body></html>",
        encoding="utf-8",
    )
    server, base = serve(tmp_path / "site")
    db = tmp_path / "own.db"
    try:
        crawl(db, "-a", f"start_url={base}/zwgk/ndbg/index.html")
    finally:
        server.shutdown()
        server.server_close()
    assert paths(db, "SELECT url FROM reports") == ["/zwgk/ndbg/202401/t20240125_1.html"]
    assert rows(db, "SELECT status FROM attachments") == [("same report as page",)]


# --- finding the column from a home page ---------------------------------------------------


def test_registry_home_page_leads_to_the_column_through_the_zwgk_page(demo):
    """demo-plain gives only its home page, whose one report link is a short name
    (年度报告): the spider also looks one 政务公开 page further, then crawls the column."""
    _, db = demo
    assert paths(db, "SELECT url FROM pages WHERE site = 'demo-plain' AND kind = 'discovery'") == [
        "/plain/index.html",
        "/plain/xxgk/index.html",
    ]
    assert paths(db, "SELECT url FROM reports WHERE url LIKE '%/plain/%'") == [
        "/plain/xxgk/ndbg/000_ee48f4fde292f35b.html",
        "/plain/xxgk/ndbg/001_594938079f36f576.html",
    ]


def test_home_argument_discovers_and_crawls_the_column(demo, tmp_path):
    base, _ = demo
    db = tmp_path / "home.db"
    crawl(db, "-a", f"home={base}/hanweb/index.html")
    stats = last_stats(db)
    assert stats["discovery/columns"] == 1
    # The column's /col/colN/ address makes the guessed family Hanweb: its proxy is used.
    assert paths(db, "SELECT url FROM reports") == [
        "/hanweb/art/2017/3/15/003_ff39032f2697628d.html"
    ]
    assert paths(db, "SELECT url FROM pages WHERE kind = 'discovery'") == ["/hanweb/index.html"]
