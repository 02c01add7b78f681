"""Theme pages: an index of the twelve themes, and for each theme the US positions with their
grounding clauses, the divergence cells with their evidence, and each instrument's
provisions on the theme (indexed for search)."""
from __future__ import annotations

from collections import defaultdict

from govkb.site.data import Site, theme_url
from govkb.site.render import page

THEME_PAGE_LIMIT = 30     # provisions listed per instrument on a theme page
PARTS_SHOWN = 12          # parts on the theme named under a listed provision before "and N more"


def pages(site: Site) -> dict[str, str]:
    """The themes index and one page per theme."""
    out = {"themes/index.md": page(site, "themes_index.html", "themes/", "Themes")}
    for t in site.d.themes:
        tid = t["id"]
        shown = listed(site, tid)
        out[f"themes/{tid}/index.md"] = page(
            site, "theme.html", theme_url(tid), t["label"], theme=t, positions=positions(site, tid),
            divergence=divergence_cells(site, tid), listed=shown, parts_shown=PARTS_SHOWN,
            words=words, quoted=[doc["id"] for doc, *_ in shown])
    return out


def positions(site: Site, tid: str) -> list[tuple[str, list[dict]]]:
    """(baseline, its positions on the theme) for every baseline with any."""
    out = [(b, [p for p in doc.get("positions") or () if p.get("theme") == tid])
           for b, doc in site.d.baselines.items()]
    return [(b, ps) for b, ps in out if ps]


def divergence_cells(site: Site, tid: str) -> list[tuple[str, list[dict]]]:
    """(baseline, its cells on the theme): family rows first, then by instrument name."""
    return [(b, sorted((c for (_, th), c in cells.items() if th == tid),
                       key=lambda c: (c["level"] != "family", site.instrument_name(c["instrument"]))))
            for b, cells in site.cells.items()]


def listed(site: Site, tid: str) -> list[tuple[dict, dict | None, list, int]]:
    """For each instrument with provisions on the theme: (document, its cell of the first
    baseline, the best THEME_PAGE_LIMIT entries in reading order, how many more it has)."""
    out = []
    for doc in site.d.documents:
        units = theme_units(site, tid, doc["id"])
        if units:
            shown = units[:THEME_PAGE_LIMIT]
            cell = next((site.cells[b].get((doc["id"], tid)) for b in site.cells), None)
            out.append((doc, cell, sorted(shown, key=lambda u: u[0]["order"]), len(units) - len(shown)))
    return out


def theme_units(site: Site, tid: str, doc_id: str) -> list[tuple[dict, list[dict]]]:
    """A document's provisions on a theme, best score first, as (provision, parts): a
    provision under an ancestor that is also on the theme is not listed on its own but
    among that ancestor's parts (reading order), so an article and its paragraphs make one
    entry instead of a chain of nested ones (an article's score is the best of its parts')."""
    provs = site.on_theme[tid].get(doc_id) or []
    on = {p["id"] for p in provs}

    def top(p: dict) -> dict:
        best, q = p, p
        while q.get("parent_id") in site.prov:
            q = site.prov[q["parent_id"]]
            if q["id"] in on:
                best = q
        return best

    parts: dict[str, list[dict]] = defaultdict(list)
    units = []
    for p in sorted(provs, key=lambda p: p["order"]):
        t = top(p)
        if t is p:
            units.append(p)
        else:
            parts[t["id"]].append(p)
    units.sort(key=lambda p: -(site.d.notes[p["id"]].get("theme_scores") or {}).get(tid, 0))
    return [(p, parts[p["id"]]) for p in units]


def words(site: Site, p: dict, limit: int = 600) -> str:
    """A provision's own words or, for one without (an article whose words are in its
    paragraphs), the first ``limit`` characters of its parts' words in reading order."""
    if (p.get("text") or "").strip():
        return p["text"]
    out, size, stack = [], 0, list(reversed(site.children.get(p["id"], [])))
    while stack and size < limit:
        q = stack.pop()
        if (q.get("text") or "").strip():
            out.append(q["text"])
            size += len(q["text"]) + 1
        stack += reversed(site.children.get(q["id"], []))
    return " ".join(out)
