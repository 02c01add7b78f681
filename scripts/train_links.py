"""Train the cross-publisher link model on the reviewed links and measure it on held-out folds.

    python scripts/train_links.py --out out            # print the held-out figures
    python scripts/train_links.py --out out --write    # also write nlp/data/link_model.json

Reads a build (OUT: knowledge base, vector index, the reviews it applied). Training pairs are
the candidate lists the reviewers judged in full (every source's best two units of every other
family, and for a random sample of sources the next three as well); the counterparts they
found by searching elsewhere are not training pairs (no negatives were judged there) but count
in the candidate recall, which is also printed for wider candidate lists (1 to 20 per family):
over all reviewed counterparts, and over those of the sources judged down to five per family
alone (the unbiased figure up to five, since the others were judged only to two). Folds are
grouped by source provision. A theme-reviewed provision's themes are read as the machine gives
them with its instrument held out (``scripts/train_themes.py --write`` keeps them), not as its
reviewers did: the model scores mostly provisions nobody reviewed. Each fold's model is calibrated (Platt scaling of its
log-odds) on folds of its own training part, as the shipped model is on all five; the
calibration error is printed beside the bare regression's. The sources are dealt to the folds
in 10 ways (the first, and 9 random orders); the accepted threshold is the lowest at which the
held-out precision is at least ``--precision`` (0.8) over at least 30 pairs in every one of
them, and the precision's range over the 10 is printed. ``--without PREFIX`` measures what a
group of features adds (the README's figures for the explaining recitals: ``--without
recital_``). Last, what counsel see when they ask for one instrument (``govkb align SOURCE --doc DOC``): for
every reviewed source and every instrument of another family where it has a reviewed
counterpart, whether one is listed first or among the first three, the candidates scored by a
model that did not see the source (similarity alone beside it).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.store import KnowledgeBase  # noqa: E402
from nlp import align  # noqa: E402
from nlp.index import VectorIndex  # noqa: E402
from nlp.link_model import FEATURES, MODEL_PATH, LinkModel  # noqa: E402
from nlp.theme_model import HELD_OUT_TAGS  # noqa: E402

FOLDS = 5
SPLITS = 10         # fold assignments over which the accepted threshold's precision is measured again
DEPTHS = (1, 2, 3, 5, 10, 20)   # candidates per family for the candidate-recall table
DEEP = 5            # sources whose candidates were judged this deep measure wider candidate lists
KEEP = 0.1          # candidates scored under this are not stored: they are rarely counterparts


def dataset(out: Path) -> dict:
    """Feature rows of the reviewed links in the build at ``out``, with labels, groups, and
    for every reviewed counterpart whether the candidate generator would propose it."""
    kb = KnowledgeBase(out / "govkb.sqlite")
    docs = {d["id"]: d for d in kb.documents()}
    provs = [p for d in docs for p in kb.provisions(d)]
    notes = kb.annotations()
    idx = VectorIndex.load(out / "index")
    vectors = np.vstack([idx.vector(p["id"]) for p in provs])
    prm = align.load_params()
    rows, units = align._units(provs, prm)
    V = np.ascontiguousarray(vectors[rows], dtype=np.float32)
    fam = np.array([docs[u["doc_id"]]["family"] for u in units])
    terms = {u["id"]: align.key_terms(align._words(u), prm) for u in units}
    themes = {i: a.get("themes") or [] for i, a in notes.items()} | held_out_themes(
        {r["provision"] for r in kb.reviews("theme") if r["status"] == "current"})
    recitals = align.best_recitals(kb.links(relation="explains", parse_evidence=False))
    ctx = align._PairContext(provs, vectors, units, V, fam, notes, themes, terms, prm, recitals)
    at = {u["id"]: n for n, u in enumerate(units)}
    X, y, groups, ranks, rank_of, pair_rank, judged = [], [], [], [], [], [], defaultdict(set)
    reviewed = [r for r in kb.reviews("link") if r["status"] == "current" and r["source"] in at and r["target"] in at]
    for r in reviewed:
        n, t = at[r["source"]], at[r["target"]]
        positive, rank = r["verdict"] != "unrelated", ctx.rank(n, t)
        if positive:
            ranks.append(rank)
            rank_of.append(r["source"])
        if r.get("added"):
            continue
        judged[n].add(t)
        X.append(ctx.features(n, t, float(V[n] @ V[t])))
        y.append(int(positive))
        groups.append(r["source"])
        pair_rank.append(rank)
    kb.close()
    verdicts = {(r["source"], r["target"]): r["verdict"] != "unrelated" for r in reviewed}
    deep = {units[n]["id"] for n, ts in judged.items()
            if judged_to(n, ts, V, fam, prm["cross"]["floor"], DEEP)}
    counterpart_ranks = [rk for rk, src in zip(ranks, rank_of) if src in deep]
    return {"X": np.array(X), "y": np.array(y), "groups": np.array(groups), "ranks": np.array(ranks),
            "pair_rank": np.array(pair_rank), "deep": deep, "deep_ranks": np.array(counterpart_ranks),
            "per_family": prm["cross"]["per_family"], "views": instrument_tasks(ctx, verdicts, prm)}


def held_out_themes(reviewed: set[str], path: Path = HELD_OUT_TAGS) -> dict[str, list[str]]:
    """The theme tags the machine gives each theme-reviewed provision when its instrument is
    held out (``scripts/train_themes.py --write``), to stand for the reviewers' tags the build
    carries: the model is trained on reviewed pairs, but scores mostly pairs whose themes are
    the machine's. Reviewed provisions the file lacks keep their reviewed tags, with a warning."""
    try:
        held = json.loads(path.read_text(encoding="utf-8"))["tags"] if path.is_file() else {}
    except (ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"{path}: not the held-out theme tags train_themes.py writes ({e}); "
                         "rerun: python scripts/train_themes.py --out OUT --write") from None
    missing = len(reviewed - held.keys())
    if missing:
        print(f"warning: {missing} of {len(reviewed)} theme-reviewed provisions have no held-out tags in {path.name} "
              "(run scripts/train_themes.py --write): their reviewed tags are used", file=sys.stderr)
    return {p: held[p] for p in reviewed & held.keys()}


