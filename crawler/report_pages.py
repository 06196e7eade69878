"""The spider's document side: report pages, their attachments, files (no list reading).

A mixin of crawler.spiders.annual_reports.AnnualReportsSpider. A report page is decoded
and parsed once, in a parse worker (crawler.worker): its outcome carries the report and
the page's link targets, from which its attachments are found (crawler.attachments).
Whether an attachment is the page's own report, and which page a report came from, is
settled by parsers.provenance.
"""

from __future__ import annotations

from scrapy.http import Request, Response

from crawler.attachments import attachment_links
from crawler.failures import URL_TOO_LONG
from crawler.items import (
    AttachmentItem,
    DocumentItem,
    FailureItem,
    OutcomeItem,
    PageItem,
    UnchangedItem,
)
from crawler.store_access import crawl_store
from crawler.worker import limit_reason
from output.urls import same_site
from parsers.model import ParseOutcome
from parsers.provenance import SAME_AS_PAGE, PageReport, settle_attachment
from parsers.sniff import attachment_extension

# Attachment states worth another try when the page linking them is unchanged.
_RETRY_ATTACHMENT = {"queued", "failed"}


class ReportPages:
    """Report pages, attachments and files, once fetched."""

    # --- report pages and attachments ---------------------------------------------------------

    def _report_page(
        self, response: Response, state, outcome: ParseOutcome, digest: str | None, stored=None
    ):
        """A page parsed in a worker, as one DocumentItem: its outcome (with the text hash
        and the stored form's bytes the worker worked out: digest, stored), its attachments
        (from the same parse), then its body; then the requests for its attachments."""
        content_type = self._content_type(response)
        kind = "report" if outcome.report is not None else "other"
        self._inc(f"pages/{kind}")
        if outcome.report is None:
            self.logger.info("not a report: %s (%s)", response.url, outcome.reason)
        parts: list = [OutcomeItem(outcome, None, state.site.name, digest, True, stored)]
        requests = []
        attachments = attachment_links(outcome, response.url)
        for entry in self._attachments(response.url, state, attachments, outcome.report):
            (parts if isinstance(entry, AttachmentItem) else requests).append(entry)
        # The page body last: once stored, the page counts as done (the next run finds it
        # unchanged), so everything it led to must be stored before it. See also
        # KeepBetterReportPipeline, which needs the outcome before the body.
        page = PageItem(
            response.url, response.status, response.body, content_type,
            outcome.encoding, kind, outcome.reason or "report", state.site.name,
        )  # fmt: skip
        yield DocumentItem(response.url, [*parts, page])
        yield from requests

    def _attachments(self, page_url: str, state, urls: list[str], page_report):
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
        self, state, url: str, page_url: str, page_report: PageReport | None
    ) -> Request:
        meta = {"site": state.site.name, "role": "attachment", "page_url": page_url}
        # What the page's own report is, to tell its attached copy from another report.
        meta["page_report"] = page_report
        return Request(url, callback=self.parse_attachment, errback=self.on_error, meta=meta)

    async def _document(self, response: Response, state, page_url: str | None):
        """A file (pdf/doc/docx/wps): the report itself when the parsers say so."""
        if self._unchanged(response):
            self._inc("pages/unchanged")
            yield UnchangedItem(response.url)
            return
        # settle_attachment may replace the outcome, and a source page changes its stored
        # form: both are worked out where it is stored.
        outcome, _, _ = await self._parse(response, stored=False)
        if limit_reason(outcome):
            for item in self._limit_hit(response, outcome, page_url):
                yield item
            return
        outcome, status = settle_attachment(outcome, page_url, response.meta.get("page_report"))
        self._inc(f"attachments/parsed/{status}")
        if status == SAME_AS_PAGE:
            self.logger.info("%s: the same report as %s", response.url, page_url)
        elif outcome.report is None:
            self.logger.info("attachment %s not stored: %s", response.url, outcome.reason)
        self._inc("pages/attachment_report" if outcome.report else "pages/attachment_other")
        parts: list = [OutcomeItem(outcome, source_page=page_url, site=state.site.name)]
        if page_url:
            parts.append(AttachmentItem(page_url, response.url, status))
        page = PageItem(  # last, as in _report_page
            response.url, response.status, response.body, self._content_type(response),
            outcome.encoding, "attachment", outcome.reason or "report", state.site.name,
        )  # fmt: skip
        yield DocumentItem(response.url, [*parts, page])

    def _unchanged_page(self, url: str, state):
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

    def _stored_page_report(self, url: str) -> PageReport | None:
        """The report an earlier run stored for an unchanged page (not parsed again)."""
        if self.crawler.settings.get("REDIS_URL"):
            from crawler.distributed.index import stored_page_report

            return stored_page_report(self, url)
        stored = crawl_store(self.crawler).report_summary(url)
        return PageReport(*stored) if stored else None
