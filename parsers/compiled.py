"""The compiled walks (parsers/_walk.pyx), when built and current; else None.

`make install` (pip install -e .) builds them with the machine's C compiler. Where
there is none the parsers run the plain Python definitions the walks are the fast
paths of: the same results, more slowly. A module older than its source (the .pyx
edited since the last build) is not used: it would read pages by the old code.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType


def _load() -> tuple[ModuleType | None, str]:
    try:
        from parsers import _walk
    except ImportError as error:
        return None, f"not built ({error}); run make install"
    source = Path(__file__).with_name("_walk.pyx")
    built = Path(_walk.__file__)
    # The module is its .pyx and the .pxi files the .pyx includes.
    for part in [source, *source.parent.glob("_walk*.pxi")]:
        if part.exists() and part.stat().st_mtime > built.stat().st_mtime:
            return None, f"{built.name} is older than {part.name}; run make install"
    return _walk, "built"


walks, status = _load()