def instrument_tasks(ctx, verdicts: dict[tuple[str, str], bool], prm: dict) -> list[dict]:
    """What ``govkb align SOURCE --doc DOC`` would list, for every reviewed source and every
    instrument DOC of another family in which the reviewers found it a counterpart: the
    source's candidates in DOC (its family's best ``per_family`` units, as the aligner picks
    them) with their feature rows, to be scored by a model that did not see the source, and
    the units of DOC by similarity (what the listing is filled with); with the reviewed
    verdicts on the pairs."""
    units, V, fam = ctx.units, ctx.V, ctx.fam
    at = {u["id"]: n for n, u in enumerate(units)}
    doc = np.array([u["doc_id"] for u in units])
    c = prm["cross"]
    heads = [ctx.facts[u["id"]][0] for u in units]
    asked = defaultdict(set)
    for (s, t), positive in verdicts.items():
        if positive and fam[at[s]] != fam[at[t]]:
            asked[s].add(units[at[t]]["doc_id"])
    tasks = []
    for s, targets in asked.items():
        n = at[s]
        sims = V @ V[n]
        for d in sorted(targets):
            rows = np.flatnonzero(doc == d)
            family = np.flatnonzero((fam == fam[rows[0]]) & (doc != doc[n]))
            cands = [t for t in align.family_candidates(sims, family, heads, n, c["per_family"], c) if doc[t] == d]
            nearest = rows[np.argsort(-sims[rows])[:3 + len(cands)]]
            tasks.append({"source": s, "candidates": [units[t]["id"] for t in cands],
                          "features": [ctx.features(n, t, float(sims[t])) for t in cands],
                          "nearest": [units[t]["id"] for t in nearest],
                          "verdicts": {units[t]["id"]: verdicts[s, units[t]["id"]] for t in rows
                                       if (s, units[t]["id"]) in verdicts}})
    return tasks


