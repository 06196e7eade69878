"""End to end: a real `scrapy crawl annual_reports` against a tiny portal on 127.0.0.1.

The portal (tests/conftest.py: build_portal) has a two-page column holding two HTML
reports (one served as GB18030), a page that only wraps a PDF report, a
法治政府建设年度报告 and a notice to skip, and a report link on another host.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import CORPUS, page
from tests.crawl_helpers import last_stats, rows

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=INFO"]


def crawl(db: Path, *args: str, status: int = 0) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "annual_reports",
        "-s",
        f"REPORTS_DB={db}",
        *FAST,
        *args,
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == status, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def test_crawl_column_then_recrawl_unchanged(portal, tmp_path):
    base, paths = portal
    db = tmp_path / "reports.db"
    start = base + paths["column"]

    crawl(db, "-a", f"start_url={start}")

    reports = {
        url.rsplit("/", 1)[1]: (title, year, fmt, source)
        for url, title, year, fmt, source in rows(
            db, "SELECT url, title, year, format, source_page FROM reports"
        )
    }
    assert set(reports) == {
        "t20200131_1001.html",
        "t20200120_1002.html",
        "P020240131_hongze.pdf",
        "t20230112_2001.html",  # found in the sub-column …/ndbg/bmnb/
    }
    assert reports["t20200131_1001.html"][1:3] == (2019, "2019")
    assert reports["t20200120_1002.html"][0].startswith("靖宇县2019年")  # decoded from GB18030
    # The wrapper page holds no report: its PDF does, and remembers the page.
    assert reports["P020240131_hongze.pdf"][3].endswith("/202402/t20240131_1003.html")
    assert rows(db, "SELECT status FROM attachments") == [("report",)]

    shanghai_cells = rows(
        db,
        "SELECT count(*) FROM report_cells c JOIN reports r"
        " ON r.id = c.report_id WHERE r.url LIKE '%t20200131_1001.html'",
    )
    assert shanghai_cells[0][0] > 50

    skipped = dict(rows(db, "SELECT title, reason FROM skipped"))
    assert skipped["示范区2023年法治政府建设年度报告"].startswith("excluded")
    assert skipped["关于做好2023年政府信息公开工作年度报告编制工作的通知"].startswith("excluded")
    assert skipped["别处2022年政府信息公开工作年度报告"] == "offsite"
    kinds = dict(rows(db, "SELECT url, kind FROM pages"))
    assert sorted(kinds.values()) == [
        "attachment", "list", "list", "list", "other", "report", "report", "report",
    ]  # fmt: skip
    assert not any("offsite.example.com" in url for url in kinds)

    first = last_stats(db)
    assert first["list/pages"] == 3
    assert first["list/skipped_items"] == 2
    assert first["reports/saved"] == 4

    counts_before = {
        t: rows(db, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("reports", "report_cells", "report_checks", "pages", "attachments", "skipped")
    }

    # Second run: nothing new, report pages recognised as unchanged and not re-parsed.
    crawl(db, "-a", f"start_url={start}")
    counts_after = {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in counts_before}
    assert counts_after == counts_before
    second = last_stats(db)
    assert second["pages/unchanged"] == 4
    assert "reports/saved" not in second

    # refresh=1 re-parses everything and still duplicates nothing.
    crawl(db, "-a", f"start_url={start}", "-a", "refresh=1")
    assert last_stats(db)["reports/saved"] == 4
    assert {t: rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in counts_before} == counts_before


def test_start_url_that_is_a_report_page(portal, tmp_path):
    base, _ = portal
    db = tmp_path / "one.db"
    url = base + "/xxgk/ndbg/202001/t20200131_1001.html"
    crawl(db, "-a", f"start_url={url}")
    assert rows(db, "SELECT url, year FROM reports") == [(url, 2019)]
    assert rows(db, "SELECT kind FROM pages") == [("report",)]


def test_max_pages_caps_the_column(portal, tmp_path):
    base, paths = portal
    db = tmp_path / "capped.db"
    crawl(db, "-a", f"start_url={base + paths['column']}", "-a", "max_pages=1")
    stats = last_stats(db)
    assert stats["list/pages"] == 1
    assert stats["list/capped_sites"] == 1


# --- the bundled demo portal -------------------------------------------------------------

DEMO_PORTAL = ROOT / "demo" / "portal"
# The demo's own crawl (every demo-* site, scored against the gold) is in test_reach_e2e.py.


@pytest.fixture()
def demo_portal():
    server_module = pytest.importorskip("demo.server")
    if not DEMO_PORTAL.is_dir():
        pytest.skip("demo/portal is not built")
    server, base_url = server_module.serve(DEMO_PORTAL, "127.0.0.1", port=0)
    try:
        yield base_url.rstrip("/")
    finally:
        server.shutdown()
        server.server_close()


# --- a Hanweb column whose pager exists only in JS: the POST data proxy ----------------------


class HanwebHandler(SimpleHTTPRequestHandler):
    """Static files, plus POST answered with the file at the path (query ignored), the way
    /module/web/jpage/dataproxy.jsp answers; every POST form is recorded."""

    posts: ClassVar[list[str]] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        type(self).posts.append(self.rfile.read(length).decode("ascii"))
        self.path = self.path.split("?", 1)[0]
        self.do_GET()

    def guess_type(self, path):
        return (
            "text/html; charset=utf-8" if str(path).endswith(".jsp") else super().guess_type(path)
        )

    def log_message(self, format, *args):
        pass


PROXY_HREF = (
    "/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=2150"
    "&unitid=8001&permissiontype=0"
)


def build_hanweb(root: Path) -> None:
    shanghai = (CORPUS / "shanghai-bgt-2019.html").read_text(encoding="utf-8")
    art = root / "art" / "2020" / "1" / "31"
    art.mkdir(parents=True)
    (art / "art_2150_1.html").write_text(
        page("上海市人民政府办公厅2019年政府信息公开工作年度报告", shanghai), encoding="utf-8"
    )
    (art / "art_2150_2.html").write_text(
        page("某县2019年法治政府建设年度报告", "<p>法治</p>"), encoding="utf-8"
    )
    record = '<record><![CDATA[<li><a href="{}" title="{}">{}</a></li>]]></record>'
    column = root / "col" / "col2150"
    column.mkdir(parents=True)
    first = record.format("/art/2020/1/31/art_2150_2.html", "某县2019年法治政府建设年度报告", "x")
    (column / "index.html").write_text(
        page(
            "政府信息公开年报",
            f"""
