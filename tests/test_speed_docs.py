"""docs/speed.md and every comment that cites the speed log name sections the log has:
a reader sent there finds the measurements (docs/speed-log.md, one section a change)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "speed-log.md"
SHORT = ROOT / "docs" / "speed.md"
# Where the log is cited, as `docs/speed-log.md, "A section's title"` or by its branch.
CITING = ["README.md", "crawler", "output", "parsers", "benchmarks", "tests"]
_CITED = re.compile(r'docs/speed-log\.md, (?:"([^"]+)"|(s\d+-[a-z]+))')
# The index's entries: (log: “title”; “another title”).
_INDEX_ENTRY = re.compile(r"\(log: ((?:“[^”]+”(?:[^“)]*))+)\)")
_TITLE = re.compile(r"“([^”]+)”")


def _log_headings() -> list[str]:
    lines = LOG.read_text(encoding="utf-8").splitlines()
    return [line[3:] for line in lines if line.startswith("## ")]


def _index_titles() -> list[str]:
    # Entries wrap across lines: read the page as one line.
    text = " ".join(SHORT.read_text(encoding="utf-8").split())
    return [title for entry in _INDEX_ENTRY.findall(text) for title in _TITLE.findall(entry)]


def _citations() -> list[tuple[str, str]]:
    found = []
    for name in CITING:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            if file == Path(__file__).resolve():  # its own comments show the form
                continue
            text = " ".join(file.read_text(encoding="utf-8").replace("#", " ").split())
            for title, branch in _CITED.findall(text):
                found.append((str(file.relative_to(ROOT)), title or f"branch {branch}"))
    return found


def test_the_index_names_sections_of_the_log():
    titles = _index_titles()
    assert len(titles) > 50  # the index is read, not skipped: its entries were found
    headings = _log_headings()
    missing = [t for t in titles if not any(h.startswith(t + " (") for h in headings)]
    assert missing == []


@pytest.mark.parametrize(("where", "cited"), _citations())
def test_a_citation_of_the_log_names_one_of_its_sections(where, cited):
    assert any(cited in heading for heading in _log_headings()), where


def test_citations_of_the_log_are_found():
    # The README and the worker's comments cite it: a pattern that finds none is broken.
    assert {where for where, _ in _citations()} >= {"README.md", "crawler/worker.py"}
