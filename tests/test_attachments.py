"""PDF attachments (text layers, tables, damaged files) read into paragraphs and tables;
Word files and the dispatch are in test_attachments_word.py."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from parsers.attachments import (
    clean_cell,
    extract_attachment,
    extract_docx,
    extract_pdf,
    is_page_furniture,
)
from parsers.model import Document, Paragraph, Table

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures" / "attachments"
CORPUS = TESTS / "fixtures" / "corpus"
GOLDEN = TESTS / "golden"
CELL_KEYS = TESTS.parent / "parsers" / "cells.tsv"
REAL_PDFS = ["huaian-city-2024", "hongze-district-2023"]
needs_antiword = pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword missing")
needs_catdoc = pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc missing")

_read_cache: dict[str, Document] = {}


def real_pdf(name: str) -> Document:
    # Reading a real report takes about half a second; several tests look at the same one.
    if name not in _read_cache:
        _read_cache[name] = extract_pdf((CORPUS / f"{name}.pdf").read_bytes())
    return _read_cache[name]


def gold(name: str) -> dict:
    return json.loads((GOLDEN / f"corpus_{name}.json").read_text(encoding="utf-8"))


def tables(document: Document) -> list[Table]:
    return [block for block in document.blocks if isinstance(block, Table)]


def paragraphs(document: Document) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, Paragraph)]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def gold_t3_rows(name: str) -> list[list[str]]:
    """The seven numbers of each table-3 row of the gold, in the order the spec lists rows."""
    cells = gold(name)["cells"]
    with CELL_KEYS.open(encoding="utf-8") as handle:
        keys = [row["key"] for row in csv.DictReader(handle, delimiter="\t")]
    rows: dict[str, list[str]] = {}
    for key in keys:
        if key.startswith("t3.") and key in cells:
            rows.setdefault(key.rsplit(".", 1)[0], []).append(str(cells[key]))
    return list(rows.values())


def is_number(cell: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)?", cell) is not None


def numeric_tail(row: list[str], count: int) -> list[str] | None:
    """The last ``count`` cells when they are numbers and a label stands before them."""
    tail = row[-count:]
    if len(row) > count and not is_number(row[-count - 1]) and all(map(is_number, tail)):
        return tail
    return None


# --------------------------------------------------------------------------- real PDFs


@pytest.mark.parametrize("name", REAL_PDFS)
def test_pdf_tables_keep_row_labels_with_their_numbers(name):
    document = real_pdf(name)
    assert document.problem is None
    rows = [row for table in tables(document) for row in table.rows]
    t3 = [(row[-8], numeric_tail(row, 7)) for row in rows if numeric_tail(row, 7)]
    # Each row's label sits just before its seven numbers, and rows follow the printed order.
    assert [numbers for _, numbers in t3] == gold_t3_rows(name)
    labels = [label for label, _ in t3]
    assert labels[0] == "一、本年新收政府信息公开申请数量"
    assert labels[1] == "二、上年结转政府信息公开申请数量"
    assert "1.本机关不掌握相关政府信息" in labels
    assert labels[-1] == "四、结转下年度继续办理"


@pytest.mark.parametrize("name", REAL_PDFS)
def test_pdf_table_continued_on_the_next_page_stays_in_one_table_in_order(name):
    t3 = next(table for table in tables(real_pdf(name)) if "申请人情况" in table.rows[0])
    labels = [squash("".join(row[:-7])) for row in t3.rows if numeric_tail(row, 7)]
    before = next(i for i, label in enumerate(labels) if "本机关不掌握" in label)
    after = next(i for i, label in enumerate(labels) if "没有现成信息" in label)
    assert after == before + 1
    assert any("（七）总计" in label for label in labels[after:])


@pytest.mark.parametrize("name", REAL_PDFS)
def test_pdf_review_and_lawsuit_table_has_its_fifteen_numbers_in_order(name):
    cells = gold(name)["cells"]
    expected = [str(cells[key]) for key in cells if key.startswith("t4.")]
    rows = [row for table in tables(real_pdf(name)) for row in table.rows]
    assert [row for row in rows if len(row) == 15 and all(map(is_number, row))] == [expected]


@pytest.mark.parametrize("name", REAL_PDFS)
def test_pdf_table2_values_are_in_their_rows(name):
    rows = [row for table in tables(real_pdf(name)) for row in table.rows]
    cells = gold(name)["cells"]
    assert [
        "规章",
        *(str(cells[f"t2.regulations.{c}"]) for c in ("issued", "repealed", "in_force")),
    ] in rows
    assert ["行政许可", str(cells["t2.licensing.decisions"])] in rows
    assert ["行政事业性收费", str(cells["t2.fees.amount"])] in rows


@pytest.mark.parametrize("name", REAL_PDFS)
def test_pdf_text_contains_the_gold_sentences(name):
    text = squash("\n".join(paragraphs(real_pdf(name))))
    for sentence in gold(name)["must_contain"]:
        assert squash(sentence) in text


@pytest.mark.parametrize("name", REAL_PDFS)
def test_pdf_page_numbers_are_removed(name):
    for text in paragraphs(real_pdf(name)):
        assert not re.fullmatch(r"[-—－\s]*\d+[-—－\s]*", text), text


def test_pdf_prose_painted_on_white_boxes_is_not_taken_for_a_table():
    # The Hongze PDF paints a white box behind every line of its prose (WPS export).
    document = real_pdf("hongze-district-2023")
    for table in tables(document):
        assert all(not row[0].startswith(("本报告由", "级审核", "人员跟班")) for row in table.rows)
    assert any(
        text.startswith("本报告由淮安市洪泽区人民政府办公室") for text in paragraphs(document)
    )


def test_pdf_paragraph_lines_are_joined_across_line_and_page_breaks():
    texts = paragraphs(real_pdf("hongze-district-2023"))
    # "…执行“分" ends page 1 and "级审核、先审后发”程序…" starts page 2.
    assert any("严格执行“分级审核、先审后发”程序" in text for text in texts)


def test_pdf_text_and_tables_come_in_reading_order():
    blocks = real_pdf("huaian-city-2024").blocks
    heading = next(
        i for i, b in enumerate(blocks) if isinstance(b, Paragraph) and b.text.startswith("三、")
    )
    assert isinstance(blocks[heading + 1], Table)
    assert "申请人情况" in blocks[heading + 1].rows[0]
    follows = blocks[heading + 2]
    assert isinstance(follows, Paragraph) and follows.text.startswith("四、")


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("huaian-city-2024", "淮安市人民政府2024年政府信息公开工作年度报告"),
        ("hongze-district-2023", "洪泽区人民政府2023年政府信息公开工作年度报告"),
    ],
)
def test_pdf_title_is_the_report_heading(name, title):
    assert real_pdf(name).title == title


def test_pdf_metadata_in_little_endian_utf16_is_decoded():
    meta = real_pdf("hongze-district-2023").meta
    assert meta["pdf:Title"] == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert meta["pdf:CreationDate"].startswith("D:20240226")


def test_pdf_table_running_over_a_page_break_is_one_table_in_order():
    document = extract_pdf((FIXTURES / "made-long-table.pdf").read_bytes())
    assert [type(block).__name__ for block in document.blocks] == [
        "Paragraph",
        "Paragraph",
        "Table",
        "Paragraph",
    ]
    (table,) = tables(document)
    assert table.rows[0] == ["项目", "本年新收", "办结"]
    expected = [
        [f"第{n}项" + ("本机关不掌握相关政府信息" if n % 5 == 0 else ""), str(n * 7), str(1000 + n)]
        for n in range(1, 61)
    ]
    assert table.rows[1:] == expected
    # The footer "- 1 -" between the two halves is gone.
    assert paragraphs(document)[-1] == "六、其他需要报告的事项"


def test_pdf_and_docx_of_one_document_give_the_same_table():
    from_pdf = extract_pdf((FIXTURES / "made-merged-cells.pdf").read_bytes())
    from_docx = extract_docx((FIXTURES / "made-merged-cells.docx").read_bytes())
    assert tables(from_pdf) == tables(from_docx)
    assert paragraphs(from_pdf) == paragraphs(from_docx)
    assert from_pdf.title == from_docx.title


# --------------------------------------------------------------------------- broken PDFs


def test_scan_too_coarse_for_ocr_is_reported_not_parsed():
    document = extract_attachment((FIXTURES / "made-scanned-2-pages.pdf").read_bytes(), "x.pdf")
    assert document.blocks == []
    assert document.problem == (
        "scanned PDF: 2 page(s) without a text layer, not read: page 1 is scanned at 40 dpi, "
        "too coarse to read (at least 100 dpi needed)"
    )


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n" + b"x" * 300, b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", b""],
    ids=["garbage", "truncated", "empty"],
)
def test_damaged_pdf_gives_a_problem_not_an_exception(data):
    document = extract_pdf(data)
    assert document.blocks == []
    assert document.problem.startswith("unreadable PDF: ")


def test_pdf_cut_in_half_gives_a_problem_not_an_exception():
    data = (CORPUS / "huaian-city-2024.pdf").read_bytes()
    document = extract_attachment(data[: len(data) // 2], "report.pdf")
    assert document.problem.startswith("unreadable PDF: ")


# --------------------------------------------------------------------------- cells and furniture


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("1.本机关不掌握相关\n政府信息", "1.本机关不掌握相关政府信息"),
        ("12\n34", "1234"),
        ("商业企\n业", "商业企业"),
        ("结 果\n维持", "结果维持"),
        ("三、\n本\n年\n度", "三、本年度"),
        (
            "（区分处理的，只计这一情 形，不\n计其他情形）",
            "（区分处理的，只计这一情形，不计其他情形）",
        ),
        ("Legal\nservice", "Legal service"),
        (None, ""),
        ("  ", ""),
    ],
)
def test_cell_text_wrapped_over_lines_is_joined(raw, clean):
    assert clean_cell(raw) == clean


@pytest.mark.parametrize("line", ["- 3 -", "— 3 —", "－3－", "第 3 页", "第3页共6页", "— 12 —"])
def test_page_number_lines_are_furniture_anywhere(line):
    assert is_page_furniture(line)


@pytest.mark.parametrize("line", ["3", "3/6", " 12 "])
def test_bare_page_numbers_are_furniture_only_at_a_page_edge(line):
    assert is_page_furniture(line, at_page_edge=True)
    assert not is_page_furniture(line, at_page_edge=False)


@pytest.mark.parametrize("line", ["2024 年，全市共受理政府信息公开申请 3119 件", "一、总体情况"])
def test_report_text_is_not_furniture(line):
    assert not is_page_furniture(line, at_page_edge=True)
