"""Hanweb 大汉 JCMS portals.

A column page /col/colN/index.html embeds its first screen of items as
<div id="UNITID"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/
web/jpage/dataproxy.jsp?page=1&webid=..&columnid=..&unitid=..">]]></nextgroup><recordset>
<record><![CDATA[<li>…</li>]]></record>…</recordset></datastore></script></div>
(embedded_records below finds them, for every family's list reading), followed by the
jpage call that pages the rest: $('#UNITID').jpage({proxyUrl:
'/module/web/jpage/dataproxy.jsp', perPage: 15, totalRecord: 132, ajaxParam: {col: 1,
appid: 1, webid: .., columnid: .., unitid: ..}}).
The rest of the list comes from a POST to dataproxy.jsp?startrecord=S&endrecord=E&perpage=P
with those parameters as form data, answered with the same <datastore> XML plus
<totalrecord>; batches are asked for until totalrecord is reached.

Form fields, weakest first: defaults (col=1, appid=1, path=/, permissiontype=0), the
nextgroup link, the page's inline JS (ajaxParam, param_N objects, var declarations), the
column id of the address and the unit id of the list's <div>, then the registry.

Site options:
  hanweb_batch      records per POST (default 45: three screens of 15, what jpage asks for)
  hanweb_form       form fields that win over the page's, e.g. {webid: 3090, unitid: 4851098}
  hanweb_proxy_url  the data proxy's address (default: the page's, else
                    /module/web/jpage/dataproxy.jsp)
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from lxml import etree

from crawler.families import jsonapi
from crawler.families.base import COLUMN, Fetch, ListStrategy, ListVisit, starts_a_column
from crawler.families.options import FORM, INTEGER, TEXT, Option
from crawler.listpage import Anchor, ListDocument, enclosed, fragment_anchors, read_records

PROXY_KIND = "hanweb-proxy"
DEFAULT_PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
DEFAULT_BATCH = 45
DEFAULT_PER_PAGE = 15
FORM_DEFAULTS = {"col": "1", "appid": "1", "path": "/", "permissiontype": "0"}
# What the data proxy knows a column by; names in JS objects other than ajaxParam count
# only when they are one of these.
FORM_FIELDS = {
    "col",
    "appid",
    "webid",
    "path",
    "columnid",
    "unitid",
    "webname",
    "permissiontype",
    "sourcecontenttype",
}
_PAGING_FIELDS = {"page", "startrecord", "endrecord", "perpage"}
_JPAGE_SETTINGS = {"proxyUrl", "perPage", "totalRecord"}  # jpage_settings() keys, not fields

_DATASTORE_OPEN = re.compile(r"<datastore\b", re.I)
_DATASTORE_CLOSE = re.compile(r"</datastore\s*>", re.I)
# The names of JS objects holding form fields (ajaxParam: {...}, var param_1 = {...}),
# and of declarations and jpage settings written one by one (var totalRecord=3).
_JS_OBJECT = re.compile(r"\b(ajaxParam|param_?\w{0,40})\s*[:=]\s*(?=\{)", re.I)
_JS_VAR = re.compile(
    r"""\bvar\s+(webid|columnid|unitid|webname)\s*=\s*"""
    r"""(?:'([^'\n]{0,400})'|"([^"\n]{0,400})"|([\w.-]{1,400}))""",
    re.I,
)
_JS_SETTING = re.compile(
    r"""\b(proxyUrl|perPage|totalRecord)\s*[:=]\s*['"]?([^'"\s,;}]{1,400})""", re.I
)
_JPAGE_NAMES = {name.lower(): name for name in _JPAGE_SETTINGS}
_JPAGE_CALL = re.compile(r"""\.\s*jpage\s*\(\s*(?=\{)""")
MAX_JPAGE_LITERAL = 20_000  # a jpage call's settings are a few hundred characters
_JPAGE_TARGET = re.compile(r"""\$\(\s*['"]#(\d+)['"]\s*\)\s*\.\s*jpage\s*\(""")
_UNIT_DIV = re.compile(
    r"""<div[^>]*\bid\s*=\s*["']?(\d+)["']?[^>]*>\s*<script[^>]*text/xml""", re.I
)
_COLUMN_IN_URL = re.compile(r"/col/col(\d+)/", re.I)


@dataclass
class Datastore:
    """A <datastore> document: the proxy's answer, or the first screen inside a page."""

    total: int | None
    records: list[str]  # HTML fragments, one per list item
    nextgroup: str | None = None  # the dataproxy link of <nextgroup>


@dataclass
class ProxyPlan:
    """How to ask a column's data proxy for the items its page does not show."""

    url: str  # without query
    form: dict[str, str] = field(default_factory=dict)
    total: int | None = None
    per_page: int = DEFAULT_PER_PAGE


