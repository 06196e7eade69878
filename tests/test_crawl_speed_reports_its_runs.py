"""benchmarks/crawl_speed.py runs end to end on a small portal: both crawls fetch every
page, ours stores every report, and each crawl's line says how many cores it kept busy,
so that a pair's ratio can be read against how busy each side was (the bare spider's
clock, the ratio's denominator, swings with its waits).

Only what it prints is asserted, never the figures (a loaded machine must not fail a
test)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = 40
CPU_LINE = re.compile(r"^  CPU seconds, (bare|ours): .+; ([\d.]+) cores busy on average$", re.M)
RATIO_LINE = re.compile(
    r"^ours / bare: ([\d.]+)×, one pair  \(target ≤ 1.5×: (met|NOT met)\)$", re.M
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def printed() -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "crawl_speed.py"), "--pages", str(PAGES),
         "--pairs", "1"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def test_both_crawls_fetch_every_page_and_ours_stores_every_report(printed):
    lists = -(-PAGES // 20)
    total = PAGES + lists
    assert f"pages fetched: bare {total}, ours {total} ({PAGES} reports stored)" in printed


def test_each_crawl_says_how_many_cores_it_kept_busy(printed):
    busy = dict((name, float(cores)) for name, cores in CPU_LINE.findall(printed))
    assert set(busy) == {"bare", "ours"}
    assert all(cores > 0 for cores in busy.values())


def test_the_pair_gives_a_ratio_and_a_verdict(printed):
    found = RATIO_LINE.search(printed)
    assert found is not None, printed
    assert float(found.group(1)) > 0
