"""Where a page points: the raw targets of its links, frames, embedded files and the file
paths its scripts quote, read from the page's one parse (parsers.html.parse_html), before
scripts are stripped. Pure: the crawler resolves them (crawler.attachments) and decides
which to fetch; nothing here knows about URLs beyond the page's <base href>.
"""

from __future__ import annotations

import re

from parsers.compiled import walks
from parsers.density import string_of
from parsers.sniff import ATTACHMENT_EXTENSIONS

_EXTENSIONS = "|".join(ATTACHMENT_EXTENSIONS)
_FILE_IN_SCRIPT = re.compile(rf"""["']([^"'<>\s]{{1,400}}?\.(?:{_EXTENSIONS}))["']""", re.I)
# How every match of _FILE_IN_SCRIPT ends: searched for first (from its "." on), a script
# without one (most) is not tried at each quote, up to 400 characters each time.
_FILE_END = re.compile(rf"""\.(?:{_EXTENSIONS})["']""", re.I)


# The attribute each tag points with, and which of the three groups it is listed in.
_TARGET_OF = {"a": ("href", 0), "area": ("href", 0), "iframe": ("src", 1), "frame": ("src", 1)}
_TARGET_OF |= {"embed": ("src", 1), "object": ("data", 2)}


def _text(element) -> str:
    # string(), without an XPath call for an element of text only (most links): lxml's
    # .text joins adjacent text nodes, and any other child (a comment too) counts in len().
    return string_of(element) if len(element) else element.text or ""


def links_and_anchors(
    root, gathered: dict[str, list] | None = None
) -> tuple[str | None, list[str], list[tuple[str, str, str]]]:
    """In one pass over the tree:
    - <base href> or None;
    - every target as written: a/area hrefs, iframe/frame/embed srcs, object data, in that
      order, then file paths quoted in scripts;
    - (href, text, title) of every <a href>, as written: what a list reader needs of a page
      that turns out not to be a report (crawler.listpage.ListDocument).

    ``gathered``: tag -> list, which the elements of that tag (other than those above and
    the root) join in document order, in the same pass (parse_html's <meta> and <title>).
    """
    bases: list[str | None] = []
    groups: tuple[list[str], list[str], list[str]] = ([], [], [])
    scripts = []
    found: list[tuple[str, str, str]] = []
    gathered = gathered or {}
    # One pass over the tree: each group keeps document order.
    for element in root.iter(*_TARGET_OF, "script", "base", *gathered):
        tag = element.tag
        if tag in _TARGET_OF:
            name, group = _TARGET_OF[tag]
            if value := element.get(name):
                groups[group].append(value)
                if tag == "a":
                    found.append((value, _text(element), element.get("title") or ""))
        elif tag == "script":
            scripts.append(element.text)
        elif tag == "base":
            bases.append(element.get("href"))
        elif element is not root:
            gathered[tag].append(element)
    base, targets = _base_and_targets(bases, groups[0] + groups[1] + groups[2], scripts)
    return base, targets, found


def _base_and_targets(
    bases: list[str | None], targets: list[str], scripts: list[str | None]
) -> tuple[str | None, list[str]]:
    """The <base href> of the pass's bases, and its targets with the files scripts quote."""
    # What //base/@href selects: the first that is not blank.
    base = next((href.strip() for href in bases if href is not None and href.strip()), None)
    for text in scripts:
        if not text or _FILE_END.search(text) is None:
            continue
        for match in _FILE_IN_SCRIPT.finditer(text):
            candidate = match.group(1).replace("\\/", "/")
            if candidate.startswith(("http", "/", ".")) or "/" in candidate:
                targets.append(candidate)
    return base, targets


PageHeads = tuple[str | None, list[str], list[tuple[str, str, str]], dict[str, str], str | None]


def _page_heads(root) -> PageHeads:
    """links_and_anchors (base, targets, anchors), with the page's <meta> fields (each
    name's first content, stripped) and the text of its first <title> (None without)."""
    heads: dict[str, list] = {"meta": [], "title": []}
    base, targets, anchors = links_and_anchors(root, heads)
    metas = [(e.get("name"), e.get("property"), e.get("content")) for e in heads["meta"]]
    titles = [title.text for title in heads["title"]]
    return base, targets, anchors, _meta_fields(metas), titles[0] if titles else None


def _meta_fields(metas: list[tuple[str | None, str | None, str | None]]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for name, field, content in metas:
        name = (name or field or "").strip()
        if name and content is not None:
            meta.setdefault(name, content.strip())
    return meta


# The tags of _TARGET_OF as the compiled links pass takes them.
TARGETS = tuple((tag.encode(), name.encode(), group) for tag, (name, group) in _TARGET_OF.items())


def _compiled_page_heads(root) -> PageHeads:
    return heads_of(*walks.page_links(root, TARGETS))


def heads_of(bases, targets, scripts, anchors, metas, titles) -> PageHeads:
    """The PageHeads of what the compiled links pass gathers (walks.page_links)."""
    base, targets = _base_and_targets(bases, targets, scripts)
    return base, targets, anchors, _meta_fields(metas), titles[0] if titles else None


# The compiled walk reads the attributes and text in place: no element proxy made.
page_heads = _compiled_page_heads if walks is not None else _page_heads
