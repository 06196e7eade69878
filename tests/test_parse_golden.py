"""Every gold document parses to exactly its gold cells, metadata and text."""

from __future__ import annotations

import pytest

from parsers import parse_document
from tests.helpers import gold_differences, gold_files, load_gold, source_of


@pytest.mark.parametrize("gold_path", gold_files(), ids=lambda path: path.stem)
def test_document_parses_to_its_gold(gold_path):
    gold = load_gold(gold_path)
    source = source_of(gold)
    outcome = parse_document(source.read_bytes(), url=str(source))
    assert outcome.report is not None, outcome.reason
    assert gold_differences(outcome.report, gold) == []
