"""The compiled modules (parsers/_walk.pyx, _lines.pyx, _rows.pyx) if built and current, else None.

`make install` (pip install -e .) builds them with the machine's C compiler. Where
there is none the parsers run the plain Python definitions the walks are the fast
paths of: the same results, more slowly. A module older than its source (a .pyx, .pxi
or .pxd edited since the last build) is not used: it would read pages by the old code.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType


def _load(name: str = "_walk") -> tuple[ModuleType | None, str]:
    try:
        module = importlib.import_module(f"parsers.{name}")
    except ImportError as error:
        return None, f"not built ({error}); run make install"
    source = Path(__file__).with_name(f"{name}.pyx")
    built = Path(module.__file__)
    # The module is its .pyx, the .pxi files it includes and the .pxd files it cimports.
    parts = [source, *source.parent.glob(f"{name}*.pxi"), *source.parent.glob("_*.pxd")]
    for part in parts:
        if part.exists() and part.stat().st_mtime > built.stat().st_mtime:
            return None, f"{built.name} is older than {part.name}; run make install"
    return module, "built"


walks, status = _load()
lines, lines_status = _load("_lines")  # html._collect and table_rows.data_table_rows
rows, rows_status = _load("_rows")  # tables' and tokens' loops over a token stream
