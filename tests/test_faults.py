"""A nightly crawl against a portal that fails in every way a government server does.

One crawl (module fixture) over a column whose report pages each misbehave in one way
(demo/faultserver.py); each test checks one behaviour: what was retried, what was
stored, what was recorded as failed and why. Timeouts are 1.5 s and RETRY_TIMES 1, so
a request that keeps failing is tried twice.
"""

from __future__ import annotations

import re

import pytest

from demo.faultserver import Fault, FaultServer, build_portal
from output.store import content_hash
from tests.crawl_helpers import (
    failure_reasons,
    integrity,
    last_run,
    report_names,
    rows,
    run_nightly,
)

pytestmark = pytest.mark.e2e

HOSTILE_NAME = "../../../../etc/cron.d/报告\\..\\evil.pdf"
FAULTS: dict[str, Fault | None] = {
    "ok": None,
    "retry_after_once": Fault.http(503, retry_after=1, times=1),
    "retry_after_hour": Fault.http(503, retry_after=3600),  # capped by RETRY_AFTER_MAX
    "busy_once": Fault.http(503, times=1),
    "bad_gateway_once": Fault.http(502, times=1),
    "always_500": Fault.http(500),
    "gone_404": Fault.http(404),
    "gone_410": Fault.http(410),
    "timeout": Fault("timeout", seconds=30),
    "slow_ok": Fault("slow", seconds=0.5),
    "slow_stall": Fault("slow", seconds=30),
    "reset": Fault("reset"),
    "reset_once": Fault("reset", times=1),
    "truncated": Fault("truncated"),
    "truncated_once": Fault("truncated", times=1),
    "loop": Fault("redirect-loop"),
    "offsite": Fault("redirect-offsite"),
    "octet": Fault("octet-stream"),
    "huge": Fault("huge"),
    "huge_stream": Fault("huge", declare_length=False),
    "big_page": Fault("huge", size=3_000_000),  # under DOWNLOAD_MAXSIZE, over HTML_MAXSIZE
    "empty": Fault("empty"),
}
STORED = {"ok", "retry_after_once", "busy_once", "bad_gateway_once", "slow_ok", "reset_once"}
STORED |= {"truncated_once", "octet"}
RETRY_AFTER_MAX = 2


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """(db, server, completed process, attachments dir) of one nightly crawl."""
    tmp = tmp_path_factory.mktemp("faults")
    paths = build_portal(tmp / "site", list(FAULTS))
    faults = {paths[name]: fault for name, fault in FAULTS.items() if fault}
    # The report pages attach this PDF (another body's report): sent with a hostile name.
    faults["/r/huaian-city-2024.pdf"] = Fault("disposition", filename=HOSTILE_NAME)
    files = tmp / "store" / "files"
    db = tmp / "faults.db"
    with FaultServer(tmp / "site", faults, lifetime=120) as server:
        result = run_nightly(
            db,
            "-a", f"start_url={server.base_url}/list.html",
            # Well above any honest answer's time on a loaded machine (the stalling
            # faults take 30 s): which attempt times out must not depend on load.
            "-s", "DOWNLOAD_TIMEOUT=10",
            "-s", f"RETRY_AFTER_MAX={RETRY_AFTER_MAX}",
            "-s", "DOWNLOAD_MAXSIZE=5000000",
            "-s", "HTML_MAXSIZE=1000000",
            "-s", f"ATTACHMENTS_DIR={files}",
        )  # fmt: skip
    return db, server, result, files


def requests_to(server: FaultServer, name: str) -> list[dict]:
    return server.requests_for(f"/r/{name}.html")


def test_crawl_with_faults_finishes_and_exits_zero(crawl):
    db, _, result, _ = crawl
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout
    assert "Traceback" not in db.with_suffix(".log").read_text(encoding="utf-8")
    run = last_run(db)
    assert run["status"] == "ok" and run["exit_code"] == 0
    assert run["pages_failed"] == len(FAULTS) - len(STORED)
    assert f"run {run['id']}: ok" in result.stdout
    assert integrity(db) == "ok"


def test_reports_behind_transient_faults_are_stored(crawl):
    db = crawl[0]
    assert report_names(db) == {f"{name}.html" for name in STORED} | {"huaian-city-2024.pdf"}


def test_503_with_retry_after_is_retried_then_stored(crawl):
    db, server, _, _ = crawl
    first, second = requests_to(server, "retry_after_once")
    assert first["fault"] == "http 503 retry-after" and second["fault"] is None
    assert second["time"] - first["time"] >= 0.9  # Retry-After: 1 was honoured
    assert "retry_after_once.html" in report_names(db)


def test_retry_after_is_capped_by_retry_after_max(crawl):
    db, server, _, _ = crawl
    first, second = requests_to(server, "retry_after_hour")
    # Waited as Retry-After asks, up to the cap: far less than the hour asked for.
    assert RETRY_AFTER_MAX - 0.2 <= second["time"] - first["time"] < 600
    assert failure_reasons(db)["retry_after_hour.html"] == "http 503"


def test_503_and_502_without_retry_after_are_retried_then_stored(crawl):
    db, server, _, _ = crawl
    for name in ("busy_once", "bad_gateway_once"):
        assert len(requests_to(server, name)) == 2
        assert f"{name}.html" in report_names(db)


