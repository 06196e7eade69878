"""Print what OCR costs: seconds per page (wall and CPU) and peak RSS, scan by scan.

Run: .venv/bin/python benchmarks/ocr_speed.py [SCAN.pdf ...] [--threads N] [--workers N]
Without arguments it reads the scanned fixtures (tests/fixtures/scans/*.pdf). Each scan
is parsed in a fresh process (the engine's load excluded from the per-page figures), the
way a worker meets its first scan; then the pages of all scans are shared among
``--workers`` processes at once (default 2, one per core, as the crawl's parse pool
runs them) and the wall time per page of the whole is printed. Figures are printed,
not asserted. Targets (issue 13): at most 3 s per A4 page on a 2-core machine, at most
1 GB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import machine  # benchmarks/machine.py, beside this script

ROOT = Path(__file__).resolve().parents[1]

# Runs in the child: parse one file, report pages, times and the peak RSS as JSON.
_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from parsers import parse_document
from parsers.ocr.engine import models
start = time.perf_counter(); cpu = time.process_time()
models()
load = time.perf_counter() - start
start = time.perf_counter(); cpu = time.process_time()
outcome = parse_document(open(sys.argv[1], "rb").read(), url=sys.argv[1])
wall = time.perf_counter() - start; cpu = time.process_time() - cpu
import pypdfium2
pages = len(pypdfium2.PdfDocument(sys.argv[1]))
cells = len(outcome.report.cells) if outcome.report else 0
flagged = sum(c.flagged for c in outcome.report.cells) if outcome.report else 0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(dict(load=load, wall=wall, cpu=cpu, pages=pages, cells=cells,
                      flagged=flagged, rss=rss, reason=outcome.reason)))
"""

# Runs in each of the parallel workers: OCR its share of the pages of every scan.
_WORKER = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import pypdfium2
from parsers.ocr import read_pdf_pages
from parsers.ocr.engine import models
models()
print("ready", flush=True)
sys.stdin.readline()
worker, workers, pages = int(sys.argv[2]), int(sys.argv[3]), 0
for scan in sys.argv[4:]:
    data = open(scan, "rb").read()
    numbers = list(range(len(pypdfium2.PdfDocument(data))))[worker::workers]
    pages += len(read_pdf_pages(data, numbers))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(dict(pages=pages, rss=rss)))
"""


def parallel(scans: list[str], workers: int, env: dict) -> bool:
    """Every page of the scans read by ``workers`` processes at once: wall s/page. False
    when a worker failed (said on one line)."""
    import time

    children = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(ROOT), str(n), str(workers), *scans],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(workers)
    ]
    for child in children:  # engines loaded before the clock starts
        child.stdout.readline()
    start = time.perf_counter()
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    outputs = [child.communicate()[0].strip().splitlines() for child in children]
    wall = time.perf_counter() - start
    pairs = zip(children, outputs, strict=True)
    if any(child.returncode != 0 or not lines for child, lines in pairs):
        print(f"{workers} workers at once: failed (exit {[c.returncode for c in children]})")
        return False
    rows = [json.loads(lines[-1]) for lines in outputs]
    pages = sum(row["pages"] for row in rows)
    print(
        f"{workers} workers at once: {pages} pages in {wall:.1f} s, {wall / max(pages, 1):.2f} "
        f"s/page wall, peak RSS per worker {max(row['rss'] for row in rows):.0f} MiB"
    )
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scans", nargs="*")
    parser.add_argument("--threads", type=int, help="onnxruntime threads (REPORTS_OCR_THREADS)")
    parser.add_argument("--workers", type=int, default=2, help="processes reading at once")
    args = parser.parse_args()
    scans = args.scans or [str(p) for p in sorted((ROOT / "tests/fixtures/scans").glob("*.pdf"))]
    if not scans:
        print("no scans given and none in tests/fixtures/scans", file=sys.stderr)
        return 2
    unreadable = [scan for scan in scans if not Path(scan).is_file()]
    if unreadable:
        print(f"not a file: {', '.join(unreadable)}", file=sys.stderr)
        return 2
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    env = dict(os.environ)
    if args.threads:
        env["REPORTS_OCR_THREADS"] = str(args.threads)
    print(f"machine: {machine.describe()}")
    total_pages = total_wall = total_cpu = peak = 0.0
    failed = 0
    for scan in scans:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, scan, str(ROOT)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if done.returncode != 0:
            print(f"{scan}: failed: {done.stderr.strip().splitlines()[-1:]}")
            failed += 1
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        total_pages += row["pages"]
        total_wall += row["wall"]
        total_cpu += row["cpu"]
        peak = max(peak, row["rss"])
        print(
            f"{Path(scan).name}: {row['pages']} pages, {row['wall'] / row['pages']:.2f} s/page "
            f"wall, {row['cpu'] / row['pages']:.2f} s/page CPU, engine load {row['load']:.1f} s, "
            f"peak RSS {row['rss']:.0f} MiB, {row['cells']} cells ({row['flagged']} flagged)"
            + (f", not a report: {row['reason']}" if row["reason"] else "")
        )
    if total_pages:
        print(
            f"all: {total_pages:.0f} pages, {total_wall / total_pages:.2f} s/page wall, "
            f"{total_cpu / total_pages:.2f} s/page CPU, peak RSS {peak:.0f} MiB "
            "(targets: 3 s/page on 2 cores, 1024 MiB)"
        )
    if args.workers > 1 and not failed and not parallel(scans, args.workers, env):
        failed += 1
    print(f"{failed} failed" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