def judged_to(n: int, judged: set[int], V: np.ndarray, fam: np.ndarray, floor: float, depth: int,
              share: float = 0.9) -> bool:
    """Whether the reviewers judged unit ``n``'s candidates down to ``depth`` per family: at least
    ``share`` of its ``depth`` most similar units (above the similarity floor) in every other
    family have a verdict. (The generator's own order adds a heading bonus, hence the share.)"""
    sims = V @ V[n]
    want = set()
    for f in dict.fromkeys(fam):
        if f == fam[n]:
            continue
        rows = np.flatnonzero((fam == f) & (sims >= floor))
        want |= set(rows[np.argsort(-sims[rows])[:depth]].tolist())
    return bool(want) and len(want & judged) >= share * len(want)


def held_out(X: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int | None = None,
             calibrated: bool = True) -> np.ndarray:
    """Probabilities of each pair from a model that did not see its source provision; ``seed``
    deals the sources to the folds in another (random) order. Each fold's model is calibrated
    on folds of its own training part (``calibrated_fit``), so the calibration is held out too;
    ``calibrated=False`` gives the bare regressions' probabilities."""
    p = np.zeros(len(y))
    for te, model in fold_models(X, y, groups if seed is None else renamed(groups, seed), calibrated):
        p[te] = model.probability(X[te])
    return p


def fold_models(X: np.ndarray, y: np.ndarray, groups: np.ndarray,
                calibrated: bool = True) -> list[tuple[np.ndarray, LinkModel]]:
    """For each of the ``FOLDS`` folds grouped by source, its rows and the model fitted without them."""
    from sklearn.model_selection import GroupKFold
    def model(tr: np.ndarray) -> LinkModel:
        return LinkModel(calibrated_fit(X[tr], y[tr], groups[tr], accept=1.0) if calibrated
                         else fit(X[tr], y[tr], accept=1.0))
    return [(te, model(tr)) for tr, te in GroupKFold(FOLDS).split(X, y, groups)]


def calibrated_fit(X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, accept: float) -> dict:
    """``fit`` on all of ``X``, with the Platt scaling of its log-odds fitted on the pairs' held-out
    log-odds (``FOLDS`` folds grouped by source): a regularised regression is over-confident in
    some bands and timid in others on pairs it did not see, and the rescaling corrects it
    without changing the order of the pairs."""
    from sklearn.linear_model import LogisticRegression
    p = np.clip(held_out(X, y, groups, calibrated=False), 1e-6, 1 - 1e-6)
    z = np.log(p / (1 - p))[:, None]
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(z, y)     # unregularised: two parameters
    return fit(X, y, accept=accept) | {"calibration": {"slope": round(float(platt.coef_[0, 0]), 6),
                                                       "offset": round(float(platt.intercept_[0]), 6)}}


def tenths(p: np.ndarray) -> np.ndarray:
    """The tenth of the confidence scale each probability falls in (0 to 9; 1.0 in the last)."""
    return np.minimum((np.asarray(p) * 10).astype(int), 9)


def calibration_error(p: np.ndarray, y: np.ndarray) -> float:
    """Expected calibration error: the gap between mean confidence and the observed share of
    counterparts in each tenth of the confidence scale (the reliability table's rows), weighted
    by its pairs."""
    tenth = tenths(p)
    return float(sum((tenth == b).sum() / len(y) * abs(p[tenth == b].mean() - y[tenth == b].mean())
                     for b in np.unique(tenth)))


def renamed(groups: np.ndarray, seed: int) -> np.ndarray:
    """The same partition under random new names: GroupKFold deals groups by size and then by
    name, so new names deal the sources to the folds in another order."""
    names = np.unique(groups)
    return np.random.RandomState(seed).permutation(len(names))[np.searchsorted(names, groups)]


def fit(X: np.ndarray, y: np.ndarray, *, accept: float) -> dict:
    """A logistic regression on standardised features, as the JSON ``LinkModel`` reads."""
    from sklearn.linear_model import LogisticRegression
    mean, sd = X.mean(0), X.std(0) + 1e-6
    lr = LogisticRegression(C=1.0, max_iter=2000).fit((X - mean) / sd, y)
    return {"features": FEATURES, "mean": mean.round(6).tolist(), "sd": sd.round(6).tolist(),
            "coef": lr.coef_[0].round(6).tolist(), "intercept": round(float(lr.intercept_[0]), 6),
            "accept": accept, "keep": KEEP}


