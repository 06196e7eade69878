"""Guangdong's 政府信息公开目录管理平台 (gkmlpt), used by the province's cities and bodies.

The column page /gkmlpt/index is a script application: its HTML holds no list, only
the site id (`SID: '755001'`) in its configuration. The list comes from the JSON API
/gkmlpt/api/all/{cat}?page=N&sid=SID (cat = the catalogue category, 0 = all), which
answers {"articles": [{"id", "title", "url", "display_publish_time", ...}], "total": N,
"page": N} (field names as seen in public crawlers of gd.gov.cn and sz.gov.cn); articles
are /content/post_ID.html pages. Pages are asked for from 1 until total is reached (at
the size of the first page) or an answer brings nothing.

Site options:
  sid              the site id (default: read from the page, SID: '755001')
  cat              the category of the annual reports (default: the start URL's #fragment,
                   else 0 = every category, which titles then sort)
  api_url          the API address relative to the …/gkmlpt/ root
                   (default "api/all/{cat}?page={page}&sid={sid}")
  api_items, api_title_field, api_url_field
                   as for TRS APIs (defaults: articles, title, url)
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from crawler.families import jsonapi
from crawler.families.base import Fetch, ListStrategy, ListVisit
from crawler.families.options import FIELDS, TEXT, TEXT_OR_INTEGER, Option
from crawler.listpage import ListDocument, read_records

API_KIND = "gkmlpt-api"
DEFAULT_API = "api/all/{cat}?page={page}&sid={sid}"
_SID = re.compile(r"""\bSID\b["']?\s*[:=]\s*["']?(\d+)""", re.I)


class GkmlptStrategy(ListStrategy):
    name = "gkmlpt"
    reads_scripts = frozenset({"gkmlpt"})
    OPTIONS: ClassVar[dict[str, Option]] = {
        **ListStrategy.OPTIONS,
        "sid": Option(TEXT_OR_INTEGER),
        "cat": Option(TEXT_OR_INTEGER),
        "api_url": Option(TEXT, default=DEFAULT_API),
        "api_items": Option(TEXT, default="articles"),
        "api_title_field": Option(FIELDS, default=("title",)),
        "api_url_field": Option(FIELDS, default=("url", "post_url")),
    }

    def read(
        self, page: ListDocument | str, url: str, site_urls: list[str], fetch: Fetch | None = None
    ) -> ListVisit:
        text = page.text if isinstance(page, ListDocument) else page
        if fetch is not None and fetch.kind == API_KIND:
            return self._read_api_answer(text, fetch, site_urls)
        visit = super().read(page, url, site_urls, fetch)
        if fetch is not None:
            return visit  # only the column's own page starts the API
        sid = str(self.options.get("sid") or "") or site_id(text)
        if not sid:
            visit.script_list = (
                "gkmlpt: no site id (SID) on the page: set the site option sid"
                " in crawler/registry.yaml"
            )
            return visit
        self.sids[url] = sid
        visit.next.append(self._api_page(url, 1))
        return visit

    def __init__(self, options: dict):
        super().__init__(options)
        # column URL -> its site id, read once from the column page for all its API pages
        self.sids: dict[str, str] = {}
        # column URL -> articles per API page (the first, full page tells)
        self.page_sizes: dict[str, int] = {}

    def _api_page(self, column_url: str, number: int) -> Fetch:
        fragment = urlsplit(column_url).fragment
        cat = self.options.get("cat", fragment if fragment.isdigit() else 0)
        sid = self.sids.get(column_url) or self.options.get("sid")
        template = self.options["api_url"]
        address = urljoin(gkmlpt_root(column_url), template.format(cat=cat, page=number, sid=sid))
        return Fetch(address, kind=API_KIND, page=number, column_url=column_url)

    def _read_api_answer(self, text: str, fetch: Fetch, site_urls: list[str]) -> ListVisit:
        data = jsonapi.load_json(text)
        rows = jsonapi.find_records(data, self.options["api_items"])
        records = jsonapi.record_anchors(
            rows,
            fetch.url,
            jsonapi.options_fields(self.options["api_title_field"], ()),
            jsonapi.options_fields(self.options["api_url_field"], ()),
        )
        visit = ListVisit(
            read_records(records, site_urls, self.report_pattern, self.exclude_pattern)
        )
        if data is None:
            visit.notes.append(f"gkmlpt: the API answer is not JSON: {fetch.url}")
            return visit
        total = _number(data.get("total")) if isinstance(data, dict) else None
        number = fetch.page or 1
        size = max(self.page_sizes.get(fetch.column_url or "", 0), len(rows))
        self.page_sizes[fetch.column_url or ""] = size
        more = total is None or number * size < total
        if rows and more and fetch.column_url:
            visit.next.append(self._api_page(fetch.column_url, number + 1))
        return visit


def site_id(text: str) -> str | None:
    """The SID a gkmlpt page's script configuration carries."""
    match = _SID.search(text or "")
    return match.group(1) if match else None


def gkmlpt_root(url: str) -> str:
    """…/gkmlpt/ of a gkmlpt page (sites may sit below a path: /lhqkjhgyxxhj/gkmlpt/)."""
    path = urlsplit(url).path
    at = path.find("/gkmlpt/")
    return urljoin(url, path[: at + len("/gkmlpt/")] if at >= 0 else "/gkmlpt/")


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
