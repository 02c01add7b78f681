"""Divergence of each instrument (and each publisher family) from a baseline of positions, by theme.

For every instrument x theme cell: coverage (how many provisions carry the theme, how strongly),
bindingness (instrument binding flag x provision modality), the stance of each provision towards
each baseline position on the theme (contrastive similarity to the position's affirm and oppose
statements, plus two rules), and an aggregate label with a score and its evidence provisions.
The method and its parameters (nlp/data/divergence.yaml) are described in
docs/methodology-divergence.md.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import yaml

from nlp.baseline import DIVERGENCE_PARAMS, Baseline, Position

LABELS = ("aligned", "partially aligned", "divergent", "not addressed")
BINDING_MODALITIES = ("obligation", "prohibition")


def load_params(path: str | Path = DIVERGENCE_PARAMS) -> dict:
    """The method's parameters (a dict read from YAML)."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Stance:
    """The stance of one provision towards one position."""
    stance: str            # affirms | contradicts | neutral
    signed: float          # -1 (contradicts fully) .. +1 (affirms fully)
    relevance: float       # max cosine to the position's statements
    gap: float             # cosine to affirm side minus cosine to oppose side
    basis: str             # "similarity" or "rule:<id>"


def bindingness(modality: str, instrument_binding: bool, kind: str, params: dict) -> float:
    """Force of a provision: the instrument's binding flag x the provision's modality."""
    binding = instrument_binding and kind not in set(params.get("explanatory_kinds", ()))
    row = params["bindingness"]["binding" if binding else "non_binding"]
    return float(row.get(modality or "none", row["none"]))


def provision_stance(sim_affirm: float, sim_oppose: float, position: Position, modality: str,
                     binding: bool, params: dict) -> Stance:
    """Stance of a provision towards a position from its best cosine to the affirm and to the
    oppose statements, then the position's rules. ``binding`` is True for an operative provision
    of a binding instrument (not a recital)."""
    sp, rules = params["stance"], params["rules"]
    relevance, gap = max(sim_affirm, sim_oppose), sim_affirm - sim_oppose
    if relevance < sp["relevance_min"]:
        return Stance("neutral", 0.0, relevance, gap, "not relevant")
    signed = float(np.clip(gap / sp["scale"], -1.0, 1.0))
    label = "affirms" if gap >= sp["margin"] else "contradicts" if gap <= -sp["margin"] else "neutral"
    basis = "similarity"
    mandate, voluntary = rules["binding-mandate"], rules["voluntary-measure"]
    if ("binding-mandate" in position.rules and binding and modality in mandate["modalities"]
            and gap < mandate["gap_below"] and relevance >= mandate["relevance_min"]):
        return Stance("contradicts", -1.0, relevance, gap, "rule:binding-mandate")
    if ("voluntary-measure" in position.rules and (not binding or modality in voluntary["modalities"])
            and gap > voluntary["unless_gap_at_most"] and label != "affirms"):
        return Stance("affirms", float(voluntary["conviction"]), relevance, gap, "rule:voluntary-measure")
    return Stance(label, signed if label != "neutral" else 0.0, relevance, gap, basis)


def aggregate_cell(items: list[dict], n_theme: int, params: dict) -> tuple[str, float | None]:
    """Label and score of a cell from its evidence items.

    Each item has ``bearing`` (similarity above the relevance floor x theme score), ``force``
    (bindingness) and ``value`` (signed stance, -1..+1). Score = mean of the values weighted by
    bearing x force (plus a prior weight at 0), in [-1, 1]: what an instrument binds people to says more about where it
    stands than what it explains. "divergent" also needs force behind the contradictions (their
    weighted mean force at least ``divergent_force_min``): a conflicting but voluntary text is
    only partially aligned, because the baseline itself prefers voluntary measures."""
    agg = params["aggregate"]
    if n_theme < agg["min_provisions"]:
        return "not addressed", None
    total = sum(i["bearing"] * i["force"] for i in items)
    # The prior weight pulls thin evidence towards 0 (no clear stance), so that one weakly
    # relevant provision cannot make a whole cell aligned or divergent.
    score = round(sum(i["bearing"] * i["force"] * i["value"] for i in items)
                  / (total + agg["prior_weight"]), 4)
    contra = [i for i in items if i["value"] < 0]
    contra_bearing = sum(i["bearing"] for i in contra)
    contra_force = sum(i["bearing"] * i["force"] for i in contra) / contra_bearing if contra_bearing else 0.0
    if score >= agg["aligned_min"]:
        return "aligned", score
    if score <= agg["divergent_max"] and contra_force >= agg["divergent_force_min"]:
        return "divergent", score
    return "partially aligned", score


