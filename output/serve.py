"""Browse a reports database in Datasette, read-only, on this machine only.

    python -m output.serve [--db output/reports.db] [--port 8001]     (make serve DB=... PORT=...)

Upgrades the database first (output.upgrade: views, search index), then runs
`datasette serve DB -m output/metadata.yaml -h 127.0.0.1 -p PORT`. Datasette opens the
file read-only and this project's plugin (output/datasette_plugin.py) adds the
metadata for any file name, BOM-prefixed CSV, XLSX links and /-/charts.
Exit status: Datasette's own; 2 when the database is missing or not a reports database.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from output.upgrade import NotAReportsDatabase, upgrade

METADATA = Path(__file__).with_name("metadata.yaml")


def datasette_command(db: str | Path, port: int, host: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable, "-m", "datasette", "serve", str(db),
        "-m", str(METADATA), "-h", host, "-p", str(port),
        "--setting", "sql_time_limit_ms", "5000",
        "--setting", "allow_csv_stream", "on",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m output.serve",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", default="output/reports.db")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    try:
        upgrade(args.db)
    except NotAReportsDatabase as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"serving {args.db} at http://127.0.0.1:{args.port}/ (read-only; Ctrl-C stops)")
    command = datasette_command(args.db, args.port)
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
