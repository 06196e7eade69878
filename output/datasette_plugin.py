"""This project's Datasette plugin (registered in pyproject.toml, loaded with the package).

- metadata: the "*" database entry of output/metadata.yaml applies to every database
  served, whatever its file is called (Datasette keys metadata by database name);
- ``?_search=`` on reports, report_overview and the table views finds what the
  ``search`` canned query finds (Datasette's own search needs an FTS table per table);
- CSV that Excel opens with Chinese intact: Datasette's CSV links start with a UTF-8 BOM;
- an ``.xlsx`` link on every table, view and query page;
- /-/charts: requests and outcomes per year for one body, drawn as SVG on the server
  (no script, nothing fetched from elsewhere).
"""

from __future__ import annotations

import copy
import html
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils.asgi import Response

from output.export import xlsx_bytes
from output.search import search_sql

TEMPLATE = "*"
BOM = "\ufeff".encode()
# Table or view -> the column holding the report id, for ?_search=
SEARCHABLE = {
    "reports": "id",
    "report_overview": "id",
    "t2_rows": "report_id",
    "t3_rows": "report_id",
    "t4_rows": "report_id",
    "t3_totals": "report_id",
    "report_cells": "report_id",
    "report_checks": "report_id",
    "report_urls": "report_id",
}


@hookimpl
def get_metadata(datasette, key, database, table):
    template = (datasette._metadata_local.get("databases") or {}).get(TEMPLATE)
    if not template:
        return {}
    names = [name for name in datasette.databases if name != "_internal"]
    return {"databases": {name: copy.deepcopy(template) for name in names}}


@hookimpl
def filters_from_request(request, database, table, datasette):
    term = request.args.get("_search")
    if table not in SEARCHABLE or not term:
        return None
    column = SEARCHABLE[table]
    return FilterArguments(
        [f"{column} IN (SELECT id FROM ({search_sql()}))"],
        {"q": term},
        [f"report text holds {term!r}"],
    )


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_bom(scope, receive, send):
            path = scope.get("path", "") if scope.get("type") == "http" else ""
            if not path.endswith(".csv"):
                await app(scope, receive, send)
                return
            state = {"csv": False, "sent": False}

            async def send_with_bom(message):
                if message["type"] == "http.response.start":
                    headers = dict(message.get("headers") or [])
                    kind = headers.get(b"content-type", b"")
                    state["csv"] = message.get("status") == 200 and kind.startswith(
                        (b"text/csv", b"text/plain")
                    )
                    if state["csv"] and b"content-length" in headers:
                        length = int(headers[b"content-length"]) + len(BOM)
                        message = {
                            **message,
                            "headers": [
                                (k, str(length).encode() if k == b"content-length" else v)
                                for k, v in message["headers"]
                            ],
                        }
                elif message["type"] == "http.response.body" and state["csv"] and not state["sent"]:
                    state["sent"] = True
                    message = {**message, "body": BOM + message.get("body", b"")}
                await send(message)

            await app(scope, receive, send_with_bom)

        return with_bom

    return wrap


async def _render_xlsx(datasette, columns, rows, request, database, table, view_name):
    name = table or request.url_vars.get("table") or database
    body = xlsx_bytes(name, columns, [list(row) for row in rows])
    return Response(
        body,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="{name}.xlsx"'},
    )


@hookimpl
def register_output_renderer(datasette):
    return {"extension": "xlsx", "render": _render_xlsx}


@hookimpl
def register_routes():
    return [(r"^/-/charts$", charts)]


@hookimpl
def menu_links(datasette, actor, request):
    return [{"href": datasette.urls.path("/-/charts"), "label": "图表 Charts"}]


# --- /-/charts ---------------------------------------------------------------------------------

SERIES = [  # (column of t3_totals, label, colour)
    ("new_received", "新收申请 new requests", "#4e79a7"),
    ("granted", "予以公开 granted", "#59a14f"),
    ("partial", "部分公开 partly granted", "#8cd17d"),
    ("denied", "不予公开 denied", "#e15759"),
    ("unavailable", "无法提供 unavailable", "#f28e2b"),
    ("not_processed", "不予处理 not processed", "#b07aa1"),
    ("total", "办理总计 handled", "#79706e"),
]


