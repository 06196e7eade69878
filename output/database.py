"""The connection every part of the reports database shares, and its write transactions.

output.store's ReportStore is this connection with the methods of output.reports,
output.pages and output.runs; output.migrations sets the schema up.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import cache
from itertools import chain, compress, repeat
from operator import itemgetter, ne
from pathlib import Path

from output.search import index_pending
from parsers.normalize import encodable


@contextmanager
def _numpy_unseen() -> Iterator[None]:
    """sqlite_utils imports numpy when it can, only to give numpy values column types,
    and no value stored here is one; the import costs ~0.1 s of CPU and ~12 MiB in every
    process that opens the database (the crawl's reactor, before its first request).
    Hidden from sqlite_utils' import only: numpy stays importable afterwards (OCR)."""
    hide = "numpy" not in sys.modules and "sqlite_utils" not in sys.modules
    if hide:
        sys.modules["numpy"] = None  # import numpy: ImportError
    try:
        yield
    finally:
        if hide and sys.modules.get("numpy", 0) is None:
            del sys.modules["numpy"]


with _numpy_unseen():
    from sqlite_utils import Database

PAGE_SIZE = 8192  # bytes, a new database's
CACHE_KIB = 8000  # a connection's page cache


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Connection:
    def __init__(self, path: str | Path, migrate: bool = True):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: Scrapy may call pipelines from a thread-pool callback.
        # isolation_level=None: no implicit transactions; every write transaction is
        # opened by transaction() with BEGIN IMMEDIATE (one writer, waited for).
        connection = sqlite3.connect(
            self.path, timeout=30, check_same_thread=False, isolation_level=None
        )
        self.db = Database(connection)
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.execute("PRAGMA foreign_keys = ON")  # cells and checks go with their report
        # Pages of 8 KiB (SQLite's default is 4), which only a new, empty database takes,
        # and a page cache of 8 MB (2 MB): a batch of reports then writes and reads about
        # half as many pages (write and read calls) and spills none of them from the cache
        # before its COMMIT; the file is ~2% larger.
        self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if self.path != ":memory:":
            retry_locked(self.db.enable_wal)
        # Whether reports_fts is filled at COMMIT (migration 7, output.search); set once
        # the schema is known to have it.
        self.indexes_at_commit = False
        # How many reports noted for search a COMMIT indexes at the least (index_pending);
        # the rest wait, committed, for a later COMMIT or index_search().
        self.index_at_least = 1
        self._depth = 0  # savepoints open inside the current transaction
        if migrate:
            self.migrate()
        self.indexes_at_commit = _has_table(self.db.conn, "report_search_pending")

    def close(self) -> None:
        self.db.close()

    def index_search(self) -> None:
        """Index every report noted for search, however few (index_at_least put them off)."""
        if self.indexes_at_commit:
            with self.transaction() as db:
                index_pending(db.conn)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction, BEGIN IMMEDIATE: the write lock is taken up front (and
        waited for, then retried), so that a transaction never fails half-way because
        another process wrote first. Nested calls become savepoints of the outer one."""
        conn = self.db.conn
        if conn.in_transaction:
            yield from self._savepoint(conn)
            return
        retry_locked(conn.execute, "BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            if self.indexes_at_commit:
                index_pending(conn, self.index_at_least)  # noted by the search triggers
            retry_locked(conn.execute, "COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _savepoint(self, conn) -> Iterator[Database]:
        """A savepoint named by its depth: the same few statements every time, prepared
        once and kept in sqlite3's statement cache (sqlite_utils' atomic() names each one
        afresh: eight new statements to prepare a stored report, each filling a place in
        the cache)."""
        self._depth += 1
        name = f"store_{self._depth}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield self.db
        except BaseException:
            # An error that ended the whole transaction leaves no savepoint to go back to.
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        else:
            conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def migrate(self) -> list[int]:  # output.store.ReportStore
        raise NotImplementedError


def _has_table(conn, name: str) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(query, [name]).fetchone() is not None


def clean(values) -> list:
    """Parameters with every text made encodable (lone surrogates replaced)."""
    return [encodable(v) if isinstance(v, str) else v for v in values]


def execute(conn, sql: str, values):
    """conn.execute(sql, values), its texts made encodable only if SQLite's UTF-8
    refuses one (a lone surrogate, from a JSON escape): looking at every text first
    cost more than writing it. A refused statement did nothing, so it is run again."""
    try:
        return conn.execute(sql, values)
    except UnicodeEncodeError:
        return conn.execute(sql, clean(values))


def insert_rows(conn, table: str, columns: str, rid: str, rows: list[tuple], tail: int = 0) -> None:
    """Replace report rid's rows of table (report_cells, report_checks) by rows, each
    the values of columns (report_id left out).

    tail: how many last columns may hold one value in every row (a cell's source,
    confidence and flagged, when the report was read from text). Such values are
    written once, into the statement, and each row binds the others: binding cost a
    third of the time of writing a report's cells.

    The rows go in a few statements of many rows each (_insert_runs), not one statement
    a row; insert_each is the plain definition, and writes the rows again, their texts
    made encodable, when SQLite refuses one.
    """
    delete = f"DELETE FROM {table} WHERE report_id = ?"
    conn.execute(delete, [rid])
    if not rows:
        return
    literals = _shared_literals(rows, tail) if tail else None
    tail = tail if literals else 0  # the values each row binds, past report_id
    width = columns.count(",") + 1 - tail
    # ?1 is report_id, bound once a statement; each ? after it takes the next number.
    row = "(" + ", ".join(["?1"] + ["?"] * width + (literals or [])) + ")"
    head = f"INSERT INTO {table} (report_id, {columns}) VALUES "
    bound = map(itemgetter(slice(width)), rows) if tail else rows
    try:
        _insert_runs(conn, head, row, rid, width, list(chain.from_iterable(bound)))
    except UnicodeEncodeError:  # as execute(); the statements before the refused one are in
        conn.execute(delete, [rid])
        insert_each(conn, head + row, map(clean, _bound(rid, rows, tail)))


# A report stored again with rows that differ from those stored has only those written
# (a row gone deleted, a new or changed one replaced) while they are at most this share
# of its rows: what a reparse by a parser that reads a few cells otherwise meets. Past
# it, deleting and inserting them all in runs (insert_rows) costs less than a statement
# a row. The rows left alone are those Python's == finds the same, which SQLite's column
# types store alike (3 == 3.0, True == 1): what insert_rows would have written again.
PARTIAL_AT_MOST = 1 / 4


def replace_rows(conn, table: str, columns: str, rid: str, rows: list[tuple], tail: int = 0) -> int:
    """insert_rows(conn, table, columns, rid, rows, tail) for a report that has rows of
    table stored already: the stored ones read first (rows are in key order, the key
    their first value, the order SQLite reads them in), and those the same left as they
    are. Returns how many rows were written or deleted."""
    key = columns.split(",", 1)[0]
    query = f"SELECT {columns} FROM {table} WHERE report_id = ? ORDER BY {key}"
    stored = conn.execute(query, [rid]).fetchall()
    if stored == rows:
        return 0
    differences = _differences(stored, rows)
    if differences is None or sum(map(len, differences)) > PARTIAL_AT_MOST * len(rows):
        # Rows with one key twice go here too, where the INSERT refuses them as always.
        insert_rows(conn, table, columns, rid, rows, tail)
        return len(stored) + len(rows)
    gone, changed = differences
    delete = f"DELETE FROM {table} WHERE report_id = ? AND {key} = ?"
    conn.executemany(delete, [(rid, name) for name in gone])
    marks = ", ".join("?" * (columns.count(",") + 2))
    replace = f"INSERT OR REPLACE INTO {table} (report_id, {columns}) VALUES ({marks})"
    for row in changed:
        execute(conn, replace, (rid, *row))
    return len(gone) + len(changed)


def _differences(stored: list[tuple], rows: list[tuple]) -> tuple[list, list] | None:
    """([the key of each stored row gone], [each row of rows new or changed]) from stored
    to rows; None when rows hold a key twice."""
    if list(map(itemgetter(0), stored)) == list(map(itemgetter(0), rows)):
        # The same keys in the same order (most often): the rows compared pairwise in C.
        return [], list(compress(rows, map(ne, stored, rows)))
    wanted = {row[0]: row for row in rows}
    if len(wanted) < len(rows):
        return None
    held = {row[0]: row for row in stored}
    return [name for name in held if name not in wanted], [
        row for row in rows if held.get(row[0]) != row
    ]


def insert_each(conn, insert: str, bound) -> None:
    """The plain definition of _insert_runs: insert (one row's VALUES) once a row."""
    conn.executemany(insert, bound)


# The most rows one INSERT writes. A report's rows go in runs of 128, 64, ..., 1 (the
# binary digits of their count): one statement of many rows costs SQLite and sqlite3's
# executemany less than as many steps of a one-row statement, and each table has at
# most 8 such statements to prepare and keep in sqlite3's statement cache, whatever the
# counts.
ROWS_PER_STATEMENT = 128


def _insert_runs(conn, head: str, row: str, rid: str, width: int, values: list) -> None:
    """INSERT head + row, row, ... of report rid's rows whose values are values (width
    each, row after row), in runs of a power of two rows."""
    left = len(values) // width
    size, at = ROWS_PER_STATEMENT, 0
    while left:
        while size > left:
            size //= 2
        conn.execute(_many_rows(head, row, size), [rid, *values[at : at + size * width]])
        at += size * width
        left -= size


@cache
def _many_rows(head: str, row: str, size: int) -> str:
    return head + ", ".join([row] * size)


def _bound(rid: str, rows: list[tuple], tail: int):
    """The values each row binds: rid, then the row less its last tail values; made in C
    (map, zip) as executemany reads them: a Python loop over a report's ~200 cells cost
    more than a tenth of writing them."""
    if not tail:
        return map(tuple.__add__, repeat((rid,)), rows)
    return zip(repeat(rid), *(map(itemgetter(i), rows) for i in range(len(rows[0]) - tail)))


def _shared_literals(rows: list[tuple], tail: int) -> list[str] | None:
    """The last tail values of rows as SQL literals, when every row has the same ones
    and each is NULL, an integer or a plain word (nothing to quote); else None."""
    first = rows[0][-tail:]
    if not all(map(first.__eq__, map(itemgetter(slice(-tail, None)), rows))):
        return None
    literals = []
    for value in first:
        if value is None:
            literals.append("NULL")
        elif type(value) is int:
            literals.append(str(value))
        elif type(value) is str and value.isascii() and value.isalnum():
            literals.append(f"'{value}'")
        else:
            return None
    return literals


LOCK_RETRIES = 20  # on top of busy_timeout's 30 s wait each: ten minutes and more in all


def retry_locked(function, *args):
    """function(*args), tried again while SQLite says the database is locked or busy.

    busy_timeout already waits for the lock; this covers what it does not (a WAL
    checkpoint or a journal-mode change holding the file), so that another process
    writing never turns into a lost write here.
    """
    for attempt in range(LOCK_RETRIES):
        try:
            return function(*args)
        except sqlite3.OperationalError as error:
            message = str(error).lower()
            if ("locked" not in message and "busy" not in message) or attempt + 1 == LOCK_RETRIES:
                raise
            time.sleep(min(0.05 * 2**attempt, 2.0))
    return None


def json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
