"""The home page: the hand-written docs/index.md, then the corpus figures, the core-theme
matrix and what the corpus covers."""
from __future__ import annotations

from govkb.site.data import CORE_THEMES, Site
from govkb.site.render import render

DEFAULT = "---\ntitle: Home\n---\n\n# govkb\n"


def pages(site: Site) -> dict[str, str]:
    """index.md."""
    intro = site.hand.get("index.md", DEFAULT)
    return {"index.md": intro.rstrip() + "\n\n" + render(
        site, "home.html", "", baseline=next(iter(site.d.divergences), None),
        core=[t for t in site.d.themes if t["id"] in CORE_THEMES],
        accepted=sum(l["status"] == "accepted" for l in site.d.links),
        coverage=[(fam, docs, sum(len(site.d.provisions[d["id"]]) for d in docs))
                  for fam, docs in site.families().items()])}
