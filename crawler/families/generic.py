"""Any portal: anchors chosen by title, pagers found by their links and by TRS-style JS.

Unknown sites are most often TRS or Hanweb underneath, so the generic strategy
keeps every static heuristic (JS pager counts, Hanweb records embedded in the
page); what it leaves out is family-specific network behaviour (Hanweb's POST
data proxy).
"""

from __future__ import annotations

from crawler.families.base import ListStrategy


class GenericStrategy(ListStrategy):
    name = "generic"
