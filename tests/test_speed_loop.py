"""benchmarks/callgrind_stages.py loop: the rounds a native profiler samples.

Only what it runs is asserted, never how long it takes (a loaded machine must not fail a
test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "callgrind_stages.py"


@pytest.mark.parametrize("engine", ["ours", "lxml"])
def test_loop_reads_the_real_pages_and_says_cpu_a_round(engine):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "loop", engine, "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines()[-1].startswith(f"{engine}: ")
    assert "ms of CPU a round of the real pages" in done.stdout


@pytest.mark.parametrize(
    "arguments", [["trafilatura", "1"], ["ours", "many"], ["ours", "-1"]], ids=str
)
def test_loop_refuses_an_engine_it_does_not_time_or_rounds_not_a_count(arguments):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "loop", *arguments], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "loop ENGINE ROUNDS" in done.stderr
    assert "Traceback" not in done.stderr
