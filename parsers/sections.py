"""Split a report's text into its numbered parts (一、总体情况 … 六、其他需要报告的事项)."""

from __future__ import annotations

import re

from parsers.compiled import rows as compiled_rows
from parsers.normalize import squash

NUMERALS = "一二三四五六七八九十"
_HEADING = re.compile(r"^([一二三四五六七八九十]{1,2})[、.．]\s*(.{2,40})$")
# Words only a part's heading has; table rows such as 一、本年新收… are no parts.
_PART_WORDS = re.compile(
    r"总体情况|概述|基本情况|主动公开|依申请|收到和处理|申请情况|咨询|复议|诉讼|存在的|问题|改进"
    r"|其他需要报告|其他事项|收费|费用|工作情况|其他"
)
_TABLE_ROW = re.compile(r"本年新收|上年结转|本年度办理结果|结转下年度")


def split_sections(lines: list[str]) -> dict[str, str]:
    """The report's parts by heading (_plain_split_sections, without squashing lines
    that cannot be headings)."""
    if compiled_rows is not None:  # the same loop in C
        return compiled_rows.split_sections(lines, _next_heading, NUMERALS)
    return _split(lines, skip=True)


def _plain_split_sections(lines: list[str]) -> dict[str, str]:
    """split_sections by definition: every line squashed and matched as a heading."""
    return _split(lines, skip=False)


def _split(lines: list[str], skip: bool) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: str | None = None
    last_number = 0
    for line in lines:
        if not (skip and _cannot_head(line[:1])) and _next_heading(line, last_number):
            current = line.strip()
            sections[current] = []
            last_number += 1
        elif current is not None:
            sections[current].append(line)
    return {heading: "\n".join(body).strip() for heading, body in sections.items()}


def _cannot_head(first: str) -> bool:
    # A line starting with an ASCII character or an ideograph other than a numeral is
    # no heading: squash() leaves that character first as it is. (Anything else, ⼀ or
    # a zero-width space, is squashed and matched.)
    return bool(first.isascii() and first.strip()) or (
        "\u4e00" <= first <= "\u9fff" and first not in NUMERALS
    )


def _next_heading(line: str, last_number: int) -> bool:
    """Whether ``line`` is the heading of the part after part ``last_number``."""
    text = squash(line)
    match = _HEADING.match(text)
    if not match or "|" in line or _TABLE_ROW.search(text):
        return False
    number = _heading_number(match.group(1))
    return number == last_number + 1 and _PART_WORDS.search(match.group(2)) is not None


def _heading_number(numeral: str) -> int:
    return NUMERALS.index(numeral[-1]) + 1 if len(numeral) == 1 else 10
