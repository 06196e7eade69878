"""crawler.registry (typed site options) and content sniffing: what a site row may say,
and what a fetched body is."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.families import strategy_for
from crawler.listpage import classify_title
from crawler.registry import RegistryError, load_registry, select_sites
from parsers.encoding import charset_of
from parsers.sniff import looks_like_document

# --- registry ----------------------------------------------------------------------------


def test_registry_demo_sites_need_a_demo_base():
    sites = load_registry()
    names = {site.name for site in sites}
    demo = {"demo-trs", "demo-hanweb", "demo-plain", "demo-trsapi", "demo-gkmlpt"}
    assert demo <= names
    assert all(site.family in ("trs", "hanweb", "gkmlpt", "generic") for site in sites)
    ready, notes = select_sites(sites)
    assert not any(site.name.startswith("demo-") for site in ready)
    assert len(notes) == len(demo)
    (plain,), _ = select_sites(sites, "demo-plain", "http://127.0.0.1:8123")
    assert plain.start_urls == [] and plain.home == "http://127.0.0.1:8123/plain/index.html"
    (demo,), _ = select_sites(sites, "demo-hanweb", "http://127.0.0.1:8123/")
    assert demo.start_urls == ["http://127.0.0.1:8123/hanweb/col/col2150/index.html"]
    real = [site for site in sites if not site.name.startswith("demo-")]
    assert real and not any(site.verified for site in real)


# --- content sniffing --------------------------------------------------------------------


def test_charset_of():
    # w3lib.encoding resolves the name as browsers do: GBK is read as its superset.
    assert charset_of("text/html; charset=GBK") == "gb18030"
    assert charset_of('text/html; charset="utf-8"') == "utf-8"
    assert charset_of("text/html") is None and charset_of(None) is None


@pytest.mark.parametrize(
    ("body", "content_type", "url", "expected"),
    [
        (b"%PDF-1.7 ...", "application/octet-stream", "http://a/x.jsp?id=1", True),
        (b"PK\x03\x04...", None, "http://a/download?id=2", True),
        (b"\xd0\xcf\x11\xe0...", "text/html", "http://a/r.doc", True),  # magic wins
        (b"<html>...</html>", "application/msword", "http://a/r.doc", False),  # HTML as .doc
        (b"<!DOCTYPE html>", None, "http://a/t20230101_1.html", False),
        (b"garbage", None, "http://a/r.wps", True),
    ],
)
def test_looks_like_document(body, content_type, url, expected):
    assert looks_like_document(body, content_type, url) is expected


@pytest.mark.parametrize(
    ("title", "candidate"),
    [
        ("某市审计局2023年政府信息公开工作年度报告", True),
        ("某县统计局2023年政府信息公开工作年度报告", True),
        ("关于公布某县2023年政府信息公开工作年度报告的通知", True),
        ("一图读懂某县2023年政府信息公开工作年度报告", False),
        ("某县2023年度审计工作报告", False),
        ("某县2024年部门预算公开", False),
    ],
)
def test_department_reports_are_candidates_whatever_the_department(title, candidate):
    assert classify_title(title)[0] is candidate


def write_registry(tmp_path, options: str, family: str = "trs") -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(
        "sites:\n  - name: typo-site\n    start_urls: [http://a.gov.cn/ndbg/]\n"
        f"    family: {family}\n    options:\n{options}",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("options", "family", "words"),
    [
        ('      api_ulr: "/api?page={page}"\n', "trs", ["'api_ulr'", "api_url", "max_pages"]),
        ("      hanweb_batch: many\n", "hanweb", ["'hanweb_batch'", "whole number"]),
        ("      max_pages: 0\n", "generic", ["'max_pages'", "whole number"]),
        ('      report_title_pattern: "年报("\n', "generic", ["'report_title_pattern'"]),
        ("      sid: [1, 2]\n", "gkmlpt", ["'sid'", "text nor"]),
        ("      api_url: /api\n", "hanweb", ["'api_url'", "hanweb_batch"]),  # another family's
    ],
)
def test_registry_refuses_unknown_or_ill_typed_options_naming_site_and_option(
    tmp_path, options, family, words
):
    with pytest.raises(RegistryError) as refused:
        load_registry(write_registry(tmp_path, options, family))
    message = str(refused.value)
    assert "typo-site" in message and "\n" not in message
    for word in words:
        assert word in message


def test_registry_options_come_typed_with_the_family_defaults(tmp_path):
    (site,) = load_registry(write_registry(tmp_path, "      api_url: /api?p={page}\n"))
    assert site.options == {"api_url": "/api?p={page}", "api_first_page": 2}
    assert strategy_for("hanweb", {}).options["hanweb_batch"] == 45


@pytest.mark.parametrize("family", ["generic", "trs", "hanweb", "gkmlpt"])
def test_settled_options_settle_again_unchanged(family):
    settled = strategy_for(family, {"max_pages": 3}).options
    assert strategy_for(family, settled).options == settled
