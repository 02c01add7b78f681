"""Alignment of provisions: across documents, recital -> article within an EU act, conflicts.

Units. A provision is aligned when it carries a rule or a statement of its own
(``alignable``): every kind except navigation and apparatus (``units.skip_kinds`` in
``nlp/data/alignment.yaml``), with at least ``units.min_words`` words of embedding text.
Both levels are units: a container a reader cites as one (article, principle, action,
recommendation, ...; ``units.container_kinds``) and the paragraphs and points below it. The
relation typing then says how the levels meet (a paragraph is *narrower* than an article).

Embedding text (``embedding_text``): heading + own words; for a container, and for a lead-in
(a provision with children whose own words end in a colon: "The following AI practices shall be
prohibited:"), heading + the words of its whole subtree, since its sentence goes on in its list;
for a list item (point, item, ...), its parent's lead-in first, because "to foster a general
understanding of AI systems," means nothing alone.

Relations (``type_relation``; thresholds in ``cross`` of the YAML), for a pair above the floor:
- equivalent: similarity >= equivalent.min_similarity, word counts comparable (shorter/longer
  >= min_length_ratio) and key-term Jaccard >= min_jaccard;
- narrower (source narrower than target): the source's key terms are mostly found in the
  target's (>= containment.min_contained) and the source is much shorter (ratio <=
  max_length_ratio); broader is the mirror case;
- overlapping: anything else at or above the floor; below it the pair is unrelated and not
  emitted.

Ranking and confidence: candidates are ranked by ``rank_score`` (cosine + heading_weight x
Jaccard of the headings' key terms); the score is logistic(a * rank score + b) (``calibrate``),
fitted on the structural-pairs development set: read it as the chance that the candidate is
the same provision of the same lineage; across publishers no gold exists to calibrate on.

Recital -> article (``align_recitals``): hubness-corrected cosine (CSLS) smoothed over neighbouring
recitals + explicit references
+ a monotone position prior; conflicts (``detect_conflicts``): opposite modalities on the same
act and addressee. Parameters and their provenance are in the YAML.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

PARAMS_PATH = Path(__file__).parent / "data" / "alignment.yaml"
RELATIONS = ("equivalent", "narrower", "broader", "overlapping", "unrelated")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]+")


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_params(params: dict | str | Path | None = None) -> dict:
    """The alignment parameters: a dict as given, a YAML path, or the packaged file."""
    if isinstance(params, dict):
        return params
    return _load(str(params or PARAMS_PATH))


# --- terms -------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _stop_terms(terms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(terms)


def _norm(word: str) -> str:
    """Light plural strip so that "systems" and "system" meet (no stemmer dependency)."""
    w = word.lower().strip("-")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def key_terms(text: str, params: dict | None = None) -> set[str]:
    """The key terms of a text: normalised content words, stop terms removed."""
    p = load_params(params)["terms"]
    stop = _stop_terms(tuple(p["stop_terms"]))
    out = set()
    for m in _WORD.finditer(text or ""):
        w = _norm(m.group())
        if len(w) >= p["min_len"] and w not in stop and m.group().lower() not in stop:
            out.add(w)
    return out


# --- units and their text -------------------------------------------------------------------

def children_map(provisions: list[dict]) -> dict[str | None, list[dict]]:
    """parent_id -> children, in the order given."""
    out: dict[str | None, list[dict]] = {}
    for p in provisions:
        out.setdefault(p.get("parent_id"), []).append(p)
    return out


def subtree_text(prov: dict, provisions_by_parent: dict | None) -> str:
    """The provision's words followed by those of its descendants (as corpus.model.full_text)."""
    out: list[str] = []

    def walk(p: dict) -> None:
        if p.get("text"):
            out.append(p["text"])
        for c in (provisions_by_parent or {}).get(p["id"], []):
            walk(c)

    walk(prov)
    return " ".join(out)


def reads_subtree(prov: dict, provisions_by_parent: dict, params=None) -> bool:
    """Whether a provision is read with the words of its whole subtree: a container a reader
    cites as one (``units.container_kinds``), or a lead-in (it has children and its own words
    end in a colon: its sentence goes on in its list). Navigation and apparatus
    (``units.skip_kinds``) never are: a preamble's "Whereas:" does not make 180 recitals one text."""
    u = load_params(params)["units"]
    if prov.get("kind") in u["container_kinds"]:
        return True
    return (prov.get("kind") not in u["skip_kinds"] and (prov.get("text") or "").rstrip().endswith(":")
            and bool(provisions_by_parent.get(prov.get("id"))))


