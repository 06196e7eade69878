"""python -m parsers FILE... [--db PATH]: parse saved pages and print what they hold as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from parsers.model import ParseOutcome
from parsers.report import parse_document


def outcome_as_dict(path: str, outcome: ParseOutcome) -> dict:
    result: dict = {"file": path, "is_report": outcome.is_report, "encoding": outcome.encoding}
    if outcome.report is None:
        result["reason"] = outcome.reason
    else:
        result["report"] = asdict(outcome.report)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m parsers",
        description="Parse saved annual-report pages (.html, .htm, .txt, .pdf, .docx) and print "
        "JSON; with --db, also store the reports in a SQLite database (spec/db.md).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--db", metavar="PATH", help="write the reports into this SQLite file")
    parser.add_argument("--quiet", action="store_true", help="print no JSON, only problems")
    args = parser.parse_args(argv)

    outcomes: list[ParseOutcome] = []
    printed: list[dict] = []
    failed = 0
    for path in args.files:
        try:
            content = Path(path).read_bytes()
        except OSError as error:
            print(f"error: {path}: cannot read: {error.strerror or error}", file=sys.stderr)
            failed += 1
            continue
        outcome = parse_document(content, url=path)
        if outcome.report is None:
            print(f"skipped: {path}: not a report: {outcome.reason}", file=sys.stderr)
        else:
            outcomes.append(outcome)
        printed.append(outcome_as_dict(path, outcome))

    if args.db:
        import sqlite3

        from output.lock import RunLock, lock_path_for
        from output.store import ReportStore

        stored = 0
        with RunLock(lock_path_for(args.db), args.db):  # never beside a crawl's writes
            store = ReportStore(args.db)
            for outcome in outcomes:  # one at a time: a refused report loses no other
                try:
                    store.save_outcomes([outcome])
                    stored += 1
                except (sqlite3.Error, ValueError, OverflowError) as error:
                    print(f"error: {outcome.url}: not stored: {error}", file=sys.stderr)
                    failed += 1
            store.close()
        print(f"stored {stored} report(s) in {args.db}", file=sys.stderr)
    if not args.quiet:
        json.dump(printed, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
