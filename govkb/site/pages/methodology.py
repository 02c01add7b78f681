"""The methodology page: the hand-written docs/methodology.md, followed by generated parts
(the review figures of this build and the twelve themes with their scope)."""
from __future__ import annotations

from govkb.site.data import Site
from govkb.site.render import render

DEFAULT = "---\ntitle: Methodology\n---\n\n# Methodology\n"


def pages(site: Site) -> dict[str, str]:
    """methodology.md: the hand-written text, then the generated sections."""
    text = site.hand.get("methodology.md", DEFAULT)
    return {"methodology.md": text.rstrip() + "\n\n" + render(site, "methodology.html", "methodology/")}
