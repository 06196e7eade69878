"""Link logic for column pages and report pages: pure functions of (html text, base url).

Nothing here imports Scrapy, so every rule can be unit-tested on saved pages.
The spider decides what to fetch; this module only says what a page links to:
report candidates, items that are not reports (and why), pager pages, attachments.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from parsers.normalize import tidy
from parsers.sniff import ATTACHMENT_EXTENSIONS, is_attachment_url
from parsers.vocabulary import LISTED_REPORT_TITLE, other_document

# --- titles ---------------------------------------------------------------------------------

# The words themselves (report titles, 解读/图解 and other documents) are parsers.vocabulary's.
# Each run is tried from its start only (lookbehinds): linear on 100,000 dots.
TRUNCATION = re.compile(r"(?:(?<!\.)\.{2,}|(?<!…)…+|(?<!。)。{2,})\s*$")
YEAR = re.compile(r"(?:19|20)\d\d")

# --- urls -----------------------------------------------------------------------------------

_EXTENSIONS = "|".join(ATTACHMENT_EXTENSIONS)
_ATTACHMENT_IN_JS = re.compile(rf"""["']([^"'<>\s]{{1,400}}?\.(?:{_EXTENSIONS}))["']""", re.I)
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


# --- parsing helpers ------------------------------------------------------------------------


def _document(html: str):
    """Parse leniently; lxml refuses str input that carries an XML encoding declaration."""
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html or "")
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _base_url(doc, url: str) -> str:
    for href in doc.xpath("//base/@href"):
        if href.strip():
            return urljoin(url, href.strip())
    return url


def normalize_url(url: str) -> str:
    """Drop the fragment and stray whitespace; keep the query (it may select the page)."""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def page_key(url: str) -> str:
    """A list page's identity: ".../ndbg/" and ".../ndbg/index.html" are one page."""
    url = normalize_url(url)
    return re.sub(r"/(?:index|default)\.(?:s?html?|jsp|aspx?|php)$", "/", url, flags=re.I)


def resolve(href: str | None, base: str) -> str | None:
    """An absolute http(s) URL for href, or None for javascript:, mailto:, anchors and junk."""
    if not href:
        return None
    href = html_lib.unescape(href).strip()
    if not href or href.startswith("#") or re.match(r"(?i)(javascript|mailto|tel|data):", href):
        return None
    absolute = urljoin(base, href)
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return normalize_url(absolute)


def anchors(html: str, base_url: str) -> list[Anchor]:
    """Every <a href> of the page, plus those inside Hanweb's embedded XML record lists."""
    found: list[Anchor] = []
    doc = _document(html)
    if doc is None:
        return found
    base = _base_url(doc, base_url)
    for a in doc.iter("a"):
        url = resolve(a.get("href"), base)
        if url:
            found.append(Anchor(url, tidy(a.text_content()), tidy(a.get("title"))))
    # Hanweb JCMS ships a column's first screen as <script type="text/xml"> holding
    # <record><![CDATA[<li><a ...>]]></record>: invisible to an HTML parser.
    for fragment in embedded_records(html):
        found.extend(anchors(fragment, base))
    return found


_RECORD_OPEN = re.compile(r"<record>\s*<!\[CDATA\[", re.I)
_RECORD_CLOSE = re.compile(r"\]\]>\s*</record>", re.I)


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


def embedded_records(text: str) -> list[str]:
    """HTML fragments of Hanweb datastore records (in a column page or a dataproxy answer)."""
    text = text or ""
    return [text[start:end] for start, end in enclosed(text, _RECORD_OPEN, _RECORD_CLOSE)]


# --- hosts ----------------------------------------------------------------------------------


