"""CPU time of the SQLite writer per report: what the crawl's BatchWriter and reparse spend
storing, apart from fetching and parsing.

    python benchmarks/store_speed.py [--reports 2000] [--batch 50] [--profile] [--stored-form]

The real report pages (tests/fixtures/corpus, the demo portal) are parsed once; then
--reports distinct reports made from them (organ and text numbered, as 2,000 bodies of
2,000 organs would be) are stored as the crawl stores them (crawler.storing.write_items:
the page body, then the outcome, --batch items to a transaction) into a fresh database,
and stored a second time over themselves (a recrawl: every report updated). It prints
CPU milliseconds per report for each pass, beside a bare lxml parse of the same pages
(the unit of issue 12's targets, the mean of --lxml-rounds parses of each), and the
database size. --profile prints cProfile's top functions of the first pass;
--statements the CPU of each kind of SQL statement (timed around each call) per pass.
--stored-form: the outcomes are handed over in stored form (output.stored_form, made
and sent as bytes beforehand, untimed, as reparse's workers do), so the figures are
what reparse's storing process spends on them (the page bodies are stored in both
modes, as the crawl stores them; a reparse stores none).
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import pstats
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.parse_speed import real_pages  # noqa: E402
from crawler.items import OutcomeItem, PageItem  # noqa: E402
from crawler.storing import write_items  # noqa: E402
from output.store import ReportStore  # noqa: E402
from output.stored_form import from_bytes, stored_form, to_bytes  # noqa: E402
from parsers import parse_document  # noqa: E402

CLOCK = time.process_time
DIGITS = "〇一二三四五六七八九"


def parsed_reports() -> list[tuple[bytes, object]]:
    found = []
    for path in real_pages():
        data = path.read_bytes()
        outcome = parse_document(data, url=path.name)
        if outcome.is_report and outcome.report.organ:
            found.append((data, outcome))
    return found


def numbered(template, number: int):
    """A distinct report from a parsed one: organ, title and text carry the number."""
    outcome = copy.copy(template)
    report = copy.copy(template.report)
    tag = "".join(DIGITS[int(d)] for d in str(number))
    report.organ = report.organ + tag
    report.title = (report.title or "") + tag
    report.body_text = report.body_text.replace(template.report.organ, report.organ) + tag
    report.url = outcome.url = f"http://127.0.0.1/r/{number}.html"
    outcome.report = report
    return outcome


def items_of(parsed, count: int, in_stored_form: bool = False) -> list:
    items = []
    for number in range(count):
        data, template = parsed[number % len(parsed)]
        outcome = numbered(template, number)
        if in_stored_form:  # as a reparse worker sends it
            outcome = from_bytes(to_bytes(stored_form(outcome)))
        body = data + f"<!-- {number} -->".encode()
        items.append(PageItem(url=outcome.url, status=200, body=body, content_type="text/html",
                              encoding="utf-8", kind="report"))  # fmt: skip
        items.append(OutcomeItem(outcome=outcome))
    return items


class TimedConnection:
    """An sqlite3 connection that adds the CPU of each call to its statement's kind."""

    def __init__(self, conn):
        self._conn = conn
        self.spent: dict[str, list] = defaultdict(lambda: [0, 0.0])

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def _timed(self, method, kind: str, sql: str, *args):
        start = CLOCK()
        try:
            return method(sql, *args)
        finally:
            entry = self.spent[kind + re.sub(r"\s+", " ", sql.strip())[:80]]
            entry[0] += 1
            entry[1] += CLOCK() - start

    def execute(self, sql, *args):
        return self._timed(self._conn.execute, "", sql, *args)

    def executemany(self, sql, *args):
        return self._timed(self._conn.executemany, "many: ", sql, *args)

    def report(self, reports: int, top: int = 15) -> None:
        ranked = sorted(self.spent.items(), key=lambda entry: -entry[1][1])
        for sql, (calls, seconds) in ranked[:top]:
            print(f"    {1000 * seconds / reports:6.3f} ms/report {calls:6d} calls  {sql}")
        self.spent.clear()


def store_all(store: ReportStore, items: list, batch: int) -> float:
    start = CLOCK()
    for at in range(0, len(items), 2 * batch):
        write_items(store, items[at : at + 2 * batch])
    return CLOCK() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--stored-form", action="store_true")
    parser.add_argument("--lxml-rounds", type=int, default=20)
    args = parser.parse_args(argv)
    parsed = parsed_reports()
    start = CLOCK()
    for _ in range(args.lxml_rounds):
        for data, _ in parsed:
            lxml.html.document_fromstring(data)
    lxml_per = (CLOCK() - start) / args.lxml_rounds / len(parsed)
    items = items_of(parsed, args.reports, args.stored_form)
    with tempfile.TemporaryDirectory(prefix="store-speed-") as work:
        db = Path(work) / "reports.db"
        store = ReportStore(db)
        timed = None
        if args.statements:
            timed = store.db.conn = TimedConnection(store.db.conn)
        profile = cProfile.Profile() if args.profile else None
        if profile:
            profile.enable()
        first = store_all(store, items, args.batch)
        if profile:
            profile.disable()
        if timed:
            print("  statements, first store:")
            timed.report(args.reports)
        second = store_all(store, items, args.batch)
        if timed:
            print("  statements, stored again:")
            timed.report(args.reports)
        reports = store.db.execute("SELECT count(*) FROM reports").fetchone()[0]
        store.close()
        size = sum(p.stat().st_size for p in Path(work).iterdir())
    print(f"{args.reports} reports ({len(parsed)} real report pages, numbered), {args.batch} "
          f"to a transaction{', in stored form' if args.stored_form else ''}; "
          f"lxml parse {1000 * lxml_per:.2f} ms per page")  # fmt: skip
    for name, seconds in (("first store", first), ("stored again (updates)", second)):
        per = seconds / args.reports
        print(f"  {name}: {seconds:.2f} s CPU, {1000 * per:.2f} ms per report "
              f"({per / lxml_per:.1f}× lxml)")  # fmt: skip
    print(f"  reports stored: {reports}; database with WAL: {size / 2**20:.1f} MiB")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return 0 if reports == args.reports else 1


if __name__ == "__main__":
    sys.exit(main())
