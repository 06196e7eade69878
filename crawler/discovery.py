"""Finding a portal's annual-report column(s) from its home page: pure link logic.

`scrapy crawl annual_reports -a home=URL` (or a registry row with `home:`) starts on a
portal's home page or its 政务公开 page. The column is the link named like one
(政府信息公开年报, 政府信息公开工作年度报告, 年度报告, 信息公开年报, 年报 …). When the
home page has no such link by a full name, the spider follows one intermediate
政务公开/信息公开 page and looks there. A candidate column page is accepted when
its link had a full column name, when its own <meta name="ColumnName"> has one, or
when it lists report links.

No Scrapy here: the spider fetches, these functions read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.families.base import page_document
from crawler.listpage import YEAR, ListDocument, is_article_url, read_list_page
from output.urls import same_site
from parsers.normalize import tidy
from parsers.sniff import is_attachment_url
from parsers.vocabulary import FULL_COLUMN_NAME, REPORT_WORDS, other_document

# Pages one level above the column, worth one visit when the home page does not link
# the column itself, best first.
INTERMEDIATE_NAMES = (
    "政务公开",
    "政府信息公开",
    "信息公开",
    "政府信息公开目录",
    "信息公开目录",
    "法定主动公开内容",
)
MAX_LABEL = 20  # longer link texts are article titles, not column names
_COLUMN_NAME_META = re.compile(
    r"""<meta[^>]+name\s*=\s*["']ColumnName["'][^>]*content\s*=\s*["']([^"']*)["']"""
    r"""|<meta[^>]+content\s*=\s*["']([^"']*)["'][^>]*name\s*=\s*["']ColumnName["']""",
    re.I,
)

FULL = "full name"
SHORT = "short name"


@dataclass(frozen=True)
class ColumnLink:
    url: str
    label: str
    strength: str  # FULL or SHORT


def column_strength(label: str) -> str | None:
    """FULL or SHORT when label names a report column, None otherwise.

    "2022年政府信息公开工作年度报告" is a report (it has a year), "法治政府建设年度报告"
    another kind of report: neither is a column.
    """
    label = re.sub(r"\s+", "", tidy(label))
    if not label or len(label) > MAX_LABEL or YEAR.search(label) or other_document(label):
        return None
    if FULL_COLUMN_NAME.search(label):
        return FULL
    if REPORT_WORDS.search(label):  # a short name: the column must confirm itself
        return SHORT
    return None


def find_columns(page: ListDocument | str, url: str, site_urls: list[str]) -> list[ColumnLink]:
    """Links of a home (or 政务公开) page that name a report column, full names first."""
    found: dict[str, ColumnLink] = {}
    for anchor in page_document(page, url).anchors:
        if not same_site(anchor.url, site_urls) or is_attachment_url(anchor.url):
            continue
        if is_article_url(anchor.url):
            continue  # an article, however it is labelled
        strength = column_strength(anchor.text) or column_strength(anchor.title)
        if strength is None:
            continue
        known = found.get(anchor.url)
        if known is None or (known.strength == SHORT and strength == FULL):
            found[anchor.url] = ColumnLink(anchor.url, anchor.label, strength)
    return sorted(found.values(), key=lambda link: link.strength != FULL)


def find_intermediate(page: ListDocument | str, url: str, site_urls: list[str]) -> str | None:
    """The best 政务公开/信息公开 link of a home page, or None."""
    candidates: dict[str, str] = {}
    for anchor in page_document(page, url).anchors:
        label = re.sub(r"\s+", "", anchor.text or anchor.title)
        if label in INTERMEDIATE_NAMES and same_site(anchor.url, site_urls):
            candidates.setdefault(label, anchor.url)
    for name in INTERMEDIATE_NAMES:
        if name in candidates and candidates[name] != url:
            return candidates[name]
    return None


def column_name(html: str) -> str | None:
    """The page's <meta name="ColumnName"> (TRS and Hanweb pages carry it)."""
    match = _COLUMN_NAME_META.search(html or "")
    return (tidy(match.group(1) or match.group(2)) or None) if match else None


def accept_column(
    page: ListDocument | str, url: str, site_urls: list[str], link_strength: str | None
) -> tuple[bool, str]:
    """(is this fetched candidate a report column, why)."""
    page = page_document(page, url)
    name = column_name(page.text)
    if name and column_strength(name):
        return True, f"ColumnName {name}"
    if name and not column_strength(name) and link_strength != FULL:
        return False, f"ColumnName {name} is not a report column"
    if link_strength == FULL:
        return True, "linked by a report column name"
    reports = read_list_page(page, url, site_urls).reports
    if reports:
        return True, f"lists {len(reports)} report link(s)"
    return False, "neither named a report column nor listing reports"
