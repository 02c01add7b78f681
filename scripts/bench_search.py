"""Search latency: cold from the command line per mode, then warm in process on the full
corpus and a synthetic 100k corpus.

    python scripts/bench_search.py --out out [--synthetic 100000] [--repeat 3] [--cold-runs 5] [--cold-only]

The cold rows run `govkb search` in a fresh process per query (library imports, opening the
build, the query encoder) and print each against a bare `python -c "import govkb.cli"` timed
in the same run.

Prints p50/p95/p99 per mode over a fixed list of 60 queries in three styles (pinpoint and
boolean lookups, keyword phrases, natural-language questions), each run ``--repeat`` times
after one warm-up pass. Query encoding by the real embedding model is included (the
engine's query-vector cache is emptied before every timed search).

The full corpus is read from OUT (not modified: the knowledge base is copied to a temporary
directory and the FTS stage run there when OUT lacks the full-text index). The synthetic
corpus recombines sentences of the real provisions into N provisions across 100 documents,
with random annotations, 3 random links per provision and RANDOM unit vectors in the FAISS
index: semantic timings are real (exact search over N vectors), semantic relevance is not.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np

from corpus.store import KnowledgeBase
from govkb.search import MODES, SearchEngine, build_fts

QUERIES = {
    "lookup": ["Article 50", "Art. 5(1)", "Recital 133", "GOVERN 1.1", "Principle 1.2", "Article 6(2)",
               "Sec. 4", "Article 10", "Annex III", "Action 7", "label* OR watermark*",
               '"human oversight"', '"synthetic content" AND label*', 'NEAR("personal data" transfer, 5)',
               "risk NOT financial", '"high-risk" AND biometric', "deepfake*", '"general-purpose AI"',
               "Article 99", "MAP 1.1"],
    "keyword": ["synthetic audio", "watermarking", "human oversight", "data protection impact assessment",
                "export controls", "chips semiconductors", "open-source models", "incident reporting",
                "conformity assessment", "red teaming", "content provenance", "critical infrastructure",
                "facial recognition", "children", "copyright", "energy consumption", "procurement",
                "workforce training", "algorithmic discrimination", "national security"],
    "natural": ["tell people they are interacting with an AI system",
                "duty to tell users they are talking to a machine",
                "label images and videos made by AI", "who is liable when an AI system causes harm",
                "governments should cooperate internationally on AI safety",
                "protect personal data used to train models", "ban on social scoring by public authorities",
                "remove regulations that slow down AI innovation", "test frontier models for dangerous capabilities",
                "keep a human in control of automated decisions", "report serious incidents to the regulator",
                "promote AI exports to allied countries", "prevent bias against minorities in hiring algorithms",
                "make training data sources transparent", "fines for breaking the rules",
                "AI literacy for staff", "protect elections from AI disinformation",
                "build data centers and power plants faster", "right to an explanation of an automated decision",
                "cybersecurity of AI models"],
}


def percentiles(ms: list[float]) -> str:
    p = np.percentile(ms, [50, 95, 99])
    return f"p50 {p[0]:6.1f} ms   p95 {p[1]:6.1f} ms   p99 {p[2]:6.1f} ms   (n={len(ms)})"


def run(engine: SearchEngine, repeat: int, label: str) -> dict:
    """Time every query in every mode; returns {mode: [ms, ...]}."""
    queries = [q for qs in QUERIES.values() for q in qs]
    for q in queries:                       # warm-up: model, index, page cache, query vectors
        engine.search(q, mode="hybrid")
    out = {}
    print(f"\n{label}: {len(engine.ids):,} provisions, {len(queries)} queries x {repeat}")
    for mode in MODES:
        ms = []
        for _ in range(repeat):
            for q in queries:
                engine._qcache.clear()      # each timing includes encoding the query
                t = time.perf_counter()
                engine.search(q, mode=mode, k=10)
                ms.append((time.perf_counter() - t) * 1000)
        out[mode] = ms
        print(f"  {mode:<9} {percentiles(ms)}")
    return out


def full_corpus(out: Path, tmp: Path) -> SearchEngine:
    """An engine on OUT, or on a copy of its KB with the FTS stage run when OUT lacks it."""
    db = sqlite3.connect(out / "govkb.sqlite")
    has = db.execute("SELECT 1 FROM sqlite_master WHERE name='provisions_fts'").fetchone()
    db.close()
    if has:
        return SearchEngine(out)
    copy = tmp / "full"
    copy.mkdir()
    shutil.copy(out / "govkb.sqlite", copy / "govkb.sqlite")
    os.symlink((out / "index").resolve(), copy / "index")
    kb = KnowledgeBase(copy / "govkb.sqlite")
    build_fts(kb)
    kb.close()
    return SearchEngine(copy)


def synthetic(src: Path, n: int, dest: Path, seed: int = 7) -> SearchEngine:
    """A KB + FTS + random-vector FAISS index of ``n`` provisions made of real sentences."""
    from nlp.embed import Embedder
    from nlp.index import VectorIndex
    rng = random.Random(seed)
    texts = [t for (t,) in sqlite3.connect(src / "govkb.sqlite").execute("SELECT text FROM provisions") if t]
    sentences = [s for t in texts for s in re.split(r"(?<=[.;:])\s+", t) if len(s.split()) >= 4]
    themes = ["privacy", "transparency", "content", "safety", "fairness", "accountability", "oversight",
              "rights", "innovation", "cooperation", "trade", "society"]
    modalities = ["obligation", "prohibition", "permission", "recommendation", "commitment", "none"]
    dest.mkdir(parents=True)
    kb = KnowledgeBase(dest / "govkb.sqlite", create=True)
    per_doc, ids = n // 100, []
    for d in range(100):
        doc = f"syn-{d:03d}"
        row = {"id": doc, "title": f"Synthetic instrument {d}", "short_title": f"Synthetic {d}", "publisher": "bench",
               "family": ["eu", "us", "cn", "oecd", "un"][d % 5], "instrument_type": "regulation",
               "date": f"{2015 + d % 11}-01-01", "version": "1", "binding": d % 2, "binds": "", "url": "https://example.org",
               "urls": "[]", "source_kind": "original", "sha256": "", "retrieved_at": "2026-01-01T00:00:00Z",
               "transport": "bench", "parser": "bench", "counts": "{}", "coverage": 1.0, "us_relation": "[]",
               "notes": "", "fetch": "{}"}
        provs = []
        for i in range(per_doc):
            art, par = i // 10 + 1, i % 10
            pid = f"{doc}/art-{art}" + (f"/par-{par}" if par else "")
            provs.append({"id": pid, "doc_id": doc, "order": i, "pinpoint": f"Article {art}" + (f"({par})" if par else ""),
                          "kind": "paragraph" if par else "article", "parent_id": f"{doc}/art-{art}" if par else None,
                          "num": str(par or art), "heading": "",
                          "text": " ".join(rng.sample(sentences, rng.randint(1, 4)))})
        kb.add_document(row, provs)
        ids += [p["id"] for p in provs]
    kb.add_annotations([{"id": i, "modality": rng.choice(modalities), "modality_span": None, "addressees": [],
                         "bound": [], "references": [], "themes": rng.sample(themes, rng.randint(0, 2)),
                         "theme_scores": {t: 0.5 for t in themes}} for i in ids])
    kb.add_links([{"source_id": i, "target_id": rng.choice(ids), "relation": "overlapping", "score": rng.random() / 2,
                   "status": "candidate", "evidence": {}} for i in ids for _ in range(3)])
    build_fts(kb)
    kb.close()
    vecs = np.random.default_rng(seed).standard_normal((len(ids), 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    emb = Embedder()
    VectorIndex.build(ids, vecs, model="random", model_hash=emb.model_id, text_hashes=ids).save(dest / "index")
    return SearchEngine(dest)


COLD = [("pinpoint (hybrid)", ["Article 50"]), ("keyword", ["watermarking", "--mode", "keyword"]),
        ("semantic", ["duty to tell users they are talking to a machine", "--mode", "semantic"]),
        ("hybrid", ["labelling of AI-generated content"])]


def cold_cli(out: Path, runs: int) -> dict[str, float]:
    """Median wall time of a one-off `govkb search` per mode, each in a fresh process (what a
    counsel waits for at the command line), next to a bare `import govkb.cli` in the same run."""
    import statistics
    import subprocess
    import sys

    def wall(argv: list[str]) -> float:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    res = {"bare import govkb.cli": wall([sys.executable, "-c", "import govkb.cli"])}
    for name, args in COLD:
        res[name] = wall([sys.executable, "-m", "govkb.cli", "search", *args, "--out", str(out), "-k", "10"])
    base = res["bare import govkb.cli"]
    print(f"\ncold CLI: median of {runs} fresh processes per row (wall time, s)")
    for name, t in res.items():
        print(f"  {name:<24} {t:6.2f} s   {t / base:5.1f}x the bare import")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("GOVKB_OUT", "out")))
    ap.add_argument("--synthetic", type=int, default=100_000, help="synthetic corpus size (0 to skip)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cold-runs", type=int, default=5, help="fresh processes per cold CLI row (0 to skip)")
    ap.add_argument("--cold-only", action="store_true", help="only the cold CLI timings")
    args = ap.parse_args()
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    print(f"machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}")
    if args.cold_runs:
        cold_cli(args.out, args.cold_runs)
    if args.cold_only:
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="govkb-bench-") as tmp:
        results["full"] = run(full_corpus(args.out, Path(tmp)), args.repeat, "full corpus")
        if args.synthetic:
            t = time.perf_counter()
            eng = synthetic(args.out, args.synthetic, Path(tmp) / "synthetic")
            print(f"\n(synthetic corpus built in {time.perf_counter() - t:.0f} s; FAISS holds RANDOM vectors)")
            results["synthetic"] = run(eng, args.repeat, "synthetic corpus")
    targets = {"full": 50, "synthetic": 100}
    print("\ntargets: p95 <= 50 ms (full), <= 100 ms (synthetic 100k)")
    for corpus, modes in results.items():
        worst = max(np.percentile(ms, 95) for ms in modes.values())
        print(f"  {corpus:<10} worst-mode p95 {worst:.1f} ms: {'met' if worst <= targets[corpus] else 'NOT met'}")
    print(json.dumps({c: {m: round(float(np.percentile(ms, 95)), 1) for m, ms in modes.items()}
                      for c, modes in results.items()}))


if __name__ == "__main__":
    main()
