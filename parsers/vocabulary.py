"""What reports and their columns are called: the one place for "is this a report".

The parsers judge a document's own title (parsers.meta, parsers.report), the crawler a
link's label in a list (crawler.listpage) or a column's name (crawler.discovery); both
read these words. Pure regular expressions, no Scrapy.
"""

from __future__ import annotations

import re

# The title of an annual report on government information disclosure, as the document
# itself prints it (compared squashed: no whitespace, NFKC).
REPORT_TITLE = re.compile(r"信息公开.{0,8}?(年度报告|年报|工作报告)|政务公开.{0,8}?(年度报告|年报)")
# Words every match of REPORT_TITLE holds: a text without them holds no report title
# (tests/test_page_fast_paths.py checks each alternative of REPORT_TITLE starts so).
REPORT_TITLE_WORDS = re.compile("信息公开|政务公开")

# What such a report is called in a column's list: "…2022年政府信息公开工作年度报告",
# "…政务信息公开年度报告", "…信息公开年报", or, inside a report column, just
# "…2022年度报告" / "2022年年报".
LISTED_REPORT_TITLE = re.compile(
    r"(?:信息公开|政务公开).{0,12}?(?:年度报告|年报|报告)"
    r"|(?:19|20)\d\d\s*年?\s*度?\s*(?:年度报告|年报|报告)"
)

# The short words of any annual report: a PDF's title line, a column's short name.
REPORT_WORDS = re.compile(r"年度报告|年报")

# The least text a report has (squashed: parsers.normalize.squash); a page with less is a
# list, a stub or an attachment wrapper, whatever it is named.
MIN_REPORT_TEXT = 200

# Other things report columns hold, whatever else the title says: "法治政府建设年度报告",
# "关于做好2022年政府信息公开工作年度报告编制工作的通知", a report's 解读 or 图解.
NOT_A_REPORT = re.compile(
    r"法治|依法行政|工作要点|要点|编制|报送|做好|填报|解读|图解|一图|读懂|征求意见"
)

# Words of other documents that a department's name or a publishing notice may hold too
# (审计局, 统计局, 关于公布…年度报告的通知): they exclude only titles that do not name a
# disclosure report (REPORT_TITLE).
OTHER_DOCUMENT = re.compile(
    r"预算|决算|通知|培训|会议|考核|评议|整改|督查|自查|评估|审计|统计"
    r"|工作总结|述职|国民经济和社会发展|政府工作报告"
)

# Names a report column goes by. A full name is enough to take a link as the column;
# a short name (REPORT_WORDS: "年度报告", "年报") also labels other things (a company's
# annual reports, 统计年报), so a column so named must confirm itself.
FULL_COLUMN_NAME = re.compile(
    r"(?:政府|政务)?信息公开(?:工作)?(?:年度报告|年报)|政务公开年(?:度报告|报)"
)


def other_document(title: str) -> re.Match[str] | None:
    """The words that make ``title`` another kind of document than an annual report."""
    hit = NOT_A_REPORT.search(title)
    if hit is None and not REPORT_TITLE.search(title):
        hit = OTHER_DOCUMENT.search(title)
    return hit
