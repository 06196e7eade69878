"""The demo portal's pages, read from demo/catalogue.yaml and the fixtures it names.

Every article page of the five sites becomes a `Page` (report or not), each column a list
of list pages in order. The catalogue holds the facts (titles, dates, notes, which seed
lines are the body); this module only follows its recipes and checks that the fixtures
still look the way the catalogue says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from demo.portal_tables import body_with_tables, docx_bytes, made, paragraphs_html, render_table
from demo.portal_tables import report_blocks as table_blocks

CATALOGUE = Path(__file__).resolve().parent / "catalogue.yaml"


@dataclass
class Page:
    """One article page of a site (report or not)."""

    site: str  # trs | hanweb | plain | trsapi | gkmlpt
    path: str  # URL path below the portal root, e.g. trs/zwgk/zfxxgknb/202402/x.html
    title: str
    body: str  # HTML inside the body container
    source: str  # what it was built from (for the comment and README)
    kind: str = "report"  # report | nonreport | pdf | docx | scanned (the last three: wrappers)
    list_date: str | None = None  # date shown in the column list
    pubdate: str | None = None  # PubDate meta and toolbar date
    content_source: str = ""  # 来源 / 信息来源
    title_made: bool = False
    footer: list[str] | None = None  # site footer lines replacing the default (chrome)
    editor: str | None = None  # 责任编辑 (TRS chrome)
    attachment: tuple[str, str] | None = None  # (href, text) of a 附件 link
    container: str = "default"  # plain site: "default" (.article-content) or "none"
    charset: str | None = "gb2312"  # plain site only: declared charset, None = no declaration
    notes: list[str] = field(default_factory=list)  # README remarks
    # A file the page attaches that the portal holds: (path below the portal root, bytes).
    attached_file: tuple[str, bytes] | None = None

    @property
    def number(self) -> str:
        """The id in the page's file name: post_4190004.html -> 4190004."""
        return re.sub(r"\D", "", self.path.rsplit("_", 1)[-1]) or "0"


PAGE_FIELDS = [
    "site",
    "kind",
    "path",
    "title",
    "title_made",
    "list_date",
    "pubdate",
    "content_source",
    "source",
    "editor",
    "container",
    "charset",
    "notes",
]


# Keys a page entry may have besides PAGE_FIELDS: the recipe of a report, the body of a
# made page. Anything else is a typo, and an error.
ENTRY_KEYS = set(PAGE_FIELDS) | {
    "attachment", "seed", "title_line", "date", "body", "footer", "tables", "page_text",
    "fragment", "fragment_contains", "paragraphs", "table", "body_html", "attached_fixture",
}  # fmt: skip


