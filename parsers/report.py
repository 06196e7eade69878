"""From a fetched document to a Report: the one entry point the crawler and the CLI use."""

from __future__ import annotations

import gc
import re
from html import unescape
from itertools import compress
from operator import attrgetter
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlparse

from parsers import ocr
from parsers.attachments import extract_attachment
from parsers.checks import run_checks
from parsers.chrome import is_chrome_line, metadata_pairs
from parsers.compiled import rows as compiled_rows
from parsers.encoding import decode_page
from parsers.html import parse_html
from parsers.meta import (
    choose_title,
    is_other_document,
    organ_from_text,
    organ_from_title,
    published_date,
    title_of_lines,
    year_of,
)
from parsers.model import Document, Paragraph, ParseOutcome, Report, Table
from parsers.normalize import squash
from parsers.sections import split_sections
from parsers.sniff import (
    MAX_DOCUMENT_BYTES,
    looks_like_document,
    not_a_document,
    pictures_matter,
    plain_markup,
)
from parsers.tables import TableResult, may_hold_tables, read_tables, table_format
from parsers.tokens import tokens_from_document
from parsers.vocabulary import MIN_REPORT_TEXT, REPORT_TITLE, REPORT_TITLE_WORDS

TEXT_SUFFIXES = {".txt", ".text"}
RAW_LINES_READ = 80  # published_date reads this many lines of the uncleaned page
_READING = attrgetter("reading")
_URL_DROPS = re.compile("[\t\r\n]")  # urlparse drops these wherever they are
_HTML_SNIFF = re.compile(r"<\s*(html|head|body|p|div|table|meta|title|br|span)\b", re.I)
# Section words a report has even when its title is missing. None begins inside another
# (tests/test_interpret_body.py), so the ones a body holds are the ones a regex of them
# all would find: each is looked for by `in`, six times faster than such a regex's scan.
REPORT_PARTS = (
    "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请", "行政复议", "存在的主要问题",
)  # fmt: skip


def parse_document(
    content: bytes | str,
    url: str,
    content_type: str | None = None,
    declared_encoding: str | None = None,
    pictures: dict[str, bytes] | None = None,
) -> ParseOutcome:
    """Read one fetched document. Never raises: failures come back as a reason.

    ``pictures``: pictures of a page by URL (tables published as images, fetched by the
    crawler): each is read by OCR where its ``<img>`` stands, as part of the page.
    """
    try:
        return _parse(content, url, content_type, declared_encoding, pictures)
    except Exception as error:
        return ParseOutcome(url=url, reason=f"parser error: {type(error).__name__}: {error}")


def _parse(content, url, content_type, declared_encoding, in_page=None) -> ParseOutcome:
    if isinstance(content, bytes) and len(content) > MAX_DOCUMENT_BYTES:
        return ParseOutcome(url=url, reason=f"too large: {len(content)} bytes")
    if not content:
        return ParseOutcome(url=url, reason="empty document")
    # Bytes to sniff: not a page's usual markup, whose answers plain_markup knows.
    sniffed = isinstance(content, bytes) and not plain_markup(content, content_type)
    # Pictures are scans for OCR, else no document; the setting (in the environment) is
    # looked up only where it can change what the bytes are.
    pictures = sniffed and pictures_matter(content, content_type) and ocr.enabled()
    if sniffed and (what := not_a_document(content, pictures)):
        return ParseOutcome(url=url, reason=f"not a document: {what}")
    # Only a name with ".t" in it can end in TEXT_SUFFIXES (urlparse and a PurePosixPath
    # cost). The path is part of the URL, less the tabs and line breaks urlparse drops
    # (none in a printable URL).
    suffix = ""
    if ".t" in (url if url.isprintable() else _URL_DROPS.sub("", url)).lower():
        suffix = PurePosixPath(urlparse(url).path).suffix.lower()
    if sniffed and looks_like_document(content, content_type, url, pictures):
        document = extract_attachment(content, url, content_type)
        encoding = None
    else:
        if isinstance(content, bytes):
            text, encoding, strict = decode_page(content, declared_encoding)
        else:
            text, encoding, strict = content, None, False
        # The searches stop at a bound instead of reading a copy of the page's opening.
        # A strict UTF-8 body holds U+0000 only as a zero byte: without one (memchr) its
        # text holds none, and the text (wide, a loop per character) is not searched.
        nul_free = strict and b"\x00" not in content
        if not nul_free and text.find("\x00", 0, 2000) >= 0 and text.count("\x00") > 10:
            return ParseOutcome(url=url, reason="binary data, not a page", encoding=encoding)
        if suffix in TEXT_SUFFIXES or not _HTML_SNIFF.search(text, 0, 5000):
            document = Document(blocks=[Paragraph(text)])
        elif in_page:
            text, order = _mark_pictures(text, url, in_page)
            document = _with_pictures(parse_html(text), order)
        else:
            # Held from the parse to the Document's end: its blocks (a list per table row)
            # made and gone while it is held, else the first collection after walks each.
            names = _NameVerdict()
            # Read strictly as UTF-8, the body is the text's UTF-8: lxml reads it as is.
            utf8 = content if strict else None
            with _CyclesHeld():
                document = parse_html(text, names, utf8)
                document.encoding = encoding
                outcome = _interpreted(document, url, text, names)
                del document
            return outcome
        document.encoding = encoding
    with _CyclesHeld():
        return _interpreted(document, url)


