"""How much text an element holds, and the densest element of a page: the deepest one
holding nearly all of its non-link text (the article of a page without a known
container). Used by parsers.html; the plain definitions (_link_length,
_densest_by_scan) stay beside their fast paths, which tests compare them with.
"""

from __future__ import annotations

from lxml import etree

from parsers.compiled import walks


def string_of(element) -> str:
    """What lxml.html's text_content() is: the XPath string value, all text of the subtree.

    The text serialisation reads the same content as string() (libxml2's node content),
    without an XPath evaluation's set-up (half the time of most elements'; the plain
    definition stays in tests/test_parse_fast_paths.py, which compares them).
    """
    return etree.tostring(element, method="text", encoding=str, with_tail=False)


# The compiled walk joins the text nodes in place, without a serialiser set up (most of
# the time of a heading's or a small article's text).
string_value = walks.string_value if walks is not None else string_of


def _text_length(element) -> int:
    # Characters other than whitespace (str.split() and \s agree on what that is). An
    # element of text only needs no XPath call (~2 us): lxml's .text joins adjacent text
    # nodes, and any other child (a comment too) counts in len().
    text = string_of(element) if len(element) else element.text
    return len("".join(text.split())) if text else 0


# The compiled walk reads the text nodes in place: no string built, none decoded.
text_length = walks.text_length if walks is not None else _text_length


def _link_length(element) -> int:
    return sum(text_length(link) for link in element.iter("a"))


# Text in links, in one call: equal to _link_length when no link holds another.
_LINK_TEXTS = etree.XPath("descendant-or-self::a//text()", smart_strings=False)
_NESTED_LINKS = etree.XPath("boolean(descendant-or-self::a//a)")
_LONG_LINKS = etree.XPath("descendant-or-self::a[string-length() >= $least]")


def _links_length(element) -> int:
    """_link_length, in two calls when links do not nest (they hardly ever do)."""
    if next(element.iter("a"), None) is None:  # instant when the page has no link at all
        return 0
    if _NESTED_LINKS(element):
        return _link_length(element)
    return _link_length_unnested(element)


# The compiled walk counts each text node once, times the links it is in.
links_length = walks.link_length if walks is not None else _links_length


def _link_length_unnested(element) -> int:
    return len("".join("".join(_LINK_TEXTS(element)).split()))


def _densest(body, lengths: dict | None = None):
    """The deepest element holding nearly all of the page's non-link text.

    Elements outside links qualify as a chain from ``body`` down (two disjoint ones
    cannot both hold 80% of the text, and an element holds at least what its children
    do), so the search walks down that chain. When a link holds 80% of the text
    itself, or links nest, that does not hold: every element is measured.
    ``lengths`` gathers the text lengths measured.
    """
    # A page without links (a stub, a printable version) needs no link measured.
    has_links = next(body.iter("a"), None) is not None
    if has_links and _NESTED_LINKS(body):
        return _densest_by_sums(body)
    lengths = {} if lengths is None else lengths
    text = lengths[body] = text_length(body)
    links = _link_length_unnested(body) if has_links else 0
    total = text - links
    if total <= 0:
        return body
    threshold = 0.8 * total
    # Only links whose text, spaces included, reaches the threshold may hold 80%; and what
    # may then qualify is an element inside one (a link itself holds no text outside links).
    if links >= threshold and any(
        len(link) and text_length(link) >= threshold for link in _LONG_LINKS(body, least=threshold)
    ):
        return _densest_by_sums(body)

    def qualifies(element) -> bool:
        # Its text less its links' text reaches the threshold; the text alone must.
        text = lengths[element] = text_length(element)
        if text < threshold:
            return False
        return not has_links or text - _link_length_unnested(element) >= threshold

    best = body
    while True:
        for child in best:
            if isinstance(child.tag, str) and child.tag != "a" and qualifies(child):
                best = child
                break
        else:
            return best


def _compiled_densest(body, lengths: dict | None = None):
    best, length = walks.densest(body)
    if lengths is not None:
        lengths[best] = length
    return best


# The compiled walk measures every element in one walk, bottom-up, instead of a walk
# per element measured: linear on any page.
densest = _compiled_densest if walks is not None else _densest


def _densest_by_scan(body):
    total = text_length(body) - _link_length(body)
    if total <= 0:
        return body
    best = body
    for element in body.iter():
        if not isinstance(element.tag, str) or element is body:
            continue
        own = text_length(element) - _link_length(element)
        if own >= 0.8 * total and _depth(element) > _depth(best):
            best = element
    return best


def _densest_by_sums(body):
    """_densest_by_scan in one walk: each element's text and link lengths are summed
    from its children's (non-space characters add up over joined pieces; a link inside
    a link counts twice, as _link_length counts it) instead of an XPath call and an
    iteration over its links per element (~5 us each: most of a list page's time)."""
    lengths: dict = {}  # element -> (text length, link text length)
    order: list = []  # (element, depth) in document order
    depth = 0
    for event, element in etree.iterwalk(body, events=("start", "end")):
        if not isinstance(element.tag, str):
            continue
        if event == "start":
            order.append((element, depth))
            depth += 1
            continue
        depth -= 1
        text = _count(element.text)
        links = 0
        for child in element:
            if isinstance(child.tag, str):
                child_text, child_links = lengths[child]
                text += child_text
                links += child_links
            text += _count(child.tail)
        lengths[element] = (text, links + text if element.tag == "a" else links)
    total = lengths[body][0] - lengths[body][1]
    if total <= 0:
        return body
    best, best_depth = body, 0
    for element, depth in order:
        text, links = lengths[element]
        if depth > best_depth and text - links >= 0.8 * total and element is not body:
            best, best_depth = element, depth
    return best


def _count(text: str | None) -> int:
    return len("".join(text.split())) if text else 0


def _depth(element) -> int:
    depth = 0
    while element is not None:
        element = element.getparent()
        depth += 1
    return depth
