"""How fast a crawl runs when the network is not the limit: ours against a bare spider.

    .venv/bin/python benchmarks/crawl_speed.py [--pages 2000] [--concurrency 16] [--pairs 3]
                                               [--keep DIR]

1. Builds a synthetic portal: a column of --pages report pages (/list.html,
   /list_2.html, … 20 links each), every page the real report of 上海市人民政府办公厅
   (tests/fixtures/corpus, 198 table cells) under its own title, in a page template
   made here, the digits of its text its own (benchmarks/variants.py: each report's
   numbers new to the parsers' caches, as in a crawl). Served on 127.0.0.1 by
   demo/server.py in a process of its own.
2. Crawls it with a bare Scrapy spider (benchmarks/bare_spider.py: follows the same
   links, parses and stores nothing), then with ours (`scrapy crawl annual_reports`,
   storing into a fresh SQLite file), both with politeness off: no delay, no
   AutoThrottle, --concurrency requests at a time. --pairs N runs both N times, taking
   turns (bare first, then ours first, ...), and judges the median of the N ratios: a
   bare crawl alone swings by 10-35% between runs on a small machine (its CPU seconds
   and the share of its clock it spent on the CPU both move; each crawl's line says
   how many cores it kept busy).
3. Re-parses the stored database (`python -m crawler.reparse`, with the processes it
   uses), next to a bare lxml parse and parse_document of the same stored report
   bodies in this process (one core), and what a job in a parse worker costs (CPU in
   the worker and in the process handing it out, the outcome's pickle).

Printed: seconds, pages/s and peak RSS (summed over the process and its children) of
each crawl, ours/bare as a ratio for each pair and their median, the database's size,
reparse per report against lxml per report. Figures, not asserts (exit status 0 when
every run finished, 1 when one failed, 2 for bad arguments). Targets (issue 12): ours
≤ 1.5× the bare crawl (the median), peak RSS ≤ 300 MiB, reparse ≤ 2× lxml per report.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import zlib
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import machine  # noqa: E402  (benchmarks/machine.py, beside this script)
from variants import with_own_digits  # noqa: E402  (benchmarks/variants.py)

from parsers import parse_document  # noqa: E402

REPORT = ROOT / "tests" / "fixtures" / "corpus" / "shanghai-bgt-2019.html"
PER_LIST_PAGE = 20
CRAWL_OVER_BARE = 1.5
PEAK_RSS_MIB = 300
REPARSE_OVER_LXML = 2.0


def build_portal(root: Path, pages: int) -> None:
    """The column and its report pages (see the module's docstring)."""
    fragment = REPORT.read_text(encoding="utf-8")
    (root / "r").mkdir(parents=True)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    titles = [f"示范县{n}号单位2023年政府信息公开工作年度报告" for n in range(1, pages + 1)]
    for n, title in enumerate(titles, start=1):
        page = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            '<body><div class="nav"><a href="/">首页</a> <a href="/list.html">信息公开年报</a>'
            f'</div><div class="content"><h1>{title}</h1>{with_own_digits(fragment, n)}</div>'
            '<div class="footer">主办：示范县人民政府 网站标识码：1234567890</div></body></html>'
        )
        (root / "r" / f"{n}.html").write_text(page, encoding="utf-8")
    chunks = [range(i, min(i + PER_LIST_PAGE, pages)) for i in range(0, pages, PER_LIST_PAGE)]
    for number, chunk in enumerate(chunks, start=1):
        items = "".join(
            f'<li><a href="/r/{i + 1}.html">{titles[i]}</a><span>2024-02-09</span></li>'
            for i in chunk
        )
        pager = f'<a href="list_{number + 1}.html">下一页</a>' if number < len(chunks) else ""
        name = "list.html" if number == 1 else f"list_{number}.html"
        (root / name).write_text(
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>信息公开年报</title>'
            f'</head><body><ul class="list">{items}</ul><div class="pager">{pager}</div>'
            "</body></html>",
            encoding="utf-8",
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "demo.server", "--root", str(root), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    base_url = server.stdout.readline().strip().rstrip("/")  # printed once it listens
    return server, base_url


TICKS = os.sysconf("SC_CLK_TCK")


STORE_PROCESS = b"crawler.store_process"  # the command line of the crawl's SQLite writer


def tree_sample(pid: int, cpu: dict[tuple[int, int, bool], float]) -> int:
    """Resident bytes of ``pid`` and all its descendants (0 once they are gone); records
    the CPU seconds used so far by each (process, thread, the store's writer or not)
    into ``cpu``."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            store = STORE_PROCESS in Path(f"/proc/{current}/cmdline").read_bytes()
            status = Path(f"/proc/{current}/status").read_text()
            total += next(
                int(line.split()[1]) * 1024 for line in status.splitlines() if line[:6] == "VmRSS:"
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                # utime and stime: fields 14 and 15, counted after the ")" ending the name
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                cpu[current, int(task.name), store] = (int(fields[11]) + int(fields[12])) / TICKS
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError, IndexError):
            continue
    return total


def cpu_split(pid: int, cpu: dict[tuple[int, int, bool], float]) -> dict[str, float]:
    """CPU seconds of the main thread (the reactor), the process's other threads
    (parse dispatch, the hand-off to the SQLite writer, DNS), the SQLite writer's process
    and the other child processes (parse workers)."""
    split = {"main thread": 0.0, "other threads": 0.0, "store process": 0.0}
    split["child processes"] = 0.0
    for (process, thread, store), seconds in cpu.items():
        if store:
            split["store process"] += seconds
        elif process != pid:
            split["child processes"] += seconds
        else:
            split["main thread" if thread == pid else "other threads"] += seconds
    return split


def timed_run(command: list[str], cwd: Path, env: dict) -> tuple[int, float, int, str, dict]:
    """(exit status, seconds, peak RSS bytes of the process tree, stdout, CPU split)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    peak = 0
    cpu: dict[tuple[int, int, bool], float] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_sample(process.pid, cpu))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return process.returncode, seconds, peak, out, cpu_split(process.pid, cpu)