def subtree_parts(provisions: list[dict], params=None) -> list[list[int]]:
    """For each provision, the indexes (into ``provisions``) of all its descendants when it
    ``reads_subtree``, else none: the parts whose words belong to it."""
    by_parent = children_map(provisions)
    index = {p["id"]: i for i, p in enumerate(provisions)}

    def descendants(pid: str) -> list[int]:
        out = []
        for c in by_parent.get(pid, []):
            out.append(index[c["id"]])
            out += descendants(c["id"])
        return out

    return [descendants(p["id"]) if reads_subtree(p, by_parent, params) else [] for p in provisions]


def embedding_text(prov: dict, provisions_by_parent: dict | None = None, parent: dict | None = None,
                   params=None) -> str:
    """The text embedded for a provision (the same everywhere: build, align, benchmark).

    Heading + own words; a container (``units.container_kinds``) or a lead-in (own words end in
    a colon and it has children) with ``provisions_by_parent`` gets its whole subtree's words;
    a list item with its ``parent`` gets the parent's own words first. Cut at
    ``units.max_chars``.
    """
    u = load_params(params)["units"]
    kind = prov.get("kind")
    body = prov.get("text") or ""
    if provisions_by_parent and reads_subtree(prov, provisions_by_parent, params):
        body = subtree_text(prov, provisions_by_parent)
    parts = [prov.get("heading") or "", body]
    if kind in u["item_kinds"] and parent and parent.get("text"):
        parts.insert(0, parent["text"][:u["parent_context_chars"]])
    text = " ".join(s.strip() for s in parts if s and s.strip())
    return text[:u["max_chars"]]


def embedding_texts(provisions: list[dict], params=None) -> list[str]:
    """``embedding_text`` of every provision, with containers and parents resolved."""
    by_parent = children_map(provisions)
    by_id = {p["id"]: p for p in provisions}
    return [embedding_text(p, by_parent, by_id.get(p.get("parent_id")), params) for p in provisions]


def alignable(prov: dict, text: str | None = None, params=None) -> bool:
    """Whether a provision is an alignment unit (see the module docstring)."""
    u = load_params(params)["units"]
    if prov.get("kind") in u["skip_kinds"]:
        return False
    words = len((text if text is not None else
                 " ".join([prov.get("heading") or "", prov.get("text") or ""])).split())
    return words >= u["min_words"]


# --- relation typing and confidence ---------------------------------------------------------

def rank_score(ev: dict, params=None) -> float:
    """What candidates are ranked and calibrated by: similarity + heading_weight x heading overlap.

    A heading is its author's label of the provision's subject: two provisions headed alike
    ("Accountability", "Definitions") correspond even when one was rewritten or split.
    """
    return ev["similarity"] + load_params(params)["cross"]["heading_weight"] * ev["heading_overlap"]


def calibrate(x: float, cal: dict) -> float:
    """logistic(a * x + b), rounded: the probability-like score of a link."""
    return round(1.0 / (1.0 + math.exp(-(cal["a"] * x + cal["b"]))), 4)


def pair_evidence(src: dict, tgt: dict, similarity: float, params=None,
                  terms: dict[str, set[str]] | None = None, facts: dict[str, tuple] | None = None) -> dict:
    """Evidence of a pair: similarity, shared key terms, containment both ways, length ratio.

    ``terms`` (id -> key terms) and ``facts`` (id -> ``unit_facts``) are per-unit values computed
    once by a caller that scores many pairs (a container's words can run to thousands)."""
    terms = terms if terms is not None else {}
    ts = terms.get(src["id"]) or key_terms(_words(src), params)
    tt = terms.get(tgt["id"]) or key_terms(_words(tgt), params)
    shared = ts & tt
    hs, ls = (facts or {}).get(src["id"]) or unit_facts(src, params)
    ht, lt = (facts or {}).get(tgt["id"]) or unit_facts(tgt, params)
    return {"similarity": round(float(similarity), 4),
            "heading_overlap": round(_jaccard(hs, ht), 4),
            "shared_terms": sorted(shared, key=lambda w: (-len(w), w))[:15],
            "jaccard": round(len(shared) / (len(ts | tt) or 1), 4),
            "source_contained": round(len(shared) / (len(ts) or 1), 4),
            "target_contained": round(len(shared) / (len(tt) or 1), 4),
            "length_ratio": round(ls / lt, 4)}


