"""A parse worker has its C library merge freed memory at once
(crawler.worker.merge_freed_memory_at_once, first thing in its loop): a page's tree,
freed when the page has been read, is not left in glibc's fast bins for the next large
allocation to merge (a quarter of a 2 MiB page's parse). Each side runs in a process of
its own, as a worker does, and says how many freed blocks its fast bins hold after a
tree of 50,000 paragraphs is freed (glibc's mallinfo2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_FREED_TREE = """
import ctypes, sys
from lxml import etree
from crawler.worker import merge_freed_memory_at_once

FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in FIELDS.split()]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
set_up = merge_freed_memory_at_once() if sys.argv[1] == "worker" else None
if sys.argv[1] == "serve":  # a worker's own loop, told to stop at once; this process is its
    import socket
    from multiprocessing.connection import Connection
    from crawler.worker import _serve

    ours, theirs = socket.socketpair()
    Connection(ours.detach()).send(None)
    set_up = _serve(Connection(theirs.detach()))
page = b"<html><body>" + b"<p>x</p>" * 50_000 + b"</body></html>"
tree = etree.fromstring(page, etree.HTMLParser())
del tree
print(set_up, libc.mallinfo2().smblks)
"""


def _blocks_in_fast_bins(process: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _FREED_TREE, process],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    set_up, blocks = done.stdout.split()
    return set_up, int(blocks)


def test_a_parse_worker_merges_a_freed_tree_at_once():
    assert _blocks_in_fast_bins("worker") == ("True", 0)


def test_a_plain_process_keeps_a_freed_tree_in_fast_bins():
    # What the worker's setting changes: without it the tree's blocks wait to be merged.
    set_up, blocks = _blocks_in_fast_bins("plain")
    assert set_up == "None" and blocks > 10_000


def test_a_worker_s_own_loop_sets_its_process_up_so():
    # What crawler.worker._serve does first, before any job: its process is the worker.
    assert _blocks_in_fast_bins("serve") == ("None", 0)
