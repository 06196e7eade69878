"""Crawl the bundled demo portal end to end and print what was found (`make demo`).

    python -m demo [--db output/demo.db] [--fresh]

Serves demo/portal on 127.0.0.1:8731 (or a free port when that one is taken), runs
the real spider over the registry's demo sites (`scrapy crawl annual_reports
-a site=demo-* -a demo_base=...`), then summarises the database. Running it again
shows the re-crawl at work: pages come back unchanged and no rows are added. URLs
include the port, so a run on another port starts from an empty database.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from output.store import EXIT_BAD_DATABASE, DatabaseError, ReportStore, open_store

ROOT = Path(__file__).resolve().parent.parent
DEMO_PORT = 8731
# Local and tiny: politeness delays would only slow the demo down.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"]


def run_crawl(db: Path, demo_base: str) -> int:
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "annual_reports",
        "-a",
        "site=demo-*",
        "-a",
        f"demo_base={demo_base}",
        "-s",
        f"REPORTS_DB={db}",
        *FAST,
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def summary(db: Path) -> str:
    conn = sqlite3.connect(db)
    lines = []
    store = ReportStore(db)
    stats = store.last_run_stats() or {}
    counts = store.counts()
    store.close()
    lines.append(f"database: {db}")
    sites = conn.execute(
        "SELECT site, kind, count(*) FROM pages WHERE site IS NOT NULL"
        " GROUP BY site, kind ORDER BY site, kind"
    ).fetchall()
    by_site: dict[str, list[str]] = {}
    for site, kind, n in sites:
        by_site.setdefault(site, []).append(f"{n} {kind}")
    lines.append("sites:")
    lines += [f"  {site}: pages {', '.join(kinds)}" for site, kinds in by_site.items()]
    lines.append(
        f"this run: {stats.get('list/pages', 0)} list pages, "
        f"{stats.get('list/skipped_items', 0)} items skipped as not reports, "
        f"{stats.get('reports/saved', 0)} reports (re)written, "
        f"{stats.get('pages/unchanged', 0)} pages unchanged"
    )
    lines.append(
        f"reports: {counts['reports']}, cells: {counts['report_cells']}, "
        f"checks: {counts['report_checks']}, skipped items: {counts['skipped']}, "
        f"failures: {counts['failures']}"
    )
    for organ, year, fmt, cells, url in conn.execute(
        "SELECT r.organ, r.year, r.format, (SELECT count(*) FROM report_cells c"
        " WHERE c.report_id = r.id), r.url FROM reports r ORDER BY r.year, r.organ"
    ):
        lines.append(f"  {year}  {fmt:<8} {cells:>4} cells  {organ}  {url.split('/', 3)[-1]}")
    failed = conn.execute(
        "SELECT r.organ, r.year, k.name, k.detail FROM report_checks k"
        " JOIN reports r ON r.id = k.report_id WHERE k.ok = 0 ORDER BY r.organ, k.name"
    ).fetchall()
    lines.append(f"failed consistency checks: {len(failed)}")
    lines += [f"  {organ} {year} {name}: {detail}" for organ, year, name, detail in failed]
    # Attachments that hold no stored report: scanned, unreadable, or a page's own copy.
    unparsed = conn.execute(
        "SELECT a.attachment_url, a.status, p.parse_result FROM attachments a"
        " LEFT JOIN pages p ON p.url = a.attachment_url"
        " WHERE a.status NOT IN ('report', 'queued') ORDER BY a.attachment_url"
    ).fetchall()
    lines.append(f"attachments recorded, not parsed into reports: {len(unparsed)}")
    lines += [
        f"  {url.split('/', 3)[-1]}  [{status}{': ' + reason if reason else ''}]"
        for url, status, reason in unparsed
    ]
    skipped = conn.execute(
        "SELECT reason, count(*), min(title) FROM skipped GROUP BY reason ORDER BY reason"
    ).fetchall()
    lines.append("skipped (not reports), by reason:")
    lines += [f"  {reason}: {n} (e.g. {example})" for reason, n, example in skipped]
    conn.close()
    lines.append("query it (sqlite-utils and datasette come with the project's venv):")
    query = "select organ, year, format, published from reports"
    lines.append(f'  .venv/bin/sqlite-utils {db} "{query}" --table')
    lines.append(f"  .venv/bin/sqlite-utils tables {db} --counts")
    lines.append(f"  make serve DB={db}     # Datasette on http://127.0.0.1:8001/")
    lines.append(f"  .venv/bin/python -m output.export --db {db} --view t3_rows --format xlsx")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", type=Path, default=ROOT / "output" / "demo.db")
    parser.add_argument("--fresh", action="store_true", help="start from an empty database")
    parser.add_argument("--port", type=int, default=DEMO_PORT)
    args = parser.parse_args(argv)
    from demo.server import serve

    try:
        server, base_url = serve(port=args.port)
    except OSError:
        server, base_url = serve(port=0)
        print(f"port {args.port} is taken; serving on {base_url} with a fresh database")
        args.fresh = True  # the old rows' URLs carry the other port
    try:  # before anything is removed or crawled: a bad --db is one line, untouched
        open_store(args.db).close()
    except DatabaseError as error:
        server.shutdown()
        server.server_close()
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    try:
        print(f"demo portal serving at {base_url}/ ; crawling the demo-* sites ...", flush=True)
        code = run_crawl(args.db, base_url)
    finally:
        server.shutdown()
        server.server_close()
    if code != 0:
        print(f"the crawl failed (exit status {code})", file=sys.stderr)
        return code
    print(summary(args.db))
    return 0


if __name__ == "__main__":
    sys.exit(main())
