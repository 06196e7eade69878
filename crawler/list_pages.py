"""The spider's column side: home pages, discovered columns, list pages, report links.

A mixin of crawler.spiders.annual_reports.AnnualReportsSpider (it uses the spider's
caps, stats and site state). Each list page is decoded once and parsed once
(crawler.listpage.ListDocument); the site's family strategy (crawler.families) reads
it, discovery reads the same document.
"""

from __future__ import annotations

import itertools

from scrapy.http import FormRequest, Request, Response

from crawler import discovery
from crawler.attachments import attachment_links
from crawler.failures import URL_TOO_LONG
from crawler.families import Fetch, guess_family, starts_a_column, strategy_for
from crawler.families.base import page_document
from crawler.items import AttachmentItem, PageItem, SkippedItem
from crawler.listpage import ListDocument
from crawler.runs import SCRIPT_LISTS_STAT
from output.urls import canonical_url, page_key, same_site
from parsers.encoding import charset_of, decode_bytes
from parsers.model import ParseOutcome
from parsers.sniff import is_attachment_url

# A column's next list pages are asked for first: a list page's requests for the pages
# after it leave before its own items, which go through the pipelines one by one
# (CONCURRENT_ITEMS = 1), waiting for room at the SQLite writer when it is behind. Made
# after them, the next list page was asked for only once they had passed, and the
# downloads ran dry at each list page (a crawl of 2,000 report pages: 10.4 s against 9.1 s
# this way; docs/speed-log.md, "List pages first"). Leaving first, it would be queued under
# the page's own report requests (Scrapy's queue is last in, first out): LIST_PRIORITY
# keeps it ahead of them. What is requested, and the order the site's request budget is
# spent in, stay as they were.
LIST_PRIORITY = 1


def _follows_the_list(output) -> bool:
    return isinstance(output, Request) and output.meta.get("role") == "list"


class ListPages:
    """Home pages, column pages and the report links they hold."""

    # --- column discovery ---------------------------------------------------------------------

    def _home_request(self, state, url: str, hops: int) -> Request:
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
        document = self._list_document(response)
        self._inc("discovery/pages")
        yield PageItem(
            response.url, response.status, response.body, content_type, document.encoding,
            kind="discovery", site=state.site.name,
        )  # fmt: skip
        columns = discovery.find_columns(document, response.url, state.urls)
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
            further = discovery.find_intermediate(document, response.url, state.urls)
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
        document = self._list_document(response)
        accepted, why = discovery.accept_column(
            document, response.url, state.urls, response.meta.get("strength")
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
        async for item in self.parse_entry(response, document):
            yield item

    # --- list pages ---------------------------------------------------------------------------

    def parse_list(self, response: Response):
        yield from self._list_page(response, self._state(response))

    def _list_document(self, response: Response) -> ListDocument:
        """The fetched page decoded once and, when first read, parsed once."""
        text, encoding = decode_bytes(response.body, charset_of(self._content_type(response)))
        document = page_document(text, response.url)
        document.encoding = encoding
        return document

    def _entry_document(self, response: Response, outcome: ParseOutcome) -> ListDocument:
        """A start URL that is no report, as the parse worker read it: its text and
        anchors come back with the outcome, so it is neither decoded nor parsed again."""
        if outcome.text is None:  # not read as an HTML page (binary junk, plain text)
            return self._list_document(response)
        document = page_document(outcome.text, response.url)
        document.encoding = outcome.encoding
        if outcome.anchors is not None:
            document.parsed_elsewhere(outcome.base, outcome.anchors)
        return document

    def _list_page(
        self,
        response: Response,
        state,
        document: ListDocument | None = None,
        entry: ParseOutcome | None = None,
    ):
        """A column page, read by the site's family; entry: a start URL's parse outcome
        (its link targets name the attachments of a page that is neither list nor report).
        The requests for the column's next list pages come first (LIST_PRIORITY)."""
        outputs = list(self._list_page_outputs(response, state, document, entry))
        yield from filter(_follows_the_list, outputs)
        yield from itertools.filterfalse(_follows_the_list, outputs)

    def _list_page_outputs(
        self,
        response: Response,
        state,
        document: ListDocument | None,
        entry: ParseOutcome | None,
    ):
        """_list_page's items and requests, made in the order the site's budget is spent."""
        fetch: Fetch | None = response.meta.get("fetch")
        content_type = self._content_type(response)
        document = document or self._list_document(response)
        visit = state.strategy.read(document, response.url, state.urls, fetch)
        for note in visit.notes:
            self.logger.warning("site %s: %s", state.site.name, note)
        if visit.script_list:
            self._inc(SCRIPT_LISTS_STAT)
            self.logger.warning("site %s: %s: %s", state.site.name, response.url, visit.script_list)
        page = visit.page
        self._inc("list/pages")
        yield PageItem(
            response.url, response.status, response.body, content_type, document.encoding,
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
        if entry is not None and not page.items and not visit.next:
            # Neither a report nor a list: perhaps a wrapper around an attachment.
            attachments = attachment_links(entry, response.url)
            yield from self._attachments(response.url, state, attachments, page_report=None)
        for follow in visit.next:
            request = self._list_request(state, follow)
            if request is not None:
                yield request

    def _report_link(self, list_url: str, state, url: str, title: str):
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

    def _list_request(self, state, follow: Fetch) -> Request | None:
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
                priority=LIST_PRIORITY,
            )
        return Request(
            follow.url,
            callback=self.parse_list,
            errback=self.on_error,
            meta=meta,
            priority=LIST_PRIORITY,
        )