def test_persistent_500_is_recorded_after_its_retries(crawl):
    db, server, _, _ = crawl
    assert len(requests_to(server, "always_500")) == 2
    assert failure_reasons(db)["always_500.html"] == "http 500"


def test_404_and_410_are_recorded_without_retry(crawl):
    db, server, _, _ = crawl
    for name, status in (("gone_404", 404), ("gone_410", 410)):
        assert len(requests_to(server, name)) == 1
        assert failure_reasons(db)[f"{name}.html"] == f"http {status}"


def test_timeouts_and_stalled_bodies_are_retried_then_recorded_as_timeout(crawl):
    db, server, _, _ = crawl
    for name in ("timeout", "slow_stall"):
        assert len(requests_to(server, name)) == 2
        assert failure_reasons(db)[f"{name}.html"] == "timeout"


def test_slow_body_within_the_timeout_is_stored(crawl):
    assert "slow_ok.html" in report_names(crawl[0])


def test_connection_reset_is_retried_then_recorded(crawl):
    db, server, _, _ = crawl
    # Retried at least once (RetryMiddleware; Twisted may add its own retry of a reset
    # kept-alive connection, depending on which connection the request went out on).
    assert len(requests_to(server, "reset")) >= 2
    assert failure_reasons(db)["reset.html"] == "connection reset"
    assert "reset_once.html" in report_names(db)


def test_truncated_body_is_never_stored_as_report(crawl):
    db, server, _, _ = crawl
    assert len(requests_to(server, "truncated")) == 2
    assert failure_reasons(db)["truncated.html"] == "truncated body"
    assert "truncated.html" not in report_names(db)
    assert not rows(db, "SELECT 1 FROM pages WHERE url LIKE '%/truncated.html'")
    # Retried, the full body came and was stored whole (each page is its own report:
    # compared with the file served, not with another page).
    (body_hash,) = rows(db, "SELECT content_hash FROM pages WHERE url LIKE '%/truncated_once.html'")
    served = db.parent / "site" / "r" / "truncated_once.html"
    assert body_hash == (content_hash(served.read_bytes()),)


def test_redirect_loop_is_recorded(crawl):
    db, server, _, _ = crawl
    assert failure_reasons(db)["loop.html"] == "redirect loop"
    assert len(requests_to(server, "loop")) == 2  # /loop.html, /loop.html?loop=1, stop


def test_offsite_redirect_is_recorded_and_not_followed(crawl):
    db = crawl[0]
    assert failure_reasons(db)["offsite.html"] == "off-site redirect"
    assert not rows(db, "SELECT url FROM pages WHERE url LIKE '%127.0.0.2%'")


def test_html_served_as_octet_stream_is_read_as_html(crawl):
    db = crawl[0]
    (cells,) = rows(
        db,
        "SELECT count(*) FROM report_cells c JOIN reports r ON r.id = c.report_id"
        " WHERE r.url LIKE '%/octet.html'",
    )
    assert cells[0] > 100


def test_body_over_download_maxsize_is_recorded_as_too_large(crawl):
    db = crawl[0]
    reasons = failure_reasons(db)
    assert reasons["huge.html"] == reasons["huge_stream.html"] == "too large"
    assert not rows(db, "SELECT 1 FROM pages WHERE url LIKE '%/huge%'")


def test_page_over_html_maxsize_is_too_large_without_retry(crawl):
    db, server, _, _ = crawl
    assert len(requests_to(server, "big_page")) == 1
    assert failure_reasons(db)["big_page.html"] == "too large"
    (detail,) = rows(db, "SELECT detail FROM failures WHERE url LIKE '%/big_page.html'")
    assert "HTML_MAXSIZE" in detail[0]


def test_empty_200_is_retried_then_never_stored(crawl):
    db, server, _, _ = crawl
    assert len(requests_to(server, "empty")) == 2
    assert failure_reasons(db)["empty.html"] == "empty body"
    assert not rows(db, "SELECT 1 FROM pages WHERE url LIKE '%/empty.html'")


def test_no_failed_url_has_a_page_or_report_row(crawl):
    db = crawl[0]
    failed = [url for (url,) in rows(db, "SELECT url FROM failures")]
    assert len(failed) == len(FAULTS) - len(STORED)
    for url in failed:
        assert not rows(db, "SELECT 1 FROM pages WHERE url = ?", (url,)), url
        assert not rows(db, "SELECT 1 FROM reports WHERE url = ?", (url,)), url


def test_hostile_content_disposition_name_stays_inside_attachments_dir(crawl):
    db, _, _, files = crawl
    saved = [path for path in files.rglob("*") if path.is_file()]
    assert len(saved) == 1
    (path,) = saved
    assert re.fullmatch(r"[0-9a-f]{64}\.pdf", path.name) and path.parent.parent == files
    assert path.read_bytes().startswith(b"%PDF")
    # Named by the content hash that pages keeps for the attachment.
    (digest,) = rows(db, "SELECT content_hash FROM pages WHERE url LIKE '%.pdf'")
    assert path.stem == digest[0]
    assert not any(p.name in ("etc", "cron.d") for p in files.parent.parent.rglob("*"))
