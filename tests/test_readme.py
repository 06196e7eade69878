"""The README is read top to bottom by a newcomer: each section once."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _headings() -> list[str]:
    text = README.read_text(encoding="utf-8")
    # Headings outside code blocks: a "# comment" in a shell example is not one.
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    return [line for line in prose.splitlines() if line.startswith("#")]


def test_every_readme_heading_appears_once():
    repeated = [heading for heading, count in Counter(_headings()).items() if count > 1]
    assert repeated == []