def accept_threshold(splits: list[np.ndarray], y: np.ndarray, precision: float, min_n: int = 30) -> float | None:
    """The lowest threshold whose held-out precision is at least ``precision`` (over at least
    ``min_n`` pairs) under every way of dealing the sources to the folds in ``splits`` (each the
    held-out probabilities of one deal): a threshold chosen on one deal alone can owe its
    precision to that deal."""
    for t in np.round(np.arange(0.30, 0.96, 0.01), 2):
        if all((p >= t).sum() >= min_n and y[p >= t].mean() >= precision for p in splits):
            return float(t)
    return None


def precision_spread(splits: list[np.ndarray], y: np.ndarray, thr: float | None) -> dict | None:
    """The held-out precision at ``thr`` under each way of dealing the sources to the folds."""
    if thr is None:
        return None
    ps = [float(y[p >= thr].mean()) for p in splits if (p >= thr).any()]
    return {"splits": len(ps), "min": round(min(ps), 3), "mean": round(float(np.mean(ps)), 3), "max": round(max(ps), 3)}


def report(data: dict, precision: float = 0.8) -> dict:
    """Held-out figures: AUC of the model and of similarity alone, a reliability table and the
    calibration error (beside the bare regression's), the accepted threshold with its
    precision and recall, and the candidate recall."""
    from sklearn.metrics import roc_auc_score
    X, y = data["X"], data["y"]
    splits = [held_out(X, y, data["groups"], seed) for seed in (None, *range(1, SPLITS))]
    p = splits[0]
    bare = held_out(X, y, data["groups"], calibrated=False)
    thr = accept_threshold(splits, y, precision)
    m = p >= (thr if thr is not None else 2.0)
    tenth = tenths(p)
    bins = [{"bin": f"{b / 10:.1f}-{(b + 1) / 10:.1f}", "pairs": int((tenth == b).sum()),
             "mean_confidence": round(float(p[tenth == b].mean()), 3), "observed": round(float(y[tenth == b].mean()), 3)}
            for b in np.unique(tenth)]
    return {"pairs": int(len(y)), "positives": int(y.sum()), "sources": int(len(set(data["groups"]))),
            "auc_model": round(float(roc_auc_score(y, p)), 3), "auc_similarity": round(float(roc_auc_score(y, X[:, 0])), 3),
            "accept": thr, "precision_at_accept": round(float(y[m].mean()), 3) if m.any() else None,
            "recall_at_accept": round(float(y[m].sum() / y.sum()), 3) if m.any() else None,
            "accepted_pairs": int(m.sum()), "reliability": bins,
            "calibration_error": round(calibration_error(p, y), 4),
            "calibration_error_uncalibrated": round(calibration_error(bare, y), 4),
            "precision_spread": precision_spread(splits, y, thr),
            "candidate_recall": round(float((data["ranks"] <= data["per_family"]).mean()), 3) if len(data["ranks"]) else None,
            # what a wider candidate generator would reach (the model is trained at per_family)
            "candidate_recall_by_depth": {d: round(float((data["ranks"] <= d).mean()), 3) for d in DEPTHS}
            if len(data["ranks"]) else {},
            "counterparts_reviewed": int(len(data["ranks"])), "per_family": data["per_family"],
            "deep": deep_report(data, p, thr), "instrument_view": instrument_view(data)}