def load_catalogue(path: Path = CATALOGUE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def expect(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


def new_page(entry: dict, body: str, **extra) -> Page:
    unknown = sorted(set(entry) - ENTRY_KEYS)
    expect(not unknown, f"{entry.get('path')}: unknown catalogue keys {unknown}")
    values = {name: entry[name] for name in PAGE_FIELDS if name in entry}
    for name in ("list_date", "pubdate"):
        expect(isinstance(values.get(name, ""), str), f"{entry['path']}: quote {name}")
    if "attachment" in entry:
        values["attachment"] = (entry["attachment"]["href"], entry["attachment"]["text"])
    return Page(body=body, **values, **extra)


# --- reports, by the catalogue's recipes ------------------------------------------------------


def find_line(lines: list[str], marker: dict, name: str) -> int:
    """The line a marker names: {index: N} or the first line that {starts, equals, contains}
    a text, moved by {shift}."""
    if "index" in marker:
        return marker["index"] + marker.get("shift", 0)
    tests = {
        "starts": lambda line, text: line.startswith(text),
        "equals": lambda line, text: line == text,
        "contains": lambda line, text: text in line,
    }
    for how, test in tests.items():
        if how in marker:
            found = [i for i, line in enumerate(lines) if test(line, marker[how])]
            expect(bool(found), f"{name}: no line {how} {marker[how]!r}")
            return found[0] + marker.get("shift", 0)
    raise ValueError(f"{name}: a line marker needs index, starts, equals or contains")


def report_page(entry: dict, fixtures: Path) -> Page:
    if "fragment" in entry:  # a real fragment, verbatim
        text = (fixtures / entry["fragment"]).read_text(encoding="utf-8").strip()
        expect(entry["fragment_contains"] in text, f"{entry['fragment']}: changed")
        return new_page(entry, text)
    stem = entry["seed"]
    lines = (fixtures / "seeds" / f"{stem}.txt").read_text(encoding="utf-8").split("\n")
    title = entry["title"]
    if "title_line" in entry:
        expect(lines[entry["title_line"]] == title, f"{stem}: title line")
    if "date" in entry:
        date_line = lines[find_line(lines, entry["date"]["line"], stem)]
        match = re.match(entry["date"]["pattern"], date_line)
        expect(bool(match) and match.group(1) == entry["pubdate"], f"{stem}: date line")
    body = entry.get("body", {})
    start = find_line(lines, body["from"], stem) if "from" in body else 0
    end = find_line(lines, body["to"], stem) if "to" in body else len(lines)
    extra: dict = {}
    if "footer" in entry:
        footer = lines[end:]
        expect(len(footer) == entry["footer"]["lines"], f"{stem}: footer lines")
        expect(entry["footer"]["contains"] in footer[0], f"{stem}: footer")
        if entry["footer"].get("keep", True):
            extra["footer"] = footer
    tables = entry.get("tables")
    options = {}
    if tables:
        merges = [tuple(pair) for pair in tables.get("t3_merges", [])]
        options = dict(t3_merges=merges, t4_cells=tables.get("t4_cells", 15))
    if entry["kind"] == "docx":
        blocks = table_blocks(lines[start:end], tables["format"], tables["style"], stem, **options)
        href = entry["attachment"]["href"].lstrip("/")
        extra["attached_file"] = (href, docx_bytes(title, blocks))
        return new_page(entry, made(entry["page_text"]), **extra)
    if tables:
        html = body_with_tables(
            lines[start:end], tables["format"], tables["style"], stem, **options
        )
    else:
        html = paragraphs_html(lines[start:end])
    return new_page(entry, html, **extra)


# --- made pages and made column items ---------------------------------------------------------


def made_page(entry: dict, fixtures: Path) -> Page:
    if "body_html" in entry:
        body = entry["body_html"]
    else:
        body = made(entry["paragraphs"])
        if "table" in entry:
            body += "\n" + render_table(
                [[([cell], 1, 1) for cell in row] for row in entry["table"]]
            )
    extra = {}
    if "attached_fixture" in entry:
        href = entry["attachment"]["href"].lstrip("/")
        extra["attached_file"] = (href, (fixtures / entry["attached_fixture"]).read_bytes())
    return new_page(entry, body, **extra)


def made_items(catalogue: dict) -> list[Page]:
    """The column filler: for each site's plan, one made item per kind and year."""
    kinds = catalogue["item_kinds"]
    pages = []
    for site, spec in catalogue["made_items"].items():
        for step in spec["plan"]:
            first, last = step["years"]
            for year in range(first, last + 1):
                pages.append(made_item(site, spec, kinds, step, year))
    return pages


def made_item(site: str, spec: dict, kinds: dict, step: dict, year: int) -> Page:
    kind = kinds[step["kind"]]
    values = dict(site=spec["short_name"], year=year, next=year + 1, day=f"{10 + year % 9:02d}")
    values.update(n=year % 7 + 5, m=year % 5 + 11)
    date = kind["date"].format(**values)
    y, m, d = (int(part) for part in date.split("-"))
    compact = date.replace("-", "")
    number = year * 10 + list(kinds).index(step["kind"])
    path = spec["path"].format(
        y=y, m=m, d=d, compact=compact, compact6=compact[:6], number=number, post=step.get("post")
    )
    return Page(
        site=site,
        kind="nonreport",
        path=path,
        title=kind["title"].format(**values),
        list_date=date,
        pubdate=f"{date} 09:30",
        content_source=kind["source"].format(**values),
        source="nothing (made up)",
        body=made([kind["text"].format(**values)]),
    )


# --- the columns ------------------------------------------------------------------------------


def all_pages(fixtures: Path, catalogue: dict) -> dict[str, list[list[Page]]]:
    """Every article page, by site and by list page (for the API columns: by page of their
    API), in list order."""
    pages = [report_page(entry, fixtures) for entry in catalogue["reports"]]
    pages += [made_page(entry, fixtures) for entry in catalogue["made_pages"]]
    pages += made_items(catalogue)
    by_path = {p.path: p for p in pages}
    expect(len(by_path) == len(pages), "page paths are unique")
    columns = {}
    for site, spec in catalogue["sites"].items():
        column = spec["column"]
        if "pages" in column:
            columns[site] = [[by_path[path] for path in page] for page in column["pages"]]
            continue
        newest_first = sorted(
            (p for p in pages if p.site == site),
            key=lambda p: (p.list_date or "", p.path),
            reverse=True,
        )
        size = column["per_page"]
        expect(len(newest_first) == column.get("items", len(newest_first)), f"{site}: items")
        for path in column.get("api_only", []):
            expect(newest_first.index(by_path[path]) >= size, f"{site}: {path} on page 1")
        columns[site] = [newest_first[k : k + size] for k in range(0, len(newest_first), size)]
    listed = sorted(p.path for site in columns.values() for page in site for p in page)
    expect(listed == sorted(by_path), "every page is listed exactly once")
    return columns
