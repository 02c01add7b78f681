"""Theme tags against the reviewed tags: the shipped classifier, and what a supervised one
would reach, measured by leave-one-instrument-out cross-validation.

    python scripts/bench_reviewed_themes.py --out out

The supervised reference is one logistic regression per theme on the classifier's own
features (each theme's standardised similarity and phrase hits, for the provision and the
maximum over its sub-provisions, all twelve of each), the provision's kind and instrument
type, and a 32-dimension projection of its embedding, its sub-provisions' mean embedding and
its parent's; the threshold of each theme is chosen inside the training folds (four folds by
instrument). It is a measurement, not shipped: it shows how far in-domain labels carry with
this embedding model.
"""
from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.store import KnowledgeBase  # noqa: E402
from nlp import align  # noqa: E402
from nlp.embed import Embedder  # noqa: E402
from nlp.index import VectorIndex  # noqa: E402
from nlp.themes import THEME_IDS, ThemeClassifier  # noqa: E402

SAVINGS = re.compile(r"without prejudice to|shall not affect|shall be without prejudice|does not affect|"
                     r"shall not apply to", re.I)


def f1(y: np.ndarray, p: np.ndarray) -> float:
    tp, fp, fn = int((y & p).sum()), int(((1 - y) & p).sum()), int((y & (1 - p)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def dataset(out: Path) -> dict:
    """Features of every provision, the reviewed tags, their instruments, the shipped tags."""
    kb = KnowledgeBase(out / "govkb.sqlite")
    docs = {d["id"]: d for d in kb.documents()}
    provs = [p for d in docs for p in kb.provisions(d)]
    ids = [p["id"] for p in provs]
    pos = {i: n for n, i in enumerate(ids)}
    idx = VectorIndex.load(out / "index")
    V = np.vstack([idx.vector(i) for i in ids])
    clf = ThemeClassifier(Embedder(cache=out / "cache" / "vectors.sqlite"))
    z, hits = clf.features(align.embedding_texts(provs))
    kids = defaultdict(list)
    for p in provs:
        if p["parent_id"]:
            kids[p["parent_id"]].append(pos[p["id"]])

    def desc(i: int) -> list[int]:
        out_ = []
        for c in kids.get(ids[i], []):
            out_ += [c, *desc(c)]
        return out_

    dz, dh, dv, pv = (np.zeros_like(z), np.zeros_like(hits), np.zeros_like(V), np.zeros_like(V))
    for i, p in enumerate(provs):
        d = desc(i)
        if d:
            dz[i], dh[i], dv[i] = z[d].max(0), np.minimum(hits[d].sum(0), 3), V[d].mean(0)
        if p["parent_id"] in pos:
            pv[i] = V[pos[p["parent_id"]]]
    kinds = sorted({p["kind"] for p in provs})
    types = sorted({d["instrument_type"] for d in docs.values()})
    cat = np.zeros((len(ids), len(kinds) + len(types) + 3), dtype=np.float32)
    for i, p in enumerate(provs):
        cat[i, kinds.index(p["kind"])] = 1
        cat[i, len(kinds) + types.index(docs[p["doc_id"]]["instrument_type"])] = 1
        cat[i, -3:] = [bool(SAVINGS.search(p["text"] or "")), bool(kids.get(p["id"])),
                       np.log1p(len((p["text"] or "").split()))]
    notes = kb.annotations()
    reviewed = [r for r in kb.reviews("theme") if r["status"] == "current"]
    kb.close()
    rows = np.array([pos[r["provision"]] for r in reviewed])
    return {"dense": np.hstack([z, hits, dz, dh, cat])[rows], "V": V[rows], "DV": dv[rows], "PV": pv[rows],
            "Y": np.array([[t in r["verdict"] for t in THEME_IDS] for r in reviewed], dtype=int),
            "machine": np.array([[t in (r["machine"] or []) for t in THEME_IDS] for r in reviewed], dtype=int),
            "groups": np.array([r["provision"].split("/", 1)[0] for r in reviewed])}


def loio(data: dict, C: float = 0.1, components: int = 32) -> np.ndarray:
    """Predictions for every reviewed provision from models that never saw its instrument."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    Y, G = data["Y"], data["groups"]
    P = np.zeros_like(Y)
    for g in np.unique(G):
        tr, te = G != g, G == g
        pca = PCA(components, random_state=0).fit(np.vstack([data["V"][tr], data["DV"][tr]]))
        F = np.hstack([data["dense"], pca.transform(data["V"]), pca.transform(data["DV"]), pca.transform(data["PV"])])
        F = (F - F[tr].mean(0)) / (F[tr].std(0) + 1e-6)
        for k in range(Y.shape[1]):
            y = Y[tr, k]
            if y.sum() == 0:
                continue
            inner, gtr = np.zeros(tr.sum()), G[tr]
            groups = np.unique(gtr)
            np.random.RandomState(k).shuffle(groups)
            for fold in np.array_split(groups, 4):
                m = np.isin(gtr, fold)
                if y[~m].sum():
                    inner[m] = LogisticRegression(C=C, max_iter=500, class_weight="balanced").fit(
                        F[tr][~m], y[~m]).predict_proba(F[tr][m])[:, 1]
            th = max(np.linspace(0.05, 0.95, 37), key=lambda t: f1(y, (inner >= t).astype(int)))
            model = LogisticRegression(C=C, max_iter=500, class_weight="balanced").fit(F[tr], y)
            P[te, k] = (model.predict_proba(F[te])[:, 1] >= th).astype(int)
    return P


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("out"))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    data = dataset(args.out)
    Y = data["Y"]
    print(f"reviewed theme tags: {len(Y)} provisions of {len(set(data['groups']))} instruments")
    P = loio(data)
    print(f"  {'theme':<16}{'support':>8}{'shipped F1':>12}{'supervised LOIO F1':>20}")
    shipped, sup = [], []
    for k, t in enumerate(THEME_IDS):
        shipped.append(f1(Y[:, k], data["machine"][:, k]))
        sup.append(f1(Y[:, k], P[:, k]))
        print(f"  {t:<16}{int(Y[:, k].sum()):>8}{shipped[-1]:>12.3f}{sup[-1]:>20.3f}")
    print(f"  macro-F1: shipped classifier {np.mean(shipped):.3f} (not fitted to these tags); supervised, "
          f"leave-one-instrument-out {np.mean(sup):.3f} (target 0.75)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
