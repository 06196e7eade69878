"""parsers.compiled tells a compiled module that is not built from one that is built but
fails on an import of its own: the first is reported and the plain loops run, the second
(a circular import above all) is raised, never taken for "not built"."""

from __future__ import annotations

import importlib

import pytest

from parsers import compiled


def _import_raising(error):
    def import_module(name):
        raise error

    return import_module


def test_a_module_not_built_is_reported_as_not_built(monkeypatch):
    missing = ModuleNotFoundError("No module named 'parsers._rows'", name="parsers._rows")
    monkeypatch.setattr(importlib, "import_module", _import_raising(missing))
    module, status = compiled._load("_rows")
    assert module is None and status.startswith("not built") and "make install" in status


def test_a_built_file_that_cannot_be_loaded_is_reported_as_not_built(monkeypatch):
    broken = ImportError("file too short", name="parsers._rows", path="/x/_rows.cpython-311.so")
    monkeypatch.setattr(importlib, "import_module", _import_raising(broken))
    assert compiled._load("_rows")[0] is None


def test_a_failing_import_inside_a_built_module_is_raised(monkeypatch):
    circular = ImportError("cannot import name is_blank")  # as Cython's module raises it
    monkeypatch.setattr(importlib, "import_module", _import_raising(circular))
    with pytest.raises(ImportError, match="is_blank"):
        compiled._load("_rows")


def test_a_missing_dependency_of_a_built_module_is_raised(monkeypatch):
    missing = ModuleNotFoundError("No module named 'lxml'", name="lxml")
    monkeypatch.setattr(importlib, "import_module", _import_raising(missing))
    with pytest.raises(ModuleNotFoundError, match="lxml"):
        compiled._load("_walk")


def test_each_module_is_loaded_when_first_asked_for():
    assert compiled.rows is importlib.import_module("parsers._rows")
    assert compiled.rows_status == "built"
    with pytest.raises(AttributeError, match="no attribute 'row'"):
        compiled.row  # noqa: B018


def test_benchmarks_are_told_whether_the_compiled_loops_run(monkeypatch):
    # A speed figure of a checkout whose build is older than its source measures the
    # plain loops: the benchmarks print this line so that it cannot pass unseen.
    assert compiled.describe() == "compiled loops: built"
    real_import = importlib.import_module

    def walk_not_built(name):
        if name == "parsers._walk":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name)

    monkeypatch.setattr(importlib, "import_module", walk_not_built)
    line = compiled.describe()
    assert line.startswith("compiled loops NOT in use") and "_walk not built" in line
