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
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.python.failure import Failure

from crawler import discovery
from crawler.attachments import SAME_AS_PAGE, PageReport, attachment_status
from crawler.caps import Caps, cap_reason
from crawler.content import charset_of
from crawler.failures import URL_TOO_LONG, reason_of
from crawler.families import Fetch, ListStrategy, guess_family, starts_a_column, strategy_for
from crawler.items import (
    AttachmentItem,
    FailureItem,
    OutcomeItem,
    PageItem,
    SkippedItem,
    UnchangedItem,
)
from crawler.links import find_attachment_links, page_key, same_site
from crawler.middlewares import NOT_MODIFIED_FLAG
from crawler.pictures import PictureChain
from crawler.registry import RegistryError, Site, load_registry, select_sites
from crawler.runs import ERROR_STAT, SCRIPT_LISTS_STAT
from crawler.store_access import crawl_store
from crawler.worker import Limits, ParsePool, deferred_of, limit_reason
from output.store import content_hash
from output.urls import canonical_url
from parsers import ocr
from parsers.encoding import decode_bytes
from parsers.model import ParseOutcome
from parsers.sniff import attachment_extension, is_attachment_url, looks_like_document

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
    columns: int = 0  # report columns requested from home pages (Caps.columns)
    requests: int = 0  # requests made beyond the start URLs (Caps.requests)
    caps_hit: set[str] = field(default_factory=set)
    last_cap: str = ""  # the reason of the last cap hit, for the link it dropped
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


