"""Word attachments (DOCX, DOC/WPS) and the dispatch that tells a file's kind: read into
paragraphs and tables, or refused with a problem, never an exception."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.attachments import (
    MAX_BYTES,
    extract_attachment,
    extract_docx,
    extract_legacy_word,
)
from parsers.model import Document, Paragraph, Table
from parsers.sniff import OLE2_MAGIC

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures" / "attachments"
CORPUS = TESTS / "fixtures" / "corpus"
needs_antiword = pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword missing")
needs_catdoc = pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc missing")


def tables(document: Document) -> list[Table]:
    return [block for block in document.blocks if isinstance(block, Table)]


def paragraphs(document: Document) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, Paragraph)]


# --------------------------------------------------------------------------- DOCX


def test_docx_keeps_paragraphs_and_tables_in_document_order():
    document = extract_docx((FIXTURES / "made-merged-cells.docx").read_bytes())
    kinds = [type(block).__name__ for block in document.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    assert document.blocks[-1].text == "六、其他需要报告的事项"
    assert document.title == "示例市人民政府2023年政府信息公开工作年度报告"
    assert document.problem is None


def test_docx_merged_cells_appear_once():
    document = extract_docx((FIXTURES / "made-merged-cells.docx").read_bytes())
    (table,) = tables(document)
    assert table.rows == [
        ["信息内容", "申请人情况"],
        ["一、本年新收政府信息公开申请数量", "12", "3", "15"],
        ["三、本年度办理结果", "（一）予以公开", "7", "7"],
        ["（二）部分公开", "1", "1"],
    ]


def test_docx_cell_paragraphs_are_joined_like_wrapped_lines():
    made = docx.Document()
    made.add_paragraph("2023年政府信息公开工作年度报告")
    table = made.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "1.本机关不掌握相关"
    table.cell(0, 0).add_paragraph("政府信息")
    table.cell(0, 1).text = "5"
    buffer = io.BytesIO()
    made.save(buffer)
    assert tables(extract_docx(buffer.getvalue()))[0].rows == [["1.本机关不掌握相关政府信息", "5"]]


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04broken", b"not a zip at all"])
def test_damaged_docx_gives_a_problem_not_an_exception(data):
    document = extract_docx(data)
    assert document.blocks == []
    assert document.problem.startswith("unreadable DOCX: ")


def test_docx_without_text_says_so():
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    assert extract_docx(buffer.getvalue()).problem == "DOCX has no text (images only?)"


# --------------------------------------------------------------------------- DOC / WPS


@needs_antiword
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_doc_is_read_through_antiword_with_its_table(suffix):
    data = (FIXTURES / "made-merged-cells.doc").read_bytes()
    document = extract_legacy_word(data, suffix)
    assert document.problem is None
    assert document.meta == {"converter": "antiword"}
    assert document.title == "示例市人民政府2023年政府信息公开工作年度报告"
    (table,) = tables(document)
    # antiword wraps the long label over two lines of its text table: one row again here.
    assert ["一、本年新收政府信息公开申请数量", "12", "3", "15"] in table.rows
    assert ["三、本年度办理结果", "（一）予以公开", "7", "7"] in table.rows
    assert paragraphs(document)[-1] == "六、其他需要报告的事项"


@needs_catdoc
def test_doc_falls_back_to_catdoc_without_antiword(monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name: None if name == "antiword" else real_which(name)
    )
    data = (FIXTURES / "made-merged-cells.doc").read_bytes()
    document = extract_attachment(data, "report.doc")
    assert document.meta == {"converter": "catdoc"}
    (table,) = tables(document)
    assert ["一、本年新收政府信息公开申请数量", "12", "3", "15"] in table.rows


def test_doc_without_converters_gives_an_install_hint(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    data = (FIXTURES / "made-merged-cells.doc").read_bytes()
    document = extract_legacy_word(data, ".doc")
    assert document.blocks == []
    assert document.problem == (
        "cannot read .doc: install antiword (apt-get install antiword catdoc)"
    )


def fake_antiword(monkeypatch, stdout: str = "", error: Exception | None = None):
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")

    def run(command, **kwargs):
        if error is not None:
            raise error
        return subprocess.CompletedProcess(command, 0, stdout.encode("utf-8"), b"")

    monkeypatch.setattr(subprocess, "run", run)


def test_antiword_table_lines_become_rows_and_wrapped_cells_join(monkeypatch):
    # antiword pads each cell to its column width (CJK counts double) and wraps long text.
    output = (
        "2022年度报告\n\n"
        "|信息内容          |本年新收  |\n"
        "|一、本年新收政府信|12        |\n"
        "|息公开申请数量    |          |\n"
        "|二、上年结转      |3         |\n"
        "|                  |4         |\n"
        "\n- 2 -\n正文\n"
    )
    fake_antiword(monkeypatch, output)
    document = extract_legacy_word(OLE2_MAGIC + b"\0" * 512, ".doc")
    assert document.blocks == [
        Paragraph("2022年度报告"),
        Table(
            rows=[
                ["信息内容", "本年新收"],
                ["一、本年新收政府信息公开申请数量", "12"],
                ["二、上年结转", "3"],
                ["", "4"],
            ]
        ),
        Paragraph("正文"),
    ]


def test_converter_timeout_gives_a_problem(monkeypatch):
    fake_antiword(monkeypatch, error=subprocess.TimeoutExpired("antiword", 30))
    document = extract_legacy_word(OLE2_MAGIC + b"\0" * 512, ".doc")
    assert document.blocks == []
    assert "timed out after 30 s" in document.problem


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            b"<html><body>report</body></html>",
            "unsupported attachment type: HTML or MHT saved as .doc",
        ),
        (b"plain junk", "unreadable .doc: not an OLE2 Word file"),
    ],
)
def test_doc_that_is_not_a_word_file_is_refused(data, problem):
    assert extract_legacy_word(data, ".doc").problem == problem


# --------------------------------------------------------------------------- dispatch


def test_dispatch_trusts_magic_bytes_over_the_name():
    docx_bytes = (FIXTURES / "made-merged-cells.docx").read_bytes()
    assert extract_attachment(docx_bytes, "http://example.gov.cn/a/report.pdf").title
    scanned = (FIXTURES / "made-scanned-2-pages.pdf").read_bytes()
    problem = extract_attachment(scanned, "report.doc", "application/msword").problem
    assert problem.startswith("scanned PDF")


def test_dispatch_finds_the_name_in_a_download_query():
    document = extract_attachment(b"junk", "http://example.gov.cn/down.jsp?file=%E6%8A%A5.docx")
    assert document.problem.startswith("unreadable DOCX")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"PK\x03\x04" + b"\0" * 40, "reports.zip"),
        (b"", "file"),
        (OLE2_MAGIC + b"\0" * 100, "sheet.xls"),
    ],
)
def test_unknown_bytes_give_a_problem_not_an_exception(data, name):
    document = extract_attachment(data, name)
    assert document.blocks == []
    assert document.problem.startswith("unsupported attachment type: ")


def test_oversized_input_is_refused():
    data = b"%PDF-1.4\n" + b"\0" * MAX_BYTES
    document = extract_attachment(data, "big.pdf")
    assert document.blocks == []
    assert document.problem.startswith("attachment too large")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=st.sampled_from([b"", b"%PDF-1.5\n", b"PK\x03\x04", OLE2_MAGIC, b"{\\rtf1 "]),
    body=st.binary(max_size=400),
    name=st.sampled_from(["a.pdf", "a.docx", "a.doc", "a.wps", "a", "http://x/y?z=1"]),
)
def test_any_bytes_give_a_document_never_an_exception(head, body, name):
    document = extract_attachment(head + body, name)
    assert isinstance(document, Document)
    assert document.blocks or document.problem
