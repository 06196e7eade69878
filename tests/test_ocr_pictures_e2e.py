"""A report page whose tables are published as a picture: the crawl fetches the picture
under the attachments' rules, reads it by OCR with the page, and stores one report; a
picture that does not come is recorded and the page is read without it."""

from __future__ import annotations

import io
import sqlite3

import pytest

from crawler.attachments import table_pictures
from parsers.report import parse_document
from tests.crawl_helpers import crawl_served_site
from tests.helpers import FIXTURES, GOLDEN, load_gold

SCAN = FIXTURES / "scans" / "hongze-district-2023.pdf"
GOLD = GOLDEN / "corpus_hongze-district-2023.json"
TITLE = "洪泽区人民政府2023年政府信息公开工作年度报告"


def test_pictures_in_the_article_are_found_and_chrome_pictures_are_not():
    html = (
        '<html><body><div class="logo"><img src="/images/logo.png"></div>'
        '<div id="zoom"><p>一、总体情况</p><p>2023年，本机关政府信息公开工作稳步推进。</p>'
        '<p>四、政府信息公开行政复议、行政诉讼情况</p><img src="./t4.png">'
        '<img src="data:image/png;base64,AA">'
        '<img src="./t4.png"><img src="/counter.jsp?id=1"><img data-src="t3.JPG"></div>'
        "</body></html>"
    )
    url = "http://gov.cn/ndbg/a/t1.html"
    outcome = parse_document(html.encode("utf-8"), url, "text/html; charset=utf-8")
    assert table_pictures(outcome, url) == [
        "http://gov.cn/ndbg/a/t4.png",
        "http://gov.cn/ndbg/a/t3.JPG",
    ]


def _table_picture() -> bytes:
    """表三 and 表四 of the real report's 200-dpi scan as one long PNG (the bottom of
    page 3 and the top of page 4 stacked), as sites publish a report's tables."""
    pypdfium2 = pytest.importorskip("pypdfium2")
    from PIL import Image

    document = pypdfium2.PdfDocument(SCAN.read_bytes())
    parts = [
        document[2].render(scale=200 / 72, grayscale=True).to_pil().crop((0, 950, 1654, 2180)),
        document[3].render(scale=200 / 72, grayscale=True).to_pil().crop((0, 150, 1654, 1330)),
    ]
    picture = Image.new("L", (1654, sum(part.height for part in parts)), 255)
    picture.paste(parts[0], (0, 0))
    picture.paste(parts[1], (0, parts[0].height))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.e2e
def test_crawl_reads_a_table_published_as_a_picture_into_the_pages_report(tmp_path):
    pytest.importorskip("rapidocr_onnxruntime")

    column = tmp_path / "site" / "zwgk" / "ndbg"
    (column / "202401").mkdir(parents=True)
    (column / "202401" / "t20240125_1.html").write_text(
        f'<html><head><meta charset="utf-8"><title>{TITLE}</title></head><body>'
        '<div class="logo"><img src="/logo.png"></div>'
        f'<div id="zoom"><h1>{TITLE}</h1><p>本报告由洪泽区人民政府办公室编制。</p>'
        # A picture the site no longer has: recorded as a failure, the page read without it.
        '<p><img src="./W020240125_gone.png"></p><p><img src="./W020240125_tables.png"></p>'
        "<p>五、存在的主要问题及改进情况</p><p>继续加强业务指导培训。</p>"
        "<p>洪泽区人民政府办公室</p><p>2024年1月25日</p></div></body></html>",
        encoding="utf-8",
    )
    (column / "202401" / "W020240125_tables.png").write_bytes(_table_picture())
    (column / "index.html").write_text(
        f'<html><body><ul><li><a href="./202401/t20240125_1.html">{TITLE}</a></li></ul>'
        "</body></html>",
        encoding="utf-8",
    )
    db = tmp_path / "pictures.db"
    done = crawl_served_site(tmp_path / "site", "zwgk/ndbg/index.html", db)
    assert done.returncode == 0, done.stderr[-3000:]
    gold = {k: v for k, v in load_gold(GOLD)["cells"].items() if k[:3] in ("t3.", "t4.")}
    with sqlite3.connect(db) as connection:
        reports = connection.execute("SELECT id, url, year FROM reports").fetchall()
        failures = connection.execute("SELECT url, reason FROM failures").fetchall()
        cells = connection.execute("SELECT key, value, source, confidence FROM report_cells")
        cells = {key: (value, source, confidence) for key, value, source, confidence in cells}
    (report,) = reports  # one report: the page's, its table read from the picture
    assert report[1].endswith("t20240125_1.html") and report[2] == 2023
    assert [(url.rsplit("/", 1)[-1], reason) for url, reason in failures] == [
        ("W020240125_gone.png", "http 404")
    ]
    assert set(gold) <= set(cells)
    for key, want in gold.items():
        value, source, confidence = cells[key]
        assert value == want and source == "ocr" and 0 < confidence <= 1, key
