"""Bounds, each a setting: what one site may make a crawl do (Caps), and what one
document may make a parse worker do (Limits, crawler/worker.py).

A hostile or broken portal can link 300 columns from its home page, 1,000 reports from
one list page, 20 attachments from each report. Every cap is a setting with a default
well above what real portals need; each cap hit is counted (stats `caps/<name>`, kept
in the run's stats_json), logged once per site, and every link it drops is recorded
(a `skipped` row, or an attachment with status `capped`).

Both are one kind of thing: frozen dataclasses whose fields name their setting
(`setting(NAME, default)`), read by FromSettings.from_settings with the default's type.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


def setting(name: str, default: int | float):
    """A field read from the Scrapy setting ``name``; its default's type is its type."""
    return field(default=default, metadata={"setting": name})


class FromSettings:
    @classmethod
    def from_settings(cls, settings):
        values = {}
        for spec in fields(cls):
            get = settings.getfloat if isinstance(spec.default, float) else settings.getint
            values[spec.name] = get(spec.metadata["setting"], spec.default)
        return cls(**values)


@dataclass(frozen=True)
class Caps(FromSettings):
    columns: int = setting("MAX_COLUMNS_PER_SITE", 20)  # columns from one site's home pages
    report_links: int = setting("MAX_REPORT_LINKS_PER_PAGE", 200)  # from one list page
    attachments: int = setting("MAX_ATTACHMENTS_PER_PAGE", 10)  # fetched from one report page
    requests: int = setting("MAX_REQUESTS_PER_SITE", 5000)  # per site and run, start URLs aside


@dataclass(frozen=True)
class Limits(FromSettings):
    timeout: float = setting("PARSE_TIMEOUT", 120.0)  # CPU seconds for any document
    per_page: float = setting("PARSE_TIMEOUT_PER_PAGE", 5.0)  # more per page (OCR of scans)
    timeout_max: float = setting("PARSE_TIMEOUT_MAX", 1800.0)
    memory_mb: int = setting("PARSE_MEMORY_MB", 2048)  # address space of a worker

    def seconds_for(self, pages: int) -> float:
        return min(self.timeout + self.per_page * max(pages, 0), self.timeout_max)


def cap_reason(name: str, limit: int) -> str:
    """The reason recorded for a link a cap dropped, e.g. "cap: report links (200)"."""
    return f"cap: {name.replace('_', ' ')} ({limit})"
