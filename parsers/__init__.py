"""Parsers for 政府信息公开工作年度报告: pure functions from documents to data.

Nothing here imports Scrapy or touches the network, so every function can be
used and tested on saved pages alone.
"""

from parsers.model import Cell, Check, Document, ParseOutcome, Report
from parsers.report import interpret, parse_document

__all__ = ["Cell", "Check", "Document", "ParseOutcome", "Report", "interpret", "parse_document"]
