"""The parsers' caches of texts (parsers.caches): forget_texts empties every one of them,
and a page read with them empty reads as it does with them full."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from parsers import parse_document
from parsers.caches import forget_texts

ROOT = Path(__file__).resolve().parents[1]
REPORT_PAGE = ROOT / "tests" / "fixtures" / "corpus" / "shanghai-bgt-2019.html"
# A report of other tables and another site: texts the first report does not hold.
OTHER_REPORT = ROOT / "demo" / "portal" / "plain" / "xxgk" / "ndbg" / "000_ee48f4fde292f35b.html"
REAL_PAGES = sorted((ROOT / "tests" / "fixtures").rglob("*.htm*"))
REAL_PAGES += sorted(
    p for p in (ROOT / "demo" / "portal").rglob("*.html") if "pdfjs" not in p.parts
)


def _parser_caches() -> dict[str, object]:
    """Every functools cache of a function of the parsers, held by a name of a parsers
    module (a label reader's cache hangs on its wrapper as ``cached``), by where it is;
    not those of other libraries' functions imported there (w3lib's resolve_encoding)."""
    found = {}
    for module_name, module in list(sys.modules.items()):
        if module_name != "parsers" and not module_name.startswith("parsers."):
            continue
        for name, value in vars(module).items():
            for cache in (value, getattr(value, "cached", None)):
                if callable(getattr(cache, "cache_info", None)) and (
                    getattr(cache, "__module__", "") or ""
                ).startswith("parsers"):
                    found[f"{module_name}.{name}"] = cache
    return found


def test_forgetting_texts_empties_every_cache_the_parsers_keep():
    from parsers import chrome

    parse_document(REPORT_PAGE.read_bytes(), url=REPORT_PAGE.name)
    caches = _parser_caches()
    filled = [name for name, cache in caches.items() if cache.cache_info().currsize]
    assert len(filled) >= 5, filled  # a report's read fills the caches of its texts
    assert chrome._NOT_LABELS

    forget_texts()

    assert {name: cache.cache_info().currsize for name, cache in caches.items()} == dict.fromkeys(
        caches, 0
    )
    assert not chrome._NOT_LABELS


def _module_containers() -> dict[str, int]:
    """The size of every dict and set a parsers module holds by name, and of those it
    holds in turn (a dict of dicts by unit): where a cache of texts can hide."""
    sizes = {}
    for module_name, module in list(sys.modules.items()):
        if module_name != "parsers" and not module_name.startswith("parsers."):
            continue
        for name, value in vars(module).items():
            if isinstance(value, dict | set):
                inner = value.values() if isinstance(value, dict) else ()
                nested = sum(len(v) for v in inner if isinstance(v, dict | set))
                sizes[f"{module_name}.{name}"] = len(value) + nested
    return sizes


def test_forgetting_texts_leaves_no_texts_of_a_page_read_in_any_dict_or_set():
    # Whatever a first read builds once (tables of the vocabulary) is built by then; a
    # report of other texts read after must leave nothing behind in a dict or a set.
    parse_document(REPORT_PAGE.read_bytes(), url=REPORT_PAGE.name)
    forget_texts()
    before = _module_containers()

    parse_document(OTHER_REPORT.read_bytes(), url=OTHER_REPORT.name)
    forget_texts()

    after = _module_containers()
    assert {name: size for name, size in after.items() if size > before.get(name, 0)} == {}


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_page_reads_alike_with_the_caches_empty_or_full(path):
    data = path.read_bytes()
    parse_document(data, url=path.name)  # the page's texts in the caches
    read_with_full_caches = repr(parse_document(data, url=path.name))
    forget_texts()
    assert repr(parse_document(data, url=path.name)) == read_with_full_caches
