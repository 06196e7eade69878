"""Whether a path can be the reports database, decided before it is opened for writing.

output.store.open_store runs check_database_path first, so a path that is refused is
never modified (no WAL switch, no migration, no new file).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from output.migrations import MIGRATIONS


class DatabaseError(Exception):
    """A database path that cannot be used; str() is the one line to show the user.

    Entry points print it and exit with EXIT_BAD_DATABASE; the file is left untouched.
    """


EXIT_BAD_DATABASE = 2  # the exit status of every entry point given an unusable database
_SQLITE_MAGIC = b"SQLite format 3\x00"


def check_database_path(file: Path, create: bool) -> None:
    """Raise DatabaseError unless file can be opened (and, when missing, created) as ours."""
    if file.exists():
        _check_existing(file)
    else:
        _check_creatable(file, create)


def _check_creatable(file: Path, create: bool) -> None:
    if not create:
        raise DatabaseError(f"{file}: no such database")
    parent = next(p for p in file.absolute().parents if p.exists())
    if not parent.is_dir():
        raise DatabaseError(f"{file}: cannot create: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DatabaseError(f"{file}: cannot create: directory {parent} is not writable")


def _check_existing(file: Path) -> None:
    if file.is_dir():
        raise DatabaseError(f"{file}: is a directory, not a database")
    try:
        with file.open("rb") as handle:
            header = handle.read(100)
        size = file.stat().st_size
    except OSError as error:
        raise DatabaseError(f"{file}: cannot read: {error.strerror or error}") from error
    writable = os.access(file, os.W_OK) and file.stat().st_mode & 0o222
    if not writable:  # the mode bits count even for root: the owner made it read-only
        raise DatabaseError(f"{file}: the file is read-only")
    if not os.access(file.parent, os.W_OK | os.X_OK):
        raise DatabaseError(f"{file}: its directory is not writable (SQLite needs it)")
    if size == 0:
        return  # an empty file is an empty database: ours to set up
    if not header.startswith(_SQLITE_MAGIC):
        raise DatabaseError(f"{file}: not an SQLite database")
    if len(header) < 100:
        raise DatabaseError(f"{file}: truncated SQLite database ({size} bytes)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages and header[24:28] == header[92:96] and size < pages * page_size:
        raise DatabaseError(
            f"{file}: truncated SQLite database ({size} bytes of {pages * page_size})"
        )
    tables, versions = _read_schema(file)
    if tables and not {"schema_migrations", "reports"} <= tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise DatabaseError(f"{file}: an SQLite database, but not a reports database ({shown})")
    newest = max(version for version, _, _ in MIGRATIONS)
    if versions and max(versions) > newest:
        raise DatabaseError(
            f"{file}: written by a newer version (schema {max(versions)}, this one knows {newest})"
        )


def _read_schema(file: Path) -> tuple[set[str], list[int]]:
    """The table names and applied migrations of an SQLite file, read-only.

    Without a -wal file beside it the file holds everything and is read as immutable,
    which creates no -wal or -shm file; with one, a writer may be at work: read through it.
    """
    mode = "mode=ro" if Path(f"{file}-wal").exists() else "immutable=1"
    uri = f"file:{quote(str(file.absolute()))}?{mode}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            tables = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            versions = []
            if "schema_migrations" in tables:
                versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise DatabaseError(f"{file}: damaged or not an SQLite database ({error})") from error
    return tables, versions
