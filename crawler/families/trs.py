"""TRS WCM (拓尔思) portals.

Lists are static pages index.html, index_1.html … whose count is written by JS
(createPageHTML / countPage, read by trs_pager_pages below). Articles are
.../YYYYMM/tYYYYMMDD_ID.html, often with a mobile twin tYYYYMMDD_ID_wap.html that
holds the same report: keep only the desktop one.

Newer TRS sites serve only page 1 as HTML and load pages 2+ from a JSON (or JSONP)
API whose address the page's script builds. Its pattern is a registry option, with
{page} standing for the page number; pages are asked for one after another until one
brings nothing new (some APIs repeat their last page for any larger number).

Site options (API columns only):
  api_url          address of page {page}, relative to the column, e.g.
                   "/trsapi/list?channelid=123&page={page}"
  api_first_page   the first page the API is asked for (default 2: page 1 is the HTML)
  api_items        dotted path of the rows, e.g. "data.list" (default: the first list
                   of objects under the usual keys: data, list, datas, records, …)
  api_title_field  row field holding the title (default: title, doctitle, name)
  api_url_field    row field holding the address (default: url, docpuburl, link, href)
  api_html_field   dotted path of an HTML fragment to read links from instead of rows,
                   for APIs that answer rendered HTML ({"data": {"html": "<li>…"}})
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from crawler.families import jsonapi
from crawler.families.base import Fetch, ListStrategy, ListVisit
from crawler.families.options import FIELDS, INTEGER, TEXT, Option
from crawler.listpage import ListDocument, enclosed, read_records
from output.urls import normalize_url

API_KIND = "trs-api"
_WAP_TWIN = re.compile(r"_wap(\.s?html?)$", re.I)


class TrsStrategy(ListStrategy):
    name = "trs"
    OPTIONS: ClassVar[dict[str, Option]] = {
        **ListStrategy.OPTIONS,
        "api_url": Option(TEXT),
        "api_first_page": Option(INTEGER, default=2),
        "api_items": Option(TEXT),
        "api_title_field": Option(FIELDS),
        "api_url_field": Option(FIELDS),
        "api_html_field": Option(TEXT),
    }

    def read(
        self, page: ListDocument | str, url: str, site_urls: list[str], fetch: Fetch | None = None
    ) -> ListVisit:
        text = page.text if isinstance(page, ListDocument) else page
        if fetch is not None and fetch.kind == API_KIND:
            return self._read_api_answer(text, fetch, site_urls)
        visit = super().read(page, url, site_urls, fetch)
        page = visit.page
        desktop = {a.url for a in page.reports}
        page.reports = [
            a
            for a in page.reports
            if not (_WAP_TWIN.search(a.url) and _WAP_TWIN.sub(r"\1", a.url) in desktop)
        ]
        if fetch is None and self.options.get("api_url"):
            # The column itself (a start URL): its later pages come from the API.
            visit.next.append(self._api_page(url, self.options["api_first_page"]))
        return visit

    def _api_page(self, column_url: str, number: int) -> Fetch:
        address = urljoin(column_url, self.options["api_url"].format(page=number))
        return Fetch(address, kind=API_KIND, page=number, column_url=column_url)

    def _read_api_answer(self, text: str, fetch: Fetch, site_urls: list[str]) -> ListVisit:
        data = jsonapi.load_json(text)
        html_field = self.options.get("api_html_field")
        if html_field:
            records = jsonapi.html_anchors(data, html_field, fetch.url)
        else:
            rows = jsonapi.find_records(data, self.options.get("api_items"))
            records = jsonapi.record_anchors(
                rows,
                fetch.url,
                jsonapi.options_fields(self.options.get("api_title_field"), jsonapi.TITLE_FIELDS),
                jsonapi.options_fields(self.options.get("api_url_field"), jsonapi.URL_FIELDS),
            )
        visit = ListVisit(
            read_records(records, site_urls, self.report_pattern, self.exclude_pattern)
        )
        if data is None:
            visit.notes.append(f"API answer is not JSON: {fetch.url}")
        elif records and fetch.page is not None:
            # The spider ends the chain when this next page brings no new item.
            visit.next.append(self._api_page(fetch.column_url or fetch.url, fetch.page + 1))
        return visit


# --- script pagers (read on every family's pages: unknown sites are often TRS) -------------

# TRS: createPageHTML(5, 0, "index", "html") — pages, current (0-based), file prefix,
# extension. Some templates put the record count (or a div id) before them; the two
# numbers right before the prefix are always (pages, current).
_CREATE_PAGE_HTML = re.compile(r"createPageHTML\s*\(([^)]*)\)", re.I)
_COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*['\"]?(\d+)", re.I)
# Bounded name lengths and a name that starts after a non-name character keep this
# linear on a 60 KB identifier (unbounded, it took a minute on 80 KB).
_JS_PAGE_TEMPLATE = re.compile(
    r"""(?<![\w-])([A-Za-z][\w-]{0,80}?)_["']?\s*\+\s*\(?\s*[A-Za-z_]\w{0,40}[^"']{0,20}?["']"""
    r"""\s*\.?\s*(s?html?)""",
    re.I,
)


def _js_args(text: str) -> list[str]:
    return [arg.strip().strip("'\"") for arg in text.split(",")]


def trs_pager_pages(html: str, url: str) -> list[str]:
    """All pages of a TRS list (index.html, index_1.html … index_{N-1}.html)."""
    html = html or ""
    pages = None
    prefix, extension = None, None
    for match in _CREATE_PAGE_HTML.finditer(html):
        args = _js_args(match.group(1))
        names = [
            i
            for i, a in enumerate(args)
            if re.fullmatch(r"[A-Za-z][\w-]*", a)
            and i + 1 < len(args)
            and re.fullmatch(r"s?html?|jsp", args[i + 1], re.I)
        ]
        if not names:
            continue
        i = names[0]
        numbers = [a for a in args[:i] if a.isdigit()]
        if len(numbers) >= 2:
            pages = int(numbers[-2])
            prefix, extension = args[i], args[i + 1]
            break
    if pages is None:
        count = _COUNT_PAGE.search(html)
        if not count:
            return []
        pages = int(count.group(1))
        template = _JS_PAGE_TEMPLATE.search(_unescape_js(html))
        if template:
            prefix, extension = template.group(1), template.group(2)
    path = urlsplit(url).path
    stem_match = re.search(r"/([A-Za-z][\w-]*?)(?:_\d+)?\.(s?html?)$", path)
    if not prefix:
        prefix = stem_match.group(1) if stem_match else "index"
    if not extension:
        extension = stem_match.group(2) if stem_match else "html"
    if pages is None or pages <= 1:
        return []
    directory = urljoin(url, "./")
    result = []
    for number in range(min(pages, 1000)):
        name = f"{prefix}.{extension}" if number == 0 else f"{prefix}_{number}.{extension}"
        result.append(normalize_url(urljoin(directory, name)))
    return result


COMPUTED = "{computed}"


def _unescape_js(text: str, mark_computed: bool = False) -> str:
    """Undo what a JS string literal does to HTML: \\" → ", "a"+"b" → "ab".

    With mark_computed, a computed part ("index_" + i + ".html") becomes COMPUTED,
    so that a caller can tell a static href from one only the script can complete.
    """
    text = text.replace('\\"', '"').replace("\\'", "'").replace("\\/", "/")
    text = re.sub(r"""(["'])\s*\+\s*\1""", "", text)
    if mark_computed:
        text = re.sub(r"""(["'])\s*\+[^"']*?\+\s*\1""", COMPUTED, text)
    return text


# "\)\s*(?:;\s*)?$", not "\)\s*;?\s*$": two adjacent \s* runs make a long run of
# spaces quadratic. Scripts are found with enclosed(): a lazy <script>(.*?)</script>
# rescans the page from every unclosed <script>.
_DOCUMENT_WRITE = re.compile(r"document\.write(?:ln)?\s*\((.*?)\)\s*(?:;\s*)?$", re.M | re.S)
_SCRIPT_OPEN = re.compile(r"<script[^>]{0,2000}>", re.I)
_SCRIPT_CLOSE = re.compile(r"</script>", re.I)


def js_written_html(html: str) -> list[str]:
    """The literal parts of document.write(...) calls, concatenations joined.

    A pager like document.write("<a href=\\"index"+"_" + i + "."+"html\\">") yields
    "<a href="index_{computed}.html">": static hrefs survive, computed ones are marked —
    trs_pager_pages() recovers those from countPage.
    """
    fragments = []
    html = html or ""
    for start, end in enclosed(html, _SCRIPT_OPEN, _SCRIPT_CLOSE):
        script = html[start:end]
        if "document.write" not in script:
            continue
        for line in script.splitlines():
            match = _DOCUMENT_WRITE.search(line)
            if match:
                literal = _unescape_js(match.group(1), mark_computed=True)
                fragments.append(re.sub(r"""^\s*["']|["']\s*$""", "", literal))
    return fragments
