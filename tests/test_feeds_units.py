"""Feed records (crawler.feeds): what one report looks like in a feed."""

from __future__ import annotations

import io

from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.feeds import (
    QuietLogFormatter,
    ReportCsvItemExporter,
    Stored,
    csv_columns,
    report_record,
)
from parsers.model import Cell, Check, Report

URL = "http://x.gov.cn/ndbg/2023.html"


def a_report() -> Report:
    return Report(
        url=URL, title="示范县2023年政府信息公开工作年度报告", organ="示范县人民政府",
        year=2023, published="2024-01-31", format="2021", body_text="……",
        cells=[Cell("t4.review.total", 2, "2"), Cell("t2.fees.amount", 1270.0, "1270"),
               Cell("t3.new_received.total", 5, "5"), Cell("t3.new_received.total", 6, "6")],
        checks=[Check("t4.group_total.review", False, "1 ≠ 2"), Check("t3.balance.total", True),
                Check("t3.balance.commercial", False, "")],
        warnings=["t4 incomplete"],
    )  # fmt: skip


def test_a_record_holds_what_the_store_holds():
    record = report_record(URL, a_report(), "http://x.gov.cn/ndbg/")
    assert record.source_page == "http://x.gov.cn/ndbg/"
    # cells.tsv order, the last of a repeated key, NUMERIC's integers
    assert list(record.cells.items()) == [
        ("t2.fees.amount", 1270),
        ("t3.new_received.total", 6),
        ("t4.review.total", 2),
    ]
    assert isinstance(record.cells["t2.fees.amount"], int)
    assert record.failed_checks == [
        {"name": "t3.balance.commercial", "detail": ""},
        {"name": "t4.group_total.review", "detail": "1 ≠ 2"},
    ]


def test_csv_rows_have_a_column_per_cell_key_and_joined_lists():
    buffer = io.BytesIO()
    exporter = ReportCsvItemExporter(buffer, encoding="utf-8")
    exporter.start_exporting()
    exporter.export_item(report_record(URL, a_report(), None))
    exporter.finish_exporting()
    header, row = buffer.getvalue().decode("utf-8").splitlines()
    assert header.split(",") == csv_columns()
    values = dict(zip(csv_columns(), row.split(","), strict=True))
    assert values["t3.new_received.total"] == "6" and values["t3.new_received.natural_person"] == ""
    assert values["failed_checks"] == "t3.balance.commercial; t4.group_total.review: 1 ≠ 2"
    assert values["organ"] == "示范县人民政府"


def test_items_consumed_by_storage_are_not_logged_and_drops_omit_the_item():
    spider = Spider("x")
    spider.crawler = get_crawler(Spider)
    formatter = QuietLogFormatter()
    assert formatter.dropped(object(), Stored("stored"), None, spider) is None
    entry = formatter.dropped(b"x" * 10**6, DropItem("kept the stored body"), None, spider)
    assert entry["msg"] == "Dropped: %(exception)s"
