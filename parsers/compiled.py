"""The compiled modules (parsers/_walk.pyx, _lines.pyx, _rows.pyx, _markup.pyx) if built and
current, else None.

`make install` (pip install -e .) builds them with the machine's C compiler. Where
there is none the parsers run the plain Python definitions the walks are the fast
paths of: the same results, more slowly. A module older than its source (a .pyx, .pxi
or .pxd edited since the last build) is not used: it would read pages by the old code.

Each module is loaded when first asked for (`from parsers.compiled import rows`), not
all three at this module's import: _rows imports parsers.normalize, and normalize asks
for walks here, so loading _rows with walks made a cycle (normalize → compiled → _rows
→ normalize half-initialised) whenever normalize was imported before the rest of the
parser. Asked for one by one, normalize loads only _walk, and _rows is loaded by
tables, tokens, sections and report, which normalize does not import.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType


def _load(name: str = "_walk") -> tuple[ModuleType | None, str]:
    try:
        module = importlib.import_module(f"parsers.{name}")
    except ImportError as error:
        if not _not_built(error, name):
            # Built but failing on an import of its own (a circular import above all):
            # a bug to show, not a reason to run the plain loops silently.
            raise
        return None, f"not built ({error}); run make install"
    source = Path(__file__).with_name(f"{name}.pyx")
    built = Path(module.__file__)
    # The module is its .pyx, the .pxi files it includes and the .pxd files it cimports.
    parts = [source, *source.parent.glob(f"{name}*.pxi"), *source.parent.glob("_*.pxd")]
    for part in parts:
        if part.exists() and part.stat().st_mtime > built.stat().st_mtime:
            return None, f"{built.name} is older than {part.name}; run make install"
    return module, "built"


def _not_built(error: ImportError, name: str) -> bool:
    """Whether the module itself is missing or its built file cannot be loaded."""
    if isinstance(error, ModuleNotFoundError):
        return error.name == f"parsers.{name}"
    return error.path is not None and Path(error.path).name.startswith(f"{name}.")


# Each name: the compiled module it is (or its status) and its index in _load's answer.
_NAMES = {
    "walks": ("_walk", 0),
    "status": ("_walk", 1),
    "lines": ("_lines", 0),  # html._collect and table_rows.data_table_rows
    "lines_status": ("_lines", 1),
    "rows": ("_rows", 0),  # tables' and tokens' loops over a token stream
    "rows_status": ("_rows", 1),
    "markup": ("_markup", 0),  # html._document_root: the attributes nothing reads left out
    "markup_status": ("_markup", 1),
}


def __getattr__(name: str):
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, _ = _NAMES[name]
    loaded = _load(module_name)
    for each, (other, index) in _NAMES.items():
        if other == module_name:
            globals()[each] = loaded[index]  # asked once: later reads find the global
    return globals()[name]


def describe() -> str:
    """One line for benchmarks: whether each compiled module is the one in use. A build
    older than its source runs the plain loops, correctly but slowly, and a speed figure
    taken so is not this tree's (a checkout left unbuilt after a merge measured so)."""
    states = {name: _load(name)[1] for name in ("_walk", "_lines", "_rows", "_markup")}
    if all(state == "built" for state in states.values()):
        return "compiled loops: built"
    return "compiled loops NOT in use, plain Python instead: " + "; ".join(
        f"{name} {state}" for name, state in states.items() if state != "built"
    )
