"""TRS WCM (拓尔思) portals.

Lists are static pages index.html, index_1.html … whose count is written by JS
(createPageHTML / countPage, read in crawler.links.trs_pager_pages). Articles are
.../YYYYMM/tYYYYMMDD_ID.html, often with a mobile twin tYYYYMMDD_ID_wap.html that
holds the same report: keep only the desktop one.
Not handled: newer TRS sites that load page 2+ from a JSON API (trsapi).
"""

from __future__ import annotations

import re

from crawler.families.base import Fetch, ListStrategy, ListVisit

_WAP_TWIN = re.compile(r"_wap(\.s?html?)$", re.I)


class TrsStrategy(ListStrategy):
    name = "trs"

    def read(
        self, text: str, url: str, site_urls: list[str], fetch: Fetch | None = None
    ) -> ListVisit:
        visit = super().read(text, url, site_urls, fetch)
        page = visit.page
        desktop = {a.url for a in page.reports}
        page.reports = [
            a
            for a in page.reports
            if not (_WAP_TWIN.search(a.url) and _WAP_TWIN.sub(r"\1", a.url) in desktop)
        ]
        return visit
