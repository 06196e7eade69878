"""How fast the parsers read a page, next to a bare lxml parse and two extractors.

    .venv/bin/python benchmarks/parse_speed.py [--rounds 5] [--pages N] [--reparse 10000]

For every real HTML page in tests/fixtures and the demo portal, all five are timed
side by side in this one run, so the ratios hold on any machine (a busy one too):

    lxml         lxml.html.document_fromstring(page) (the floor: parsing alone)
    our parse    the tree parse_document has libxml2 make (the page decoded untimed)
    ours         parsers.parse_document(page) (decode, strip the site, read the tables)
    trafilatura  trafilatura.extract(page, include_tables=True)
    readability  readability.Document(decode_bytes(page)).summary()

Each figure is the best of --rounds of this process's CPU time (time.process_time), so
that other work on a shared machine counts as little as it can; a round repeats a small
page's call until it has taken 2 ms, after one untimed call, and counts the time of one
call. The sum and the worst page are measured again with each reader reading all the
pages in turn, as a crawl's parse worker reads them, the parsers' caches of texts
emptied first (page by page, a page's calls after its first read it again); the
targets must hold of both. The page-by-page sum is split
by what each page turned out to be (a report, or why it is none), and into our parse's
share and the rest. Then the PDFs of the corpus and a made 2 MiB page of tables, the
page also as a parse worker reads it (crawler.worker's setting of the C library, made
for the rest of this process). Last, reparse: --reparse copies of the real report
pages stored in a temporary database, re-parsed by `python -m crawler.reparse` (worker
processes, one per core) three times: first with no reports stored (every report
written), then again over the same database (every report found as stored: a new parser
version over a crawled database), then with a few cells of each report stored otherwise
(a new version that reads those otherwise), each against a bare lxml parse of the same
stored bodies in this process, before it and after it; reparse is timed by the clock
and by the CPU time of it and its workers, that CPU spread over the cores being the
best the same work can do on this machine, and the CPU of its main thread apart
(benchmarks/main_thread_cpu.py): the one thread that stores, as SQLite takes one
writer, whose time no number of cores shortens.
The targets are printed with each figure, never asserted (exit status 0 when the
benchmark ran, 1 when reparse failed; 2 for bad arguments).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from operator import truediv
from pathlib import Path

import lxml
import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import machine  # noqa: E402  (benchmarks/machine.py, beside this script)
from main_thread_cpu import main_thread_seconds  # noqa: E402  (benchmarks/main_thread_cpu.py)
from variants import with_own_digits  # noqa: E402  (benchmarks/variants.py)

from crawler.worker import default_workers, merge_freed_memory_at_once  # noqa: E402
from output.store import ReportStore  # noqa: E402
from parsers import parse_document  # noqa: E402
from parsers.caches import forget_texts  # noqa: E402
from parsers.encoding import decode_bytes  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
PORTAL = ROOT / "demo" / "portal"
# Targets of issue 12, as ratios measured in one run.
SUM_OVER_LXML = 2.0
PAGE_OVER_LXML = 5.0
TRAFILATURA_OVER_OURS = 10.0
BIG_PAGE_SECONDS = 0.3
REPARSE_OVER_LXML = 2.0
REPARSE_10K_SECONDS = 60
# "Well under a minute": at least this much under it (59 s is not well under).
REPARSE_10K_MARGIN = 10
# CPU time of this process: on a machine shared with other work, wall time measures
# the others as much as us.
CLOCK = time.process_time


def real_pages() -> list[Path]:
    """The real HTML pages: the corpus pages and the demo portal's pages."""
    corpus = sorted(FIXTURES.glob("corpus/*.html"))
    portal = sorted(p for p in PORTAL.rglob("*.html") if "pdfjs" not in p.parts)
    return corpus + portal


def engines() -> dict[str, object]:
    """name -> function(bytes, name): the four readers of a page."""
    found = {
        "lxml": lambda data, name: lxml.html.document_fromstring(data),
        "ours": lambda data, name: parse_document(data, url=name),
    }
    try:
        import trafilatura

        found["trafilatura"] = lambda data, name: trafilatura.extract(data, include_tables=True)
    except ImportError:
        print("trafilatura not installed (make install): left out")
    try:
        from readability import Document as Readability

        # It reads text, not bytes: decoding (as ours does) is part of its time.
        found["readability"] = lambda data, name: Readability(decode_bytes(data)[0]).summary()
    except ImportError:
        print("readability-lxml not installed (make install): left out")
    return found


