#!/usr/bin/env python3
"""Generate the bundled demo portal (demo/portal/) from the test fixtures' seeds and corpus.

    python demo/build_portal.py [--fixtures tests/fixtures] [--out demo/portal]

The portal holds five small sites in the styles of real government portals,
all served from one host (see demo/server.py, which also answers their list APIs):

  /trs/          TRS WCM style      column /trs/zwgk/zfxxgknb/index.html (+ index_1, index_2)
  /hanweb/       Hanweb 大汉 style  column /hanweb/col/col2150/index.html + POST dataproxy.jsp
  /plain/        generic, GBK       column /plain/xxgk/ndbg/list.html (+ list_2)
  /trsapi-site/  newer TRS          column page 1 in HTML, pages 2+ from a JSON API
  /gkmlpt-site/  Guangdong gkmlpt   /gkmlpt/index shell + JSON API /gkmlpt/api/all/{cat}

Report pages are rebuilt from the real report texts (seeds/*.txt: text
renderings, whose tables are reconstructed here as HTML tables, or for one
report as a Word file) and the real HTML fragment corpus/shanghai-bgt-2019.html;
each report's file name is the source document's stem so that a scorer can
match them.  Page templates,
chrome, URLs and the non-report items are made up.  demo/portal/README.md
(written by this script) says page by page what is real and what is made.

Only the standard library is used.  The output is deterministic: building
twice gives byte-identical files.  The built portal does not need the
fixtures at run time.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import re
import shutil
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_FIXTURES = HERE.parent / "tests" / "fixtures"
DEFAULT_OUT = HERE / "portal"

NBSP = "\xa0"


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------


def esc(text: str) -> str:
    """Escape text for HTML element content; non-breaking spaces become &nbsp;."""
    return html.escape(text, quote=False).replace(NBSP, "&nbsp;")


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def fixture_comment(source: str, real: str, made: str) -> str:
    return f"<!-- demo fixture: built by demo/build_portal.py from {source}; real: {real}; made: {made} -->\n"


REPORT_COMMENT_REAL = "report text and tables"
REPORT_COMMENT_MADE = "page template, chrome, URLs"


def paragraphs_html(lines: list[str]) -> str:
    """One <p> per non-empty line; a line holding only a non-breaking space stays an empty paragraph."""
    out = []
    for line in lines:
        if line == "":
            continue
        if line.strip(" " + NBSP) == "":
            out.append("<p>&nbsp;</p>")
            continue
        text = esc(line.rstrip(" "))
        text = re.sub(
            r"(解读链接[:：])(https?://[^\s<&]+)", r'\1<a href="\2" target="_blank">\2</a>', text
        )
        out.append(f"<p>{text}</p>")
    return "\n".join(out)


# --------------------------------------------------------------------------
# table reconstruction
# --------------------------------------------------------------------------
# A layout is a list of rows; a row is a list of (colspan, rowspan) for the
# cells that start in that row.  The seeds' text renderings lost the spans;
# they are restored from the standard table formats, and the number of cells
# read from the seed is checked against the layout, so every value keeps its
# place (a blank stays blank, a 0 stays 0).


def _row(*specs) -> list[tuple[int, int]]:
    return [s if isinstance(s, tuple) else (s, 1) for s in specs]


T2_2021 = (
    [
        _row(4),
        _row(1, 1, 1, 1),
        _row(1, 1, 1, 1),
        _row(1, 1, 1, 1),
        _row(4),
        _row(1, 3),
        _row(1, 3),
        _row(4),
        _row(1, 3),
        _row(1, 3),
        _row(1, 3),
        _row(4),
        _row(1, 3),
        _row(1, 3),
    ],
    4,
)

T2_2019 = (
    [
        _row(5),
        _row(1, 1, 2, 1),
        _row(1, 1, 2, 1),
        _row(1, 1, 2, 1),
        _row(5),
        _row(1, 1, 2, 1),
        _row(1, 1, 2, 1),
        _row(1, 1, 2, 1),
        _row(5),
        _row(1, 1, 2, 1),
        _row(1, 1, 2, 1),
        _row(1, 1, 2, 1),
        _row(5),
        _row(1, 2, 2),
        _row(1, 2, 2),
        _row(5),
        _row(1, 2, 2),
        _row(1, 2, 2),
    ],
    5,
)


def t3_layout(fmt: str):
    v = [1] * 7
    rows = [
        _row((3, 3), (7, 1)),
        _row((1, 2), (5, 1), (1, 2)),
        _row(1, 1, 1, 1, 1),
        _row((3, 1), *v),
        _row((3, 1), *v),
    ]
    n_outcome = 22 if fmt == "2021" else 20
    rows.append(_row((1, n_outcome), (2, 1), *v))  # （一）予以公开
    rows.append(_row((2, 1), *v))  # （二）部分公开
    rows.append(_row((1, 8), 1, *v))  # （三）不予公开 1.
    rows += [_row(1, *v) for _ in range(7)]  #            2.–8.
    rows.append(_row((1, 3), 1, *v))  # （四）无法提供 1.
    rows += [_row(1, *v) for _ in range(2)]
    rows.append(_row((1, 5), 1, *v))  # （五）不予处理 1.
    rows += [_row(1, *v) for _ in range(4)]
    if fmt == "2021":
        rows.append(_row((1, 3), 1, *v))  # （六）其他处理 1.
        rows += [_row(1, *v) for _ in range(2)]
    else:
        rows.append(_row((2, 1), *v))  # （六）其他处理 (2019: one row)
    rows.append(_row((2, 1), *v))  # （七）总计
    rows.append(_row((3, 1), *v))  # 四、结转下年度继续办理
    return rows, 10


def t4_layout(data_cells: int = 15):
    return (
        [
            _row((5, 1), (10, 1)),
            _row((1, 2), (1, 2), (1, 2), (1, 2), (1, 2), (5, 1), (5, 1)),
            _row(*[1] * 10),
            _row(*[1] * data_cells),
        ],
        15,
    )


def pipe_tokens(lines: list[str]) -> list[list[str]]:
    """Cells of a table rendered as 'text |' segments (one or many per line).

    Every '|' ends a cell; empty segments are blank cells or the padding the
    renderer wrote for spanned grid positions at the end of a row."""
    text = "\n".join(lines)
    pieces = text.split("|")
    segs = [p.strip() for p in pieces[:-1]]
    if pieces[-1].strip():
        segs.append(pieces[-1].strip())
    return [[s] for s in segs]


def block_tokens(lines: list[str]) -> list[list[str]]:
    """Cells of a table rendered one cell per line, cells separated by empty lines.

    Lines inside one block were line breaks inside the cell (kept as <br />)."""
    blocks, cur = [], []
    for line in lines:
        if line == "":
            if cur:
                blocks.append(["\n".join(cur)])
                cur = []
        else:
            cur.append(line)
    if cur:
        blocks.append(["\n".join(cur)])
    return blocks


def merge_tokens(tokens: list[list[str]], pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Join two consecutive blocks into one cell of two paragraphs (e.g. 商业 / 企业)."""
    out: list[list[str]] = []
    i = 0
    while i < len(tokens):
        if i + 1 < len(tokens) and (tokens[i][0], tokens[i + 1][0]) in pairs:
            out.append(tokens[i] + tokens[i + 1])
            i += 2
        else:
            out.append(tokens[i])
            i += 1
    return out


def fill_layout(layout, width: int, tokens: list[list[str]], pads: bool, name: str):
    rows, i = [], 0
    for n, spec in enumerate(layout):
        cells = []
        for cs, rs in spec:
            if i >= len(tokens):
                raise ValueError(f"{name}: ran out of cells in row {n}")
            cells.append((tokens[i], cs, rs))
            i += 1
        rows.append(cells)
        if pads:
            for _ in range(width - len(spec)):
                if i >= len(tokens):
                    break  # the renderer leaves out the padding after the last row
                if any(p.strip() for p in tokens[i]):
                    raise ValueError(f"{name}: expected padding after row {n}, got {tokens[i]!r}")
                i += 1
    if i != len(tokens):
        raise ValueError(f"{name}: {len(tokens) - i} cells left over: {tokens[i : i + 5]!r}")
    return rows


_NUMERIC = re.compile(r"^[+\-]?\d[\d,.]*(万元|元)?$")


def render_table(rows) -> str:
    out = [
        '<table align="center" border="1" cellspacing="0" cellpadding="0" '
        'style="border-collapse:collapse;"><tbody>'
    ]
    for cells in rows:
        out.append("<tr>")
        for paras, cs, rs in cells:
            attrs = ""
            if cs > 1:
                attrs += f' colspan="{cs}"'
            if rs > 1:
                attrs += f' rowspan="{rs}"'
            ps = []
            for p in paras:
                t = p.strip(" ")
                if t.strip(NBSP) == "":
                    ps.append('<p align="center">&nbsp;</p>')
                    continue
                body = esc(p).replace("\n", "<br />")
                if _NUMERIC.match(t.strip(NBSP)) or len(t) <= 10:
                    ps.append(f'<p align="center">{body}</p>')
                else:
                    ps.append(f"<p>{body}</p>")
            out.append(f'<td{attrs} nowrap="nowrap">{"".join(ps)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def report_blocks(
    lines: list[str], fmt: str, style: str, name: str, t3_merges=(), t4_cells: int = 15
) -> list[tuple[str, list]]:
    """The report as blocks: ("paragraphs", lines) and ("table", rows), with the three
    standard tables rebuilt between their section headings."""

    def find(prefix, start=0):
        for k in range(start, len(lines)):
            if lines[k].strip(" " + NBSP).startswith(prefix):
                return k
        raise ValueError(f"{name}: heading {prefix!r} not found")

    h2 = find("二、主动公开政府信息情况")
    h3 = find("三、收到和处理政府信息公开申请情况", h2)
    h4 = find("四、政府信息公开行政复议", h3)
    h5 = find("五、", h4)
    tok = pipe_tokens if style == "pipe" else block_tokens
    pads = style == "pipe"
    t2 = tok(lines[h2 + 1 : h3])
    t3 = merge_tokens(tok(lines[h3 + 1 : h4]), list(t3_merges))
    t4 = tok(lines[h4 + 1 : h5])
    t2_layout = T2_2021 if fmt == "2021" else T2_2019
    return [
        ("paragraphs", lines[: h2 + 1]),
        ("table", fill_layout(*t2_layout, t2, pads, f"{name} table 2")),
        ("paragraphs", [lines[h3]]),
        ("table", fill_layout(*t3_layout(fmt), t3, pads, f"{name} table 3")),
        ("paragraphs", [lines[h4]]),
        ("table", fill_layout(*t4_layout(t4_cells), t4, pads, f"{name} table 4")),
        ("paragraphs", lines[h5:]),
    ]


def body_with_tables(
    lines: list[str], fmt: str, style: str, name: str, t3_merges=(), t4_cells: int = 15
) -> str:
    """Paragraphs, with the three standard tables rebuilt between their section headings."""
    blocks = report_blocks(lines, fmt, style, name, t3_merges, t4_cells)
    return "\n".join(
        paragraphs_html(content) if kind == "paragraphs" else render_table(content)
        for kind, content in blocks
    )


# --------------------------------------------------------------------------
# a Word document (.docx) from the same blocks, with the standard library only
# --------------------------------------------------------------------------

WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entry dates: building twice gives the same bytes


def _docx_paragraph(text: str) -> str:
    if not text.strip(" " + NBSP):
        return "<w:p/>"
    return f'<w:p><w:r><w:t xml:space="preserve">{html.escape(text, quote=False)}</w:t></w:r></w:p>'


