"""Hanweb 大汉 JCMS portals.

A column page /col/colN/index.html embeds its first screen of items as
<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/
dataproxy.jsp?page=1&webid=..&columnid=..&unitid=..">]]></nextgroup><recordset>
<record><![CDATA[<li>…</li>]]></record>…</recordset></datastore></script>
(crawler.links.anchors reads those records). The rest of the list comes from a POST
to dataproxy.jsp?startrecord=S&endrecord=E&perpage=P with the nextgroup's
parameters as form data, answered with the same <datastore> XML.

Site options: hanweb_batch (records per POST, default 45 = three screens of 15).
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from crawler.families.base import COLUMN, Fetch, ListStrategy, ListVisit, starts_a_column
from crawler.links import embedded_records, read_list_page

PROXY_KIND = "hanweb-proxy"
_NEXTGROUP = re.compile(
    r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']*dataproxy\.jsp[^\"']*)[\"']", re.S | re.I
)
_PROXY_IN_SCRIPT = re.compile(r"[\"']([^\"'\s]*?/dataproxy\.jsp[^\"'\s]*)[\"']", re.I)
_TOTAL = re.compile(
    r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*['\"]?(\d+)", re.I
)
_PERPAGE = re.compile(r"\bperpage\s*[:=]\s*['\"]?(\d+)", re.I)


class HanwebStrategy(ListStrategy):
    name = "hanweb"

    def read(
        self, text: str, url: str, site_urls: list[str], fetch: Fetch | None = None
    ) -> ListVisit:
        if fetch is not None and fetch.kind == PROXY_KIND:
            return self._read_proxy_answer(text, fetch, site_urls)
        visit = super().read(text, url, site_urls, fetch)
        if any(f.kind != COLUMN for f in visit.next) or not starts_a_column(fetch):
            # A static pager (下一页 -> index_2.html) is cheaper and surer than the proxy,
            # which only matters for columns whose pager exists in JS alone; and the
            # proxy's batches start from the column's first page, never from a later one.
            return visit
        proxy = proxy_request(text, url)
        total = total_records(text)
        shown = len(embedded_records(text))
        if proxy and total and shown and total > shown:
            visit.next.append(self._batch(proxy, shown + 1, total, per_page(text)))
        return visit

    def _read_proxy_answer(self, text: str, fetch: Fetch, site_urls: list[str]) -> ListVisit:
        url = fetch.url
        fragments = "\n".join(embedded_records(text))
        page = read_list_page(fragments, url, site_urls, self.report_pattern, self.exclude_pattern)
        page.pages = []  # a proxy answer's pager links are JS; batches come from counts
        visit = ListVisit(page)
        params = dict(parse_qsl(urlsplit(url).query))
        end = int(params.get("endrecord", 0) or 0)
        total = total_records(text)
        if fragments and total and end and end < total:
            target = urljoin(url, urlsplit(url).path)
            form = dict(fetch.formdata or ())
            visit.next.append(
                self._batch((target, form), end + 1, total, int(params.get("perpage", 15) or 15))
            )
        return visit

    def _batch(
        self, proxy: tuple[str, dict[str, str]], start: int, total: int, perpage: int
    ) -> Fetch:
        target, form = proxy
        batch = int(self.options.get("hanweb_batch", 45))
        end = min(start + batch - 1, total)
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": perpage})
        return Fetch(
            f"{target}?{query}",
            method="POST",
            formdata=tuple(sorted(form.items())),
            kind=PROXY_KIND,
        )


def proxy_request(text: str, url: str) -> tuple[str, dict[str, str]] | None:
    """(dataproxy URL without query, form fields) announced by a column page, if any."""
    match = _NEXTGROUP.search(text) or _PROXY_IN_SCRIPT.search(text)
    if not match:
        return None
    href = urljoin(url, html_lib.unescape(match.group(1)))
    parts = urlsplit(href)
    form = {
        k: v
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("page", "startrecord", "endrecord", "perpage")
    }
    form.setdefault("col", "1")
    form.setdefault("appid", "1")
    form.setdefault("path", "/")
    return f"{parts.scheme}://{parts.netloc}{parts.path}", form


def total_records(text: str) -> int | None:
    match = _TOTAL.search(text or "")
    return int(match.group(1) or match.group(2)) if match else None


def per_page(text: str) -> int:
    match = _PERPAGE.search(text or "")
    return int(match.group(1)) if match else 15