def unit_facts(prov: dict, params=None) -> tuple[set[str], int]:
    """A unit's heading key terms and its word count (at least 1), as ``pair_evidence`` uses them."""
    return key_terms(prov.get("heading") or "", params), len(_words(prov).split()) or 1


def _words(prov: dict) -> str:
    # Terms and lengths come from the unit's own words, or its subtree's when it is a container
    # (the caller stores that as "full_text").
    return " ".join([prov.get("heading") or "", prov.get("full_text") or prov.get("text") or ""])


def type_relation(ev: dict, params=None) -> str:
    """The relation of a pair from its evidence (rules in the module docstring)."""
    c = load_params(params)["cross"]
    sim, ratio = ev["similarity"], ev["length_ratio"]
    if sim < c["floor"]:
        return "unrelated"
    eq, cn = c["equivalent"], c["containment"]
    if (sim >= eq["min_similarity"] and min(ratio, 1 / ratio) >= eq["min_length_ratio"]
            and ev["jaccard"] >= eq["min_jaccard"]):
        return "equivalent"
    if ev["source_contained"] >= cn["min_contained"] and ratio <= cn["max_length_ratio"]:
        return "narrower"
    if ev["target_contained"] >= cn["min_contained"] and 1 / ratio <= cn["max_length_ratio"]:
        return "broader"
    return "overlapping"


# --- cross-document alignment ----------------------------------------------------------------

def _units(provisions: list[dict], params) -> tuple[list[int], list[dict]]:
    """Row numbers and copies (with ``full_text`` for containers) of the alignable provisions."""
    u = load_params(params)["units"]
    by_parent = children_map(provisions)
    rows, units = [], []
    for n, p in enumerate(provisions):
        q = dict(p)
        if p.get("kind") in u["container_kinds"] and by_parent.get(p["id"]):
            q["full_text"] = subtree_text(p, by_parent)
        if alignable(q, _words(q), params):
            rows.append(n)
            units.append(q)
    return rows, units


def _label(value) -> str | None:
    """A modality / addressee label from a string or a {"label": ...} dict."""
    if isinstance(value, dict):
        return value.get("label") or value.get("strongest")
    return value


def _addressees(ann: dict | None) -> set[str]:
    items = (ann or {}).get("addressees") or (ann or {}).get("bound") or []
    if isinstance(items, (str, dict)):
        items = [items]
    return {str(_label(a)).lower() for a in items if _label(a)}


def align_cross(provisions: list[dict], vectors: np.ndarray, *, k: int = 10, params=None,
                annotations: dict[str, dict] | None = None, themes: dict[str, list[str]] | None = None,
                families: dict[str, str] | None = None, model=None,
                recitals: dict[str, str] | None = None) -> list[dict]:
    """For each alignable provision, its best candidates in other documents, typed.

    Within the provision's own publisher family (all documents when ``families``, doc id ->
    family, is not given) these are the ``k`` best by ``rank_score``, scored by the
    structural-pairs calibration. In every other family they are the ``cross.per_family`` best,
    and with a trained ``model`` (``nlp.link_model.LinkModel``) each is scored by it: the
    held-out-calibrated chance that a reviewer would call it a counterpart; pairs under the
    model's ``keep`` are dropped, those at or above its ``accept`` are accepted.

    ``vectors`` are the rows' L2-normalised embeddings of ``embedding_text``; rows that are not
    units (``alignable``) are ignored. ``annotations`` (id -> {"modality", "addressees"}) and
    ``themes`` (id -> theme ids) add evidence (and model features), as ``recitals`` (article
    id -> the recital that best explains it, ``best_recitals``) does to the model's features.
    Pairs below the similarity floor are not emitted. Links come grouped by source document,
    each source's best first.
    """
    prm = load_params(params)
    c = prm["cross"]
    rows, units = _units(provisions, prm)
    if not units:
        return []
    V = np.ascontiguousarray(vectors[rows], dtype=np.float32)
    terms = {u["id"]: key_terms(_words(u), prm) for u in units}
    fam = np.array([(families or {}).get(u["doc_id"], "") for u in units])
    docs = np.array([u["doc_id"] for u in units])
    annotations, themes = annotations or {}, themes or {}
    ctx = _PairContext(provisions, vectors, units, V, fam, annotations, themes, terms, prm, recitals)
    heads = [ctx.facts[u["id"]][0] for u in units]
    links: list[dict] = []
    for doc in dict.fromkeys(docs):
        qrows = np.flatnonzero(docs == doc)
        S = V[qrows] @ V.T
        own = fam[qrows[0]]
        for family in dict.fromkeys(fam):
            cols = np.flatnonzero((fam == family) & (docs != doc))
            if not len(cols):
                continue
            lineage = family == own
            depth = k if lineage else c["per_family"]
            for qi, n in enumerate(qrows):
                cands = family_candidates(S[qi], cols, heads, n, depth, c)
                found = [ctx.link(n, t, float(S[qi, t])) for t in cands]
                if lineage or model is None or not found:
                    links += found
                    continue
                probs = model.probability(np.array([ctx.features(n, t, float(S[qi, t]), link["evidence"])
                                                    for t, link in zip(cands, found)]))
                for link, p in zip(found, probs.tolist()):
                    if p < model.keep:
                        continue
                    link["evidence"]["model"] = "link-model (reviewed links)"
                    link.update(score=round(p, 4), status="accepted" if p >= model.accept else "candidate")
                    if link["relation"] == "unrelated":
                        link["relation"] = "overlapping"
                    links.append(link)
    return links


