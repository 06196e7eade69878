"""Imports run one way (README, "Map"): production packages never import demo/, tests/ or
benchmarks/, and parsers/ never imports crawler/. Checked on the sources with ast, so an
import inside a function counts as much as one at the top of a module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ("crawler", "parsers", "output")
NEVER_IMPORTED_BY_PRODUCTION = {"demo", "tests", "benchmarks"}
# The parsers' command line stores what it read through output/ (README); crawler/ never.
NEVER_IMPORTED_BY = {"parsers": NEVER_IMPORTED_BY_PRODUCTION | {"crawler"}}


def imported_packages(source: str, module: str) -> set[str]:
    """Top-level package names a module imports (relative imports resolved against it)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x: inside the module's own package
                found.add(module.split(".")[0])
            elif node.module:
                found.add(node.module.split(".")[0])
    return found


def production_modules() -> list[Path]:
    return sorted(path for package in PRODUCTION for path in (ROOT / package).rglob("*.py"))


def test_the_import_reader_sees_every_form_of_import():
    source = "import demo.server\nfrom tests import helpers\ndef f():\n    import benchmarks.soak\n"
    assert imported_packages(source, "crawler.x") == {"demo", "tests", "benchmarks"}
    assert imported_packages("from .links import x\n", "crawler.spider") == {"crawler"}


def test_there_are_production_modules_to_check():
    assert len(production_modules()) > 20


@pytest.mark.parametrize("path", production_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_production_module_imports_only_downstream_packages(path):
    relative = path.relative_to(ROOT)
    module = ".".join(relative.with_suffix("").parts)
    forbidden = NEVER_IMPORTED_BY.get(relative.parts[0], NEVER_IMPORTED_BY_PRODUCTION)
    wrong = imported_packages(path.read_text(encoding="utf-8"), module) & forbidden
    assert not wrong, f"{relative} imports {sorted(wrong)}"
