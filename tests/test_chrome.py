"""Site chrome seen on real portals is dropped; report sentences using the same words stay."""

from __future__ import annotations

import pytest

from parsers.chrome import is_chrome_line

CHROME = [
    "当前位置：首页 > 政务公开 > 政府信息公开年报",
    "您所在的位置：首页 > 信息公开",
    "> 政务公开 > 政府信息公开工作年度报告",
    "发布时间：2024-02-09 17:14 来源：县政府办 浏览次数：1234",
    "发布时间:2017-03-15 14:41浏览次数:字体:[ ]",
    "字号：[ 大 中 小 ]",
    "视力保护色：",
    "【打印本页】【关闭窗口】",
    "[  打印本页  |  关闭窗口  ]",
    "分享到：微信 微博 QQ空间",
    "扫一扫在手机上查看当前页面",
    "责任编辑：张三",
    "主办：某某县人民政府办公室 承办：某某县大数据中心",
    "网站标识码：1201100002 津ICP备17009684号-1 津公网安备 12011002018073号",
    "蒙ICP备05002999号-1",
    "站点地图",
    "联系我们",
    "建议使用1366×768分辨率 IE9.0以上版本浏览器",
    "政府网站找错",
    "无障碍",
    "繁體",
    "索引号：11150000MB1234567X/2024-00001",
    "上一篇：关于印发2024年政务公开工作要点的通知",
    "主办单位：某某市人民政府办公室 地址：某某市某某路1号 邮编：100000 电话：0000-1234567 "
    "网站标识码：1234567890 某ICP备12345678号 某公网安备 12345678901234号 技术支持：某某公司 "
    "版权所有 © 某某市人民政府",
]
REPORT_TEXT = [
    "一、总体情况",
    "2023年，完成政府网站适老化和无障碍改造，新增站点地图和智能问答功能，全年网站总浏览量3601513次。",
    "鄂伦春自治旗诺敏镇人民政府",
    "2023年1月12日",
    "解读链接：http://www.tongwei.gov.cn/art/2024/2/10/art_2150_1715991.html",
    "如对本报告有任何疑问，请与诺敏镇人民政府党政综合办公室联系（电话：0470-5946089）。",
]


@pytest.mark.parametrize("line", CHROME)
def test_chrome_line_is_recognised(line):
    assert is_chrome_line(line)


@pytest.mark.parametrize("line", REPORT_TEXT)
def test_report_line_is_kept(line):
    assert not is_chrome_line(line)
