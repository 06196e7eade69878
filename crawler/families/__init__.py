"""Per-CMS-family behaviour on list pages, selected by a registry site's `family`.

Strategies are pure (no Scrapy): they read a fetched list page and say which links
are reports, which are other items, and what to fetch next (`Fetch`). The spider
turns Fetches into requests.
"""

from __future__ import annotations

from crawler.families.base import COLUMN, Fetch, ListStrategy, ListVisit, starts_a_column
from crawler.families.generic import GenericStrategy
from crawler.families.gkmlpt import GkmlptStrategy
from crawler.families.hanweb import HanwebStrategy
from crawler.families.trs import TrsStrategy

STRATEGIES: dict[str, type[ListStrategy]] = {
    "generic": GenericStrategy,
    "trs": TrsStrategy,
    "hanweb": HanwebStrategy,
    "gkmlpt": GkmlptStrategy,
}


def strategy_for(family: str | None, options: dict | None = None) -> ListStrategy:
    """The strategy of a family name; unknown names fall back to generic."""
    return STRATEGIES.get((family or "generic").lower(), GenericStrategy)(options or {})


def guess_family(url: str) -> str:
    """A family for an ad-hoc start URL, from the address alone."""
    if "/gkmlpt/" in url:
        return "gkmlpt"
    if "/col/col" in url or "/module/" in url:
        return "hanweb"
    return "generic"


__all__ = [
    "COLUMN",
    "STRATEGIES",
    "Fetch",
    "ListStrategy",
    "ListVisit",
    "guess_family",
    "starts_a_column",
    "strategy_for",
]