def family_candidates(sims: np.ndarray, cols: np.ndarray, heads: list, n: int, depth: int, cross: dict) -> list[int]:
    """Unit ``n``'s ``depth`` candidates among the units ``cols`` (one family), best first:
    similarity (``sims``: to every unit) plus ``cross.heading_weight`` x the Jaccard of the two
    headings' key terms (``heads``), above ``cross.floor``. Only the best by similarity are
    ranked, with a margin the heading bonus can lift into the top."""
    top = cols[np.argsort(-sims[cols])[: depth + 10]] if len(cols) > depth + 10 else cols
    ranked = sorted(((sims[t] + cross["heading_weight"] * _jaccard(heads[n], heads[t]), t) for t in top
                     if sims[t] >= cross["floor"]), key=lambda x: -x[0])
    return [t for _, t in ranked[:depth]]


def best_recitals(links: list[dict]) -> dict[str, str]:
    """Article id -> the recital that best explains it: the source of its highest-scored
    "explains" link (of equal scores, the first recital id), whatever order ``links`` come in."""
    best: dict[str, tuple[float, str]] = {}
    for link in links:
        if link["relation"] == "explains":
            key = (-link["score"], link["source_id"])
            best[link["target_id"]] = min(best.get(link["target_id"], key), key)
    return {article: recital for article, (_, recital) in best.items()}


