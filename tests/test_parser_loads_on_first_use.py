"""The whole parser loads when `parse_document` or `interpret` is first asked for.

The crawl's own process and its SQLite writer read caps and bounds from parsers/
(`parsers.sniff`, `parsers.bounds`) and never parse: importing them must not load
`parsers.report` and everything under it. Checked in a process of its own.
"""

from __future__ import annotations

import pytest

from tests.helpers import fresh_python_last_line

NOT_PARSING = (
    "crawler.spiders.annual_reports",
    "crawler.pipelines",
    "crawler.store_process",
    "output.store",
)


@pytest.mark.parametrize("module", NOT_PARSING)
def test_a_module_that_does_not_parse_leaves_the_parser_unloaded(module):
    code = f"import sys, {module}\nprint('parsers.report' in sys.modules)"
    assert fresh_python_last_line(code) == "False"


def test_the_parser_loads_when_parse_document_is_asked_for():
    code = (
        "import sys, parsers.sniff\n"
        "from parsers import interpret, parse_document\n"
        "from parsers import report\n"
        "assert parse_document is report.parse_document and interpret is report.interpret\n"
        "print(type(parse_document(b'<p>x</p>', 'http://127.0.0.1/a.html')).__name__)"
    )
    assert fresh_python_last_line(code) == "ParseOutcome"


def test_every_name_the_package_lists_is_there_and_no_other():
    import parsers

    assert all(getattr(parsers, name) for name in parsers.__all__)
    with pytest.raises(AttributeError, match="no attribute 'parse_documents'"):
        parsers.parse_documents  # noqa: B018