<div id="8001"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{PROXY_HREF}"></a>]]></nextgroup>
<recordset>{first}</recordset></datastore></script></div>
<script>var totalRecord=3; var perpage=1;</script>""",
        ),
        encoding="utf-8",
    )
    proxy = root / "module" / "web" / "jpage"
    proxy.mkdir(parents=True)
    later = [
        record.format(
            "/art/2020/1/31/art_2150_1.html",
            "上海市人民政府办公厅2019年政府信息公开工作年度报告",
            "y",
        ),
        record.format(
            "/art/2020/1/31/art_2150_404.html", "某县2018年政府信息公开工作年度报告", "z"
        ),
    ]
    answer = f"<totalrecord>3</totalrecord><recordset>{''.join(later)}</recordset>"
    (proxy / "dataproxy.jsp").write_text(f"<datastore>{answer}</datastore>", encoding="utf-8")


def test_hanweb_column_paginated_through_the_data_proxy(tmp_path):
    root = tmp_path / "hanweb"
    build_hanweb(root)
    HanwebHandler.posts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(HanwebHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    db = tmp_path / "hanweb.db"
    try:
        crawl(db, "-a", f"start_url={base}/col/col2150/index.html")  # family guessed: hanweb
    finally:
        server.shutdown()
        server.server_close()
    assert [u.rsplit("/", 1)[1] for (u,) in rows(db, "SELECT url FROM reports")] == [
        "art_2150_1.html"
    ]
    assert len(HanwebHandler.posts) == 1
    form = dict(pair.split("=", 1) for pair in HanwebHandler.posts[0].split("&"))
    assert form["columnid"] == "2150" and form["unitid"] == "8001" and form["col"] == "1"
    proxied = [u for (u,) in rows(db, "SELECT url FROM pages WHERE url LIKE '%dataproxy%'")]
    assert proxied and "startrecord=2&endrecord=3&perpage=1" in proxied[0]
    assert rows(db, "SELECT reason FROM failures") == [("http 404",)]
    assert rows(db, "SELECT title FROM skipped") == [("某县2019年法治政府建设年度报告",)]


def test_robots_txt_is_obeyed(demo_portal, tmp_path):
    db = tmp_path / "robots.db"
    # Nothing could be fetched: the crawl says so by its exit status.
    crawl(db, "-a", f"start_url={demo_portal}/private/index.html", status=1)
    assert rows(db, "SELECT reason FROM failures") == [("robots.txt",)]
    assert rows(db, "SELECT count(*) FROM pages") == [(0,)]