def statement_texts(baseline: Baseline) -> tuple[list[str], dict[str, tuple[list[int], list[int]]]]:
    """Every affirm / oppose statement of the baseline (the texts the divergence step embeds),
    and per position the indices of each side's statements among them."""
    texts, sides = [], {}
    for p in baseline.positions:
        a = list(p.affirm) + list(p.favours)
        o = list(p.oppose) + list(p.opposes)
        sides[p.id] = (list(range(len(texts), len(texts) + len(a))),
                       list(range(len(texts) + len(a), len(texts) + len(a) + len(o))))
        texts += a + o
    return texts, sides


def _statement_matrix(baseline: Baseline, embed: Callable[[list[str]], np.ndarray]):
    """Embed every affirm / oppose statement once; per position the row indices of each side."""
    texts, sides = statement_texts(baseline)
    return np.asarray(embed(texts), dtype=np.float32), sides


def _provision_vectors(provs: list[dict], vectors, embed) -> np.ndarray:
    """Rows of provision vectors (from ``vectors`` where given, else embedded)."""
    missing = [p for p in provs if vectors is None or p["id"] not in vectors]
    new = dict(zip((p["id"] for p in missing), embed([p["text"] for p in missing]))) if missing else {}
    return np.vstack([np.asarray(new[p["id"]] if p["id"] in new else vectors[p["id"]], dtype=np.float32)
                      for p in provs]) if provs else np.zeros((0, 1), dtype=np.float32)


def _cell(instrument: str, level: str, theme: str, provs: list[dict], items: list[dict],
          docs: dict[str, dict], theme_scores: dict, params: dict) -> dict:
    """One output cell from the theme's provisions and their evidence items."""
    label, score = aggregate_cell(items, len(provs), params)
    mods = Counter(i["modality"] for i in items if i["best"])
    binds = [docs[p["doc_id"]].get("binding", False) for p in provs]
    strengths = [float(theme_scores.get(p["id"], {}).get(theme, 0.0)) for p in provs]
    bearing = sorted((i for i in items if i["stance"] != "neutral"),
                     key=lambda i: -abs(i["bearing"] * i["force"] * i["value"]))
    if not bearing:   # addressed but bearing on no position: show the closest provisions
        bearing = sorted(items, key=lambda i: -i["similarity"])
    keep = params["aggregate"]["evidence_per_cell"]
    per_pos: dict[str, Counter] = defaultdict(Counter)
    for i in items:
        per_pos[i["position_id"]][i["stance"]] += 1
    return {
        "instrument": instrument, "level": level, "theme": theme, "label": label, "score": score,
        "coverage": {"provisions": len(provs), "strength": round(sum(strengths), 3),
                     "mean_theme_score": round(sum(strengths) / len(strengths), 3) if strengths else 0.0},
        "binding": {"instrument_binding": (binds[0] if level == "document" and binds
                                           else round(sum(binds) / len(binds), 3) if binds else None),
                    "modalities": dict(mods),
                    "binding_provisions": sum(1 for i in items if i["best"] and i["force"] >= 0.9),
                    "mean_force": round(float(np.mean([i["force"] for i in items if i["best"]])), 3)
                    if any(i["best"] for i in items) else 0.0},
        "positions": {pid: dict(c) for pid, c in sorted(per_pos.items())},
        "evidence": [{k: i[k] for k in ("provision_id", "position_id", "stance", "similarity",
                                         "gap", "modality", "force", "basis")} for i in bearing[:keep]],
    }


