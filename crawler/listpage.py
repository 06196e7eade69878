"""Reading a column (list) page: pure functions of one parsed page and its address.

Nothing here imports Scrapy, so every rule can be unit-tested on saved pages. A page
is decoded once by the spider and parsed once here (ListDocument.tree); every reader
of the page (items, pager links, discovery) takes that one tree. What a CMS family
adds to the page (Hanweb's embedded records, TRS's script pagers) is read by the
family modules and handed in (crawler.families.base.ListStrategy.document).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qsl, urljoin, urlsplit

import lxml.html
from lxml import etree

from output.urls import page_key, same_site, site_key
from output.urls import resolve as resolve  # re-exported for the families' readers
from parsers.normalize import tidy
from parsers.vocabulary import LISTED_REPORT_TITLE, other_document

# --- titles ---------------------------------------------------------------------------------

# The words themselves (report titles, 解读/图解 and other documents) are parsers.vocabulary's.
# Each run is tried from its start only (lookbehinds): linear on 100,000 dots.
TRUNCATION = re.compile(r"(?:(?<!\.)\.{2,}|(?<!…)…+|(?<!。)。{2,})\s*$")
YEAR = re.compile(r"(?:19|20)\d\d")

# --- urls -----------------------------------------------------------------------------------

# Article addresses of the CMS families in docs/portals.md, then a catch-all for
# "a file name carrying a long number", which is how most CMSs name articles.
ARTICLE_URL = re.compile(
    r"""(
        /t\d{8}_\d+(?:_wap)?\.s?html?$                   # TRS WCM
      | /art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$      # Hanweb JCMS
      | /content/post_\d+\.html$                         # Guangdong gkmlpt
      | /[0-9a-f]{32}\.s?html?$                          # /c{COL}/{YYYYMM}/{hex}.shtml
      | /info/\d+/\d+\.html?$
      | /[^/]*\d{5,}[^/]*\.(?:s?html?|jsp|aspx?|php)$      # any long-numbered file
      | xxgkAnnualReport\.jsp                            # Hanweb annual-report module
      | \.(?:pdf|docx?|wps)$
    )""",
    re.I | re.X,
)
_PAGER_FILE = re.compile(r"/(?:index|list|default|more)[_-](\d+)\.s?html?$", re.I)
_PAGE_FILE = re.compile(r"\.(?:s?html?|jsp|aspx?|php)$")
PAGE_PARAMS = ("page", "pageno", "pagenum", "currpage", "curpage", "pageindex", "p", "pn")
_NEXT_LABELS = {"下一页", "下页", "后页", "下一頁", ">", ">>", "›", "»", "next", "后一页"}
_LAST_LABELS = {"尾页", "末页", "最后一页", "尾頁", "last"}
# Backward links matter when a crawl starts on a later page; "首页" is also the name of
# the site's home link, so these count only when they stay beside the list.
_BACK_LABELS = {"上一页", "上页", "前页", "首页", "<", "<<", "‹", "«", "prev", "first"}


@dataclass(frozen=True)
class Anchor:
    url: str
    text: str  # the visible text, whitespace collapsed
    title: str = ""  # the title attribute, often the untruncated title

    @property
    def label(self) -> str:
        """The fuller of text and title: lists truncate long titles and keep them in title=."""
        text = TRUNCATION.sub("", self.text).strip()
        if self.title and len(self.title) >= len(text):
            return self.title
        return self.text


@dataclass
class ListPage:
    """What a column page links to, sorted by what the spider does with it."""

    reports: list[Anchor] = field(default_factory=list)  # fetch and parse
    skipped: list[tuple[Anchor, str]] = field(default_factory=list)  # items that are not reports
    items: list[str] = field(default_factory=list)  # every item url (reports and skipped)
    offsite: list[Anchor] = field(default_factory=list)  # report-like links on other hosts
    pages: list[str] = field(default_factory=list)  # other pages of this list
    # Columns below this one (…/zfxxgknb/qzfbgs/ under …/zfxxgknb/): one per body, often.
    subcolumns: list[str] = field(default_factory=list)


# --- one page, parsed once --------------------------------------------------------------------


def parse_page(html: str):
    """The page's lxml tree, or None. Lenient; lxml refuses str input that carries an XML
    encoding declaration, so that goes first."""
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html or "")
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _no_records(text: str) -> list[str]:
    return []


@dataclass
class ListDocument:
    """A fetched page as the list readers see it: its text, parsed once on first use,
    and what the site's family reads out of its scripts."""

    text: str
    url: str
    # HTML fragments a CMS hides from an HTML parser (Hanweb's CDATA records), found in
    # a piece of page text: their links count as the page's.
    records: Callable[[str], list[str]] = _no_records
    script_pages: list[str] = field(default_factory=list)  # pages a JS pager names
    written_html: list[str] = field(default_factory=list)  # what scripts document.write
    encoding: str | None = None  # the codec text was decoded with (parsers.encoding)

    @cached_property
    def tree(self):
        return parse_page(self.text)

    @cached_property
    def base(self) -> str:
        return _base_url(self.tree, self.url)

    @cached_property
    def page_anchors(self) -> list[Anchor]:
        """Every <a href> of the page."""
        return anchors(self.tree, self.base) if self.tree is not None else []

    @cached_property
    def anchors(self) -> list[Anchor]:
        """Every <a href> of the page, then those of its embedded records."""
        found = list(self.page_anchors)
        for record in fragment_anchors(self.records(self.text), self.base):
            found.extend(record)
        return found

    def parsed_elsewhere(self, base_href: str | None, written: list[tuple[str, str, str]]):
        """Take the page's <base href> and anchors (href, text, title as written) from a
        parse made elsewhere, the parse worker's (parsers.links.links_and_anchors): the page
        is then parsed here only for a list_selector."""
        base = self.__dict__["base"] = urljoin(self.url, base_href) if base_href else self.url
        self.__dict__["page_anchors"] = [
            Anchor(url, tidy(text), tidy(title))
            for href, text, title in written
            if (url := resolve(href, base))
        ]

    def region_anchors(self, selector: str) -> list[Anchor]:
        """The anchors inside the elements a CSS selector picks (and their records)."""
        found: list[Anchor] = []
        if self.tree is None:
            return found
        for region in self.tree.cssselect(selector):
            found.extend(anchors(region, self.base))
            records = [r for s in region.iter("script") for r in self.records(s.text or "")]
            for record in fragment_anchors(records, self.base):
                found.extend(record)
        return found


