"""Benchmark the nightly rebuild on the full mirror: a cold run, a run with no change
(target <= 20 s on 2 cores) and a run in which one paragraph of one document changed.

    python scripts/bench_nightly.py [--mirror ../shared/corpus-mirror] [--seed-cache OUT/cache/vectors.sqlite]

The mirror is copied to a temporary directory (the one-document change edits the copy's
AI Act page - one word of Article 50(2) - and its MANIFEST row); the original is never
touched. Do not edit the repository while it runs: code is part of every stage's input
hash, so an edit turns the no-change run into a rebuild. ``--seed-cache`` starts
the cold run with an existing vector cache (the encode is then skipped and the run shows
everything else); without it the cold run encodes the whole corpus.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def amend_ai_act(mirror: Path, out: Path) -> str:
    """Replace, in the mirror copy's AI Act page, one word of Article 50(2) that occurs once
    in the page (so exactly one paragraph changes); return the word."""
    from corpus.store import KnowledgeBase
    kb = KnowledgeBase(out / "govkb.sqlite")
    target = kb.provision("eu-ai-act/art-50/par-2")["text"]
    kb.close()
    manifest = (mirror / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    header = manifest[0].split("\t")
    i_file, i_sha, i_bytes = header.index("file"), header.index("sha256"), header.index("bytes")
    for n, line in enumerate(manifest[1:], 1):
        cols = line.split("\t")
        if cols[i_file].endswith("eu_ai_act.eurlex-saved.html"):
            path = mirror / cols[i_file]
            text = path.read_text(encoding="utf-8")
            word = next(w for w in re.findall(r"[A-Za-z]{7,}", target) if text.count(w) == 1)
            data = text.replace(word, "benchmarkword").encode("utf-8")
            path.write_bytes(data)
            cols[i_sha], cols[i_bytes] = hashlib.sha256(data).hexdigest(), str(len(data))
            manifest[n] = "\t".join(cols)
            (mirror / "MANIFEST.tsv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
            return word
    raise SystemExit("the mirror has no AI Act page")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", default=str(ROOT.parent / "shared/corpus-mirror"))
    ap.add_argument("--seed-cache", type=Path, help="vector cache to start the cold run with")
    ap.add_argument("--keep", type=Path, help="run in this directory (kept) instead of a temporary one")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from govkb import nightly

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        mirror, out = work / "mirror", work / "out"
        shutil.copytree(args.mirror, mirror)
        if args.seed_cache:
            (out / "cache").mkdir(parents=True, exist_ok=True)
            shutil.copy(args.seed_cache, out / "cache" / "vectors.sqlite")
        rows = []
        for label in ("cold" + (" (seeded vector cache)" if args.seed_cache else ""), "no change",
                      "one paragraph changed"):
            if label == "one paragraph changed":
                word = amend_ai_act(mirror, out)
                print(f"\n(amended the AI Act: '{word}' -> 'benchmarkword')")
            t = time.perf_counter()
            r = nightly.run(out, mirror=mirror, progress=False)
            secs = time.perf_counter() - t
            if r.exit_code == nightly.EXIT_FAILED:
                raise SystemExit(f"{label}: run failed: {r.build.failures}")
            st = r.build.stage_stats
            steps = {k[:-2]: v for k, v in st.items() if k.endswith("_s") and not k.startswith("site_")}
            if "site_total_s" in st:
                steps["site"] = st["site_total_s"]
            rows.append((label, secs))
            print(f"\n{label}: {secs:.1f} s, {r.report['status']}, exit {r.exit_code}; "
                  f"{r.build.documents} documents, {r.build.provisions} provisions; "
                  f"texts encoded {st.get('encoded', 0)}; changes {nightly.changes.summary_line(r.report)}")
            if steps:
                print("  stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
        cold = rows[0][1]
        print("\nsummary (wall clock):")
        for label, secs in rows:
            print(f"  {label:<40} {secs:7.1f} s  ({secs / cold:.2f}x the cold run)")
        print(f"  no-change target <= 20 s: {'met' if rows[1][1] <= 20 else 'NOT met'}")
        print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