def divergence(provisions: list[dict], documents: list[dict], baseline: Baseline, *,
               theme_scores: dict[str, dict[str, float]], themes: dict[str, list[str]],
               annotations: dict[str, dict], embed: Callable[[list[str]], np.ndarray],
               vectors: dict[str, np.ndarray] | None = None, params: dict | None = None) -> dict:
    """Cells of divergence from ``baseline`` for every document and every family x every theme.

    ``provisions`` / ``documents``: rows of the export (id, doc_id, kind, text / id, family,
    binding); ``themes``: provision id -> theme ids above threshold; ``theme_scores``: provision
    id -> theme -> score; ``annotations``: provision id -> {"modality": ...}; ``embed``: texts ->
    L2-normalised rows; ``vectors``: provision vectors already computed (else embedded here)."""
    params = params or load_params()
    theme_list = list(params["themes"])
    docs = {d["id"]: d for d in documents}
    excluded = set(params["excluded_kinds"])
    boilerplate = re.compile("|".join(params["boilerplate_patterns"]), re.I)
    provs = [p for p in provisions if p.get("doc_id") in docs and p.get("kind") not in excluded
             and (p.get("text") or "").strip() and themes.get(p["id"])
             and not boilerplate.search(p["text"])]
    rmin = params["stance"]["relevance_min"]
    S, sides = _statement_matrix(baseline, embed)
    V = _provision_vectors(provs, vectors, embed)
    sims = V @ S.T if len(provs) else np.zeros((0, len(S)))

    # Evidence items per (provision, theme): one per position on the theme that it bears on.
    items_by: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row, p in enumerate(provs):
        doc = docs[p["doc_id"]]
        modality = (annotations.get(p["id"]) or {}).get("modality") or "none"
        force = bindingness(modality, bool(doc.get("binding")), p.get("kind", ""), params)
        operative = bool(doc.get("binding")) and p.get("kind") not in set(params["explanatory_kinds"])
        for theme in themes[p["id"]]:
            tscore = float(theme_scores.get(p["id"], {}).get(theme, 0.0))
            found = []
            for pos in baseline.by_theme(theme):
                ia, io = sides[pos.id]
                sa = float(sims[row, ia].max()) if ia else -1.0
                so = float(sims[row, io].max()) if io else -1.0
                st = provision_stance(sa, so, pos, modality, operative, params)
                found.append({"provision_id": p["id"], "position_id": pos.id, "stance": st.stance,
                              "similarity": round(st.relevance, 4), "gap": round(st.gap, 4),
                              "modality": modality, "force": force, "basis": st.basis,
                              # Bearing grows with similarity above the relevance floor, so provisions
                              # squarely on a position outweigh ones that merely share AI vocabulary.
                              "bearing": max(st.relevance - rmin, 0.0) * max(tscore, 1e-6),
                              "value": st.signed, "best": False})
            if not found:
                continue
            # A provision bears on the position(s) it is closest to, not on every position of the
            # theme; one that bears on none stays as neutral evidence of coverage (zero weight).
            top = max(i["similarity"] for i in found)
            relevant = [i for i in found if i["basis"] != "not relevant"
                        and i["similarity"] >= top - params["stance"]["position_band"]]
            found = relevant or [max(found, key=lambda i: i["similarity"])]
            max(found, key=lambda i: i["similarity"])["best"] = True
            items_by[(p["doc_id"], theme)] += found

    by_doc_theme: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for p in provs:
        for theme in themes[p["id"]]:
            by_doc_theme[(p["doc_id"], theme)].append(p)
    cells = []
    families = sorted({d.get("family", "") for d in documents if d.get("family")})
    for theme in theme_list:
        if not baseline.by_theme(theme):
            continue   # the baseline takes no position on this theme: there is nothing to diverge from
        for d in documents:
            cells.append(_cell(d["id"], "document", theme, by_doc_theme.get((d["id"], theme), []),
                               items_by.get((d["id"], theme), []), docs, theme_scores, params))
        for fam in families:
            ids = [d["id"] for d in documents if d.get("family") == fam]
            cells.append(_cell(fam, "family", theme,
                               [p for i in ids for p in by_doc_theme.get((i, theme), [])],
                               [x for i in ids for x in items_by.get((i, theme), [])],
                               docs, theme_scores, params))
    return {"baseline": baseline.id, "baseline_title": baseline.title,
            "labels": list(LABELS), "cells": cells}
