"""A line's strong chrome signs are counted alike when the regex is tried only where one
of its alternatives' opening literals stands (parsers/_walk.pyx literal_at), its
^-anchored alternatives only on a line beginning with a character one of them begins
with, and when it searches the whole line; a line's weak signs are found alike by the
regex and by its anchored and floating alternatives apart: on every line of the real
pages, on each line's pieces, and on made texts of the signs, their near misses and
Chinese prose."""

from __future__ import annotations

import random

import pytest

from parsers import chrome
from parsers.compiled import walks
from parsers.encoding import decode_bytes
from parsers.html import parse_html
from parsers.model import Paragraph, Table
from parsers.normalize import squash
from tests.made_pages import REAL_PAGES

pytestmark = pytest.mark.skipif(walks is None, reason="parsers/_walk.pyx not built")

# Each floating alternative written out once, and its opening cut short: a sign and the
# text that almost is one.
SIGNS = [
    "ICP备",
    "ICP证",
    "公网安备",
    "网站标识码",
    "网站识别码",
    "责任编辑",
    "分享到",
    "打印本页",
    "关闭窗口",
    "【打印】",
    "【关闭】",
    "[打印]",
    "[关闭]",
    "扫一扫",
    "在手机上查看",
    "在手机上打开",
    "浏览次数",
    "浏览量:",
    "浏览量：",
    "点击数",
    "点击量",
    "点击率",
    "阅读次数",
    "访问量：",
    "视力保护色",
    "字号:",
    "字体：",
    "【大中小】",
    "[大中小]",
    "主办单位：",
    "承办单位:",
    "版权所有",
    "Copyright",
    "©",
    "技术支持：",
    "政府网站找错",
    "建议使用1366×768分辨率",
    "建议使用IE浏览器",
]
# Each ^-anchored alternative's texts: signs only at a line's start; some begin as a
# floating sign does (字体：), where _STRONG's order of alternatives decides the match.
SIGNS_AT_START = [
    "字体", "【字体", "字体：", "主办：", "承办:", "协办：", "当前位置", "您当前的位置",
    "您所在的位置", "你的位置", "当前的位置", "所在位置", "您现在的位置", "现在位置",
    ">", "首页>", "首页»", "发布时间：2024-01-02", "发布日期:", "信息来源：本站", "来源：",
    "作者：张三", "阅读：12", "上一篇：", "下一篇:", "索引号：", "主题分类：", "发文字号:",
    "成文日期：", "发布机构：", "公开方式：", "公开范围：", "公开时限：", "生效日期：",
    "有效性：", "文号：",
]  # fmt: skip
WEAK_SIGNS = [
    "站点地图", "网站地图", "联系我们", "无障碍", "适老化", "繁體", "English", "全真版", "文字版",
    "长者模式", "关怀版", "收藏本站", "设为首页", "返回顶部", "相关链接", "相关文章", "相关附件",
    "手机版", "微信", "微博", "[大]", "大", "[中", "小]", "[", "]",
]  # fmt: skip
NEAR = [sign[: len(sign) // 2 + 1] for sign in SIGNS + SIGNS_AT_START if len(sign) > 1]
NEAR += ["ICP", "在手机上看"]
PROSE = list("政府信息公开工作年度报告主动在网站点击分享关闭打印字体版权技术建议使用 ，。0123")


def same_count(text: str) -> None:
    for limit in (1, 3, 50):
        want = chrome._plain_strong_signs(text, limit)
        assert chrome._compiled_strong_signs(text, limit) == want, (text, limit)
    assert chrome._has_weak_sign(text) is bool(chrome._WEAK.search(text)), text


def test_each_sign_is_one_and_begins_with_a_literal_the_search_looks_for():
    assert all(chrome._literal_prefix(branch) for branch in chrome._FLOATING)
    literals = [literal for group in chrome._LITERALS for literal in group]
    for sign in SIGNS:
        assert chrome._STRONG_FLOATING.fullmatch(sign) is not None, sign
        assert any(sign.startswith(literal) for literal in literals), sign


def test_each_anchored_sign_begins_with_a_character_its_lines_are_tried_for():
    for sign in SIGNS_AT_START:
        assert chrome._STRONG_AT_START.match(sign) is not None, sign
        assert sign[0] in chrome._AT_START_FIRSTS, sign
    for sign in WEAK_SIGNS:
        if chrome._WEAK_AT_START.match(sign):
            assert sign[0] in chrome._WEAK_FIRSTS, sign
    assert {"[", "大", "中", "小", "返", "相", "手", "微"} <= chrome._WEAK_FIRSTS


def test_an_opening_that_is_no_literal_has_no_first_characters():
    assert chrome._first_characters("(甲|乙?丙)丁") == {"甲", "乙", "丙"}
    assert chrome._first_characters(r"\[?大") == {"[", "大"}
    for opening in ("[甲乙]", ".丙", r"\d", "甲{2}", "甲?", "(甲"):
        with pytest.raises(ValueError):
            chrome._first_characters(opening)


@pytest.mark.parametrize("seed", range(20))
def test_made_texts_of_signs_near_misses_and_prose_count_alike(seed):
    rng = random.Random(seed)
    pool = SIGNS + SIGNS_AT_START + NEAR + WEAK_SIGNS + PROSE * 3
    for _ in range(300):
        same_count("".join(rng.choices(pool, k=rng.randint(0, 12))))


@pytest.mark.parametrize("path", REAL_PAGES, ids=lambda path: path.name)
def test_every_line_of_a_real_page_counts_alike(path):
    document = parse_html(decode_bytes(path.read_bytes())[0])
    paragraphs = [block.text for block in document.blocks if isinstance(block, Paragraph)]
    lines = [line for text in paragraphs for line in text.split("\n")]
    for table in (block for block in document.blocks if isinstance(block, Table)):
        lines += [cell for row in table.rows for cell in row]
    for line in lines:
        text = squash(line)
        same_count(text)
        same_count(text[len(text) // 2 :])  # a sign may now stand at the start