def _docx_table(rows) -> str:
    """A table with ruled borders; rowspans become vMerge, colspans gridSpan.

    Word needs a cell for every grid position: the positions a rowspan covers in the
    rows below get a <w:vMerge/> continuation cell (python-docx then sees one cell)."""
    width = max(sum(cs for _, cs, _ in row) for row in rows)
    covered: dict[tuple[int, int], int] = {}  # (row, column) -> colspan of the cell above
    borders = "".join(
        f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    out = [f"<w:tbl><w:tblPr><w:tblBorders>{borders}</w:tblBorders></w:tblPr><w:tblGrid>"]
    out.append("<w:gridCol/>" * width + "</w:tblGrid>")
    for r, cells in enumerate(rows):
        out.append("<w:tr>")
        column, pending = 0, list(cells)
        while column < width:
            span = covered.get((r, column))
            if span is None and not pending:
                break
            if span is not None:
                grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
                out.append(f"<w:tc><w:tcPr>{grid}<w:vMerge/></w:tcPr><w:p/></w:tc>")
                column += span
                continue
            paras, cs, rs = pending.pop(0)
            props = f'<w:gridSpan w:val="{cs}"/>' if cs > 1 else ""
            if rs > 1:
                props += '<w:vMerge w:val="restart"/>'
                for below in range(1, rs):
                    covered[(r + below, column)] = cs
            text = "".join(_docx_paragraph(p.strip(" ").replace("\n", " ")) for p in paras)
            out.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{text or '<w:p/>'}</w:tc>")
            column += cs
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def docx_bytes(title: str, blocks: list[tuple[str, list]]) -> bytes:
    """A minimal .docx (content types, relationships, document, core properties)."""
    body = [_docx_paragraph(title)]
    for kind, content in blocks:
        if kind == "paragraphs":
            body += [_docx_paragraph(line.rstrip(" ")) for line in content if line != ""]
        else:
            body.append(_docx_table(content))
    xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    parts = {
        "[Content_Types].xml": xml
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>",
        "_rels/.rels": xml
        + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>",
        "docProps/core.xml": xml
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{html.escape(title, quote=False)}</dc:title></cp:coreProperties>",
        "word/document.xml": xml
        + f'<w:document xmlns:w="{WORD_NS}"><w:body>{"".join(body)}<w:sectPr/></w:body></w:document>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            entry = zipfile.ZipInfo(name, DOCX_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, text.encode("utf-8"))
    return buffer.getvalue()


# --------------------------------------------------------------------------
# the reports
# --------------------------------------------------------------------------


@dataclass
class Page:
    """One article page of a site (report or not)."""

    site: str  # trs | hanweb | plain | trsapi | gkmlpt
    path: str  # URL path below the portal root, e.g. trs/zwgk/zfxxgknb/202402/x.html
    title: str
    body: str  # HTML inside the body container
    source: str  # what it was built from (for the comment and README)
    kind: str = "report"  # report | nonreport | pdf | docx | scanned (the last three: wrappers)
    list_date: str | None = None  # date shown in the column list
    pubdate: str | None = None  # PubDate meta and toolbar date
    content_source: str = ""  # 来源 / 信息来源
    title_made: bool = False
    footer: list[str] | None = None  # site footer lines replacing the default (chrome)
    editor: str | None = None  # 责任编辑 (TRS chrome)
    attachment: tuple[str, str] | None = None  # (href, text) of a 附件 link
    container: str = "default"  # plain site: "default" (.article-content) or "none"
    charset: str | None = "gb2312"  # plain site only: declared charset, None = no declaration
    notes: list[str] = field(default_factory=list)  # README remarks
    # A file the page attaches that the portal holds: (path below the portal root, bytes).
    attached_file: tuple[str, bytes] | None = None


def seed_lines(fixtures: Path, stem: str) -> list[str]:
    return (fixtures / "seeds" / f"{stem}.txt").read_text(encoding="utf-8").split("\n")


def expect(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


def report_000(fixtures: Path) -> Page:
    stem = "000_ee48f4fde292f35b"
    lines = seed_lines(fixtures, stem)
    expect(lines[0] == "靖宇县2019年政府信息公开工作年度报告", f"{stem}: title line")
    body = body_with_tables(lines[1:], "2019", "pipe", stem)
    return Page(
        site="plain",
        path=f"plain/xxgk/ndbg/{stem}.html",
        title=lines[0],
        body=body,
        source=f"seeds/{stem}.txt",
        content_source="靖宇县人民政府",
        charset=None,
        notes=[
            "2019-format tables; the seed's header labels are cut at their line "
            "breaks (本年新 / 本年新) and are kept as the seed shows them",
            "no date anywhere on the page or in the list: the document has none",
            "served GBK-encoded with NO charset declaration at all (neither meta nor header)",
        ],
    )


def report_001(fixtures: Path) -> Page:
    stem = "001_594938079f36f576"
    lines = seed_lines(fixtures, stem)
    k = next(i for i, line in enumerate(lines) if line.startswith("主办:"))
    footer = lines[k:]
    expect(len(footer) == 2 and "香港免费公开资料大全" in footer[0], f"{stem}: footer")
    body = body_with_tables(lines[:k], "2021", "pipe", stem)
    return Page(
        site="plain",
        path=f"plain/xxgk/ndbg/{stem}.html",
        title="东丽区2022年政府信息公开工作年度报告",
        title_made=True,
        body=body,
        source=f"seeds/{stem}.txt",
        content_source="东丽区人民政府",
        footer=footer,
        container="none",
        notes=[
            "the title is MADE: the seed has no title line (ArticleTitle and <title> "
            "use the made title; the body starts, as in the seed, with 本政府信息公开工作年度报告…)",
            "the seed's footer, with its injected spam (香港免费公开资料大全), is kept as "
            "this page's site footer (chrome)",
            "no date anywhere on the page or in the list: the document has none",
            "NO known body container: the report sits in plain nested <div>s next to a "
            "sidebar, to exercise a general extraction method",
            'GBK with <meta charset="gb2312">; the footer\'s © is outside GBK and is '
            "written as &#169;",
            "table 4 header labels are cut at their line breaks in the seed (结果 / 其他 / "
            "尚未) and are kept as the seed shows them; 商业 企业 keeps the seed's space",
        ],
    )


def report_002(fixtures: Path) -> Page:
    """Published as a Word attachment of a gkmlpt article page."""
    stem = "002_56f09fd46df237b3"
    lines = seed_lines(fixtures, stem)
    k = lines.index("2023年1月12日") + 1
    footer = lines[k:]
    expect(len(footer) == 3 and footer[0].startswith("主办:"), f"{stem}: footer")
    title = "鄂伦春自治旗诺敏镇人民政府2022年政府信息公开工作年度报告"
    document = docx_bytes(title, report_blocks(lines[:k], "2021", "pipe", stem))
    docx_path = f"{GKMLPT_ATTACHMENTS}/419004/{stem}.docx"
    return Page(
        site="gkmlpt",
        kind="docx",
        path=gkmlpt_post_path(4190004),
        title=title,
        title_made=True,
        body=made([f"{title}全文见附件。"]),
        source=f"seeds/{stem}.txt (as a .docx attachment)",
        list_date="2023-01-12",
        pubdate="2023-01-12 16:20",
        content_source="诺敏镇人民政府",
        attachment=(f"/{docx_path}", f"{title}.docx"),
        attached_file=(docx_path, document),
        notes=[
            f"the report is the Word file /{docx_path}, built from the seed text: one "
            "paragraph per seed line, the three tables as Word tables (merged cells as "
            "gridSpan/vMerge); the page itself only links it (made)",
            "the title is MADE: the seed has no title line; it is the document's first "
            "paragraph and its core-properties title",
            "the seed's own footer lines (site chrome of the original page) are left out",
            "the only date of the document is the report's own signature date 2023年1月12日",
        ],
    )


def report_003(fixtures: Path) -> Page:
    stem = "003_ff39032f2697628d"
    lines = seed_lines(fixtures, stem)
    expect(lines[0] == "2016年度株洲云龙示范区政府信息公开工作年度报告", f"{stem}: title")
    m = re.match(r"发布时间:(\d{4}-\d{2}-\d{2} \d{2}:\d{2})浏览次数:字体:\[ \]$", lines[2])
    expect(bool(m), f"{stem}: date line")
    return Page(
        site="hanweb",
        path=f"hanweb/art/2017/3/15/{stem}.html",
        title=lines[0],
        body=paragraphs_html(lines[3:]),
        source=f"seeds/{stem}.txt",
        list_date="2017-03-15",
        pubdate=m.group(1),
        content_source="株洲云龙示范区管委会",
        notes=[
            "pre-2019 free-form report without standard tables",
            "the seed's 发布时间:2017-03-15 14:41 line is the PubDate meta and the toolbar date",
        ],
    )


def report_004(fixtures: Path) -> Page:
    stem = "004_c88faac3643766a2"
    lines = seed_lines(fixtures, stem)
    title = "定西市通渭县人民政府2023年政府信息公开工作年度报告"
    t = lines.index(title)
    d = next(i for i, line in enumerate(lines) if line.startswith("发布时间:"))
    m = re.match(r"发布时间:(\d{4}-\d{2}-\d{2} \d{2}:\d{2})", lines[d])
    expect(bool(m) and d > t, f"{stem}: date line")
    end = next(i for i, line in enumerate(lines) if "解读链接:" in line) + 1
    chrome_after = [line.strip(" " + NBSP) for line in lines[end:] if line.strip(" " + NBSP)]
    expect(
        chrome_after[0].startswith("责任编辑:通渭县管理员") and chrome_after[1] == "分享到:",
        f"{stem}: trailing chrome",
    )
    body = body_with_tables(
        lines[d + 1 : end],
        "2021",
        "blocks",
        stem,
        t3_merges=[("商业", "企业"), ("科研", "机构"), (NBSP, "0")],
        t4_cells=9,
    )
    return Page(
        site="trs",
        path=f"trs/zwgk/zfxxgknb/202402/{stem}.html",
        title=title,
        body=body,
        source=f"seeds/{stem}.txt",
        list_date="2024-02-09",
        pubdate=m.group(1),
        content_source="通渭县人民政府办公室",
        editor="通渭县管理员",
        attachment=(
            "./huaian-city-2024.pdf",
            "附件：淮安市人民政府2024年政府信息公开工作年度报告.pdf",
        ),
        notes=[
            "the seed's 发布时间:2024-02-09 17:14 is the PubDate meta and the toolbar date; "
            "its 当前位置, 字号, 视力保护色, 责任编辑:通渭县管理员, 分享到, 打印本页/关闭窗口 "
            "lines are re-created by the TRS template",
            "table 4 is incomplete in the seed: its data row keeps exactly the 9 value "
            "cells the seed has (no values invented)",
            "table 3: the seed's separate blocks 商业/企业 and 科研/机构 are one header cell "
            "each (two <p>); in the two （六） sub-rows 1. and 2. the seed shows a blank "
            "block before the 总计 0, kept as <p>&nbsp;</p><p>0</p> in the 总计 cell",
            "an attachment link (附件) below the body points to a copy of the real "
            "corpus/huaian-city-2024.pdf (a different body's report; the link is made)",
        ],
    )


def report_shanghai(fixtures: Path) -> Page:
    fragment = (fixtures / "corpus" / "shanghai-bgt-2019.html").read_text(encoding="utf-8").strip()
    expect("发布日期：2020-01-31" in fragment, "shanghai: date")
    return Page(
        site="trsapi",
        path="trsapi-site/zwgk/zfxxgknb/202001/shanghai-bgt-2019.html",
        title="2019年上海市人民政府办公厅政府信息公开工作年度报告",
        body=fragment,
        source="corpus/shanghai-bgt-2019.html",
        list_date="2020-01-31",
        pubdate="2020-01-31",
        content_source="上海市人民政府办公厅",
        notes=[
            "the real article-body fragment is inserted verbatim (its own title and "
            "发布日期：2020-01-31 paragraphs included)",
            "listed on page 3 of the TRS-API column: only the API lists it, the HTML "
            "column page shows page 1",
        ],
    )


# --------------------------------------------------------------------------
# made-up items (not reports)
# --------------------------------------------------------------------------


def made(title_paras: list[str]) -> str:
    return "\n".join(f"<p>{esc(p)}</p>" for p in title_paras)


def nonreports() -> list[Page]:
    pages = []
    pages.append(
        Page(
            site="trs",
            kind="nonreport",
            path="trs/zwgk/zfxxgknb/202403/t20240315_1004.html",
            title="演示市2024年政务公开工作要点",
            list_date="2024-03-15",
            pubdate="2024-03-15 10:02",
            content_source="演示市人民政府办公室",
            source="nothing (made up)",
            body=made(
                [
                    "各县（区）人民政府，市政府各部门：",
                    "为深入贯彻落实国家和省关于全面推进政务公开的决策部署，现将《演示市2024年政务公开工作要点》印发给你们，请结合实际认真抓好落实。",
                    "一、围绕推动高质量发展加强政务公开。及时公开经济运行、稳增长政策措施及落实情况。",
                    "二、围绕保障改善民生加强政务公开。做好就业、教育、医疗、养老等领域信息公开。",
                    "三、持续夯实政务公开工作基础。规范编制和发布政府信息公开工作年度报告，于2025年1月31日前向社会公布。",
                    "演示市人民政府办公室",
                    "2024年3月15日",
                ]
            ),
        )
    )
    pages.append(
        Page(
            site="trs",
            kind="nonreport",
            path="trs/zwgk/zfxxgknb/202401/t20240125_1003.html",
            title="演示市2023年法治政府建设年度报告",
            list_date="2024-01-25",
            pubdate="2024-01-25 16:30",
            content_source="演示市司法局",
            source="nothing (made up)",
            body=made(
                [
                    "2023年，演示市坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，扎实推进法治政府建设。现将有关情况报告如下。",
                    "一、主要举措和成效。全年制定行政规范性文件12件，开展合法性审核46件，办理行政复议案件37件。",
                    "二、存在的不足和原因。行政执法规范化水平有待进一步提高。",
                    "三、2024年工作打算。持续深化“放管服”改革，推进严格规范公正文明执法。",
                ]
            ),
        )
    )
    pages.append(
        Page(
            site="trs",
            kind="nonreport",
            path="trs/zwgk/zfxxgknb/202312/t20231220_1002.html",
            title="关于做好2023年政府信息公开工作年度报告编制工作的通知",
            list_date="2023-12-20",
            pubdate="2023-12-20 09:15",
            content_source="演示市人民政府办公室",
            source="nothing (made up)",
            body=made(
                [
                    "各县（区）人民政府，市政府各部门：",
                    "根据《中华人民共和国政府信息公开条例》规定，各级行政机关应当在每年1月31日前向社会公布本行政机关上一年度政府信息公开工作年度报告。现就做好2023年政府信息公开工作年度报告编制工作通知如下：",
                    "一、严格按照国办公开办函〔2021〕30号规定的格式编制，表格数据应当准确、完整，勾稽关系正确。",
                    "二、年度报告应于2024年1月31日前在本单位门户网站“政府信息公开年报”栏目发布。",
                    "演示市人民政府办公室",
                    "2023年12月20日",
                ]
            ),
        )
    )
    pages.append(
        Page(
            site="hanweb",
            kind="nonreport",
            path="hanweb/art/2023/3/20/art_2150_1003.html",
            title="样例县2023年部门预算公开",
            list_date="2023-03-20",
            pubdate="2023-03-20 11:20",
            content_source="样例县财政局",
            source="nothing (made up)",
            body=made(
                [
                    "根据《中华人民共和国预算法》等有关规定，现将样例县2023年部门预算公开如下：",
                    "一、收支预算总体情况。2023年收入预算总计8620.35万元，支出预算总计8620.35万元。",
                    "二、“三公”经费预算情况。2023年“三公”经费预算安排36.5万元，比上年减少2.1万元。",
                ]
            )
            + "\n"
            + render_table(
                [
                    [(["项目"], 1, 1), (["2023年预算数（万元）"], 1, 1)],
                    [(["一般公共预算拨款"], 1, 1), (["7980.12"], 1, 1)],
                    [(["政府性基金预算拨款"], 1, 1), (["640.23"], 1, 1)],
                    [(["合计"], 1, 1), (["8620.35"], 1, 1)],
                ]
            ),
        )
    )
    pages.append(
        Page(
            site="hanweb",
            kind="nonreport",
            path="hanweb/art/2023/2/28/art_2150_1002.html",
            title="样例县2022年法治政府建设年度报告",
            list_date="2023-02-28",
            pubdate="2023-02-28 15:45",
            content_source="样例县司法局",
            source="nothing (made up)",
            body=made(
                [
                    "2022年，样例县深入贯彻落实《法治政府建设实施纲要（2021—2025年）》，各项工作取得新进展。",
                    "一、推进依法行政。全年审查县政府规范性文件8件，办理行政应诉案件15件。",
                    "二、下一步工作安排。进一步加强行政执法队伍建设。",
                ]
            ),
        )
    )
    pages.append(
        Page(
            site="hanweb",
            kind="nonreport",
            path="hanweb/art/2017/1/5/art_2150_1001.html",
            title="关于做好2016年政府信息公开工作年度报告编制工作的通知",
            list_date="2017-01-05",
            pubdate="2017-01-05 08:50",
            content_source="样例县人民政府办公室",
            source="nothing (made up)",
            body=made(
                [
                    "各乡镇人民政府，县直各单位：",
                    "按照《中华人民共和国政府信息公开条例》要求，请各单位于2017年3月31日前完成本单位2016年政府信息公开工作年度报告的编制和发布工作。",
                    "样例县人民政府办公室",
                    "2017年1月5日",
                ]
            ),
        )
    )
    pages.append(
        Page(
            site="plain",
            kind="nonreport",
            path="plain/xxgk/ndbg/gkgzyd2024.html",
            title="示例镇2024年政务公开工作要点",
            list_date="2024-03-01",
            content_source="示例镇人民政府",
            source="nothing (made up)",
            body=made(
                [
                    "为进一步做好2024年政务公开工作，结合我镇实际，制定本工作要点。",
                    "一、加强政策发布解读。二、深化重点领域信息公开。三、规范依申请公开办理。",
                ]
            ),
        )
    )
    pages.append(
        Page(
            site="plain",
            kind="nonreport",
            path="plain/xxgk/ndbg/fzzf2023.html",
            title="示例镇2023年法治政府建设年度报告",
            list_date="2024-01-20",
            content_source="示例镇人民政府",
            source="nothing (made up)",
            body=made(
                [
                    "2023年，示例镇认真贯彻落实上级关于法治政府建设的各项部署，现将有关情况报告如下。",
                    "全年开展普法宣传活动18次，调处矛盾纠纷52起。",
                ]
            ),
        )
    )
    pages.append(
        Page(
            site="plain",
            kind="nonreport",
            path="plain/xxgk/ndbg/bmys2023.html",
            title="示例镇2023年部门预算公开",
            list_date="2023-02-15",
            content_source="示例镇人民政府",
            source="nothing (made up)",
            body=made(
                [
                    "现将示例镇2023年部门预算公开如下：2023年收支预算总计1236.8万元。",
                ]
            ),
        )
    )
    return pages


# Kinds of made items that fill a column besides its reports: (title, date, source,
# text). {year}/{next} are the year the item is about and the year after.
_ITEM_KINDS = {
    "fzzf": (
        "{site}{year}年法治政府建设年度报告",
        "{next}-02-{day}",
        "{site}司法局",
        "{year}年，{site}坚持依法行政，全年审查规范性文件{n}件，办理行政复议案件{m}件。",
    ),
    "ys": (
        "{site}{year}年部门预算公开",
        "{year}-03-{day}",
        "{site}财政局",
        "现将{site}{year}年部门预算公开如下：收支预算总计{n}{m}.5万元。",
    ),
    "js": (
        "{site}{year}年部门决算公开",
        "{next}-08-{day}",
        "{site}财政局",
        "现将{site}{year}年部门决算公开如下：本年收入合计{n}{m}.2万元。",
    ),
    "yd": (
        "{site}{year}年政务公开工作要点",
        "{year}-04-{day}",
        "{site}人民政府办公室",
        "为做好{year}年政务公开工作，结合实际，制定本工作要点。",
    ),
    "tz": (
        "关于做好{year}年政府信息公开工作年度报告编制工作的通知",
        "{year}-12-{day}",
        "{site}人民政府办公室",
        "请各单位于{next}年1月31日前完成{year}年政府信息公开工作年度报告的编制和发布。",
    ),
}


def made_item(site: str, short_name: str, kind: str, year: int, path_of) -> Page:
    """A made non-report item of the given kind and year; path_of(date, number) -> path."""
    title, date, source, text = _ITEM_KINDS[kind]
    values = dict(site=short_name, year=year, next=year + 1, day=f"{10 + year % 9:02d}")
    values.update(n=year % 7 + 5, m=year % 5 + 11)
    date = date.format(**values)
    return Page(
        site=site,
        kind="nonreport",
        path=path_of(date, year * 10 + list(_ITEM_KINDS).index(kind)),
        title=title.format(**values),
        list_date=date,
        pubdate=f"{date} 09:30",
        content_source=source.format(**values),
        source="nothing (made up)",
        body=made([text.format(**values)]),
    )


def hanweb_path(date: str, number: int) -> str:
    y, m, d = (int(part) for part in date.split("-"))
    return f"hanweb/art/{y}/{m}/{d}/art_2150_{number}.html"


def hanweb_filler() -> list[Page]:
    """The rest of the Hanweb column: enough items for three screens of 15 (not reports)."""
    plan = [("fzzf", range(2015, 2022)), ("ys", range(2016, 2023)), ("js", range(2015, 2023))]
    plan += [("yd", range(2017, 2025)), ("tz", range(2017, 2023))]
    return [
        made_item("hanweb", "样例县", kind, year, hanweb_path)
        for kind, years in plan
        for year in years
    ]


def trsapi_path(date: str, number: int) -> str:
    compact = date.replace("-", "")
    return f"trsapi-site/zwgk/zfxxgknb/{compact[:6]}/t{compact}_{number}.html"


def trsapi_items() -> list[Page]:
    plan = [("yd", 2024), ("fzzf", 2023), ("tz", 2023), ("js", 2022), ("ys", 2023), ("fzzf", 2022)]
    return [made_item("trsapi", "范例区", kind, year, trsapi_path) for kind, year in plan]


GKMLPT_ROOT = "gkmlpt-site/gkmlpt"
GKMLPT_ATTACHMENTS = "gkmlpt-site/attachment/0/419"


def gkmlpt_post_path(post_id: int) -> str:
    """Where gkmlpt puts an article: /gkmlpt/content/4/4190/post_4190004.html."""
    return f"{GKMLPT_ROOT}/content/{post_id // 1000000}/{post_id // 1000}/post_{post_id}.html"


def gkmlpt_items() -> list[Page]:
    plan = [(4190005, "fzzf", 2023), (4190002, "tz", 2022), (4190001, "yd", 2022)]
    return [
        made_item("gkmlpt", "样板市", kind, year, lambda _date, _n, i=post_id: gkmlpt_post_path(i))
        for post_id, kind, year in plan
    ]


def scanned_pdf_page(project: Path) -> Page:
    """A page whose report is a scan (no text layer): to be recorded, not parsed."""
    scan = project / "tests" / "fixtures" / "attachments" / "made-scanned-2-pages.pdf"
    pdf_path = f"{GKMLPT_ATTACHMENTS}/419003/4190003.pdf"
    title = "淮安市人民政府2024年政府信息公开工作年度报告（扫描件）"
    return Page(
        site="gkmlpt",
        kind="scanned",
        path=gkmlpt_post_path(4190003),
        title=title,
        body=made(["本报告为扫描件，详见附件。"]),
        source="tests/fixtures/attachments/made-scanned-2-pages.pdf (attached)",
        list_date="2025-01-20",
        pubdate="2025-01-20 10:00",
        content_source="样板市人民政府办公室",
        attachment=(f"/{pdf_path}", f"{title}.pdf"),
        attached_file=(pdf_path, scan.read_bytes()),
        notes=[
            "the page and its title are MADE; the attached PDF is the made fixture "
            "made-scanned-2-pages.pdf: two image-only pages rendered from page 1 of the "
            "real corpus/huaian-city-2024.pdf, no text layer (a crawler records it as "
            "scanned and does not parse it)",
        ],
    )


def pdf_embed_page() -> Page:
    iframe = (
        '<iframe src="/trs/pdfjs/web/viewer.html?file=/trs/zwgk/zfxxgknb/202403/hongze-district-2023.pdf" '
        'width="100%" height="900" frameborder="0"></iframe>'
    )
    return Page(
        site="trs",
        kind="pdf",
        path="trs/zwgk/zfxxgknb/202403/t20240301_1005.html",
        title="洪泽区人民政府2023年政府信息公开工作年度报告",
        list_date="2024-03-01",
        pubdate="2024-03-01 09:30",
        content_source="洪泽区人民政府办公室",
        source="corpus/hongze-district-2023.pdf (embedded, not converted)",
        body=f'<p style="text-align:center;">{iframe}</p>',
        notes=[
            "the page (title, date 2024-03-01 09:30, URL) is MADE; it only embeds a copy of the real "
            "corpus/hongze-district-2023.pdf through the pdf.js viewer stub; the PDF itself states "
            "no date (the page date is not the document's)"
        ],
    )


# --------------------------------------------------------------------------
# site templates
# --------------------------------------------------------------------------

TRS_SITE = dict(
    name="演示市人民政府",
    idcode="6200000001",
    host="演示市人民政府办公室",
    operator="演示市大数据管理中心",
    icp="甘ICP备00000001号-1",
    police="甘公网安备 62000002000001号",
)
HANWEB_SITE = dict(
    name="样例县人民政府",
    idcode="4302000002",
    host="样例县人民政府办公室",
    operator="样例县政务服务中心",
    icp="湘ICP备00000002号",
    police="湘公网安备 43000002000002号",
)
PLAIN_SITE = dict(
    name="示例镇人民政府",
    idcode="1500000003",
    host="示例镇人民政府",
    operator="示例镇党政综合办公室",
    icp="蒙ICP备00000003号-1",
    police="蒙公网安备 15000002000003号",
)

TRSAPI_SITE = dict(
    name="范例区人民政府",
    idcode="3200000004",
    host="范例区人民政府办公室",
    operator="范例区大数据中心",
    icp="苏ICP备00000004号-1",
    police="苏公网安备 32000002000004号",
)
GKMLPT_SITE = dict(
    name="样板市人民政府",
    idcode="4400000005",
    host="样板市人民政府办公室",
    operator="样板市政务服务数据管理局",
    icp="粤ICP备00000005号",
    police="粤公网安备 44000002000005号",
    sid="760001",  # the gkmlpt site id its pages and API carry
    category=2,  # the catalogue category 政府信息公开年报
)
SITE_INFO = {
    "trs": TRS_SITE,
    "hanweb": HANWEB_SITE,
    "plain": PLAIN_SITE,
    "trsapi": TRSAPI_SITE,
    "gkmlpt": GKMLPT_SITE,
}

CSS = (
    '<style type="text/css">body{margin:0;font:14px/1.8 "Microsoft YaHei",SimSun,sans-serif;color:#333}'
    "a{color:#333;text-decoration:none}.w1200{width:1200px;margin:0 auto}"
    "table{border-collapse:collapse}</style>"
)


def rel_root(path: str) -> str:
    """'../' prefix from a page to its site root (trs/a/b/c.html -> ../../)."""
    depth = path.count("/") - 1
    return "../" * depth


def trs_head(title: str, metas: list[tuple[str, str]]) -> str:
    m = "\n".join(f'<meta name="{n}" content="{attr(v)}" />' for n, v in metas)
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge" />\n'
        f"<title>{esc(title)}</title>\n{m}\n{CSS}\n</head>\n"
    )


def trs_header(r: str, s: dict = TRS_SITE) -> str:
    return f"""<div class="top-bar"><div class="w1200">
<span class="date">今天是：<script type="text/javascript">document.write(new Date().toLocaleDateString());</script></span>
<span class="links"><a href="javascript:;">繁體</a> | <a href="javascript:;">无障碍</a> | <a href="javascript:;">长者模式</a> | <a href="javascript:;">English</a></span>
</div></div>
<div class="header w1200"><div class="logo"><a href="{r}index.html">{esc(s["name"])}</a></div>
<form name="searchform" action="#" class="search"><input type="text" name="searchword" placeholder="请输入关键字" /><input type="button" value="搜索" /></form></div>
<div class="nav"><ul class="w1200">
<li><a href="{r}index.html">首页</a></li>
<li><a href="{r}zwgk/index.html">政务公开</a></li>
<li><a href="javascript:;">政务服务</a></li>
<li><a href="javascript:;">互动交流</a></li>
<li><a href="javascript:;">走进演示</a></li>
</ul></div>
"""


def site_footer(site: dict, r: str, lines: list[str] | None = None) -> str:
    if lines is not None:
        ps = "\n".join(f"<p>{esc(line)}</p>" for line in lines)
        return f'<div class="footer"><div class="w1200">\n{ps}\n</div></div>\n'
    return f"""<div class="footer"><div class="w1200">
<p><a href="{r}index.html">网站首页</a> | <a href="javascript:;">站点地图</a> | <a href="javascript:;">联系我们</a> | <a href="javascript:;">网站声明</a> | <a href="javascript:;">政府网站找错</a></p>
<p>主办：{esc(site["host"])}　承办：{esc(site["operator"])}</p>
<p>网站标识码：{site["idcode"]}　<a href="javascript:;">{esc(site["icp"])}</a>　<a href="javascript:;">{esc(site["police"])}</a></p>
<p>建议使用1366×768分辨率 IE9.0以上版本浏览器浏览本站</p>
</div></div>
"""


TRS_PAGER_JS = r"""<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){
		return;
	}
	var nCurrIndex = _nCurrIndex || 0;
	document.write("共" + _nPageCount + "页&nbsp;");
	if(nCurrIndex == 0){
		document.write("首页&nbsp;上一页&nbsp;");
	}else{
		document.write("<a href=\"" + _sPageName + "." + _sPageExt + "\">首页</a>&nbsp;");
		if(nCurrIndex == 1)
			document.write("<a href=\"" + _sPageName + "." + _sPageExt + "\">上一页</a>&nbsp;");
		else
			document.write("<a href=\"" + _sPageName + "_" + (nCurrIndex-1) + "." + _sPageExt + "\">上一页</a>&nbsp;");
	}
	if(nCurrIndex == _nPageCount-1){
		document.write("下一页&nbsp;尾页");
	}else{
		document.write("<a href=\"" + _sPageName + "_" + (nCurrIndex+1) + "." + _sPageExt + "\">下一页</a>&nbsp;");
		document.write("<a href=\"" + _sPageName + "_" + (_nPageCount-1) + "." + _sPageExt + "\">尾页</a>");
	}
}
</script>"""


def trs_article(p: Page) -> str:
    s = SITE_INFO[p.site]
    r = rel_root(p.path)
    metas = [
        ("SiteName", s["name"]),
        ("SiteDomain", "127.0.0.1"),
        ("SiteIDCode", s["idcode"]),
        ("ColumnName", "政府信息公开年报"),
        ("ColumnType", "政府信息公开年报"),
        ("ArticleTitle", p.title),
    ]
    if p.pubdate:
        metas.append(("PubDate", p.pubdate))
    metas.append(("ContentSource", p.content_source))
    if p.kind == "report" or p.kind == "pdf":
        comment = fixture_comment(
            p.source,
            REPORT_COMMENT_REAL if p.kind == "report" else "the embedded PDF",
            REPORT_COMMENT_MADE
            if p.kind == "report"
            else "page, title, date, template, chrome, URLs",
        )
    else:
        comment = fixture_comment(
            p.source, "nothing", "everything (title, text, template, chrome, URLs)"
        )
    toolbar = []
    if p.pubdate:
        toolbar.append(f"发布时间：{esc(p.pubdate)}")
    toolbar.append(f"来源：{esc(p.content_source)}")
    toolbar.append('浏览次数：<span id="hits"></span>')
    toolbar.append(
        '字号：[<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> '
        '<a href="javascript:doZoom(14)">小</a>]'
    )
    toolbar.append('<a href="javascript:;" class="eyecare">视力保护色</a>')
    grid = ""
    if p.kind in ("report", "pdf"):
        date10 = (p.pubdate or "")[:10]
        grid = f"""<table class="xxgk-info" width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td class="t">索引号：</td><td>{s["idcode"]}/{date10[:4] or "0000"}-{zlib.crc32(p.path.encode()) % 100000:05d}</td><td class="t">主题分类：</td><td>政务公开</td></tr>
<tr><td class="t">发布机构：</td><td>{esc(p.content_source)}</td><td class="t">发布日期：</td><td>{esc(date10)}</td></tr>
<tr><td class="t">名　　称：</td><td colspan="3">{esc(p.title)}</td></tr>
</table>
"""
    att = ""
    if p.attachment:
        href, text = p.attachment
        att = f'<div class="fujian">\n<p><a href="{attr(href)}" target="_blank">{esc(text)}</a></p>\n</div>\n'
    editor = p.editor or "演示市政府办"
    return (
        comment
        + trs_head(f"{p.title}_政府信息公开年报_{s['name']}", metas)
        + "<body>\n"
        + trs_header(r, s)
        + f"""<div class="position w1200">当前位置：<a href="{r}index.html">首页</a>&nbsp;&gt;&nbsp;<a href="{r}zwgk/index.html">政务公开</a>&nbsp;&gt;&nbsp;<a href="../index.html">政府信息公开年报</a></div>
<div class="main w1200">
{grid}<div class="article-title"><h1>{esc(p.title)}</h1></div>
<div class="article-info">{"　".join(toolbar)}</div>
<div class="article-con" id="zhengwen">
<div class="TRS_Editor"><style type="text/css">
.TRS_Editor P{{margin-top:5px;margin-bottom:5px;line-height:2;font-family:宋体;font-size:12pt;}}.TRS_Editor TD{{font-size:10.5pt;}}
</style>
{p.body}
</div>
</div>
{att}<div class="article-tools">
<div class="editor">责任编辑：{esc(editor)}</div>
<div class="share">分享到：<a href="javascript:;" class="wx">微信</a> <a href="javascript:;" class="wb">微博</a> <a href="javascript:;" class="qzone">QQ空间</a></div>
<div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="qrcode"><div id="qrcode"></div><p>扫一扫在手机上查看当前页面</p></div>
</div>
"""
        + site_footer(s, r)
        + "</body>\n</html>\n"
    )


def trs_list(items: list[Page], page_no: int, n_pages: int) -> str:
    s = TRS_SITE
    r = "../../"
    rows = []
    for it in items:
        href = "./" + it.path.split("zfxxgknb/", 1)[1]
        rows.append(f"""<tr>
<td width="20"><span class="dot">·</span></td>
<td><a href="{href}" target="_blank" title="{attr(it.title)}">{esc(it.title)}</a></td>
<td width="100" align="right">{esc(it.list_date or "")}</td>
</tr>""")
    comment = fixture_comment(
        "nothing (made up; styled after corpus/ordos-engebei-column.html)",
        "nothing",
        "everything (list, titles, pager, template)",
    )
    return (
        comment
        + trs_head(
            f"政府信息公开年报_{s['name']}",
            [
                ("SiteName", s["name"]),
                ("SiteDomain", "127.0.0.1"),
                ("SiteIDCode", s["idcode"]),
                ("ColumnName", "政府信息公开年报"),
                ("ColumnType", "政府信息公开年报"),
            ],
        )
        + "<body>\n"
        + trs_header(r)
        + f"""<div class="main w1200">
<div class="left-nav">
<div class="lm-title">政府信息公开</div>
<ul>
<li><a href="../index.html#xxgkzn">政府信息公开指南</a></li>
<li><a href="../index.html#xxgkzd">政府信息公开制度</a></li>
<li><a href="../index.html#fdzdgknr">法定主动公开内容</a></li>
<li class="on"><a href="./index.html">政府信息公开年报</a></li>
<li><a href="../index.html#ysqgk">依申请公开</a></li>
</ul>
</div>
<div class="right-con">
<div class="position">您现在的位置是：<a href="{r}index.html" class="CurrChnlCls">首页</a>&nbsp;&gt;&gt;&nbsp;<a href="../index.html" class="CurrChnlCls">政务公开</a>&nbsp;&gt;&gt;&nbsp;<a href="./index.html" class="CurrChnlCls">政府信息公开年报</a></div>
<table width="100%" border="0" cellspacing="0" cellpadding="0" class="gl_list">
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<div class="page">
{TRS_PAGER_JS}
<script type="text/javascript">createPageHTML({n_pages}, {page_no}, "index", "html");</script>
</div>
</div>
</div>
"""
        + site_footer(s, r)
        + "</body>\n</html>\n"
    )


def trs_simple(title: str, r: str, inner: str, comment: str, s: dict = TRS_SITE) -> str:
    return (
        comment
        + trs_head(title, [("SiteName", s["name"]), ("SiteIDCode", s["idcode"])])
        + "<body>\n"
        + trs_header(r, s)
        + f'<div class="main w1200">\n{inner}\n</div>\n'
        + site_footer(s, r)
        + "</body>\n</html>\n"
    )


# ---- Hanweb ---------------------------------------------------------------

HANWEB_COL = "/hanweb/col/col2150/index.html"
HANWEB_ZWGK = "/hanweb/col/col2149/index.html"


def hanweb_head(title: str, metas: list[tuple[str, str]]) -> str:
    m = "\n".join(f'<meta name="{n}" content="{attr(v)}">' for n, v in metas)
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f"<title>{esc(title)}</title>\n{m}\n{CSS}\n</head>\n"
    )


def hanweb_header() -> str:
    s = HANWEB_SITE
    return f"""<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="top">
<tr><td class="logo"><a href="/hanweb/index.html">{esc(s["name"])}</a></td>
<td align="right"><a href="javascript:;">无障碍浏览</a> | <a href="javascript:;">繁体版</a> | <a href="javascript:;">手机版</a></td></tr>
</table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="nav">
<tr>
<td><a href="/hanweb/index.html">网站首页</a></td>
<td><a href="{HANWEB_ZWGK}">政务公开</a></td>
<td><a href="javascript:;">政务服务</a></td>
<td><a href="javascript:;">政民互动</a></td>
<td><a href="javascript:;">走进样例</a></td>
</tr>
</table>
"""


def hanweb_article(p: Page) -> str:
    s = HANWEB_SITE
    metas = [
        ("SiteName", s["name"]),
        ("SiteDomain", "127.0.0.1"),
        ("SiteIDCode", s["idcode"]),
        ("ColumnName", "政府信息公开年报"),
        ("ColumnType", "政府信息公开年报"),
        ("ArticleTitle", p.title),
    ]
    if p.pubdate:
        metas.append(("PubDate", p.pubdate))
    metas.append(("ContentSource", p.content_source))
    if p.kind == "report":
        made_what = REPORT_COMMENT_MADE + (", title" if p.title_made else "")
        comment = fixture_comment(p.source, REPORT_COMMENT_REAL, made_what)
    else:
        comment = fixture_comment(
            p.source, "nothing", "everything (title, text, template, chrome, URLs)"
        )
    info = []
    if p.pubdate:
        info.append(f"发布日期：{esc(p.pubdate)}")
    info.append(f"信息来源：{esc(p.content_source)}")
    info.append('浏览次数：<span id="hits"></span>')
    info.append(
        '字体：[ <a href="javascript:doZoom(20)">大</a> <a href="javascript:doZoom(16)">中</a> '
        '<a href="javascript:doZoom(12)">小</a> ]'
    )
    return (
        comment
        + hanweb_head(f"{s['name']} 政府信息公开年报 {p.title}", metas)
        + "<body>\n"
        + hanweb_header()
        + f"""<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="bt-position">
<tr><td>当前位置：<a href="/hanweb/index.html">首页</a> &gt; <a href="{HANWEB_ZWGK}">政务公开</a> &gt; <a href="{HANWEB_COL}">政府信息公开年报</a></td></tr>
</table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="article">
<tr><td class="title" align="center"><!--<$[标题名称]>begin-->{esc(p.title)}<!--<$[标题名称]>end--></td></tr>
<tr><td class="bt_info" align="center">{"&nbsp;&nbsp;&nbsp;".join(info)}</td></tr>
<tr><td class="bt_content">
<!--ZJEG_RSS.content.begin--><meta name="ContentStart">
<div id="zoom">
{p.body}
</div>
<meta name="ContentEnd"><!--ZJEG_RSS.content.end-->
</td></tr>
<tr><td align="right" class="bt_tools">【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭</a>】</td></tr>
</table>
"""
        + site_footer(s, "/hanweb/", p.footer)
        + "</body>\n</html>\n"
    )


def hanweb_record(p: Page) -> str:
    return (
        f'<li><a href="/{p.path}" title="{attr(p.title)}" target="_blank">{esc(p.title)}</a>'
        f"<span>{esc(p.list_date or '')}</span></li>"
    )


def hanweb_datastore(items: list[Page], total: int | None = None, nextgroup: bool = True) -> str:
    recs = "\n".join(f"<record><![CDATA[\n{hanweb_record(p)}\n]]></record>" for p in items)
    head = ""
    if total is not None:
        head = f"<totalrecord>{total}</totalrecord>\n"
    # Like some real JCMS pages, the nextgroup link names the column and unit only; the
    # rest of the proxy's form (path, webname, ...) is in the jpage call's ajaxParam.
    link = (
        '<nextgroup><![CDATA[<a href="/hanweb/module/web/jpage/dataproxy.jsp?page=1&webid=1'
        '&columnid=2150&unitid=8001"></a>]]></nextgroup>\n'
    )
    return f"<datastore>\n{link if nextgroup else ''}{head}<recordset>\n{recs}\n</recordset>\n</datastore>"


def hanweb_list(items: list[Page], total: int, per_screen: int) -> str:
    """The column page: its first screen embedded, the rest paged by jpage through the
    data proxy (no static pager: without JS only the first screen is there)."""
    s = HANWEB_SITE
    comment = fixture_comment(
        "nothing (made up; Hanweb JCMS column style)",
        "nothing",
        "everything (list, titles, datastore, jpage call, template)",
    )
    return (
        comment
        + hanweb_head(
            f"{s['name']} 政府信息公开年报",
            [
                ("SiteName", s["name"]),
                ("SiteDomain", "127.0.0.1"),
                ("SiteIDCode", s["idcode"]),
                ("ColumnName", "政府信息公开年报"),
                ("ColumnType", "政府信息公开年报"),
            ],
        )
        + "<body>\n"
        + hanweb_header()
        + f"""<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="bt-position">
<tr><td>当前位置：<a href="/hanweb/index.html">首页</a> &gt; <a href="{HANWEB_ZWGK}">政务公开</a> &gt; <a href="{HANWEB_COL}">政府信息公开年报</a></td></tr>
</table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td class="lm_name">政府信息公开年报</td></tr>
<tr><td>
<div class="bt-list"><ul>
<div id="8001"><script type="text/xml">
{hanweb_datastore(items)}
</script></div>
<script language="javascript" src="/hanweb/module/web/jpage/jpage.js"></script>
<script type="text/javascript">
$('#8001').jpage({{dataStore: dataStore, perPage: {per_screen}, totalRecord: {total}, groupSize: 3, proxyUrl: '/hanweb/module/web/jpage/dataproxy.jsp',
ajaxParam: {{col: 1, appid: 1, webid: 1, path: '/hanweb/', columnid: 2150, sourceContentType: 1, unitid: '8001', webname: '{s["name"]}', permissiontype: 0}}}});
</script>
</ul></div>
</td></tr>
</table>
"""
        + site_footer(s, "/hanweb/")
        + "</body>\n</html>\n"
    )


def hanweb_simple(title: str, inner: str, comment: str) -> str:
    s = HANWEB_SITE
    return (
        comment
        + hanweb_head(title, [("SiteName", s["name"]), ("SiteIDCode", s["idcode"])])
        + "<body>\n"
        + hanweb_header()
        + f'<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0"><tr><td>\n{inner}\n</td></tr></table>\n'
        + site_footer(s, "/hanweb/")
        + "</body>\n</html>\n"
    )


# ---- plain (GBK) ------------------------------------------------------------


def plain_head(title: str, charset: str | None, extra_meta: list[tuple[str, str]] = ()) -> str:
    cs = f'<meta charset="{charset}">\n' if charset else ""
    m = "".join(f'<meta name="{n}" content="{attr(v)}">\n' for n, v in extra_meta)
    return f"<!DOCTYPE html>\n<html>\n<head>\n{cs}<title>{esc(title)}</title>\n{m}{CSS}\n</head>\n"


def plain_header() -> str:
    s = PLAIN_SITE
    return f"""<div class="header"><div class="w1200"><h1 class="site-name">{esc(s["name"])}</h1></div></div>
<div class="menu"><div class="w1200">
<a href="/plain/index.html">首页</a>
<a href="/plain/xxgk/index.html">政务公开</a>
<a href="/plain/xxgk/ndbg/list.html">年度报告</a>
<a href="javascript:;">办事服务</a>
<a href="javascript:;">互动交流</a>
</div></div>
"""


def plain_article(p: Page) -> str:
    s = PLAIN_SITE
    if p.kind == "report":
        made_what = REPORT_COMMENT_MADE + (", title" if p.title_made else "")
        comment = fixture_comment(p.source, REPORT_COMMENT_REAL, made_what)
    else:
        comment = fixture_comment(
            p.source, "nothing", "everything (title, text, template, chrome, URLs)"
        )
    metas = [("ArticleTitle", p.title)] if p.title_made or p.kind != "report" else []
    info = [f"来源：{esc(p.content_source)}"]
    if p.list_date and p.kind != "report":
        info.insert(0, f"日期：{esc(p.list_date)}")
    info.append('点击数：<span id="clicks">--</span>')
    crumb = (
        '您所在的位置：<a href="/plain/index.html">首页</a> &gt; <a href="/plain/xxgk/index.html">政务公开</a>'
        ' &gt; <a href="/plain/xxgk/ndbg/list.html">年度报告</a>'
    )
    if p.container == "none":
        main = f"""<div class="wrap w1200">
<div class="lmain">
<div class="crumb">{crumb}</div>
<div class="bd">
<h2>{esc(p.title)}</h2>
<div class="info">{"　".join(info)}</div>
<div style="padding:10px 30px;line-height:2;">
<div>
{p.body}
</div>
</div>
<div class="ops"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a></div>
</div>
</div>
<div class="rside">
<div class="side-box"><h3>热点信息</h3>
<ul>
<li><a href="/plain/xxgk/ndbg/gkgzyd2024.html">示例镇2024年政务公开工作要点</a></li>
<li><a href="/plain/xxgk/ndbg/fzzf2023.html">示例镇2023年法治政府建设年度报告</a></li>
<li><a href="/plain/xxgk/ndbg/bmys2023.html">示例镇2023年部门预算公开</a></li>
</ul></div>
<div class="side-box"><h3>便民服务</h3><p>办事指南　表格下载　在线咨询　投诉举报</p></div>
</div>
</div>
"""
    else:
        main = f"""<div class="main w1200">
<div class="crumb">{crumb}</div>
<h2 class="article-title">{esc(p.title)}</h2>
<div class="article-meta">{"　".join(info)}</div>
<div class="article-content">
{p.body}
</div>
<div class="article-tools"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a></div>
</div>
"""
    return (
        comment
        + plain_head(f"{p.title} - {s['name']}", p.charset, metas)
        + "<body>\n"
        + plain_header()
        + main
        + site_footer(s, "/plain/", p.footer)
        + "</body>\n</html>\n"
    )


def plain_list(items: list[Page], page_no: int, n_pages: int, total: int) -> str:
    s = PLAIN_SITE
    lis = []
    for it in items:
        name = it.path.rsplit("/", 1)[1]
        date = f'<span class="date">{esc(it.list_date)}</span>' if it.list_date else ""
        lis.append(f'<li><a href="{name}" title="{attr(it.title)}">{esc(it.title)}</a>{date}</li>')

    def link(n: int) -> str:
        return "list.html" if n == 1 else f"list_{n}.html"

    first = f'<a href="{link(1)}">首页</a>'
    prev = "上一页" if page_no == 1 else f'<a href="{link(page_no - 1)}">上一页</a>'
    nxt = "下一页" if page_no == n_pages else f'<a href="{link(page_no + 1)}">下一页</a>'
    last = "尾页" if page_no == n_pages else f'<a href="{link(n_pages)}">尾页</a>'
    comment = fixture_comment(
        "nothing (made up)", "nothing", "everything (list, titles, pager, template)"
    )
    return (
        comment
        + plain_head(f"年度报告 - {s['name']}", "gb2312")
        + "<body>\n"
        + plain_header()
        + f"""<div class="main w1200">
<div class="crumb">您所在的位置：<a href="/plain/index.html">首页</a> &gt; <a href="/plain/xxgk/index.html">政务公开</a> &gt; 年度报告</div>
<div class="list-title">年度报告</div>
<ul class="news-list">
{chr(10).join(lis)}
</ul>
<div class="pages">共{total}条 第{page_no}/{n_pages}页 {first} {prev} {nxt} {last}</div>
</div>
"""
        + site_footer(s, "/plain/")
        + "</body>\n</html>\n"
    )


def plain_simple(title: str, inner: str, comment: str) -> str:
    s = PLAIN_SITE
    return (
        comment
        + plain_head(title, "gb2312")
        + "<body>\n"
        + plain_header()
        + f'<div class="main w1200">\n{inner}\n</div>\n'
        + site_footer(s, "/plain/")
        + "</body>\n</html>\n"
    )


# ---- TRS with a list API (page 1 static, pages 2+ JSON) --------------------

TRSAPI_CHANNEL = 4127
TRSAPI_PAGE_SIZE = 3
TRSAPI_API = f"/trsapi-site/trsapi/list?channelid={TRSAPI_CHANNEL}&page="


def trsapi_list(items: list[Page], total: int) -> str:
    """Page 1 as HTML; the 加载更多 button's script asks the API for pages 2, 3, …"""
    s = TRSAPI_SITE
    rows = []
    for it in items:
        href = "./" + it.path.split("zfxxgknb/", 1)[1]
        rows.append(
            f'<li><a href="{href}" target="_blank" title="{attr(it.title)}">{esc(it.title)}</a>'
            f"<span>{esc(it.list_date or '')}</span></li>"
        )
    comment = fixture_comment(
        "nothing (made up; newer TRS column style)",
        "nothing",
        "everything (list, titles, API script, template)",
    )
    return (
        comment
        + trs_head(
            f"政府信息公开年报_{s['name']}",
            [
                ("SiteName", s["name"]),
                ("SiteIDCode", s["idcode"]),
                ("ColumnName", "政府信息公开年报"),
            ],
        )
        + "<body>\n"
        + trs_header("../../", s)
        + f"""<div class="main w1200">
<div class="position">您现在的位置：<a href="../../index.html">首页</a> &gt; <a href="../index.html">政务公开</a> &gt; 政府信息公开年报</div>
<ul class="xxgk-list" id="docList">
{chr(10).join(rows)}
</ul>
<div class="more"><a href="javascript:;" id="loadMore">加载更多</a> <span>共{total}条</span></div>
<script type="text/javascript">
var channelid = "{TRSAPI_CHANNEL}", currPage = 1;
document.getElementById("loadMore").onclick = function () {{
  currPage += 1;
  fetch("{TRSAPI_API}" + currPage).then(function (r) {{ return r.json(); }}).then(function (res) {{
    res.data.list.forEach(function (doc) {{
      var li = document.createElement("li");
      li.innerHTML = '<a href="' + doc.DOCPUBURL + '">' + doc.DOCTITLE + '</a><span>' + doc.DOCRELTIME.slice(0, 10) + '</span>';
      document.getElementById("docList").appendChild(li);
    }});
  }});
}};
</script>
</div>
"""
        + site_footer(s, "../../")
        + "</body>\n</html>\n"
    )


def trsapi_records(pages: list[Page]) -> str:
    """The API's data file (demo/server.py pages it): every document of the channel."""
    records = [
        {
            "DOCID": int(re.sub(r"\D", "", p.path.rsplit("_", 1)[-1]) or 0),
            "DOCTITLE": p.title,
            "DOCPUBURL": f"/{p.path}",
            "DOCRELTIME": f"{p.list_date} 00:00:00",
            "CHNLID": TRSAPI_CHANNEL,
        }
        for p in pages
    ]
    return json.dumps(
        {"pageSize": TRSAPI_PAGE_SIZE, "records": records}, ensure_ascii=False, indent=1
    )


# ---- Guangdong gkmlpt --------------------------------------------------------


def gkmlpt_head(title: str, metas: list[tuple[str, str]]) -> str:
    m = "\n".join(f'<meta name="{n}" content="{attr(v)}">' for n, v in metas)
    return f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n{m}\n{CSS}\n</head>\n'


def gkmlpt_header() -> str:
    s = GKMLPT_SITE
    return f"""<div class="header w1200"><span class="logo">{esc(s["name"])}</span> <span class="sub">政府信息公开</span>
<a href="/{GKMLPT_ROOT}/index">政府信息公开目录</a></div>
"""


def gkmlpt_index() -> str:
    """/gkmlpt/index: a script application; the HTML carries the site id, no list."""
    s = GKMLPT_SITE
    comment = fixture_comment(
        "nothing (made up; Guangdong gkmlpt style)", "nothing", "everything (app shell, config)"
    )
    return (
        comment
        + gkmlpt_head(f"政府信息公开_{s['name']}", [("SiteName", s["name"])])
        + "<body>\n"
        + gkmlpt_header()
        + f"""<div id="app" class="w1200"><noscript>请开启浏览器的JavaScript功能</noscript></div>
<script type="text/javascript">
window._CONFIG = {{
  SID: '{s["sid"]}',
  SITE_NAME: '{s["name"]}',
  API_ROOT: '/{GKMLPT_ROOT}/api'
}};
</script>
<script type="text/javascript" src="/{GKMLPT_ROOT}/static/app.js"></script>
"""
        + site_footer(s, "/gkmlpt-site/")
        + "</body>\n</html>\n"
    )


def gkmlpt_article(p: Page) -> str:
    s = GKMLPT_SITE
    post_id = p.path.rsplit("post_", 1)[1].split(".", 1)[0]
    metas = [
        ("SiteName", s["name"]),
        ("ColumnName", "政府信息公开年报"),
        ("ArticleTitle", p.title),
        ("PubDate", p.pubdate or ""),
        ("ContentSource", p.content_source),
    ]
    real = "nothing" if p.kind == "nonreport" else "the attached file (see README)"
    comment = fixture_comment(p.source, real, "page, title, date, template, chrome, URLs")
    att = ""
    if p.attachment:
        href, text = p.attachment
        att = f'<div class="attachment"><p>附件：<a href="{attr(href)}">{esc(text)}</a></p></div>\n'
    date10 = (p.pubdate or "")[:10]
    return (
        comment
        + gkmlpt_head(f"{p.title}_{s['name']}", metas)
        + "<body>\n"
        + gkmlpt_header()
        + f"""<div class="main w1200">
<div class="classify"><table width="100%">
<tr><td>索引号：</td><td>{s["idcode"]}/{date10[:4]}-{post_id}</td><td>分类：</td><td>政府信息公开年报</td></tr>
<tr><td>发布机构：</td><td>{esc(p.content_source)}</td><td>发布日期：</td><td>{esc(date10)}</td></tr>
<tr><td>名称：</td><td colspan="3">{esc(p.title)}</td></tr>
</table></div>
<h1 class="title">{esc(p.title)}</h1>
<div class="article-content">
{p.body}
</div>
{att}</div>
"""
        + site_footer(s, "/gkmlpt-site/")
        + "</body>\n</html>\n"
    )


def gkmlpt_articles(pages: list[Page]) -> str:
    """The API's data file for the category (demo/server.py pages it, checks the sid)."""
    articles = []
    for p in pages:
        post_id = int(p.path.rsplit("post_", 1)[1].split(".", 1)[0])
        articles.append(
            {
                "id": post_id,
                "title": p.title,
                "url": f"/{p.path}",
                "publisher": p.content_source,
                "display_publish_time": p.list_date,
            }
        )
    data = {"sid": GKMLPT_SITE["sid"], "page_size": 4, "articles": articles}
    return json.dumps(data, ensure_ascii=False, indent=1)


# --------------------------------------------------------------------------
# assembling the portal
# --------------------------------------------------------------------------

PRIVATE_LINK = '<p class="intranet"><a href="/private/index.html">内网办公入口</a></p>'


def all_pages(fixtures: Path) -> dict[str, list[list[Page]]]:
    """Every article page, by site and by list page (for the TRS-API and gkmlpt sites:
    by page of their API), in list order."""
    reports = [
        report_000(fixtures),
        report_001(fixtures),
        report_002(fixtures),
        report_003(fixtures),
        report_004(fixtures),
        report_shanghai(fixtures),
    ]
    filler = hanweb_filler()
    made_items = trsapi_items() + gkmlpt_items() + [scanned_pdf_page(HERE.parent)]
    pages = reports + nonreports() + [pdf_embed_page()] + filler + made_items
    by_path = {p.path: p for p in pages}
    assert len(by_path) == len(pages), "page paths are unique"
    hanweb_column = sorted(
        [by_path["hanweb/art/2017/3/15/003_ff39032f2697628d.html"]]
        + [p for p in pages if p.site == "hanweb" and p.kind == "nonreport"],
        key=lambda p: (p.list_date or "", p.path),
        reverse=True,
    )
    expect(len(hanweb_column) == 40, "the Hanweb column has 40 items (3 screens of 15)")
    expect(
        hanweb_column.index(by_path["hanweb/art/2017/3/15/003_ff39032f2697628d.html"]) >= 30,
        "the Hanweb report is on the third screen (only the data proxy lists it)",
    )
    trsapi_column = sorted(
        [p for p in pages if p.site == "trsapi"], key=lambda p: p.list_date or "", reverse=True
    )
    gkmlpt_column = sorted(
        [p for p in pages if p.site == "gkmlpt"], key=lambda p: p.list_date or "", reverse=True
    )
    order = {
        # TRS: 3 list pages (index, index_1, index_2), newest first
        "trs": [
            [
                "trs/zwgk/zfxxgknb/202403/t20240315_1004.html",
                "trs/zwgk/zfxxgknb/202403/t20240301_1005.html",
                "trs/zwgk/zfxxgknb/202402/004_c88faac3643766a2.html",
            ],
            ["trs/zwgk/zfxxgknb/202401/t20240125_1003.html"],
            ["trs/zwgk/zfxxgknb/202312/t20231220_1002.html"],
        ],
        # Hanweb: screens of 15; the column page embeds the first, the data proxy the rest
        "hanweb": [[p.path for p in hanweb_column[k : k + 15]] for k in range(0, 40, 15)],
        # plain: list.html and list_2.html
        "plain": [
            [
                "plain/xxgk/ndbg/000_ee48f4fde292f35b.html",
                "plain/xxgk/ndbg/gkgzyd2024.html",
                "plain/xxgk/ndbg/fzzf2023.html",
            ],
            ["plain/xxgk/ndbg/001_594938079f36f576.html", "plain/xxgk/ndbg/bmys2023.html"],
        ],
        # TRS-API: pages of the API (page 1 is also the HTML column page)
        "trsapi": [
            [p.path for p in trsapi_column[k : k + TRSAPI_PAGE_SIZE]]
            for k in range(0, len(trsapi_column), TRSAPI_PAGE_SIZE)
        ],
        # gkmlpt: pages of the API
        "gkmlpt": [
            [p.path for p in gkmlpt_column[k : k + 4]] for k in range(0, len(gkmlpt_column), 4)
        ],
    }
    listed = [x for site in order.values() for pg in site for x in pg]
    assert sorted(listed) == sorted(by_path), "every page is listed exactly once"
    return {site: [[by_path[x] for x in pg] for pg in pgs] for site, pgs in order.items()}


def build_files(fixtures: Path) -> dict[str, bytes]:
    """All portal files as {relative path: bytes}."""
    files: dict[str, bytes] = {}

    def put(path: str, text: str, encoding: str = "utf-8") -> None:
        assert path not in files, path
        files[path] = text.encode(encoding, errors="xmlcharrefreplace")

    sites = all_pages(fixtures)

    # ---- root ----
    put("robots.txt", "User-agent: *\nDisallow: /private/\n")
    put(
        "index.html",
        fixture_comment("nothing", "nothing", "everything (directory of the demo sites)")
        + '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>Demo portal</title>\n</head>\n<body>\n'
        "<h1>Demo portal (fixture)</h1>\n<ul>\n"
        '<li><a href="/trs/index.html">演示市人民政府 (TRS WCM style)</a></li>\n'
        '<li><a href="/hanweb/index.html">样例县人民政府 (Hanweb style)</a></li>\n'
        '<li><a href="/plain/index.html">示例镇人民政府 (generic, GBK)</a></li>\n'
        '<li><a href="/trsapi-site/index.html">范例区人民政府 (TRS with a list API)</a></li>\n'
        '<li><a href="/gkmlpt-site/gkmlpt/index">样板市人民政府 (Guangdong gkmlpt)</a></li>\n'
        "</ul>\n</body>\n</html>\n",
    )
    put(
        "private/index.html",
        fixture_comment("nothing", "nothing", "everything (disallowed by robots.txt)")
        + '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>内网办公</title>\n</head>\n<body>\n'
        "<p>内网办公系统（演示：robots.txt 禁止抓取 /private/）</p>\n"
        "</body>\n</html>\n",
    )

    # ---- TRS ----
    trs_pages = sites["trs"]
    c = fixture_comment("nothing", "nothing", "everything (home page, nav, template)")
    put(
        "trs/index.html",
        trs_simple(
            f"{TRS_SITE['name']}",
            "",
            f"""<div class="focus"><h2>要闻动态</h2>
<ul><li><a href="zwgk/zfxxgknb/202403/t20240315_1004.html">演示市2024年政务公开工作要点</a></li></ul></div>
<div class="zwgk-entry"><h2><a href="zwgk/index.html">政务公开</a></h2>
<ul>
<li><a href="zwgk/index.html#xxgkzn">政府信息公开指南</a></li>
<li><a href="zwgk/zfxxgknb/index.html">政府信息公开年报</a></li>
</ul></div>
{PRIVATE_LINK}""",
            c,
        ),
    )
    put(
        "trs/zwgk/index.html",
        trs_simple(
            f"政务公开_{TRS_SITE['name']}",
            "../",
            """<div class="position">当前位置：<a href="../index.html">首页</a>&nbsp;&gt;&nbsp;政务公开</div>
<ul class="zwgk-lm">
<li id="xxgkzn"><a href="javascript:;">政府信息公开指南</a></li>
<li id="xxgkzd"><a href="javascript:;">政府信息公开制度</a></li>
<li id="fdzdgknr"><a href="javascript:;">法定主动公开内容</a></li>
<li><a href="./zfxxgknb/index.html">政府信息公开年报</a></li>
<li id="ysqgk"><a href="javascript:;">依申请公开</a></li>
</ul>""",
            fixture_comment("nothing", "nothing", "everything (政务公开 landing page)"),
        ),
    )
    n = len(trs_pages)
    for i, items in enumerate(trs_pages):
        name = "index.html" if i == 0 else f"index_{i}.html"
        put(f"trs/zwgk/zfxxgknb/{name}", trs_list(items, i, n))
        for p in items:
            put(p.path, trs_article(p))
    put(
        "trs/pdfjs/web/viewer.html",
        fixture_comment("nothing", "nothing", "everything (a tiny stand-in for the pdf.js viewer)")
        + '<!DOCTYPE html>\n<html dir="ltr">\n<head>\n<meta charset="utf-8">\n<title>PDF.js viewer</title>\n'
        "</head>\n<body>\n"
        '<div id="outerContainer"><div id="viewerContainer"><div id="viewer" class="pdfViewer"></div></div></div>\n'
        '<script type="text/javascript">\n'
        "/* demo stub: the real pdf.js viewer renders the PDF named by ?file= */\n"
        'var file = new URLSearchParams(location.search).get("file");\n'
        'if (file) { var a = document.createElement("a"); a.href = file; a.textContent = file;'
        ' document.getElementById("viewer").appendChild(a); }\n'
        "</script>\n</body>\n</html>\n",
    )

    # ---- Hanweb ----
    hw_pages = sites["hanweb"]
    total = sum(len(x) for x in hw_pages)
    c = fixture_comment("nothing", "nothing", "everything (home page, nav, template)")
    put(
        "hanweb/index.html",
        hanweb_simple(
            HANWEB_SITE["name"],
            f"""<div class="main-nav">
<h2><a href="{HANWEB_ZWGK}">政务公开</a></h2>
<ul>
<li><a href="{HANWEB_ZWGK}">政府信息公开目录</a></li>
<li><a href="{HANWEB_COL}">政府信息公开年报</a></li>
</ul>
</div>
{PRIVATE_LINK}""",
            c,
        ),
    )
    put(
        "hanweb/col/col2149/index.html",
        hanweb_simple(
            f"{HANWEB_SITE['name']} 政务公开",
            f"""<div class="bt-position">当前位置：<a href="/hanweb/index.html">首页</a> &gt; 政务公开</div>
<ul>
<li><a href="javascript:;">政府信息公开指南</a></li>
<li><a href="javascript:;">政府信息公开制度</a></li>
<li><a href="{HANWEB_COL}">政府信息公开年报</a></li>
</ul>""",
            fixture_comment("nothing", "nothing", "everything (政务公开 landing page)"),
        ),
    )
    per_screen = len(hw_pages[0])
    put("hanweb/col/col2150/index.html", hanweb_list(hw_pages[0], total, per_screen))
    for items in hw_pages:
        for p in items:
            put(p.path, hanweb_article(p))
    put(
        "hanweb/module/web/jpage/jpage.js",
        "/* demo fixture: built by demo/build_portal.py; made: a stand-in for Hanweb's jpage.js, which\n"
        " * renders the <datastore> records of the column page and pages through dataproxy.jsp. */\n"
        "(function () {})();\n",
    )
    everything = [p for pg in hw_pages for p in pg]
    put(
        "hanweb/module/web/jpage/columns/2150.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- demo fixture: built by demo/build_portal.py; every record of column 2150, which "
        "demo/server.py pages for POSTs to dataproxy.jsp; made: everything -->\n"
        + hanweb_datastore(everything, total=total, nextgroup=False)
        + "\n",
    )

    # ---- plain (GBK) ----
    pl_pages = sites["plain"]
    total = sum(len(x) for x in pl_pages)
    c = fixture_comment("nothing", "nothing", "everything (home page, nav, template)")
    put(
        "plain/index.html",
        plain_simple(
            PLAIN_SITE["name"],
            f"""<div class="box"><h3><a href="/plain/xxgk/index.html">政务公开</a></h3>
<ul>
<li><a href="/plain/xxgk/ndbg/list.html">年度报告</a></li>
<li><a href="/plain/xxgk/index.html">政府信息公开指南</a></li>
</ul></div>
{PRIVATE_LINK}""",
            c,
        ),
        "gbk",
    )
    put(
        "plain/xxgk/index.html",
        plain_simple(
            f"政务公开 - {PLAIN_SITE['name']}",
            """<div class="crumb">您所在的位置：<a href="/plain/index.html">首页</a> &gt; 政务公开</div>
<ul>
<li><a href="javascript:;">机构职能</a></li>
<li><a href="javascript:;">政策文件</a></li>
<li><a href="/plain/xxgk/ndbg/list.html">政府信息公开年度报告</a></li>
</ul>""",
            fixture_comment("nothing", "nothing", "everything (政务公开 landing page)"),
        ),
        "gbk",
    )
    for i, items in enumerate(pl_pages):
        name = "list.html" if i == 0 else f"list_{i + 1}.html"
        put(f"plain/xxgk/ndbg/{name}", plain_list(items, i + 1, len(pl_pages), total), "gbk")
        for p in items:
            put(p.path, plain_article(p), "gbk")

    # ---- TRS with a list API ----
    ta_pages = sites["trsapi"]
    every_doc = [p for pg in ta_pages for p in pg]
    c = fixture_comment("nothing", "nothing", "everything (home page, nav, template)")
    put(
        "trsapi-site/index.html",
        trs_simple(
            TRSAPI_SITE["name"],
            "",
            '<div class="zwgk-entry"><h2><a href="zwgk/index.html">政务公开</a></h2></div>',
            c,
            TRSAPI_SITE,
        ),
    )
    put(
        "trsapi-site/zwgk/index.html",
        trs_simple(
            f"政务公开_{TRSAPI_SITE['name']}",
            "../",
            '<ul class="zwgk-lm"><li><a href="./zfxxgknb/index.html">政府信息公开年报</a></li></ul>',
            fixture_comment("nothing", "nothing", "everything (政务公开 landing page)"),
            TRSAPI_SITE,
        ),
    )
    put("trsapi-site/zwgk/zfxxgknb/index.html", trsapi_list(ta_pages[0], len(every_doc)))
    for p in every_doc:
        put(p.path, trs_article(p))
    put(f"trsapi-site/trsapi/list-{TRSAPI_CHANNEL}.json", trsapi_records(every_doc) + "\n")

    # ---- Guangdong gkmlpt ----
    gk_pages = [p for pg in sites["gkmlpt"] for p in pg]
    put(f"{GKMLPT_ROOT}/index", gkmlpt_index())
    put(
        f"{GKMLPT_ROOT}/static/app.js",
        "/* demo fixture: built by demo/build_portal.py; made: a stand-in for the gkmlpt app, which\n"
        " * lists window._CONFIG.API_ROOT + '/all/{category}?page=N&sid=' + SID. */\n"
        "(function () {})();\n",
    )
    for p in gk_pages:
        put(p.path, gkmlpt_article(p))
    put(f"{GKMLPT_ROOT}/api/all/{GKMLPT_SITE['category']}.json", gkmlpt_articles(gk_pages) + "\n")

    # ---- files that pages attach (a .docx built here, the made scanned PDF) ----
    for site_pages in sites.values():
        for p in (p for pg in site_pages for p in pg if p.attached_file):
            path, data = p.attached_file
            assert path not in files, path
            files[path] = data

    # ---- response headers of single paths (demo/server.py reads _headers) ----
    put(
        "_headers",
        "# demo fixture: built by demo/build_portal.py. A GBK page sent with a UTF-8 charset in\n"
        "# its Content-Type header, as misconfigured portals do (its <meta> says gb2312).\n"
        "/plain/xxgk/ndbg/001_594938079f36f576.html\n"
        "  Content-Type: text/html; charset=utf-8\n",
    )

    # ---- PDFs (copies of the real corpus files) ----
    files["trs/zwgk/zfxxgknb/202402/huaian-city-2024.pdf"] = (
        fixtures / "corpus" / "huaian-city-2024.pdf"
    ).read_bytes()
    files["trs/zwgk/zfxxgknb/202403/hongze-district-2023.pdf"] = (
        fixtures / "corpus" / "hongze-district-2023.pdf"
    ).read_bytes()

    put("README.md", readme(sites))
    return files


def list_page_name(site: str, index: int, count: int) -> str:
    """Where list page number `index` (from 0), holding `count` items, is, for the README."""
    if site == "trs":
        return "/trs/zwgk/zfxxgknb/" + ("index.html" if index == 0 else f"index_{index}.html")
    if site == "hanweb":
        if index == 0:
            return "/hanweb/col/col2150/index.html (first screen, embedded)"
        first = index * 15 + 1
        return f"data proxy screen {index + 1} (records {first}–{first + count - 1})"
    if site == "plain":
        return "/plain/xxgk/ndbg/" + ("list.html" if index == 0 else f"list_{index + 1}.html")
    if site == "trsapi":
        html_page = " = /trsapi-site/zwgk/zfxxgknb/index.html" if index == 0 else ""
        return f"{TRSAPI_API}{index + 1}{html_page}"
    return f"/{GKMLPT_ROOT}/api/all/{GKMLPT_SITE['category']}?page={index + 1}&sid={GKMLPT_SITE['sid']}"


def readme(sites: dict[str, list[list[Page]]]) -> str:
    out = [
        "# Demo portal (fixture)",
        "",
        "Generated by `demo/build_portal.py` (do not edit by hand: re-run "
        "`python demo/build_portal.py`; the output is deterministic). Serve it with "
        "`python -m demo.server [--port N]`.",
        "",
        "Five small sites in the styles of real government portals, one host:",
        "",
        "| site | style | column (list pages) | encoding |",
        "|---|---|---|---|",
        '| `/trs/` 演示市人民政府 | TRS WCM: `createPageHTML(3, i, "index", "html")` pager, '
        "`./YYYYMM/…` links, `.TRS_Editor` body, ArticleTitle/PubDate/ContentSource/ColumnName metas "
        "| `/trs/zwgk/zfxxgknb/index.html`, `index_1.html`, `index_2.html` | UTF-8 (meta) |",
        '| `/hanweb/` 样例县人民政府 | Hanweb 大汉 JCMS: 40 items in screens of 15; the first screen in `<script type="text/xml"><datastore>…`, '
        "the rest only through the jpage call's POST to `/hanweb/module/web/jpage/dataproxy.jsp` "
        "(nextgroup link with webid/columnid/unitid, the other form fields in the call's `ajaxParam`), "
        "`#zoom` body | `/hanweb/col/col2150/index.html` + data proxy | UTF-8 (meta) |",
        "| `/plain/` 示例镇人民政府 | generic: 下一页/尾页 links, `.article-content` body (one page with "
        'no known container) | `/plain/xxgk/ndbg/list.html`, `list_2.html` | GBK: `<meta charset="gb2312">`, '
        "one page with no declaration at all, one sent with a UTF-8 header (`_headers`) |",
        "| `/trsapi-site/` 范例区人民政府 | newer TRS: page 1 of the column is HTML, pages 2+ come from "
        f"the JSON API `{TRSAPI_API}N` (`data.list` rows with DOCTITLE/DOCPUBURL; a page past "
        "the end repeats the last page) | `/trsapi-site/zwgk/zfxxgknb/index.html` + API | UTF-8 |",
        "| `/gkmlpt-site/` 样板市人民政府 | Guangdong gkmlpt: `/gkmlpt-site/gkmlpt/index` is a script shell "
        f"holding `SID: '{GKMLPT_SITE['sid']}'`; the list is the JSON API "
        f"`/gkmlpt-site/gkmlpt/api/all/{GKMLPT_SITE['category']}?page=N&sid=SID` (`articles`, `total`, "
        "`page`; 4 a page); articles `/gkmlpt/content/…/post_ID.html` with 附件 links | API | UTF-8 |",
        "",
        "Home pages `/trs/index.html`, `/hanweb/index.html`, `/plain/index.html`, "
        "`/trsapi-site/index.html` link to a 政务公开 page and to the column (政府信息公开年报 / "
        "年度报告). `/robots.txt` (portal root only) allows everything except `/private/`; the "
        "first three home pages link to `/private/index.html` (a made page that a polite crawler "
        "must not fetch). `/index.html` is a made directory page. The server sends `text/html` "
        "without a charset for every `.html` file (and for the extensionless gkmlpt index), except "
        "where `_headers` says otherwise, and answers the three list APIs from their data files "
        "(`hanweb/module/web/jpage/columns/2150.xml`, `trsapi-site/trsapi/list-4127.json`, "
        "`gkmlpt-site/gkmlpt/api/all/2.json`).",
        "",
        "## What is real",
        "",
        "- Report text and tables of the six seed/corpus reports below: the five seed texts "
        "(`tests/fixtures/seeds/*.txt`, text renderings of real pages) and the real HTML fragment "
        "`corpus/shanghai-bgt-2019.html` (inserted verbatim). Seed 002 is published as a Word "
        "file (`.docx`, built here with the standard library), the others as HTML pages.",
        "- Seed tables are rebuilt as HTML tables (rowspan/colspan of the standard 2019/2021 formats, "
        "`<td><p>…</p></td>`, `&nbsp;` for blank cells, `<br />` for line breaks inside a cell), "
        "or as Word tables (gridSpan/vMerge) for 002. "
        "The spans are made (the text renderings lost them), the cell texts are the seeds' own: every "
        "number and every blank stays in its place, and the generator checks each table's cell count "
        "against the layout.",
        "- A seed's own title line (000, 003, 004) is the page's heading, `<title>` and ArticleTitle, "
        "outside the body container, where real pages put it; the seed lines that are site chrome "
        "(003: 发布时间…浏览次数…字体; 004: 当前位置, 发布时间…字号…视力保护色, 责任编辑, 分享到, "
        "打印本页/关闭窗口) are left out of the body and re-created by the template. Every other seed "
        "line is one `<p>` of the body, in order (lines holding only a non-breaking space stay as "
        "`<p>&nbsp;</p>`); 004's 解读链接 URL is made a link.",
        "- The two report PDFs are byte copies of `corpus/huaian-city-2024.pdf` and "
        "`corpus/hongze-district-2023.pdf`.",
        "- The footer of the 001 page is that seed's own footer lines (real chrome, with injected "
        "spam).",
        "",
        "## What is made",
        "",
        "- All site names (演示市/样例县/示例镇/范例区/样板市人民政府), templates, navigation, "
        "breadcrumbs, toolbars (发布时间/来源/浏览次数, 字号/字体, 视力保护色, 分享到, 打印/关闭, "
        "扫一扫…), default footers (主办/承办, 网站标识码, ICP/公网安备 numbers made of zeros), list "
        "pages, pagers, list API answers, URLs, the TRS 索引号 grid, the gkmlpt 索引号 table, the "
        "pdf.js viewer stub.",
        "- The non-report items (titles and texts); none of them is a report.",
        "- ContentSource/来源 values of report pages (derived from the report's organ).",
        "- Page and list dates, except those taken from the documents as noted below.",
        "- The scanned PDF: the made fixture `tests/fixtures/attachments/made-scanned-2-pages.pdf` "
        "(two image-only pages rendered from page 1 of the real huaian PDF).",
        "",
        "## Page by page",
        "",
    ]
    labels = {
        "report": "REPORT",
        "nonreport": "not a report",
        "pdf": "report as embedded PDF",
        "docx": "report as a Word attachment",
        "scanned": "scanned PDF attachment (recorded, not parsed)",
    }
    for site, pages in sites.items():
        out.append(f"### {site}")
        out.append("")
        for i, items in enumerate(pages):
            out.append(f"List page `{list_page_name(site, i, len(items))}` (made):")
            out.append("")
            for p in items:
                date = (
                    f"date {p.pubdate or p.list_date}" if (p.pubdate or p.list_date) else "no date"
                )
                made_title = " (title MADE)" if p.title_made else ""
                out.append(
                    f"- `/{p.path}` — {labels[p.kind]}: {p.title}{made_title}; "
                    f"from {p.source}; {date}"
                )
                for note in p.notes:
                    out.append(f"  - {note}")
            out.append("")
    out += [
        "### attachments and other files",
        "",
        "- `/trs/zwgk/zfxxgknb/202402/huaian-city-2024.pdf` — real PDF (copy of corpus/huaian-city-2024.pdf), "
        "linked as 附件 from the 004 page (the link is made).",
        "- `/trs/zwgk/zfxxgknb/202403/hongze-district-2023.pdf` — real PDF (copy of "
        "corpus/hongze-district-2023.pdf), embedded by `t20240301_1005.html` through "
        "`/trs/pdfjs/web/viewer.html?file=…` (made stub).",
        f"- `/{GKMLPT_ATTACHMENTS}/419004/002_56f09fd46df237b3.docx` — seed 002 as a Word file "
        "(see above); `/gkmlpt-site/attachment/0/419/419003/4190003.pdf` — the made scanned PDF.",
        "- `/hanweb/module/web/jpage/columns/2150.xml` — made: all 40 column records in the "
        "datastore format with `<totalrecord>`, which the server pages for the data proxy; "
        "`/hanweb/module/web/jpage/jpage.js` — made stub.",
        "- `/trsapi-site/trsapi/list-4127.json`, `/gkmlpt-site/gkmlpt/api/all/2.json` — made: the "
        "documents of the two API columns, which the server pages; `/gkmlpt-site/gkmlpt/static/app.js` "
        "— made stub.",
        "- `_headers` — made: the UTF-8 Content-Type header of the GBK page 001.",
        "- `/trs/index.html`, `/trs/zwgk/index.html`, `/hanweb/index.html`, `/hanweb/col/col2149/index.html`, "
        "`/plain/index.html`, `/plain/xxgk/index.html`, `/trsapi-site/index.html`, "
        "`/trsapi-site/zwgk/index.html`, `/private/index.html`, `/index.html`, `/robots.txt` — made.",
        "",
    ]
    return "\n".join(out)


def write_tree(files: dict[str, bytes], out: Path) -> None:
    """Replace `out` with exactly these files (built beside it, then swapped in)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".portal-build-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it 0700
    try:
        for rel, data in sorted(files.items()):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build(out: Path = DEFAULT_OUT, fixtures: Path = DEFAULT_FIXTURES) -> list[str]:
    """Build the portal into `out` (replacing it); returns the relative paths written."""
    files = build_files(Path(fixtures))
    write_tree(files, Path(out))
    return sorted(files)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--fixtures",
        type=Path,
        default=DEFAULT_FIXTURES,
        help="directory with seeds/ and corpus/ (default: the repository's tests/fixtures)",
    )
    ap.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)"
    )
    args = ap.parse_args(argv)
    if not (args.fixtures / "seeds").is_dir():
        print(f"fixtures directory not found: {args.fixtures}", file=sys.stderr)
        return 2
    written = build(args.out, args.fixtures)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
