"""Scanned reports read by OCR: every gold cell, with its source and confidence stored.

OCR is CPU-heavy, so the real scan (5 pages) is read once for the whole module; the
other tests use pictures with no ink or that are refused before anything is decoded.
"""

from __future__ import annotations

import io
import sqlite3
import struct
import zlib

import pytest

from parsers import parse_document
from parsers.__main__ import main as parsers_cli
from tests.crawl_helpers import crawl_served_site
from tests.helpers import FIXTURES, GOLDEN, gold_differences, load_gold

pytest.importorskip("rapidocr_onnxruntime")

SCAN = FIXTURES / "scans" / "hongze-district-2023.pdf"
GOLD = GOLDEN / "corpus_hongze-district-2023.json"


@pytest.fixture(scope="module")
def scanned_report(tmp_path_factory):
    """The 200-dpi scan of a real report, parsed once and stored as `python -m parsers
    --db` stores it (reading it twice would double the test's OCR time)."""
    from output.store import ReportStore

    db = tmp_path_factory.mktemp("ocr") / "reports.db"
    outcome = parse_document(SCAN.read_bytes(), url=str(SCAN))
    store = ReportStore(db)
    store.save_outcomes([outcome])
    store.close()
    return outcome, db


def test_scanned_pdf_is_read_to_every_gold_cell(scanned_report):
    outcome, _ = scanned_report
    assert outcome.report is not None, outcome.reason
    assert gold_differences(outcome.report, load_gold(GOLD)) == []


def test_scanned_cells_are_stored_with_source_and_confidence(scanned_report):
    _, db = scanned_report
    gold = load_gold(GOLD)["cells"]
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT key, value, source, confidence, flagged FROM report_cells"
        ).fetchall()
    assert {key for key, *_ in rows} == set(gold)
    for key, value, source, confidence, _flagged in rows:
        assert source == "ocr"
        assert 0 < confidence <= 1
        assert (value is None and gold[key] is None) or value == pytest.approx(gold[key])


def test_cells_of_a_printed_sum_that_fails_are_flagged_and_listed(scanned_report):
    # As printed, 行政复议 维持10 纠正1 but 总计0: the page is kept, its cells flagged.
    outcome, db = scanned_report
    flagged = {cell.key for cell in outcome.report.cells if cell.flagged}
    assert {"t4.review.upheld", "t4.review.total"} <= flagged
    assert any(w.startswith("t4.review.total: flagged") for w in outcome.report.warnings)
    with sqlite3.connect(db) as connection:
        stored = {k for (k,) in connection.execute("SELECT key FROM report_cells WHERE flagged")}
    assert stored == flagged


# ------------------------------------------------------------------ bad input, recorded


def _white_rows(width: int, height: int, filter_byte: bytes = b"") -> bytes:
    """Deflated rows of a 1-bit white image, made row by row (no image held in memory)."""
    compressor = zlib.compressobj(9)
    row = filter_byte + b"\xff" * ((width + 7) // 8)
    return b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()


def _png(width: int, height: int) -> bytes:
    """A 1-bit white PNG of any size."""
    data = _white_rows(width, height, b"\x00")

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _pdf_with_picture(width: int, height: int) -> bytes:
    """A one-page PDF whose page is a width × height picture (img2pdf refuses huge ones)."""
    image = _white_rows(width, height)
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (width, height, len(image), image),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _pdf_of(pictures: list[bytes]) -> bytes:
    img2pdf = pytest.importorskip("img2pdf")
    return img2pdf.convert(pictures)


def test_huge_picture_is_refused_before_it_is_decoded():
    outcome = parse_document(_png(20000, 20000), url="http://example.gov.cn/scan.png")
    assert not outcome.is_report
    assert "decompression bomb guard" in outcome.reason
    assert outcome.reason.startswith("unreadable picture")


def test_pdf_holding_a_huge_picture_is_refused_before_it_is_rendered():
    outcome = parse_document(_pdf_with_picture(20000, 20000), url="scan.pdf")
    assert not outcome.is_report
    assert "decompression bomb guard" in outcome.reason


def test_scan_over_the_page_cap_is_recorded_not_read(tmp_path):
    scan = tmp_path / "long-scan.pdf"
    scan.write_bytes(_pdf_of([_png(200, 280)] * 500))
    db = tmp_path / "reports.db"
    # Not read: exit 1, and the scan is kept with its reason like any unread scan.
    assert parsers_cli([str(scan), "--db", str(db), "--quiet"]) == 1
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM reports").fetchone()[0] == 0
        (reason,) = connection.execute("SELECT parse_result FROM pages").fetchone()
    assert reason.startswith("scanned PDF: 500 page(s) without a text layer")
    assert "over the OCR limit" in reason


def test_blank_scanned_pages_are_recorded_as_scans_with_no_text():
    from PIL import Image

    page = io.BytesIO()
    Image.new("L", (1654, 2339), 255).save(page, "PNG", dpi=(200, 200))  # A4 at 200 dpi
    outcome = parse_document(_pdf_of([page.getvalue()] * 2), url="blank.pdf")
    assert not outcome.is_report
    assert (
        outcome.reason == "scanned PDF: 2 page(s) without a text layer; OCR found no text on them"
    )


def test_corrupt_picture_is_recorded_as_unreadable():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (400, 300), 128).save(buffer, "JPEG")
    outcome = parse_document(buffer.getvalue()[:300], url="http://example.gov.cn/table.jpg")
    assert not outcome.is_report
    assert outcome.reason.startswith("unreadable picture")


