"""Divergence matrices: an index of the baselines, and one page per baseline with every
instrument (grouped by family) against the twelve themes."""
from __future__ import annotations

from govkb.site.data import Site
from govkb.site.render import page


def pages(site: Site) -> dict[str, str]:
    """The matrix index and one matrix page per baseline."""
    out = {"matrix/index.md": page(site, "matrix_index.html", "matrix/", "Divergence matrix")}
    for b in site.d.divergences:
        out[f"matrix/{b}/index.md"] = page(site, "matrix.html", f"matrix/{b}/", f"Matrix: {b}", baseline=b)
    return out
