"""What the parsers promise, one behaviour per test, on real documents and small made pages."""

from __future__ import annotations

import pytest

from parsers import parse_document
from parsers.encoding import decode_bytes
from parsers.normalize import parse_value
from tests.helpers import FIXTURES

SHANGHAI = FIXTURES / "corpus/shanghai-bgt-2019.html"
SEED = {path.name[:3]: path for path in FIXTURES.glob("seeds/*.txt")}


def report_of(path):
    outcome = parse_document(path.read_bytes(), url=str(path))
    assert outcome.report is not None, outcome.reason
    return outcome.report


def test_blank_cells_are_null_and_zero_cells_are_zero():
    cells = report_of(SHANGHAI).cell_map()
    assert cells["t3.granted.total"] is None  # printed as &nbsp;
    assert cells["t3.granted.social"] is None
    assert cells["t3.granted.legal_service"] == 1
    assert cells["t2.licensing.prev_items"] == 0


def test_amounts_in_yuan_are_stored_in_ten_thousand_yuan_with_raw_kept():
    report = report_of(SHANGHAI)
    cell = next(c for c in report.cells if c.key == "t2.procurement.amount")
    assert cell.value == pytest.approx(25.1)
    assert cell.raw == "251000元"


def test_signed_changes_keep_their_sign():
    cells = report_of(SEED["000"]).cell_map()
    assert cells["t2.licensing.change"] == 95
    assert cells["t2.other_services.change"] == -106


def test_table_with_missing_cells_keeps_only_certain_cells_and_is_flagged():
    report = report_of(SEED["004"])
    keys = {cell.key for cell in report.cells if cell.key.startswith("t4.")}
    assert keys == {
        f"t4.review.{leaf}" for leaf in ("upheld", "corrected", "other", "pending", "total")
    }
    assert any("t4 incomplete" in warning for warning in report.warnings)


def test_format_comes_from_table_headers_not_from_the_year():
    assert report_of(SEED["000"]).format == "2019"
    assert report_of(SEED["004"]).format == "2021"
    assert report_of(SEED["003"]).format == "pre2019"


def test_a_2021_report_keeping_the_2019_other_row_gets_the_single_other_keys():
    report = report_of(FIXTURES / "corpus/hongze-district-2023.pdf")
    keys = {cell.key for cell in report.cells}
    assert report.format == "2021"
    assert "t3.other.total" in keys and "t3.other.other.total" not in keys


def test_published_rule_breaks_are_recorded_as_failed_checks():
    checks = {check.name: check for check in report_of(SHANGHAI).checks}
    assert not checks["t3.row_total.granted"].ok
    assert checks["t3.row_total.granted"].detail == "总计: blank printed, parts add up to 272"
    assert checks["t3.balance.natural_person"].ok


def test_consistent_reports_pass_every_check():
    report = report_of(SEED["002"])
    assert report.checks and all(check.ok for check in report.checks)


def test_hongze_group_totals_of_zero_fail_the_t4_rule():
    checks = {c.name: c for c in report_of(FIXTURES / "corpus/hongze-district-2023.pdf").checks}
    assert not checks["t4.group_total.review"].ok


def test_sections_are_split_at_the_six_part_headings():
    sections = report_of(SEED["004"]).sections
    assert len(sections) == 6
    assert next(iter(sections)).endswith("总体情况")
    assert sections[list(sections)[-1]].startswith("无。")


def test_chrome_is_stripped_but_signature_and_date_stay():
    report = report_of(SEED["002"])
    assert "ICP备" not in report.body_text and "站点地图" not in report.body_text
    assert report.body_text.rstrip().endswith("2023年1月12日")
    assert report.published == "2023-01-12"


def test_report_without_title_takes_organ_and_year_from_its_text():
    report = report_of(SEED["001"])
    assert report.title is None
    assert report.organ == "东丽区人民政府"
    assert report.year == 2022


def test_column_page_is_not_a_report():
    outcome = parse_document((FIXTURES / "corpus/ordos-engebei-column.html").read_bytes(), "c.html")
    assert outcome.report is None and outcome.reason


@pytest.mark.parametrize(
    "title",
    [
        "东丽区2023年法治政府建设年度报告",
        "关于做好2023年政府信息公开工作年度报告编制工作的通知",
        "2024年政务公开工作要点",
    ],
)
def test_other_documents_in_the_column_are_not_reports(title):
    body = "<p>" + "一、总体情况。主动公开政府信息情况。" * 30 + "</p>"
    page = f"<html><head><title>{title}</title><meta name='ArticleTitle' content='{title}'></head>"
    outcome = parse_document(f"{page}<body><h1>{title}</h1>{body}</body></html>", "n.html")
    assert outcome.report is None
    assert outcome.reason


def test_gbk_page_without_charset_decodes():
    page = SHANGHAI.read_text(encoding="utf-8")
    outcome = parse_document(page.encode("gb18030"), "gbk.html")
    assert outcome.encoding == "gb18030"
    assert outcome.report.organ == "上海市人民政府办公厅"


