"""Benchmark of nlp/align.py on the development sets in ../shared/gold.

Prints, with each set's name and size and the machine:
- AI Act recital -> article (gold/ai-act-article-recitals, Zenner and FLI lists): for each
  article with gold recitals, all recitals ranked by ``score_recitals``; recall@1/3/5/10 over
  gold pairs (micro; the target) and averaged over articles (macro), and MRR (mean over
  articles of 1 / rank of the first gold recital); with the ablations (wording only, hubness
  correction, smoothing over neighbouring recitals, + cross references, + position) so that
  each component's share is visible.
- structural pairs (gold/structural-pairs): for each gold source, the units of the target
  document ranked by cosine (what ``govkb align ID --doc DOC`` shows); top-1, the gold
  counterpart's relation and score.
- throughput of ``align_cross`` over the whole corpus (links, seconds, links/s) and of
  ``align_recitals``.
``--fit`` also prints the logistic calibration (a, b) refitted on the structural pairs.

Usage: python scripts/bench_alignment.py [--out OUT] [--cache PATH] [--fit]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nlp.align import (_units, align_cross, align_recitals, alignable, calibrate,  # noqa: E402
                       embedding_texts, load_params, pair_evidence, rank_score, score_recitals,
                       type_relation)
GOLD = Path(os.environ.get("GOVKB_GOLD", ROOT.parent / "shared" / "gold"))


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.platform()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def load_vectors(provisions: list[dict], cache: str) -> tuple[np.ndarray, int, float]:
    """Vectors of every alignable provision's embedding text (zero rows for the rest)."""
    from nlp.embed import Embedder
    texts = embedding_texts(provisions)
    rows = [n for n, (p, t) in enumerate(zip(provisions, texts)) if alignable(p, t)]
    emb = Embedder(cache=cache)
    t0 = time.perf_counter()
    got = emb.encode([texts[n] for n in rows])
    V = np.zeros((len(provisions), got.shape[1]), dtype=np.float32)
    V[rows] = got
    return V, emb.encoded, time.perf_counter() - t0


def ranks_report(name: str, pairs: list[tuple[str, str]], order: dict[str, list[str]]) -> str:
    """recall@k (micro over pairs, macro over articles) and MRR for article -> recital pairs."""
    gold: dict[str, set[str]] = {}
    for a, r in pairs:
        gold.setdefault(a, set()).add(r)
    gold = {a: rs for a, rs in gold.items() if a in order}
    ranks = {a: sorted(order[a].index(r) + 1 for r in rs if r in order[a]) for a, rs in gold.items()}
    n_pairs = sum(len(rs) for rs in gold.values())
    ceiling = {k: sum(min(k, len(rs)) for rs in gold.values()) / n_pairs for k in (1, 3, 5, 10)}
    out = [f"  {name}: {n_pairs} pairs over {len(gold)} articles (micro recall@k can reach at most "
           + ", ".join(f"@{k} {c:.3f}" for k, c in ceiling.items()) + ": some articles have more than k)"]
    for k in (1, 3, 5, 10):
        micro = sum(sum(1 for x in rk if x <= k) for rk in ranks.values()) / n_pairs
        macro = np.mean([sum(1 for x in rk if x <= k) / len(gold[a]) for a, rk in ranks.items()])
        out.append(f"    recall@{k:<2} micro {micro:.3f}  macro {macro:.3f}")
    mrr = np.mean([1 / rk[0] if rk else 0 for rk in ranks.values()])
    out.append(f"    MRR (first gold recital per article) {mrr:.3f}")
    return "\n".join(out)


def read_recital_gold(name: str) -> list[tuple[str, str]]:
    path = GOLD / "ai-act-article-recitals" / name
    num = lambda s: re.search(r"\d+", s).group()  # noqa: E731
    with open(path, newline="", encoding="utf-8") as f:
        return [(f"eu-ai-act/art-{num(r['left_id'])}", f"eu-ai-act/rct-{num(r['right_id'])}")
                for r in csv.DictReader(f)]


def _doc_of(label: str) -> str:
    if "Guiding Principles" in label:
        return "g7-hiroshima-principles"
    if "Code of Conduct" in label:
        return "g7-hiroshima-code"
    return "oecd-ai-2024" if "2024" in label else "oecd-ai-2019"


def _prov_id(doc: str, label: str) -> str:
    m = re.match(r"(Principle|Action)\s+(\d+)", label)
    return f"{doc}/{m.group(1).lower()}-{m.group(2)}" if m else f"{doc}/{label}"