ROUND_SECONDS = 0.002  # a round repeats a call at least this long


def best_of(function, data: bytes, name: str, rounds: int) -> float:
    """Seconds of one call: the best of ``rounds`` rounds (see best_of_each)."""
    return best_of_each({"one": function}, data, name, rounds)["one"]


def best_of_each(readers: dict, data: bytes, name: str, rounds: int) -> dict[str, float]:
    """Seconds of one call of each reader: the best of ``rounds`` rounds, the readers
    taking turns within each round, so that a slow spell of the machine (its speed
    swings up to 2x within minutes) meets them alike. A round repeats a reader's call
    until it has taken ROUND_SECONDS: one call of a page parsed in 10 µs is mostly the
    clock's and the caches' noise (one tiny page measured 4.9x and 8.3x in two runs).
    Each reader's round starts with a call of its own, untimed: the reader before it
    (trafilatura, readability) has filled the caches with its own code and data, and a
    round of a report page holds one or two calls, each measured cold, which a worker
    reading page after page is not (ours over lxml, sum, on 2026-12-02: 2.3-2.4x cold,
    2.1x with that call or with rounds of 20 ms; read_in_turn is the check)."""
    calls = {}
    for reader, function in readers.items():
        start = CLOCK()
        _call(function, data, name)
        calls[reader] = max(1, min(1000, int(ROUND_SECONDS / max(CLOCK() - start, 1e-6))))
    best = dict.fromkeys(readers, float("inf"))
    for _ in range(rounds):
        for reader, function in readers.items():
            _call(function, data, name)
            start = CLOCK()
            for _ in range(calls[reader]):
                _call(function, data, name)
            best[reader] = min(best[reader], (CLOCK() - start) / calls[reader])
    return best


def read_in_turn(
    readers: dict, pages: list[tuple[bytes, str]], rounds: int
) -> dict[str, list[float]]:
    """Seconds each reader takes to read each of ``pages`` (data, name), reading them one
    after another as a crawl's parse worker reads the pages it is given: its code warm,
    each page new to it. Before each round the parsers' caches of texts are emptied
    (untimed): page by page, a page's calls after its first find its lines, labels and
    cells answered in them (a page read again), and no crawl reads a page twice. Within
    the round they fill as in a crawl: a site's toolbar lines, the tables' labels, met
    again on the next page. Each call timed, the best of ``rounds`` rounds for each page,
    the readers taking turns."""
    best = {reader: [float("inf")] * len(pages) for reader in readers}
    for _ in range(rounds):
        for reader, function in readers.items():
            forget_texts()
            seconds = best[reader]
            for index, (data, name) in enumerate(pages):
                start = CLOCK()
                _call(function, data, name)
                seconds[index] = min(seconds[index], CLOCK() - start)
    return best


