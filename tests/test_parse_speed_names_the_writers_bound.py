"""benchmarks/parse_speed.py says, for each reparse, what the one thread that stores every
page costs (its CPU, taken by benchmarks/main_thread_cpu.py): SQLite takes one writer,
so that thread's time is a bound more cores do not lower.

Only what it prints is asserted, never the figures against a target (a loaded machine
must not fail a test)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WRAPPER = ROOT / "benchmarks" / "main_thread_cpu.py"
sys.path.insert(0, str(ROOT / "benchmarks"))

from main_thread_cpu import MARK, main_thread_seconds  # noqa: E402
from parse_speed import REPARSES  # noqa: E402

ALL_CPU = re.compile(r"CPU of it and its workers [\d.]+ s, ([\d.]+) ms per report")
MAIN_THREAD = re.compile(
    r"^  of it, reparse's main thread \(reads, hands out and stores every page; one, as "
    r"SQLite takes one writer\): ([\d.]+) ms per report \(([\d.]+)× lxml\): no number of "
    r"cores brings reparse under it$",
    re.M,
)


@pytest.fixture(scope="module")
def printed() -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "parse_speed.py"), "--rounds", "1",
         "--pages", "1", "--reparse", "30"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.mark.parametrize("number", range(len(REPARSES)))
def test_each_reparse_names_its_main_threads_cpu_within_all_of_its_cpu(printed, number):
    text = printed.split(f"\n{REPARSES[number]}:\n", 1)[1]
    if number + 1 < len(REPARSES):
        text = text.split(f"\n{REPARSES[number + 1]}:\n", 1)[0]
    main_thread = MAIN_THREAD.search(text)
    assert main_thread, text
    # The main thread is one thread of reparse's processes: never more than all of them.
    assert 0 < float(main_thread[1]) <= float(ALL_CPU.search(text)[1])


def test_the_wrapper_passes_the_modules_output_and_status_through_then_says_the_cpu():
    done = subprocess.run(
        [sys.executable, str(WRAPPER), "crawler.reparse", "--no-such-option"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2  # argparse's, for a bad option: reparse's own status
    assert "unrecognized arguments: --no-such-option" in done.stderr
    assert done.stderr.splitlines()[-1].startswith(MARK)
    assert main_thread_seconds(done.stderr) > 0


def test_the_seconds_are_read_from_the_last_line_of_the_mark():
    assert main_thread_seconds(f"one\n{MARK}1.5\ntwo\n{MARK}2.250\n") == 2.25
    assert main_thread_seconds("no mark here\n") is None
