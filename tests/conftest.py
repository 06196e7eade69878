"""Shared test setup: markers, a tiny static portal and a local HTTP server for it."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from demo.server import serve

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = FIXTURES / "corpus"
SEEDS = FIXTURES / "seeds"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: end-to-end tests that run a real crawl in a subprocess (slow)"
    )


def seed_as_html(path: Path) -> tuple[str, str]:
    """(title, article HTML) from a seed report: first line title, '|' lines as table rows."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title, body, rows = lines[0].strip(), [], []

    def close_table():
        if rows:
            body.append("<table border='1'>" + "".join(rows) + "</table>")
            rows.clear()

    for line in lines[1:]:
        if "|" in line:
            cells = [html.escape(c.strip()) for c in line.strip().strip("|").split("|")]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        else:
            close_table()
            if line.strip():
                body.append(f"<p>{html.escape(line.strip())}</p>")
    close_table()
    return title, "\n".join(body)


def page(title: str, content: str, charset: str = "utf-8") -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{html.escape(title)}</title>
<meta name="ArticleTitle" content="{html.escape(title)}"></head>
<body><div class="nav"><a href="/">首页</a> <a href="/xxgk/ndbg/list.html">信息公开年报</a></div>
<div class="content">{content}</div>
<div class="footer">主办：示范区人民政府 网站标识码：1234567890</div></body></html>"""


def build_portal(root: Path) -> dict[str, str]:
    """A two-page column with two HTML reports, a PDF-wrapper report, items to skip and
    a sub-column with one more report.

    Returns the site paths of interest.
    """
    column = root / "xxgk" / "ndbg"
    (column / "202001").mkdir(parents=True)
    (column / "202402").mkdir(parents=True)
    shanghai = (CORPUS / "shanghai-bgt-2019.html").read_text(encoding="utf-8")
    (column / "202001" / "t20200131_1001.html").write_text(
        page("上海市人民政府办公厅2019年政府信息公开工作年度报告", shanghai), encoding="utf-8"
    )
    seed_title, seed_html = seed_as_html(SEEDS / "000_ee48f4fde292f35b.txt")
    # An older portal serving GB18030: the crawler must not trust utf-8 blindly.
    (column / "202001" / "t20200120_1002.html").write_bytes(
        page(seed_title, seed_html, charset="gb2312").encode("gb18030")
    )
    (column / "202402" / "t20240131_1003.html").write_text(
        page(
            "洪泽区2023年政府信息公开工作年度报告",
            "<p>洪泽区2023年政府信息公开工作年度报告，详见附件。</p>"
            '<p>附件：<a href="./P020240131_hongze.pdf">'
            "洪泽区2023年政府信息公开工作年度报告.pdf</a></p>",
        ),
        encoding="utf-8",
    )
    shutil.copy(CORPUS / "hongze-district-2023.pdf", column / "202402" / "P020240131_hongze.pdf")
    (column / "202402" / "t20240201_1004.html").write_text(
        page("示范区2023年法治政府建设年度报告", "<p>法治政府建设情况……</p>"), encoding="utf-8"
    )
    (column / "202402" / "t20240202_1005.html").write_text(
        page("关于做好2023年政府信息公开工作年度报告编制工作的通知", "<p>各单位……</p>"),
        encoding="utf-8",
    )
    items_1 = [
        ("./202402/t20240131_1003.html", "洪泽区2023年政府信息公开工作年度报告"),
        ("./202402/t20240201_1004.html", "示范区2023年法治政府建设年度报告"),
        ("./202402/t20240202_1005.html", "关于做好2023年政府信息公开工作年度报告编制工作的通知"),
        ("http://offsite.example.com/a/t20230101_1.html", "别处2022年政府信息公开工作年度报告"),
    ]
    items_2 = [
        ("./202001/t20200131_1001.html", "上海市人民政府办公厅2019年政府信息公开工作年度报告"),
        ("./202001/t20200120_1002.html", seed_title),
    ]

    def column_page(items, pager):
        lis = "".join(
            f'<li><a href="{href}" title="{html.escape(t)}">{html.escape(t[:18])}…'
            f"</a><span>2024-01-31</span></li>"
            for href, t in items
        )
        return page("信息公开年报", f"<ul class='list'>{lis}</ul><div class='pager'>{pager}</div>")

    (column / "list.html").write_text(
        column_page(
            items_1, '<span>1</span> <a href="list_2.html">2</a> <a href="list_2.html">下一页</a>'
        ),
        encoding="utf-8",
    )
    (column / "list_2.html").write_text(
        column_page(
            items_2,
            '<a href="list.html">上一页</a> <a href="list.html">1</a> <span>2</span>'
            '<div class="sub"><a href="./bmnb/">部门年报</a></div>',
        ),
        encoding="utf-8",
    )
    # A sub-column (…/ndbg/bmnb/) holding a department's report.
    (column / "bmnb" / "202301").mkdir(parents=True)
    seed_title, seed_html = seed_as_html(SEEDS / "002_56f09fd46df237b3.txt")
    seed_title = "鄂伦春自治旗诺敏镇人民政府2022年政府信息公开工作年度报告"
    (column / "bmnb" / "202301" / "t20230112_2001.html").write_text(
        page(seed_title, seed_html), encoding="utf-8"
    )
    (column / "bmnb" / "index.html").write_text(
        column_page([("./202301/t20230112_2001.html", seed_title)], ""), encoding="utf-8"
    )
    return {"column": "/xxgk/ndbg/list.html"}


def serve_directory(root: Path):
    """(server, base_url) for a static directory on 127.0.0.1, any free port: the demo
    portal's own server, so the tests and the demo are served the same way."""
    return serve(root, "127.0.0.1", port=0)


@pytest.fixture()
def portal(tmp_path):
    """A running tiny portal: yields (base_url, paths)."""
    root = tmp_path / "site"
    paths = build_portal(root)
    server, base_url = serve_directory(root)
    try:
        yield base_url.rstrip("/"), paths
    finally:
        server.shutdown()
        server.server_close()
