"""Which alignment links the site shows and offers for download.

The aligner stores ~10 candidates per provision (58,000 links on the full corpus); pages and
downloads carry the reviewed part of that and the best few candidates, and say where the
full lists are (OUT/export/links.jsonl, `govkb align ID`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

TOP_CANDIDATES = 3        # candidate links shown per provision (besides accepted ones)
TOP_EXPLAINS = 5          # recitals shown per article for "explained by" (and articles per recital)
INVERSE = {"narrower": "broader", "broader": "narrower", "explains": "explained by"}
EXPLAIN_RELATIONS = ("explains", "explained by")


@dataclass
class Alignment:
    """What the site shows of one provision's links, seen from that provision: ``shown``
    (accepted links, conflicts, the best TOP_CANDIDATES candidates), ``explains`` (the best
    TOP_EXPLAINS "explains"/"explained by" links) and how many candidates it leaves out.
    Items are (link, other provision id, relation as seen from this provision)."""
    shown: list = field(default_factory=list)
    explains: list = field(default_factory=list)
    more: int = 0

    @property
    def links(self) -> list:
        """Every item shown: explanations first."""
        return self.explains + self.shown

    @property
    def accepted(self) -> int:
        """How many of the items shown are accepted links."""
        return sum(l["status"] == "accepted" for l, _, _ in self.links)


def reviewed(item: dict) -> bool:
    """Whether a cell or link carries a current review (its verdict is the one shown)."""
    return bool(item.get("review")) and item["review"]["status"] == "current"


def _rank(item) -> tuple:
    link = item[0]
    return (not reviewed(link), link["status"] != "accepted", -(link["score"] or 0))


def select_links(links: list[dict]) -> dict[str, Alignment]:
    """The site's view of the alignment links, by provision.

    A provision sees its own candidate list (links it is the source of), and from the other
    side only what is about both: accepted links, conflicts and explanations. The reverse
    direction of another provision's candidate list is left out, as `govkb align` does."""
    seen = defaultdict(list)
    for l in links:
        if l["status"] == "rejected":   # a reviewer found no counterpart relation
            continue
        relation = l["relation"]
        seen[l["source_id"]].append((l, l["target_id"], relation))
        if l["status"] == "accepted" or relation in ("explains", "conflicts"):
            seen[l["target_id"]].append((l, l["source_id"], INVERSE.get(relation, relation)))
    out = {}
    for pid, items in seen.items():
        items.sort(key=_rank)
        explains, fixed, cands = [], [], []
        for x in items:
            if x[2] in EXPLAIN_RELATIONS:
                explains.append(x)
            elif x[0]["status"] == "accepted" or x[2] == "conflicts":
                fixed.append(x)
            else:
                cands.append(x)
        al = Alignment(shown=fixed + cands[:TOP_CANDIDATES], explains=explains[:TOP_EXPLAINS],
                       more=max(0, len(cands) - TOP_CANDIDATES) + max(0, len(explains) - TOP_EXPLAINS))
        if al.links:
            out[pid] = al
    return out


def published_links(links: list[dict], align: dict[str, Alignment]) -> list[dict]:
    """The links the site offers for download: every link a page shows, plus all
    explanations and conflicts (few, and reviewed as a set), in store order."""
    keep = {id(x[0]) for al in align.values() for x in al.links}
    return [l for l in links if id(l) in keep or l["relation"] in ("explains", "conflicts")]
