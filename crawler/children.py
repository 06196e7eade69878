"""Helper processes of a crawl (the parse workers, the store's writer), each started as
`python -m MODULE FD ARGS...` with a socket to it: not through multiprocessing, which
would import the caller's __main__ again in the child."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path


def start_child(module: str, *args) -> tuple[subprocess.Popen, Connection]:
    """The process running `python -m module FD *args` (FD: its end of a socket pair),
    with this tree first on its path, and our end of the socket."""
    ours, theirs = socket.socketpair()
    root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    with theirs:
        process = subprocess.Popen(
            [sys.executable, "-m", module, str(theirs.fileno()), *map(str, args)],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )
    return process, Connection(ours.detach())


def run_behind(niceness: int) -> None:
    """First thing a helper process that works behind the crawl does (a parse worker, the
    SQLite writer), when asked a niceness above 0: lower its priority by it (the reactor
    paces the crawl and must keep its core) and run it as batch work (SCHED_BATCH, Linux)
    whose wake-ups do not preempt the running process. In a crawl four busy processes
    share the cores; preempted at every wake-up, the workers refilled their caches over
    and over and spent ~25% more CPU a page (docs/speed.md, round s23)."""
    if niceness <= 0:
        return
    os.nice(niceness)
    if hasattr(os, "SCHED_BATCH"):
        with contextlib.suppress(OSError):  # a sandbox may refuse it: nice alone then
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
