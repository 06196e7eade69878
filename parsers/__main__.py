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
    parser.add_argument(
        "--no-ocr",
        action="store_true",
        help="do not OCR pages without a text layer (scans are then recorded, not read)",
    )
    args = parser.parse_args(argv)
    if args.no_ocr:
        from parsers import ocr

        ocr.set_enabled(False)

    outcomes: list[ParseOutcome] = []
    not_reports: list[ParseOutcome] = []
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
            not_reports.append(outcome)
        else:
            outcomes.append(outcome)
        printed.append(outcome_as_dict(path, outcome))

    if args.db:
        from output.store import ReportStore

        store = ReportStore(args.db)
        store.migrate()
        store.save_outcomes(outcomes)
        with store.transaction():
            # Recorded with its reason (a scan over the page cap, a corrupt picture …), so
            # that a file that was not read leaves a trace.
            for outcome in not_reports:
                store.save_skipped(outcome.url, "", outcome.reason, None)
        print(
            f"stored {len(outcomes)} report(s) in {args.db}"
            + (f"; {len(not_reports)} file(s) recorded as skipped" if not_reports else ""),
            file=sys.stderr,
        )
    if not args.quiet:
        json.dump(printed, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
