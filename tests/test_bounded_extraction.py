"""Every document is bounded: caps before reading, linear-time patterns, and a worker
process with a memory and a time limit (issue 10).

Bounds are asserted as limits the code must stay within (CPU seconds enforced by the
kernel, a worker's address space), never as wall-clock timings.
"""

from __future__ import annotations

import os
import resource
import signal

import pytest

from crawler.families.hanweb import embedded_records
from crawler.families.trs import trs_pager_pages
from crawler.worker import Limits, ParsePool, limit_reason
from demo.faultserver import report_page
from parsers import parse_document
from parsers.lines import tidy_line as _tidy_line
from parsers.tokens import VALUE, _split_trailing_numbers
from tests import bombs

URL = "http://127.0.0.1/r/doc"
# A worker's address space: far below what the bombs would take unbounded (GBs).
MEMORY_MB = 1024


def run_within_cpu(seconds: int, function, *args) -> None:
    """Run function(*args) in a forked child allowed `seconds` of CPU; fail if it is
    stopped by the limit (SIGXCPU) or raises."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
            function(*args)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert not os.WIFSIGNALED(status), f"stopped by signal {os.WTERMSIG(status)}"
    assert os.WEXITSTATUS(status) == 0


@pytest.fixture(scope="module")
def pool():
    pool = ParsePool(2, Limits(timeout=60, per_page=1, memory_mb=MEMORY_MB))
    yield pool
    pool.close()


# --- caps before reading ----------------------------------------------------------------------

BOMBS = {
    "pdf-flate-bomb-100mb": (lambda: bombs.pdf_flate_bomb(100 << 20), "PDF stream inflates"),
    "pdf-20000-pages": (lambda: bombs.pdf_many_pages(20_000), "20000 PDF pages"),
    "pdf-200001-objects": (lambda: bombs.pdf_many_objects(200_000), "200001 PDF objects"),
    "pdf-300000-segments": (lambda: bombs.pdf_many_segments(300_000), "drawing operations"),
    "docx-zip-bomb-100mb": (lambda: bombs.docx_zip_bomb(100 << 20), "zip member"),
    "docx-gridspan-50000000": (lambda: bombs.docx_huge_span(50_000_000), "spans 50000000"),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_is_refused_as_too_large_before_it_is_expanded(name, pool):
    build, says = BOMBS[name]
    data = build()
    assert len(data) < 5_000_000  # small on the wire: the danger is in expanding it
    outcome = pool.parse(data, f"{URL}/{name}", None, None)
    assert outcome.report is None
    assert limit_reason(outcome) == "too large"
    assert says in outcome.reason
    assert "memory limit" not in outcome.reason  # refused by the cap, not the backstop


def test_docx_with_a_60kb_run_of_spaces_is_read_within_its_time_limit(pool):
    data = bombs.docx_bytes(["政府信息公开工作年度报告", "说明" + " " * 60_000 + "x"])
    outcome = pool.parse(data, f"{URL}/spaces.docx", None, None)
    assert limit_reason(outcome) is None, outcome.reason


def test_real_pdf_passes_the_caps_and_is_read_in_the_worker(pool):
    from tests.helpers import FIXTURES

    data = (FIXTURES / "corpus" / "huaian-city-2024.pdf").read_bytes()
    outcome = pool.parse(data, f"{URL}/huaian.pdf", "application/pdf", None)
    local = parse_document(data, f"{URL}/huaian.pdf", "application/pdf", None)
    assert outcome.report is not None and local.report is not None
    assert outcome.report.cell_map() == local.report.cell_map()


# --- the worker's limits ----------------------------------------------------------------------


def big_table_page(megabytes: int) -> bytes:
    row = "<tr><td>%d</td><td>合计</td><td>%d</td></tr>"
    table = "<table>" + "".join(row % (i, i) for i in range(300)) + "</table>\n"
    body = table.encode() * (megabytes * 1_000_000 // len(table.encode()))
    return report_page().replace(b"</body>", body + b"</body>")


def test_document_past_the_time_limit_is_too_slow_and_the_pool_goes_on():
    pool = ParsePool(1, Limits(timeout=1, per_page=0, memory_mb=MEMORY_MB))
    try:
        slow = pool.parse(bombs.pdf_slow(), f"{URL}/slow.pdf", "application/pdf", None)
        assert limit_reason(slow) == "too slow", slow.reason
        assert "1 s time limit" in slow.reason
        good = pool.parse(report_page(), f"{URL}/good.html", "text/html", None)
        assert good.report is not None and len(good.report.cells) >= 198
        assert pool.replaced == 1
    finally:
        pool.close()


@pytest.mark.parametrize("started", ["with the pool's limits", "before the pool's limits"])
def test_document_past_the_memory_limit_is_too_large_and_the_pool_goes_on(started):
    limits = Limits(timeout=300, per_page=0, memory_mb=200)
    if started == "with the pool's limits":
        pool = ParsePool(1, limits)
    else:  # as crawler.reparse does: a worker takes its memory limit with its first job
        pool = ParsePool(1)
        pool.start_workers()
        pool.limits = limits
    try:
        big = pool.parse(big_table_page(6), f"{URL}/big.html", "text/html", None)
        assert limit_reason(big) == "too large", big.reason
        assert "200 MB memory limit" in big.reason
        good = pool.parse(report_page(), f"{URL}/good.html", "text/html", None)
        assert good.report is not None and len(good.report.cells) >= 198
    finally:
        pool.close()


def test_time_limit_grows_with_the_page_count():
    limits = Limits(timeout=60, per_page=3, timeout_max=600)
    assert limits.seconds_for(0) == 60
    assert limits.seconds_for(100) == 360  # a 100-page scan with OCR at ~3 s a page
    assert limits.seconds_for(10_000) == 600


def test_worker_is_retired_after_its_jobs_and_a_fresh_one_reads_on():
    pool = ParsePool(1, Limits(timeout=60, memory_mb=MEMORY_MB), jobs_per_worker=2)
    try:
        idle_pids = []  # the waiting worker after each document (None: retired)
        for n in range(5):
            outcome = pool.parse(report_page(), f"{URL}/r{n}.html", "text/html", None)
            assert outcome.report is not None and len(outcome.report.cells) >= 198
            idle = list(pool.idle.queue)
            idle_pids.append(idle[0].process.pid if idle else None)
        first, _, second, _, third = idle_pids
        assert idle_pids[1] is None and idle_pids[3] is None
        assert None not in (first, second, third) and len({first, second, third}) == 3
        assert pool.replaced == 0  # retiring is not a loss
    finally:
        pool.close()


def test_worker_is_retired_when_its_address_space_nears_the_memory_limit(monkeypatch):
    import crawler.worker

    monkeypatch.setattr(crawler.worker, "MEMORY_CHECK_EVERY", 1)
    pool = ParsePool(1, Limits(timeout=60, memory_mb=MEMORY_MB))
    try:
        pool.parse(report_page(), f"{URL}/a.html", "text/html", None)
        (worker,) = pool.idle.queue
        held = worker.address_space()
        assert held is not None and held > 10 << 20  # a Python with lxml loaded
        # A share four times what it holds: it reads on. Half of what it holds: retired.
        monkeypatch.setattr(crawler.worker, "RETIRE_AT_SHARE", 4 * held / (MEMORY_MB << 20))
        pool.parse(report_page(), f"{URL}/b.html", "text/html", None)
        assert [w.process.pid for w in pool.idle.queue] == [worker.process.pid]
        monkeypatch.setattr(crawler.worker, "RETIRE_AT_SHARE", held / 2 / (MEMORY_MB << 20))
        outcome = pool.parse(report_page(), f"{URL}/c.html", "text/html", None)
        assert outcome.report is not None and len(outcome.report.cells) >= 198
        assert list(pool.idle.queue) == [] and worker.process.poll() is not None
        assert pool.replaced == 0  # retiring is not a loss
        again = pool.parse(report_page(), f"{URL}/d.html", "text/html", None)
        assert again.report is not None
        assert [w.process.pid for w in pool.idle.queue] != [worker.process.pid]
    finally:
        pool.close()


def test_limits_and_caps_are_read_from_their_settings_with_their_types():
    from scrapy.settings import Settings

    from crawler.caps import Caps

    settings = Settings(
        {"PARSE_TIMEOUT": "7", "PARSE_MEMORY_MB": "512", "MAX_COLUMNS_PER_SITE": "3"}
    )
    limits, caps = Limits.from_settings(settings), Caps.from_settings(settings)
    assert limits == Limits(timeout=7.0, memory_mb=512) and isinstance(limits.memory_mb, int)
    assert isinstance(limits.timeout, float) and limits.per_page == Limits().per_page
    assert caps == Caps(columns=3) and caps.report_links == 200


def test_worker_killed_from_outside_is_recorded_and_replaced():
    pool = ParsePool(1, Limits(timeout=60, memory_mb=MEMORY_MB))
    try:
        assert pool.parse(report_page(), f"{URL}/a.html", "text/html", None).report
        worker = pool.idle.get_nowait()
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
        pool.idle.put(worker)
        lost = pool.parse(report_page(), f"{URL}/b.html", "text/html", None)
        assert lost.report is None and limit_reason(lost) is not None
        assert pool.parse(report_page(), f"{URL}/c.html", "text/html", None).report
    finally:
        pool.close()


# --- linear-time patterns ---------------------------------------------------------------------


def test_a_long_run_of_numbers_ending_in_a_word_is_split_in_linear_time():
    line = "1 " * 100_000 + "x"
    run_within_cpu(10, _split_trailing_numbers, line)
    tokens = _split_trailing_numbers("办理结果 3 0 0 3")
    assert [t.text for t in tokens] == ["办理结果", "3", "0", "0", "3"]
    assert all(t.kind == VALUE for t in tokens[1:])


def test_a_paragraph_of_numbers_does_not_freeze_the_parser():
    page = bombs.html_with("1 " * 30_000 + "x")
    run_within_cpu(30, parse_document, page, URL, "text/html", None)


def test_count_page_with_a_60kb_identifier_is_read_in_linear_time():
    script = "<script>var countPage = 3;document.write('" + "a" * 60_000 + "_' + i + '.html')"
    run_within_cpu(10, trs_pager_pages, script + "</script>", "http://127.0.0.1/c/index.html")
    found = trs_pager_pages(
        "<script>var countPage = 3;document.write('list_' + i + '.html')</script>",
        "http://127.0.0.1/c/index.html",
    )
    assert found[-1] == "http://127.0.0.1/c/list_2.html"


def test_unclosed_cdata_records_are_read_in_linear_time():
    text = "<record><![CDATA[<li>x</li>" * 50_000
    run_within_cpu(10, embedded_records, text)
    closed = "<record><![CDATA[<a href='/a'>a</a>]]></record>" * 2
    first, second = embedded_records(text + closed)  # as the lazy pattern read them
    assert first.endswith("<record><![CDATA[<a href='/a'>a</a>")
    assert second == "<a href='/a'>a</a>"


def test_long_space_runs_are_tidied_in_linear_time():
    run_within_cpu(10, _tidy_line, "a" + " " * 500_000 + "b")
    assert _tidy_line("政府  信息，  公开 a   b") == "政府信息，公开 a b"


def test_date_labels_titles_and_ellipses_are_read_in_linear_time():
    from crawler.listpage import TRUNCATION
    from parsers.meta import _TITLE_SPLIT, labelled_date

    spaces = " " * 100_000
    run_within_cpu(10, labelled_date, "发布日期" + spaces + "x")
    run_within_cpu(10, _TITLE_SPLIT.split, "年度报告" + spaces + "x")
    run_within_cpu(10, TRUNCATION.search, "年度报告" + "." * 100_000 + "x")
    assert labelled_date("发布日期 ： 2024-02-09") == "2024-02-09"
    assert _TITLE_SPLIT.split("示范县2023年度报告 - 示范县人民政府") == [
        "示范县2023年度报告",
        "示范县人民政府",
    ]


def test_scripts_and_document_write_calls_are_read_in_linear_time():
    from crawler.families.trs import js_written_html

    run_within_cpu(10, js_written_html, "<script>" * 50_000)
    line = "<script>document.write(')" + " " * 100_000 + "x</script>"
    run_within_cpu(10, js_written_html, line)
    pager = "<script>document.write('<a href=\"index_' + i + '.html\">');</script>"
    assert js_written_html(pager) == ['<a href="index_{computed}.html">']


def test_hostile_javascript_literals_are_read_within_bounds():
    """jpage settings and JSONP answers are read with chompjs, capped before it reads."""
    from crawler.families.hanweb import jpage_settings
    from crawler.families.jsonapi import load_json

    nested = "[" * 200_000 + "]" * 200_000
    for text in (nested, "callback(" + nested + ")", "cb({a:" * 1_000_000, "[" * 5_000_000):
        run_within_cpu(10, load_json, text)
        assert load_json(text) is None
    call = "$('#1').jpage({perPage: 15, totalRecord: 40, ajaxParam: {columnid: 7, webid: 3}"
    for tail in ("{a:" * 100_000, "[" * 100_000, " " * 1_000_000, "'" + "x" * 1_000_000):
        run_within_cpu(10, jpage_settings, call + ", more: " + tail)
    settings = jpage_settings(call + ", more: " + "[" * 100_000)
    # The call runs past the cap: its settings are read one by one, the form is not lost.
    assert settings["perPage"] == "15" and settings["totalRecord"] == "40"
    assert settings["columnid"] == "7"
