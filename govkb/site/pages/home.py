"""The home page. Its first screen answers the product team's question, "where does each
framework stand on privacy, transparency and content against the US positions?": the core
matrix, one line per family, the date of the build and what changed since the one before.
Then the hand-written docs/index.md (how to read the matrices, where the data comes from)
and the corpus figures."""
from __future__ import annotations

import yaml

from govkb.changes import run_anchor, summary_line
from govkb.site.data import CORE_THEMES, Site
from govkb.site.render import macros

DEFAULT = "---\ntitle: Home\n---\n\n# govkb\n"


def pages(site: Site) -> dict[str, str]:
    """index.md: the first screen, then the hand page, then the corpus figures."""
    meta, text = split_hand(site.hand.get("index.md", DEFAULT))
    baseline = next(iter(site.d.divergences), None)
    run = site.d.runs[0] if site.d.runs else None
    report = site.d.changes[0] if site.d.changes else None
    m = macros(site, "", "home.html", baseline=baseline, core=[t for t in site.d.themes if t["id"] in CORE_THEMES],
               families=family_lines(site, baseline) if baseline else [], run=run, report=report,
               report_is_this_run=bool(run and report and report.get("run_id") == run["id"]),
               summary_line=summary_line, run_anchor=run_anchor,
               accepted=sum(l["status"] == "accepted" for l in site.d.links),
               coverage=[(fam, docs, sum(len(site.d.provisions[d["id"]]) for d in docs))
                         for fam, docs in site.families().items()])
    # The hand page's own front matter, with the table of contents hidden: the matrix and
    # the family lines need the width.
    meta.setdefault("hide", ["toc"])
    front = "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n"
    return {"index.md": f"{front}{m.lead()}\n\n{text}\n\n{m.figures()}\n"}


def split_hand(page: str) -> tuple[dict, str]:
    """A hand-written page as (its front matter, its Markdown)."""
    if page.startswith("---\n") and "\n---\n" in page[4:]:
        raw, body = page[4:].split("\n---\n", 1)
        return yaml.safe_load(raw) or {}, body.strip()
    return {}, page.strip()


def family_lines(site: Site, baseline: str) -> list[dict]:
    """One line per family of the matrix: its overall stance on each core theme, themes
    grouped by label in column order ("divergent on privacy and content; aligned on
    transparency")."""
    out = []
    for fam, _ in site.matrix_rows(baseline):
        groups: dict[str, list[str]] = {}
        for t in CORE_THEMES:
            cell = site.cells[baseline].get((fam, t))
            if cell:
                groups.setdefault(cell["label"], []).append(t)
        out.append({"family": fam, "groups": list(groups.items())})
    return out
