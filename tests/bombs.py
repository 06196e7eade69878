"""Hostile documents, built in memory by the tests (small on disk: nothing is stored).

Each mimics a file that a hostile or broken portal served in the attack of issue 10:
zip and Flate bombs, a table cell spanning fifty million columns, thousands of pages,
hundreds of thousands of line segments.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from demo.faultserver import report_page


def pdf(objects: list[bytes]) -> bytes:
    """A PDF of the given object bodies (object 1 is the catalog), with an xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _stream(data: bytes, flate: bool) -> bytes:
    if flate:
        data = zlib.compress(data, 9)
        return (
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
        )
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def pdf_pages(contents: list[bytes], flate: bool = True) -> bytes:
    """A PDF with one page per content stream."""
    count = len(contents)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
    ]
    for i, content in enumerate(contents):
        page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>"
        objects.append(page % (4 + 2 * i))
        objects.append(_stream(content, flate))
    return pdf(objects)


def pdf_flate_bomb(inflated: int) -> bytes:
    """One page whose content stream inflates to `inflated` bytes of spaces."""
    squeezer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(squeezer.compress(chunk) for _ in range(inflated >> 20)) + squeezer.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            page,
            stream,
        ]
    )


def pdf_many_pages(count: int) -> bytes:
    return pdf_pages([b"BT /F1 12 Tf 72 720 Td (x) Tj ET"] * count, flate=False)


def pdf_many_objects(count: int) -> bytes:
    """A catalog and ``count`` empty objects, without an xref table (readers rebuild it):
    small on the wire, a cross-reference of every object to build."""
    objects = b"".join(b"%d 0 obj null endobj\n" % number for number in range(2, count + 2))
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + objects + b"%%EOF\n"


def pdf_slow(count: int = 200) -> bytes:
    """A PDF of ``count`` pages of text lines: reading it costs pdfplumber about a tenth
    of a CPU second a page, so it stays slow however fast our own parsers get (an HTML
    page made big enough to be slow keeps becoming fast enough to pass)."""
    lines = b"".join(
        b"BT /F1 10 Tf 40 %d Td (Line %d of text 0123456789 abcdefghij) Tj ET\n" % (800 - 14 * i, i)
        for i in range(55)
    )
    return pdf_pages([lines] * count)


def pdf_many_segments(count: int) -> bytes:
    lines = b"".join(b"%d 10 m %d 800 l S\n" % (i % 500, i % 500) for i in range(count))
    return pdf_pages([lines])


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rewrite_member(data: bytes, name: str, change) -> bytes:
    """The zip with one member's bytes passed through change()."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info.filename, change(body) if info.filename == name else body)
    return out.getvalue()


def docx_zip_bomb(inflated: int) -> bytes:
    """A DOCX whose document.xml inflates to `inflated` bytes of empty paragraphs."""
    base = docx_bytes(["政府信息公开工作年度报告"])
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info.filename, source.read(info))
                continue
            head, tail = source.read(info).split(b"<w:body>")
            chunk = b"<w:p/>" * ((1 << 20) // 6)
            with target.open("word/document.xml", "w", force_zip64=True) as member:
                member.write(head + b"<w:body>")
                for _ in range(inflated // len(chunk)):
                    member.write(chunk)
                member.write(tail)
    return out.getvalue()


def docx_huge_span(span: int) -> bytes:
    base = docx_bytes(["政府信息公开工作年度报告"], [["a", "b"], ["1", "2"]])

    def widen(xml: bytes) -> bytes:
        return xml.replace(b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="%d"/>' % span, 1)

    return rewrite_member(base, "word/document.xml", widen)


def html_with(text: str) -> bytes:
    """The test report page with a paragraph of text added to its body."""
    return report_page().replace(b"<body>", b"<body><p>" + text.encode("utf-8") + b"</p>", 1)