def _call(function, data: bytes, name: str) -> None:
    # An extractor failing on a page still took its time.
    with contextlib.suppress(Exception):
        function(data, name)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def page_table(pages: list[Path], rounds: int) -> None:
    readers = engines()
    # Beside lxml, libxml2's parse and free as parse_document asks them (our_parse, made
    # for each page): how much of ours the tree costs, so what the target leaves the rest.
    names = ["lxml", OUR_PARSE, *(name for name in readers if name != "lxml")]
    totals = dict.fromkeys(names, 0.0)
    worst = (0.0, "")
    reports = 0
    # What each page turned out to be -> [pages, lxml s, ours s]: where the sum's ratio
    # comes from (a report's tables, or a small page's fixed cost).
    kinds: dict[str, list] = {}
    if pages:  # imports and compiled patterns are no page's cost
        for reader in readers.values():
            best_of(reader, pages[0].read_bytes(), "warm-up.html", 1)
    print(f"{'page':<58} {'KiB':>5} " + " ".join(f"{n:>11}" for n in names) + "  ours/lxml")
    stream = []  # (data, name) of each page, for the reading in turn
    for path in pages:
        data = path.read_bytes()
        name = str(path.relative_to(ROOT))
        stream.append((data, name))
        outcome = parse_document(data, url=name)
        reports += outcome.is_report
        page_readers = {name: readers.get(name) or our_parse(data) for name in names}
        seconds = best_of_each(page_readers, data, name, rounds)
        kind = kinds.setdefault(page_kind(outcome), [0, 0.0, 0.0])
        kind[0] += 1
        kind[1] += seconds["lxml"]
        kind[2] += seconds["ours"]
        for n in names:
            totals[n] += seconds[n]
        ratio = seconds["ours"] / seconds["lxml"]
        worst = max(worst, (ratio, name))
        shown = name if len(name) <= 58 else "…" + name[-57:]
        cells = " ".join(f"{1000 * seconds[n]:9.2f}ms" for n in names)
        print(f"{shown:<58} {len(data) / 1024:5.0f} {cells}  {ratio:6.1f}×")
    print(
        f"{'sum of ' + str(len(pages)) + ' pages (' + str(reports) + ' reports)':<64} "
        + " ".join(f"{1000 * totals[n]:9.1f}ms" for n in names)
    )
    print("by what the page is:")
    for kind, (count, lxml_seconds, ours) in sorted(kinds.items(), key=lambda k: -k[1][2]):
        print(f"  {kind:<58} {count:3d} pages  lxml {1000 * lxml_seconds:6.1f}ms  "
              f"ours {1000 * ours:6.1f}ms  {ours / lxml_seconds:4.1f}×")  # fmt: skip
    # The sum and the worst page again, each reader reading the pages in turn: their
    # figures must meet the targets as well as the page-by-page ones.
    turn = {name: readers[name] for name in ("lxml", "ours")}
    in_turn = read_in_turn(turn, stream, rounds)
    lxml_in_turn, ours_in_turn = sum(in_turn["lxml"]), sum(in_turn["ours"])
    names = [name for _, name in stream]
    worst_in_turn = max(zip(map(truediv, in_turn["ours"], in_turn["lxml"]), names, strict=True))
    over_lxml = totals["ours"] / totals["lxml"]
    over_in_turn = ours_in_turn / lxml_in_turn
    met = over_lxml <= SUM_OVER_LXML and over_in_turn <= SUM_OVER_LXML
    print(
        f"the {len(pages)} pages read in turn, as a parse worker reads them (best of {rounds}): "
        f"lxml {1000 * lxml_in_turn:.1f}ms, ours {1000 * ours_in_turn:.1f}ms"
    )
    print(f"\nours / lxml, sum:        {over_lxml:5.2f}× page by page, {over_in_turn:.2f}× read in "
          f"turn  (target ≤ {SUM_OVER_LXML}×: {verdict(met)})")  # fmt: skip
    parse = totals[OUR_PARSE] / totals["lxml"]
    rest, leaves = over_lxml - parse, SUM_OVER_LXML - parse
    print(f"  of it, our libxml2 parse and free: {parse:.2f}×; the rest: {rest:.2f}× page by "
          f"page, where the target leaves {leaves:.2f}×")  # fmt: skip
    met = max(worst[0], worst_in_turn[0]) <= PAGE_OVER_LXML
    print(f"ours / lxml, worst page:  {worst[0]:5.1f}× page by page, {worst_in_turn[0]:.1f}× read "
          f"in turn  (target ≤ {PAGE_OVER_LXML}×: {verdict(met)})")  # fmt: skip
    print(f"  page by page: {worst[1]}; read in turn: {worst_in_turn[1]}")
    for other in ("trafilatura", "readability"):
        if other in totals:
            faster = totals[other] / totals["ours"]
            target = (
                f"  (target ≥ {TRAFILATURA_OVER_OURS}×: {verdict(faster >= TRAFILATURA_OVER_OURS)})"
                if other == "trafilatura"
                else ""
            )
            print(f"{other} / ours, sum: {faster:5.1f}×{target}")


OUR_PARSE = "our parse"


def our_parse(page: bytes):
    """The page's tree as parse_document makes it (parsers.html), from its text decoded
    here, untimed: reader(data, name)."""
    from parsers.encoding import decode_page
    from parsers.html import _document_root

    text, _, strict = decode_page(page)
    return lambda data, name: _document_root(text, data if strict else None)


def page_kind(outcome) -> str:
    """What a page turned out to be: a report, or the reason it is none, less its
    particulars (the title named, a count)."""
    if outcome.is_report:
        return "a report"
    return outcome.reason.split(":")[0].split(" (")[0] or "no reason given"


def big_table_page() -> bytes:
    row = "<tr>" + "".join(f"<td>{i}</td>" for i in range(10)) + "</tr>"
    return f"<html><body><div id='zoom'><table>{row * 20000}</table></div></body></html>".encode()