def structural(provisions, V, prm, fit: bool) -> str:
    with open(GOLD / "structural-pairs" / "structural_pairs.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rowsel, units = _units(provisions, prm)
    pos = {u["id"]: n for n, u in enumerate(units)}
    U = V[rowsel]
    hits, lines, xs, ys = 0, [], [], []
    for r in rows:
        src = _prov_id(_doc_of(r["left_doc"]), r["left_id"])
        tdoc = _doc_of(r["right_doc"])
        tgt = _prov_id(tdoc, r["right_id"])
        s = units[pos[src]]
        evs = {units[n]["id"]: pair_evidence(s, units[n], float(U[n] @ U[pos[src]]), prm)
               for n, u in enumerate(units) if u["doc_id"] == tdoc}
        score = {i: rank_score(ev, prm) for i, ev in evs.items()}
        order = sorted(score, key=lambda i: -score[i])
        ok = order[0] == tgt
        hits += ok
        ev = evs[tgt]
        lines.append(f"    {'ok ' if ok else 'MISS'} {src} -> {tgt}: rank {order.index(tgt) + 1}, "
                     f"sim {ev['similarity']:.3f}, heading overlap {ev['heading_overlap']:.2f}, "
                     f"{type_relation(ev, prm)}, score {calibrate(score[tgt], prm['cross']['calibration']):.3f}"
                     + ("" if ok else f" (top-1 {order[0]})"))
        # the counterpart's ancestors and descendants hold its words: neither positive nor negative
        for i, x in score.items():
            if i == tgt or not (i.startswith(tgt + "/") or tgt.startswith(i + "/")):
                xs.append(x)
                ys.append(i == tgt)
    out = [f"  structural-pairs/structural_pairs.csv: {len(rows)} pairs; top-1 {hits}/{len(rows)} = "
           f"{hits / len(rows):.3f}", *lines]
    if fit:
        a, b = fit_logistic(np.array(xs), np.array(ys, dtype=float))
        out.append(f"  calibration refit on {int(sum(ys))} positives / {len(ys) - int(sum(ys))} negatives: "
                   f"a={a:.2f} b={b:.2f} (P=0.5 at similarity {-b / a:.3f})")
    return "\n".join(out)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> tuple[float, float]:
    """Two-parameter logistic regression by Newton's method (small ridge for separable data)."""
    w = np.zeros(2)
    X = np.c_[x, np.ones_like(x)]
    for _ in range(50):
        p = 1 / (1 + np.exp(-X @ w))
        g = X.T @ (p - y) + l2 * w
        H = (X * (p * (1 - p))[:, None]).T @ X + l2 * np.eye(2)
        w -= np.linalg.solve(H, g)
    return float(w[0]), float(w[1])


def recitals(provisions, V, prm, fit: bool) -> str:
    sets = [("ai-act-article-recitals/zenner_article_recitals.csv", read_recital_gold("zenner_article_recitals.csv")),
            ("ai-act-article-recitals/fli_article_recitals.csv", read_recital_gold("fli_article_recitals.csv"))]
    t0 = time.perf_counter()
    s = score_recitals(provisions, V, doc_id="eu-ai-act", params=prm)
    rids = [r["id"] for r in s["recitals"]]
    w = prm["recitals"]["weights"]
    variants = [("wording only (cosine)", s["similarity"]),
                ("wording, hubness-corrected (CSLS)", s["hubness"]),
                ("CSLS smoothed over neighbouring recitals", s["run"]),
                ("smoothed CSLS + cross-refs", w["similarity"] * s["run"] + w["cross_ref"] * s["cross_ref"]),
                ("wording + cross-refs + position (the aligner)", s["combined"])]
    out = [f"  {len(s['articles'])} articles x {len(rids)} recitals scored in {time.perf_counter() - t0:.2f} s"]
    for label, M in variants:
        order = {a["id"]: [rids[i] for i in np.argsort(-M[:, j], kind="stable")] for j, a in enumerate(s["articles"])}
        out.append(f"  [{label}]")
        out.extend(ranks_report(name, pairs, order) for name, pairs in sets)
    if fit:
        aj = {a["id"]: j for j, a in enumerate(s["articles"])}
        ri = {r: i for i, r in enumerate(rids)}
        gold = {(ri[r], aj[a]) for a, r in sets[0][1] if a in aj and r in ri}
        cols = sorted({j for _, j in gold})
        x = np.concatenate([s["combined"][:, j] for j in cols])
        y = np.array([(i, j) in gold for j in cols for i in range(len(rids))], dtype=float)
        a, b = fit_logistic(x, y)
        out.append(f"  calibration refit on the Zenner list ({int(y.sum())} pairs / {len(y)} article-recital cells): "
                   f"a={a:.2f} b={b:.2f}")
    t0 = time.perf_counter()
    links = align_recitals(provisions, V, doc_id="eu-ai-act", params=prm)
    dt = time.perf_counter() - t0
    per = {}
    for ln in links:
        per[ln["target_id"]] = per.get(ln["target_id"], 0) + 1
    out.append(f"  align_recitals: {len(links)} links in {dt:.2f} s; every article has >= 10: "
               f"{len(per) == len(s['articles']) and min(per.values()) >= 10}; "
               f"accepted {sum(ln['status'] == 'accepted' for ln in links)}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="out", help="the built KB (govkb build --out) (default: out)")
    ap.add_argument("--cache", default=None,
                    help="vector cache (sqlite); default: the build's own, OUT/cache/vectors.sqlite")
    ap.add_argument("--fit", action="store_true", help="also refit the two logistic calibrations")
    args = ap.parse_args()
    args.cache = args.cache or str(Path(args.out) / "cache" / "vectors.sqlite")
    if not GOLD.is_dir():
        sys.exit(f"gold sets not found at {GOLD} (set GOVKB_GOLD)")
    provisions = [json.loads(line) for line in open(Path(args.out) / "export" / "provisions.jsonl", encoding="utf-8")]
    prm = load_params()
    print(f"machine: {machine()}")
    V, encoded, dt = load_vectors(provisions, args.cache)
    print(f"KB {args.out}: {len(provisions)} provisions; vectors ready in {dt:.1f} s ({encoded} texts encoded)")
    print("AI Act recital -> article:")
    print(recitals(provisions, V, prm, args.fit))
    print("Structural pairs (cross-document smoke test):")
    print(structural(provisions, V, prm, args.fit))
    t0 = time.perf_counter()
    links = align_cross(provisions, V, k=prm["cross"]["k"], params=prm)
    dt = time.perf_counter() - t0
    rel = {}
    for ln in links:
        rel[ln["relation"]] = rel.get(ln["relation"], 0) + 1
    print(f"Cross-document alignment, whole corpus: {len({ln['source_id'] for ln in links})} sources, "
          f"{len(links)} links in {dt:.1f} s ({len(links) / dt:.0f} links/s); relations {rel}; "
          f"accepted {sum(ln['status'] == 'accepted' for ln in links)}")


if __name__ == "__main__":
    main()
