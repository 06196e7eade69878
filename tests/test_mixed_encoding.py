"""A page whose template is UTF-8 and whose content is GBK keeps both readable (issue 10:
such a page was stored with organ "年新收政府")."""

from __future__ import annotations

from demo.faultserver import report_page
from parsers import parse_document
from parsers.encoding import MIXED, decode_bytes


def mixed_page() -> bytes:
    """The test report with its head and chrome in UTF-8 and its body text in GBK."""
    text = report_page().decode("utf-8")
    head, body = text.split("<body>", 1)
    return head.encode("utf-8") + b"<body>\n" + body.encode("gb18030")


def test_utf8_template_with_gbk_content_is_decoded_line_by_line():
    text, codec = decode_bytes(mixed_page(), "utf-8")
    assert codec == MIXED
    assert "\ufffd" not in text
    assert report_page().decode("utf-8").split("<body>", 1)[1] in text.replace("<body>\n", "<body>")


def test_mixed_page_is_read_as_the_same_report():
    whole = parse_document(report_page(), "http://127.0.0.1/r/a.html", "text/html", None)
    mixed = parse_document(
        mixed_page(), "http://127.0.0.1/r/a.html", "text/html; charset=utf-8", None
    )
    assert mixed.report is not None and whole.report is not None
    assert (mixed.report.organ, mixed.report.year) == (whole.report.organ, whole.report.year)
    assert mixed.report.cell_map() == whole.report.cell_map()


def test_pure_gbk_and_pure_utf8_pages_are_not_mixed():
    page = report_page().decode("utf-8")
    assert decode_bytes(page.encode("utf-8"))[1] == "utf-8"
    assert decode_bytes(page.encode("gb18030"), "gbk")[1] == "gb18030"
