"""TRS WCM (拓尔思) portals.

Lists are static pages index.html, index_1.html … whose count is written by JS
(createPageHTML / countPage, read in crawler.links.trs_pager_pages). Articles are
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
from urllib.parse import urljoin

from crawler.families import jsonapi
from crawler.families.base import Fetch, ListStrategy, ListVisit
from crawler.families.options import FIELDS, INTEGER, TEXT, Option
from crawler.links import read_records

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
        self, text: str, url: str, site_urls: list[str], fetch: Fetch | None = None
    ) -> ListVisit:
        if fetch is not None and fetch.kind == API_KIND:
            return self._read_api_answer(text, fetch, site_urls)
        visit = super().read(text, url, site_urls, fetch)
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
