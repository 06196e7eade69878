"""The writers' lock of a reports database: one crawl at a time, and the others wait.

An flock() on a lock file beside the database, named after the database's real path
(symlinks resolved), so that every way of naming a database takes the same lock. The
kernel releases it when its holder dies, however it dies. The file holds the holder's
PID and start time, for humans and logs, and is emptied on a clean release.

The lock file is never the database and never a file that is not a lock file: such a
path is refused before anything is written to it.
"""

from __future__ import annotations

import fcntl
import os
import re
from datetime import datetime, timezone
from pathlib import Path

_LOCK_TEXT = re.compile(rb"\A(?:\d{1,10} \S{1,40}\n?)?\Z")  # "PID started\n", or empty
_MAX_LOCK_BYTES = 64


class LockError(Exception):
    """A lock path that must not be used (the database itself, or another file)."""


def lock_path_for(database: str | Path) -> Path:
    """The default lock file of a database: its real path + ".lock"."""
    return Path(os.path.realpath(database) + ".lock")


class RunLock:
    """An exclusive flock() on a lock file that names its holder's PID."""

    def __init__(self, path: str | Path, database: str | Path | None = None):
        self.path = Path(os.path.realpath(path))
        self.database = Path(os.path.realpath(database)) if database else None
        self.fd: int | None = None
        self.holder: str | None = None  # when busy: the PID written by the holder
        self.previous: str | None = None  # when acquired: a PID left by a run that died

    def acquire(self, wait: bool = False) -> bool:
        """Take the lock; False when another process holds it (unless wait, which waits).

        Raises LockError, having written nothing, when the path is the database or a
        file that is not a lock file.
        """
        if self.database is not None and self.path == self.database:
            raise LockError(f"the lock file {self.path} is the database itself")
        self._refuse_foreign()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            self.holder = _read_pid(fd)
            os.close(fd)
            return False
        try:
            self._refuse_foreign(fd)  # it may have changed while we waited
        except LockError:
            os.close(fd)
            raise
        # A clean release empties the file: a PID still in it is a run that died.
        self.previous = _read_pid(fd)
        os.ftruncate(fd, 0)
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.pwrite(fd, f"{os.getpid()} {started}\n".encode(), 0)
        self.fd = fd
        return True

    def _refuse_foreign(self, fd: int | None = None) -> None:
        if fd is None:
            if not self.path.exists():
                return
            if not self.path.is_file():
                raise LockError(f"{self.path} is not a lock file")
            with open(self.path, "rb") as handle:
                head = handle.read(_MAX_LOCK_BYTES + 1)
        else:
            head = os.pread(fd, _MAX_LOCK_BYTES + 1, 0)
        if len(head) > _MAX_LOCK_BYTES or not _LOCK_TEXT.match(head):
            raise LockError(f"{self.path} is not a lock file (it has other content)")

    def release(self) -> None:
        if self.fd is not None:
            # The file stays: unlinking it would let a new run lock a new file while a
            # late starter still holds the old one.
            os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing releases the flock
            self.fd = None

    def __enter__(self) -> RunLock:
        self.acquire(wait=True)
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _read_pid(fd: int) -> str | None:
    text = os.pread(fd, 200, 0).decode("ascii", "replace").split()
    return text[0] if text else None
