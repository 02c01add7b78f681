"""The site's pages, one module per page type.

Each module has ``pages(site) -> {path: content}``: the Markdown pages (and data files) of
its type, rendered from ``govkb.site.data.Site`` with its templates in ``templates/``. Adding
a page type = a module here, its template, and one line in ``PAGES`` (and in ``nav`` if
readers should find it in the menu).
"""
from __future__ import annotations

from govkb.site.data import Site, SiteData, family_name
from govkb.site.pages import (alignment, changes, compare, downloads, home, instruments, matrix, methodology,
                              reviews, search, themes)

PAGES = [
    home.pages,
    matrix.pages,
    themes.pages,
    instruments.pages,
    alignment.pages,
    compare.pages,
    search.pages,
    methodology.pages,
    reviews.pages,
    changes.pages,
    downloads.pages,
]


def make_site(data: SiteData, hand: dict[str, str] | None = None) -> Site:
    """The site of ``data``: its lookups and every address, with the alignment pages split
    on their rendered blocks. ``hand`` holds the hand-written pages of docs/."""
    return Site(data, hand, align_block=alignment.block_renderer)


def generate(site: Site) -> dict[str, str]:
    """Every generated file: relative path under the docs dir -> content; a hand-written page
    of docs/ is added as it is unless a page type writes it (index.md, methodology.md)."""
    out: dict[str, str] = {}
    for pages in PAGES:
        out.update(pages(site))
    return {**{path: text for path, text in site.hand.items() if path not in out}, **out}


def nav(site: Site) -> list:
    """The MkDocs nav: the pages a reader starts from (instrument parts and alignment pages
    are reached from their instrument page)."""
    fams: dict[str, list] = {}
    for d in site.d.documents:
        fams.setdefault(family_name(d["family"]), []).append({d["short_title"]: f"instruments/{d['id']}/index.md"})
    extra = [{"The corpus": p} for p in ("corpus.md",) if p in site.hand]
    return [
        {"Home": "index.md"},
        {"Divergence matrix": ["matrix/index.md"] + [f"matrix/{b}/index.md" for b in site.d.divergences]},
        {"Themes": ["themes/index.md"] + [{t["label"]: f"themes/{t['id']}/index.md"} for t in site.d.themes]},
        {"Instruments": ["instruments/index.md"] + [{f: v} for f, v in fams.items()]},
        {"Provision alignment": "alignment/index.md"},
        {"Compare two instruments": "compare/index.md"},
        {"Search": "search/index.md"},
        {"Methodology": ["methodology.md"] + [p for p in ("methodology-divergence.md",) if p in site.hand]},
        {"Reviews": "reviews/index.md"},
        {"What changed": "changes/index.md"},
        {"Downloads": "downloads/index.md"},
        *extra,
    ]
