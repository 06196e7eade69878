"""The one entry point: `scrapy crawl annual_reports`.

    scrapy crawl annual_reports                          every registry site
    scrapy crawl annual_reports -a site=NAME             one registry site ("a,b", "demo-*")
    scrapy crawl annual_reports -a start_url=URL         an ad-hoc column or report page
    scrapy crawl annual_reports -a home=URL              a portal's home (or 政务公开) page:
                                                         its report columns are found first
        [-a family=trs|hanweb|gkmlpt|generic] [-a max_pages=N]
    -a demo_base=http://127.0.0.1:PORT                   fills {demo_base} in the registry
    -a refresh=1                                         re-parse pages whose content is unchanged

Flow: a home page is read for links to report columns (crawler.discovery), which
then count as start URLs. A start URL is parsed; if the parsers call it a report it
is stored as one, otherwise it is read as a column page by the site's family strategy
(crawler/families), which picks report links by title, counts the items it skips
and names the next list pages, API pages and sub-columns. Report pages are parsed;
their attachments are recorded and, on the same site, fetched and parsed too (an
attachment holding the page's own report is recorded, not stored twice: see
crawler.attachments). Pages whose content hash matches the stored one, or that
the server says are not modified (a 304 to crawler.middlewares.ConditionalGetMiddleware),
are not parsed again unless refresh is on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import scrapy
from scrapy.http import FormRequest, Request, Response
from twisted.python.failure import Failure

from crawler import discovery
from crawler.attachments import SAME_AS_PAGE, PageReport, attachment_status
from crawler.content import charset_of, looks_like_document
from crawler.failures import reason_of
from crawler.families import Fetch, ListStrategy, guess_family, starts_a_column, strategy_for
from crawler.items import (
    AttachmentItem,
    FailureItem,
    OutcomeItem,
    PageItem,
    SkippedItem,
    UnchangedItem,
)
from crawler.links import (
    attachment_extension,
    find_attachment_links,
    is_attachment_url,
    page_key,
    same_site,
)
from crawler.registry import RegistryError, Site, load_registry, select_sites
from output.store import ReportStore, content_hash
from parsers import ocr, parse_document
from parsers.encoding import decode_bytes
from parsers.model import ParseOutcome

DEFAULT_MAX_PAGES = 50
# Attachment states worth another try when the page linking them is unchanged.
_RETRY_ATTACHMENT = {"queued", "failed"}


@dataclass
class SiteState:
    """What the spider tracks per site during one run."""

    site: Site
    strategy: ListStrategy
    # Addresses that count as this site: start URLs, the site's extra_hosts option and
    # where a start URL redirected to.
    urls: list[str]
    max_pages: int
    list_pages: int = 0
    requested_pages: set[str] = field(default_factory=set)
    seen_items: set[str] = field(default_factory=set)
    capped: bool = False
    # An ad-hoc site whose family was guessed from its address: a discovered column's
    # own address is a better guess (/col/colN/ is Hanweb whatever the home page is).
    family_guessed: bool = False


def _truthy(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _site_urls(site: Site) -> list[str]:
    extra = site.options.get("extra_hosts") or []
    home = [site.home] if site.home else []
    return [*site.start_urls, *home] + [h if "://" in h else f"http://{h}/" for h in extra]


class AnnualReportsSpider(scrapy.Spider):
    name = "annual_reports"

    def __init__(
        self,
        start_url: str | None = None,
        site: str | None = None,
        refresh: str | None = None,
        demo_base: str | None = None,
        family: str | None = None,
        max_pages: str | None = None,
        registry: str | None = None,
        home: str | None = None,
        *args,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.start_url_arg = start_url
        self.home_arg = home
        self.site_arg = site
        self.refresh = _truthy(refresh)
        self.demo_base_arg = demo_base
        self.family_arg = family
        self.max_pages_arg = int(max_pages) if max_pages else None
        self.registry_path = registry
        self.sites: dict[str, SiteState] = {}
        self.notes: list[str] = []
        self.page_index: dict[str, tuple[str, str]] = {}
        self.attachment_index: dict[str, list[tuple[str, str]]] = {}
        self.allowed_domains: list[str] = []

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure()
        return spider

    # --- setup --------------------------------------------------------------------------------

    def _configure(self) -> None:
        settings = self.crawler.settings
        # Through the environment, so that parser worker processes see it too.
        ocr.set_enabled(settings.getbool("OCR_ENABLED", True))
        if self.start_url_arg or self.home_arg:
            url = self.start_url_arg or self.home_arg
            family = self.family_arg or guess_family(url)
            start_urls = [self.start_url_arg] if self.start_url_arg else []
            sites = [
                Site(
                    name=f"adhoc:{urlsplit(url).netloc}",
                    start_urls=start_urls,
                    family=family,
                    home=self.home_arg,
                )
            ]
        else:
            demo_base = self.demo_base_arg or settings.get("DEMO_BASE_URL")
            try:
                registry = load_registry(self.registry_path)
                sites, self.notes = select_sites(registry, self.site_arg, demo_base)
            except RegistryError as error:
                # A user's typo in -a site= deserves one line, not a traceback.
                self.logger.error("cannot crawl: %s", error)
                sites = []
        default_max = settings.getint("MAX_LIST_PAGES", DEFAULT_MAX_PAGES)
        for site in sites:
            max_pages = self.max_pages_arg or int(site.options.get("max_pages") or default_max)
            strategy = strategy_for(site.family, site.options)
            state = SiteState(site, strategy, _site_urls(site), max_pages)
            state.family_guessed = bool(site.name.startswith("adhoc:") and not self.family_arg)
            self.sites[site.name] = state
            for url in state.urls:
                self._allow_host(url)
        self.attachment_policy = settings.get("ATTACHMENTS_POLICY", "always")
        self.fetch_extensions = {
            extension.lower()
            for extension in settings.getlist(
                "ATTACHMENT_FETCH_EXTENSIONS", ["pdf", "doc", "docx", "wps"]
            )
        }

    def _allow_host(self, url: str) -> None:
        """Keep allowed_domains (Scrapy's offsite filter, host names only) in step with the
        sites. Ports are not part of it: same_site() checks them in this spider."""
        host = (urlsplit(url).hostname or "").lower()
        if host and host not in self.allowed_domains:
            self.allowed_domains.append(host)

    def _load_index(self) -> None:
        """What earlier runs stored: content hashes for the unchanged check, attachments."""
        store = ReportStore(self.crawler.settings.get("REPORTS_DB"))
        try:
            self.page_index = store.page_index()
            self.attachment_index = store.attachment_index()
        finally:
            store.close()

    # --- start --------------------------------------------------------------------------------

    async def start(self):
        for note in self.notes:
            self.logger.info(note)
        if not self.sites:
            self.logger.warning("nothing to crawl (see the notes above)")
            return
        self._load_index()
        for state in self.sites.values():
            site = state.site
            where = " ".join(site.start_urls) or f"columns found from {site.home}"
            self.logger.info("site %s (%s): %s", site.name, site.family, where)
            if site.home:
                yield self._home_request(state, site.home, hops=0)
            for url in site.start_urls:
                state.list_pages += 1
                state.requested_pages.add(page_key(url))
                yield Request(
                    url,
                    callback=self.parse_entry,
                    errback=self.on_error,
                    meta={"site": site.name, "role": "entry"},
                    # Re-read on every start, also when a JOBDIR resumes a stopped run
                    # whose dupefilter has seen it (requested_pages stops repeats).
                    dont_filter=True,
                )

    # --- callbacks ----------------------------------------------------------------------------

    def parse_entry(self, response: Response):
        """A start URL: a report page (store it) or a column page (read its links)."""
        state = self._state(response)
        self._learn_redirect(state, response)
        body, content_type = response.body, self._content_type(response)
        if looks_like_document(body, content_type, response.url):
            yield from self._document(response, state, page_url=None)
            return
        stored = self.page_index.get(response.url)
        if stored and stored[1] != "list" and self._unchanged(response.url, body):
            yield from self._unchanged_page(response.url, state)
            return
        outcome = self._parse(response)
        if outcome.report is not None:
            yield from self._report_page(response, state, outcome)
            return
        yield from self._list_page(response, state, entry=True)

    def parse_list(self, response: Response):
        yield from self._list_page(response, self._state(response), entry=False)

    def parse_report(self, response: Response):
        """A page linked from a list as a report: parse it, follow its attachments."""
        state = self._state(response)
        if looks_like_document(response.body, self._content_type(response), response.url):
            yield from self._document(response, state, response.meta.get("page_url"))
        elif self._unchanged(response.url, response.body):
            yield from self._unchanged_page(response.url, state)
        else:
            yield from self._report_page(response, state, outcome=None)

    def parse_attachment(self, response: Response):
        yield from self._document(response, self._state(response), response.meta.get("page_url"))

    # --- column discovery ---------------------------------------------------------------------

    def _home_request(self, state: SiteState, url: str, hops: int) -> Request:
        return Request(
            url,
            callback=self.parse_home,
            errback=self.on_error,
            meta={"site": state.site.name, "role": "home", "hops": hops},
            dont_filter=True,  # like start URLs: re-read when a JOBDIR run resumes
        )

    def parse_home(self, response: Response):
        """A home (or 政务公开) page: request the report columns it links to. Without a
        link by a full column name, look one 政务公开/信息公开 page further, once."""
        state = self._state(response)
        self._learn_redirect(state, response)
        content_type = self._content_type(response)
        text, encoding = decode_bytes(response.body, charset_of(content_type))
        self._inc("discovery/pages")
        yield PageItem(
            response.url, response.status, response.body, content_type, encoding,
            kind="discovery", site=state.site.name,
        )  # fmt: skip
        columns = discovery.find_columns(text, response.url, state.urls)
        for column in columns:
            key = page_key(column.url)
            if key in state.requested_pages:
                continue
            state.requested_pages.add(key)
            state.list_pages += 1
            self.logger.info(
                "site %s: column candidate %s %s (%s)",
                state.site.name, column.url, column.label, column.strength,
            )  # fmt: skip
            yield Request(
                column.url,
                callback=self.parse_discovered_column,
                errback=self.on_error,
                meta={"site": state.site.name, "role": "entry", "strength": column.strength},
                dont_filter=True,  # a start URL found here; requested_pages stops repeats
            )
        further = None
        if response.meta.get("hops", 0) == 0 and not any(
            c.strength == discovery.FULL for c in columns
        ):
            further = discovery.find_intermediate(text, response.url, state.urls)
        if further and page_key(further) not in state.requested_pages:
            state.requested_pages.add(page_key(further))
            yield self._home_request(state, further, hops=1)
        elif not columns:
            self._inc("discovery/no_column")
            self.logger.warning(
                "site %s: no report column linked from %s", state.site.name, response.url
            )

    def parse_discovered_column(self, response: Response):
        """A page a home page linked as a report column: crawled as a start URL once it
        proves to be one (its name, its ColumnName meta, or report links)."""
        state = self._state(response)
        text, _ = decode_bytes(response.body, charset_of(self._content_type(response)))
        accepted, why = discovery.accept_column(
            text, response.url, state.urls, response.meta.get("strength")
        )
        self.logger.info(
            "site %s: %s %s as a report column (%s)",
            state.site.name, response.url, "accepted" if accepted else "rejected", why,
        )  # fmt: skip
        if not accepted:
            self._inc("discovery/rejected_columns")
            return
        self._inc("discovery/columns")
        if state.family_guessed:
            family = guess_family(response.url)
            if family != state.strategy.name:
                state.strategy = strategy_for(family, state.site.options)
        yield from self.parse_entry(response)

    def on_error(self, failure: Failure):
        request = failure.request
        # After redirects, record the failure under the URL that was asked for.
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        detail = str(failure.value)[:500] or type(failure.value).__name__
        reason = reason_of(failure)  # "http 503", "timeout", "truncated body", ...
        self._inc(f"failures/{reason}")
        self.logger.warning("failed %s: %s %s", url, reason, detail)
        yield FailureItem(url, reason, detail)
        if request.meta.get("role") == "attachment" and request.meta.get("page_url"):
            yield AttachmentItem(request.meta["page_url"], url, "failed")

    # --- list pages ---------------------------------------------------------------------------

    def _list_page(self, response: Response, state: SiteState, entry: bool):
        fetch: Fetch | None = response.meta.get("fetch")
        content_type = self._content_type(response)
        text, encoding = decode_bytes(response.body, charset_of(content_type))
        visit = state.strategy.read(text, response.url, state.urls, fetch)
        for note in visit.notes:
            self.logger.warning("site %s: %s", state.site.name, note)
        page = visit.page
        self._inc("list/pages")
        yield PageItem(
            response.url, response.status, response.body, content_type, encoding,
            kind="list", site=state.site.name,
        )  # fmt: skip

        new_items = [url for url in page.items if url not in state.seen_items]
        state.seen_items.update(new_items)
        fresh = set(new_items)
        reports = [anchor for anchor in page.reports if anchor.url in fresh]
        for anchor in reports:
            self._inc("list/report_links")
            yield from self._report_link(response.url, state, anchor.url, anchor.label)
        skipped = [(anchor, why) for anchor, why in page.skipped if anchor.url in fresh]
        for anchor, why in skipped:
            self._inc("list/skipped_items")
            self.logger.debug("skipped %s %s (%s)", anchor.url, anchor.label, why)
            yield SkippedItem(anchor.url, anchor.label, why, response.url)
        for anchor in page.offsite:
            self._inc("list/offsite_report_links")
            yield SkippedItem(anchor.url, anchor.label, "offsite", response.url)
        self.logger.info(
            "list %s: %d report links, %d skipped, %d offsite, %d to follow",
            response.url, len(reports), len(skipped), len(page.offsite), len(visit.next),
        )  # fmt: skip

        if not new_items and not starts_a_column(fetch):
            # Deep TRS pages are sometimes empty stubs, and some pagers loop: a page that
            # brings nothing new ends this branch of the pagination.
            self._inc("list/stopped_no_new_items")
            return
        if entry and not page.items and not visit.next:
            # Neither a report nor a list: perhaps a wrapper around an attachment.
            attachments = find_attachment_links(text, response.url)
            yield from self._attachments(response.url, state, attachments, page_report=None)
        for follow in visit.next:
            request = self._list_request(state, follow)
            if request is not None:
                yield request

    def _report_link(self, list_url: str, state: SiteState, url: str, title: str):
        meta = {"site": state.site.name, "role": "report", "page_url": list_url, "title": title}
        if is_attachment_url(url):
            # A list item that is the file itself (…/2022年报告.pdf).
            meta["role"] = "attachment"
            yield AttachmentItem(list_url, url, "queued")
            callback = self.parse_attachment
        else:
            callback = self.parse_report
        yield Request(url, callback=callback, errback=self.on_error, meta=meta)

    def _list_request(self, state: SiteState, follow: Fetch) -> Request | None:
        key = page_key(follow.url) + (f"|{follow.formdata!r}" if follow.formdata else "")
        if key in state.requested_pages or not same_site(follow.url, state.urls):
            return None
        if state.list_pages >= state.max_pages:
            if not state.capped:
                state.capped = True
                self._inc("list/capped_sites")
                self.logger.info(
                    "site %s: list page cap (%d) reached", state.site.name, state.max_pages
                )
            return None
        state.list_pages += 1
        state.requested_pages.add(key)
        meta = {"site": state.site.name, "role": "list", "fetch": follow}
        if follow.method == "POST":
            return FormRequest(
                follow.url,
                formdata=dict(follow.formdata or ()),
                callback=self.parse_list,
                errback=self.on_error,
                meta=meta,
            )
        return Request(follow.url, callback=self.parse_list, errback=self.on_error, meta=meta)

    # --- report pages and attachments ---------------------------------------------------------

    def _report_page(self, response: Response, state: SiteState, outcome: ParseOutcome | None):
        content_type = self._content_type(response)
        if outcome is None:
            outcome = self._parse(response)
        text, encoding = decode_bytes(response.body, charset_of(content_type))
        kind = "report" if outcome.report is not None else "other"
        self._inc(f"pages/{kind}")
        if outcome.report is None:
            self.logger.info("not a report: %s (%s)", response.url, outcome.reason)
        yield OutcomeItem(outcome, site=state.site.name)
        attachments = find_attachment_links(text, response.url)
        yield from self._attachments(response.url, state, attachments, outcome.report)
        # The page body last: once stored, the page counts as done (the next run finds it
        # unchanged), so everything it led to must be stored before it. See also
        # KeepBetterReportPipeline, which needs the outcome before the body.
        yield PageItem(
            response.url, response.status, response.body, content_type,
            outcome.encoding or encoding, kind, outcome.reason or "report", state.site.name,
        )  # fmt: skip

    def _attachments(self, page_url: str, state: SiteState, urls: list[str], page_report):
        """Record a page's attachments; fetch those the parsers can read, on this site.

        ATTACHMENTS_POLICY "always" fetches them (a report page may attach the full
        version, or another body's report); "auto" only when the page holds no report or
        one without table cells; "never" records them only.
        """
        wanted = self.attachment_policy == "always" or (
            self.attachment_policy == "auto" and (page_report is None or not page_report.cells)
        )
        for url in urls:
            if not same_site(url, state.urls):
                status = "offsite"
            elif attachment_extension(url) not in self.fetch_extensions:
                status = "not-fetched"
            elif not wanted:
                status = "not-needed"
            else:
                status = "queued"
            self._inc(f"attachments/{status}")
            yield AttachmentItem(page_url, url, status)
            if status == "queued":
                yield self._attachment_request(state, url, page_url, PageReport.of(page_report))

    def _attachment_request(
        self, state: SiteState, url: str, page_url: str, page_report: PageReport | None
    ) -> Request:
        meta = {"site": state.site.name, "role": "attachment", "page_url": page_url}
        # What the page's own report is, to tell its attached copy from another report.
        meta["page_report"] = page_report
        return Request(url, callback=self.parse_attachment, errback=self.on_error, meta=meta)

    def _document(self, response: Response, state: SiteState, page_url: str | None):
        """A file (pdf/doc/docx/wps): the report itself when the parsers say so."""
        if self._unchanged(response.url, response.body):
            self._inc("pages/unchanged")
            yield UnchangedItem(response.url)
            return
        outcome = self._parse(response)
        status = attachment_status(outcome, response.meta.get("page_report"))
        self._inc(f"attachments/parsed/{status}")
        if status == SAME_AS_PAGE:
            # The page's own report, attached again: one report, one row (the page's).
            self.logger.info("%s: the same report as %s", response.url, page_url)
            outcome = ParseOutcome(response.url, None, SAME_AS_PAGE, outcome.encoding)
        elif outcome.report is None:
            self.logger.info("attachment %s not stored: %s", response.url, outcome.reason)
        if outcome.report is not None and page_url and not outcome.report.source_page:
            outcome.report.source_page = page_url
        self._inc("pages/attachment_report" if outcome.report else "pages/attachment_other")
        yield OutcomeItem(outcome, source_page=page_url, site=state.site.name)
        if page_url:
            yield AttachmentItem(page_url, response.url, status)
        yield PageItem(  # last, as in _report_page
            response.url, response.status, response.body, self._content_type(response),
            outcome.encoding, "attachment", outcome.reason or "report", state.site.name,
        )  # fmt: skip

    def _unchanged_page(self, url: str, state: SiteState):
        """Skip parsing; only retry this page's attachments that never came through."""
        self._inc("pages/unchanged")
        self.logger.debug("unchanged: %s", url)
        yield UnchangedItem(url)
        retries = [
            attachment_url
            for attachment_url, status in self.attachment_index.get(url, [])
            if status in _RETRY_ATTACHMENT and same_site(attachment_url, state.urls)
        ]
        page_report = self._stored_page_report(url) if retries else None
        for attachment_url in retries:
            yield self._attachment_request(state, attachment_url, url, page_report)

    # --- helpers ------------------------------------------------------------------------------

    def _parse(self, response: Response) -> ParseOutcome:
        """parse_document promises never to raise; a crawl should survive if it does."""
        content_type = self._content_type(response)
        try:
            return parse_document(
                response.body, response.url, content_type, charset_of(content_type)
            )
        except Exception as error:  # one bad document must not stop a crawl
            self.logger.exception("parser failed on %s", response.url)
            self._inc("failures/parser")
            return ParseOutcome(response.url, None, reason=f"parser error: {error!r}")

    def _state(self, response: Response) -> SiteState:
        return self.sites[response.meta["site"]]

    def _stored_page_report(self, url: str) -> PageReport | None:
        """The report an earlier run stored for an unchanged page (not parsed again)."""
        store = ReportStore(self.crawler.settings.get("REPORTS_DB"))
        try:
            stored = store.report_summary(url)
        finally:
            store.close()
        return PageReport(*stored) if stored else None

    def _learn_redirect(self, state: SiteState, response: Response) -> None:
        """A start URL that redirects (http→https, another host) makes the target part of
        the site, so that its links are followed."""
        if not same_site(response.url, state.urls):
            origin = response.request.url if response.request else "?"
            self.logger.info("site %s: %s redirected to %s", state.site.name, origin, response.url)
            state.urls.append(response.url)
            self._allow_host(response.url)

    def _unchanged(self, url: str, body: bytes) -> bool:
        if self.refresh:
            return False
        stored = self.page_index.get(url)
        return stored is not None and stored[0] == content_hash(body)

    @staticmethod
    def _content_type(response: Response) -> str | None:
        value = response.headers.get("Content-Type")
        return value.decode("latin-1") if value else None

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(key, count)

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        ours = {"list", "pages", "attachments", "reports", "failures", "store", "discovery"}
        summary = {k: v for k, v in sorted(stats.items()) if k.split("/")[0] in ours}
        self.logger.info("finished (%s): %s", reason, summary)
