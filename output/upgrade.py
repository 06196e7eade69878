"""Bring a reports database up to this code: migrations, views, search index, cell_keys.

    python -m output.upgrade --db output/reports.db

Any database this project wrote can be upgraded; the stored reports stay as they are.
A file that is not a reports database is refused and left untouched. Exit status:
0 upgraded (or already current), 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path


class NotAReportsDatabase(Exception):
    pass


def check_reports_database(path: str | Path) -> None:
    """Raise NotAReportsDatabase unless path is an existing SQLite file with `reports`."""
    if not Path(path).is_file():
        raise NotAReportsDatabase(f"no database at {path}")
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reports'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise NotAReportsDatabase(f"{path} is not a SQLite database ({error})") from None
    if not found:
        raise NotAReportsDatabase(f"{path} has no reports table: not a reports database")


def upgrade(path: str | Path) -> list[int]:
    """Apply pending migrations and rebuild derived objects; the versions applied."""
    from output.store import ReportStore

    check_reports_database(path)
    store = ReportStore(path, migrate=False)
    try:
        return store.migrate()
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m output.upgrade",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", required=True)
    args = parser.parse_args(argv)
    try:
        applied = upgrade(args.db)
    except NotAReportsDatabase as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    done = f"applied migrations {applied}" if applied else "schema already current"
    print(f"{args.db}: {done}; views and search index ready", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
