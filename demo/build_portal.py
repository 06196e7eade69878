#!/usr/bin/env python3
"""Generate the bundled demo portal (demo/portal/) from the test fixtures' seeds and corpus.

    python demo/build_portal.py [--fixtures tests/fixtures] [--out demo/portal]

The portal holds five small sites in the styles of real government portals,
all served from one host (see demo/server.py, which also answers their list APIs):

  /trs/          TRS WCM style      column /trs/zwgk/zfxxgknb/index.html (+ index_1, index_2)
  /hanweb/       Hanweb 大汉 style  column /hanweb/col/col2150/index.html + POST dataproxy.jsp
  /plain/        generic, GBK       column /plain/xxgk/ndbg/list.html (+ list_2)
  /trsapi-site/  newer TRS          column page 1 in HTML, pages 2+ from a JSON API
  /gkmlpt-site/  Guangdong gkmlpt   /gkmlpt/index shell + JSON API /gkmlpt/api/all/{cat}

What is on the portal is data: demo/catalogue.yaml lists the sites, their columns and
every page, what it is made from and what is real. Each CMS family's pages are Jinja
templates in demo/templates/<family>/; demo/portal_pages.py turns the catalogue into
pages (rebuilding the seeds' tables with demo/portal_tables.py), and this module renders
them into files. Report pages are rebuilt from the real report texts (seeds/*.txt, one
of them as a Word file) and the real HTML fragment corpus/shanghai-bgt-2019.html; each
report's file name is the source document's stem so that a scorer can match them. Page
templates, chrome, URLs and the non-report items are made up. demo/portal/README.md
(written by this script) says page by page what is real and what is made.

The output is deterministic: building twice gives byte-identical files. The built
portal does not need the fixtures at run time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

import jinja2

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):  # run as a script: python demo/build_portal.py
    sys.path.insert(0, str(HERE.parent))

from demo.portal_pages import Page, all_pages, load_catalogue  # noqa: E402
from demo.portal_tables import attr, esc  # noqa: E402

DEFAULT_FIXTURES = HERE.parent / "tests" / "fixtures"
DEFAULT_OUT = HERE / "portal"
TEMPLATES = HERE / "templates"

# What each kind of article page takes from a document (real) and what is made.
PROVENANCE = {
    "report": ("report text and tables", "page template, chrome, URLs"),
    "pdf": ("the embedded PDF", "page, title, date, template, chrome, URLs"),
    "docx": ("the attached file (see README)", "page, title, date, template, chrome, URLs"),
    "scanned": ("the attached file (see README)", "page, title, date, template, chrome, URLs"),
    "nonreport": ("nothing", "everything (title, text, template, chrome, URLs)"),
}
README_LABELS = {
    "report": "REPORT",
    "nonreport": "not a report",
    "pdf": "report as embedded PDF",
    "docx": "report as a Word attachment",
    "scanned": "scanned PDF attachment (recorded, not parsed)",
}
# Where a page's footer links home: TRS pages link relatively, the others from the root.
FOOTER_ROOT = {"hanweb": "/hanweb/", "plain": "/plain/", "gkmlpt": "/gkmlpt-site/"}


def fixture_comment(source: str, real: str, made: str) -> str:
    what = f"from {source}; real: {real}; made: {made}"
    return f"<!-- demo fixture: built by demo/build_portal.py {what} -->\n"


def page_comment(p: Page) -> str:
    real, made = PROVENANCE[p.kind]
    if p.title_made and p.kind == "report":
        made += ", title"
    return fixture_comment(p.source, real, made)


def index_number(path: str) -> str:
    """The made serial of a TRS 索引号, stable per URL."""
    return f"{zlib.crc32(path.encode()) % 100000:05d}"


def rel_root(path: str) -> str:
    """'../' prefix from a page to its site root (trs/a/b/c.html -> ../../)."""
    return "../" * (path.count("/") - 1)


ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=False,  # bodies are HTML already; text goes through the `text` filter
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
ENVIRONMENT.filters.update(text=esc, attribute=attr)
ENVIRONMENT.globals.update(
    fixture_comment=fixture_comment, page_comment=page_comment, index_number=index_number
)


def render(template: str, **context) -> str:
    return ENVIRONMENT.get_template(template).render(**context)


class Portal:
    """The portal's files as {relative path: bytes}, added once each."""

    def __init__(self, catalogue: dict):
        self.sites = catalogue["sites"]
        self.files: dict[str, bytes] = {}

    def put(self, path: str, data: str | bytes, site: str | None = None) -> None:
        assert path not in self.files, path
        if isinstance(data, str):
            encoding = self.sites[site].get("encoding", "utf-8") if site else "utf-8"
            data = data.encode(encoding, errors="xmlcharrefreplace")
        self.files[path] = data

    def page(self, path: str, template: str, site: str | None, **context) -> None:
        """Render a page with its site's facts (s) and footer defaults."""
        s = self.sites[site] if site else {}
        context.setdefault("r", FOOTER_ROOT.get(s.get("family", ""), ""))
        context.setdefault("footer_lines", None)
        self.put(path, render(template, s=s, **context), site)

    def article(self, p: Page) -> None:
        family = self.sites[p.site]["family"]
        r = rel_root(p.path) if family == "trs" else FOOTER_ROOT[family]
        self.page(p.path, f"{family}/article.html", p.site, p=p, r=r)


