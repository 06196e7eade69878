"""Fan-out caps, one report once, and the site rule on every redirect (issue 10)."""

from __future__ import annotations

import json

import pytest

from demo.faultserver import Fault, FaultServer, build_portal, report_page
from output.urls import canonical_url
from tests.crawl_helpers import failure_reasons, last_run, report_names, rows, run_nightly

pytestmark = pytest.mark.e2e

TITLE = "示范县{n}号单位2023年政府信息公开工作年度报告"


def write_page(path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>信息公开年报</title></head>'
        f"<body>{body}</body></html>",
        encoding="utf-8",
    )


def column(links: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<li><a href="{href}">{text}</a><span>2024-02-09</span></li>' for href, text in links
    )
    return f'<ul class="list">{items}</ul>'


def stats(db) -> dict:
    return json.loads(last_run(db)["stats_json"])


def test_caps_on_report_links_attachments_and_requests_are_kept_and_recorded(tmp_path):
    site = tmp_path / "site"
    attachments = "".join(f'<a href="/f/{n}.pdf">附件{n}</a>' for n in range(8))
    page = report_page().replace(b"</body>", attachments.encode() + b"</body>")
    (site / "r").mkdir(parents=True)
    for n in range(60):
        (site / "r" / f"{n}.html").write_bytes(page)
    write_page(site / "list.html", column([(f"/r/{n}.html", TITLE.format(n=n)) for n in range(60)]))
    db = tmp_path / "caps.db"
    with FaultServer(site, lifetime=120) as server:
        result = run_nightly(
            db,
            "-a", f"start_url={server.base_url}/list.html",
            "-a", "max_pages=1",
            "-s", "MAX_REPORT_LINKS_PER_PAGE=20",
            "-s", "MAX_ATTACHMENTS_PER_PAGE=3",
            "-s", "MAX_REQUESTS_PER_SITE=50",
        )  # fmt: skip
        asked = [entry["path"] for entry in server.log if entry["path"] != "/robots.txt"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(asked) <= 1 + 50  # the start URL, then the site's budget
    skipped = dict(rows(db, "SELECT reason, count(*) FROM skipped GROUP BY reason"))
    assert skipped["cap: report links (20)"] == 40
    capped = rows(db, "SELECT count(*) FROM attachments WHERE status = 'capped'")[0][0]
    # Each page links 9 attachments (8 + the report's own PDF): 6 over the cap of 3; then
    # 20 report pages and 60 attachments want 80 requests of a budget of 50.
    assert capped == 20 * 6 + (20 + 20 * 3 - 50)
    recorded = stats(db)
    assert recorded["caps/report_links"] == 40
    assert recorded["caps/attachments"] + recorded["caps/requests"] == capped
    assert recorded["caps/attachments"] > 0 and recorded["caps/requests"] > 0


def test_columns_found_on_a_home_page_are_capped(tmp_path):
    site = tmp_path / "site"
    links = "".join(f'<a href="/c{n}/">政府信息公开年报</a>' for n in range(300))
    write_page(site / "index.html", links)
    for n in range(300):
        write_page(site / f"c{n}" / "index.html", column([]))
    db = tmp_path / "columns.db"
    with FaultServer(site, lifetime=120) as server:
        run_nightly(
            db, "-a", f"home={server.base_url}/", "-a", "max_pages=5",
            "-s", "MAX_COLUMNS_PER_SITE=4",
        )  # fmt: skip
        asked = {entry["path"] for entry in server.log if entry["path"].startswith("/c")}
    assert len(asked) <= 4
    assert rows(db, "SELECT count(*) FROM skipped WHERE reason = 'cap: columns (4)'")[0][0] >= 290
    assert stats(db)["caps/columns"] >= 290


def test_a_report_linked_with_random_session_ids_is_one_report(tmp_path):
    site = tmp_path / "site"
    build_portal(site, ["a"])
    db = tmp_path / "sid.db"
    with FaultServer(site, lifetime=120) as server:
        for run, sids in enumerate(([11, 12, 13], [21, 22])):
            links = [(f"/r/a.html?sid={sid}&t={1700000000 + 100 * run + sid}", "") for sid in sids]
            write_page(site / "list.html", column([(h, TITLE.format(n=1)) for h, _ in links]))
            result = run_nightly(
                db, "-a", f"start_url={server.base_url}/list.html",
                "-s", "ATTACHMENTS_POLICY=never",
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-3000:]
            assert len(server.requests_for("/r/a.html")) == run + 1  # once a run
            assert rows(db, "SELECT count(*) FROM reports") == [(1,)]
    assert canonical_url("http://a/r?id=5&sid=9&t=1700000000") == "http://a/r?id=5"
    assert canonical_url("http://a/r?t=list") == "http://a/r?t=list"


def test_redirect_and_meta_refresh_to_another_port_are_offsite(tmp_path):
    other_site = tmp_path / "other"
    build_portal(other_site, ["x"])
    with FaultServer(other_site, lifetime=120) as other:
        site = tmp_path / "site"
        paths = build_portal(site, ["ok", "moved", "refresh", "gzipped"])
        for name in ("refresh", "gzipped"):
            (site / "r" / f"{name}.html").write_text(
                f'<html><head><meta http-equiv="refresh" content="0;url={other.base_url}/r/x.html">'
                "</head><body></body></html>",
                encoding="utf-8",
            )
        faults = {
            paths["moved"]: Fault("redirect", location=f"{other.base_url}/r/x.html"),
            # the whole page, gzip-encoded: its refresh is read once it is inflated
            paths["gzipped"]: Fault("gzip-cut", fraction=1.0),
        }
        db = tmp_path / "ports.db"
        with FaultServer(site, faults, lifetime=120) as server:
            result = run_nightly(
                db, "-a", f"start_url={server.base_url}/list.html",
                "-s", "ATTACHMENTS_POLICY=never",
            )  # fmt: skip
        assert other.requests_for("/r/x.html") == []
    assert result.returncode == 0, result.stderr[-3000:]
    assert report_names(db) == {"ok.html"}
    reasons = failure_reasons(db)
    assert reasons["moved.html"] == reasons["refresh.html"] == "off-site redirect"
    assert reasons["gzipped.html"] == "off-site redirect"
