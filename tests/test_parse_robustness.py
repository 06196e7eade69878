"""Bad input gives a reason, never an exception: random, truncated and garbled documents."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import parse_document
from parsers.html import parse_html
from parsers.report import _parse, interpret
from parsers.tables import read_tables
from parsers.tokens import LABEL, ROW_END, VALUE, Token, tokens_from_lines
from tests.helpers import FIXTURES

SOURCES = [*sorted(FIXTURES.glob("seeds/*.txt")), FIXTURES / "corpus/shanghai-bgt-2019.html"]
TABLE_WORDS = [
    "一、本年新收政府信息公开申请数量",
    "(三)不予公开",
    "1.属于国家秘密",
    "自然人",
    "总计",
    "行政复议",
    "第二十条第(一)项",
    "信息内容",
    "规章",
    "0",
    "12",
    "",
    "/",
    "|",
    "||",
    "<td>",
    "<tr>",
    "</table>",
    "结转下年度",
    "(六)其他处理",
    "3.其他",
    "+5",
    "-3",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_random_text_never_raises_out_of_the_parser(text):
    _parse(text, "random.html", None, None)
    _parse(text, "random.txt", None, None)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise_out_of_the_parser(data):
    _parse(data, "random.html", None, None)
    _parse(data, "random.pdf", "application/pdf", None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TABLE_WORDS), max_size=200))
def test_shuffled_table_cells_never_raise(words):
    read_tables(tokens_from_lines(words))
    parse_html("<table><tr><td>" + "</td><td>".join(words) + "</td></tr></table>")


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_truncated_real_documents_never_raise(source):
    data = source.read_bytes()
    generator = random.Random(source.name)
    for cut in sorted(generator.sample(range(1, len(data)), 25)):
        outcome = _parse(data[:cut], source.name, None, None)
        assert outcome.report is not None or outcome.reason


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_garbled_real_documents_never_raise(source):
    data = bytearray(source.read_bytes())
    generator = random.Random(source.name)
    for _ in range(10):
        damaged = bytearray(data)
        for _ in range(200):
            damaged[generator.randrange(len(damaged))] = generator.randrange(256)
        _parse(bytes(damaged), source.name, None, None)


def test_parser_bug_becomes_a_reason(monkeypatch):
    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr("parsers.report._parse", broken)
    outcome = parse_document(b"<html></html>", "x.html")
    assert outcome.report is None
    assert "parser error" in outcome.reason and "boom" in outcome.reason


def test_deeply_nested_html_is_read_without_recursion_errors():
    page = "<div>" * 5000 + "<p>" + "正文" * 200 + "</p>" + "</div>" * 5000
    _parse(page, "deep.html", None, None)


def test_a_table_token_stream_without_labels_gives_no_cells():
    tokens = [Token(VALUE, "1"), Token(ROW_END), Token(LABEL, "x")] * 10
    assert read_tables(tokens).cells == []


def test_empty_and_whitespace_documents_are_not_reports():
    for content in (b"", b"   \n\n", "<html><body></body></html>"):
        outcome = parse_document(content, "empty.html")
        assert outcome.report is None and outcome.reason


def test_interpret_accepts_an_empty_document():
    from parsers.model import Document

    assert interpret(Document(blocks=[]), "x").report is None
