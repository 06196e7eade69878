"""Pages for comparing a fast path with its plain definition: random pages made from a
seed (nested links, links holding most of the text, containers by id, class and tag,
tables with leaf cells, cells of several pieces, prose cells, nested tables), cells
made of chains of elements, and the list of real pages (the corpus and the demo portal).
"""

from __future__ import annotations

import random
from pathlib import Path

from lxml import etree

from parsers import html

WORDS = ["政府信息公开", "年度报告", "0", "12", " ", "\n", "\u3000", "/", "主动公开", "a b"]
# Whitespace str.split() knows beyond ASCII, and a character of four UTF-8 bytes.
WORDS += ["\xa0", "\u2028", "\x85", "𠀀"]
CLASSES = ["TRS_Editor", "trs_editor_view", "xTRS_UEDITORx", "article-content", "view", "x"]
# "zoom|Zoom" is no container id, though it sits in the list of ids the XPath prefilter holds.
IDS = ["zoom", "Zoom", "zoom|Zoom", "UCAP-CONTENT", "fontzoom", "content", "ArticleContent"]
IDS += ["other"]


def text(rng: random.Random, most: int = 6) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(0, most)))


def element(rng: random.Random, depth: int, in_link: bool = False) -> str:
    if depth == 0:
        return text(rng)
    tag = rng.choice(["div", "p", "span", "a", "section", "article", "ucapcontent", "table"])
    if tag == "table":
        return table(rng, depth)
    attributes = ""
    if rng.random() < 0.3:
        attributes += f' id="{rng.choice(IDS)}"'
    if rng.random() < 0.3:
        attributes += f' class="{rng.choice(CLASSES)} {rng.choice(CLASSES)}"'
    if tag == "a" and in_link and rng.random() < 0.7:
        tag = "span"  # nested links are rare, but they occur
    inner = "".join(
        element(rng, depth - 1, in_link or tag == "a") + text(rng, 2)
        for _ in range(rng.randint(0, 4))
    )
    if rng.random() < 0.1:
        inner += "长" * rng.randint(100, 900)
    return f"<{tag}{attributes}>{text(rng)}{inner}</{tag}>"


def cell(rng: random.Random, depth: int) -> str:
    tag = rng.choice(["td", "th"])
    kind = rng.random()
    if kind < 0.5:
        inner = text(rng, 3)
    elif kind < 0.9:
        inner = "".join(f"<p><span>{text(rng, 2)}</span>{text(rng, 1)}</p>" for _ in range(2))
    elif kind < 0.95:
        inner = "文" * 601
    else:
        inner = element(rng, depth - 1)
    return f"<{tag}>{inner}</{tag}>"


def table(rng: random.Random, depth: int) -> str:
    rows = "".join(
        "<tr>" + "".join(cell(rng, depth) for _ in range(rng.randint(0, 5))) + "</tr>"
        for _ in range(rng.randint(0, 6))
    )
    if rng.random() < 0.3:
        # A cell outside any row (lxml keeps it where it stands): never read, but long
        # prose in it makes a layout table all the same.
        rows += rng.choice(["{}", "<div>{}</div>", "<tr><td><div>{}</div></td></tr>"]).format(
            cell(rng, depth)
        )
    return f"<table><tbody>{rows}</tbody></table>"


def page(seed: int):
    rng = random.Random(seed)
    body = "".join(element(rng, 4) for _ in range(rng.randint(1, 4)))
    root = html._document_root(f"<html><body>{body}</body></html>")
    etree.strip_elements(root, *html.DROP_TAGS, etree.Comment, with_tail=False)
    return root


def chain_cell(rng: random.Random) -> str:
    """A cell whose elements each hold one element (<td><p><span>12</span></p></td>),
    with comments and scripts among the texts: stripped, they leave adjacent text nodes,
    which .text and .tail join and XPath gives apart."""

    def bit() -> str:
        return rng.choice(
            ["", "1", "2", " ", "1 ", " 2", "\u3000", "a b", "<!-- c -->", "<script>x</script>"]
        )

    def texts() -> str:
        return "".join(bit() for _ in range(rng.randint(0, 3)))

    inner = texts()
    for tag in rng.sample(["p", "span", "b", "font", "div"], rng.randint(1, 4)):
        inner = f"{texts()}<{tag}>{inner}</{tag}>{texts()}"
    return f"<td>{inner}</td>"


REAL_PAGES = sorted((Path(__file__).resolve().parent / "fixtures" / "corpus").glob("*.html"))
REAL_PAGES += sorted((Path(__file__).resolve().parents[1] / "demo" / "portal").rglob("*.html"))


