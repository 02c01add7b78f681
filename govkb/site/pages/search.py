"""The search page: Pagefind's full interface, with filters for instrument, family, theme,
modality and kind of provision (the header of every page has a search box too)."""
from __future__ import annotations

from govkb.site.data import Site
from govkb.site.render import page


def pages(site: Site) -> dict[str, str]:
    """The search page."""
    return {"search/index.md": page(site, "search.html", "search/", "Search")}
