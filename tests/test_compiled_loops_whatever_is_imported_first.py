"""Whatever parsers module a process imports first, the parse uses the same loops.

parsers.compiled loads the compiled modules and falls back to the plain Python loops
when one cannot be imported: a circular import (a compiled module importing a parser
module that is still loading) would turn into "not built" silently, and every page
would be read by the slow loops (found when parsers/__init__ was made to load the
parser lazily: imported after parsers.encoding, _rows fell back). Each module is
imported first in a fresh interpreter, then the loops in use are compared with those
of `from parsers import parse_document`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import fresh_python_last_line

PARSERS = Path(__file__).resolve().parents[1] / "parsers"
FIRST_IMPORTS = sorted(
    f"parsers.{path.stem}" for path in PARSERS.glob("*.py") if path.stem != "__main__"
)

LOOPS_IN_USE = """
import {first}
from parsers import parse_document, compiled, report, tables
print(compiled.status, compiled.lines_status, compiled.rows_status,
      type(tables._rows).__name__, type(report._paragraph_kept).__name__)
"""


def _loops_in_use(first: str) -> str:
    return fresh_python_last_line(LOOPS_IN_USE.format(first=first))


@pytest.fixture(scope="module")
def loops_of_the_package() -> str:
    return _loops_in_use("parsers")


@pytest.mark.parametrize("first", FIRST_IMPORTS)
def test_the_loops_in_use_do_not_depend_on_the_first_import(first, loops_of_the_package):
    assert _loops_in_use(first) == loops_of_the_package