# What the links pass reads, before scripts and comments are stripped: targets of every
# kind, <base>, <meta>, <title>, scripts quoting files, comments, entities.
HEAD_PARTS = [
    '<meta name="ArticleTitle" content=" 2023年政府信息公开工作年度报告 ">',
    '<meta property="og:title" content="标题&amp;题">',
    '<meta name="" property="PubDate" content="2024-01-02">',
    '<meta name="keywords">',
    '<meta content="无名">',
    "<meta charset='utf-8'>",
    "<title>年度报告 &lt;&gt; 𠀀</title>",
    "<title></title>",
    "<title>二</title>",
    '<base href=" /a/ ">',
    '<base href="">',
    "<base>",
    "<script>var f = '/files/2023.pdf'; g(\"x\\/y.docx\")</script>",
    "<script></script>",
    "<!-- <a href='/commented.pdf'>no</a> -->",
    "<style>a { color: red }</style>",
]
LINK_PARTS = [
    '<a href="/r/1.html" title="标题">政府信息公开<b>年度</b>报告</a>',
    '<a href="/r/2.html">报告&nbsp;2023 &amp; 𠀀</a>',
    '<a href="">empty</a>',
    "<a>no href</a>",
    '<a href="/r/3.html"><!-- c -->注释<span></span></a>',
    '<a href="/r/4.html"><a href="/r/5.html">nested</a></a>',
    '<a href="/r/6.html" title="">   </a>',
    '<a href="/r/7.html"><img src="/i.png"></a>',
    '<img data-src="/lazy.png">',
    '<img src=" " data-src="/d.png"><img src="/i.png">',
    '<area href="/map.html">',
    '<iframe src="/frame.html"></iframe>',
    '<frame src="/f2.html">',
    '<embed src="/e.swf">',
    '<object data="/o.pdf"></object>',
    '<object data="">',
    '<meta name="in-body" content="体">',
    "<title>body title</title>",
    '<base href="/late/">',
    "<script>open('files/a.xls')</script>",
    "<?php echo 1 ?>",
]


def raw_page(seed: int):
    """A page as parsed, nothing stripped: head and link parts among made elements."""
    rng = random.Random(seed)
    head = "".join(rng.choice(HEAD_PARTS) for _ in range(rng.randint(0, 6)))
    parts = [element(rng, 3) for _ in range(rng.randint(0, 3))]
    parts += [rng.choice(LINK_PARTS) for _ in range(rng.randint(0, 8))]
    rng.shuffle(parts)
    return html._document_root(f"<html><head>{head}</head><body>{''.join(parts)}</body></html>")


# What the strips take and what stays around it: scripts and styles (with markup-like
# text), comments and processing instructions, the DROP_AFTER tags (holding text,
# links, pictures and containers of their own), pictures, headings with scripts inside.
STRIPPED_PARTS = [
    "<script>var a = '<div id=\"zoom\">' + 1;</script>",
    "<style>p { x: 1 } 政府</style>",
    "<!-- 注释 <p>政府信息公开</p> -->",
    "<?php echo '年度报告' ?>",
    "<noscript><p>{}</p></noscript>",
    "<form><p>{}</p><input value='x'><select><option>选</option></select></form>",
    "<nav>{}</nav>",
    "<header><h1>政府信息公开工作年度报告（页眉）</h1>{}</header>",
    "<footer>{}<a href='/f'>页脚</a></footer>",
    "<iframe src='/frame.html'>{}</iframe>",
    "<object data='/o.pdf'>{}</object>",
    "<embed src='/e.swf'>",
    "<svg><text>{}</text></svg>",
    "<template>{}</template>",
    "<button>{}</button>",
    "<textarea>{}</textarea>",
    "<canvas>{}</canvas>",
]
KEPT_PARTS = [
    '<img src="/t1.png">',
    '<img data-src="/lazy.png">',
    '<img src=" " data-src="/d.png">',
    "<img>",
    "<h1>2023年度<script>x()</script>政府信息公开工作年度报告</h1>",
    "<h2>政府信息<!-- c -->公开工作年度报告 2023</h2>",
    "<h3>短</h3>",
    "<h2><span>某区</span>2022年政府信息公开<style>s</style>工作年度报告</h2>",
    '<a href="/x"><!-- c -->链接文字</a>',
    '<a href="/y"><form>表</form>链接</a>',
    '<a href="/z">' + "长链接" * 60 + "<nav>n</nav></a>",
    "<p>发布日期：2024-01-{:02d}</p>",
]


def stripped_page_markup(seed: int) -> str:
    """A whole page as fetched, with what the strips take mixed into made elements, inside
    containers and around them (tests/test_fused_walk.py)."""
    rng = random.Random(seed)

    def part() -> str:
        kind = rng.random()
        if kind < 0.35:
            return rng.choice(STRIPPED_PARTS).replace("{}", element(rng, 2))
        if kind < 0.65:
            return rng.choice(KEPT_PARTS).replace("{:02d}", f"{rng.randint(1, 28):02d}")
        return element(rng, 3)

    def block(depth: int) -> str:
        inner = "".join(part() for _ in range(rng.randint(0, 5)))
        if depth and rng.random() < 0.6:
            inner += block(depth - 1)
        if rng.random() < 0.3:
            inner += "正文" * rng.randint(10, 120)
        attributes = ""
        if rng.random() < 0.5:
            attributes = rng.choice(
                [
                    f' id="{rng.choice(IDS)}"',
                    f' class="{rng.choice(CLASSES)} {rng.choice(CLASSES)}"',
                ]
            )
        tag = rng.choice(["div", "div", "section", "article", "ucapcontent", "nav", "form"])
        return f"<{tag}{attributes}>{inner}</{tag}>"

    head = "".join(rng.choice(HEAD_PARTS) for _ in range(rng.randint(0, 5)))
    body = "".join(block(3) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.2:
        body = "<!-- 开头 -->" + body + "<script>tail()</script>"
    return f"<html><head>{head}</head><body>{body}</body></html>"
