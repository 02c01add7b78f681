"""Train the supervised theme model on the reviewed theme tags and measure it leave one
instrument out.

    python scripts/train_themes.py --out out            # print the held-out figures
    python scripts/train_themes.py --out out --write    # also write nlp/data/theme_model.json
                                                        # and nlp/data/theme_held_out_tags.json

Reads a build (OUT: knowledge base, vector index, the reviews it applied). Every reviewed
provision's tags are predicted by a model fitted without its instrument, each theme's
threshold, the prototype formula's weight, the dense regressions' regularisation and the
number of embedding components they read chosen inside the training part (four folds by
instrument), exactly as the shipped model is fitted
(``nlp/theme_model.py``). Beside it: the prototype classifier alone (the formula of
``nlp/themes.py``, fitted to the NIST AI RMF set, not to these tags), which is what the
machine published before, and the tags it gave when each provision was reviewed.

The ceiling: ``nlp/data/agreement/themes-second-read.yaml`` is a second review of 240 of the
reviewed provisions (drawn at random), made blind to the first and to the machine with the
same instructions. Its agreement with the first review, per theme, is what a classifier can
at best be expected to reach; the classifiers are scored on the same 240 beside it. Every
other file there (``themes-second-round-check.yaml``: 40 first-round provisions mixed blind
into the second round of reviews) is reported the same way.

``--write`` also keeps the held-out tags themselves (``HELD_OUT_TAGS``): in a build a reviewed
provision carries its reviewers' tags, and the link model, which reads both sides' themes, is
trained on pairs of reviewed provisions but scores mostly unreviewed ones; it reads these tags
instead, the ones the machine would have given each provision without its review.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.store import KnowledgeBase  # noqa: E402
from nlp import align  # noqa: E402
from nlp.embed import Embedder  # noqa: E402
from nlp.theme_model import HELD_OUT_TAGS, MODEL_PATH, ThemeModel, f1, inputs  # noqa: E402
from nlp.themes import THEME_IDS, ThemeClassifier  # noqa: E402

AGREEMENT = Path(__file__).resolve().parents[1] / "nlp" / "data" / "agreement"
SECOND_READ = AGREEMENT / "themes-second-read.yaml"
MIN_TAGS = 5            # a theme with fewer reviewed tags in a family is left out of its figure


def dataset(out: Path) -> dict:
    """The model's inputs for every reviewed provision of the build at ``out``, their reviewed
    tags (Y), instruments (groups), and the prototype classifier's tags for them."""
    kb = KnowledgeBase(out / "govkb.sqlite")
    family = {d["id"]: d["family"] for d in kb.documents()}
    provs = [p for d in family for p in kb.provisions(d)]
    reviewed = [r for r in kb.reviews("theme") if r["status"] == "current"]
    kb.close()
    clf = ThemeClassifier(Embedder(cache=out / "cache" / "vectors.sqlite"), model=False)
    texts, parts = align.embedding_texts(provs), align.subtree_parts(provs)
    X = inputs(clf, texts, parts)
    prototype = [clf.themes(dict(zip(THEME_IDS, row))) for row in X.prototype]
    pos = {p["id"]: n for n, p in enumerate(provs)}
    rows = np.array([pos[r["provision"]] for r in reviewed])
    return {"X": X.take(rows), "provisions": [r["provision"] for r in reviewed],
            "Y": np.array([[t in r["verdict"] for t in THEME_IDS] for r in reviewed], dtype=int),
            "groups": np.array([r["provision"].split("/", 1)[0] for r in reviewed]),
            "families": np.array([family[r["provision"].split("/", 1)[0]] for r in reviewed]),
            "prototype": np.array([[t in prototype[n] for t in THEME_IDS] for n in rows], dtype=int)}