class _PairContext:
    """What a pair's link and the link model's features need besides the pair's own words,
    computed once per unit: ranks inside each family, the parents' vectors, the vectors of the
    recitals that explain them (``recitals``: article id -> recital id), modalities, addressees
    and themes."""

    CACHE = 4096     # units' sorted similarities to a family kept at once (~70 MB at most here)

    def __init__(self, provisions, vectors, units, V, fam, annotations, themes, terms, prm, recitals=None):
        self.units, self.V, self.fam = units, V, fam
        self.terms, self.prm = terms, prm
        row_of = {p["id"]: i for i, p in enumerate(provisions)}
        self.parent_vec = [vectors[row_of[u["parent_id"]]] if u.get("parent_id") in row_of else None for u in units]
        self.recital_vec = [self._recital(u["id"], provisions, row_of, recitals or {}, vectors) for u in units]
        family_rows = {f: np.flatnonzero(fam == f) for f in dict.fromkeys(fam)}
        self.family_V = {f: np.ascontiguousarray(V[rows]) for f, rows in family_rows.items()}
        self.position = np.empty(len(units), dtype=np.int64)     # a unit's row inside its family
        for rows in family_rows.values():
            self.position[rows] = np.arange(len(rows))
        self._sims: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self.facts = {u["id"]: unit_facts(u, prm) for u in units}
        # per unit, read once: a pair's evidence and features ask for them ~200,000 times
        notes = [annotations.get(u["id"]) or {} for u in units]
        self.modality = [_label(a.get("modality")) for a in notes]
        self.addressees = [_addressees(a) for a in notes]
        self.theme_sets = [set(themes.get(u["id"], [])) for u in units]

    @staticmethod
    def _recital(pid: str, provisions, row_of: dict, recitals: dict, vectors) -> np.ndarray | None:
        """The vector of the recital that best explains the provision ``pid`` (an article) or,
        for a paragraph or point, its article: the nearest of it and its ancestors that has one."""
        seen = set()
        while pid in row_of and pid not in seen:
            seen.add(pid)
            if recitals.get(pid) in row_of:
                return vectors[row_of[recitals[pid]]]
            pid = provisions[row_of[pid]].get("parent_id")
        return None

    def rank(self, n: int, t: int) -> int:
        """1-based rank of unit ``t`` among the units of its family by similarity to unit ``n``.

        Each pair asks for two ranks against whole families; unit ``n``'s similarities to a
        family are computed once and kept sorted (a bounded cache: the same hub units come back
        as targets of many sources), so a rank is a binary search, not a product over the
        family (that product, per pair, was most of the cold stage's time in align)."""
        key = (n, self.fam[t])
        hit = self._sims.get(key)
        if hit is None:
            if len(self._sims) >= self.CACHE:
                self._sims.clear()
            sims = self.family_V[self.fam[t]] @ self.V[n]
            hit = self._sims[key] = (sims, np.sort(sims))
        sims, ordered = hit
        return int(len(ordered) - np.searchsorted(ordered, sims[self.position[t]], side="right")) + 1

    def features(self, n: int, t: int, sim: float, ev: dict | None = None) -> list[float]:
        """The link model's feature row of the pair (``ev``: its ``pair_evidence``, if already made)."""
        from nlp.link_model import pair_features
        ev = ev or pair_evidence(self.units[n], self.units[t], sim, self.prm, self.terms, self.facts)
        ps, pt = self.parent_vec[n], self.parent_vec[t]
        rs, rt = self.recital_vec[n], self.recital_vec[t]
        return pair_features(
            ev, rank_st=self.rank(n, t), rank_ts=self.rank(t, n),
            themes_s=self.theme_sets[n], themes_t=self.theme_sets[t],
            modality_s=self.modality[n] or "none", modality_t=self.modality[t] or "none",
            addressees_s=self.addressees[n], addressees_t=self.addressees[t],
            parent_sim_s=float(ps @ self.V[t]) if ps is not None else sim,
            parent_sim_t=float(pt @ self.V[n]) if pt is not None else sim,
            recital_sim_s=float(rs @ self.V[t]) if rs is not None else sim,
            recital_sim_t=float(rt @ self.V[n]) if rt is not None else sim)

    def link(self, n: int, t: int, sim: float) -> dict:
        """The link from unit ``n`` to unit ``t`` (similarity ``sim``), typed and scored by the
        rules and the structural calibration, with its evidence."""
        prm = self.prm
        ev = pair_evidence(self.units[n], self.units[t], sim, prm, self.terms, self.facts)
        relation = type_relation(ev, prm)
        ev["shared_themes"] = sorted(self.theme_sets[n] & self.theme_sets[t])
        ev["modality"] = [self.modality[n], self.modality[t]]
        ev["shared_addressees"] = sorted(self.addressees[n] & self.addressees[t])
        ev["rank_score"] = round(rank_score(ev, prm), 4)
        score = calibrate(ev["rank_score"], prm["cross"]["calibration"])
        return {"source_id": self.units[n]["id"], "target_id": self.units[t]["id"], "relation": relation,
                "score": score, "status": "accepted" if score >= prm["cross"]["accept"] else "candidate",
                "evidence": ev}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / (len(a | b) or 1)


# --- conflicts -------------------------------------------------------------------------------

def _span(ann: dict | None) -> str | None:
    m = (ann or {}).get("modality")
    return (m.get("span") if isinstance(m, dict) else None) or (ann or {}).get("modality_span")


def _statements(ann: dict | None, text: str | None, params) -> list[tuple[str, str | None, str, set | None]]:
    """The modal statements of a provision: (label, span, sentence, act terms) for each sentence
    with a modality when the annotation has sentences and the text is known; else (a bare
    annotation) the provision's strongest modality as one statement whose act is unknown
    (None)."""
    sents = (ann or {}).get("sentences")
    if text and sents is not None:       # sentence-annotated (an article's inherited modality is not a sentence)
        out = []
        for st in sents:
            label = _label(st.get("modality"))
            if label and label != "none":
                sentence = text[st["start"]:st["end"]]
                out.append((label, (st.get("span") or {}).get("text"), sentence, key_terms(sentence, params)))
        return out
    label = _label((ann or {}).get("modality"))
    return [(label, _span(ann), "", None)] if label else []


