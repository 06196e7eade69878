"""Parsers for 政府信息公开工作年度报告: pure functions from documents to data.

Nothing here imports Scrapy or touches the network, so every function can be
used and tested on saved pages alone.
"""

from parsers.model import Cell, Check, Document, ParseOutcome, Report

__all__ = ["Cell", "Check", "Document", "ParseOutcome", "Report", "interpret", "parse_document"]

# The whole parser (parsers.report: html, tables, normalize, checks, ...) loads on first
# use of these two, not on `import parsers.sniff`: the crawl's own process, its SQLite
# writer and the CLIs read only a few constants and helpers from parsers/ and never
# parse (~0.2 s of CPU each for the parser's imports). Safe in any order since
# parsers.compiled loads each compiled module when first asked for (see there).
_ON_FIRST_USE = {"interpret", "parse_document"}


def __getattr__(name: str):
    if name in _ON_FIRST_USE:
        from parsers import report

        return getattr(report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
