"""What every family strategy shares: reading a list page into reports, skips and next pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from crawler.families.options import HOSTS, INTEGER, REGEX, TEXT, Option, settle
from crawler.listpage import ListDocument, ListPage, read_list_page

COLUMN = "column"
# Scripts that fill a column's list in the browser, by the CMS that ships them.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
_SCRIPT_LISTS = (
    ("trsapi", re.compile(r"trsapi", re.I)),
    ("jpage", re.compile(r"\bjpage\b|dataproxy\.jsp", re.I)),
    ("gkmlpt", re.compile(r"gkmlpt", re.I)),
)
SCRIPT_LIST_HINTS = {
    "trsapi": "the list is filled by a TRS API script (trsapi, list2.trsapi): set the site "
    "option api_url in crawler/registry.yaml (family trs; see crawler/families/trs.py)",
    "jpage": "the list is filled by a Hanweb jpage script: crawl it as family hanweb "
    "(-a family=hanweb, or family: hanweb in the registry)",
    "gkmlpt": "the list is filled by a gkmlpt script: crawl it as family gkmlpt "
    "(-a family=gkmlpt, or family: gkmlpt in the registry)",
}


def starts_a_column(fetch: Fetch | None) -> bool:
    """A start URL or a sub-column's first page, as opposed to a later page of a list."""
    return fetch is None or fetch.kind == COLUMN


@dataclass(frozen=True)
class Fetch:
    """A follow-up request a strategy asks for, without depending on Scrapy."""

    url: str
    method: str = "GET"
    formdata: tuple[tuple[str, str], ...] | None = None  # a tuple keeps Fetch hashable
    # "list": a later page of a column; "column": the first page of a sub-column;
    # other kinds are family-specific (an API page, a Hanweb data-proxy batch)
    kind: str = "list"
    # The page number of an API request and the column page it belongs to, so that its
    # answer can ask for the next page (API addresses are relative to the column).
    page: int | None = None
    column_url: str | None = None


@dataclass
class ListVisit:
    page: ListPage
    next: list[Fetch] = field(default_factory=list)
    # What the spider should log about this page (an API that cannot be used, ...).
    notes: list[str] = field(default_factory=list)
    # A column whose list a script fills and this strategy cannot read without an
    # option: which option to set (one warning, counted in the run's summary).
    script_list: str | None = None


def page_document(page: ListDocument | str, url: str) -> ListDocument:
    """A fetched page as every family reads it: parsed once, with what scripts add to it.
    Unknown sites are most often TRS or Hanweb underneath, so every family reads TRS's
    script pagers and Hanweb's embedded records (both pure, in their family modules)."""
    if isinstance(page, ListDocument):
        return page
    # Here, not at the top: the family modules import this one.
    from crawler.families.hanweb import embedded_records
    from crawler.families.trs import js_written_html, trs_pager_pages

    return ListDocument(
        page or "",
        url,
        records=embedded_records,
        script_pages=trs_pager_pages(page, url),
        written_html=js_written_html(page),
    )


def _pattern(value: str | None) -> re.Pattern[str] | None:
    return re.compile(value) if value else None


class ListStrategy:
    """Generic behaviour; families override what their CMS does differently.

    Site options of every family (all optional, from the registry's `options`):
      report_title_pattern  regex a report's title must match (replaces the default)
      exclude_title_pattern regex of titles that are never reports (replaces the default)
      list_selector         CSS selector of the region holding the items
      max_pages             list and API pages per column (default: MAX_LIST_PAGES, 50)
      extra_hosts           other hosts whose attachments may be fetched
      note                  a word for the people keeping the registry; not read
    Families add theirs to OPTIONS.
    """

    name = "base"
    OPTIONS: ClassVar[dict[str, Option]] = {
        "report_title_pattern": Option(REGEX),
        "exclude_title_pattern": Option(REGEX),
        "list_selector": Option(TEXT),
        "max_pages": Option(INTEGER),
        "extra_hosts": Option(HOSTS),
        "note": Option(TEXT),
    }
    # The list scripts (keys of _SCRIPT_LISTS) this family reads itself.
    reads_scripts: frozenset[str] = frozenset()

    def __init__(self, options: dict):
        self.options = self.settle_options(options)
        self.report_pattern = _pattern(options.get("report_title_pattern"))
        self.exclude_pattern = _pattern(options.get("exclude_title_pattern"))
        self.list_selector = options.get("list_selector")

    @classmethod
    def settle_options(cls, options: dict | None) -> dict:
        """options checked against OPTIONS, defaults filled (OptionError if not)."""
        return settle(cls.OPTIONS, options, cls.name)

    def read(
        self, page: ListDocument | str, url: str, site_urls: list[str], fetch: Fetch | None = None
    ) -> ListVisit:
        """Read a fetched list page (its text, or the document the spider parsed once);
        fetch is the request that brought it (None for a start URL)."""
        document = page_document(page, url)
        items = read_list_page(
            document, url, site_urls, self.report_pattern, self.exclude_pattern, self.list_selector
        )
        follow = [Fetch(next_url) for next_url in items.pages]
        follow += [Fetch(column, kind=COLUMN) for column in items.subcolumns]
        hint = self.script_list_hint(document.text) if starts_a_column(fetch) else None
        return ListVisit(items, follow, script_list=hint)

    def script_list_hint(self, text: str) -> str | None:
        """What to set when the column's list comes from a script this strategy does not
        read with its options (None when there is no such script)."""
        scripts = "".join(match.group(0) for match in _SCRIPT.finditer(text))
        for kind, pattern in _SCRIPT_LISTS:
            if kind in self.reads_scripts or not pattern.search(scripts):
                continue
            if kind == "trsapi" and self.options.get("api_url"):
                continue
            return SCRIPT_LIST_HINTS[kind]
        return None