def build_files(fixtures: Path, catalogue: dict | None = None) -> dict[str, bytes]:
    """All portal files as {relative path: bytes}."""
    catalogue = catalogue or load_catalogue()
    columns = all_pages(fixtures, catalogue)
    portal = Portal(catalogue)
    sites = catalogue["sites"]

    for entry in catalogue["site_pages"]:
        made = entry.get("made")
        comment = fixture_comment(entry.get("source", "nothing"), "nothing", made) if made else ""
        portal.page(entry["path"], entry["template"], entry.get("site"), comment=comment)

    # TRS: numbered list pages, index.html, index_1.html, ...
    for i, items in enumerate(columns["trs"]):
        name = "index.html" if i == 0 else f"index_{i}.html"
        portal.page(
            f"trs/zwgk/zfxxgknb/{name}",
            "trs/list.html",
            "trs",
            items=items,
            page_no=i,
            n_pages=len(columns["trs"]),
        )

    # Hanweb: the column page embeds the first screen; the data proxy serves all records.
    hanweb = [p for screen in columns["hanweb"] for p in screen]
    portal.page(
        sites["hanweb"]["column_url"].lstrip("/"),
        "hanweb/list.html",
        "hanweb",
        items=columns["hanweb"][0],
        total=len(hanweb),
        per_screen=len(columns["hanweb"][0]),
    )
    portal.page(
        "hanweb/module/web/jpage/columns/2150.xml",
        "hanweb/columns.xml",
        "hanweb",
        items=hanweb,
        total=len(hanweb),
    )

    # plain (GBK): list.html, list_2.html, ...
    plain = columns["plain"]
    for i, items in enumerate(plain):
        name = "list.html" if i == 0 else f"list_{i + 1}.html"
        portal.page(
            f"plain/xxgk/ndbg/{name}",
            "plain/list.html",
            "plain",
            items=items,
            page_no=i + 1,
            n_pages=len(plain),
            total=sum(map(len, plain)),
        )

    # TRS with a list API: page 1 as HTML, the API's data file holds every document.
    trsapi = [p for page in columns["trsapi"] for p in page]
    portal.page(
        "trsapi-site/zwgk/zfxxgknb/index.html",
        "trsapi/list.html",
        "trsapi",
        items=columns["trsapi"][0],
        total=len(trsapi),
        api=trsapi_api(sites),
    )
    portal.put(
        f"trsapi-site/trsapi/list-{sites['trsapi']['channel']}.json", trsapi_records(sites, trsapi)
    )

    # gkmlpt: the API's data file for the category.
    gkmlpt = [p for page in columns["gkmlpt"] for p in page]
    category = sites["gkmlpt"]["category"]
    portal.put(f"{sites['gkmlpt']['root']}/api/all/{category}.json", gkmlpt_articles(sites, gkmlpt))

    for site in columns.values():
        for p in (p for page in site for p in page):
            portal.article(p)
            if p.attached_file:
                portal.put(*p.attached_file)
    for path, fixture in catalogue["copies"].items():
        portal.put(path, (fixtures / fixture).read_bytes())
    portal.put("README.md", readme(sites, columns))
    return portal.files


