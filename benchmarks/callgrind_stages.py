"""Instructions of parse_document's stages over the 81 real pages, counted by callgrind.

    PYTHONHASHSEED=0 valgrind --tool=callgrind --dump-before=time_sleep \\
        --callgrind-out-file=/tmp/stages.out \\
        .venv/bin/python benchmarks/callgrind_stages.py run /tmp/stages.json \\
        parsers.report.parse_html,read_tables,parsers.tables._read_t3
    python benchmarks/callgrind_stages.py sum /tmp/stages.out /tmp/stages.json [PAGES]

``run`` reads the pages of parse_speed.real_pages() once to warm up, turns the cycle
collector off, then reads them once more with each named function (``module.name``; a
bare name is one of parsers.report's) wrapped in a ``time.sleep(0)`` before and after:
callgrind writes a file of counts at each (--dump-before), and the list of what ran in
each is written to the JSON file. ``sum`` adds the counts of each function's own time
(what the others named were running is theirs; nested ones are subtracted), the rest
of each page under "the rest of parse_document", and the PAGES pages of most of it.
Each wrapped call adds ~2,000 instructions to the part it ends: wrap what is called
a few hundred times at most. Python functions are one C function to callgrind, hence
this; the totals of one warm round without wrappers are the measure of a change.

    perf record -D 3000 .venv/bin/python benchmarks/callgrind_stages.py loop ours 150
    perf report --no-children --sort dso,sym

``loop ENGINE ROUNDS`` reads the pages ROUNDS times, ENGINE ``ours`` (parse_document) or
``lxml`` (lxml.html.document_fromstring), after one warm-up round, between two
``time.sleep(0)`` (under callgrind the second file holds the rounds alone), and prints
the CPU ms a round. It is for what callgrind cannot see: native profilers count the
clock's cycles (cache and branch misses, the kernel), where a page of ours pays ~1.7
times the instructions of lxml's parse but ~2.5 times its time.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(labels_file: str, names: str) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    from parse_speed import real_pages

    from parsers import parse_document

    pages = [(path.read_bytes(), str(path.relative_to(ROOT))) for path in real_pages()]
    for data, url in pages:
        parse_document(data, url=url)
    gc.collect()
    gc.disable()
    marks: list[str] = []  # what ran in each part callgrind writes, in order
    running = ["?"]

    def wrapped(name, function):
        def call(*args, **kwargs):
            marks.append(running[-1])
            time.sleep(0)
            running.append(name)
            try:
                return function(*args, **kwargs)
            finally:
                marks.append(name)
                time.sleep(0)
                running.pop()

        return call

    for name in names.split(","):
        module_name, _, attribute = name.rpartition(".")
        module = sys.modules[module_name or "parsers.report"]
        setattr(module, attribute, wrapped(attribute, getattr(module, attribute)))
    marks.append("start-up and warm-up")
    time.sleep(0)
    for data, url in pages:
        running[-1] = "page:" + url
        parse_document(data, url=url)
    marks.append("the end")
    time.sleep(0)
    Path(labels_file).write_text(json.dumps(marks), encoding="utf-8")


def loop(engine: str, rounds: int) -> float:
    """CPU ms a round of ``engine`` over the real pages, ``rounds`` times after a warm-up."""
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    from parse_speed import engines, real_pages

    read = engines()[engine]
    pages = [(path.read_bytes(), str(path.relative_to(ROOT))) for path in real_pages()]
    for data, url in pages:
        read(data, url)
    time.sleep(0)
    started = time.process_time()
    for _ in range(rounds):
        for data, url in pages:
            read(data, url)
    ms = (time.process_time() - started) * 1000 / rounds
    time.sleep(0)
    return ms


def total(prefix: str, labels_file: str, pages: int = 0) -> None:
    marks = json.loads(Path(labels_file).read_text(encoding="utf-8"))
    stages, rest = Counter(), Counter()
    for number, name in enumerate(marks, start=1):
        with open(f"{prefix}.{number}", encoding="utf-8") as counts:
            count = next(int(line.split()[1]) for line in counts if line.startswith("summary:"))
        if name.startswith("page:"):
            rest[name.removeprefix("page:")] += count
            name = "the rest of parse_document"
        stages[name] += count
    for name, count in stages.most_common():
        print(f"{count / 1e6:10.2f} M  {name}")
    for name, count in rest.most_common(pages):
        print(f"{count / 1e6:10.2f} M  rest of {name}")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "sum":
        total(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 0)
    elif (
        len(sys.argv) == 4
        and sys.argv[1] == "loop"
        and sys.argv[2] in ("ours", "lxml")
        and sys.argv[3].isdigit()
    ):
        ms = loop(sys.argv[2], int(sys.argv[3]))
        print(f"{sys.argv[2]}: {ms:.2f} ms of CPU a round of the real pages")
    else:
        sys.exit(__doc__)
