"""What changed: one section per published run (newest first, the last CHANGES_RUNS), each
with its summary, warnings, instrument and provision changes (word diffs), and theme and
divergence label changes; and the same history as an Atom feed."""
from __future__ import annotations

from govkb.changes import atom_feed, run_anchor, summary_line
from govkb.site.data import Site
from govkb.site.render import page

# The change history grows by one report per published run; the page shows the recent
# ones and bounds each (a re-versioned instrument can renumber thousands of provisions).
# The full reports are OUT/reports/changes-<run>.json and the knowledge base's changes table.
CHANGES_RUNS = 30          # runs on the "What changed" page
CHANGES_PER_RUN = 200      # provision entries shown per run (and as many theme and divergence rows)
FEED_PATH = "changes.xml"  # the Atom feed, at the site root
KINDS = ("amended", "renumbered", "added", "removed")


def pages(site: Site) -> dict[str, str]:
    """The changes page and the Atom feed."""
    reports = site.d.changes
    return {"changes/index.md": page(site, "changes.html", "changes/", "What changed", feed=FEED_PATH,
                                     runs=[bounded(r) for r in reports[:CHANGES_RUNS]],
                                     older=max(0, len(reports) - CHANGES_RUNS), run_anchor=run_anchor,
                                     summary_line=summary_line),
            FEED_PATH: atom_feed(reports)}


def bounded(report: dict) -> dict:
    """What the page shows of one run: at most CHANGES_PER_RUN provision entries (amended,
    renumbered, added, removed, document by document) and as many theme and divergence rows;
    ``left`` counts the rest, which the page points to."""
    budget, left, docs = CHANGES_PER_RUN, 0, []
    for doc_id, diff in (report.get("provisions") or {}).items():
        entries = [(kind, p) for kind in KINDS for p in diff.get(kind) or ()]
        shown, budget = entries[:max(budget, 0)], budget - len(entries)
        left += len(entries) - len(shown)
        if shown or diff.get("note"):
            docs.append((doc_id, diff.get("note"), shown))
    themes, cells = report.get("themes") or [], report.get("divergence") or []
    left += max(0, len(themes) - CHANGES_PER_RUN) + max(0, len(cells) - CHANGES_PER_RUN)
    return {"report": report, "id": str(report.get("run_id") or ""), "documents": docs,
            "themes": themes[:CHANGES_PER_RUN], "cells": cells[:CHANGES_PER_RUN], "left": left}