def _counterparts(left: list, right: list, link_terms: list[str], cf: dict) -> list[tuple]:
    """Pairs of statements that say the same thing in the two provisions, with their act
    terms: each is the other's best match by key-term Jaccard, at least ``min_jaccard`` and
    ``min_shared_terms`` terms alike. A statement whose act is unknown pairs with every
    statement of the other side, on the link's shared terms."""
    def overlap(a, b) -> tuple[float, list[str]]:
        if a[3] is None or b[3] is None:
            return 1.0, list(link_terms)
        common = a[3] & b[3]
        return (len(common) / len(a[3] | b[3]) if common else 0.0), sorted(common)

    grid = [[overlap(a, b) for b in right] for a in left]
    out = []
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            jac, act = grid[i][j]
            mutual = (jac >= max(g[0] for g in grid[i]) and jac >= max(row[j][0] for row in grid))
            if mutual and jac >= cf["min_jaccard"] and len(act) >= cf["min_shared_terms"]:
                out.append((a, b, act))
    return out


def detect_conflicts(links: list[dict], annotations: dict[str, dict], texts: dict[str, str] | None = None,
                     params=None) -> list[dict]:
    """Conflicts on aligned pairs: opposite modalities on the same act and addressee.

    A pair of linked provisions conflicts when they share an addressee label, are at least
    ``min_similarity`` alike, and two sentences that say the same thing (``_counterparts``:
    each the other's best match by key terms, sharing the act) have modalities forming one
    of ``conflicts.pairs`` (obligation vs prohibition, permission vs prohibition, obligation
    vs permission). Sentence by sentence, because a provision's strongest modality may come
    from a sentence about something else ("the words shall, shall not ... may appear" in a
    conventions clause), and counterparts only, because two near-identical clauses each
    holding a "must" and a "may" sentence do not conflict. ``texts`` (provision id -> the text that was annotated) gives the
    sentences; without it, or without sentence annotations, a provision is one statement
    with its strongest modality and the link's shared terms stand for the act. Of several
    opposite sentence pairs the one sharing most terms is the evidence. One conflict per
    unordered pair; evidence holds the two modality spans, the two sentences, the shared
    addressees and act terms.
    """
    prm = load_params(params)
    cf = prm["conflicts"]
    opposite = {frozenset(p) for p in cf["pairs"]}
    texts = texts or {}
    seen, out, memo = set(), [], {}

    def statements(pid: str) -> list:
        if pid not in memo:         # a provision meets many links; split and count its terms once
            memo[pid] = _statements(annotations.get(pid), texts.get(pid), prm)
        return memo[pid]

    for link in links:
        if link.get("relation") in ("explains", "conflicts", "unrelated"):
            continue
        s, t = link["source_id"], link["target_id"]
        ev = link.get("evidence", {})
        if frozenset((s, t)) in seen or ev.get("similarity", 0) < cf["min_similarity"]:
            continue
        a_s, a_t = annotations.get(s), annotations.get(t)
        who = sorted(_addressees(a_s) & _addressees(a_t))
        if not who:
            continue
        best = None
        for (ms, span_s, sent_s, _), (mt, span_t, sent_t, _), act in _counterparts(
                statements(s), statements(t), ev.get("shared_terms", []), cf):
            if frozenset((ms, mt)) in opposite and (best is None or len(act) > len(best[-1])):
                best = (ms, mt, span_s, span_t, sent_s, sent_t, act)
        if best is None:
            continue
        ms, mt, span_s, span_t, sent_s, sent_t, act = best
        seen.add(frozenset((s, t)))
        cut = cf["sentence_chars"]
        out.append({"source_id": s, "target_id": t, "relation": "conflicts", "score": link["score"],
                    "status": link["status"],
                    "evidence": {"type": f"{ms}-vs-{mt}", "modality": [ms, mt],
                                 "modality_spans": [span_s, span_t],
                                 "sentences": [sent_s[:cut], sent_t[:cut]], "shared_addressees": who,
                                 "shared_terms": act, "similarity": ev.get("similarity"),
                                 "aligned_as": link.get("relation")}})
    return out


# --- recital -> article ----------------------------------------------------------------------

# "Article 50", "Articles 5 and 6", "Article 26(10)": a citation of this act unless an
# "of Regulation ...", "TFEU", "of the Charter", ... follows (those cite other acts).
_ART_REF = re.compile(r"\bArticles?\s+(\d+[a-z]?(?:\(\d+\))*(?:(?:,\s*|\s+and\s+|\s+or\s+|\s+to\s+)\d+[a-z]?(?:\(\d+\))*)*)"
                      r"(?P<tail>[^.;]{0,80})")
_OTHER_ACT = re.compile(r"^[^.;]*?\b(?:TEU|TFEU)\b|^(?:\s*\(\d+\))*(?:,\s*(?:first|second|third|point|\w+\s+subparagraph)[^.;]*?)?"
                        r"\s*of\s+(?!this\b)(?:Regulation|Directive|Decision|the\s+Charter|the\s+Treaty|"
                        r"Protocol|that|those|the\s+Convention|Council)")
