"""Fan-out caps: how much one site may make a crawl do, whatever its pages link to.

A hostile or broken portal can link 300 columns from its home page, 1,000 reports from
one list page, 20 attachments from each report. Every cap is a setting with a default
well above what real portals need; each cap hit is counted (stats `caps/<name>`, kept
in the run's stats_json), logged once per site, and every link it drops is recorded
(a `skipped` row, or an attachment with status `capped`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caps:
    columns: int = 20  # report columns taken from one site's home pages
    report_links: int = 200  # report links taken from one list page
    attachments: int = 10  # attachments fetched from one report page
    requests: int = 5000  # requests for one site in one run (start URLs not counted)

    @classmethod
    def from_settings(cls, settings) -> Caps:
        return cls(
            columns=settings.getint("MAX_COLUMNS_PER_SITE", cls.columns),
            report_links=settings.getint("MAX_REPORT_LINKS_PER_PAGE", cls.report_links),
            attachments=settings.getint("MAX_ATTACHMENTS_PER_PAGE", cls.attachments),
            requests=settings.getint("MAX_REQUESTS_PER_SITE", cls.requests),
        )


def cap_reason(name: str, limit: int) -> str:
    """The reason recorded for a link a cap dropped, e.g. "cap: report links (200)"."""
    return f"cap: {name.replace('_', ' ')} ({limit})"
