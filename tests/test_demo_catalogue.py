"""The demo portal's catalogue (demo/catalogue.yaml): every page says what is real and what
is made, and a catalogue that no longer fits the fixtures, or holds a typo, stops the build
with a message instead of building a different portal."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from demo import build_portal
from demo.portal_pages import all_pages, load_catalogue

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def portal(catalogue):
    return build_portal.build_files(FIXTURES, catalogue)


def test_every_article_page_says_what_is_real_and_what_is_made(catalogue, portal):
    columns = all_pages(FIXTURES, catalogue)
    pages = [p for site in columns.values() for page in site for p in page]
    assert {p.kind for p in pages} == {"report", "nonreport", "pdf", "docx", "scanned"}
    for p in pages:
        first = portal[p.path].split(b"\n", 1)[0].decode("ascii", "replace")
        assert first.startswith("<!-- demo fixture: built by demo/build_portal.py from "), p.path
        if p.kind == "nonreport":
            assert "real: nothing; made: everything" in first, p.path
        else:
            assert "real: nothing" not in first, p.path
        assert f"`/{p.path}`" in portal["README.md"].decode("utf-8"), p.path


def test_every_made_item_of_a_plan_is_in_its_column(catalogue):
    columns = all_pages(FIXTURES, catalogue)
    hanweb = [p for page in columns["hanweb"] for p in page]
    plan = catalogue["made_items"]["hanweb"]["plan"]
    planned = sum(last - first + 1 for first, last in (step["years"] for step in plan))
    assert sum(p.kind == "nonreport" for p in hanweb) >= planned
    assert [len(page) for page in columns["hanweb"]] == [15, 15, 10]


def test_an_unknown_catalogue_key_is_an_error_naming_it(catalogue):
    broken = copy.deepcopy(catalogue)
    broken["made_pages"][0]["paragrahps"] = ["typo"]
    with pytest.raises(ValueError, match="paragrahps"):
        build_portal.build_files(FIXTURES, broken)


def test_a_seed_that_no_longer_fits_its_recipe_stops_the_build(catalogue, tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "seeds", fixtures / "seeds")
    shutil.copytree(FIXTURES / "corpus", fixtures / "corpus")
    shutil.copytree(FIXTURES / "attachments", fixtures / "attachments")
    seed = fixtures / "seeds" / "000_ee48f4fde292f35b.txt"
    seed.write_text("另一个标题\n" + seed.read_text("utf-8").split("\n", 1)[1], "utf-8")
    with pytest.raises(ValueError, match="000_ee48f4fde292f35b: title line"):
        build_portal.build_files(fixtures, catalogue)


def test_an_unquoted_date_is_an_error(catalogue):
    import datetime

    broken = copy.deepcopy(catalogue)
    broken["made_pages"][0]["list_date"] = datetime.date(2024, 3, 15)  # YAML's reading
    with pytest.raises(ValueError, match="quote list_date"):
        build_portal.build_files(FIXTURES, broken)
