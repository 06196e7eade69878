"""Turn any source into one stream of table cells, so one interpreter reads them all.

HTML, PDF and DOCX tables arrive as rows; text renderings (the seeds) arrive as
lines in three layouts: ``cell |`` per line with pipe-only padding lines,
``a | b | c |`` per row, and one cell per line separated by blank lines. Rows
are kept where the source shows them (``ROW_END``); where it does not, the
interpreter finds rows by their labels.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import compress, count
from operator import itemgetter
from typing import NamedTuple

from parsers.caches import text_dict
from parsers.compiled import rows as compiled_rows
from parsers.model import Document, Paragraph, Reading, Table
from parsers.normalize import is_blank, is_value_text, squash

LABEL, VALUE, ROW_END = "label", "value", "row_end"
# A run of adjacent pipes closing a line pads a row to the table's width.
_PADDING = re.compile(r"\s*\|{2,}\s*$")
# Borderless tables (text extracted from PDFs) print a row as "label 3 0 0 3": the
# label, then whitespace-separated numbers. Read word by word from the end, in linear
# time (one regex over the whole line backtracks quadratically on "1 1 1 … x").
_NUMBER_WORD = re.compile(r"[+\-]?[0-9０-９][0-9０-９,]*(?:\.[0-9０-９]+)?")
_WORD = re.compile(r"\S+")


class Token(NamedTuple):
    """A cell or line of a table: a tuple (a report has hundreds; a frozen dataclass
    takes four times as long to make)."""

    kind: str
    text: str = ""
    reading: Reading | None = None  # for cells read by OCR

    @property
    def blank(self) -> bool:
        return self.kind == VALUE and is_blank(self.text)


END = Token(ROW_END)
_BLANK = Token(VALUE, "")


# Token(kind, text, reading) without NamedTuple's __new__ in Python: a page's lines are
# tokens one by one.
_new_token = tuple.__new__


def cell_token(text: str, reading: Reading | None = None) -> Token:
    if reading is None:
        return _new_token(Token, (VALUE if is_value_text(text) else LABEL, text, None))
    # A number cell OCR could not read stays a value: a hole in its row, never a label.
    kind = VALUE if reading.unreadable or is_value_text(text) else LABEL
    return Token(kind, text, reading)


# Tokens are immutable: a table's many "0" and "/" cells share one each, kept by text
# (all forgotten when more would be kept). The compiled loop looks in the same dict.
CELL_TOKENS: dict[str, Token] = text_dict()
CELL_TOKENS_KEPT = 4096


def _text_cell_token(text: str) -> Token:
    token = CELL_TOKENS.get(text)
    if token is None:
        if len(CELL_TOKENS) >= CELL_TOKENS_KEPT:
            CELL_TOKENS.clear()
        token = CELL_TOKENS[text] = cell_token(text)
    return token


def tokens_from_document(document: Document) -> list[Token]:
    if compiled_rows is not None:  # the same loop in C (parsers/_rows.pyx)
        return compiled_rows.document_tokens(document.blocks, [])
    tokens: list[Token] = []
    for block in document.blocks:
        if isinstance(block, Table):
            for index, row in enumerate(block.rows):
                if block.readings is None:
                    tokens.extend(map(_text_cell_token, row))
                else:
                    readings = block.readings[index]
                    tokens.extend(map(cell_token, row, readings))
                tokens.append(END)
        elif isinstance(block, Paragraph):
            tokens.extend(tokens_from_lines(block.text.split("\n")))
    return tokens


def tokens_from_lines(lines: list[str]) -> list[Token]:
    tokens: list[Token] = []
    for line in lines:
        if line == "" or line.strip("\r\n") == "":
            continue
        if "|" not in line:
            text = line.strip()
            if not text:  # a whitespace-only line between cells is a blank cell
                tokens.append(_BLANK)
            elif text[-1] not in _NUMBER_ENDS:  # prose, mostly (_split_trailing_numbers)
                tokens.append(cell_token(text))
            else:
                tokens.extend(_split_words(text))
            continue
        tokens.extend(_pipe_line_tokens(line))
    return tokens


def _pipe_line_tokens(line: str) -> list[Token]:
    """The tokens of a line holding a pipe: its cells, and a row's end where it has one."""
    padded = bool(_PADDING.search(line)) and line.strip() != "|"
    body = _PADDING.sub("", line) if padded else line
    parts = body.split("|")
    if parts and parts[-1].strip() == "":
        parts = parts[:-1]
    if line.strip() == "|":
        parts = [""]
    cells = [part.strip() for part in parts]
    tokens = [cell_token(cell) for cell in cells]
    if padded or len(cells) > 1:
        tokens.append(END)
    return tokens