def _interpreted(
    document: Document,
    url: str,
    page_text: str | None = None,
    names: _NameVerdict | None = None,
) -> ParseOutcome:
    """The outcome of a Document read (``page_text``: an HTML page's, parsed by
    parse_html; ``names``: what that page's name said)."""
    if document.problem:
        return ParseOutcome(url=url, reason=document.problem, encoding=document.encoding)
    outcome = interpret(document, url, names)
    outcome.links, outcome.base = document.links, document.base
    outcome.pictures = document.pictures
    if outcome.report is None and page_text is not None:  # perhaps a list: read it as one
        outcome.text, outcome.anchors = page_text, document.anchors
    return outcome


class _CyclesHeld:
    """Python's cycle collector held off while a page is read (and on again after, if it
    was on): reading makes no reference cycles, but a page of many cells makes as many
    lists, and the collections they set off walk every object of the process (a 2 MiB
    page of tables: a third of its time in a process that has imported trafilatura).
    Not held while a document file is read: that is other libraries' code."""

    def __enter__(self) -> None:
        self.was_on = gc.isenabled()
        gc.disable()

    def __exit__(self, *_) -> None:
        if self.was_on:
            gc.enable()


_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_IMG_SOURCE = re.compile(r"""\b(?:data-)?src\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_PICTURE_MARK = re.compile(r"\[\[picture (\d+)\]\]")


def _mark_pictures(text: str, url: str, pictures: dict[str, bytes]) -> tuple[str, list[bytes]]:
    """The page with each fetched picture's <img> replaced by a numbered mark."""
    order: list[bytes] = []

    def mark(match: re.Match) -> str:
        source = _IMG_SOURCE.search(match.group())
        body = pictures.get(urljoin(url, unescape(source.group(1)))) if source else None
        if body is None:
            return match.group()
        order.append(body)
        return f"<span>[[picture {len(order) - 1}]]</span>"

    return _IMG_TAG.sub(mark, text), order


def _with_pictures(document: Document, pictures: list[bytes]) -> Document:
    """Each marked picture read by OCR into blocks where it stood (so a table comes
    after its heading); one that cannot be read is said in the report's warnings."""
    from parsers.scans import extract_pictures

    problems = []
    blocks: list = []
    for block in document.blocks:
        if not (isinstance(block, Paragraph) and _PICTURE_MARK.search(block.text)):
            blocks.append(block)
            continue
        for position, piece in enumerate(_PICTURE_MARK.split(block.text)):
            if position % 2 == 0:
                if piece.strip():
                    blocks.append(Paragraph(piece.strip()))
                continue
            read = extract_pictures([pictures[int(piece)]], what="picture in the page")
            if read.problem:
                problems.append(read.problem)
            blocks.extend(read.blocks)
    document.blocks = blocks
    if problems:
        document.meta["ocr:problem"] = "; ".join(problems)
    return document


def _lines(document: Document, limit: int | None = None) -> list[str]:
    """The document as text lines (a table row per line); the first ``limit`` only."""
    if compiled_rows is not None:  # the same loop in C (parsers/_rows.pyx)
        return compiled_rows.document_lines(document.blocks, -1 if limit is None else limit)
    return _plain_lines(document, limit)


def _plain_lines(document: Document, limit: int | None = None) -> list[str]:
    lines: list[str] = []
    for block in document.blocks:
        if limit is not None and len(lines) >= limit:
            return lines[:limit]
        if isinstance(block, Table):
            # Rows past the limit are never read: they are not written either.
            rows = block.rows if limit is None else block.rows[: limit - len(lines)]
            lines.extend("| " + " | ".join(row) + " |" for row in rows)
        else:
            lines.extend(block.text.split("\n"))
    return lines if limit is None else lines[:limit]


def _without_chrome(document: Document) -> Document:
    """The document less chrome lines and metadata grids (whose pairs join ``meta``)."""
    blocks = []
    meta = dict(document.meta)
    for block in document.blocks:
        if isinstance(block, Paragraph):
            kept = _paragraph_kept(block)
            if kept is not None:
                blocks.append(kept)
            continue
        pairs = metadata_pairs(block.rows)
        if pairs is None:
            blocks.append(block)
        else:
            for label, value in pairs.items():
                meta.setdefault(label, value)
    return Document(
        blocks=blocks,
        title=document.title,
        meta=meta,
        encoding=document.encoding,
        link_text_ratio=document.link_text_ratio,
    )


def _plain_paragraph_kept(paragraph: Paragraph) -> Paragraph | None:
    """A paragraph less its chrome lines: itself when it has none (no copy of its text),
    None when nothing else is left."""
    lines = paragraph.text.split("\n")
    kept = [line for line in lines if not is_chrome_line(line)]
    if len(kept) == len(lines):
        return paragraph
    return Paragraph("\n".join(kept)) if kept else None


# The same loop in C when built and current: a report page's ~100 paragraphs of one or
# two lines each.
_paragraph_kept = (
    compiled_rows.paragraph_lines_kept if compiled_rows is not None else _plain_paragraph_kept
)


def interpret(document: Document, url: str, names: _NameVerdict | None = None) -> ParseOutcome:
    """Decide whether ``document`` is an annual report and read it if so. ``names``: the
    verdict parse_html asked of the page's name, which chose its title of the page's
    fields and <title> already."""
    if document.verdict:  # decided by its name alone (_verdict_by_name)
        return ParseOutcome(url=url, reason=document.verdict, encoding=document.encoding)
    clean = _without_chrome(document)
    lines = _lines(clean)
    stripped = list(map(str.strip, lines))
    text_lines = list(compress(lines, stripped))  # lines with text
    body_text = "\n".join(filter(None, stripped))
    body = squash(body_text)
    if names is None:
        title = choose_title(document.meta, document.title, text_lines)
    else:
        title = names.title(document.meta, document.title, text_lines)
    # Without a report title, whatever names the page says what it is (法治政府建设年度报告 …).
    name = title or document.meta.get("ArticleTitle") or document.meta.get("heading")
    if _too_short(body):
        # _not_a_report says no of so short a text before it looks at the tables: they
        # are not read (tests/test_interpret_body.py compares with reading them).
        reason = _not_a_report(name or document.title, body, False, document.link_text_ratio)
        return ParseOutcome(url=url, reason=reason, encoding=document.encoding)
    # Every token's text is in the body: without a table's first label, no table. Every
    # word the verdict seeks in the body is Chinese: an ASCII body (a page of numbers)
    # holds none (str.isascii is O(1); tests/test_interpret_body.py checks the words).
    may_hold = not body.isascii() and may_hold_tables(body)
    tables = read_tables(tokens_from_document(clean)) if may_hold else TableResult()
    reason = _not_a_report(name or document.title, body, tables.t3_found, document.link_text_ratio)
    if reason:
        return ParseOutcome(url=url, reason=reason, encoding=document.encoding)

    # Only the opening lines of the page as fetched are read (for a labelled date).
    published = published_date(
        clean.meta, lambda: _lines(document, limit=RAW_LINES_READ), text_lines
    )
    year = year_of(title, body_text, published)
    organ = organ_from_title(title) or organ_from_text(text_lines, clean.meta)
    report_format = table_format(tables)
    if report_format is None:
        report_format = "pre2019" if year is not None and year < 2019 else "unknown"
    report = Report(
        url=url,
        title=title,
        organ=organ,
        year=year,
        published=published,
        format=report_format,
        body_text=body_text,
        sections=split_sections(text_lines),
        cells=tables.cells,
        warnings=tables.warnings,
        encoding=document.encoding,
    )
    report.checks = run_checks(report.cell_map())
    if any(map(_READING, report.cells)):  # a Reading is never false
        from parsers.ocr.verify import verify_ocr_cells

        verify_ocr_cells(report)
    if document.meta.get("ocr:problem"):
        report.warnings.append(f"scanned pages: {document.meta['ocr:problem']}")
    return ParseOutcome(url=url, report=report, encoding=document.encoding)


def _verdict_by_name(
    meta: dict[str, str], page_title: str | None, text: str | None = None, most: int = 0
) -> str:
    """Why a page is no report, from its name alone ("" when its text must be read); or,
    given ``text`` (all the text of the article found) and ``most`` (at least the length
    of the text interpret would read of it, squashed), from its name and that its text
    is too short.

    When choose_title finds a title in the page's fields or <title>, its lines are never
    looked at, and that title is the name _not_a_report judges first: its verdict is
    the same as that of the whole page read. Without such a title, a line names the page
    only if it holds a report title's words, which the article's text then holds too.
    """
    if text is not None and most >= MIN_REPORT_TEXT:
        return ""
    return _verdict_of(choose_title(meta, page_title, []), meta, page_title, text)


def _verdict_of(title: str | None, meta: dict[str, str], page_title, text: str | None) -> str:
    """_verdict_by_name's answer, given ``title``, what choose_title chose of the page's
    fields and <title>."""
    if text is None:
        return _other_document(title) if title is not None else ""
    if title is None:
        if REPORT_TITLE_WORDS.search(squash(text)):
            return ""  # a line may be the title
        title = meta.get("ArticleTitle") or meta.get("heading")
    return _not_a_report(title or page_title, "", False, 0.0)


class _NameVerdict:
    """_verdict_by_name for one page: parse_html asks it at most twice, both times of
    the same ``meta`` and <title>, and interpret chooses the title of the same again
    before the page's lines: choose_title of those is worked out once (the plain
    definitions, _verdict_by_name and choose_title, choose it at each question;
    tests/test_verdict_by_name.py compares them on every fixture page)."""

    # (meta, page_title, their title) once asked; a class default: no __init__ to call
    # for each page
    asked: tuple | None = None

    def __call__(
        self, meta: dict[str, str], page_title: str | None, text: str | None = None, most=0
    ) -> str:
        if text is not None and most >= MIN_REPORT_TEXT:
            return ""
        return _verdict_of(self._chosen(meta, page_title), meta, page_title, text)

    def title(self, meta: dict[str, str], page_title: str | None, lines: list[str]):
        """choose_title(meta, page_title, lines), the fields and <title> chosen once."""
        chosen = self._chosen(meta, page_title)
        return chosen if chosen is not None else title_of_lines(lines)

    def _chosen(self, meta: dict[str, str], page_title: str | None) -> str | None:
        asked = self.asked
        if asked is None or asked[0] is not meta or asked[1] != page_title:
            asked = self.asked = (meta, page_title, choose_title(meta, page_title, []))
        return asked[2]


def _other_document(title: str | None) -> str:
    """Why a document so named is no report: it is another kind ("" when not)."""
    squashed_title = squash(title or "")
    if squashed_title and is_other_document(squashed_title):
        return f"not an annual report on government information disclosure: {title}"
    return ""


def _too_short(body: str) -> bool:
    """A body (squashed) _not_a_report says no of, whatever its title and tables."""
    return len(body) < MIN_REPORT_TEXT


def _not_a_report(title: str | None, body: str, has_tables: bool, link_ratio: float) -> str:
    """Why a document is no report ("" when it is one); ``body`` is its text, squashed."""
    other = _other_document(title)
    if other:
        return other
    squashed_title = squash(title or "")
    if len(body) < MIN_REPORT_TEXT:
        return "no report text (a list page, a stub, or an attachment wrapper)"
    if link_ratio > 0.5 and not has_tables:
        return "mostly links: a list or navigation page"
    if has_tables:
        return ""
    # The parts' names are Chinese: an ASCII body (a page of numbers) names none.
    parts = 0 if body.isascii() else sum(part in body for part in REPORT_PARTS)
    if squashed_title and REPORT_TITLE.search(squashed_title) and parts >= 1:
        return ""
    if parts >= 3 and "政府信息公开" in body[:3000]:
        return ""
    return "no annual-report title, sections or tables"
