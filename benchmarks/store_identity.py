"""Do two trees' stores hold the same rows for the same writes? For speed work on the
database package that must change nothing stored or found.

    .venv/bin/python benchmarks/store_identity.py OTHER_TREE [--reports 300]

OTHER_TREE is another checkout of the project with its own build. Each tree, in a
process of its own, stores the same crawl items (store_speed.py's numbered copies of the
real report pages, built from this tree's benchmark) into a fresh database as the crawl
does (crawler.storing.write_items, 50 a transaction), then: the same items again (a
recrawl), a third pass where some reports change their text or cells, some arrive under
a second address (aliases) and some addresses no longer hold a report. After each pass
it dumps every row of reports, report_cells, report_checks, report_urls, pages (the
body inflated), report_search_ids/pending and failures, the times and parse digests
masked, and the `search` answers for a set of terms (1 to 8 characters, ASCII and
Chinese, FTS syntax).
The digests of each are compared. Exit status 0 when all agree, 1 when any differs.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.parse_identity import compare_trees  # noqa: E402

# Masked: the clock's columns (parsed_at, fetched_at, first_seen, last_seen, ...).
TIMES = {"parsed_at", "fetched_at", "first_seen", "last_seen", "failed_at", "seen_at", "at"}
# Masked too: reports.parse_digest, a key of what a parse stored (output.stored_form),
# whose definition may change between the trees; the values it stands for are compared.
KEYS = {"parse_digest"}
TABLES = [
    "reports",
    "report_cells",
    "report_checks",
    "report_urls",
    "pages",
    "report_search_ids",
    "report_search_pending",
    "failures",
]
TERMS = ["政府", "信息公开", "年度报告", "复议", "行政复议", "诉讼", "一二", "〇一", "三四五"]
TERMS += ["人民政府", "申请", "2023", "202", "20", "a", '"', 'AND "x', "（", "总计", "本年新收"]


def _items(count: int) -> list[list]:
    """The three passes' items (built in the tree's process, from its classes)."""
    from benchmarks.store_speed import items_of, numbered, parsed_reports
    from crawler.items import OutcomeItem
    from parsers.model import ParseOutcome

    parsed = parsed_reports()
    first = items_of(parsed, count)
    third = []
    for number in range(0, count, 7):
        template = parsed[number % len(parsed)][1]
        outcome = numbered(template, number)
        report = outcome.report
        if number % 3 == 0:  # its text changed
            report.body_text += "（更正）"
        elif number % 3 == 1:  # its cells changed
            report.cells = [copy.copy(cell) for cell in report.cells[1:]]
        else:  # the same report under a second address
            outcome = copy.copy(outcome)
            outcome.url = report.url = outcome.url.replace("/r/", "/alias/")
        third.append(OutcomeItem(outcome=outcome))
    for number in range(3, count, 11):  # no report there any more
        url = f"http://127.0.0.1/r/{number}.html"
        third.append(OutcomeItem(outcome=ParseOutcome(url=url, report=None)))
    return [first, first, third]


def _dump(conn) -> dict[str, str]:
    from output.search import search

    found = {}
    for table in TABLES:
        cursor = conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        rows = []
        for row in cursor:
            pairs = zip(names, row, strict=True)
            row = [
                "<time>" if name in TIMES else "<key>" if name in KEYS else value
                for name, value in pairs
            ]
            if table == "pages" and "body" in names:
                at = names.index("body")
                row[at] = row[at] and zlib.decompress(row[at])
            rows.append(repr(row))
        rows.sort()
        found[table] = hashlib.sha256("\n".join([repr(names), *rows]).encode()).hexdigest()
        found[f"{table} rows"] = str(len(rows))
    for term in TERMS:
        answer = [(r["id"], r["snippet"]) for r in search(conn, term)]
        found[f"search {term!r}"] = hashlib.sha256(repr(answer).encode()).hexdigest()
    check = "INSERT INTO reports_fts (reports_fts, rank) VALUES ('integrity-check', 0)"
    conn.execute(check)
    return found


def digests(tree: Path, count: int) -> dict[str, str]:
    """Run in a process whose store is ``tree``'s: the digests after each pass."""
    sys.path.insert(0, str(tree))
    from crawler.storing import write_items
    from output.store import ReportStore

    found = {}
    with tempfile.TemporaryDirectory(prefix="store-identity-") as work:
        store = ReportStore(Path(work) / "reports.db")
        for number, items in enumerate(_items(count), 1):
            for at in range(0, len(items), 100):
                counts = write_items(store, items[at : at + 100])
                found[f"pass {number} batch {at} counts"] = repr(sorted(counts.items()))
            for name, value in _dump(store.db.conn).items():
                found[f"pass {number}: {name}"] = value
        store.close()
    return found


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--digests":
        json.dump(digests(Path(argv[1]), int(argv[2])), sys.stdout)
        return 0
    count = 300
    if len(argv) == 3 and argv[1] == "--reports":
        count, argv = int(argv[2]), argv[:1]
    if len(argv) != 1 or not (Path(argv[0]) / "output" / "store.py").is_file():
        print("usage: store_identity.py OTHER_TREE [--reports N]")
        return 2
    other = Path(argv[0]).resolve()
    return compare_trees(__file__, other, [str(count)], "storing", "digests")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
