"""Recognise the website around a report (site chrome) line by line.

Strong signs (ICP备, 公网安备, 责任编辑, 浏览次数 …) mark a line as chrome when
the line is short enough to be a toolbar or footer; weak signs (站点地图,
无障碍 …) only on very short lines, because reports talk about 无障碍改造 too.
"""

from __future__ import annotations

import re
from itertools import chain, islice, pairwise

from parsers.caches import text_cache, text_set
from parsers.compiled import walks
from parsers.normalize import SHORT_TEXT, ideograph_outside, squash

_STRONG = re.compile(
    r"ICP备|ICP证|公网安备|网站标识码|网站识别码|责任编辑|分享到|打印本页|关闭窗口|【打印】|【关闭】"
    r"|\[打印\]|\[关闭\]|扫一扫|在手机上(查看|打开)|浏览次数|浏览量[:：]|点击数|点击量|点击率|阅读次数|访问量[:：]"
    r"|视力保护色|字号[:：]|字体[:：]|^【?字体|【大中小】|\[大中小\]|^主办[:：]|^承办[:：]|^协办[:：]|主办单位[:：]"
    r"|承办单位[:：]|版权所有|Copyright|©|^(当前位置|您当前的位置|您所在的位置|你的位置|当前的位置|所在位置|您现在的位置|现在位置)"
    r"|^>|^首页>|^首页»|技术支持[:：]|^(发布时间|发布日期|信息来源|来源|作者|阅读)[:：].{0,40}$"
    r"|政府网站找错|建议使用.{0,30}(分辨率|浏览器)|^(上一篇|下一篇)[:：]"
    r"|^(索引号|主题分类|发文字号|成文日期|发布机构|公开方式|公开范围|公开时限|生效日期|有效性|文号)[:：]"
)
_WEAK = re.compile(
    r"站点地图|网站地图|联系我们|无障碍|适老化|繁體|English|全真版|文字版|长者模式|关怀版|收藏本站|设为首页"
    r"|^返回顶部$|^相关(链接|文章|附件)$|^(手机版|微信|微博)$|^\[?(大|中|小)\]?$"
)
STRONG_LIMIT = 160
FOOTER_LIMIT = 600
WEAK_LIMIT = 30


def _branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression, in order."""
    branches, current, depth, in_class, escaped = [], "", 0, False, False
    for char in pattern:
        if escaped or char == "\\":
            escaped = not escaped and char == "\\"
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            branches.append(current)
            current = ""
            continue
        current += char
    return [*branches, current]


# _STRONG less its ^-anchored alternatives, which can only match at the start. Every
# alternative left starts with a literal, so the regex engine skips to the places
# where one could begin: ten times faster on a line of prose than _STRONG.search.
_FLOATING = [branch for branch in _branches(_STRONG.pattern) if not branch.startswith("^")]
assert "|".join(_branches(_STRONG.pattern)) == _STRONG.pattern
assert not any("^" in branch for branch in _FLOATING)
_STRONG_FLOATING = re.compile("|".join(_FLOATING))


def _plain_strong_signs(text: str, limit: int) -> int:
    """len(_STRONG.findall(text)), counted up to ``limit``.

    The first match is _STRONG's at the start, else the first floating one; from
    there on (past the start) _STRONG and _STRONG_FLOATING match alike.
    """
    first = _STRONG.match(text) or _STRONG_FLOATING.search(text)
    if first is None:
        return 0
    return 1 + len(list(islice(_STRONG_FLOATING.finditer(text, first.end()), limit - 1)))


def _literal_prefix(branch: str) -> str:
    """The characters every match of ``branch`` begins with: its opening literals, up to
    the first that a class, a group or a quantifier makes various or optional (an
    escaped "[" is the literal "[")."""
    prefix, index = "", 0
    while index < len(branch):
        char, after = branch[index], index + 1
        if char == "\\" and after < len(branch) and not branch[after].isalnum():
            char, after = branch[after], after + 1
        elif char in "\\[](){}.*+?|^$":
            break
        if after < len(branch) and branch[after] in "?*+{":
            break
        prefix, index = prefix + char, after
    return prefix


def _literal_groups(prefixes: list[str]) -> tuple[bytes, tuple[tuple[str, ...], ...]]:
    """walks.literal_at's tables of ``prefixes``: the number of each first character's
    group (from 1), and the groups."""
    groups: dict[str, list[str]] = {}
    for prefix in prefixes:
        assert prefix and ord(prefix[0]) <= 0xFFFF, prefix
        groups.setdefault(prefix[0], []).append(prefix)
    firsts = bytearray(0x10000)
    for number, first in enumerate(groups, start=1):
        firsts[ord(first)] = number
    return bytes(firsts), tuple(tuple(dict.fromkeys(group)) for group in groups.values())


def _floating_search(text: str, start: int) -> re.Match | None:
    """_STRONG_FLOATING.search(text, start), its regex tried only where one of its
    alternatives' opening literals stands (walks.literal_at): the regex tests its set
    of first characters at each character, and 公, 在, 主, 政 … begin many words of a
    report's prose."""
    while (at := walks.literal_at(text, start, _FIRSTS, _LITERALS)) >= 0:
        found = _STRONG_FLOATING.match(text, at)
        if found is not None:
            return found
        start = at + 1
    return None