def _base_url(tree, url: str) -> str:
    """Where the page's relative links point from: its <base href>, else its address."""
    if tree is not None:
        for href in tree.xpath("//base/@href"):
            if href.strip():
                return urljoin(url, href.strip())
    return url


def anchors(html, base_url: str) -> list[Anchor]:
    """Every <a href> of an HTML fragment (text) or of an element of a parsed page."""
    if isinstance(html, str) or html is None:
        html = parse_page(html)
        base_url = _base_url(html, base_url)
        if html is None:
            return []
    found: list[Anchor] = []
    for a in html.iter("a"):
        url = resolve(a.get("href"), base_url)
        if url:
            found.append(Anchor(url, tidy(a.text_content()), tidy(a.get("title"))))
    return found


def fragment_anchors(fragments: list[str], base_url: str) -> list[list[Anchor]]:
    """The anchors of each of several HTML fragments (records), in one parse: each is
    wrapped in a <div> of its own, whose end tag closes whatever the fragment left open."""
    found: list[list[Anchor]] = [[] for _ in fragments]
    if not fragments:
        return found
    joined = "".join(f'<div data-fragment="{i}">{f}</div>' for i, f in enumerate(fragments))
    tree = parse_page(f"<html><body>{joined}</body></html>")
    for a in tree.iter("a") if tree is not None else ():
        wrapper = next(a.iterancestors("div"), None)
        while wrapper is not None and wrapper.get("data-fragment") is None:
            wrapper = next(wrapper.iterancestors("div"), None)
        url = resolve(a.get("href"), base_url)
        if wrapper is not None and url:
            anchor = Anchor(url, tidy(a.text_content()), tidy(a.get("title")))
            found[int(wrapper.get("data-fragment"))].append(anchor)
    return found


