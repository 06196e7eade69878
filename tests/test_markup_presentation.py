"""The attributes of presentation are left out of a page before libxml2 reads it
(parsers/_markup.pyx, parsers.html.PRESENTATION), and nothing else changes.

Two invariants, on every real page, on made pages built to reach every branch of the
scan, and on damaged copies of the real ones:
- libxml2's tree of the filtered page is the tree of the page as it is, both less those
  attributes: the scan never takes a character of text, a tag or another attribute;
- parse_document answers the same (every field, by repr) with the filter and without.
And the filter is not idle: on the real report pages it takes out most of them.
"""

from __future__ import annotations

import random

import pytest
from lxml import etree

from parsers import compiled, html, parse_document
from parsers.encoding import decode_bytes
from tests.made_pages import REAL_PAGES

DROPPED = {name.lower() for name in html.PRESENTATION}
_PARSER = html._UTF8  # the trees compared are those the parsers read


def test_the_filter_is_compiled_and_current():
    assert compiled.markup is not None, compiled.markup_status
    assert html.without_presentation is not html._as_is


def _tree_less_presentation(data: bytes) -> bytes:
    root = etree.fromstring(data, _PARSER)
    if root is None:
        return b""
    for element in root.iter():
        for name in [name for name in element.attrib if name.lower() in DROPPED]:
            del element.attrib[name]
    return etree.tostring(root, encoding="utf-8")


def _presentation_left(data: bytes) -> int:
    root = etree.fromstring(data, _PARSER)
    return sum(name.lower() in DROPPED for element in root.iter() for name in element.attrib)


def _utf8(path) -> bytes:
    return decode_bytes(path.read_bytes())[0].encode("utf-8", "surrogatepass")


def _assert_same_tree(data: bytes) -> None:
    filtered = html.without_presentation(data)
    assert _tree_less_presentation(filtered) == _tree_less_presentation(data)


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_a_real_page_keeps_its_tree_less_the_presentation(path):
    _assert_same_tree(_utf8(path))


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_a_real_page_is_parsed_the_same_with_and_without_the_filter(path, monkeypatch):
    data = path.read_bytes()
    filtered = repr(parse_document(data, url=path.name))
    monkeypatch.setattr(html, "without_presentation", html._as_is)
    assert repr(parse_document(data, url=path.name)) == filtered


def test_the_report_pages_lose_most_of_their_presentation():
    reports = [
        path for path in REAL_PAGES if parse_document(path.read_bytes(), url=path.name).is_report
    ]
    assert len(reports) >= 5
    before = after = 0
    for path in reports:
        data = _utf8(path)
        before += _presentation_left(data)
        after += _presentation_left(html.without_presentation(data))
    assert before > 3000 and after < before * 0.05, (before, after)


# Each: a construct the scan reads, or one where it must stop and keep the rest as it is.
MADE = [
    '<td nowrap align="center" style="x:y" class="c">1</td>',
    "<p STYLE=a Align=left>x</p><P style='q'>y</P>",
    '<td style="a" nowrap>1</td><td width = 3 style=x>2</td>',
    '<a href=x style="y"/>t</a><img src=a.gif/ width=3><img src=b.gif width=3/>',
    '<!-- <td style="x"> --><td style="y">1</td>',
    '<!--> <td style="x">1</td> -->',
    '<!---> <td style="x">1</td> -->',
    '<!-- a --!> <td style="x">1</td> -->',
    '<script><td style="x"></script><td style="y">1</td>',
    '<script><!-- <script> </script> <td style="x"> --></script><td style="y">1</td>',
    '<SCRIPT>if (a<b) {}</SCRIPT ><td style="y">1</td>',
    '<style>td{}</style><td style="y">1</td><style>x</stylex> <td style="z">',
    '<title><td style="x"></title><td style="y">1</td>',
    '<title>年度报告</title><td style="y">1</td>',
    '<textarea>a<b style="x"></textarea><td style="y">1</td>',
    '<td style="a"b="c">1</td><td style=a"b>2</td>',
    '<td style="unterminated>1</td>',
    "<td style=a`b>1</td><td style=a=b>2</td>",
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x.dtd"><td width=3>1</td>',
    "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN'><td width=3>1</td>",
    '<![if !supportLists]><td style="x">1</td><![endif]>',
    '<svg><![CDATA[ > <td style="x"> ]]></svg><td style="y">1</td>',
    '<?xml version="1.0"?><td style="y">1</td>',
    '</td style="x"><td style="y">1</td>',
    '</_x><td style="y">1</td>',
    '<_x style=1>t</_x><td style="y">1</td>',
    "a < b <td width=3>1</td> a <3 <td width=4>",
    '<plaintext><td style="x">',
    '<td/style="x">1</td>',
    '<td class="c"\nstyle="x"\n\tnowrap\n>1</td>',
    '<td x:num="1" x:str style="mso-number-format:\'0\'">1</td>',
    '<o:p style="x"></o:p><td xml:lang="zh" lang=zh>1</td>',
    '<td style="a>b" title="t>u">1</td>',
    '<td style="x"',
    '<td style="x">1</td>\x00<td style="y">2</td>',
    '<td style="a\x00b" class="c">1</td>',
    "<td style",
    "<",
    "<!",
    "<!--",
    "",
]


