"""Compare two instruments: a page whose script (assets/compare.js) reads a generated JSON
index of instruments, baselines, cells and each instrument's best provisions per theme (those
the theme pages list first), and inserts it as text, never as HTML."""
from __future__ import annotations

import json
from collections import defaultdict

from govkb.site.data import Site, family_name
from govkb.site.html import rel, shorten
from govkb.site.pages.themes import theme_units, words
from govkb.site.render import modality, page

COMPARE_LIMIT = 8         # provisions per instrument and theme in the compare index


def pages(site: Site) -> dict[str, str]:
    """The compare page and the index its script reads."""
    return {"compare/index.md": page(site, "compare.html", "compare/", "Compare two instruments"),
            "assets/data/compare.json": json.dumps(compare_data(site), ensure_ascii=False, separators=(",", ":"))}


def compare_data(site: Site) -> dict:
    """The index the compare script reads: instruments, baselines, cells, top provisions."""
    provs = {}
    for doc in site.d.documents:
        per = {}
        for t in site.d.themes:
            ps = [p for p, _ in theme_units(site, t["id"], doc["id"])]
            if ps:
                per[t["id"]] = [[p["pinpoint"], rel("compare/", site.prov_url(p["id"])),
                                 modality(site.d.notes[p["id"]]), shorten(words(site, p) or p["heading"], 240)]
                                for p in ps[:COMPARE_LIMIT]]
        provs[doc["id"]] = per
    baselines = []
    for b, doc in site.d.baselines.items():
        pos = defaultdict(list)
        for p in doc.get("positions") or ():
            pos[p.get("theme")].append({"id": p.get("id"), "stance": p.get("stance") or p.get("statement") or "",
                                        "cites": [[site.cite_label(c), rel("compare/", site.prov_url(c))]
                                                  for c in p.get("citations") or ()]})
        baselines.append({"id": b, "title": site.baseline_title(b), "positions": pos})
    return {"themes": [{"id": t["id"], "label": t["label"]} for t in site.d.themes],
            "instruments": [{"id": d["id"], "title": d["short_title"], "family": family_name(d["family"]),
                             "binding": d["binding"], "source_kind": d["source_kind"],
                             # the status line of a text that is not the law as it stands, else ""
                             "status": site.status[d["id"]]["line"] if d["id"] in site.not_current else ""}
                            for d in site.d.documents],
            "baselines": baselines,
            "cells": {b: {f"{i}|{t}": [c["label"], c.get("score")] for (i, t), c in cells.items()}
                      for b, cells in site.cells.items()},
            "provisions": provs}
