"""A Report pickled (a parse worker's answer to the crawl, a distributed crawl's stream)
comes back with the same cells and checks, of the same types, in the same order."""

from __future__ import annotations

import pickle
import random

from parsers.model import Cell, Check, Reading, Report

URL = "http://www.example.gov.cn/xxgk/ndbg/t20240131_1.html"


def random_report(rng: random.Random) -> Report:
    values = [1, 0, None, 2.5, 10**30, float("inf"), True]
    keys = [f"t3.k{rng.randrange(12)}" for _ in range(rng.randrange(30))]  # repeated keys
    cells = [Cell(key, rng.choice(values), str(n)) for n, key in enumerate(keys)]
    if rng.random() < 0.3:  # an OCR cell, and a flagged one
        cells.insert(0, Cell("t4.x", 3, "3", Reading(0.4, ("8",)), True))
        cells.append(Cell("t4.y", None, "", None, True))
    oks = [True, False, 0, 1]
    checks = [Check(f"c{i}", rng.choice(oks), rng.choice(["", "合计不符"])) for i in range(8)]
    return Report(
        URL, "示范县2023年政府信息公开工作年度报告", "示范县人民政府", 2023, None, "2021", "正文",
        {"一": "总体情况"}, cells, checks[: rng.randrange(9)], ["t4 incomplete"], None, "utf-8",
    )  # fmt: skip


def test_cells_and_checks_come_back_as_they_were_made():
    rng = random.Random(3)
    for _ in range(300):
        report = random_report(rng)
        again = pickle.loads(pickle.dumps(report, pickle.HIGHEST_PROTOCOL))
        assert again == report
        assert [type(c) for c in again.cells] == [Cell] * len(report.cells)
        assert [type(c) for c in again.checks] == [Check] * len(report.checks)
        assert [(type(c.value), c.flagged) for c in again.cells] == [
            (type(c.value), c.flagged) for c in report.cells
        ]
        assert [type(c.ok) for c in again.checks] == [type(c.ok) for c in report.checks]
