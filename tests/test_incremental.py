"""Nightly runs after the first: cheap revalidation, and stored reports that never get worse.

The fault server sends ETag and Last-Modified and answers conditional requests with
304, as well-behaved portals do.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from demo.faultserver import FaultServer, build_portal
from tests.crawl_helpers import failure_reasons, last_run, report_names, rows, run_nightly, value

pytestmark = pytest.mark.e2e

NAMES = ["a", "b", "c"]
REPORT_FILES = {"a.html", "b.html", "c.html", "huaian-city-2024.pdf"}


def crawl(db, server, *args):
    result = run_nightly(db, "-a", f"start_url={server.base_url}/list.html", *args)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout
    return last_run(db)


def cells_by_report(db) -> dict[str, int]:
    return {
        url.rsplit("/", 1)[1]: count
        for url, count in rows(
            db,
            "SELECT r.url, count(c.key) FROM reports r"
            " LEFT JOIN report_cells c ON c.report_id = r.id GROUP BY r.url",
        )
    }


def hashes(db) -> dict[str, str]:
    return {url.rsplit("/", 1)[1]: h for url, h in rows(db, "SELECT url, content_hash FROM pages")}


def rewrite(path, data: bytes) -> None:
    """New content with a later mtime (Last-Modified has one-second resolution)."""
    path.write_bytes(data)
    later = time.time() + 5
    os.utime(path, (later, later))


@pytest.fixture()
def site(tmp_path):
    build_portal(tmp_path / "site", NAMES)
    with FaultServer(tmp_path / "site", lifetime=120) as server:
        yield tmp_path / "site", server


def test_second_run_revalidates_with_validators_and_304_keeps_the_stored_body(site, tmp_path):
    _, server = site
    db = tmp_path / "r.db"
    first = crawl(db, server)
    assert report_names(db) == REPORT_FILES
    assert (first["reports_new"], first["pages_unchanged"]) == (4, 0)
    stored = hashes(db)
    assert value(db, "SELECT count(*) FROM pages WHERE etag IS NOT NULL") == len(stored)
    seen = len(server.log)

    second = crawl(db, server)
    again = server.log[seen:]
    conditional = {e["path"] for e in again if e["if_none_match"] and e["if_modified_since"]}
    assert conditional == {"/r/a.html", "/r/b.html", "/r/c.html", "/r/huaian-city-2024.pdf"}
    # List pages are where new reports appear: always fetched in full.
    assert not any(e["if_none_match"] for e in again if "list" in e["path"])
    assert second["pages_unchanged"] == 4
    assert (second["reports_new"], second["reports_updated"]) == (0, 0)
    assert second["status"] == "ok"
    stats = rows(db, "SELECT stats_json FROM runs WHERE id = ?", (second["id"],))[0][0]
    assert '"conditional/not_modified": 4' in stats
    assert hashes(db) == stored  # a 304 never replaced a body


def test_changed_report_page_is_parsed_again_and_refresh_reparses_all(site, tmp_path):
    root, server = site
    db = tmp_path / "r.db"
    crawl(db, server)
    page = root / "r" / "b.html"
    rewrite(page, page.read_bytes().replace(b"</body>", b"<p>2024-03-01 updated</p></body>"))

    changed = crawl(db, server)
    assert (changed["reports_updated"], changed["pages_unchanged"]) == (1, 3)

    seen = len(server.log)
    refreshed = crawl(db, server, "--refresh")
    assert not any(e["if_none_match"] for e in server.log[seen:])
    assert (refreshed["reports_new"], refreshed["reports_updated"]) == (0, 4)
    assert report_names(db) == REPORT_FILES


def test_good_report_is_not_overwritten_by_broken_response(site, tmp_path):
    """A report page that comes back as an error page, with a table missing, or with a
    few bytes garbled keeps its stored report, cells and body."""
    root, server = site
    db = tmp_path / "r.db"
    crawl(db, server)
    good_cells, good_hashes = cells_by_report(db), hashes(db)

    # Each page is its own report (one body under three names would be one report).
    good = {name: (root / "r" / f"{name}.html").read_bytes() for name in ("a", "b", "c")}
    last_table = list(re.finditer(rb"<table.*?</table>", good["b"], re.S))[-1]
    maintenance = "<html><body><h1>系统维护中，请稍后访问</h1></body></html>"
    rewrite(root / "r" / "a.html", maintenance.encode())
    rewrite(root / "r" / "b.html", good["b"][: last_table.start()] + good["b"][last_table.end() :])
    garbled = bytearray(good["c"])
    garbled[6000], garbled[9000] = 0xFF, 0x80  # two stray bytes in a UTF-8 page
    rewrite(root / "r" / "c.html", bytes(garbled))

    run = crawl(db, server)
    assert cells_by_report(db) == good_cells
    now = hashes(db)
    for name in ("a.html", "b.html"):  # the good bodies stay, for reparse and next runs
        assert now[name] == good_hashes[name]
    reasons = failure_reasons(db)
    assert reasons["a.html"] == reasons["b.html"] == "worse parse kept old"
    # c.html: whether two stray bytes still parse depends on the parsers (see
    # test_hostile_input); either way the stored report did not get worse.
    assert reasons.get("c.html", "worse parse kept old") == "worse parse kept old"
    assert run["pages_failed"] >= 2 and run["reports_updated"] <= 1

    # The portal recovers: the next run finds the good pages unchanged, failures clear.
    for name in ("a", "b", "c"):
        rewrite(root / "r" / f"{name}.html", good[name])
    crawl(db, server)
    assert failure_reasons(db) == {}
    assert cells_by_report(db) == good_cells


def test_start_url_report_is_not_overwritten_by_a_maintenance_page(site, tmp_path):
    """A start URL that is a report page keeps its report and body when it later serves
    a maintenance page; reparse then still finds the good body (issue 10)."""
    root, server = site
    db = tmp_path / "start.db"
    start = f"{server.base_url}/r/a.html"
    result = run_nightly(db, "-a", f"start_url={start}", "-s", "ATTACHMENTS_POLICY=never")
    assert result.returncode == 0, result.stderr[-3000:]
    good_cells, good_hashes = cells_by_report(db), hashes(db)
    assert good_cells["a.html"] >= 198

    maintenance = "<html><body><h1>系统维护中，请稍后访问</h1></body></html>"
    rewrite(root / "r" / "a.html", maintenance.encode())
    result = run_nightly(db, "-a", f"start_url={start}", "-s", "ATTACHMENTS_POLICY=never")
    assert cells_by_report(db) == good_cells
    assert hashes(db)["a.html"] == good_hashes["a.html"]
    assert failure_reasons(db)["a.html"] == "worse parse kept old"

    from crawler.reparse import main

    assert main(["--db", str(db)]) == 0
    assert cells_by_report(db) == good_cells