def test_gbk_body_under_a_utf8_header_decodes():
    text, codec = decode_bytes("年度报告".encode("gbk") * 50, declared="utf-8")
    assert text.startswith("年度报告") and codec == "gb18030"


def test_declared_gb2312_is_read_as_gb18030():
    text, codec = decode_bytes("<meta charset='gb2312'>镕".encode("gb18030"))
    assert codec == "gb18030" and text.endswith("镕")


def test_metadata_grid_feeds_metadata_and_leaves_the_body():
    grid = (
        "<table><tr><td>索引号：</td><td>11/2024-001</td><td>发布机构：</td><td>某某县人民政府</td>"
        "</tr><tr><td>发布日期：</td><td>2024-01-20</td><td>主题分类：</td><td>年报</td></tr></table>"
    )
    text = SHANGHAI.read_text(encoding="utf-8").replace(
        "<p style='text-align: center'>发布日期：2020-01-31</p>", ""
    )
    outcome = parse_document(
        f"<html><body><div id='zoom'>{grid}{text}</div></body></html>", "m.html"
    )
    assert outcome.report.published == "2024-01-20"
    assert "索引号" not in outcome.report.body_text


@pytest.mark.parametrize(
    ("raw", "unit", "value"),
    [
        ("12", "count", 12),
        ("１２", "count", 12),
        ("1,234", "count", 1234),
        ("+95", "count", 95),
        ("-106", "count", -106),
        ("37844万元", "as_written", 37844),
        ("251000元", "as_written", 25.1),
        ("", "count", None),
        ("/", "count", None),
        ("-", "count", None),
        ("无", "count", None),
        ("3027.6557", "10k_yuan", 3027.6557),
        ("5件", "count", 5),
    ],
)
def test_cell_values_are_normalised(raw, unit, value):
    assert parse_value(raw, unit) == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize("seed", ["001", "002", "004"])
def test_borderless_tables_printed_as_label_and_numbers_are_read(seed):
    """PDF text without table borders gives "label 3 0 0 3" lines; rows are still read."""
    import json
    import re

    from tests.helpers import GOLDEN, gold_differences

    lines = [
        re.sub(r"\s*\|+\s*", " ", line).strip() if "|" in line else line
        for line in SEED[seed].read_text(encoding="utf-8").split("\n")
    ]
    outcome = parse_document("\n".join(lines), url="borderless.txt")
    gold = json.loads(next(GOLDEN.glob(f"seed_{seed}_*.json")).read_text(encoding="utf-8"))
    assert gold_differences(outcome.report, gold) == []


def test_publication_date_wins_over_the_signing_date():
    grid = (
        "<table><tr><td>索引号：</td><td>11/2024-002</td><td>成文日期：</td><td>2024-01-15</td></tr>"
        "<tr><td>发布日期：</td><td>2024-01-20</td><td>主题分类：</td><td>年报</td></tr></table>"
    )
    text = SHANGHAI.read_text(encoding="utf-8").replace("发布日期：2020-01-31", "")
    page = f"<html><body><div id='zoom'>{grid}{text}</div></body></html>"
    assert parse_document(page, "d.html").report.published == "2024-01-20"


@pytest.mark.parametrize(
    ("title", "organ", "year"),
    [
        ("北京市东城区人民政府2023年政府信息公开工作年度报告", "北京市东城区人民政府", 2023),
        ("2016年度株洲云龙示范区政府信息公开工作年度报告", "株洲云龙示范区", 2016),
        ("XX镇2022年政府信息公开年报", "XX镇", 2022),
        ("关于公布《通渭县2022年政府信息公开工作年度报告》的通知", "通渭县", 2022),
        ("某某县人民政府办公室关于印发某某县2023年政府信息公开工作年度报告的通知", "某某县", 2023),
        ("某某市生态环境局2023年度政府信息公开工作年度报告（修订）", "某某市生态环境局", 2023),
        ("2022年度政府信息公开工作年度报告", None, 2022),
    ],
)
def test_organ_and_year_come_from_the_title(title, organ, year):
    from parsers.meta import organ_from_title, year_of

    assert organ_from_title(title) == organ
    assert year_of(title, "", None) == year


def test_signature_date_in_chinese_numerals_is_the_publication_date():
    text = SEED["002"].read_text(encoding="utf-8").replace("2023年1月12日", "二〇二三年一月十二日")
    assert parse_document(text, "sig.txt").report.published == "2023-01-12"


def test_other_subtotal_row_beside_its_2021_sub_rows_gets_no_2019_keys():
    text = (
        SEED["002"]
        .read_text(encoding="utf-8")
        .replace(
            "(六)其他处理 | 1.申请人无正当理由",
            "(六)其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n1.申请人无正当理由",
        )
    )
    report = parse_document(text, "subtotal.txt").report
    keys = {cell.key for cell in report.cells}
    assert "t3.other.total" not in keys and "t3.other.other.total" in keys
    assert any("subtotal" in warning for warning in report.warnings)
