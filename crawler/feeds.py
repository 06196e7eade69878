"""Feed exports (`scrapy crawl annual_reports -O reports.jsonl`): one record per report.

The storage pipeline (crawler.pipelines.SqliteStorePipeline, last) hands a
`ReportRecord` (crawler.items) on for every report it stores and consumes everything
else - page bodies, list pages, skipped items, failures - by raising `Stored`, which
this module's log formatter keeps out of the log (one line per page would drown it).

Formats: jsonlines, json and xml carry ``cells`` as a mapping key -> value (null for
a blank cell) and ``failed_checks`` as a list of {name, detail}. CSV is flat, one row
per report (docs/feeds.md): the record's fields, ``failed_checks`` and ``warnings``
joined with "; ", then one column per key of parsers/cells.tsv in that file's order
(all of them, so that every run and every appended file has the same header; a cell
the report does not have is empty).
"""

from __future__ import annotations

import dataclasses
from functools import cache

from scrapy.exceptions import DropItem
from scrapy.exporters import CsvItemExporter, XmlItemExporter
from scrapy.logformatter import LogFormatter

from crawler.items import ReportRecord
from output.labels import cell_keys
from output.store import report_id
from parsers.model import Report

RECORD_FIELDS = [f.name for f in dataclasses.fields(ReportRecord) if f.name != "cells"]


class Stored(DropItem):
    """An item the storage pipeline consumed: it is in the database, not in a feed."""


class QuietLogFormatter(LogFormatter):
    """Scrapy's, without the "Dropped:" line for items consumed by storage, and without
    the item in other drop lines (a page item's repr is its whole body; the reason
    names the URL)."""

    def dropped(self, item, exception, response, spider):
        if isinstance(exception, Stored):
            return None
        entry = super().dropped(item, exception, response, spider)
        return {**entry, "msg": "Dropped: %(exception)s"}


def as_stored(value):
    """A value as report_cells.value (NUMERIC) gives it back: 1270.0 is 1270."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def report_record(url: str, report: Report, source_page: str | None) -> ReportRecord:
    """What a feed says about one stored report (the same values the database holds)."""
    # The last of a repeated key wins, as in the store.
    values = {cell.key: cell.value for cell in report.cells}
    checks = {check.name: check for check in report.checks}
    return ReportRecord(
        id=report_id(url),
        url=url,
        source_page=report.source_page or source_page,
        title=report.title,
        organ=report.organ,
        year=report.year,
        format=report.format,
        published=report.published,
        cells={key: as_stored(values[key]) for key in _in_key_order(values)},
        failed_checks=[
            {"name": name, "detail": check.detail}
            for name, check in sorted(checks.items())
            if not check.ok
        ],
        warnings=list(report.warnings),
    )


def _in_key_order(keys) -> list[str]:
    """Keys in parsers/cells.tsv's order, then keys it does not list, sorted (one sort
    by a plain key each: this runs in the reactor for every report of a crawl)."""
    order = _key_order()
    known = sorted((key for key in keys if key in order), key=order.__getitem__)
    return known + sorted(key for key in keys if key not in order)


@cache
def _key_order() -> dict[str, int]:
    """Each cell key's place in parsers/cells.tsv (built once, not once per report)."""
    return {key.key: index for index, key in enumerate(cell_keys())}


def csv_columns() -> list[str]:
    return RECORD_FIELDS + [key.key for key in cell_keys()]


def flat_record(record: ReportRecord) -> dict:
    """A record as one CSV row: lists joined with "; ", one column per cell key."""
    row = {name: getattr(record, name) for name in RECORD_FIELDS}
    row["failed_checks"] = "; ".join(
        f"{check['name']}: {check['detail']}" if check["detail"] else check["name"]
        for check in record.failed_checks
    )
    row["warnings"] = "; ".join(record.warnings)
    row.update(record.cells)
    return row


class ReportCsvItemExporter(CsvItemExporter):
    def __init__(self, file, **kwargs):
        if not kwargs.get("fields_to_export"):
            kwargs["fields_to_export"] = csv_columns()
        super().__init__(file, **kwargs)

    def export_item(self, item) -> None:
        super().export_item(flat_record(item) if isinstance(item, ReportRecord) else item)


class ReportXmlItemExporter(XmlItemExporter):
    """Scrapy's XML, with a blank cell as an empty element (not the text "None")."""

    def _export_xml_field(self, name, serialized_value, depth) -> None:
        super()._export_xml_field(name, "" if serialized_value is None else serialized_value, depth)