def instrument_view(data: dict) -> dict:
    """How often counsel asking for one instrument's counterparts of a provision (``govkb align
    SOURCE --doc DOC``) find a reviewed counterpart first, or among the first three, when the
    link model scoring the candidates did not see the source: the candidates it keeps, best
    first, then the instrument's nearest units by similarity; beside it, similarity alone.
    Pairs nobody judged count as wrong, so both figures are floors; the share of the first
    three that were judged says how much that matters."""
    models = {}
    for te, model in fold_models(data["X"], data["y"], data["groups"]):
        models |= dict.fromkeys(data["groups"][te].tolist(), model)
    tasks = [t for t in data["views"] if t["source"] in models]  # a source with only added counterparts has no fold
    shown: dict[str, list] = {"model": [], "similarity": []}
    for task in tasks:
        p = models[task["source"]].probability(np.array(task["features"])) if task["candidates"] else np.zeros(0)
        listed = [c for c, pr in sorted(zip(task["candidates"], p.tolist()), key=lambda x: -x[1]) if pr >= KEEP]
        shown["model"].append((listed + [t for t in task["nearest"] if t not in listed])[:3])
        shown["similarity"].append(task["nearest"][:3])
    out: dict = {"asked": len(tasks)}
    for name, lists in shown.items():
        right = [[t["verdicts"].get(x, False) for x in lst] for t, lst in zip(tasks, lists)]
        judged = [x in t["verdicts"] for t, lst in zip(tasks, lists) for x in lst]
        out[name] = {"first": round(float(np.mean([r[0] for r in right])), 3),
                     "top3": round(float(np.mean([any(r) for r in right])), 3),
                     "judged": round(float(np.mean(judged)), 3)} if tasks else None
    return out


def deep_report(data: dict, p: np.ndarray, thr: float | None) -> dict:
    """What wider candidate lists would bring, measured on the sources judged ``DEEP`` per family:
    the share of counterparts among the judged pairs by rank, what the held-out model accepts
    beyond the shipped depth, and the candidate recall on their counterparts alone (unbiased by
    which ranks were judged, up to ``DEEP``)."""
    on = np.isin(data["groups"], list(data["deep"]))
    rk, y, depth = data["pair_rank"], data["y"], data["per_family"]
    bands = {"1": rk == 1, "2": rk == 2, f"3-{DEEP}": (rk >= 3) & (rk <= DEEP)}
    beyond = on & (rk > depth) & (rk <= DEEP) & (p >= (thr if thr is not None else 2.0))
    return {"sources": int(len(data["deep"])),
            "counterpart_share": {b: [int((on & m).sum()), round(float(y[on & m].mean()), 3) if (on & m).any() else None]
                                  for b, m in bands.items()},
            "accepted_beyond": [int(beyond.sum()), round(float(y[beyond].mean()), 3) if beyond.any() else None],
            "candidate_recall_by_depth": {d: round(float((data["deep_ranks"] <= d).mean()), 3)
                                          for d in DEPTHS} if len(data["deep_ranks"]) else {},
            "counterparts": int(len(data["deep_ranks"]))}


def ablation(data: dict, prefix: str, draws: int = 1000) -> dict:
    """What the features named ``prefix...`` add: held-out AUC with them and without them (held
    constant, so the regression gives them no weight), and a 95% interval of the gain over
    ``draws`` resamplings of the source provisions with replacement (the unit the folds group by)."""
    from sklearn.metrics import roc_auc_score
    cols = [i for i, f in enumerate(FEATURES) if f.startswith(prefix)]
    if not cols:
        raise SystemExit(f"--without {prefix!r}: no feature starts so; features: {', '.join(FEATURES)}")
    X, y, groups = data["X"], data["y"], data["groups"]
    flat = X.copy()
    flat[:, cols] = X[:, cols].mean(0)
    p_with, p_without = held_out(X, y, groups), held_out(flat, y, groups)
    sources = np.unique(groups)
    rows = [np.flatnonzero(groups == s) for s in sources]
    rng, gains = np.random.RandomState(0), []
    for _ in range(draws):
        sel = np.concatenate([rows[i] for i in rng.randint(0, len(sources), len(sources))])
        if 0 < y[sel].sum() < len(sel):
            gains.append(roc_auc_score(y[sel], p_with[sel]) - roc_auc_score(y[sel], p_without[sel]))
    return {"features": [FEATURES[i] for i in cols], "auc_with": round(float(roc_auc_score(y, p_with)), 4),
            "auc_without": round(float(roc_auc_score(y, p_without)), 4), "draws": len(gains),
            "gain_interval": [round(float(np.percentile(gains, q)), 4) for q in (2.5, 97.5)]}


