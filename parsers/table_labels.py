"""What the standard tables' rows and columns are called (表二, 表三, 表四): the keys of
their cells (parsers/cells.tsv) by the labels a report prints, read by parsers.tables.
Patterns are matched against squashed labels (parsers.normalize.squash)."""

from __future__ import annotations

import re
from pathlib import Path

# Every key of the standard tables, one a row (read by parsers.tables and output.labels:
# here, not in parsers.tables, so that the database's processes need not load the parser).
CELLS_TSV = Path(__file__).with_name("cells.tsv")

T3_COLUMNS = [
    "natural_person",
    "commercial",
    "research",
    "social",
    "legal_service",
    "other_org",
    "total",
]
T4_GROUPS = ["review", "suit_direct", "suit_after_review"]
T4_LEAVES = ["upheld", "corrected", "other", "pending", "total"]

# 表二 row labels: (row key, pattern on the squashed label).
T2_ROWS = [
    ("regulations", re.compile(r"^规章$|^规章[(（]")),
    ("normative_docs", re.compile(r"规范性文件")),
    ("licensing", re.compile(r"^行政许可")),
    ("other_services", re.compile(r"其他对外管理服务")),
    ("penalty", re.compile(r"^行政处罚")),
    ("coercion", re.compile(r"^行政强制")),
    ("fees", re.compile(r"^行政事业性收费")),
    ("procurement", re.compile(r"政府集中采购")),
]
# 表二 column labels, longest first; "new" is a truncated 本年新… resolved by order.
T2_COLUMNS = [
    ("issued", r"本年制发"),
    ("repealed", r"本年废止"),
    ("in_force", r"现行有效"),
    ("made", r"本年新制作"),
    ("published", r"本年新公开"),
    ("total", r"对外公开总数"),
    ("prev_items", r"上一年项目数"),
    ("change", r"本年增/?减|增/减|增减"),
    ("fee_amount", r"收费金额"),
    ("projects", r"采购项目数"),
    ("amount", r"采购总金额"),
    ("decisions", r"处理决定数"),
    ("new", r"本年新"),
]
T2_COLUMN_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in T2_COLUMNS))
FORMAT_2021_COLUMNS = {"issued", "repealed", "in_force", "fee_amount"}
FORMAT_2019_COLUMNS = {
    "made",
    "published",
    "total",
    "prev_items",
    "change",
    "projects",
    "amount",
    "new",
}

# 表三 outcome groups (a label like "（三）不予公开" that heads numbered sub-rows).
T3_GROUPS = [
    ("denied", re.compile(r"^[(（]?三[)）]?不予公开")),
    ("unavailable", re.compile(r"^[(（]?四[)）]?无法提供")),
    ("not_processed", re.compile(r"^[(（]?五[)）]?不予处理")),
    ("other", re.compile(r"^[(（]?六[)）]?其他处理")),
]
# 表三 rows: (key, pattern, group the label must be under or None).
T3_ROWS = [
    ("new_received", re.compile(r"本年新收"), None),
    ("carried_over", re.compile(r"上年结转"), None),
    ("carried_forward", re.compile(r"结转下年"), None),
    ("partial", re.compile(r"部分公开"), None),
    ("granted", re.compile(r"(?<!不)予以公开"), None),
    ("denied.state_secret", re.compile(r"国家秘密"), None),
    ("denied.law_forbidden", re.compile(r"其他法律行政|禁止公开"), None),
    ("denied.three_safety", re.compile(r"三安全一稳定|危及"), None),
    ("denied.third_party", re.compile(r"第三方"), None),
    ("denied.internal", re.compile(r"内部事务"), None),
    ("denied.process", re.compile(r"过程性"), None),
    ("denied.enforcement", re.compile(r"执法案卷"), None),
    ("denied.query", re.compile(r"查询事项"), None),
    ("unavailable.not_held", re.compile(r"不掌握"), None),
    ("unavailable.needs_creation", re.compile(r"另行制作"), None),
    ("unavailable.unclear", re.compile(r"仍不明确|补正后"), None),
    ("not_processed.petition", re.compile(r"信访|举报投诉"), None),
    ("not_processed.repeated", re.compile(r"重复申请"), None),
    ("not_processed.publication", re.compile(r"出版物"), None),
    ("not_processed.excessive", re.compile(r"大量反复"), None),
    ("not_processed.confirmation", re.compile(r"确认或重新出具|重新出具"), None),
    ("other.no_correction", re.compile(r"逾期不补正|不补正"), None),
    ("other.no_fee", re.compile(r"缴纳费用|收费通知"), None),
    ("other.other", re.compile(r"^\d+[.、．]?其他$|^其他$"), "other"),
    ("total", re.compile(r"^[(（]?七[)）]?总计$|^总计$"), None),
]