def enclosed(text: str, opening: re.Pattern, closing: re.Pattern) -> list[tuple[int, int]]:
    """(start, end) of what lies between each opening and the first closing after it.

    In linear time: a lazy `open(.*?)close` pattern rescans the rest of the text from
    every opening that is never closed (6,000 unclosed records took 13 s).
    """
    spans, position = [], 0
    while (start := opening.search(text, position)) is not None:
        end = closing.search(text, start.end())
        if end is None:
            break  # no later opening can be closed either
        spans.append((start.end(), end.start()))
        position = end.end()
    return spans


# --- titles ---------------------------------------------------------------------------------


def classify_title(
    title: str,
    report_pattern: re.Pattern[str] | None = None,
    exclude_pattern: re.Pattern[str] | None = None,
) -> tuple[bool, str]:
    """(is a report candidate, reason). Candidates still go through parse_document."""
    title = tidy(title)
    if not title:
        return False, "no title"
    hit = exclude_pattern.search(title) if exclude_pattern is not None else other_document(title)
    if hit:
        return False, f"excluded: {hit.group(0)}"
    if (report_pattern or LISTED_REPORT_TITLE).search(title):
        return True, "report title"
    # "鄂尔多斯市2019年政府信息公开工作年..." — a truncated title: let the parser decide.
    if TRUNCATION.search(title) and "信息公开" in title and report_pattern is None:
        return True, "truncated report-like title"
    return False, "not a report title"


def is_article_url(url: str) -> bool:
    path = urlsplit(url).path
    return bool(ARTICLE_URL.search(path) or ARTICLE_URL.search(url))


# --- column pages ---------------------------------------------------------------------------


def read_list_page(
    page: ListDocument | str,
    url: str,
    site_urls: list[str] | None = None,
    report_pattern: re.Pattern[str] | None = None,
    exclude_pattern: re.Pattern[str] | None = None,
    list_selector: str | None = None,
) -> ListPage:
    """Sort a column page's links: report candidates, other items, pages of the list.

    An item is a link to an article-like address, or any link whose title reads
    like a report. Navigation ("信息公开年报" pointing at the column itself) is
    neither: a report link needs a year in its title or an article-like address.
    With list_selector (CSS), items are taken only from the matching elements.
    """
    document = page if isinstance(page, ListDocument) else ListDocument(page, url)
    site_urls = site_urls or [url]
    result = ListPage()
    all_pages = pagination_links(document, url)
    pages = set(all_pages)
    here = page_key(url)
    seen: set[str] = set()
    items = document.region_anchors(list_selector) if list_selector else document.anchors
    for anchor in items:
        if anchor.url in seen or page_key(anchor.url) == here or anchor.url in pages:
            continue
        label = anchor.label
        is_report, reason = classify_title(label, report_pattern, exclude_pattern)
        # A page in the column's directory is an item when it has a real title ("2" is a
        # sub-column's pager, not an item).
        article = is_article_url(anchor.url) or (
            in_column(anchor.url, url) and len(label) >= 4 and not label.isdigit()
        )
        if is_report and not (article or YEAR.search(label)):
            is_report = False  # a column/nav link named after reports
        if not (article or is_report):
            if is_subcolumn(anchor.url, url) and anchor.url not in result.subcolumns:
                result.subcolumns.append(anchor.url)
            continue
        seen.add(anchor.url)
        _file_item(result, anchor, is_report, reason, site_urls)
    result.pages = [p for p in all_pages if same_site(p, site_urls)]
    return result


def read_records(
    records: list[Anchor],
    site_urls: list[str],
    report_pattern: re.Pattern[str] | None = None,
    exclude_pattern: re.Pattern[str] | None = None,
) -> ListPage:
    """Sort the records of a list API (JSON rows, Hanweb datastore records).

    Unlike a whole column page, every record is an item of the list, whatever its
    address: there is no navigation to tell apart. Only the title decides.
    """
    page = ListPage()
    for record in records:
        if record.url in page.items or any(a.url == record.url for a in page.offsite):
            continue
        is_report, reason = classify_title(record.label, report_pattern, exclude_pattern)
        _file_item(page, record, is_report, reason, site_urls)
    return page


def _file_item(
    page: ListPage, anchor: Anchor, is_report: bool, reason: str, site_urls: list[str]
) -> None:
    """Put one list item where it belongs: a report, a skipped item, or off-site."""
    if not same_site(anchor.url, site_urls):
        if is_report:
            page.offsite.append(anchor)
        return
    page.items.append(anchor.url)
    if is_report:
        page.reports.append(anchor)
    else:
        page.skipped.append((anchor, reason))