class HanwebStrategy(ListStrategy):
    name = "hanweb"
    reads_scripts = frozenset({"jpage"})
    OPTIONS: ClassVar[dict[str, Option]] = {
        **ListStrategy.OPTIONS,
        "hanweb_batch": Option(INTEGER, default=DEFAULT_BATCH),
        "hanweb_form": Option(FORM),
        "hanweb_proxy_url": Option(TEXT),
    }

    def read(
        self, page: ListDocument | str, url: str, site_urls: list[str], fetch: Fetch | None = None
    ) -> ListVisit:
        text = page.text if isinstance(page, ListDocument) else page
        if fetch is not None and fetch.kind == PROXY_KIND:
            return self._read_proxy_answer(text, fetch, site_urls)
        visit = super().read(page, url, site_urls, fetch)
        if any(f.kind != COLUMN for f in visit.next) or not starts_a_column(fetch):
            # A static pager (下一页 -> index_2.html) is cheaper and surer than the proxy,
            # which only matters for columns whose pager exists in JS alone; and the
            # proxy's batches start from the column's first page, never from a later one.
            return visit
        datastore = column_datastore(text, url)
        plan = proxy_plan(text, url, self.options, datastore)
        if plan is None:
            return visit
        shown = len(datastore.records) if datastore else 0
        if plan.total is not None and plan.total <= shown:
            return visit  # the page shows the whole column
        # An unknown total is learnt from the first answer's <totalrecord>.
        visit.next.append(self._batch(plan, shown + 1, plan.total))
        return visit

    def _read_proxy_answer(self, text: str, fetch: Fetch, site_urls: list[str]) -> ListVisit:
        datastore = parse_datastore(text) or Datastore(total=None, records=[])
        records = record_anchors(datastore.records, fetch.url)
        visit = ListVisit(
            read_records(records, site_urls, self.report_pattern, self.exclude_pattern)
        )
        params = dict(parse_qsl(urlsplit(fetch.url).query))
        end = int(params.get("endrecord") or 0)
        total = datastore.total
        # An empty answer ends the batches even when totalrecord promises more.
        if records and total and end and end < total:
            plan = ProxyPlan(
                url=urljoin(fetch.url, urlsplit(fetch.url).path),
                form=dict(fetch.formdata or ()),
                total=total,
                per_page=int(params.get("perpage") or DEFAULT_PER_PAGE),
            )
            visit.next.append(self._batch(plan, end + 1, total))
        return visit

    def _batch(self, plan: ProxyPlan, start: int, total: int | None) -> Fetch:
        batch = self.options["hanweb_batch"]
        end = start + batch - 1 if total is None else min(start + batch - 1, total)
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": plan.per_page})
        return Fetch(
            f"{plan.url}?{query}",
            method="POST",
            formdata=tuple(sorted(plan.form.items())),
            kind=PROXY_KIND,
        )


# --- reading pages and answers (pure) ------------------------------------------------------

_RECORD_OPEN = re.compile(r"<record>\s*<!\[CDATA\[", re.I)
_RECORD_CLOSE = re.compile(r"\]\]>\s*</record>", re.I)


def embedded_records(text: str) -> list[str]:
    """HTML fragments of Hanweb datastore records (in a column page or a dataproxy answer)."""
    text = text or ""
    return [text[start:end] for start, end in enclosed(text, _RECORD_OPEN, _RECORD_CLOSE)]


def _xml_parser() -> etree.XMLParser:
    # The answer is untrusted: no entity expansion, no DTD or entity fetched over the
    # network, no giant documents. recover=True reads the odd unescaped "&" in a record.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


def parse_datastore(text: str) -> Datastore | None:
    """The first <datastore> in text (a dataproxy answer or a column page), read as XML."""
    datastores = parse_datastores(text)
    return datastores[0] if datastores else None


def parse_datastores(text: str) -> list[Datastore]:
    """Every <datastore> in text; a column page may hold several lists."""
    found = []
    text = text or ""
    for start, end in enclosed(text, _DATASTORE_OPEN, _DATASTORE_CLOSE):
        source = f"<datastore{text[start:end]}</datastore>"
        try:
            root = etree.fromstring(source.encode("utf-8"), _xml_parser())
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            # Beyond what recover can mend: the records are still CDATA sections.
            found.append(Datastore(_total_in(source), embedded_records(source)))
            continue
        nextgroup = None
        for element in root.iter("nextgroup"):
            href = re.search(r"""href\s*=\s*["']([^"']+)["']""", element.text or "")
            nextgroup = html_lib.unescape(href.group(1)) if href else None
        records = [element.text or "" for element in root.iter("record")]
        found.append(Datastore(_total_in(source, root), records, nextgroup))
    return found