def trsapi_api(sites: dict) -> str:
    return f"/trsapi-site/trsapi/list?channelid={sites['trsapi']['channel']}&page="


def trsapi_records(sites: dict, pages: list[Page]) -> str:
    """The API's data file (demo/server.py pages it): every document of the channel."""
    channel = sites["trsapi"]["channel"]
    records = [
        {
            "DOCID": int(p.number),
            "DOCTITLE": p.title,
            "DOCPUBURL": f"/{p.path}",
            "DOCRELTIME": f"{p.list_date} 00:00:00",
            "CHNLID": channel,
        }
        for p in pages
    ]
    size = sites["trsapi"]["column"]["per_page"]
    return json.dumps({"pageSize": size, "records": records}, ensure_ascii=False, indent=1) + "\n"


def gkmlpt_articles(sites: dict, pages: list[Page]) -> str:
    """The API's data file for the category (demo/server.py pages it, checks the sid)."""
    articles = [
        {
            "id": int(p.number),
            "title": p.title,
            "url": f"/{p.path}",
            "publisher": p.content_source,
            "display_publish_time": p.list_date,
        }
        for p in pages
    ]
    site = sites["gkmlpt"]
    data = {"sid": site["sid"], "page_size": site["column"]["per_page"], "articles": articles}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def list_page_name(sites: dict, site: str, index: int, count: int) -> str:
    """Where list page number `index` (from 0), holding `count` items, is, for the README."""
    if site == "trs":
        return "/trs/zwgk/zfxxgknb/" + ("index.html" if index == 0 else f"index_{index}.html")
    if site == "hanweb":
        if index == 0:
            return f"{sites['hanweb']['column_url']} (first screen, embedded)"
        first = index * sites["hanweb"]["column"]["per_page"] + 1
        return f"data proxy screen {index + 1} (records {first}–{first + count - 1})"
    if site == "plain":
        return "/plain/xxgk/ndbg/" + ("list.html" if index == 0 else f"list_{index + 1}.html")
    if site == "trsapi":
        html_page = " = /trsapi-site/zwgk/zfxxgknb/index.html" if index == 0 else ""
        return f"{trsapi_api(sites)}{index + 1}{html_page}"
    gkmlpt = sites["gkmlpt"]
    return f"/{gkmlpt['root']}/api/all/{gkmlpt['category']}?page={index + 1}&sid={gkmlpt['sid']}"


def readme(sites: dict, columns: dict[str, list[list[Page]]]) -> str:
    named = [
        (
            site,
            [(list_page_name(sites, site, i, len(items)), items) for i, items in enumerate(pages)],
        )
        for site, pages in columns.items()
    ]
    return render(
        "portal_readme.md",
        sites=sites,
        columns=named,
        labels=README_LABELS,
        trsapi_api=trsapi_api(sites),
    )


def write_tree(files: dict[str, bytes], out: Path) -> None:
    """Replace `out` with exactly these files (built beside it, then swapped in)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".portal-build-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it 0700
    try:
        for rel, data in sorted(files.items()):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build(out: Path = DEFAULT_OUT, fixtures: Path = DEFAULT_FIXTURES) -> list[str]:
    """Build the portal into `out` (replacing it); returns the relative paths written."""
    files = build_files(Path(fixtures))
    write_tree(files, Path(out))
    return sorted(files)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--fixtures",
        type=Path,
        default=DEFAULT_FIXTURES,
        help="directory with seeds/ and corpus/ (default: the repository's tests/fixtures)",
    )
    ap.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)"
    )
    args = ap.parse_args(argv)
    if not (args.fixtures / "seeds").is_dir():
        print(f"fixtures directory not found: {args.fixtures}", file=sys.stderr)
        return 2
    written = build(args.out, args.fixtures)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
