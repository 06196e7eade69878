"""Bad input gets one line and a documented exit status; an existing file is never touched.

Every entry point opens its database through output.store.open_store; the unit tests
cover each kind of bad database, the command tests each entry point (README: Exit status).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from output.store import EXIT_BAD_DATABASE, DatabaseError, open_store
from tests.helpers import FIXTURES, ROOT


def _not_sqlite(path: Path) -> None:
    path.write_text("name,year\n某县,2023\n", encoding="utf-8")


def _ours(path: Path) -> None:
    open_store(path).close()


def _truncated(path: Path) -> None:
    good = path.with_name("good.db")
    store = open_store(good)
    store.db.execute("CREATE TABLE padding (x)")
    store.db.conn.executemany("INSERT INTO padding VALUES (?)", [("x" * 500,)] * 200)
    store.db.conn.commit()
    store.close()
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _header_only(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO orders (total) VALUES (9.5)")
    conn.commit()
    conn.close()


def _read_only(path: Path) -> None:
    _ours(path)
    path.chmod(0o444)


def _newer(path: Path) -> None:
    _ours(path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')")
    conn.commit()
    conn.close()


BAD_FILES = {
    "not-sqlite": (_not_sqlite, "not an SQLite database"),
    "truncated": (_truncated, "truncated SQLite database"),
    "header-only": (_header_only, "truncated SQLite database"),
    "another-programs-sqlite": (_foreign, "not a reports database (orders)"),
    "read-only": (_read_only, "read-only"),
    "newer-schema": (_newer, "newer version"),
}


def fingerprint(path: Path) -> tuple:
    """Content, mode and mtime of a file, and the names beside it (no -wal, no -shm)."""
    stat = path.stat()
    siblings = sorted(p.name for p in path.parent.iterdir())
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mode, stat.st_mtime_ns, siblings


@pytest.fixture(params=sorted(BAD_FILES))
def bad_db(request, tmp_path):
    make, words = BAD_FILES[request.param]
    path = tmp_path / "bad" / "reports.db"
    path.parent.mkdir()
    make(path)
    (path.parent / "good.db").unlink(missing_ok=True)
    return path, words


def test_every_kind_of_bad_database_is_refused_untouched(bad_db):
    path, words = bad_db
    before = fingerprint(path)
    with pytest.raises(DatabaseError) as raised:
        open_store(path)
    message = str(raised.value)
    assert words in message and str(path) in message and "\n" not in message
    assert fingerprint(path) == before


def test_paths_that_cannot_hold_a_database_are_refused(tmp_path):
    plain = tmp_path / "notes.txt"
    plain.write_text("x")
    with pytest.raises(DatabaseError, match="is a file, not a directory"):
        open_store(plain / "sub" / "reports.db")
    with pytest.raises(DatabaseError, match="is a directory"):
        open_store(tmp_path)
    with pytest.raises(DatabaseError, match="no such database"):
        open_store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_new_and_an_existing_reports_database_open(tmp_path):
    path = tmp_path / "new" / "reports.db"
    open_store(path).close()
    store = open_store(path, create=False)
    assert store.counts()["reports"] == 0
    store.close()
    empty = tmp_path / "empty.db"
    empty.touch()  # a zero-byte file is an empty SQLite database
    open_store(empty).close()


# --- the entry points -----------------------------------------------------------------------


def run(*command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


SEED = str(FIXTURES / "seeds" / "000_ee48f4fde292f35b.txt")
ENTRY_POINTS = {
    "parsers": lambda db: ("parsers", SEED, "--db", db, "--quiet"),
    "reparse": lambda db: ("crawler.reparse", "--db", db),
    "nightly": lambda db: ("crawler.nightly", "--db", db, "--site", "demo-trs"),
    "scrapy-crawl": lambda db: ("scrapy", "crawl", "annual_reports", "-s", f"REPORTS_DB={db}"),
    "demo": lambda db: ("demo", "--db", db, "--port", "0"),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("kind", ["not-sqlite", "another-programs-sqlite"])
def test_entry_point_given_a_bad_database_says_one_line_and_exits_2(entry, kind, tmp_path):
    make, words = BAD_FILES[kind]
    db = tmp_path / "reports.db"
    make(db)
    before = fingerprint(db)
    result = run(*ENTRY_POINTS[entry](str(db)))
    assert result.returncode == EXIT_BAD_DATABASE, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {db}: {lines[0].split(': ', 2)[2]}"] and words in lines[0]
    assert fingerprint(db) == before


def test_reparse_of_a_missing_database_says_so_and_creates_nothing(tmp_path):
    db = tmp_path / "nothing-here.db"
    result = run("crawler.reparse", "--db", str(db))
    assert result.returncode == EXIT_BAD_DATABASE
    assert result.stderr.strip() == f"error: {db}: no such database"
    assert list(tmp_path.iterdir()) == []


def test_parsers_cli_on_an_image_says_what_it_is(tmp_path):
    # With OCR off a picture is no document; with OCR on it is read as a scan (and this
    # one, a PNG header and no picture, cannot be read: one line says so).
    image = tmp_path / "scan.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    result = run("parsers", str(image), "--quiet", "--no-ocr")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {image}: not a document: PNG image"
    result = run("parsers", str(image), "--quiet")
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"error: {image}: ")
    assert "Traceback" not in result.stderr


def test_parsers_cli_records_a_scanned_pdf_in_the_database(tmp_path):
    db = tmp_path / "r.db"
    scanned = str(FIXTURES / "attachments" / "made-scanned-2-pages.pdf")
    result = run("parsers", scanned, SEED, "--db", str(db), "--quiet")
    assert result.returncode == 1  # one file had no readable text
    reason = "scanned PDF: 2 page(s) without a text layer, not read: page 1 is scanned at 40 dpi"
    assert reason in result.stderr
    conn = sqlite3.connect(db)
    try:
        pages = conn.execute("SELECT url, kind, parse_result FROM pages").fetchall()
        reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        conn.close()
    assert [(url, kind) for url, kind, _ in pages] == [(scanned, "attachment")]
    assert pages[0][2].startswith(reason)
    assert reports == 1
