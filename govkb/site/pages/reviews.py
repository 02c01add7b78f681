"""The reviews page: what a review is, every review whose text changed since it was written
(listed for re-review), and the machine's agreement with the reviews."""
from __future__ import annotations

from govkb.site.data import Site
from govkb.site.render import page


def pages(site: Site) -> dict[str, str]:
    """The reviews page."""
    stale = [r for r in site.d.reviews if r["status"] == "stale"]
    return {"reviews/index.md": page(site, "reviews.html", "reviews/", "Reviews", stale=stale)}