def _total_in(source: str, root=None) -> int | None:
    value = root.findtext(".//totalrecord") if root is not None else None
    if value is None:
        match = re.search(r"<totalrecord>\s*(\d+)", source, re.I)
        value = match.group(1) if match else None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def column_datastore(text: str, url: str) -> Datastore | None:
    """The datastore of the column at url: the one whose nextgroup names its column id,
    else the first that pages through a proxy, else the first."""
    datastores = parse_datastores(text)
    column = _COLUMN_IN_URL.search(url)
    for datastore in datastores:
        query = dict(parse_qsl(urlsplit(datastore.nextgroup or "").query))
        if column and query.get("columnid") == column.group(1):
            return datastore
    with_proxy = [d for d in datastores if d.nextgroup]
    return (with_proxy or datastores or [None])[0]


def record_anchors(records: list[str], base_url: str) -> list[Anchor]:
    """The item link of each record: its first anchor with a title."""
    found = []
    for record in fragment_anchors(records, base_url):  # one parse for the whole answer
        labelled = [a for a in record if a.label]
        if labelled:
            found.append(labelled[0])
    return found


def jpage_settings(text: str) -> dict[str, str]:
    """Form fields and jpage settings written in the page's inline JS.

    Keys: form field names as written, plus "proxyUrl", "perPage" and "totalRecord".
    Weakest first: settings and declarations written one by one (var totalRecord=3;
    var webid = 3), the jpage target's unit id, then the objects themselves, read
    as JavaScript literals (chompjs): ajaxParam whole, other param objects for the
    form fields they hold, the jpage({...}) call for its settings.
    """
    text = text or ""
    settings: dict[str, str] = {}
    for match in _JS_SETTING.finditer(text):
        settings.setdefault(_JPAGE_NAMES[match.group(1).lower()], match.group(2))
    for match in _JS_VAR.finditer(text):
        settings[match.group(1).lower()] = next(g for g in match.groups()[1:] if g is not None)
    target = _JPAGE_TARGET.search(text)
    if target:
        settings["unitid"] = target.group(1)
    for match in _JS_OBJECT.finditer(text):
        whole_form = match.group(1).lower() == "ajaxparam"
        found = jsonapi.js_literal(text, match.end(), MAX_JPAGE_LITERAL)
        for key, value in found.items() if isinstance(found, dict) else ():
            if whole_form or key.lower() in FORM_FIELDS:
                settings[key] = _js_text(value)
    for match in _JPAGE_CALL.finditer(text):
        call = jsonapi.js_literal(text, match.end(), MAX_JPAGE_LITERAL)
        for name in _JPAGE_SETTINGS & set(call if isinstance(call, dict) else ()):
            settings[name] = _js_text(call[name])
    for name in ("perPage", "totalRecord"):  # counts only: a variable's name is no number
        if not settings.get(name, "0").isdigit():
            del settings[name]
    return settings


def _js_text(value) -> str:
    """A JS value as a form field: numbers as written, never "1.0" or "True"."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def proxy_plan(
    text: str, url: str, options: dict | None = None, datastore: Datastore | None = None
) -> ProxyPlan | None:
    """How to page the column at url through its data proxy; None when the column id
    cannot be known (then there is nothing to ask the proxy for). datastore: the
    column's, when the caller has read it already."""
    options = options or {}
    form = dict(FORM_DEFAULTS)
    datastore = datastore or column_datastore(text, url)
    proxy = None
    if datastore and datastore.nextgroup:
        href = urljoin(url, datastore.nextgroup)
        parts = urlsplit(href)
        proxy = f"{parts.scheme}://{parts.netloc}{parts.path}"
        form.update(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in _PAGING_FIELDS
        )
    settings = jpage_settings(text)
    form.update((k, v) for k, v in settings.items() if k not in _JPAGE_SETTINGS)
    column = _COLUMN_IN_URL.search(url)
    if column:
        form.setdefault("columnid", column.group(1))
    unit = _UNIT_DIV.search(text or "")
    if unit:
        form.setdefault("unitid", unit.group(1))
    form.update({str(k): str(v) for k, v in (options.get("hanweb_form") or {}).items()})
    if not form.get("columnid"):
        return None
    announced = proxy or settings.get("proxyUrl") or options.get("hanweb_proxy_url")
    if not (announced or datastore or settings):
        return None  # nothing on the page says it is a jpage list
    address = options.get("hanweb_proxy_url") or settings.get("proxyUrl") or proxy
    address = urljoin(url, address or DEFAULT_PROXY_PATH).split("?", 1)[0]
    total = datastore.total if datastore and datastore.total is not None else None
    if total is None and settings.get("totalRecord"):
        total = int(settings["totalRecord"])
    per_page = int(settings.get("perPage") or DEFAULT_PER_PAGE)
    return ProxyPlan(address, form, total, per_page)
