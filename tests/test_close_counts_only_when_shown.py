"""The store pipeline's closing line of the database's row counts (logged at INFO) is
worked out only when the run's log shows INFO: each count reads its whole table, and
report_cells holds a row for every cell of every report (made here: an empty database)."""

from __future__ import annotations

import logging

import pytest
from scrapy.utils.test import get_crawler

from crawler.pipelines import SqliteStorePipeline
from output.store import ReportStore


@pytest.mark.parametrize(
    "level, logged",
    [(25, False), ("WARNING", False), ("ERROR", False), ("INFO", True), ("info", True), (10, True)],
)
def test_the_counts_are_logged_only_where_the_runs_log_shows_info(level, logged):
    crawler = get_crawler(settings_dict={"LOG_LEVEL": level, "REPORTS_DB": "unused.db"})
    assert SqliteStorePipeline.from_crawler(crawler).counts_logged is logged


@pytest.mark.parametrize("logged", [True, False], ids=["shown", "not shown"])
def test_closing_counts_the_tables_only_for_a_line_that_is_shown(
    tmp_path, monkeypatch, caplog, logged
):
    asked = []
    counts = ReportStore.counts
    monkeypatch.setattr(ReportStore, "counts", lambda store: asked.append(1) or counts(store))
    pipeline = SqliteStorePipeline(str(tmp_path / "r.db"), 10, counts_logged=logged)
    pipeline.open_spider()
    with caplog.at_level(logging.INFO, logger="crawler.pipelines"):
        pipeline.close_spider()
    assert bool(asked) is logged
    assert ("now holds" in caplog.text) is logged