def site_key(url: str) -> tuple[str, int | None]:
    """(host without "www.", explicit port) — what "the same site" compares.

    http->https and www redirects keep a site; a different port does not
    (two demo portals on 127.0.0.1 are different sites).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    if port in (80, 443):
        port = None
    return host, port


def same_site(url: str, site_urls: list[str] | tuple[str, ...] | set[str]) -> bool:
    key = site_key(url)
    return any(site_key(site_url) == key for site_url in site_urls)


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
    html: str,
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
    site_urls = site_urls or [url]
    page = ListPage()
    all_pages = pagination_links(html, url)
    pages = set(all_pages)
    here = page_key(url)
    seen: set[str] = set()
    for anchor in _item_anchors(html, url, list_selector):
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
            if is_subcolumn(anchor.url, url) and anchor.url not in page.subcolumns:
                page.subcolumns.append(anchor.url)
            continue
        seen.add(anchor.url)
        _file_item(page, anchor, is_report, reason, site_urls)
    page.pages = [p for p in all_pages if same_site(p, site_urls)]
    return page


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


def _item_anchors(html: str, url: str, list_selector: str | None) -> list[Anchor]:
    if not list_selector:
        return anchors(html, url)
    doc = _document(html)
    if doc is None:
        return []
    base = _base_url(doc, url)
    found: list[Anchor] = []
    for region in doc.cssselect(list_selector):
        found.extend(anchors(lxml.html.tostring(region, encoding="unicode"), base))
    return found


def in_directory(candidate: str, list_url: str) -> bool:
    """An HTML page in the list's own directory, e.g. ndbg/index.html beside ndbg/list_2.html."""
    cand, base = urlsplit(candidate), urlsplit(list_url)
    directory = base.path.rsplit("/", 1)[0] + "/"
    rest = cand.path[len(directory) :] if cand.path.startswith(directory) else None
    return (
        site_key(candidate) == site_key(list_url)
        and rest is not None
        and "/" not in rest
        and (rest == "" or re.search(r"\.(?:s?html?|jsp|aspx?|php)$", rest) is not None)
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


def pagination_links(html: str, url: str) -> list[str]:
    """Other pages of the list at url: pager anchors, TRS JS pagers, page-number links."""
    found: list[str] = []
    keys = {page_key(url)}

    def add(candidate: str | None) -> None:
        if candidate and page_key(candidate) not in keys:
            keys.add(page_key(candidate))
            found.append(candidate)

    for candidate in trs_pager_pages(html, url):
        add(candidate)
    for anchor in anchors(html, url):
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
    for fragment in js_written_html(html):
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


# --- report pages ---------------------------------------------------------------------------


def find_attachment_links(html: str, base_url: str) -> list[str]:
    """Attachment URLs of a report page: linked files, iframes/embeds/objects, pdf.js
    viewers (viewer.html?file=...), and file paths quoted in scripts."""
    found: list[str] = []

    def add(url: str | None) -> None:
        if url and url not in found:
            found.append(url)

    doc = _document(html)
    if doc is None:
        return found
    base = _base_url(doc, base_url)
    sources = [(el, "href") for el in doc.iter("a", "area")]
    sources += [(el, "src") for el in doc.iter("iframe", "frame", "embed")]
    sources += [(el, "data") for el in doc.iter("object")]
    for element, attribute in sources:
        url = resolve(element.get(attribute), base)
        if not url:
            continue
        viewed = pdfjs_file(url)
        if viewed:
            add(viewed)
        elif is_attachment_url(url):
            add(url)
    for script in doc.iter("script"):
        for match in _ATTACHMENT_IN_JS.finditer(script.text or ""):
            candidate = match.group(1).replace("\\/", "/")
            if candidate.startswith(("http", "/", ".")) or "/" in candidate:
                add(resolve(candidate, base))
    return found


def pdfjs_file(url: str) -> str | None:
    """The document a pdf.js viewer URL shows, resolved like pdf.js does (against the viewer)."""
    parts = urlsplit(url)
    if not parts.path.lower().endswith(("viewer.html", "viewer.htm", "viewer.jsp")):
        return None
    for key, value in parse_qsl(parts.query):
        if key.lower() == "file" and value:
            return resolve(value, url)
    if "file=" in parts.fragment:
        return resolve(dict(parse_qsl(parts.fragment)).get("file"), url)
    return None
