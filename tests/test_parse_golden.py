"""Every gold document parses to exactly its gold cells, metadata and text.

Two sources per gold file where the project has them: the saved document
itself (tests/fixtures), and the demo portal's page built from it, which wraps
the same report in a portal's chrome, markup and encoding.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from parsers import parse_document
from tests.helpers import ROOT, gold_differences, gold_files, load_gold, source_of

PORTAL = ROOT / "demo" / "portal"


def _portal_pages() -> list[tuple[str, object, object]]:
    golds = {PurePosixPath(load_gold(path)["source"]).stem: path for path in gold_files()}
    pages = [page for page in sorted(PORTAL.rglob("*")) if page.stem in golds]
    return [(str(page.relative_to(PORTAL)), page, golds[page.stem]) for page in pages]


@pytest.mark.parametrize("gold_path", gold_files(), ids=lambda path: path.stem)
def test_document_parses_to_its_gold(gold_path):
    gold = load_gold(gold_path)
    source = source_of(gold)
    outcome = parse_document(source.read_bytes(), url=str(source))
    assert outcome.report is not None, outcome.reason
    assert gold_differences(outcome.report, gold) == []


@pytest.mark.parametrize(("name", "page", "gold_path"), _portal_pages(), ids=lambda v: str(v))
def test_portal_page_parses_to_the_gold_of_its_source(name, page, gold_path):
    outcome = parse_document(page.read_bytes(), url=name)
    assert outcome.report is not None, outcome.reason
    assert gold_differences(outcome.report, load_gold(gold_path)) == []


# Documents made from a gold report's real text in another container format.
REMADE = {
    "attachments/report-002.docx": "seed_002_56f09fd46df237b3.json",
}


@pytest.mark.parametrize(("source", "gold_name"), sorted(REMADE.items()))
def test_report_remade_as_attachment_parses_to_its_gold(source, gold_name):
    from tests.helpers import FIXTURES, GOLDEN

    path = FIXTURES / source
    outcome = parse_document(path.read_bytes(), url=path.name)
    assert outcome.report is not None, outcome.reason
    assert gold_differences(outcome.report, load_gold(GOLDEN / gold_name)) == []


@pytest.mark.parametrize("gold_path", gold_files(), ids=lambda path: path.stem)
def test_every_table_3_column_gets_its_outcomes_check_as_its_balance_check(gold_path):
    """（七）总计 = （一）…（六） is checked wherever 一+二 = 三+四 is, 2021 sub-rows included."""
    source = source_of(load_gold(gold_path))
    report = parse_document(source.read_bytes(), url=str(source)).report
    names = [check.name for check in report.checks]
    balance = {name.rsplit(".", 1)[1] for name in names if name.startswith("t3.balance.")}
    outcomes = {name.rsplit(".", 1)[1] for name in names if name.startswith("t3.outcomes.")}
    assert outcomes == balance
    assert bool(balance) == any(cell.key.startswith("t3.") for cell in report.cells)
    assert not any("None" in check.detail for check in report.checks)
