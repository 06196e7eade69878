"""A nightly crawl of a column whose reports are bombs, slow documents and good reports:
the crawl goes on, each bad document is recorded with the limit it hit, every good
report is stored, and the run tells the truth (issue 10)."""

from __future__ import annotations

import pytest

from demo.faultserver import FaultServer, build_portal
from tests import bombs
from tests.crawl_helpers import failure_reasons, last_run, report_names, rows, run_nightly

pytestmark = pytest.mark.e2e

HOSTILE = {
    "flate_bomb": lambda: bombs.pdf_flate_bomb(100 << 20),
    "many_pages": lambda: bombs.pdf_many_pages(20_000),
    "zip_bomb": lambda: bombs.docx_zip_bomb(100 << 20),
    "wide_span": lambda: bombs.docx_huge_span(50_000_000),
    # Many CPU seconds of reading, whatever our parsers' speed (an HTML page of tables
    # made slow enough kept becoming fast enough for the 1 s limit as the parsers sped up).
    "slow_page": bombs.pdf_slow,
}
GOOD = ["good_1", "good_2", "good_3"]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-docs")
    paths = build_portal(tmp / "site", GOOD + list(HOSTILE))
    for name, build in HOSTILE.items():
        (tmp / "site" / paths[name].lstrip("/")).write_bytes(build())
    db = tmp / "hostile.db"
    with FaultServer(tmp / "site", {}, lifetime=240) as server:
        result = run_nightly(
            db,
            "-a", f"start_url={server.base_url}/list.html",
            "-s", "ATTACHMENTS_POLICY=never",
            # One CPU second: the good reports take a fraction of it, the slow PDF far more.
            "-s", "PARSE_TIMEOUT=1",
            "-s", "PARSE_TIMEOUT_PER_PAGE=0",
            "-s", "PARSE_WORKERS=2",
            timeout=240,
        )  # fmt: skip
    return db, result


def test_crawl_with_hostile_documents_goes_on_and_ends_ok(crawl):
    db, result = crawl
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout
    assert "Traceback" not in db.with_suffix(".log").read_text(encoding="utf-8")
    assert last_run(db)["status"] == "ok"


def test_every_good_report_is_stored(crawl):
    db, _ = crawl
    assert report_names(db) == {f"{name}.html" for name in GOOD}
    for name in GOOD:
        cells = rows(
            db,
            "SELECT count(*) FROM report_cells c JOIN reports r ON r.id = c.report_id"
            " WHERE r.url LIKE ?",
            (f"%/{name}.html",),
        )[0][0]
        assert cells >= 198


def test_each_hostile_document_is_recorded_with_the_limit_it_hit(crawl):
    db, _ = crawl
    reasons = failure_reasons(db)
    details = dict(rows(db, "SELECT url, detail FROM failures"))
    for name in ("flate_bomb", "many_pages", "zip_bomb", "wide_span"):
        assert reasons[f"{name}.html"] == "too large", name
    assert reasons["slow_page.html"] == "too slow"
    by_name = {url.rsplit("/", 1)[1]: detail for url, detail in details.items()}
    assert "20000 PDF pages (limit 500)" in by_name["many_pages.html"]
    assert "time limit" in by_name["slow_page.html"]


def test_hostile_bodies_are_not_stored_as_done(crawl):
    db, _ = crawl
    stored = {url.rsplit("/", 1)[1] for (url,) in rows(db, "SELECT url FROM pages")}
    assert not {f"{name}.html" for name in HOSTILE} & stored
