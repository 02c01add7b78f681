"""Clause search against the development questions (tests/data/search_questions.yaml): how often
a right clause is in the top ten, and the mean reciprocal rank of the first right one, per mode.

    python scripts/search_quality.py --out out          # the figures per mode
    python scripts/search_quality.py --out out --fit    # also the fusion weights that maximise
                                                        # hybrid MRR on the set (a grid)

A result is right when it is an answer, a part of one (a paragraph of an answering article) or
the provision holding one (the article of an answering paragraph). "hybrid, grouped" is hybrid
search grouped by article (``--group``): ten results are ten articles, and a result is right
when its best hit or one of the hits listed under it is.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from govkb import search as search_mod  # noqa: E402
from govkb.search import SearchEngine  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "search_questions.yaml"


def right(result_id: str, answers: list[str]) -> bool:
    """Whether a result cites an answer: the same provision, a part of it, or its container."""
    return any(result_id == a or result_id.startswith(a + "/") or a.startswith(result_id + "/") for a in answers)


def evaluate(engine: SearchEngine, questions: list[dict], k: int = 10) -> dict[str, dict]:
    """success@k and MRR per mode (and per kind of question)."""
    out = {}
    for label, mode, group in [(m, m, False) for m in search_mod.MODES] + [("hybrid, grouped", "hybrid", True)]:
        ranks = []
        for q in questions:
            hits = [[r["id"], *(a["id"] for a in r.get("also") or ())]
                    for r in engine.search(q["q"], mode=mode, k=k, links=0, group=group)]
            ranks.append(next((i for i, ids in enumerate(hits, 1) if any(right(x, q["answers"]) for x in ids)),
                              None))
        by_kind = {}
        for kind in sorted({q["kind"] for q in questions}):
            rk = [r for r, q in zip(ranks, questions) if q["kind"] == kind]
            by_kind[kind] = round(sum(r is not None for r in rk) / len(rk), 3)
        out[label] = {"success@10": round(sum(r is not None for r in ranks) / len(ranks), 3),
                     "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 3), "by_kind": by_kind}
    return out


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    """The development questions."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def print_figures(res: dict, n: int) -> None:
    print(f"clause search on {n} development questions (tests/data/search_questions.yaml): "
          "success@10, MRR; success@10 by kind")
    for mode, r in res.items():
        kinds = ", ".join(f"{k} {v}" for k, v in r["by_kind"].items())
        print(f"  {mode:<16} success@10 {r['success@10']:.3f}   MRR {r['mrr']:.3f}   ({kinds})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("out"))
    ap.add_argument("--fit", action="store_true", help="search the fusion weights on the set")
    args = ap.parse_args()
    engine, qs = SearchEngine(args.out), load_questions()
    print_figures(evaluate(engine, qs), len(qs))
    if args.fit:
        best = None
        for rrf_k in (10, 30, 60):
            for wk in (0.1, 0.2, 0.3, 0.5, 1.0):
                search_mod.RRF_K, search_mod.FUSION_WEIGHTS = rrf_k, {"keyword": wk, "semantic": 1.0}
                r = evaluate(engine, qs)["hybrid"]
                print(f"  RRF_K {rrf_k:>2}, keyword weight {wk:.1f}: hybrid success@10 {r['success@10']:.3f} "
                      f"MRR {r['mrr']:.3f}")
                best = max(best or (r["mrr"], r["success@10"], rrf_k, wk), (r["mrr"], r["success@10"], rrf_k, wk))
        print(f"best: RRF_K {best[2]}, keyword weight {best[3]} (MRR {best[0]:.3f}, success@10 {best[1]:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