@pytest.mark.parametrize("markup", MADE)
def test_a_made_page_keeps_its_tree_less_the_presentation(markup):
    _assert_same_tree(f"<html><body><table><tr>{markup}</tr></table></body></html>".encode())
    _assert_same_tree(markup.encode())


def test_the_attributes_and_the_whitespace_after_them_go():
    data = b'<td nowrap align="center" style="x:y" class="c">1</td><p STYLE=a>x</p>'
    assert html.without_presentation(data) == b'<td class="c">1</td><p >x</p>'


def test_only_the_names_given_go_whatever_their_case_and_neighbours():
    # Names sharing a first letter or a length: each is told apart from the others.
    dropping = compiled.markup.PresentationFilter(["ab", "ac", "b", "abc"])
    data = b'<p ab="1" ac="2" ad="3" AB="4" b="5" bb="6" aBc=7 abd=8 a=9>x</p>'
    assert dropping(data) == b'<p ad="3" bb="6" abd=8 a=9>x</p>'


def test_a_page_without_presentation_is_handed_back_as_it_is():
    data = b'<p class="a">x</p>'
    assert html.without_presentation(data) is data


def test_the_scan_ends_at_a_nul_byte():
    data = b'<td style="x">1</td>\x00<td style="y">2</td>'
    assert html.without_presentation(data) == b'<td >1</td>\x00<td style="y">2</td>'


def test_the_scan_stops_at_a_construct_tokenizers_may_read_differently():
    # An unquoted value holding a quote: from there on the page is kept as it is.
    data = b'<td style="x">1</td><td title=a"b style="y">2</td><td style="z">3</td>'
    assert html.without_presentation(data) == (
        b'<td >1</td><td title=a"b style="y">2</td><td style="z">3</td>'
    )


def _made_page(rng: random.Random) -> str:
    pieces = [
        "<td", "<p", "<a", "<img", "</td>", "</p>", ">", "/>", " ", "\n", "文字", "<",
        ' style="a"', " style='b'", " style=c", " nowrap", " align=center", " WIDTH=3",
        ' class="x"', ' href="u"', " title=t", ' style="a>b"', '"', "'", "=", "`",
        "<!--", "-->", "--!>", "<!DOCTYPE html>", "<![if x]>", "<script>", "</script>",
        "<style>", "</style>", "<title>", "</title>", "<textarea>", "</textarea>",
        "<?x?>", "</", "<_", "<!", "&amp;", "\x00", "<plaintext>", "<![CDATA[", "]]>",
    ]  # fmt: skip
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))


@pytest.mark.parametrize("seed", range(300))
def test_a_random_page_keeps_its_tree_less_the_presentation(seed):
    _assert_same_tree(_made_page(random.Random(seed)).encode())


@pytest.mark.parametrize("seed", range(60))
def test_a_damaged_real_page_keeps_its_tree_less_the_presentation(seed):
    rng = random.Random(seed)
    data = bytearray(_utf8(rng.choice(REAL_PAGES)))
    for _ in range(rng.randint(1, 20)):
        if not data:
            break
        at = rng.randrange(len(data))
        data[at : at + rng.randint(0, 40)] = rng.choice([b"", b'"', b"'", b"<", b">", b"<!--"])
    _assert_same_tree(bytes(data))
