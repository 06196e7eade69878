"""Export a table or view of a reports database as CSV (UTF-8 with BOM) or XLSX.

    python -m output.export --db output/reports.db --view t3_rows --format xlsx [--out FILE]

CSV starts with a byte-order mark so that Excel opens it with the Chinese intact;
XLSX keeps numbers as numbers. The file is written beside its final name and renamed
into place, so a failed export never leaves half a file. The database is opened
read-only. Exit status: 0 written, 2 bad arguments or input (one line on stderr).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sqlite3
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

FORMATS = ("csv", "xlsx")
XLSX_CELL_MAX = 32767  # characters Excel holds in one cell
# Control characters that XML (and so XLSX) cannot carry.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ExportError(Exception):
    """Bad input: said in one line, never a traceback."""


def open_readonly(path: str | Path) -> sqlite3.Connection:
    if not Path(path).is_file():
        raise ExportError(f"no database at {path}")
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        raise ExportError(f"{path} is not a SQLite database ({error})") from None
    return conn


def exportable(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
        " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'reports_fts%' ORDER BY name"
    )
    return [row[0] for row in rows]


def read_view(conn: sqlite3.Connection, view: str) -> tuple[list[str], Iterable[tuple]]:
    names = exportable(conn)
    if view not in names:
        hint = ""
        if view in ("t2_rows", "t3_rows", "t4_rows", "report_overview", "cell_keys"):
            hint = " (an older database: python -m output.upgrade --db FILE adds it)"
        raise ExportError(f"no table or view {view!r}{hint}; there are: {', '.join(names)}")
    cursor = conn.execute(f'SELECT * FROM "{view}"')
    return [d[0] for d in cursor.description], cursor


def _plain(value):
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def write_csv(handle, columns: list[str], rows: Iterable) -> int:
    writer = csv.writer(handle)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_plain(v) for v in row])
        count += 1
    return count


def _xlsx_value(value):
    value = _plain(value)
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
        if len(value) > XLSX_CELL_MAX:
            value = value[: XLSX_CELL_MAX - 1] + "…"
    return value


def write_xlsx(target, sheet: str, columns: list[str], rows: Iterable) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31] or "data")
    worksheet.append(columns)
    count = 0
    for row in rows:
        worksheet.append([_xlsx_value(v) for v in row])
        count += 1
    book.save(target)
    return count


def xlsx_bytes(sheet: str, columns: list[str], rows: Iterable) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet, columns, rows)
    return buffer.getvalue()


def export(db: str | Path, view: str, fmt: str, out: str | Path) -> int:
    """Write view of db to out; returns the number of rows written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use csv or xlsx")
    conn = open_readonly(db)
    try:
        columns, rows = read_view(conn, view)
        if str(out) == "-":
            if fmt != "csv":
                raise ExportError("only CSV can go to standard output")
            sys.stdout.reconfigure(encoding="utf-8-sig", newline="")
            return write_csv(sys.stdout, columns, rows)
        target = Path(out)
        if not target.parent.is_dir():
            raise ExportError(f"no folder {target.parent} for {target.name}")
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(handle)
        try:
            if fmt == "csv":
                with open(temporary, "w", encoding="utf-8-sig", newline="") as stream:
                    count = write_csv(stream, columns, rows)
            else:
                count = write_xlsx(temporary, view, columns, rows)
            os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)
        return count
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m output.export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", required=True, help="the reports database")
    parser.add_argument("--view", required=True, help="a view or table, e.g. t3_rows")
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--out", help="output file (default: VIEW.FORMAT here; - for stdout)")
    args = parser.parse_args(argv)
    out = args.out or f"{args.view}.{args.format}"
    try:
        count = export(args.db, args.view, args.format, out)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"wrote {count} rows of {args.view} to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
