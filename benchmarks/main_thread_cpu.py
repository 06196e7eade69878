"""Run a module of this checkout as ``python -m`` would, then say the CPU time of its
main thread alone: neither its other threads' nor its children's (a pool's workers).

    .venv/bin/python benchmarks/main_thread_cpu.py MODULE [ARGS...]

The module's output and exit status are its own; the last line on stderr is
``main thread cpu SECONDS``. parse_speed.py's reparse takes from it what the thread
that reads, hands out and stores every page costs: one thread (SQLite takes one
writer), so no number of cores brings a reparse's time under its CPU time.
"""

from __future__ import annotations

import atexit
import runpy
import sys
import time
from pathlib import Path

MARK = "main thread cpu "


def said() -> None:
    # atexit runs in the main thread, after the module has returned or exited.
    print(f"{MARK}{time.thread_time():.3f}", file=sys.stderr)


def main_thread_seconds(stderr: str) -> float | None:
    """The seconds said on stderr's last line of the mark; None when none was said."""
    for line in reversed(stderr.splitlines()):
        if line.startswith(MARK):
            return float(line[len(MARK) :])
    return None


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: main_thread_cpu.py MODULE [ARGS...]")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's modules
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    atexit.register(said)
    runpy.run_module(module, run_name="__main__", alter_sys=True)
