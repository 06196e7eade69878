"""Helper processes of a crawl (the parse workers, the store's writer), each started as
`python -m MODULE FD ARGS...` with a socket to it: not through multiprocessing, which
would import the caller's __main__ again in the child."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path


def start_child(
    module: str, *args, fds: tuple[int, ...] = ()
) -> tuple[subprocess.Popen, Connection]:
    """The process running `python -m module FD *args` (FD: its end of a socket pair),
    with this tree first on its path, and our end of the socket. ``fds``: descriptors
    the child is handed too (named among ``args``)."""
    ours, theirs = socket.socketpair()
    root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    with theirs:
        process = subprocess.Popen(
            [sys.executable, "-m", module, str(theirs.fileno()), *map(str, args)],
            pass_fds=[theirs.fileno(), *fds],
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )
    return process, Connection(ours.detach())


def leave_at_once() -> None:
    """End this child process now, its log and output written first: its work is done
    (told so, or its parent gone) and nothing else of it is left to write or close. The
    interpreter's own teardown of a child's heap and caches took 20-100 ms, which every
    close of a pool or writer waited for (the end of each crawl and reparse)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or its reader gone
            stream.flush()
    os._exit(0)
