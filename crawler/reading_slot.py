"""Which document of a batch a parse worker is reading, and its CPU budget, told without a
message: a few bytes of memory the worker and its parent share (a memfd, else a
temporary file, mapped by both).

A worker handed a batch (crawler.worker, ParsePool.parse_batch) answers once, at the end.
When it dies of a document's CPU limit (SIGXCPU: the limit is armed for each document),
the parent reads here which document that was and answers it as too slow, and reads
the rest of the batch again without it: it is not read a second time to fail again.
Writing the number costs the worker nothing a message would (the parent's thread is not
woken for each document).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
import tempfile

_LAYOUT = struct.Struct("<qd")  # the document's number in its batch, its CPU seconds
NOT_READING = -1


class ReadingSlot:
    """The shared slot. Made by the parent (``fd`` None: a new file, whose descriptor
    ``fd`` the worker is handed), or by the worker from that descriptor."""

    def __init__(self, fd: int | None = None) -> None:
        if fd is None:
            fd = _shared_file()
            os.ftruncate(fd, _LAYOUT.size)
        self.fd = fd
        self.memory = mmap.mmap(fd, _LAYOUT.size)  # holds the file itself

    def put(self, number: int, seconds: float) -> None:
        _LAYOUT.pack_into(self.memory, 0, number, seconds)

    def clear(self) -> None:
        self.put(NOT_READING, 0.0)

    def reading(self) -> tuple[int, float]:
        """(the number of the document being read, its CPU seconds); NOT_READING first."""
        return _LAYOUT.unpack_from(self.memory, 0)

    def close_descriptor(self) -> None:
        """The parent's descriptor closed once the worker has its own (the map stays)."""
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def close(self) -> None:
        """The map closed (its worker stopped)."""
        self.memory.close()


def _shared_file() -> int:
    try:
        return os.memfd_create("parse-worker-reading", os.MFD_CLOEXEC)
    except (AttributeError, OSError):  # no memfd (not Linux): an unnamed temporary file
        with tempfile.TemporaryFile() as file:
            return os.dup(file.fileno())