class AnnualReportsSpider(PictureChain, scrapy.Spider):
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
        self.config_error: str | None = None  # why the crawl cannot start (run/error)
        self.page_index: dict[str, tuple[str, str]] = {}
        self.attachment_index: dict[str, list[tuple[str, str]]] = {}
        self.allowed_domains: list[str] = []
        self.pool: ParsePool | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        if crawler.settings.get("REDIS_URL"):  # a worker takes the arguments of its run
            from crawler.distributed.worker import run_arguments

            kwargs = run_arguments(crawler.settings, kwargs)
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
                self.config_error = f"cannot crawl: {error}"
                self.logger.error(self.config_error)
                sites = []
        default_max = settings.getint("MAX_LIST_PAGES", DEFAULT_MAX_PAGES)
        for site in sites:
            max_pages = self.max_pages_arg or site.options.get("max_pages") or default_max
            strategy = strategy_for(site.family, site.options)
            state = SiteState(site, strategy, _site_urls(site), max_pages)
            state.family_guessed = bool(site.name.startswith("adhoc:") and not self.family_arg)
            self.sites[site.name] = state
            for url in state.urls:
                self._allow_host(url)
        self.attachment_policy = settings.get("ATTACHMENTS_POLICY", "always")
        self.caps = Caps.from_settings(settings)
        self.url_limit = settings.getint("URLLENGTH_LIMIT", 2083)
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
        if self.crawler.settings.get("REDIS_URL"):
            return  # a worker never opens SQLite: crawler.distributed.index gave it Redis lookups
        store = crawl_store(self.crawler)
        self.page_index = store.page_index()
        self.attachment_index = store.attachment_index()

    # --- start --------------------------------------------------------------------------------

    async def start(self):
        for note in self.notes:
            self.logger.info(note)
        if self.config_error:
            self._set(ERROR_STAT, self.config_error)
        if not self.sites:
            if not self.config_error:
                self.logger.warning("nothing to crawl: %s", "; ".join(self.notes) or "no site")
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

    async def parse_entry(self, response: Response):
        """A start URL: a report page (store it) or a column page (read its links)."""
        state = self._state(response)
        self._learn_redirect(state, response)
        body, content_type = response.body, self._content_type(response)
        if looks_like_document(body, content_type, response.url):
            async for item in self._document(response, state, page_url=None):
                yield item
            return
        stored = self.page_index.get(response.url)
        if stored and stored[1] != "list" and self._unchanged(response):
            for item in self._unchanged_page(response.url, state):
                yield item
            return
        outcome = await self._parse(response)
        if limit_reason(outcome):
            for item in self._limit_hit(response, outcome, page_url=None):
                yield item
            return
        if outcome.report is not None:
            for item in self._report_page(response, state, outcome):
                yield item
            return
        if stored and stored[1] == "report":
            # A start URL that held a report now reads as none (a maintenance page?):
            # the outcome goes first, so that KeepBetterReportPipeline keeps the stored
            # report and body rather than let this page replace them.
            yield OutcomeItem(outcome, site=state.site.name)
        for item in self._list_page(response, state, entry=True):
            yield item

    def parse_list(self, response: Response):
        yield from self._list_page(response, self._state(response), entry=False)

    async def parse_report(self, response: Response):
        """A page linked from a list as a report: parse it, follow its attachments."""
        state = self._state(response)
        if looks_like_document(response.body, self._content_type(response), response.url):
            async for item in self._document(response, state, response.meta.get("page_url")):
                yield item
        elif self._unchanged(response):
            for item in self._unchanged_page(response.url, state):
                yield item
        else:
            outcome = await self._parse(response)
            if not limit_reason(outcome) and (pictures := self._pictures(response, state, outcome)):
                yield pictures  # the page is read again with its table pictures
                return
            items = (
                self._limit_hit(response, outcome, response.meta.get("page_url"))
                if limit_reason(outcome)
                else self._report_page(response, state, outcome)
            )
            for item in items:
                yield item

    async def parse_attachment(self, response: Response):
        page_url = response.meta.get("page_url")
        async for item in self._document(response, self._state(response), page_url):
            yield item

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
            if not self._within(state, "columns", state.columns, self.caps.columns):
                yield SkippedItem(column.url, column.label, state.last_cap, response.url)
                continue
            state.columns += 1
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

    async def parse_discovered_column(self, response: Response):
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
        async for item in self.parse_entry(response):
            yield item

    def on_error(self, failure: Failure):
        request = failure.request
        # After redirects, record the failure under the URL that was asked for.
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        detail = str(failure.value)[:500] or type(failure.value).__name__
        reason = reason_of(failure)  # "http 503", "timeout", "truncated body", ...
        self._inc(f"failures/{reason}")
        self.logger.warning("failed %s: %s (%s)", url, reason, detail)
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
        if visit.script_list:
            self._inc(SCRIPT_LISTS_STAT)
            self.logger.warning("site %s: %s: %s", state.site.name, response.url, visit.script_list)
        page = visit.page
        self._inc("list/pages")
        yield PageItem(
            response.url, response.status, response.body, content_type, encoding,
            kind="list", site=state.site.name,
        )  # fmt: skip

        new_items = []
        for url in page.items:  # one report once, whatever ?sid= its link carries
            key = canonical_url(url)
            if key not in state.seen_items:
                state.seen_items.add(key)
                new_items.append(url)
        fresh = set(new_items)
        reports = [anchor for anchor in page.reports if anchor.url in fresh]
        for number, anchor in enumerate(reports):
            self._inc("list/report_links")
            if not self._within(state, "report_links", number, self.caps.report_links):
                yield SkippedItem(anchor.url, anchor.label, state.last_cap, response.url)
                continue
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
        if len(url) > self.url_limit:  # Scrapy would drop the request without a word
            self._inc(f"list/{URL_TOO_LONG}")
            yield SkippedItem(url, title, URL_TOO_LONG, list_url)
            return
        if not self._spend(state):
            yield SkippedItem(url, title, state.last_cap, list_url)
            return
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
        if not self._spend(state):
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

    def _report_page(self, response: Response, state: SiteState, outcome: ParseOutcome):
        content_type = self._content_type(response)
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
        fetched = 0
        for url in urls:
            if not same_site(url, state.urls):
                status = "offsite"
            elif attachment_extension(url) not in self.fetch_extensions:
                status = "not-fetched"
            elif len(url) > self.url_limit:
                status = URL_TOO_LONG
            elif not wanted:
                status = "not-needed"
            elif not (
                self._within(state, "attachments", fetched, self.caps.attachments)
                and self._spend(state)
            ):
                status = "capped"
            else:
                status = "queued"
                fetched += 1
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

    async def _document(self, response: Response, state: SiteState, page_url: str | None):
        """A file (pdf/doc/docx/wps): the report itself when the parsers say so."""
        if self._unchanged(response):
            self._inc("pages/unchanged")
            yield UnchangedItem(response.url)
            return
        outcome = await self._parse(response)
        if limit_reason(outcome):
            for item in self._limit_hit(response, outcome, page_url):
                yield item
            return
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
            if self._spend(state):
                yield self._attachment_request(state, attachment_url, url, page_report)

    # --- helpers ------------------------------------------------------------------------------

    async def _parse(self, response: Response, pictures: dict | None = None) -> ParseOutcome:
        """parse_document in a worker process (crawler.worker), awaited: the reactor goes
        on with other responses, and the document is bounded in memory and time."""
        content_type = self._content_type(response)
        if self.pool is None:
            self.pool = ParsePool(
                self.crawler.settings.getint("PARSE_WORKERS") or None,
                Limits.from_settings(self.crawler.settings),
            )
        try:
            future = self.pool.submit(
                response.body, response.url, content_type, charset_of(content_type), pictures
            )
            return await maybe_deferred_to_future(deferred_of(future))
        except Exception as error:  # one bad document must not stop a crawl
            self.logger.exception("parser failed on %s", response.url)
            self._inc("failures/parser")
            return ParseOutcome(response.url, None, reason=f"parser error: {error!r}")

    def _limit_hit(self, response: Response, outcome: ParseOutcome, page_url: str | None):
        """A document past a size cap or a worker limit: recorded as a failure, and nothing
        else, so that a report stored from a better copy stays as it was, and the body is
        not taken as done (the next run tries again, perhaps with larger limits)."""
        reason = limit_reason(outcome)
        self._inc(f"failures/{reason}")
        self.logger.warning("%s: %s (%s)", reason, response.url, outcome.reason)
        yield FailureItem(response.url, reason, outcome.reason)
        if page_url:
            yield AttachmentItem(page_url, response.url, "failed")

    def _within(self, state: SiteState, cap: str, used: int, limit: int) -> bool:
        """Whether one more is allowed under a fan-out cap (crawler.caps); a cap hit is
        counted, logged once per site, and its reason kept for _why."""
        if used < limit:
            return True
        self._inc(f"caps/{cap}")
        state.last_cap = cap_reason(cap, limit)
        if cap not in state.caps_hit:
            state.caps_hit.add(cap)
            self.logger.warning("site %s: %s reached", state.site.name, state.last_cap)
        return False

    def _spend(self, state: SiteState) -> bool:
        """One request of the site's budget (Caps.requests)."""
        if not self._within(state, "requests", state.requests, self.caps.requests):
            return False
        state.requests += 1
        return True

    def _state(self, response: Response) -> SiteState:
        return self.sites[response.meta["site"]]

    def _stored_page_report(self, url: str) -> PageReport | None:
        """The report an earlier run stored for an unchanged page (not parsed again)."""
        if self.crawler.settings.get("REDIS_URL"):
            from crawler.distributed.index import stored_page_report

            return stored_page_report(self, url)
        stored = crawl_store(self.crawler).report_summary(url)
        return PageReport(*stored) if stored else None

    def _learn_redirect(self, state: SiteState, response: Response) -> None:
        """A start URL that redirects (http→https, another host) makes the target part of
        the site, so that its links are followed."""
        if not same_site(response.url, state.urls):
            origin = response.request.url if response.request else "?"
            self.logger.info("site %s: %s redirected to %s", state.site.name, origin, response.url)
            state.urls.append(response.url)
            self._allow_host(response.url)

    def _unchanged(self, response: Response) -> bool:
        if self.refresh:
            return False
        if NOT_MODIFIED_FLAG in response.flags:  # a 304 (on Redis the body is not at hand)
            return True
        stored = self.page_index.get(response.url)
        return stored is not None and stored[0] == content_hash(response.body)

    @staticmethod
    def _content_type(response: Response) -> str | None:
        value = response.headers.get("Content-Type")
        return value.decode("latin-1") if value else None

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(key, count)

    def _set(self, key: str, value) -> None:
        self.crawler.stats.set_value(key, value)

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        ours = {"list", "pages", "attachments", "reports", "failures", "store", "discovery"}
        summary = {k: v for k, v in sorted(stats.items()) if k.split("/")[0] in ours}
        self.logger.info("finished (%s): %s", reason, summary)
        if self.pool is not None:
            self.pool.close()
            self.pool = None
