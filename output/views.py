"""Objects derived from the stored data for analysts: views, cell_keys rows, search triggers.

They hold nothing of their own, so they are (re)built, not migrated: `ensure_derived`
runs after the migrations each time a ReportStore opens, and does nothing (reads only)
when what is in the file matches this code and cells.tsv. After a change it drops and
recreates them in one transaction and re-indexes the search table from `reports`.

Views (docs/db.md):
  t2_rows, t3_rows, t4_rows  one row per printed row of a report's table, in the table's
                             order, one column per printed column
  report_overview            one row per report with its headline figures
  t3_totals                  one row per report: the 总计 column of each part of table 3
"""

from __future__ import annotations

import hashlib
import json

from output.labels import cell_keys, table_columns, tables
from output.search import SEARCH_TRIGGERS, reindex_search

# report_overview: headline figure -> cell key (表三 总计 column, 表四 totals, 表二 fees)
HEADLINE_CELLS = {
    "new_requests": "t3.new_received.total",
    "carried_over": "t3.carried_over.total",
    "handled": "t3.total.total",
    "granted": "t3.granted.total",
    "partly_granted": "t3.partial.total",
    "carried_forward": "t3.carried_forward.total",
    "review_total": "t4.review.total",
    "suit_direct_total": "t4.suit_direct.total",
    "suit_after_review_total": "t4.suit_after_review.total",
    "fees_10k_yuan": "t2.fees.amount",
}
# t3_totals: the parts of 表三 (sub-rows of 三（三）… summed) -> the first part of row keys
T3_PARTS = [
    "new_received",
    "carried_over",
    "granted",
    "partial",
    "denied",
    "unavailable",
    "not_processed",
    "other",
    "total",
    "carried_forward",
]


# The views are built from correlated lookups on report_cells' primary key (report_id,
# key), driven by reports in (organ, year) order, not from one GROUP BY over all cells:
# a page of rows (LIMIT 101) or a filter on organ, year or report_id then reads only the
# reports it shows, instead of aggregating the whole table first.


def _cell(key_sql: str) -> str:
    return f"(SELECT c.value FROM report_cells c WHERE c.report_id = r.id AND c.key = {key_sql})"


def _row_cells(table_no: int) -> str:
    """Cells of the view's row k (k.row_key) present for report r."""
    return (
        "FROM cell_keys x JOIN report_cells c ON c.report_id = r.id AND c.key = x.key"
        f" WHERE x.table_no = {table_no} AND x.row_key = k.row_key"
    )


def table_rows_view(table_no: int) -> str:
    pivot = ",\n    ".join(
        _cell(f"'t{table_no}.' || k.row_key || '.{column}'") + f" AS {column}"
        for column in table_columns(table_no)
    )
    return f"""CREATE VIEW t{table_no}_rows AS
SELECT r.id AS report_id, r.organ, r.year, k.row_order, k.row_key,
    (SELECT min(x.row_label) {_row_cells(table_no)}) AS row_label,
    {pivot}
FROM reports r
CROSS JOIN (SELECT row_key, min(row_order) AS row_order FROM cell_keys
            WHERE table_no = {table_no} GROUP BY row_key) k
WHERE EXISTS (SELECT 1 {_row_cells(table_no)})
ORDER BY r.organ, r.year, r.id, k.row_order"""


def report_overview_view() -> str:
    figures = ",\n    ".join(
        _cell(f"'{key}'") + f" AS {name}" for name, key in HEADLINE_CELLS.items()
    )
    return f"""CREATE VIEW report_overview AS
SELECT r.id, r.organ, r.year, r.format, r.published, r.title, r.url, r.source_page,
    {figures},
    (SELECT count(*) FROM report_cells a WHERE a.report_id = r.id) AS cells,
    (SELECT count(*) FROM report_checks k WHERE k.report_id = r.id AND k.ok = 0)
        AS failed_checks
FROM reports r
ORDER BY r.organ, r.year, r.id"""


def t3_totals_view() -> str:
    # A part's 总计: its own row's (t3.granted.total) or the sum of its sub-rows'
    # (t3.denied.*.total); the GLOB prefix keeps the lookup on the primary key.
    parts = ",\n    ".join(
        "(SELECT sum(c.value) FROM report_cells c WHERE c.report_id = r.id"
        f" AND (c.key = 't3.{part}.total'"
        f" OR (c.key GLOB 't3.{part}.*' AND c.key GLOB 't3.{part}.*.total'))) AS {part}"
        for part in T3_PARTS
    )
    return f"""CREATE VIEW t3_totals AS
SELECT r.id AS report_id, r.organ, r.year, r.format,
    {parts}
FROM reports r
WHERE EXISTS (SELECT 1 FROM report_cells c WHERE c.report_id = r.id AND c.key GLOB 't3.*')
ORDER BY r.organ, r.year, r.id"""


def view_definitions() -> dict[str, str]:
    views = {f"t{n}_rows": table_rows_view(n) for n in tables()}
    views["report_overview"] = report_overview_view()
    views["t3_totals"] = t3_totals_view()
    return views


def _cell_key_rows() -> list[tuple]:
    return [
        (
            k.key,
            k.table_no,
            k.row_key,
            k.row_label,
            k.column_key,
            k.column_label,
            k.unit,
            k.formats,
            k.row_order,
            k.column_order,
        )
        for k in cell_keys()
    ]


def derived_fingerprint() -> str:
    """Changes whenever a view, a trigger or a cell key would change."""
    payload = [view_definitions(), SEARCH_TRIGGERS, _cell_key_rows()]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:16]


def _present(conn) -> tuple[str | None, set[str]]:
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    stored = None
    if "derived_objects" in names:
        row = conn.execute("SELECT fingerprint FROM derived_objects").fetchone()
        stored = row[0] if row else None
    return stored, names


def derived_up_to_date(conn) -> bool:
    stored, names = _present(conn)
    wanted = set(view_definitions()) | set(SEARCH_TRIGGERS)
    return stored == derived_fingerprint() and wanted <= names


def drop_derived(conn) -> None:
    """Drop the views and triggers (before a migration rebuilds the tables under them)."""
    for name in view_definitions():
        conn.execute(f"DROP VIEW IF EXISTS {name}")
    for name in SEARCH_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def ensure_derived(conn) -> bool:
    """Bring views, triggers and cell_keys in line with this code; True when rebuilt.

    The caller holds a transaction (all or nothing)."""
    if derived_up_to_date(conn):
        return False
    drop_derived(conn)
    conn.execute("DELETE FROM cell_keys")
    conn.executemany(
        "INSERT INTO cell_keys (key, table_no, row_key, row_label, column_key, column_label,"
        " unit, formats, row_order, column_order) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _cell_key_rows(),
    )
    for sql in view_definitions().values():
        conn.execute(sql)
    for sql in SEARCH_TRIGGERS.values():
        conn.execute(sql)
    # Reports written while the triggers were missing or different are indexed again.
    reindex_search(conn)
    conn.execute("CREATE TABLE IF NOT EXISTS derived_objects (fingerprint TEXT)")
    conn.execute("DELETE FROM derived_objects")
    conn.execute("INSERT INTO derived_objects (fingerprint) VALUES (?)", [derived_fingerprint()])
    return True
