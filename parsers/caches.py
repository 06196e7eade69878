"""What the parsers remember of the texts they have read, made in one place.

Pages repeat texts: a site prints the same toolbar and footer lines on every page, and
every report the standard tables' labels and the same cell texts ("0", "/"). The
parsers keep their answers about such texts (and the cell keys of the labels read) in
bounded caches, all made here, so that one call empties them: a benchmark does, to time
pages read for the first time (as a crawl reads them) rather than read again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

_EMPTIERS: list[Callable[[], None]] = []


def text_cache(maxsize: int):
    """functools.lru_cache(maxsize=maxsize), emptied by forget_texts."""

    def decorate(function):
        cached = lru_cache(maxsize=maxsize)(function)
        _EMPTIERS.append(cached.cache_clear)
        return cached

    return decorate


def text_set() -> set[str]:
    """An empty set of texts (its user bounds it), emptied by forget_texts."""
    kept: set[str] = set()
    _EMPTIERS.append(kept.clear)
    return kept


def text_dict() -> dict:
    """An empty dict keyed by texts (its user bounds it), emptied by forget_texts."""
    kept: dict = {}
    _EMPTIERS.append(kept.clear)
    return kept


def forget_texts() -> None:
    """Empty every cache of texts the parsers imported so far keep."""
    for empty in _EMPTIERS:
        empty()
