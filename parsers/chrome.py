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


def _structure(pattern: str):
    """(index, character, depth) of each character of a regular expression that is
    neither escaped nor in a class: its groups' parentheses and its "|"s among them,
    depth counted before a "(" and after a ")"."""
    depth, in_class, escaped = 0, False, False
    for index, char in enumerate(pattern):
        if escaped or char == "\\":
            escaped = not escaped and char == "\\"
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            depth -= char == ")"
            yield index, char, depth
            depth += char == "("


def _branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression, in order."""
    cuts = [index for index, char, depth in _structure(pattern) if char == "|" and depth == 0]
    starts, ends = [0, *(cut + 1 for cut in cuts)], [*cuts, len(pattern)]
    return [pattern[start:end] for start, end in zip(starts, ends, strict=True)]


def _first_characters(branch: str) -> frozenset[str]:
    """The characters a match of ``branch`` (an alternative without its "^") can begin
    with: its opening literal (an escaped one too), each alternative's of an opening
    group, and what follows as well where the opening is optional ("?", "*").
    ValueError for any other opening (a class, a dot, a letter's escape), which
    could begin with almost anything."""
    if branch[:1] == "(":
        end = _group_end(branch)
        found = frozenset().union(*map(_first_characters, _branches(branch[1:end])))
        after = end + 1
    elif branch[:1] == "\\" and branch[1:2] and not branch[1].isalnum():
        found, after = frozenset(branch[1]), 2
    elif branch[:1] and branch[0] not in "\\[](){}.*+?|^$":
        found, after = frozenset(branch[0]), 1
    else:
        raise ValueError(f"no opening literal: {branch!r}")
    if branch[after : after + 1] in ("?", "*"):
        return found | _first_characters(branch[after + 1 :])
    if branch[after : after + 1] == "{":
        raise ValueError(f"a counted opening: {branch!r}")
    return found


def _group_end(branch: str) -> int:
    """The index of the ")" closing the group ``branch`` opens."""
    for index, char, depth in _structure(branch):
        if char == ")" and depth == 0:
            return index
    raise ValueError(f"an unclosed group: {branch!r}")


def _split_at_start(pattern: re.Pattern) -> tuple[re.Pattern, re.Pattern, frozenset[str]]:
    """``pattern``'s ^-anchored alternatives as one regex, the others as another, and the
    characters the anchored ones can begin with. ``pattern`` matches at the start
    exactly where either does there, and searched finds a match exactly where the
    anchored one matches at the start or the other one anywhere (no MULTILINE: "^" is
    the text's start only)."""
    branches = _branches(pattern.pattern)
    assert "|".join(branches) == pattern.pattern and not pattern.flags & re.MULTILINE
    at_start = [branch for branch in branches if branch.startswith("^")]
    floating = [branch for branch in branches if not branch.startswith("^")]
    assert not any("^" in branch for branch in floating + [b[1:] for b in at_start])
    firsts = frozenset().union(*(_first_characters(branch[1:]) for branch in at_start))
    return re.compile("|".join(at_start)), re.compile("|".join(floating)), firsts


# _STRONG less its ^-anchored alternatives, which can only match at the start. Every
# alternative left starts with a literal, so the regex engine skips to the places
# where one could begin: ten times faster on a line of prose than _STRONG.search. The
# anchored ones are tried only on a line beginning with a character one of them begins
# with (_first_strong_sign).
_STRONG_AT_START, _STRONG_FLOATING, _AT_START_FIRSTS = _split_at_start(_STRONG)
_FLOATING = _branches(_STRONG_FLOATING.pattern)


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


def _first_strong_sign(text: str) -> re.Match | None:
    """_STRONG.match(text) or _floating_search(text, 0), the match's end alike. Most
    lines begin with no character a ^-anchored alternative begins with, and _STRONG's
    match at the start tries each of its alternatives in turn (~1.7 µs a new line of a
    page read in turn). Where an anchored one matches, a floating one matching there too
    leaves the choice to _STRONG's order of alternatives."""
    if text[:1] in _AT_START_FIRSTS and (anchored := _STRONG_AT_START.match(text)):
        return _STRONG.match(text) if _STRONG_FLOATING.match(text) else anchored
    return _floating_search(text, 0)


def _compiled_strong_signs(text: str, limit: int) -> int:
    """_plain_strong_signs, the floating matches found by _floating_search (a report's
    prose lines hold none: the search reads each line through)."""
    first = _first_strong_sign(text)
    if first is None:
        return 0
    count, end = 1, first.end()
    while count < limit and (found := _floating_search(text, end)) is not None:
        count, end = count + 1, found.end()
    return count


# _WEAK searched whole tries each of its alternatives, anchored ones too, at every
# character of a line (~1.3 µs a short line read in turn); its floating ones alone all
# begin with a literal, and the regex engine skips to where one of their first
# characters stands. The anchored ones: as _STRONG's.
_WEAK_AT_START, _WEAK_FLOATING, _WEAK_FIRSTS = _split_at_start(_WEAK)


def _has_weak_sign(text: str) -> bool:
    """bool(_WEAK.search(text))."""
    if _WEAK_FLOATING.search(text) is not None:
        return True
    return text[:1] in _WEAK_FIRSTS and _WEAK_AT_START.match(text) is not None


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
    return len(text) <= WEAK_LIMIT and _has_weak_sign(text)


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
