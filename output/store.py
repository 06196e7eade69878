"""The reports database (docs/schema.md) and the crawl's own bookkeeping tables.

No Scrapy here: the parsers' CLI and crawler.reparse reuse this module.

Tables
  reports, report_cells, report_checks   the interface of docs/schema.md (+ a few extra columns)
  report_urls  every address of a report: one report under several URLs is one row
               (output/identity.py; migration 6)
  pages        every fetched body, zlib-compressed, with its content hash and what it was
  attachments  files linked from report pages and what became of them
  skipped      list items that were not reports, and why
  failures     the last failure per URL (cleared when the URL is fetched fine)
  runs         one row per crawl: when, what it fetched, found and failed, how it ended
               (crawl_runs, the first schema's table, is now a view of it)

For analysts (migration 4, output/schema.py; docs/analysts.md): cell_keys, the views
t2_rows, t3_rows, t4_rows, report_overview and t3_totals (output/views.py, rebuilt on
open when they differ from the code) and trigram search (output/search.py).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from output.database import Connection, now
from output.migrations import MIGRATIONS, migrate
from output.opening import EXIT_BAD_DATABASE, DatabaseError, check_database_path
from output.pages import PagesMixin, StoredPage, content_hash
from output.reports import ReportsMixin, report_id
from output.runs import RUN_SUMMARY_COLUMNS, RunsMixin

# The names other modules import from here (the store was one module once).
__all__ = [
    "EXIT_BAD_DATABASE",
    "MIGRATIONS",
    "RUN_SUMMARY_COLUMNS",
    "DatabaseError",
    "ReportStore",
    "StoredPage",
    "content_hash",
    "now",
    "open_store",
    "report_id",
]


class ReportStore(ReportsMixin, PagesMixin, RunsMixin, Connection):
    """The reports database: output.reports, output.pages and output.runs on one connection
    (output.database), its schema kept up to date by output.migrations."""

    def migrate(self) -> list[int]:
        """Apply pending migrations; returns the versions applied (none on a second call)."""
        return migrate(self)


def open_store(path: str | Path, *, create: bool = True, migrate: bool = True) -> ReportStore:
    """Open the reports database at path for every entry point, or raise DatabaseError.

    Everything is checked before the file is opened for writing, so a path that is
    refused is never modified (no WAL switch, no migration, no new file): a path that
    is a directory or lies under a regular file, a file that is not SQLite or is cut
    short, a read-only file or directory, an SQLite file holding other tables than
    ours, one written by a newer version, and, with create=False, a missing file.
    """
    if str(path) == ":memory:":
        return ReportStore(":memory:", migrate=migrate)
    file = Path(path)
    check_database_path(file, create)
    try:
        return ReportStore(file, migrate=migrate)
    except OSError as error:
        raise DatabaseError(f"{file}: cannot create: {error.strerror or error}") from error
    except sqlite3.Error as error:
        raise DatabaseError(f"{file}: cannot open the database: {error}") from error