_ANNEX_REF = re.compile(r"\bAnnex(?:es)?\s+([IVXL]+)\b")
_QUOTED = re.compile(r"[‘'“\"]([^’'”\"]{2,60})[’'”\"]")


def cited_articles(text: str) -> set[str]:
    """Article numbers of this act cited in a text (citations of other acts left out)."""
    out: set[str] = set()
    for m in _ART_REF.finditer(text or ""):
        if _OTHER_ACT.search(m.group("tail")):
            continue
        body = re.sub(r"\(\d+\)", "", m.group(1))
        for lo, hi in re.findall(r"(\d+)\s+to\s+(\d+)", body):
            out.update(str(i) for i in range(int(lo), min(int(hi), int(lo) + 50) + 1))
        out.update(re.findall(r"(?:^|[\s,])(\d+[a-z]?)", " " + body))
    return out


def _isotonic(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted pool-adjacent-violators: the non-decreasing fit of y over sorted x."""
    order = np.argsort(x, kind="stable")
    blocks: list[list[float]] = []          # [value, weight, count]
    for i in order:
        blocks.append([float(y[i]), float(w[i]), 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            blocks.append([(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    fit = np.empty(len(x))
    pos = 0
    for v, _, cnt in blocks:
        fit[order[pos:pos + cnt]] = v
        pos += cnt
    return fit


def _row_ok(vectors: np.ndarray, n: int) -> bool:
    return float(np.abs(vectors[n]).sum()) > 0


def score_recitals(provisions: list[dict], vectors: np.ndarray, *, doc_id: str, params=None,
                   references: dict[str, list[dict]] | None = None) -> dict:
    """Every recital of ``doc_id`` scored against every article (the ranking behind
    ``align_recitals``). Returns recital and article provisions, the component matrices
    (similarity, cross_ref, position; recitals x articles) and the combined score.
    """
    prm = load_params(params)
    rp = prm["recitals"]
    by_parent = children_map(provisions)
    rowof = {p["id"]: n for n, p in enumerate(provisions)}
    rows = [n for n, p in enumerate(provisions) if p.get("doc_id") == doc_id]
    rec = [n for n in rows if provisions[n].get("kind") == "recital"]
    art = [n for n in rows if provisions[n].get("kind") == "article"]
    R = vectors[rec].astype(np.float32)
    sim = R @ vectors[art].astype(np.float32).T
    full, defined, annexes = [], [], []
    for j, n in enumerate(art):
        a = provisions[n]
        leaves, stack = [], list(by_parent.get(a["id"], []))
        while stack:
            c = stack.pop()
            stack.extend(by_parent.get(c["id"], []))
            if c.get("text") and c.get("kind") != "footnote":
                leaves.append(c)
        lrows = [rowof[c["id"]] for c in leaves if _row_ok(vectors, rowof[c["id"]])]
        if lrows:
            # Long articles overflow the model's window: their best leaves speak for them too.
            ls = np.sort(R @ vectors[lrows].astype(np.float32).T, axis=1)[:, ::-1][:, :rp["leaf_top"]]
            sim[:, j] = np.maximum(sim[:, j], ls.mean(axis=1))
        text = subtree_text(a, by_parent)
        full.append(" ".join([a.get("heading") or "", text]))
        defined.append({m.group(1).lower() for c in leaves if c.get("kind") == "definition"
                        for m in [_QUOTED.match(c["text"].strip())] if m})
        annexes.append(set(_ANNEX_REF.findall(text)))
    art_num = {str(provisions[n].get("num") or provisions[n]["id"].rsplit("-", 1)[-1]): j
               for j, n in enumerate(art)}
    art_ids = {provisions[n]["id"]: j for j, n in enumerate(art)}
    ref = np.zeros_like(sim)
    for i, n in enumerate(rec):
        r = provisions[n]
        direct = {art_num[a] for a in cited_articles(r.get("text", "")) if a in art_num}
        for x in (references or {}).get(r["id"], []):
            tid = x.get("target_id") or ""
            for aid, j in art_ids.items():
                if tid == aid or tid.startswith(aid + "/"):
                    direct.add(j)
        quoted = {q.lower() for q in _QUOTED.findall(r.get("text", ""))}
        rannex = set(_ANNEX_REF.findall(r.get("text", "")))
        for j in range(len(art)):
            # A direct citation counts fully; a defined term of the article quoted in the
            # recital, or an annex both cite, counts half.
            if j in direct:
                ref[i, j] = 1.0
            elif (quoted & defined[j]) or (rannex & annexes[j]):
                ref[i, j] = 0.5
    hub = _csls(sim, rp["hubness_k"])
    run = _neighbour_smoothed(hub, rp["neighbours"])
    pos = _position_prior(run + rp["weights"]["cross_ref"] * ref, rp["position_scale"])
    w = rp["weights"]
    combined = w["similarity"] * run + w["cross_ref"] * ref + w["position"] * pos
    return {"recitals": [provisions[n] for n in rec], "articles": [provisions[n] for n in art],
            "article_text": full, "similarity": sim, "hubness": hub, "run": run, "cross_ref": ref,
            "position": pos, "combined": combined}


def _neighbour_smoothed(score: np.ndarray, beta: float) -> np.ndarray:
    """(score + beta x the better of the recital's two neighbours' scores) / (1 + beta), per
    article. Recitals come in runs on one subject (a preamble explains an article over
    several consecutive recitals), so a recital whose neighbour matches an article well is
    more likely to explain it than its own wording alone shows."""
    if beta <= 0 or score.shape[0] < 2:
        return score
    low = np.full((1, score.shape[1]), -np.inf, dtype=score.dtype)
    best = np.maximum(np.vstack([score[1:], low]), np.vstack([low, score[:-1]]))
    return (score + beta * best) / (1 + beta)


def _csls(sim: np.ndarray, k: int) -> np.ndarray:
    """Cross-domain similarity local scaling (Conneau et al. 2018): 2 cos - r_recital - r_article,
    r the mean cosine to the k nearest on the other side. A recital close to every article
    (general wording) or an article close to every recital no longer wins everywhere."""
    k_r, k_a = min(k, sim.shape[1]), min(k, sim.shape[0])
    r_rec = -np.sort(-sim, axis=1)[:, :k_r].mean(axis=1)
    r_art = -np.sort(-sim, axis=0)[:k_a].mean(axis=0)
    return 2 * sim - r_rec[:, None] - r_art[None, :]


def _position_prior(score: np.ndarray, scale: float) -> np.ndarray:
    """exp(-|article rank - f(recital rank)| / scale), f the isotonic fit of each recital's best
    article (weighted by its best score); ranks normalised to 0..1."""
    n_r, n_a = score.shape
    if n_r < 2 or n_a < 2:
        return np.ones_like(score)
    x = np.arange(n_r) / (n_r - 1)
    best = score.argmax(axis=1)
    f = _isotonic(x, best / (n_a - 1), np.clip(score.max(axis=1), 1e-3, None))
    y = np.arange(n_a) / (n_a - 1)
    return np.exp(-np.abs(y[None, :] - f[:, None]) / scale)


def align_recitals(provisions: list[dict], vectors: np.ndarray, *, doc_id: str, params=None,
                   references: dict[str, list[dict]] | None = None) -> list[dict]:
    """For every article of ``doc_id``, its ``recitals.candidates`` best recitals as "explains"
    links (recital -> article), combining wording, explicit references and position.

    ``vectors`` are row-aligned with ``provisions`` (embedding_text); an article is compared
    through its own vector (heading + whole text) and its best leaves. ``references`` (id ->
    [{"target_id": ...}], from the cross-reference component) adds resolved citations to the
    act's own regex ones.
    """
    prm = load_params(params)
    rp = prm["recitals"]
    s = score_recitals(provisions, vectors, doc_id=doc_id, params=prm, references=references)
    rterms = [key_terms(r.get("text", ""), prm) for r in s["recitals"]]
    links = []
    for j, a in enumerate(s["articles"]):
        aterms = key_terms(s["article_text"][j], prm)
        col = s["combined"][:, j]
        for i in np.argsort(-col, kind="stable")[:rp["candidates"]]:
            score = calibrate(float(col[i]), rp["calibration"])
            links.append({
                "source_id": s["recitals"][i]["id"], "target_id": a["id"], "relation": "explains",
                "score": score, "status": "accepted" if score >= rp["accept"] else "candidate",
                "evidence": {"similarity": round(float(s["similarity"][i, j]), 4),
                             "hubness_corrected": round(float(s["hubness"][i, j]), 4),
                             "cross_refs": float(s["cross_ref"][i, j]),
                             "position": round(float(s["position"][i, j]), 4),
                             "combined": round(float(col[i]), 4),
                             "shared_terms": sorted(rterms[i] & aterms, key=lambda w: (-len(w), w))[:15]}})
    return links
