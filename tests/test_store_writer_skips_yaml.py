"""The crawl's SQLite writer starts without yaml: only searching reads output/metadata.yaml.

output.search holds both the search index (which the writer fills) and the canned
queries (read from YAML, for searching); yaml's import was ~80 M instructions of the
writer process's start in every crawl. Checked in a process of its own, started as
crawler.store_process starts (see test_parser_loads_on_first_use).
"""

from __future__ import annotations

from output.search import canned_queries
from tests.helpers import fresh_python_last_line
from tests.test_parser_loads_on_first_use import WRITER_START


def test_the_sqlite_writer_does_not_import_yaml(tmp_path):
    code = WRITER_START + "print('yaml' in sys.modules)"
    assert fresh_python_last_line(code, str(tmp_path / "r.db")) == "False"


def test_searching_still_reads_the_canned_queries():
    assert "reports_fts" in canned_queries()["search"]["sql"]
