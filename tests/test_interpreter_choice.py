"""Which Python the venv is made with, and the benchmarks saying which one ran them.

The Makefile makes the venv with the system's python3 when it is 3.10 or newer and has
ensurepip (Debian's
build, PGO and LTO, took 9-13% less CPU for our crawl than pyenv's default one:
docs/speed-log.md, "The interpreter"); each benchmark's first line names the Python and
whether it loads libpython as a shared library, so that figures from two interpreters
are not compared as if from one.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")


def _system_python_is_new_enough() -> bool:
    if not SYSTEM_PYTHON.exists():
        return False
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import ensurepip, sys; sys.exit(sys.version_info < (3, 10))"],
        capture_output=True,
    )
    return done.returncode == 0


def _venv_command(tmp_path: Path, *variables: str, env: dict | None = None) -> str:
    # make -n prints the recipes it would run; a venv path that does not exist yet makes
    # the venv's recipe one of them.
    venv = tmp_path / "venv"
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), f"VENV={venv}", *variables, str(venv / "bin" / "python")],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    lines = [line for line in done.stdout.splitlines() if f"-m venv {venv}" in line]
    assert len(lines) == 1, done.stdout
    return lines[0]


def test_the_venv_is_made_with_the_system_python_when_it_is_new_enough_and_can_make_one(tmp_path):
    expected = str(SYSTEM_PYTHON) if _system_python_is_new_enough() else "python3"
    assert _venv_command(tmp_path) == f"{expected} -m venv {tmp_path / 'venv'}"


def test_a_python_named_on_the_command_line_or_in_the_environment_is_used(tmp_path):
    assert _venv_command(tmp_path, "PYTHON=python3.12").startswith("python3.12 -m venv ")
    in_environment = _venv_command(tmp_path, env={**os.environ, "PYTHON": "python3.13"})
    assert in_environment.startswith("python3.13 -m venv ")


def test_the_benchmarks_first_line_names_the_python_and_how_libpython_is_loaded():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import machine; "
            "print(machine.describe())",
            str(ROOT),
            str(ROOT / "benchmarks"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = done.stdout.strip()
    assert f"Python {platform.python_version()} (" in line
    assert "compiled loops" in line  # built, or why not
    # Independently of the line's own look at the process: the interpreter's executable
    # either needs libpython as a shared library (ldd lists it) or holds it.
    needs = subprocess.run(
        ["ldd", str(Path(sys.executable).resolve())], capture_output=True, text=True
    ).stdout
    linkage = "shared libpython" if "libpython" in needs else "libpython linked in"
    assert f"({linkage})" in line
