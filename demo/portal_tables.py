"""The standard tables of a report, rebuilt from a seed's text rendering, as HTML or in a
Word file (.docx, standard library only); used by demo/build_portal.py.

A layout is a list of rows; a row is a list of (colspan, rowspan) for the cells that start
in that row.  The seeds' text renderings lost the spans; they are restored from the
standard table formats, and the number of cells read from the seed is checked against the
layout, so every value keeps its place (a blank stays blank, a 0 stays 0).
"""

from __future__ import annotations

import html
import io
import re
import zipfile

NBSP = "\xa0"


def esc(text: str) -> str:
    """Escape text for HTML element content; non-breaking spaces become &nbsp;."""
    return html.escape(text, quote=False).replace(NBSP, "&nbsp;")


def attr(text: str) -> str:
    return html.escape(text, quote=True)


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


def made(paragraphs: list[str]) -> str:
    """Made text: one <p> per paragraph."""
    return "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)


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