def stored_copies(db: Path, count: int) -> int:
    """Store ``count`` copies of the real report pages (as crawled pages, kind report)."""
    reports = []
    for path in real_pages():
        data = path.read_bytes()
        outcome = parse_document(data, url=path.name)
        if outcome.is_report and outcome.report.organ:
            reports.append((decode_bytes(data)[0], outcome.report.organ))
    store = ReportStore(db)
    try:
        with store.transaction():
            for number in range(count):
                url = f"http://127.0.0.1/r/{number}.html"
                text, organ = reports[number % len(reports)]
                # Each copy is another body's report (its organ numbered), as 10,000 crawled
                # reports would be: identical copies would be stored once, as aliases. Its
                # digits its own (benchmarks/variants.py): numbers new to the caches.
                numbered = organ + "".join("〇一二三四五六七八九"[int(d)] for d in str(number))
                # The copies of one page numbered 0, 1, 2 … among themselves: no two alike.
                own = with_own_digits(text.replace(organ, numbered), number // len(reports))
                body = own.encode("utf-8")
                store.save_page(url, 200, body, "text/html", None, "report")
    finally:
        store.close()
    return len(reports)


def lxml_per_stored_body(db: Path) -> float:
    """Seconds per stored body of lxml alone, bodies read back as reparse reads them."""
    store = ReportStore(db, migrate=False)
    total, count = 0.0, 0
    try:
        for page in store.iter_pages():
            start = CLOCK()
            lxml.html.document_fromstring(page.body)
            total += CLOCK() - start
            count += 1
    finally:
        store.close()
    return total / max(count, 1)


def reparse_figures(count: int) -> bool:
    """Reparse of ``count`` stored reports against lxml, three times over the same
    database: first with no reports stored (every report written), then again (every
    report stored already and found the same: what a new parser version meets over a
    crawled database), then with a few cells of each stored otherwise (what a new
    version that reads those otherwise meets). False when reparse failed.

    lxml reads the stored bodies before each reparse and after it, and the mean of the
    two divides: the machine's speed swings within minutes (lxml's figure, taken once
    before both reparses, read 0.34 and 0.49 ms a body in two runs of 2026-12-03/04
    while reparse's own took the same time), and a divisor from another minute than the
    reparse's moves the ratio by as much."""
    with tempfile.TemporaryDirectory(prefix="parse-speed-") as work:
        db = Path(work) / "reports.db"
        kinds = stored_copies(db, count)
        print(f"\nreparse of {count} stored reports ({kinds} real report pages, copied), "
              f"{default_workers()} cores; each against lxml alone reading the same stored "
              f"bodies (one core) before it and after it, the mean of the two")  # fmt: skip
        lxml_before = lxml_per_stored_body(db)
        for name in REPARSES:
            if name == REPARSES[-1]:
                cells_stored_otherwise(db)
            lxml_before = one_reparse(db, count, lxml_before, name)
            if lxml_before is None:
                return False
    return True


REPARSES = (
    "first reparse (reports written)",
    "again (reports stored already)",
    "again, a few cells of each report stored otherwise (what a parser version reading "
    "them otherwise meets)",
)


def cells_stored_otherwise(db: Path) -> None:
    """Every report's 表三 totals (~6 cells of ~164) stored otherwise than its parse reads
    them, its parse digest cleared (as a program changing rows by SQL clears it): what a
    new parser version that reads those cells otherwise meets in a crawled database."""
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE report_cells SET raw = raw || ' ' WHERE key LIKE 't3.total.%'")
        conn.execute("UPDATE reports SET parse_digest = NULL")


def one_reparse(db: Path, count: int, lxml_before: float, name: str) -> float | None:
    """Run and print one reparse of db; lxml's seconds a body after it (None: it failed)."""
    # Run through main_thread_cpu.py, which says the CPU of reparse's main thread: the
    # one that reads, hands out and stores every page.
    wrapper = str(ROOT / "benchmarks" / "main_thread_cpu.py")
    command = [sys.executable, wrapper, "crawler.reparse", "--db", str(db)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of reparse and its workers: what the work costs, however busy the machine.
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"{name}:")
    print("  " + "\n  ".join(done.stdout.strip().splitlines()))
    if done.returncode != 0:
        print(f"  python -m crawler.reparse failed (exit status {done.returncode}): "
              f"{done.stderr.strip()[-500:]}")  # fmt: skip
        return None
    lxml_after = lxml_per_stored_body(db)
    lxml_per = (lxml_before + lxml_after) / 2
    print(f"  lxml alone: {1000 * lxml_before:.2f} ms per stored body before, "
          f"{1000 * lxml_after:.2f} after: {1000 * lxml_per:.2f} divides")  # fmt: skip
    per = seconds / count
    print(f"  python -m crawler.reparse: {seconds:.1f} s, {1000 * per:.2f} ms per report; "
          f"CPU of it and its workers {cpu:.1f} s, {1000 * cpu / count:.2f} ms per report "
          f"({cpu / count / lxml_per:.1f}× lxml)")  # fmt: skip
    # The floor of this work on this machine: its CPU spread over every core, none idle.
    # Below the target, better scheduling can meet it; above, only less work (or cores).
    cores = default_workers()  # the cores reparse's pool takes (its workers, one a core)
    floor = cpu / count / cores
    print(f"  its CPU over {cores} cores, none idle: {1000 * floor:.2f} ms per report "
          f"({floor / lxml_per:.1f}× lxml): the best this work can do here")  # fmt: skip
    # SQLite takes one writer: the main thread stores, alone, so its CPU time is a bound
    # that more cores leave where it is (the workers' part is what they spread).
    serial = main_thread_seconds(done.stderr)
    if serial is not None:
        print(f"  of it, reparse's main thread (reads, hands out and stores every page; one, "
              f"as SQLite takes one writer): {1000 * serial / count:.2f} ms per report "
              f"({serial / count / lxml_per:.1f}× lxml): no number of cores brings reparse "
              f"under it")  # fmt: skip
    at_10k = per * 10_000
    well_under = REPARSE_10K_SECONDS - REPARSE_10K_MARGIN
    print(f"  reparse / lxml, per report: {per / lxml_per:.1f}×  (target ≤ {REPARSE_OVER_LXML}×: "
          f"{verdict(per <= REPARSE_OVER_LXML * lxml_per)}); 10,000 reports at this rate: "
          f"{at_10k:.0f} s  (target well under {REPARSE_10K_SECONDS} s, taken as ≤ "
          f"{well_under} s: {verdict(at_10k <= well_under)})")  # fmt: skip
    return lxml_after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="best of this many (default 5)")
    parser.add_argument("--pages", type=int, default=0, help="only the first N pages")
    parser.add_argument(
        "--reparse", type=int, default=10_000, help="stored reports to reparse (0: none)"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.pages < 0 or args.reparse < 0:
        parser.error("--rounds must be at least 1, --pages and --reparse at least 0")
    print(f"machine: {machine.describe()}")
    pages = real_pages()[: args.pages or None]
    page_table(pages, args.rounds)
    print()
    for pdf in sorted(FIXTURES.glob("corpus/*.pdf")):
        seconds = best_of(lambda d, n: parse_document(d, url=n), pdf.read_bytes(), pdf.name, 1)
        print(f"pdf {pdf.name}: ours {seconds:.2f} s")
    big = big_table_page()
    both = {
        "lxml": lambda d, n: lxml.html.document_fromstring(d),
        "ours": lambda d, n: parse_document(d, url=n),
    }
    big_seconds = best_of_each(both, big, "big.html", min(args.rounds, 3))
    lxml_seconds, seconds = big_seconds["lxml"], big_seconds["ours"]
    print(
        f"a {len(big) / 2**20:.1f} MiB page of 200,000 table cells: ours {seconds:.2f} s, "
        f"lxml {lxml_seconds:.2f} s ({seconds / lxml_seconds:.1f}×)"
    )
    # The crawl and reparse parse in worker processes, whose C library merges freed
    # memory at once (crawler.worker); set here last, as it stays for the process.
    set_as_worker = merge_freed_memory_at_once()
    seconds = best_of(both["ours"], big, "big.html", min(args.rounds, 3))
    print(
        f"  ours as a parse worker reads it (freed memory merged at once: "
        f"{'set' if set_as_worker else 'cannot be set here'}): {seconds:.2f} s  (target < "
        f"{BIG_PAGE_SECONDS} s: {verdict(seconds < BIG_PAGE_SECONDS)})"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MiB")
    if args.reparse and not reparse_figures(args.reparse):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
