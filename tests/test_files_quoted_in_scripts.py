"""The files a page's scripts quote (parsers.links._base_and_targets): a script is
searched for them only when it holds how each of them ends (a "." and an attachment's
extension before a quote), and they are what the full search over every script finds."""

from __future__ import annotations

import random

import pytest

from parsers import links
from parsers.sniff import ATTACHMENT_EXTENSIONS

PIECES = [
    '"', "'", ".", "/", "\\/", " ", "<", ">", "\n", "a", "x", "report", "2023", "年度报告",
    "pdf", "PDF", "Doc", "docx", "wps", "XLS", "xlsx", "et", "ofd", "ſ", "txt", "html",
    "http://example.gov.cn/", "../files/", "var url = ", ";",
]  # fmt: skip


def found_by_the_full_search(scripts: list[str | None]) -> list[str]:
    targets = []
    for text in scripts:
        for match in links._FILE_IN_SCRIPT.finditer(text or ""):
            candidate = match.group(1).replace("\\/", "/")
            if candidate.startswith(("http", "/", ".")) or "/" in candidate:
                targets.append(candidate)
    return targets


def made_scripts(seed: int) -> list[str | None]:
    rng = random.Random(seed)
    return [None, ""] + ["".join(rng.choices(PIECES, k=rng.randint(1, 60))) for _ in range(200)]


@pytest.mark.parametrize("seed", range(10))
def test_scripts_quote_the_files_the_full_search_finds(seed):
    scripts = made_scripts(seed)
    assert links._base_and_targets([], [], scripts)[1] == found_by_the_full_search(scripts)


def test_files_of_every_extension_in_any_case_are_found():
    scripts = [
        f"var a = \"/files/report.{ext.upper()}\"; b('x/y.{ext}')" for ext in ATTACHMENT_EXTENSIONS
    ]
    found = links._base_and_targets([], [], scripts)[1]
    assert found == found_by_the_full_search(scripts)
    assert len(found) == 2 * len(ATTACHMENT_EXTENSIONS)
