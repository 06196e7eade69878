"""The whole parser loads when `parse_document` or `interpret` is first asked for.

The crawl's own process and its SQLite writer read constants and small helpers from
parsers/ (caps, bounds, the decode, provenance, `encodable`) and never parse: building
them must not load `parsers.report` and what only it needs (~0.2 s of CPU each).
Checked in processes of their own, built as `scrapy crawl` builds them.
"""

from __future__ import annotations

import pytest

from tests.helpers import fresh_python_last_line
from tests.test_crawl_starts_without_redis_or_numpy import CRAWL_START

THE_PARSER = ("parsers.report", "parsers.html", "parsers.tables", "parsers.checks")
LOADED = f"print(sorted(name for name in {THE_PARSER!r} if name in sys.modules))"

# The writer's start (crawler.store_process._serve) on a database the crawl migrated.
WRITER_START = """
import sys
import crawler.store_process
from crawler.storing import write_batch
from output.store import ReportStore
ReportStore(sys.argv[1]).close()
"""


def test_the_crawls_process_does_not_load_the_parser(tmp_path):
    assert fresh_python_last_line(CRAWL_START + LOADED, str(tmp_path / "r.db")) == "[]"


def test_the_sqlite_writer_does_not_load_the_parser(tmp_path):
    assert fresh_python_last_line(WRITER_START + LOADED, str(tmp_path / "r.db")) == "[]"


@pytest.mark.parametrize("first", ["parsers.sniff", "parsers.encoding", "parsers.normalize"])
def test_the_parser_loads_when_parse_document_is_asked_for(first):
    code = (
        f"import sys, {first}\n"
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