def loio(data: dict, progress: bool = False, jobs: int = -1) -> np.ndarray:
    """Tags of every reviewed provision from a model fitted (thresholds too) without its
    instrument; the instruments' models are fitted ``jobs`` at a time (-1: one per core), in
    worker processes."""
    from joblib import Parallel, delayed
    X, Y, G = data["X"], data["Y"], data["groups"]
    P = np.zeros_like(Y)
    names = np.unique(G)
    fits = Parallel(n_jobs=jobs, return_as="generator_unordered")(delayed(_held_out_tags)(X, Y, G, g) for g in names)
    for n, (te, tags) in enumerate(fits, 1):
        P[te] = tags
        if progress:
            print(f"\r  instrument {n}/{len(names)}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return P


def _held_out_tags(X, Y: np.ndarray, G: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows of instrument ``name`` and their tags from a model fitted without it."""
    warnings.filterwarnings("ignore", category=UserWarning)     # in a worker too
    tr, te = np.flatnonzero(G != name), np.flatnonzero(G == name)
    model = ThemeModel.fit(X.take(tr), Y[tr], G[tr])
    return te, model.probabilities(X.take(te)) >= model.thresholds


def second_read(path: Path = SECOND_READ) -> dict[str, set[str]]:
    """The second review's themes by provision ({} when the file is absent)."""
    import yaml
    if not path.is_file():
        return {}
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {r["provision"]: set(r["themes"]) for r in doc.get("reviews") or ()}


def report(data: dict, P: np.ndarray) -> dict:
    """Per-theme F1 of the supervised model held out and of the prototype classifier, and the
    agreement on the provisions reviewed twice; printed as it goes."""
    Y = data["Y"]
    print(f"reviewed theme tags: {len(Y)} provisions of {len(set(data['groups']))} instruments")
    print(f"  {'theme':<16}{'support':>8}{'prototype F1':>14}{'supervised LOIO F1':>20}")
    proto, sup = [], []
    for k, t in enumerate(THEME_IDS):
        proto.append(f1(Y[:, k], data["prototype"][:, k]))
        sup.append(f1(Y[:, k], P[:, k]))
        print(f"  {t:<16}{int(Y[:, k].sum()):>8}{proto[-1]:>14.3f}{sup[-1]:>20.3f}")
    out = {"provisions": len(Y), "instruments": len(set(data["groups"])),
           "loio_macro_f1": round(float(np.mean(sup)), 3),
           "loio_f1": {t: round(x, 3) for t, x in zip(THEME_IDS, sup)},
           "prototype_macro_f1": round(float(np.mean(proto)), 3)}
    print(f"  macro-F1: prototype classifier {out['prototype_macro_f1']:.3f} (not fitted to these tags); "
          f"supervised (shipped), leave-one-instrument-out {out['loio_macro_f1']:.3f} (target 0.75)")
    out["by_family"] = by_family(data, P)
    for path in sorted(AGREEMENT.glob("themes-*.yaml"), key=lambda f: f != SECOND_READ):
        figures = agreement(data, P, path)
        if figures:
            out["second_read" if path == SECOND_READ else path.stem] = figures
    return out


def by_family(data: dict, P: np.ndarray, min_tags: int = MIN_TAGS) -> dict:
    """Macro-F1 of the held-out tags ``P`` and of the prototype classifier per publisher family
    (where the tags of each framework can be trusted), over the themes with at least
    ``min_tags`` reviewed tags in the family (an F1 on fewer is noise); printed."""
    Y, fam = data["Y"], data["families"]
    out = {}
    print(f"  by publisher family, each instrument held out as above (macro-F1 over the themes with >= {min_tags} "
          "reviewed tags there):")
    for f in sorted(set(fam.tolist())):
        r = fam == f
        cols = [k for k in range(Y.shape[1]) if Y[r, k].sum() >= min_tags]
        if not cols:
            continue
        sup = float(np.mean([f1(Y[r, k], P[r, k]) for k in cols]))
        pro = float(np.mean([f1(Y[r, k], data["prototype"][r, k]) for k in cols]))
        out[f] = {"provisions": int(r.sum()), "instruments": len(set(data["groups"][r].tolist())),
                  "themes": [THEME_IDS[k] for k in cols], "supervised": round(sup, 3), "prototype": round(pro, 3)}
        m = out[f]["instruments"]
        print(f"    {f:<8}{int(r.sum()):>5} provisions of {m:>2} instrument{'s' if m > 1 else ' '}, {len(cols):>2} themes: "
              f"supervised {sup:.3f}, prototype {pro:.3f}")
    return out


def agreement(data: dict, P: np.ndarray, path: Path) -> dict | None:
    """Per-theme F1 against the first review of the second review in ``path``, of the
    prototype classifier and of the held-out tags ``P`` on the same provisions; printed."""
    Y = data["Y"]
    second = second_read(path)
    at = {pid: n for n, pid in enumerate(data["provisions"])}
    rows = [at[pid] for pid in second if pid in at]
    if not rows:
        return None
    Y2 = np.array([[t in second[data["provisions"][n]] for t in THEME_IDS] for n in rows], dtype=int)
    print(f"agreement on the {len(rows)} provisions reviewed twice in {path.name} (F1 against the first review):")
    print(f"  {'theme':<16}{'support':>8}{'second reviewer':>17}{'prototype':>11}{'supervised':>12}")
    two, pro, sup = [], [], []
    for k, t in enumerate(THEME_IDS):
        y = Y[rows, k]
        two.append(f1(y, Y2[:, k]))
        pro.append(f1(y, data["prototype"][rows, k]))
        sup.append(f1(y, P[rows, k]))
        print(f"  {t:<16}{int(y.sum()):>8}{two[-1]:>17.3f}{pro[-1]:>11.3f}{sup[-1]:>12.3f}")
    # a theme with no positive in either review has no F1: left out of the mean, not counted as 0
    seen = [k for k in range(len(THEME_IDS)) if Y[rows, k].any() or Y2[:, k].any()]
    exact = float((Y[rows] == Y2).all(axis=1).mean())
    mean = lambda xs: float(np.mean([xs[k] for k in seen]))
    pooled = f1(Y[rows].ravel(), Y2.ravel())       # steadier than the mean on a small set
    print(f"  macro-F1 over the {len(seen)} themes tagged there: second reviewer {mean(two):.3f} (all tags pooled "
          f"{pooled:.3f}; same set of themes on {exact:.3f} of the provisions); prototype {mean(pro):.3f}; "
          f"supervised {mean(sup):.3f}")
    return {"provisions": len(rows), "second_reviewer": round(mean(two), 3), "pooled": round(pooled, 3),
            "exact_set": round(exact, 3), "supervised": round(mean(sup), 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("out"), help="a build (default: out)")
    ap.add_argument("--write", action="store_true", help=f"write the model trained on all tags to {MODEL_PATH}, "
                    f"and each reviewed provision's held-out tags to {HELD_OUT_TAGS.name} (the link model's training reads them)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    args = ap.parse_args()
    if not (args.out / "govkb.sqlite").exists():
        ap.error(f"{args.out}: no build here (run: govkb build --mirror ../shared/corpus-mirror --out {args.out})")
    warnings.filterwarnings("ignore", category=UserWarning)
    data = dataset(args.out)
    P = loio(data, progress=not args.quiet)
    held = report(data, P)
    if args.write:
        tags = {p: [t for k, t in enumerate(THEME_IDS) if P[n, k]] for n, p in enumerate(data["provisions"])}
        # one provision per line, so a retrain's diff shows whose held-out tags changed
        HELD_OUT_TAGS.write_text(f'{{"date": "{dt.date.today().isoformat()}", "tags": {{\n' + ",\n".join(
            f"{json.dumps(p)}: {json.dumps(tags[p])}" for p in sorted(tags)) + "\n}}\n", encoding="utf-8")
        print(f"wrote {HELD_OUT_TAGS} (the held-out tags of {len(tags)} reviewed provisions, for train_links)")
        model = ThemeModel.fit(data["X"], data["Y"], data["groups"])
        doc = _rounded(model.data) | {"trained": {"date": dt.date.today().isoformat(), "held_out": held}}
        MODEL_PATH.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size / 1e6:.1f} MB; dense regularisation C "
              f"{doc['c_dense']:g} on {doc['components']} embedding components; prototype weight "
              f"{doc['prototype_weight']:.2f}; thresholds "
              + ", ".join(f"{t} {v:.2f}" for t, v in doc["thresholds"].items()) + ")")
    return 0


def _rounded(x):
    """Floats to 5 significant digits (the file stays small; scores change by < 1e-4)."""
    if isinstance(x, float):
        return float(f"{x:.5g}")
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


if __name__ == "__main__":
    sys.exit(main())
