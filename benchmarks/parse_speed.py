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


def corpus_documents() -> list[Path]:
    """The real documents: seed text renderings and the corpus HTML pages."""
    return sorted(FIXTURES.glob("seeds/*.txt")) + sorted(FIXTURES.glob("corpus/*.html"))


def portal_pages() -> list[Path]:
    """The demo portal's pages: the same reports in portal chrome, plus list pages."""
    portal = ROOT / "demo" / "portal"
    return sorted(p for p in portal.rglob("*.html") if "pdfjs" not in p.parts)


def timed(function, items, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for item in items:
            function(item)
    return time.perf_counter() - start


def report(label: str, paths: list[Path], rounds: int) -> None:
    blobs = [(path, path.read_bytes()) for path in paths]
    html = [data for path, data in blobs if path.suffix == ".html"]
    reports = sum(parse_document(data, url=str(path)).is_report for path, data in blobs)
    ours = timed(lambda item: parse_document(item[1], url=str(item[0])), blobs, rounds)
    lxml_only = timed(lxml.html.document_fromstring, html, rounds)
    count = len(blobs) * rounds
    size = sum(len(data) for _, data in blobs) / 1024
    print(f"{label}: {len(blobs)} documents ({reports} reports, {len(html)} HTML), {size:.0f} KiB")
    print(f"  parsers:   {count / ours:8.1f} documents/s  ({1000 * ours / count:.2f} ms each)")
    if html:
        per_page = lxml_only / (len(html) * rounds)
        print(f"  lxml only: {1 / per_page:8.1f} pages/s      ({1000 * per_page:.2f} ms each)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    report("corpus (seeds + real HTML)", corpus_documents(), args.rounds)
    report("demo portal pages", portal_pages(), args.rounds)
    for pdf in sorted(FIXTURES.glob("corpus/*.pdf")):
        data = pdf.read_bytes()
        seconds = timed(lambda blob, name=pdf.name: parse_document(blob, url=name), [data], 1)
        print(f"pdf {pdf.name}: {seconds:.2f} s")
    row = "<tr>" + "".join(f"<td>{i}</td>" for i in range(10)) + "</tr>"
    big = f"<html><body><div id='zoom'><table>{row * 20000}</table></div></body></html>".encode()
    seconds = timed(lambda blob: parse_document(blob, url="big.html"), [big], 1)
    print(f"a {len(big) / 2**20:.1f} MiB page of tables: {seconds:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
