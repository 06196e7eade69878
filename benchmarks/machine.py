"""The line each benchmark prints first: the machine and the interpreter its figures came from."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import lxml

from parsers import compiled


def describe() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {cores} cores, load {load}; {interpreter()}, "
        f"lxml {lxml.__version__}; {compiled.describe()}"
    )


def interpreter() -> str:
    """Python's version, and whether its interpreter loads libpython as a shared library:
    figures from two interpreters are not one tree's. pyenv's default build (a shared
    libpython, no PGO or LTO) took 10-15% more CPU for our crawl than Debian's python3.11
    (linked into the executable, PGO and LTO): docs/speed-log.md, "The interpreter"."""
    version = f"Python {platform.python_version()}"
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return version
    shared = "libpython" in maps.read_text()
    return f"{version} ({'shared libpython' if shared else 'libpython linked in'})"
