"""Provision alignment pages: an index, and for each instrument with links, each provision's
accepted links, conflicts and best candidates in other instruments (and for EU articles the
recitals that explain them), split into parts like the instrument pages."""
from __future__ import annotations

import json
from typing import Callable

from markupsafe import Markup

from govkb.site.data import Site, align_url, md_path
from govkb.site.html import fmt_conf, shorten, slug
from govkb.site.links import EXPLAIN_RELATIONS, reviewed
from govkb.site.render import macros, page

# Evidence keys summarised in their own words; any other textual key is quoted as "key: value".
KNOWN_EVIDENCE = {"similarity", "type", "modality", "rule", "shared_terms"}


def pages(site: Site) -> dict[str, str]:
    """The alignment index and every part of every instrument's alignment page."""
    rows = []
    for d in site.d.documents:
        linked = [p["id"] for p in site.d.provisions[d["id"]] if p["id"] in site.align]
        if linked:
            accepted = sum(l["status"] == "accepted" for pid in linked for l, _, _ in site.align[pid].shown)
            rows.append((d, len(linked), accepted, len(site.align_parts[d["id"]])))
    out = {"alignment/index.md": page(site, "alignment_index.html", "alignment/", "Provision alignment", rows=rows)}
    for doc in site.d.documents:
        parts = site.align_parts.get(doc["id"], [])
        for i, part in enumerate(parts):
            here = align_url(doc["id"], i)
            title = f"Alignment: {doc['short_title']}" + (f" (part {i + 1} of {len(parts)})" if len(parts) > 1 else "")
            # The first part's blocks were rendered for it when the parts were measured.
            blocks = ([site.align_first[p["id"]] for p in part] if i == 0
                      else [block_renderer(site, here)(p) for p in part])
            out[md_path(here)] = page(site, "alignment.html", here, title, doc=doc, i=i, parts=parts, blocks=blocks,
                                      urls=[align_url(doc["id"], j) for j in range(len(parts))],
                                      quoted=quoted(site, doc["id"], part))
    return out


def quoted(site: Site, doc_id: str, part: list[dict]) -> set[str]:
    """The instruments a part of an alignment page quotes: its own and those of every
    provision its blocks cite."""
    out = {doc_id}
    for p in part:
        al = site.align[p["id"]]
        out.update(site.prov[other]["doc_id"] for _, other, _ in (*al.shown, *al.explains) if other in site.prov)
    return out


def block_renderer(site: Site, here: str) -> Callable[[dict], Markup]:
    """Renders one provision's alignment block (the ``block`` macro of alignment_blocks.html) for
    the page at ``here``."""
    return macros(site, here, "alignment_blocks.html", block_view=block_view).block


def block_view(site: Site, p: dict) -> dict:
    """What a provision's block shows, as text (the block is rendered ~8,500 times on a full
    build; the choices are made here, once, rather than in the template):

    - ``explains``: ("Explains" / "Explained by", [(other provision, whether to name its
      instrument, confidence)]);
    - ``rows`` of the links table: the other provision, the relation seen from this one, the
      confidence ("-" where a reviewer decided), the status, the review and the subject a
      correction would name, and the evidence in a few words;
    - ``more``: how many links are left out."""
    al = site.align[p["id"]]
    explains = []
    for relation in EXPLAIN_RELATIONS:
        items = [(other, site.prov.get(other, {}).get("doc_id") != p["doc_id"],
                  fmt_conf(l["score"]) + ("" if l["status"] == "accepted" else " candidate"))
                 for l, other, r in al.explains if r == relation]
        if items:
            explains.append((relation.capitalize(), items))
    rows = [{"other": other, "relation": relation, "confidence": "-" if reviewed(l) else fmt_conf(l["score"]),
             "status": l["status"], "status_class": slug(l["status"]), "review": l.get("review"),
             "subject": f"link:{l['source_id']}->{l['target_id']}", "evidence": evidence_bits(l["evidence"])}
            for l, other, relation in al.shown]
    return {"explains": explains, "rows": rows, "more": al.more}


def evidence_bits(ev) -> list:
    """The evidence of a link in a few words: similarity, conflict type and modalities, the
    two opposite sentences of a conflict (a pair, to be quoted), the first shared terms, and
    any textual note (numbers the reader cannot weigh, such as hubness corrections, stay in
    the downloads). Plain text: the template escapes it."""
    if not isinstance(ev, dict):
        return [shorten(json.dumps(ev, ensure_ascii=False), 200)]
    bits: list = []
    if isinstance(ev.get("similarity"), (int, float)):
        bits.append(f"similarity {ev['similarity']:.2f}")
    if ev.get("type"):
        bits.append(str(ev["type"]))
    mods = ev.get("modality")
    if isinstance(mods, list) and len(mods) == 2 and mods[0] != mods[1] and "none" not in mods:
        bits.append(f"{mods[0]} vs {mods[1]}")
    sents = ev.get("sentences")
    if isinstance(sents, list) and len(sents) == 2 and all(isinstance(x, str) and x for x in sents):
        bits.append((shorten(sents[0], 160), shorten(sents[1], 160)))
    if ev.get("rule"):
        bits.append(f"rule: {ev['rule']}")
    terms = ev.get("shared_terms") or []
    if isinstance(terms, list) and terms:
        bits.append("shared terms: " + ", ".join(map(str, terms[:6])) + (" …" if len(terms) > 6 else ""))
    bits += [f"{k}: {shorten(v, 160)}" for k, v in ev.items() if k not in KNOWN_EVIDENCE and isinstance(v, str)]
    return bits
