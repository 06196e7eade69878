"""Where a page points: the raw targets of its links, frames, embedded files and the file
paths its scripts quote, read from the page's one parse (parsers.html.parse_html), before
scripts are stripped. Pure: the crawler resolves them (crawler.attachments) and decides
which to fetch; nothing here knows about URLs beyond the page's <base href>.
"""

from __future__ import annotations

import re

from lxml import etree

from parsers.sniff import ATTACHMENT_EXTENSIONS

_EXTENSIONS = "|".join(ATTACHMENT_EXTENSIONS)
_FILE_IN_SCRIPT = re.compile(rf"""["']([^"'<>\s]{{1,400}}?\.(?:{_EXTENSIONS}))["']""", re.I)


_STRING = etree.XPath("string()", smart_strings=False)  # lxml.html's text_content()


def page_anchors(root) -> list[tuple[str, str, str]]:
    """(href, text, title) of every <a href> of the page, as written: what a list reader
    needs of a page that turns out not to be a report (crawler.listpage.ListDocument)."""
    return [
        (href, _STRING(a), a.get("title") or "") for a in root.iter("a") if (href := a.get("href"))
    ]


def link_targets(root) -> tuple[str | None, list[str]]:
    """(<base href> or None, every target as written): a/area hrefs, iframe/frame/embed
    srcs, object data, in that order, then file paths quoted in scripts."""
    base = next((href.strip() for href in root.xpath("//base/@href") if href.strip()), None)
    sources = [(element, "href") for element in root.iter("a", "area")]
    sources += [(element, "src") for element in root.iter("iframe", "frame", "embed")]
    sources += [(element, "data") for element in root.iter("object")]
    targets = [value for element, name in sources if (value := element.get(name))]
    for script in root.iter("script"):
        for match in _FILE_IN_SCRIPT.finditer(script.text or ""):
            candidate = match.group(1).replace("\\/", "/")
            if candidate.startswith(("http", "/", ".")) or "/" in candidate:
                targets.append(candidate)
    return base, targets
