"""Where our crawl's CPU goes, by thread and by step: `scrapy crawl` run under timers.

    .venv/bin/python benchmarks/crawl_threads.py OUT.json [--profile OUT.prof] -- SCRAPY-ARGS

crawl_speed.py reads the CPU of the reactor thread and of "other threads" from /proc;
Python 3.11 does not give its threads OS names, so which thread is which (the SQLite
writer, the parse dispatch threads, Twisted's DNS pool) is known only inside the
process. This runs `scrapy SCRAPY-ARGS` in this process and writes to OUT.json:

- "threads": CPU seconds of each Python thread by name (time.thread_time at its end),
  the main thread (the reactor) included;
- "steps": CPU seconds, in the thread that ran them, of write_items (a batch stored:
  the writer thread) and within it save_outcomes (stored_form within it: the rows and
  the text hash), save_page and the search index at COMMIT
  (output.search.index_pending); and ParsePool.parse (a parse job handed out and its
  answer read: the dispatch threads), with their call counts.

Since s18-crawl the SQLite writer is a process of its own (crawler.store_process): its
steps (write_items, save_outcomes, ...) run there, not under these timers, and "sqlite-
writer" is the thread handing batches to it; crawl_timeline.py shows its CPU.

--profile: cProfile of the main thread (the reactor) as well, written there, by thread
CPU (it slows the reactor ~5x and weighs every Python call: a loop of 200 small calls
looks 5-10 times dearer than it is).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

# Run from the project's root (scrapy.cfg): the tree measured is the one there.
sys.path.insert(0, os.getcwd())

_lock = threading.Lock()
threads: dict[str, float] = defaultdict(float)
steps: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])


def _base(name: str) -> str:
    """A pool thread's name without its number (parse_0, parse_1 -> parse)."""
    head, _, tail = name.rpartition("_")
    return head if head and tail.isdigit() else name


def _count_threads() -> None:
    run = threading.Thread.run

    def timed_run(self) -> None:
        try:
            run(self)
        finally:
            with _lock:
                threads[_base(self.name)] += time.thread_time()

    threading.Thread.run = timed_run


def _time_step(owner, name: str, label: str) -> None:
    function = getattr(owner, name)

    @functools.wraps(function)
    def timed(*args, **kwargs):
        start = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent = time.thread_time() - start
            with _lock:
                steps[label][0] += spent
                steps[label][1] += 1

    setattr(owner, name, timed)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--profile", type=Path)
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    scrapy_args = argv[split + 1 :]

    import output.database
    import output.reports
    from crawler import storing, worker
    from output.store import ReportStore

    _count_threads()
    # index_pending is called by name from output.database: patched there.
    _time_step(output.database, "index_pending", "search index at COMMIT")
    _time_step(storing, "write_items", "write_items (a batch)")
    _time_step(ReportStore, "save_outcomes", "save_outcomes (in write_items)")
    _time_step(ReportStore, "save_page", "save_page (in write_items)")
    # Imported by name into output.reports: the rows of a report and its text hash.
    _time_step(output.reports, "stored_form", "stored_form (in save_outcomes)")
    _time_step(worker.ParsePool, "parse", "ParsePool.parse (a job, dispatch side)")
    from scrapy.cmdline import execute

    # Thread CPU, not wall: a socket call waiting for the GIL is not the reactor's work.
    profile = cProfile.Profile(time.thread_time) if args.profile else None
    code = 0
    if profile:
        profile.enable()
    try:
        execute(["scrapy", *scrapy_args])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        if profile:
            profile.disable()
            profile.dump_stats(str(args.profile))
        threads["main (reactor)"] = time.thread_time()
        report = {
            "threads": dict(threads),
            "steps": {label: {"cpu s": s, "calls": n} for label, (s, n) in steps.items()},
        }
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