def crawl_command(name: str, start_url: str, lists: int, db: Path, concurrency: int) -> list[str]:
    """The bare spider's command (run outside the project: scrapy.cfg would bring our
    settings and pipelines) or ours, storing into ``db``."""
    if name == "bare":
        command = [sys.executable, "-m", "scrapy", "runspider"]
        command += [str(ROOT / "benchmarks" / "bare_spider.py"), "-a", f"start_url={start_url}"]
    else:
        command = [sys.executable, "-m", "scrapy", "crawl", "annual_reports"]
        command += ["-a", f"start_url={start_url}", "-a", f"max_pages={lists + 10}"]
        command += ["-s", f"REPORTS_DB={db}"]
    return command + politeness_off(concurrency)


def politeness_off(concurrency: int) -> list[str]:
    settings = {
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0",
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "ROBOTSTXT_OBEY": "1",
        "LOG_LEVEL": "WARNING",
    }
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def stored_report_bodies(db: Path) -> list[bytes]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT p.body FROM pages p JOIN reports r ON r.url = p.url WHERE p.body IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    return [zlib.decompress(body) for (body,) in rows]


def per_document(functions: list, documents: list[bytes]) -> list[float]:
    """Seconds per document of each function, interleaved document by document so that
    a busy spell of the machine weighs on all alike."""
    totals = [0.0] * len(functions)
    for function in functions:
        if documents:
            function(documents[0])  # imports and compiled patterns are not per document
    for document in documents:
        for index, function in enumerate(functions):
            start = time.perf_counter()
            function(document)
            totals[index] += time.perf_counter() - start
    return [total / max(len(documents), 1) for total in totals]


