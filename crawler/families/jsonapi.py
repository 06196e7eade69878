"""Reading list APIs that answer JSON (newer TRS sites, Guangdong gkmlpt): pure functions.

The shapes seen in public crawlers differ per CMS version:
  {"articles": [{"title", "url", ...}], "total": N}                   gkmlpt
  {"data": [{"doctitle", "docpuburl"}]}, {"page": {"content": [{"DOCTITLE", "DOCPUBURL"}]}}
  {"data": {"list": [...]}}, {"data": {"html": "<li><a ...>"}}          TRS variants
so records are found by a dotted path when the registry gives one, else by looking
for the first list of objects under the usual keys; field names are matched without
regard to case (DOCTITLE, doctitle and docTitle are one field).
"""

from __future__ import annotations

import json
import re
from typing import Any

import chompjs

from crawler.listpage import Anchor, anchors
from output.urls import resolve
from parsers.normalize import tidy

# Where list APIs put their rows, in the order they are tried.
RECORD_KEYS = (
    "articles",
    "data",
    "list",
    "datas",
    "records",
    "content",
    "rows",
    "items",
    "docs",
    "result",
    "page",
)
TITLE_FIELDS = ("title", "doctitle", "name")
URL_FIELDS = ("url", "docpuburl", "post_url", "link", "href")
# Longer JavaScript literals are not read: an API page or a jpage call is far smaller,
# and the cap keeps a hostile page from costing more than a bounded parse.
MAX_LITERAL = 5_000_000
_LITERAL_START = re.compile(r"[{\[]")


def js_literal(text: str, start: int = 0, limit: int = MAX_LITERAL) -> Any | None:
    """The JavaScript object or array literal at or after text[start] (unquoted keys,
    single quotes, trailing commas and bare identifiers allowed), read by chompjs; None
    when there is none or it runs past limit characters."""
    opening = _LITERAL_START.search(text or "", start)
    if opening is None:
        return None
    try:
        return chompjs.parse_js_object(text[opening.start() : opening.start() + limit])
    except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
        return None


def load_json(text: str) -> Any | None:
    """The JSON value of an API answer, also when wrapped as JSONP or `var x = {...};`."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except RecursionError:  # nested past Python's stack: no list API answers so
        return None
    except ValueError:
        return js_literal(text)


def at_path(data: Any, path: str) -> Any | None:
    """data["a"]["b"] for path "a.b" (keys matched without regard to case)."""
    for key in path.split("."):
        if not isinstance(data, dict):
            return None
        data = field(data, (key,))
    return data


def field(record: dict, names: tuple[str, ...] | list[str]) -> Any | None:
    """The first of names present in record, comparing keys without regard to case."""
    lowered = {str(key).lower(): value for key, value in record.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, ""):
            return value
    return None


def find_records(data: Any, path: str | None = None) -> list[dict]:
    """The rows of a list API answer: at path if given, else the first list of objects
    found under RECORD_KEYS, searched breadth first (a few levels deep)."""
    if path:
        found = at_path(data, path)
        return [row for row in found if isinstance(row, dict)] if isinstance(found, list) else []
    level = [data]
    for _ in range(4):
        deeper = []
        for value in level:
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                return value
            if isinstance(value, dict):
                deeper += [v for k, v in value.items() if str(k).lower() in RECORD_KEYS]
        level = deeper
    return []


def record_anchors(
    records: list[dict],
    base_url: str,
    title_fields: tuple[str, ...] | list[str] = TITLE_FIELDS,
    url_fields: tuple[str, ...] | list[str] = URL_FIELDS,
) -> list[Anchor]:
    """One Anchor per row that has an address; titles may carry HTML (<em> highlights)."""
    found = []
    for record in records:
        url = resolve(str(field(record, url_fields) or ""), base_url)
        if not url:
            continue
        title = tidy(re.sub(r"<[^>]+>", "", str(field(record, title_fields) or "")))
        found.append(Anchor(url, title, title))
    return found


def html_anchors(data: Any, path: str, base_url: str) -> list[Anchor]:
    """Anchors of an HTML fragment inside the answer ({"data": {"html": "<li>…"}})."""
    fragment = at_path(data, path)
    return anchors(fragment, base_url) if isinstance(fragment, str) else []


def options_fields(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    """A registry option naming one field or a list of them; the default when unset."""
    if not value:
        return default
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)
