"""Who reported, on which year, published when: read from the report's own words first."""

from __future__ import annotations

import re
from collections.abc import Callable

from parsers.normalize import squash, tidy
from parsers.vocabulary import REPORT_TITLE, other_document


def is_other_document(title: str) -> bool:
    """A title of a document that shares report columns but is no annual report."""
    return other_document(squash(title)) is not None


_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年\s*度?")
_PERIOD_YEAR = re.compile(r"((?:19|20)\d{2})年1月1日")
_REPORT_YEAR = re.compile(r"((?:19|20)\d{2})年度?(?:政府|政务)?信息公开(?:工作)?年度报告")
_DATE = r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?"
# Labels of a page's publication date, most specific first: 成文日期 (the day the
# document was signed) only counts when nothing says when it was published.
_PUBLISHED_LABELS = ("发布时间", "发布日期", "公开日期", "公布日期", "发文日期", "日期")
assert all(label.endswith("日期") or label == "发布时间" for label in _PUBLISHED_LABELS)
# "\s*(?:[:：|]+\s*)?" reads like "\s*[:：|]*\s*" without its two adjacent \s* runs,
# which share out a long run of spaces in quadratically many ways before failing.
_PUBLISHED_BY_LABEL = [
    re.compile(label + r"\s*(?:[:：|]+\s*)?" + _DATE) for label in _PUBLISHED_LABELS
]


def labelled_date(text: str) -> str | None:
    """The publication date a page states next to a label such as 发布时间."""
    # Every label but 发布时间 ends in 日期: most pages without either need no search.
    if "日期" not in text and "发布时间" not in text:
        return None
    for pattern in _PUBLISHED_BY_LABEL:
        match = pattern.search(text)
        if match:
            return date_string(*match.groups())
    return None


_DATE_ONLY = re.compile(r"^" + _DATE + r"$")
_ANY_DATE = re.compile(_DATE)
_ORGAN_SUFFIX = (
    r"(?:人民政府办公厅|人民政府办公室|人民政府|管理委员会|管委会|办公厅|办公室|委员会|街道办事处|办事处"
    r"|示范区|开发区|新区|高新区|局|厅|署|委|院|中心|政府)"
)
_ORGAN_IN_TEXT = re.compile(r"([\u4e00-\u9fff]{2,20}?" + _ORGAN_SUFFIX + r")")
# A place (…省/市/区/县/旗/镇/乡/街道) followed by a government body's name.
_PLACE_ORGAN = re.compile(
    r"([\u4e00-\u9fff]{1,14}?(?:省|市|区|县|旗|镇|乡|街道|州|盟)"
    r"(?:人民政府办公厅|人民政府办公室|人民政府|[\u4e00-\u9fff]{0,10}?(?:管理委员会|管委会|办公室|局|委员会)))"
)
_ORGAN_LINE = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}" + _ORGAN_SUFFIX + r"$")
# Tried only where a whitespace run starts: linear on a title of 100,000 spaces.
_TITLE_SPLIT = re.compile(r"(?<!\s)\s*[_|｜\-—–－]{1,2}\s*")
# Every piece of a split ends at one of these: a title without any is one piece, told
# by a scan for a character (a split tries its lookbehind and \s* at each position).
_TITLE_SEPARATOR = re.compile(r"[_|｜\-—–－]")


def title_pieces(title: str) -> list[str]:
    """_TITLE_SPLIT.split(title)."""
    if _TITLE_SEPARATOR.search(title) is None:
        return [title]
    return _TITLE_SPLIT.split(title)


_LEADING_NOISE = re.compile(r"^(关于|本|我)")


def date_string(year: str, month: str, day: str) -> str | None:
    y, m, d = int(year), int(month), int(day)
    if 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


_SENTENCE_OPENING = re.compile(r"根据|依据|按照")


def _title_like(text: str) -> bool:
    """A report's title: short, and no opening sentence (which names the report too)."""
    # Cheapest test first: prose lines are too long, and squash() of them costs most.
    if not 6 <= len(text) <= 80 or "|" in text:
        return False
    is_sentence = text.endswith(("。", "，", ",", "；")) or _SENTENCE_OPENING.search(text[:8])
    return not is_sentence and bool(REPORT_TITLE.search(squash(text)))


def choose_title(meta: dict[str, str], page_title: str | None, lines: list[str]) -> str | None:
    # The CMS's own fields first; then the page's <title> (templates print the
    # article's title there); only then the text, where a sidebar may list others.
    if meta:
        for name in ("ArticleTitle", "articletitle", "title", "og:title"):
            if meta.get(name) and REPORT_TITLE.search(squash(meta[name])):
                return tidy(meta[name])
    # A piece of fewer than 6 characters is too short to be title-like (tidy never
    # lengthens): a short <title> is not split.
    if page_title and len(page_title) >= 6:
        for piece in title_pieces(page_title):
            if _title_like(tidied := tidy(piece)):
                return tidied
    if meta and meta.get("heading") and _title_like(meta["heading"]):
        return tidy(meta["heading"])
    return title_of_lines(lines)


def title_of_lines(lines: list[str]) -> str | None:
    """choose_title's last resort: the first title-like of a page's opening lines."""
    for line in lines[:12]:
        if _title_like(tidied := tidy(line)):
            return tidied
    return None


