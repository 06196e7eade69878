"""Where a crawl's cores sit idle: CPU of each thread and worker, and the queues, over time.

    .venv/bin/python benchmarks/crawl_timeline.py OUT.json [--pages N] [--every S] [--bucket S]
    .venv/bin/python benchmarks/crawl_timeline.py OUT.json [options] -- SCRAPY-ARGS

Crawls crawl_speed.py's portal of --pages report pages (built in a temporary folder and
served on 127.0.0.1, politeness off, as there), or runs `scrapy SCRAPY-ARGS`, in this
process (as crawl_threads.py does), with a sampler
thread that, every --every seconds, reads the CPU ticks of each thread of this process
(/proc/self/task/TID/stat) and of each child process (the parse workers), and the
pipeline's queues:

- "scraper": responses waiting in Scrapy's scraper (its slot's queue and active set);
- "downloading": requests in Scrapy's downloader;
- "jobs": parse jobs handed to the pool and not answered (ParsePool: its dispatch
  threads' queue plus the jobs in the workers);
- "batches": batches handed to the SQLite writer (a thread, or a process of its own:
  "store") and not committed (BatchWriter.pending),
  "buffered": items waiting for the next batch.

Python 3.11 gives its threads no OS names, so each thread's native id is logged with
its Python name when it starts (threading.Thread.run patched), which maps /proc's TIDs
to roles: the main thread (the reactor), the SQLite writer, the parse dispatch threads.

Printed: one line per --bucket seconds (CPU share of a core by role, the queues at the
bucket's end), then the phases (start-up: until the first parse job; steady: until the
last response is downloaded; end: until the process is done) with each role's CPU and
the cores used on average. OUT.json holds every sample.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

# Run from the project's root (scrapy.cfg): the tree measured is the one there.
sys.path.insert(0, os.getcwd())

TICKS = os.sysconf("SC_CLK_TCK")
ROLES = ("reactor", "writer", "dispatch", "store", "workers", "other")

_names: dict[int, str] = {}  # native thread id -> Python thread name
_seen: dict[str, object] = {}  # "pool", "store": the objects whose queues are read
_marks: dict[str, float] = {}  # "first job", "last download", "closing" -> seconds


def _name_threads() -> None:
    run = threading.Thread.run

    def named_run(self) -> None:
        _names[threading.get_native_id()] = self.name
        run(self)

    threading.Thread.run = named_run


def _role(name: str) -> str:
    if name.startswith("sqlite-writer"):
        return "writer"
    if name.startswith("parse"):
        return "dispatch"
    return "other"


def _ticks(stat: Path) -> int:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


_last: dict[tuple[int, int], tuple[str, float]] = {}  # (pid, tid) -> (role, CPU s)


def cpu_by_role(sampler_tid: int) -> dict[str, float]:
    """CPU seconds so far of this process's threads by role, and of its children; a
    thread or worker gone keeps the seconds it was last seen with."""
    pid = os.getpid()
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            tid = int(task.name)
            seconds = _ticks(task / "stat") / TICKS
            children += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
        if tid != sampler_tid:
            role = "reactor" if tid == pid else _role(_names.get(tid, ""))
            _last[pid, tid] = (role, seconds)
    for child in children:  # the parse workers, the store's writer process (when it has one)
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()  # empty once it exits
            role = "store" if b"crawler.store_process" in command else "workers"
            for task in Path(f"/proc/{child}/task").iterdir():
                key = child, int(task.name)
                role = _last[key][0] if key in _last else role  # a role once seen stays
                _last[key] = (role, _ticks(task / "stat") / TICKS)
        except (OSError, ValueError, IndexError):
            continue
    cpu = dict.fromkeys(ROLES, 0.0)
    for role, seconds in _last.values():
        cpu[role] += seconds
    return cpu


def queues() -> dict[str, int]:
    found = {}
    store = _seen.get("store")
    engine = getattr(getattr(store, "crawler", None), "engine", None)
    if engine is not None:
        slot = getattr(engine.scraper, "slot", None)
        if slot is not None:
            found["scraper"] = len(slot.queue) + len(slot.active)
        found["downloading"] = len(engine.downloader.active)
    pool = _seen.get("pool")
    if pool is not None:
        found["jobs"] = pool.threads._work_queue.qsize() + pool.started - pool.idle.qsize()
    if store is not None:
        writer = store.writer
        found["batches"] = len(writer.pending) if writer is not None else 0
        found["buffered"] = len(store.buffer)
    return found


def _watch() -> None:
    """Remember the pool and the store pipeline, and the moments the phases change."""
    from crawler import pipelines, worker

    start = time.perf_counter()

    def mark(name: str, last: bool = False) -> None:
        if last or name not in _marks:
            _marks[name] = time.perf_counter() - start

    init, parse = worker.ParsePool.__init__, worker.ParsePool.parse
    open_, close = (
        pipelines.SqliteStorePipeline.open_spider,
        pipelines.SqliteStorePipeline.close_spider,
    )

    def pool_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        _seen["pool"] = self

    def pool_parse(self, *args, **kwargs):
        mark("first job")
        return parse(self, *args, **kwargs)

    def store_open(self):
        _seen["store"] = self
        return open_(self)

    def store_close(self):
        mark("closing")
        return close(self)

    worker.ParsePool.__init__, worker.ParsePool.parse = pool_init, pool_parse
    pipelines.SqliteStorePipeline.open_spider = store_open
    pipelines.SqliteStorePipeline.close_spider = store_close
    return start, mark


_sampler: list[int] = []  # the sampler thread's native id, left out of the figures


def sample(every: float, done: threading.Event, start: float, mark, out: list) -> None:
    me = threading.get_native_id()
    _sampler.append(me)
    while not done.is_set():
        row = {"t": time.perf_counter() - start, "cpu": cpu_by_role(me), **queues()}
        if row.get("downloading") or row.get("scraper"):
            mark("last download", last=True)
        out.append(row)
        done.wait(every)


def summary(samples: list[dict], bucket: float) -> str:
    lines = []
    head = f"{'t s':>6} " + " ".join(f"{r:>8}" for r in ROLES) + "   cores  queues"
    lines.append("CPU share of a core by role (1.00 = one core busy), queues at the end")
    lines.append(head)
    last, edge = samples[0], bucket
    for row in samples[1:]:
        if row["t"] < edge and row is not samples[-1]:
            continue
        span = row["t"] - last["t"] or 1e-9
        shares = {r: (row["cpu"][r] - last["cpu"][r]) / span for r in ROLES}
        keys = ("scraper", "downloading", "jobs", "batches", "buffered")
        queue = " ".join(f"{k[:4]}={row[k]}" for k in keys if k in row)
        line = f"{row['t']:6.1f} " + " ".join(f"{shares[r]:8.2f}" for r in ROLES)
        lines.append(f"{line}   {sum(shares.values()):5.2f}  {queue}")
        last, edge = row, edge + bucket
    return "\n".join(lines)


def phases(samples: list[dict], marks: dict[str, float]) -> str:
    end = samples[-1]["t"]
    bounds = [
        ("start-up", 0.0, marks.get("first job", end)),
        ("steady", marks.get("first job", end), marks.get("last download", end)),
        ("end", marks.get("last download", end), end),
    ]
    lines = [f"\n{'phase':<9} {'from':>6} {'to':>6} " + " ".join(f"{r:>8}" for r in ROLES)
             + "   cores"]  # fmt: skip

    def at(t: float) -> dict[str, float]:
        return min(samples, key=lambda row: abs(row["t"] - t))["cpu"]

    for name, begin, stop in bounds:
        a, b = at(begin), at(stop)
        spent = {r: b[r] - a[r] for r in ROLES}
        span = max(stop - begin, 1e-9)
        cells = " ".join(f"{spent[r]:8.2f}" for r in ROLES)
        lines.append(
            f"{name:<9} {begin:6.1f} {stop:6.1f} {cells}   {sum(spent.values()) / span:5.2f}"
        )
    if "closing" in marks:
        lines.append(f"(the store pipeline's close_spider began at {marks['closing']:.1f} s)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--every", type=float, default=0.1, help="seconds between samples")
    parser.add_argument("--bucket", type=float, default=1.0, help="seconds a printed line")
    parser.add_argument("--pages", type=int, default=2000, help="report pages of the portal")
    parser.add_argument("--concurrency", type=int, default=16, help="requests at a time")
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    with tempfile.TemporaryDirectory(prefix="crawl-timeline-") as work:
        if split < len(argv):
            return timeline(args, argv[split + 1 :])
        # The measured tree's own crawl_speed (it puts its tree first on sys.path).
        sys.path.insert(0, os.path.join(os.getcwd(), "benchmarks"))
        import crawl_speed

        portal = Path(work) / "portal"
        crawl_speed.build_portal(portal, args.pages)
        server, base_url = crawl_speed.start_server(portal)
        lists = -(-args.pages // crawl_speed.PER_LIST_PAGE)
        scrapy_args = ["crawl", "annual_reports", "-a", f"start_url={base_url}/list.html"]
        scrapy_args += ["-a", f"max_pages={lists + 10}", "-s", f"REPORTS_DB={work}/reports.db"]
        scrapy_args += crawl_speed.politeness_off(args.concurrency)
        try:
            return timeline(args, scrapy_args)
        finally:
            server.terminate()
            server.wait()


def timeline(args, scrapy_args: list[str]) -> int:
    _name_threads()
    start, mark = _watch()
    samples: list[dict] = []
    done = threading.Event()
    sampler = threading.Thread(
        target=sample, args=(args.every, done, start, mark, samples), daemon=True
    )
    sampler.start()
    from scrapy.cmdline import execute

    code = 0
    try:
        execute(["scrapy", *scrapy_args])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        done.set()
        sampler.join()
        samples.append({"t": time.perf_counter() - start, "cpu": cpu_by_role(_sampler[0])})
        args.out.write_text(json.dumps({"marks": _marks, "samples": samples}, indent=0))
        print(summary(samples, args.bucket))
        print(phases(samples, _marks))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
