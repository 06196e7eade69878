"""The site registry (crawler/registry.yaml): which columns to crawl and how.

Each site is a row of data: name, organ, region, start_urls (or home), family,
options, verified. A site given by its home page instead of its columns has them
found by crawler.discovery. Addresses may contain {demo_base}, filled from the demo_base spider
argument or the DEMO_BASE_URL setting; such sites are skipped when no demo base
is given (they point at the bundled demo portal, which only runs on demand).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path

import yaml

from crawler.families import STRATEGIES
from crawler.families.options import OptionError

REGISTRY_PATH = Path(__file__).with_name("registry.yaml")
FAMILIES = tuple(STRATEGIES)
DEMO_PLACEHOLDER = "{demo_base}"


@dataclass
class Site:
    name: str
    start_urls: list[str]
    family: str = "generic"
    organ: str | None = None
    region: str | None = None
    options: dict = field(default_factory=dict)
    verified: bool = False
    # A portal home page (or its 政务公开 page) whose report columns are to be found.
    home: str | None = None

    @property
    def needs_demo_base(self) -> bool:
        return any(DEMO_PLACEHOLDER in url for url in [*self.start_urls, self.home or ""])

    def with_demo_base(self, demo_base: str) -> Site:
        base = demo_base.rstrip("/")
        urls = [url.replace(DEMO_PLACEHOLDER, base) for url in self.start_urls]
        home = self.home.replace(DEMO_PLACEHOLDER, base) if self.home else None
        return replace(self, start_urls=urls, options=dict(self.options), home=home)


class RegistryError(ValueError):
    pass


def load_registry(path: str | Path | None = None) -> list[Site]:
    data = yaml.safe_load(Path(path or REGISTRY_PATH).read_text(encoding="utf-8")) or {}
    defaults = data.get("defaults") or {}
    sites, names = [], set()
    for row in data.get("sites") or []:
        site = _site(row, defaults)
        if site.name in names:
            raise RegistryError(f"duplicate site name {site.name!r}")
        names.add(site.name)
        sites.append(site)
    return sites


def _site(row: dict, defaults: dict) -> Site:
    if not row.get("name") or not (row.get("start_urls") or row.get("home")):
        raise RegistryError(f"a site needs a name and start_urls or home: {row!r}")
    family = (row.get("family") or "generic").lower()
    if family not in FAMILIES:
        raise RegistryError(f"site {row['name']!r}: unknown family {family!r}")
    urls = row.get("start_urls") or []
    options = {**(defaults.get("options") or {}), **(row.get("options") or {})}
    try:
        options = STRATEGIES[family].settle_options(options)
    except OptionError as error:
        raise RegistryError(f"site {row['name']!r}: {error}") from None
    return Site(
        name=str(row["name"]),
        start_urls=[urls] if isinstance(urls, str) else list(urls),
        family=family,
        organ=row.get("organ"),
        region=row.get("region"),
        options=options,
        verified=bool(row.get("verified", False)),
        home=row.get("home"),
    )


def select_sites(
    sites: list[Site], name: str | None = None, demo_base: str | None = None
) -> tuple[list[Site], list[str]]:
    """The sites to crawl and notes on those left out (no demo base).

    name may list several sites, comma-separated, and use shell wildcards: "demo-*".
    """
    notes = []
    if name:
        patterns = [p.strip() for p in name.split(",") if p.strip()]
        chosen = [s for s in sites if any(fnmatchcase(s.name, p) for p in patterns)]
        unknown = [p for p in patterns if not any(fnmatchcase(s.name, p) for s in sites)]
        if unknown:
            raise RegistryError(f"no site matching {', '.join(unknown)} in the registry")
    else:
        chosen = list(sites)
    ready = []
    for site in chosen:
        if site.needs_demo_base:
            if not demo_base:
                notes.append(f"{site.name}: skipped, its addresses need -a demo_base=URL")
                continue
            site = site.with_demo_base(demo_base)
        ready.append(site)
    return ready, notes