# The characters a number word can end in: a line (stripped) ending in any other has none.
_NUMBER_ENDS = frozenset("0123456789０１２３４５６７８９,")


def _split_trailing_numbers(line: str) -> list[Token]:
    """A line of a borderless table: its label, then one token per number."""
    if line[-1:] not in _NUMBER_ENDS:  # prose, mostly: no word to read
        return [cell_token(line)]
    return _split_words(line)


def _split_words(line: str) -> list[Token]:
    """_split_trailing_numbers read word by word, whatever the line ends in."""
    words = list(_WORD.finditer(line))
    first = len(words)
    while first and _NUMBER_WORD.fullmatch(words[first - 1].group()):
        first -= 1
    if first == len(words):
        return [cell_token(line)]
    label = line[: words[first].start()].strip()
    if label and (label[-1].isdigit() or label.endswith(("年", "第", "共"))):
        return [cell_token(line)]  # a sentence or date that happens to end in digits
    numbers = [Token(VALUE, word.group()) for word in words[first:]]
    return ([cell_token(label)] if label else []) + numbers


_KIND = itemgetter(0)  # Token.kind


class Labels:
    """The label tokens of a stream (tables are mostly values: every search here asks
    for a label), and their texts squashed, each when first asked for."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        # The indices of the tokens whose kind is LABEL, found in C.
        if compiled_rows is not None:
            self.indices = compiled_rows.label_indices(tokens, LABEL)
        else:
            self.indices = list(compress(count(), map(LABEL.__eq__, map(_KIND, tokens))))
        self.texts: list[str | None] = [None] * len(self.indices)  # squashed, when asked for

    def after(self, position: int) -> int:
        """The number of the first label at or after token ``position``."""
        return bisect_left(self.indices, position)

    def text(self, number: int) -> str:
        """The squashed text of label ``number``."""
        text = self.texts[number]
        if text is None:
            text = self.texts[number] = squash(self.tokens[self.indices[number]].text)
        return text

    def first(
        self, position: int, word: str | re.Pattern, limit: int | None = None, whole: bool = False
    ) -> int | None:
        """The token index of the first label from token ``position`` on whose text holds
        ``word`` (a string or a pattern), is ``word`` when ``whole``, and has at most
        ``limit`` characters; None when none does."""
        pattern = word if isinstance(word, re.Pattern) else None
        if compiled_rows is not None:  # the same loop in C (parsers/_rows.pyx)
            return compiled_rows.first_label(
                self.tokens,
                self.indices,
                self.texts,
                self.after(position),
                word,
                -1 if limit is None else limit,
                whole,
                pattern is not None,
            )
        return self._first(position, word, limit, whole)

    def _first(self, position, word, limit, whole) -> int | None:
        """first() by its plain definition."""
        pattern = word if isinstance(word, re.Pattern) else None
        for number in range(self.after(position), len(self.indices)):
            text = self.text(number)
            if limit is not None and len(text) > limit:
                continue
            if whole:
                if text == word:
                    return self.indices[number]
            elif word in text if pattern is None else pattern.search(text):
                return self.indices[number]
        return None