def year_of(title: str | None, text: str, published: str | None) -> int | None:
    if title:
        match = _YEAR_IN_TITLE.search(squash(title))
        if match:
            return int(match.group(1))
    opening = squash(text[:5000])
    for pattern in (_PERIOD_YEAR, _REPORT_YEAR):
        match = pattern.search(opening)
        if match:
            return int(match.group(1))
    if published:
        return int(published[:4]) - 1
    return None


def organ_from_title(title: str | None) -> str | None:
    if not title:
        return None
    squashed = squash(title)
    # A notice publishing the report names it in 《》: the organ is inside.
    quoted = [
        inner for inner in re.findall(r"《([^》]*)》", squashed) if REPORT_TITLE.search(inner)
    ]
    for text in [*quoted, re.sub(r"《[^》]*》", "", squashed)]:
        text = re.sub(r"[（(]?(?:19|20)\d{2}\s*年\s*度?[)）]?", "", text)
        cut = re.search(r"(政府|政务)?信息公开|政务公开", text)
        organ = text[: cut.start()] if cut else ""
        # "XX办公室关于印发XX县…报告的通知": the report is XX县's.
        organ = re.split(r"关于(?:印发|公布|发布|公开)?", organ)[-1] or organ
        organ = re.sub(r"(关于|印发|发布|公布|的)+$", "", _LEADING_NOISE.sub("", organ)).strip()
        if organ:
            return organ
    return None


def organ_from_text(lines: list[str], meta: dict[str, str]) -> str | None:
    # A signature line near the end is the body's own name for itself.
    for line in reversed(lines[-8:]):
        text = squash(line)
        if _ORGAN_LINE.match(text):
            return text
    for name in ("发布机构", "ContentSource", "contentsource", "Author", "author"):
        value = squash(meta.get(name, ""))
        if value and _ORGAN_IN_TEXT.search(value):
            return value
    # Names inside 《》 are laws and documents, not the reporting body.
    opening = [re.sub(r"《[^》]*》|中华人民共和国", "", squash(line)) for line in lines[:60]]
    for pattern in (_PLACE_ORGAN, _ORGAN_IN_TEXT):
        for text in opening:
            match = pattern.search(text)
            if match:
                return _LEADING_NOISE.sub("", match.group(1))
    return None


SIGNATURE_MOST = 40  # characters of a signature date's line, squashed, Chinese numerals read
# arabic_date makes each date it rewrites at most 2 characters shorter (month and day:
# 三十一 → 31), and each is at least 9 long (二〇二四年一月一日): a line shortens by at most
# 2/9 of its length, so one longer than this is still longer than SIGNATURE_MOST after.
SIGNATURE_SQUASHED_MOST = SIGNATURE_MOST * 9 // 7
assert (SIGNATURE_SQUASHED_MOST + 1) * 7 > SIGNATURE_MOST * 9


def published_date(
    meta: dict[str, str], raw_lines: Callable[[], list[str]], body_lines: list[str]
) -> str | None:
    """The page's publication date: in its fields, else next to a label in the opening
    lines of the page as fetched (``raw_lines()``, asked only then), else the signature's."""
    for name in (
        "PubDate",
        "pubdate",
        "publishdate",
        "PublishDate",
        "firstpublishedtime",
        "article:published_time",
        "Maketime",
        "发布日期",
        "公开日期",
        "page_published",
    ):
        match = _ANY_DATE.search(meta.get(name, ""))
        if match:
            return date_string(*match.groups())
    # squash("\n".join(lines)), made of each line's squash, which the caches hold for
    # most of them (the chrome check asked): NFKC composes nothing across a line break,
    # and squash leaves the breaks out (tests/test_opening_squashed_by_lines.py).
    opening = labelled_date("".join(map(squash, raw_lines()[:80])))
    if opening:
        return opening
    # A date on a line of its own after the last section is the signature date.
    for line in reversed(body_lines[-6:]):
        squashed = squash(line)
        # A line too long to be the signature even once its numerals are read is not
        # read: arabic_date's scan and the two searches try every position of a
        # paragraph of prose (no literal to skip to): 0.28 M instructions for the 383
        # characters of three closing lines of one real page.
        if len(squashed) > SIGNATURE_SQUASHED_MOST:
            continue
        text = arabic_date(squashed)
        match = _DATE_ONLY.match(text) or re.search(_DATE + r"$", text)
        if match and len(text) <= SIGNATURE_MOST:
            return date_string(*match.groups())
    return None


_CHINESE_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0"}
_CHINESE_DATE = re.compile(
    r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)


def _chinese_number(text: str) -> str:
    """一 → 1, 十二 → 12, 二十 → 20, 三十一 → 31 (month and day numerals)."""
    if "十" not in text:
        return "".join(_CHINESE_DIGITS[c] for c in text)
    tens, _, ones = text.partition("十")
    return str(int(_CHINESE_DIGITS.get(tens, "1")) * 10 + int(_CHINESE_DIGITS.get(ones, "0") or 0))


def arabic_date(text: str) -> str:
    """Signature dates written 二〇二四年一月二十日 become 2024年1月20日."""
    return _CHINESE_DATE.sub(
        lambda m: (
            f"{''.join(_CHINESE_DIGITS[c] for c in m[1])}年{_chinese_number(m[2])}月"
            f"{_chinese_number(m[3])}日"
        ),
        text,
    )
