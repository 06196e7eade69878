"""python -m parsers FILE... [--db PATH]: parse saved pages and print what they hold as JSON.

Exit status:
  0  every file was read (each is a report or, with its reason, not one)
  1  some file could not be read: missing, unreadable, not a document (an image), or a
     document without readable text (scanned, damaged); the others still go through
  2  bad usage, or --db names a database that cannot be used (one line says why; the
     file is left as it was)
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from parsers.model import ParseOutcome
from parsers.report import parse_document

EXIT_OK, EXIT_UNREAD, EXIT_USAGE = 0, 1, 2


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
        "JSON; with --db, also store the reports in a SQLite database (docs/schema.md). "
        "Documents without readable text (scanned PDFs) are recorded in the database's "
        "pages table with their reason.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
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

    store = None
    if args.db:
        # The database package is not the parsers' business: imported only when asked for.
        from output.store import DatabaseError, open_store

        try:
            store = open_store(args.db)
        except DatabaseError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE

    outcomes: list[ParseOutcome] = []
    unread: list[tuple[str, bytes, ParseOutcome]] = []
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
        if outcome.report is not None:
            outcomes.append(outcome)
        elif outcome.reading_problem:
            print(f"error: {path}: {outcome.reason}", file=sys.stderr)
            failed += 1
            unread.append((path, content, outcome))
        else:
            print(f"skipped: {path}: not a report: {outcome.reason}", file=sys.stderr)
            unread.append((path, content, outcome))
        printed.append(outcome_as_dict(path, outcome))

    if store is not None:
        import sqlite3

        from output.lock import RunLock, lock_path_for

        stored = scanned = skipped = 0
        try:
            with RunLock(lock_path_for(args.db), args.db):  # never beside a crawl's writes
                for outcome in outcomes:  # one at a time: a refused report loses no other
                    try:
                        store.save_outcomes([outcome])
                        stored += 1
                    except (sqlite3.Error, ValueError, OverflowError) as error:
                        print(f"error: {outcome.url}: not stored: {error}", file=sys.stderr)
                        failed += 1
                for path, content, outcome in unread:
                    with store.transaction():
                        if outcome.reading_problem == "scanned":
                            # Kept with its reason, like the crawler keeps a scanned
                            # attachment, so that a later reader (crawler.reparse) finds it.
                            store.save_page(
                                path, None, content, None, None, "attachment", outcome.reason
                            )
                            scanned += 1
                        else:  # not a report, a corrupt file: a trace, and why
                            store.save_skipped(path, "", outcome.reason, None)
                            skipped += 1
        finally:
            store.close()
        print(
            f"stored {stored} report(s), {scanned} scanned document(s) not read and "
            f"{skipped} other file(s) recorded as skipped in {args.db}",
            file=sys.stderr,
        )
    if not args.quiet:
        json.dump(printed, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    return EXIT_UNREAD if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
