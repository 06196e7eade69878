"""The spider's chain for tables published as pictures (the spider mixes it in).

A report page whose text gives no table cells may show its tables as pictures in its
article. They are fetched one after another under the attachments' rules (same site,
the attachments' cap, the site's request budget), and the last link of the chain reads
the page once more with them: parse_document puts each picture, read by OCR, where its
``<img>`` stands, so the page's report is one report with its tables.
"""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request, Response
from twisted.python.failure import Failure

from crawler.attachments import table_pictures, wants_pictures
from crawler.worker import limit_reason
from output.urls import same_site
from parsers import ocr
from parsers.model import ParseOutcome
from parsers.sniff import is_picture


class PictureChain:
    def _pictures(self, response: Response, state, outcome: ParseOutcome) -> Request | None:
        """The first request of the chain for a page, or None when there is nothing to get."""
        if not (ocr.enabled() and wants_pictures(outcome)):
            return None
        urls = [
            url
            for url in table_pictures(outcome, response.url)
            if same_site(url, state.urls) and len(url) <= self.url_limit
        ][: self.caps.attachments]
        urls = [url for url in urls if self._spend(state)]
        if not urls:
            return None
        self._inc("pictures/queued", len(urls))
        page = (response.url, response.status, response.body, self._content_type(response))
        return self._picture_request(state, page, urls, {})

    def _picture_request(self, state, page: tuple, todo: list, got: dict) -> Request:
        meta = {"site": state.site.name, "role": "picture", "page": page, "todo": todo[1:]}
        meta["got"] = got
        # Not filtered: one picture (a shared chart) may stand in several pages' chains.
        return Request(
            todo[0],
            callback=self.parse_picture,
            errback=self.on_picture_error,
            meta=meta,
            dont_filter=True,
        )

    async def parse_picture(self, response: Response):
        meta, state = response.meta, self._state(response)
        got = dict(meta["got"])  # picture URL (as the page has it) -> bytes
        if meta.get("role") == "picture" and is_picture(response.body, None):
            got[(meta.get("redirect_urls") or [response.url])[0]] = response.body
        if meta["todo"]:
            yield self._picture_request(state, meta["page"], meta["todo"], got)
            return
        url, status, body, content_type = meta["page"]
        headers = {"Content-Type": content_type} if content_type else {}
        page = HtmlResponse(url, status=status, body=body, headers=headers, request=None)
        self._inc("pictures/read", len(got))
        outcome, digest, form = await self._parse(page, got)
        items = (
            self._limit_hit(page, outcome, None)
            if limit_reason(outcome)
            else self._report_page(page, state, outcome, digest, form)
        )
        for item in items:
            yield item

    def on_picture_error(self, failure: Failure):
        """A picture that did not come: recorded; the chain goes on without it (its last
        link fetches the page once more, only to read it with the pictures that came)."""
        yield from self.on_error(failure)
        meta = failure.request.meta
        todo = meta["todo"] or [meta["page"][0]]
        request = self._picture_request(self._state(failure.request), meta["page"], todo, {})
        request.meta.update(got=meta["got"], role="picture" if meta["todo"] else "page")
        yield request