def in_directory(candidate: str, list_url: str) -> bool:
    """An HTML page in the list's own directory, e.g. ndbg/index.html beside ndbg/list_2.html."""
    cand, base = urlsplit(candidate), urlsplit(list_url)
    directory = base.path.rsplit("/", 1)[0] + "/"
    rest = cand.path[len(directory) :] if cand.path.startswith(directory) else None
    return (
        site_key(candidate) == site_key(list_url)
        and rest is not None
        and "/" not in rest
        and (rest == "" or _PAGE_FILE.search(rest) is not None)
    )


def is_subcolumn(candidate: str, list_url: str) -> bool:
    """A column below the list's directory: …/zfxxgknb/qzfbgs/ or …/qzfbgs/index.html."""
    cand, base = urlsplit(candidate), urlsplit(list_url)
    directory = base.path.rsplit("/", 1)[0] + "/"
    if site_key(candidate) != site_key(list_url) or not cand.path.startswith(directory):
        return False
    rest = page_key(candidate)  # …/sub/index.html -> …/sub/
    rest_path = urlsplit(rest).path[len(directory) :]
    return bool(rest_path) and rest_path.endswith("/") and not cand.query


def in_column(candidate: str, list_url: str) -> bool:
    """A page below the list's own directory (/ndbg/fzzf2023.html beside /ndbg/list.html):
    on a column page, that is an item of the column, whatever its file name."""
    cand, base = urlsplit(candidate), urlsplit(list_url)
    if site_key(candidate) != site_key(list_url) or cand.path == base.path:
        return False
    directory = base.path.rsplit("/", 1)[0] + "/"
    return (
        cand.path.startswith(directory)
        and not looks_like_pager_url(candidate, list_url)
        and not page_key(candidate).endswith("/")  # …/sub/index.html is a sub-column
        and re.search(r"\.(?:s?html?|jsp|aspx?|php)$", cand.path, re.I) is not None
    )


def pagination_links(page: ListDocument | str, url: str) -> list[str]:
    """Other pages of the list at url: script pagers, pager anchors, page-number links."""
    document = page if isinstance(page, ListDocument) else ListDocument(page, url)
    found: list[str] = []
    keys = {page_key(url)}

    def add(candidate: str | None) -> None:
        if candidate and page_key(candidate) not in keys:
            keys.add(page_key(candidate))
            found.append(candidate)

    for candidate in document.script_pages:
        add(candidate)
    for anchor in document.anchors:
        label = (anchor.text or anchor.title).strip().lower()
        named = label in _NEXT_LABELS or label in _LAST_LABELS  # 下一页, 尾页, >>
        if label in _BACK_LABELS:
            named = looks_like_pager_url(anchor.url, url) or in_directory(anchor.url, url)
        # index_3.html / ?page=3 beside this page, labelled "3" or anything not an article
        numbered = looks_like_pager_url(anchor.url, url) and (
            re.fullmatch(r"\d{1,4}", label) is not None or not is_article_url(anchor.url)
        )
        if named or numbered:
            add(anchor.url)
    # A JS pager that writes its links never appears as anchors in the served HTML:
    # read the anchors out of its document.write strings too.
    for fragment in document.written_html:
        for anchor in anchors(fragment, url):
            if "computed" in anchor.url:
                continue
            label = anchor.text.strip().lower()
            if label in _NEXT_LABELS | _LAST_LABELS or looks_like_pager_url(anchor.url, url):
                add(anchor.url)
    return found


def looks_like_pager_url(candidate: str, list_url: str) -> bool:
    """index_3.html beside index.html, or the same path with ?page=3 / pageNo= / currPage=."""
    cand, base = urlsplit(candidate), urlsplit(list_url)
    if site_key(candidate) != site_key(list_url):
        return False
    directory = base.path.rsplit("/", 1)[0] + "/"
    rest = cand.path[len(directory) :] if cand.path.startswith(directory) else ""
    if _PAGER_FILE.search(cand.path) and rest and "/" not in rest:
        return True
    params = {k.lower() for k, _ in parse_qsl(cand.query)}
    return cand.path == base.path and bool(params & set(PAGE_PARAMS))
