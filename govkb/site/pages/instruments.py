"""Instrument pages: an index of the instruments, and for each instrument its provenance and
every provision in document order, each under an anchor equal to its id with "/" replaced by
"-" (indexed for search). A long instrument is split into parts; its first page carries
the map deeplink.js uses to send a deep link to the part that holds it."""
from __future__ import annotations

from govkb.site.data import Site, doc_url, family_name, md_path
from govkb.site.html import anchor, rel
from govkb.site.render import modality, page


def pages(site: Site) -> dict[str, str]:
    """The instruments index and every part of every instrument page."""
    out = {"instruments/index.md": page(site, "instruments_index.html", "instruments/", "Instruments")}
    for doc in site.d.documents:
        parts = site.parts[doc["id"]]
        for i in range(len(parts)):
            out[md_path(doc_url(doc["id"], i))] = instrument_page(site, doc, i)
    return out


def instrument_page(site: Site, doc: dict, i: int) -> str:
    """Part ``i`` of an instrument page: header, part list, every provision in order."""
    parts, here = site.parts[doc["id"]], doc_url(doc["id"], i)
    part = parts[i]
    title = doc["short_title"] + (f" (part {i + 1} of {len(parts)})" if len(parts) > 1 else "")
    # Deep links name the instrument's main page; deeplink.js moves the reader to the part
    # holding the anchor.
    where = ({anchor(p["id"]): rel(here, doc_url(doc["id"], j)) for j, pt in enumerate(parts) if j for p in pt}
             if i == 0 and len(parts) > 1 else None)
    notes = [site.d.notes.get(p["id"]) or {} for p in part]
    depth: dict[str, int] = {}
    for p in part:
        depth[p["id"]] = depth.get(p["parent_id"], -1) + 1 if p["parent_id"] else 0
    return page(site, "instrument.html", here, title, doc=doc, i=i, parts=parts, where=where,
                urls=[doc_url(doc["id"], j) for j in range(len(parts))],
                provisions=[(p, min(depth[p["id"]], 5)) for p in part],
                filters={"instrument": doc["short_title"], "family": family_name(doc["family"]),
                         "theme": {t for a in notes for t in a.get("themes") or ()},
                         "modality": {modality(a) for a in notes}, "kind": {p["kind"] for p in part}})