def _compiled_strong_signs(text: str, limit: int) -> int:
    """_plain_strong_signs, the floating matches found by _floating_search (a report's
    prose lines hold none: the search reads each line through)."""
    first = _STRONG.match(text) or _floating_search(text, 0)
    if first is None:
        return 0
    count, end = 1, first.end()
    while count < limit and (found := _floating_search(text, end)) is not None:
        count, end = count + 1, found.end()
    return count


if walks is not None:
    _FIRSTS, _LITERALS = _literal_groups([_literal_prefix(branch) for branch in _FLOATING])
    _strong_signs = _compiled_strong_signs
else:
    _strong_signs = _plain_strong_signs


# A site prints the same toolbar and footer lines on every page: a crawl or a reparse
# asks about each of them once per page. Lines past FOOTER_LIMIT are not kept (their
# answer is quick, and prose is long).
@text_cache(maxsize=4096)
def _is_chrome_short_line(line: str) -> bool:
    return _is_chrome_line(line)


def is_chrome_line(line: str) -> bool:
    if len(line) <= FOOTER_LIMIT:
        return _is_chrome_short_line(line)
    return _is_chrome_line(line)


def _is_chrome_line(line: str) -> bool:
    text = squash(line)
    if not text:
        return False
    if len(text) <= FOOTER_LIMIT:
        signs = _strong_signs(text, 3)
        if signs and len(text) <= STRONG_LIMIT:
            return True
        # A whole footer run into one line: long, but made of several chrome signs.
        if signs >= 3:
            return True
    return len(text) <= WEAK_LIMIT and bool(_WEAK.search(text))


# Cells of the 信息公开 metadata grid shown above many report bodies.
_METADATA_WORDS = (
    "索引号", "主题分类", "发文字号", "文号", "成文日期", "发布日期", "公开日期", "发布机构",
    "信息来源", "公开方式", "公开范围", "有效性", "名称", "标题",
)  # fmt: skip
METADATA_LABELS = re.compile(rf"^({'|'.join(_METADATA_WORDS)})[:：]?$")
# An ideograph of none of the labels: a cell holding one is no label (most cells of a
# report's tables are its rows' names and its prose).
_NO_LABEL_HOLDS = ideograph_outside(_METADATA_WORDS)


@text_cache(maxsize=4096)  # every cell of every table is asked; most are "0" or "/"
def _metadata_label(text: str) -> str | None:
    # Most cells are numbers (NFKC keeps ASCII as it is) or names of rows: no squash.
    if text.isascii() or _NO_LABEL_HOLDS.search(text):
        return None
    return _metadata_label_of(text)


def _metadata_label_of(text: str) -> str | None:
    """_metadata_label by its definition."""
    match = METADATA_LABELS.match(squash(text))
    return match.group(1) if match else None


# Cell texts known to be no label of the grid: report pages print the same cells ("0",
# "/", the rows' names) in every table, and every table is asked. Short texts only, of
# tables of few new texts (not a page of 200,000 numbers), forgotten when too many.
_NOT_LABELS: set[str] = text_set()
NOT_LABELS_KEPT = 8192


def metadata_pairs(rows: list[list[str]]) -> dict[str, str] | None:
    """_plain_metadata_pairs(rows): a table whose texts are all known to be no label is
    none, one lookup a cell without a set of its texts made (a tenth of its cost)."""
    if _NOT_LABELS.issuperset(chain.from_iterable(rows)):
        return None
    new = set(chain.from_iterable(rows)).difference(_NOT_LABELS)
    if len(new) <= NOT_LABELS_KEPT:
        if len(_NOT_LABELS) + len(new) > NOT_LABELS_KEPT:
            _NOT_LABELS.clear()
        _NOT_LABELS.update(
            text for text in new if len(text) <= SHORT_TEXT and not _metadata_label(text)
        )
    if not any(map(_metadata_label, new)):
        return None
    return _plain_metadata_pairs(rows)


def _plain_metadata_pairs(rows: list[list[str]]) -> dict[str, str] | None:
    """The label→value pairs of a metadata grid, None when ``rows`` is no such grid."""
    # Most tables hold no label at all: their distinct texts say so (a set built in C).
    if not any(map(_metadata_label, set(chain.from_iterable(rows)))):
        return None
    pairs: dict[str, str] = {}
    for row in rows:
        for label, value in pairwise(row):
            name = _metadata_label(label)
            if name:
                pairs[name] = value.strip()
    return pairs if "索引号" in pairs or len(pairs) >= 3 else None
