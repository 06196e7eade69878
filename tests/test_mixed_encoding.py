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


def test_undeclared_gbk_page_is_gb18030_without_asking_chardet(monkeypatch):
    import chardet

    def no_statistics(*args, **kwargs):
        raise AssertionError("chardet asked")

    monkeypatch.setattr(chardet, "detect", no_statistics)
    page = report_page().decode("utf-8")
    assert decode_bytes(page.encode("gb18030")) == (page, "gb18030")


def test_other_east_asian_encodings_read_as_gb18030_are_left_to_chardet(monkeypatch):
    """Big5, EUC-KR and Shift_JIS bytes decode as GB18030 too, into uncommon ideographs."""
    import chardet

    asked = []

    def detect(sample, *args, **kwargs):
        asked.append(sample)
        return {"encoding": None, "confidence": 0.0}

    monkeypatch.setattr(chardet, "detect", detect)
    texts = {
        "big5": "中華人民共和國政府資訊公開條例規定，本機關應當於每年公佈政府資訊公開工作年度報告。"
        "本報告數據統計期限自一月一日起至十二月三十一日止。",
        "euc_kr": "대한민국 정부 정보 공개 연례 보고서입니다. "
        "이 보고서는 정보공개법에 따라 작성되었습니다.",
        "shift_jis": "日本の政府情報公開年次報告書です。"
        "この報告書は情報公開法に基づいて作成されました。",
    }
    for codec, text in texts.items():
        body = (text * 5).encode(codec)
        body.decode("gb18030")  # they do decode: only their characters tell them apart
        decode_bytes(body)
    assert len(asked) == len(texts)