async def charts(datasette, request):
    names = [name for name in datasette.databases if name != "_internal"]
    if not names:
        return Response.html("<p>No database</p>", status=404)
    name = request.args.get("db") if request.args.get("db") in names else names[0]
    db = datasette.get_database(name)
    organs = [
        row[0]
        for row in (
            await db.execute(
                "SELECT organ FROM t3_totals WHERE organ IS NOT NULL"
                " GROUP BY organ ORDER BY count(*) DESC, organ"
            )
        ).rows
    ]
    organ = request.args.get("organ") or (organs[0] if organs else "")
    columns = ", ".join(column for column, _, _ in SERIES)
    rows = (
        await db.execute(
            f"SELECT year, {columns} FROM t3_totals WHERE organ = ? AND year IS NOT NULL"
            " ORDER BY year",
            [organ],
        )
    ).rows
    options = "".join(
        f"<option{' selected' if o == organ else ''}>{html.escape(o)}</option>" for o in organs
    )
    table_rows = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else v}</td>" for v in row) + "</tr>"
        for row in rows
    )
    heading = "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in SERIES)
    query = urlencode({"organ": organ})
    title = html.escape(datasette.metadata("title") or "home")
    across = f"{datasette.urls.database(name)}/body_across_years?{query}"
    page = f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>图表 Charts: {html.escape(organ)}</title>
<link rel="stylesheet" href="{datasette.urls.static("app.css")}">
<style>svg text {{ font: 12px sans-serif; }} .chart {{ margin: 1em 0; }}</style></head>
<body><section class="content">
<p><a href="{datasette.urls.instance()}">{title}</a></p>
<h1>历年申请与办理结果 · Requests and outcomes per year</h1>
<form method="get" action="{datasette.urls.path("/-/charts")}">
<input type="hidden" name="db" value="{html.escape(name)}">
<label>机关 Body <select name="organ">{options}</select></label>
<input type="submit" value="显示 Show"></form>
<h2>{html.escape(organ)}</h2>
<div class="chart">{bar_chart(rows)}</div>
<table class="rows-and-columns"><thead><tr><th>年度 year</th>{heading}</tr></thead>
<tbody>{table_rows}</tbody></table>
<p>数据 Data: <a href="{across}">body_across_years</a>
· 表三 <a href="{datasette.urls.table(name, "t3_rows")}?{query}">t3_rows</a></p>
</section></body></html>"""
    return Response.html(page)


def bar_chart(rows: list, width: int = 900, height: int = 320) -> str:
    """Grouped bars: one group per year, one bar per series; an SVG string."""
    if not rows:
        return "<p>没有表三数据 · No table 3 figures for this body.</p>"
    left, bottom, top, legend = 60, 30, 10, 190
    plot_w, plot_h = width - left - legend, height - bottom - top
    peak = max((v or 0) for row in rows for v in row[1:]) or 1
    group_w = plot_w / len(rows)
    bar_w = group_w * 0.8 / len(SERIES)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for step in range(5):
        value = peak * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')  # fmt: skip
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:.0f}</text>')
    for index, row in enumerate(rows):
        x0 = left + index * group_w + group_w * 0.1
        for position, (value, (_, label, colour)) in enumerate(zip(row[1:], SERIES, strict=True)):
            bar_h = plot_h * (value or 0) / peak
            x, y = x0 + position * bar_w, top + plot_h - bar_h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" '
                f'fill="{colour}"><title>{row[0]} {html.escape(label)}: {value}</title></rect>'
            )
        parts.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{height - 10}" text-anchor="middle">'
            f"{row[0]}</text>"
        )
    for position, (_, label, colour) in enumerate(SERIES):
        y = top + 10 + position * 20
        parts.append(f'<rect x="{width - legend + 10}" y="{y - 9}" width="12" height="12" '
                     f'fill="{colour}"/>')  # fmt: skip
        parts.append(f'<text x="{width - legend + 28}" y="{y + 1}">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
