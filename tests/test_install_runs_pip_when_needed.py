"""`make install` (and so `make test`, `make demo`) runs pip only when what it installs
from changed since the last install: the dependencies (pyproject.toml) or the compiled
loops' sources (setup.py, parsers/*.pyx, *.pxi, *.pxd). Read from `make -n`, which
prints the recipes it would run and runs none; the venv is a folder of the test's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIP_INSTALL = '-m pip install --quiet -e ".[dev]"'


def _pip_runs(venv: Path, *options: str) -> bool:
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), f"VENV={venv}", *options, "install"],
        capture_output=True,
        text=True,
        check=True,
    )
    return PIP_INSTALL in done.stdout


def _installed_venv(tmp_path: Path) -> Path:
    """A venv folder whose install stamp is newer than every input."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    stamp = venv / ".installed"
    stamp.touch()
    newest = max(path.stat().st_mtime for path in _inputs())
    os.utime(stamp, (newest + 60, newest + 60))
    return venv


def _inputs() -> list[Path]:
    parsers = ROOT / "parsers"
    compiled = [p for pattern in ("*.pyx", "*.pxi", "*.pxd") for p in parsers.glob(pattern)]
    return [ROOT / "pyproject.toml", ROOT / "setup.py", *compiled]


def test_a_new_venv_is_installed(tmp_path):
    assert _pip_runs(tmp_path / "venv")


def test_an_installed_venv_is_not_installed_again(tmp_path):
    assert not _pip_runs(_installed_venv(tmp_path))


@pytest.mark.parametrize(
    "changed",
    [
        "pyproject.toml",
        "setup.py",
        "parsers/_rows.pyx",
        "parsers/_walk_fused.pxi",
        "parsers/_nodes.pxd",
    ],
)
def test_a_changed_dependency_list_or_compiled_source_installs_again(tmp_path, changed):
    assert (ROOT / changed).exists()
    # -W: make takes the file as changed just now, without touching it.
    assert _pip_runs(_installed_venv(tmp_path), f"-W{changed}")


def test_an_edited_python_module_needs_no_install(tmp_path):
    # The install is editable: the .py files are read from the checkout.
    assert not _pip_runs(_installed_venv(tmp_path), "-Wparsers/report.py")
