"""Bodies cut short are retried, recorded and never stored as reports, and never
replace a better stored copy (issue 10)."""

from __future__ import annotations

import pytest

from crawler.content import looks_complete
from crawler.middlewares import retry_after_seconds
from demo.faultserver import Fault, FaultServer, build_portal, report_page
from tests.crawl_helpers import failure_reasons, report_names, rows, run_nightly

pytestmark = pytest.mark.e2e

FAULTS = {
    "cut_no_length": Fault("cut-no-length", fraction=0.9),
    "cut_no_length_once": Fault("cut-no-length", fraction=0.9, times=1),
    "gzip_cut": Fault("gzip-cut", fraction=0.6),
    "gzip_cut_once": Fault("gzip-cut", fraction=0.6, times=1),
    "unframed_whole": Fault("unframed"),
}
CUT = {"cut_no_length", "gzip_cut"}


def crawl(db, server):
    return run_nightly(
        db, "-a", f"start_url={server.base_url}/list.html", "-s", "ATTACHMENTS_POLICY=never"
    )


def test_cut_bodies_are_retried_recorded_and_never_stored(tmp_path):
    paths = build_portal(tmp_path / "site", ["ok", *FAULTS])
    faults = {paths[name]: fault for name, fault in FAULTS.items()}
    db = tmp_path / "r.db"
    with FaultServer(tmp_path / "site", faults, lifetime=120) as server:
        result = crawl(db, server)
        assert result.returncode == 0, result.stderr[-3000:] + result.stdout
        # Retried once (RETRY_TIMES 1), then recorded.
        for name in CUT:
            assert len(server.requests_for(paths[name])) == 2, name
    assert report_names(db) == {f"{name}.html" for name in ["ok", *FAULTS] if name not in CUT}
    reasons = failure_reasons(db)
    assert {reasons[f"{name}.html"] for name in CUT} == {"truncated body"}
    stored = {url.rsplit("/", 1)[1] for (url,) in rows(db, "SELECT url FROM pages")}
    assert not {f"{name}.html" for name in CUT} & stored


def test_a_cut_body_never_replaces_a_stored_report(tmp_path):
    paths = build_portal(tmp_path / "site", ["a"])
    db = tmp_path / "r.db"
    with FaultServer(tmp_path / "site", lifetime=120) as server:
        assert crawl(db, server).returncode == 0
    before = rows(db, "SELECT count(*) FROM report_cells")
    body_before = rows(db, "SELECT content_hash FROM pages WHERE url LIKE '%/a.html'")
    faults = {paths["a"]: Fault("cut-no-length", fraction=0.9)}
    with FaultServer(tmp_path / "site", faults, lifetime=120, validators=False) as server:
        crawl(db, server)
    assert rows(db, "SELECT count(*) FROM report_cells") == before
    assert rows(db, "SELECT content_hash FROM pages WHERE url LIKE '%/a.html'") == body_before
    assert failure_reasons(db)["a.html"] == "truncated body"


def test_whole_bodies_look_complete_and_cut_ones_do_not():
    body = report_page()
    assert looks_complete(body)
    assert not looks_complete(body[: len(body) * 9 // 10])
    assert looks_complete(b"%PDF-1.4\n...\n%%EOF\n") and not looks_complete(b"%PDF-1.4\n...")


def test_retry_after_in_other_digits_is_ignored_not_raised():
    assert retry_after_seconds("²") is None
    assert retry_after_seconds("٣") is None
    assert retry_after_seconds("3") == 3.0