def test_scan_is_recorded_not_read_when_ocr_is_off(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTS_OCR", "0")
    outcome = parse_document(SCAN.read_bytes(), url="scan.pdf")
    assert outcome.reason == "scanned PDF: 5 page(s) without a text layer; OCR is turned off"


# ------------------------------------------------------------------ the crawl reads scans too

STAMPED = FIXTURES / "scans" / "made-hongze-3-pages-stamped.pdf"


@pytest.mark.e2e
def test_crawl_reads_a_scanned_attachment_and_flags_what_it_doubts(tmp_path):
    """A notice page attaching a scanned report (3 pages, 0.5° turned, a seal over the
    tables, JPEG q60): the attachment is stored as a report from OCR, every cell either
    equal to the gold or flagged."""

    title = "洪泽区人民政府2023年政府信息公开工作年度报告"
    column = tmp_path / "site" / "zwgk" / "ndbg"
    (column / "202401").mkdir(parents=True)
    (column / "202401" / "t20240125_1.html").write_text(
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div class="article"><p>{title}见附件。</p>'
        f'<p>附件：<a href="./P020240125_1.pdf">{title}.pdf</a></p></div></body></html>',
        encoding="utf-8",
    )
    (column / "202401" / "P020240125_1.pdf").write_bytes(STAMPED.read_bytes())
    (column / "index.html").write_text(
        f'<html><body><ul><li><a href="./202401/t20240125_1.html">{title}</a></li></ul>'
        "</body></html>",
        encoding="utf-8",
    )
    db = tmp_path / "scan.db"
    done = crawl_served_site(tmp_path / "site", "zwgk/ndbg/index.html", db)
    assert done.returncode == 0, done.stderr[-3000:]
    gold = load_gold(GOLD)["cells"]
    with sqlite3.connect(db) as connection:
        (status,) = connection.execute("SELECT status FROM attachments").fetchone()
        cells = connection.execute(
            "SELECT c.key, c.value, c.source, c.confidence, c.flagged FROM report_cells c"
            " JOIN reports r ON r.id = c.report_id WHERE r.url LIKE '%.pdf'"
        ).fetchall()
    assert status == "report"
    assert len(cells) >= 100  # 表三 and 表四 at least
    for key, value, source, confidence, flagged in cells:
        assert source == "ocr" and confidence is not None
        want = gold.get(key, "not in the report")
        right = key in gold and (
            value == want or (value is not None and value == pytest.approx(want))
        )
        assert right or flagged, (key, value, want)


def test_docx_of_pictures_only_is_read_by_ocr():
    """A Word file whose report is pasted in as pictures: here 表四 of the scan."""
    import docx
    import pypdfium2

    page = pypdfium2.PdfDocument(SCAN.read_bytes())[3]
    picture = page.render(scale=200 / 72, grayscale=True).to_pil().crop((190, 890, 1460, 1330))
    image = io.BytesIO()
    picture.save(image, "PNG")
    document = docx.Document()
    document.add_picture(io.BytesIO(image.getvalue()))
    saved = io.BytesIO()
    document.save(saved)

    from parsers.attachments import extract_docx
    from parsers.model import Table

    read = extract_docx(saved.getvalue())
    assert read.problem is None
    (table,) = [block for block in read.blocks if isinstance(block, Table)]
    assert table.rows[-1] == ["10", "1", "0", "0", "0"] + ["0"] * 5 + ["5", "0", "0", "0", "0"]
    assert all(reading is not None for reading in table.readings[-1])


BORDERLESS = FIXTURES / "scans" / "made-hongze-borderless-tables.pdf"


def test_borderless_tables_are_rebuilt_from_aligned_text_to_every_gold_cell():
    """Pages 3 and 4 of the real report scanned with their tables' rules erased: rows
    come from bands of ink, cells from pieces of text that stand apart, and 表三 and
    表四 read as the ruled scan reads them, every cell from OCR with its confidence."""
    outcome = parse_document(BORDERLESS.read_bytes(), url=str(BORDERLESS))
    assert outcome.report is not None, outcome.reason
    gold = load_gold(GOLD)["cells"]
    wanted = {key: value for key, value in gold.items() if key.startswith(("t3.", "t4."))}
    cells = {cell.key: cell for cell in outcome.report.cells}
    assert set(wanted) <= set(cells)
    for key, value in wanted.items():
        assert cells[key].value == value, key
        assert cells[key].reading is not None and 0 < cells[key].reading.confidence <= 1
    # As printed, 行政复议 维持10 纠正1 but 总计0: flagged here as on the ruled scan.
    assert cells["t4.review.total"].flagged