def print_report(r: dict) -> None:
    print(f"link model, held out ({FOLDS} folds grouped by source provision): {r['pairs']} judged candidate pairs "
          f"of {r['sources']} sources, {r['positives']} counterparts")
    print(f"  AUC {r['auc_model']} (similarity alone {r['auc_similarity']})")
    print(f"  accepted at confidence >= {r['accept']}: precision {r['precision_at_accept']}, recall "
          f"{r['recall_at_accept']} ({r['accepted_pairs']} pairs)")
    if r["precision_spread"]:
        sp = r["precision_spread"]
        print(f"  precision at that threshold over {sp['splits']} ways of dealing the sources to the folds: "
              f"{sp['min']} to {sp['max']} (mean {sp['mean']})")
    print(f"  candidate recall: {r['candidate_recall']} of the {r['counterparts_reviewed']} reviewed counterparts are "
          "among the candidates the aligner proposes (the rest were found by reviewers searching)")
    print("  candidate recall if each family gave more candidates: " + ", ".join(
        f"{d} per family {v}" for d, v in r["candidate_recall_by_depth"].items()))
    d = r["deep"]
    if d["sources"]:
        print(f"  wider candidate lists, measured on the {d['sources']} sources whose candidates were judged down to "
              f"{DEEP} per family ({d['counterparts']} counterparts):")
        print("    counterparts among the judged pairs by rank: " + ", ".join(
            f"rank {b} {v[1]} of {v[0]}" for b, v in d["counterpart_share"].items()))
        if r["per_family"] < DEEP:
            print(f"    beyond the shipped depth, the model (held out) accepts {d['accepted_beyond'][0]} pairs, "
                  f"precision {d['accepted_beyond'][1]}")
        print("    candidate recall on their counterparts: " + ", ".join(
            f"{k} per family {v}" for k, v in d["candidate_recall_by_depth"].items()))
    v = r["instrument_view"]
    if v["asked"]:
        m, s = v["model"], v["similarity"]
        print(f"  one instrument asked for (govkb align SOURCE --doc DOC), held out, {v['asked']} (source, instrument) "
              f"pairs with a reviewed counterpart: a counterpart listed first {m['first']}, among the first three "
              f"{m['top3']} ({m['judged']} of those three judged; unjudged count as wrong); similarity alone "
              f"{s['first']} / {s['top3']} ({s['judged']} judged)")
    print(f"  calibration error (mean gap between confidence and observed share, by tenths): "
          f"{r['calibration_error']} (the regression before its held-out calibration: "
          f"{r['calibration_error_uncalibrated']})")
    print("  reliability: confidence bin, pairs, mean confidence, observed share of counterparts")
    for b in r["reliability"]:
        print(f"    {b['bin']}  {b['pairs']:>5}  {b['mean_confidence']:.3f}  {b['observed']:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("out"))
    ap.add_argument("--precision", type=float, default=0.8, help="held-out precision the accepted links must reach")
    ap.add_argument("--write", action="store_true", help=f"write the model trained on all pairs to {MODEL_PATH}")
    ap.add_argument("--without", metavar="PREFIX", action="append", default=[],
                    help="also measure the model without the features whose names start with PREFIX (e.g. "
                         "recital_): held-out AUC with and without, and a bootstrap interval of the gain; repeatable")
    args = ap.parse_args()
    data = dataset(args.out)
    if len(data["y"]) < 100:
        print(f"only {len(data['y'])} reviewed candidate pairs in {args.out}: not enough to train", file=sys.stderr)
        return 1
    r = report(data, args.precision)
    print_report(r)
    for prefix in args.without:
        a = ablation(data, prefix)
        lo, hi = a["gain_interval"]
        print(f"  without {', '.join(a['features'])}: held-out AUC {a['auc_without']} (with them {a['auc_with']}); "
              f"gain over {a['draws']} resamplings of the sources, 95% interval {lo:+} to {hi:+}")
    if args.write:
        if r["accept"] is None:
            print(f"no threshold reaches precision {args.precision} held out: model not written", file=sys.stderr)
            return 1
        model = calibrated_fit(data["X"], data["y"], data["groups"], accept=r["accept"])
        model["held_out"] = {k: v for k, v in r.items() if k != "reliability"}
        MODEL_PATH.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
