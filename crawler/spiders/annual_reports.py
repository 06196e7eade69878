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
parsers.provenance). Pages whose content hash matches the stored one, or that
the server says are not modified (a 304 to crawler.middlewares.ConditionalGetMiddleware),
are not parsed again unless refresh is on.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.python.failure import Failure

from crawler.caps import Caps, cap_reason
from crawler.failures import reason_of
from crawler.families import ListStrategy, guess_family, strategy_for
from crawler.items import AttachmentItem, FailureItem, OutcomeItem
from crawler.list_pages import ListPages
from crawler.listpage import ListDocument
from crawler.middlewares import NOT_MODIFIED_FLAG
from crawler.pictures import PictureChain
from crawler.registry import RegistryError, Site, load_registry, select_sites
from crawler.report_pages import ReportPages
from crawler.runs import ERROR_STAT
from crawler.store_access import crawl_store
from crawler.worker import Limits, ParsePool, deferred_of, limit_reason
from output.store import content_hash
from output.urls import page_key, same_site
from parsers import ocr
from parsers.encoding import charset_of
from parsers.model import ParseOutcome
from parsers.sniff import looks_like_document

DEFAULT_MAX_PAGES = 50
# The cycle collector's young-generation threshold while the spider runs (Python's
# default is 700). The reactor's process allocates in bursts (responses, outcomes
# unpickled, items): at 700 a crawl of 2,000 pages ran ~850 young, ~75 middle and ~6
# full collections, ~1 s of the process's CPU (gc.callbacks, thread time); at 20,000
# a handful, ~0.1 s. Cyclic garbage (Twisted's failures) waits a little longer: at
# most 20,000 new objects. (gc.freeze at the start was slower still: young
# collections took ~10 ms each after it.)
GC_YOUNG_THRESHOLD = 20_000


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


class AnnualReportsSpider(ListPages, ReportPages, PictureChain, scrapy.Spider):
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
        self.gc_threshold: tuple[int, int, int] | None = None  # as it was before start

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
        self._pool().start_workers()  # their imports while the first pages are fetched
        self.gc_threshold = gc.get_threshold()
        gc.set_threshold(max(GC_YOUNG_THRESHOLD, self.gc_threshold[0]), *self.gc_threshold[1:])
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

    async def parse_entry(self, response: Response, document: ListDocument | None = None):
        """A start URL: a report page (store it) or a column page (read its links).
        document: the page as read already (a discovered column's)."""
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
        outcome, digest, form = await self._parse(response)
        if limit_reason(outcome):
            for item in self._limit_hit(response, outcome, page_url=None):
                yield item
            return
        if outcome.report is not None:
            for item in self._report_page(response, state, outcome, digest, form):
                yield item
            return
        if stored and stored[1] == "report":
            # A start URL that held a report now reads as none (a maintenance page?):
            # the outcome goes first, so that KeepBetterReportPipeline keeps the stored
            # report and body rather than let this page replace them.
            yield OutcomeItem(outcome, site=state.site.name)
        document = document or self._entry_document(response, outcome)
        for item in self._list_page(response, state, document, entry=outcome):
            yield item

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
            outcome, digest, form = await self._parse(response)
            if not limit_reason(outcome) and (pictures := self._pictures(response, state, outcome)):
                yield pictures  # the page is read again with its table pictures
                return
            items = (
                self._limit_hit(response, outcome, response.meta.get("page_url"))
                if limit_reason(outcome)
                else self._report_page(response, state, outcome, digest, form)
            )
            for item in items:
                yield item

    async def parse_attachment(self, response: Response):
        page_url = response.meta.get("page_url")
        async for item in self._document(response, self._state(response), page_url):
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

    # --- helpers ------------------------------------------------------------------------------

    async def _parse(
        self, response: Response, pictures: dict | None = None, stored: bool = True
    ) -> tuple[ParseOutcome, str | None, bytes | None]:
        """parse_document in a worker process (crawler.worker), awaited: the reactor goes
        on with other responses, and the document is bounded in memory and time. With the
        outcome come the identity hash of its report's text (output.identity) and, when
        `stored` and the outcome holds a report, its stored form's bytes
        (output.stored_form.to_bytes), built by the worker for the writer to store as
        they are. Not on Redis: the distributed writer decides keep-better on the outcome,
        which its stream then carries anyway."""
        content_type = self._content_type(response)
        stored = stored and not self.crawler.settings.get("REDIS_URL")
        try:
            future = self._pool().submit(
                response.body,
                response.url,
                content_type,
                charset_of(content_type),
                pictures,
                text_hash=True,
                with_stored=stored,
            )
            answer = await maybe_deferred_to_future(deferred_of(future))
            return answer if stored else (*answer, None)
        except Exception as error:  # one bad document must not stop a crawl
            self.logger.exception("parser failed on %s", response.url)
            self._inc("failures/parser")
            return ParseOutcome(response.url, None, reason=f"parser error: {error!r}"), None, None

    def _pool(self) -> ParsePool:
        if self.pool is None:
            self.pool = ParsePool(
                self.crawler.settings.getint("PARSE_WORKERS") or None,
                Limits.from_settings(self.crawler.settings),
                niceness=self.crawler.settings.getint("PARSE_NICENESS"),
            )
        return self.pool

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
        if self.gc_threshold is not None:  # the process may go on (a test, a script)
            gc.set_threshold(*self.gc_threshold)
            self.gc_threshold = None
