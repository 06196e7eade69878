"""Print how fast the parsers read the corpus, next to what lxml alone takes.

Run: .venv/bin/python benchmarks/parse_speed.py [--rounds N]
Figures are printed, not asserted: speed targets live here, not in tests.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parsers import parse_document  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def documents() -> list[Path]:
    pages = sorted(FIXTURES.glob("seeds/*.txt")) + sorted(FIXTURES.glob("corpus/*.html"))
    portal = ROOT / "demo" / "portal"
    pages += sorted(p for p in portal.rglob("*.html") if "pdfjs" not in p.parts)
    return pages


def timed(function, items, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for item in items:
            function(item)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    paths = documents()
    blobs = [(path, path.read_bytes()) for path in paths]
    html_blobs = [data for path, data in blobs if path.suffix == ".html"]
    total_bytes = sum(len(data) for _, data in blobs)

    ours = timed(lambda item: parse_document(item[1], url=str(item[0])), blobs, args.rounds)
    lxml_only = timed(lxml.html.document_fromstring, html_blobs, args.rounds)
    count = len(blobs) * args.rounds
    print(
        f"documents: {len(blobs)} ({len(html_blobs)} HTML), {total_bytes / 1024:.0f} KiB, "
        f"{args.rounds} rounds"
    )
    print(f"parsers: {count / ours:.1f} reports/s ({1000 * ours / count:.1f} ms each)")
    print(
        f"lxml.html alone on the HTML pages: "
        f"{len(html_blobs) * args.rounds / lxml_only:.1f} pages/s "
        f"({1000 * lxml_only / max(1, len(html_blobs) * args.rounds):.2f} ms each)"
    )
    for pdf in sorted(FIXTURES.glob("corpus/*.pdf")):
        data = pdf.read_bytes()
        seconds = timed(lambda blob, name=pdf.name: parse_document(blob, url=name), [data], 1)
        print(f"pdf {pdf.name}: {seconds:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
