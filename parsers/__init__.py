"""Parsers for 政府信息公开工作年度报告: pure functions from documents to data.

Nothing here imports Scrapy or touches the network, so every function can be
used and tested on saved pages alone.
"""

from parsers.model import Cell, Check, Document, ParseOutcome, Report

__all__ = ["Cell", "Check", "Document", "ParseOutcome", "Report", "interpret", "parse_document"]

# The whole parser loads on first use of these two, not on `import parsers.sniff`: the
# crawl's own process and its SQLite writer read only caps and bounds from parsers/ and
# never parse, so they no longer pay the parser's imports (~0.2 s of CPU each).
_LAZY = {"interpret", "parse_document"}


def __getattr__(name: str):
    if name in _LAZY:
        from parsers import report

        return getattr(report, name)
    raise AttributeError(f"module 'parsers' has no attribute {name!r}")
