"""What a report costs between a crawl's parse worker and its database: the outcome's
item against the stored form the worker builds (crawler.worker's with_stored).

    .venv/bin/python benchmarks/crawl_handoff.py [--reports 1000] [--batch 50] [--rounds 3]

Each report page of the real pages (store_speed.py's, numbered) as the worker answers it
and as its items reach the storage pipeline: its OutcomeItem (the worker's text hash on
it) and its PageItem. Then, CPU per report, best of --rounds, the two forms taking
turns within each round:

- worker: the answer built (the stored form: crawler.worker._for_the_crawl) and pickled;
- crawl's process: the answer unpickled (by the thread handing the job out), then the
  batch pickled for the writer (crawler.store_process.pack) as SqliteStorePipeline
  buffers the items (crawler.items.for_writer);
- writer: the batch unpickled and written (crawler.storing.write_items) into a fresh
  database, one transaction a batch, as the writer process does.

Figures, not asserts; the two databases are compared (the same reports, cells, checks).
"""

from __future__ import annotations

import argparse
import copy
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from store_speed import numbered, parsed_reports  # noqa: E402

from crawler import worker  # noqa: E402
from crawler.items import OutcomeItem, PageItem, for_writer  # noqa: E402
from crawler.store_process import pack  # noqa: E402
from crawler.storing import write_items  # noqa: E402
from output.store import ReportStore  # noqa: E402
from output.text_identity import text_hash  # noqa: E402

CLOCK = time.process_time


def answers(count: int) -> dict[str, list]:
    """form -> [(the worker's answer as it builds it, the page's body)] of count reports."""
    parsed = parsed_reports()
    found: dict[str, list] = {"outcome": [], "stored form": []}
    for number in range(count):
        data, template = parsed[number % len(parsed)]
        outcome = numbered(template, number)
        body = data + f"<!-- {number} -->".encode()
        found["outcome"].append(((outcome,), body))
        found["stored form"].append(((outcome, True), body))
    return found


def answered(jobs: list) -> tuple[float, float, list]:
    """(CPU s of the worker's side, of the crawl's unpickling, the answers as received)."""
    start = CLOCK()
    sent = []
    for job, _ in jobs:
        if len(job) == 1:  # as base: the outcome and its text hash
            outcome = job[0]
            answer = ("done", outcome, text_hash(outcome.report.body_text))
        else:
            answer = ("done", *worker._for_the_crawl(copy.copy(job[0])))
        sent.append(pickle.dumps(answer, pickle.HIGHEST_PROTOCOL))
    building = CLOCK() - start
    start = CLOCK()
    received = [pickle.loads(data) for data in sent]
    return building, CLOCK() - start, received


def crawl_items(received: list, jobs: list) -> list:
    items = []
    for (_, outcome, digest, *stored), (_, body) in zip(received, jobs, strict=True):
        item = OutcomeItem(outcome, None, "s", digest, True, stored[0] if stored else None)
        page = PageItem(outcome.url, 200, body, "text/html", "utf-8", "report", "report", "s")
        items += [for_writer(item), page]
    return items


def handed_off(items: list, batch: int, work: Path, name: str) -> tuple[float, float, list]:
    """(CPU s packing the batches, CPU s unpickling and writing them, the stored rows)."""
    batches = [items[at : at + 2 * batch] for at in range(0, len(items), 2 * batch)]
    start = CLOCK()
    packed = [pack(b) for b in batches]
    packing = CLOCK() - start
    store = ReportStore(work / f"{name}.db")
    start = CLOCK()
    for b in packed:
        write_items(store, pickle.loads(b.data))
    writing = CLOCK() - start
    rows = [
        store.db.execute(sql).fetchall()
        for sql in (
            "SELECT id, url, title, organ, year, body_text, text_hash, warnings_json,"
            " sections_json, encoding FROM reports ORDER BY id",
            "SELECT * FROM report_cells ORDER BY report_id, key",
            "SELECT * FROM report_checks ORDER BY report_id, name",
        )
    ]
    store.close()
    return packing, writing, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    jobs = answers(args.reports)
    best: dict[str, list[float]] = {}
    same = True
    with tempfile.TemporaryDirectory(prefix="crawl-handoff-") as work:
        for round_ in range(args.rounds):
            rows = {}
            for name, todo in jobs.items():
                building, receiving, received = answered(todo)
                items = crawl_items(received, todo)
                packing, writing, rows[name] = handed_off(
                    items, args.batch, Path(work), f"{name}-{round_}".replace(" ", "-")
                )
                figures = [building, receiving + packing, writing]
                best[name] = [min(p) for p in zip(best.get(name, figures), figures, strict=True)]
            same &= rows["outcome"] == rows["stored form"]
    per = 1000 / args.reports
    print(f"{args.reports} reports, {args.batch} to a batch; CPU ms a report, best of "
          f"{args.rounds} rounds")  # fmt: skip
    print(f"{'form':<12} {'worker':>8} {'crawl':>8} {'writer':>8} {'sum':>8}")
    for name, figures in best.items():
        shown = " ".join(f"{seconds * per:8.3f}" for seconds in [*figures, sum(figures)])
        print(f"{name:<12} {shown}")
    print("stored rows:", "the same" if same else "DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