def worker_costs(bodies: list[bytes], sample: int = 200) -> dict[str, float]:
    """What a parse job costs (crawler.worker), in CPU, as the crawl asks it (the text
    hash too): in the worker and in the process that sends the body and unpickles the
    outcome (a crawl's reactor process), beside parse_document in this process before
    and after (on a busy machine the difference is noise); and the pickled outcome.

    Counted from a warm-up job on (the worker's start, ~0.5 s of imports that vary by
    ~0.1 s from one start to the next, is not a job's cost: subtracted, it swung the
    figure by ~0.5 ms a job), the worker's CPU read from its /proc/PID/schedstat
    (nanoseconds; /proc/PID/stat counts 10 ms ticks)."""
    from crawler.worker import ParsePool

    documents = bodies[:sample]
    names = ("worker ms", "direct ms", "parent ms", "pickle KiB", "dump ms", "load ms")
    if not documents:
        return dict.fromkeys(names, 0.0)

    def pooled(jobs: list[bytes]) -> tuple[float, float]:
        pool = ParsePool(workers=1)
        try:
            job = ("text/html", None)
            pool.parse(jobs[0], "http://127.0.0.1/r/warm-up.html", *job, text_hash=True)
            (worker,) = pool.idle.queue
            pid = worker.process.pid
            own, ran = time.process_time(), _ran_seconds(pid)
            for number, body in enumerate(jobs):
                pool.parse(body, f"http://127.0.0.1/r/{number}.html", *job, text_hash=True)
            return time.process_time() - own, _ran_seconds(pid) - ran
        finally:
            pool.close()

    def here() -> float:
        start = time.process_time()
        for number, body in enumerate(documents):
            parse_document(body, f"http://127.0.0.1/r/{number}.html", "text/html", None)
        return (time.process_time() - start) / len(documents)

    before = here()
    parent, worker = pooled(documents)
    direct = (before + here()) / 2
    outcome = parse_document(documents[0], "http://127.0.0.1/r/0.html", "text/html", None)
    data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    dump = min(timeit.repeat(lambda: pickle.dumps(outcome, protocol=5), number=50, repeat=5))
    load = min(timeit.repeat(lambda: pickle.loads(data), number=50, repeat=5))
    return {
        "worker ms": 1000 * worker / len(documents),
        "direct ms": 1000 * direct,
        "parent ms": 1000 * parent / len(documents),
        "pickle KiB": len(data) / 1024,
        "dump ms": 1000 * dump / 50,
        "load ms": 1000 * load / 50,
    }


def _ran_seconds(pid: int) -> float:
    """CPU seconds a process has run (its threads' sum), from /proc/PID/schedstat."""
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return sum(int(Path(task, "schedstat").read_text().split()[0]) for task in tasks) / 1e9


def cores_busy(split: dict[str, float], wall: float) -> str:
    """The CPU of a crawl against its clock: how many cores it kept busy on average. The
    bare spider is one thread: below 1.0 it waited, and its clock, the ratio's
    denominator, swings with its waits as well as with its CPU seconds."""
    return f"{sum(split.values()) / wall:.2f} cores busy on average"


def mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="report pages (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests at a time")
    parser.add_argument("--pairs", type=int, default=1, help="crawls of each, taking turns")
    parser.add_argument("--keep", type=Path, help="build the portal and database here, kept")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.concurrency < 1 or args.pairs < 1:
        parser.error("--pages, --concurrency and --pairs must be at least 1")
    work = args.keep or Path(tempfile.mkdtemp(prefix="crawl-speed-"))
    if args.keep and work.exists() and any(work.iterdir()):
        parser.error(f"--keep {work}: not an empty directory")
    work.mkdir(parents=True, exist_ok=True)
    portal, db = work / "portal", work / "reports.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"machine: {machine.describe()}")
    build_portal(portal, args.pages)
    lists = -(-args.pages // PER_LIST_PAGE)
    print(f"portal: {args.pages} report pages, {lists} list pages, {mib(du(portal))}")
    server, base_url = start_server(portal)
    start_url = f"{base_url}/list.html"
    runs = {"bare": [], "ours": []}
    try:
        for pair in range(args.pairs):
            if pair:  # every crawl of ours stores into a fresh database
                for path in db.parent.glob(db.name + "*"):
                    path.unlink()
            order = ("bare", "ours") if pair % 2 == 0 else ("ours", "bare")
            for name in order:
                command = crawl_command(name, start_url, lists, db, args.concurrency)
                runs[name].append(timed_run(command, work if name == "bare" else ROOT, env))
    finally:
        server.terminate()
        server.wait()
    failed = any(run[0] != 0 for name in runs for run in runs[name])
    reports = count(db, "reports")
    pages = count(db, "pages")
    print(f"\n{'crawl':<34} {'seconds':>8} {'pages/s':>8} {'peak RSS':>9}")
    ratios = []
    for pair, (bare_run, ours_run) in enumerate(zip(runs["bare"], runs["ours"], strict=True)):
        code, bare_s, bare_rss, out, bare_cpu = bare_run
        _, ours_s, ours_rss, _, ours_cpu = ours_run
        bare = json.loads(out.strip().splitlines()[-1]) if code == 0 and out.strip() else {}
        bare_pages = bare.get("pages", 0)
        label = f" (pair {pair + 1})" if args.pairs > 1 else ""
        print(f"{'bare Scrapy spider' + label:<34} {bare_s:8.1f} {bare_pages / bare_s:8.0f} "
              f"{mib(bare_rss):>9}")  # fmt: skip
        print(f"{'ours (annual_reports)' + label:<34} {ours_s:8.1f} {pages / ours_s:8.0f} "
              f"{mib(ours_rss):>9}")  # fmt: skip
        for name, split, wall in (("bare", bare_cpu, bare_s), ("ours", ours_cpu, ours_s)):
            parts = ", ".join(f"{part} {seconds:.1f}" for part, seconds in split.items())
            print(f"  CPU seconds, {name}: {parts}; {cores_busy(split, wall)}")
        ratios.append(ours_s / bare_s)
    print(f"pages fetched: bare {bare_pages}, ours {pages} ({reports} reports stored)")
    ratio = statistics.median(ratios)
    met = verdict(ratio <= CRAWL_OVER_BARE)
    each = ", ".join(f"{r:.2f}×" for r in ratios)
    what = f"median of {len(ratios)} pairs ({each})" if len(ratios) > 1 else "one pair"
    print(f"ours / bare: {ratio:.2f}×, {what}  (target ≤ {CRAWL_OVER_BARE}×: {met})")
    ours_rss = max(run[2] for run in runs["ours"])
    print(f"peak RSS of our crawl: {mib(ours_rss)}  (target ≤ {PEAK_RSS_MIB} MiB: "
          f"{verdict(ours_rss <= PEAK_RSS_MIB * 2**20)})")  # fmt: skip
    print(f"database: {mib(du(db.parent, db.name))} for {pages} pages, {reports} reports")

    bodies = stored_report_bodies(db)
    lxml_per, ours_per = per_document(
        [lxml.html.document_fromstring, lambda body: parse_document(body, url="r.html")], bodies
    )
    print(f"\nstored report bodies: {len(bodies)}; per report, in this process (one core):")
    print(f"  lxml alone {1000 * lxml_per:.2f} ms, parse_document {1000 * ours_per:.2f} ms "
          f"({ours_per / lxml_per:.1f}×)")  # fmt: skip
    costs = worker_costs(bodies)
    print(f"  in a parse worker (warm, text hash too): {costs['worker ms']:.2f} ms CPU a report "
          f"(parse_document here: {costs['direct ms']:.2f} ms), {costs['parent ms']:.2f} ms in "
          f"the process handing it out; the outcome pickled: {costs['pickle KiB']:.0f} KiB, "
          f"dumped in {costs['dump ms']:.2f} ms, loaded in {costs['load ms']:.2f} ms")  # fmt: skip
    command = [sys.executable, "-m", "crawler.reparse", "--db", str(db)]
    code, seconds, rss, _, _ = timed_run(command, ROOT, env)
    failed |= code != 0
    per = seconds / max(reports, 1)
    met = verdict(per <= REPARSE_OVER_LXML * lxml_per)
    print(f"python -m crawler.reparse: {seconds:.1f} s for {reports} reports, "
          f"{1000 * per:.2f} ms per report = {per / lxml_per:.1f}× lxml "
          f"(target ≤ {REPARSE_OVER_LXML}×: {met}), peak RSS {mib(rss)}")  # fmt: skip
    print(f"  10,000 reports at this rate: {per * 10_000:.0f} s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    if failed:
        print("a run failed (non-zero exit status): figures above are not comparable")
    return 1 if failed else 0


def count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def du(directory: Path, prefix: str = "") -> int:
    """Bytes of the files under ``directory`` (whose names start with ``prefix``)."""
    return sum(p.stat().st_size for p in directory.rglob(f"{prefix}*") if p.is_file())


if __name__ == "__main__":
    sys.exit(main())
