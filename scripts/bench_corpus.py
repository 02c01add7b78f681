#!/usr/bin/env python3
"""Benchmark: a full offline corpus build from the mirror.

Prints documents, provisions and seconds for a cold build (empty output directory) and
a warm rebuild (raw archive and last good build present), each against the I/O floor
measured in the same run (reading and hashing every mirror file), plus the slowest
documents. Target: a full build under 60 s on 2 cores.

    python scripts/bench_corpus.py [--mirror ../shared/corpus-mirror]
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from corpus.build import build_corpus
from corpus.mirror import Mirror


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", default=str(Path(__file__).resolve().parents[1].parent / "shared/corpus-mirror"),
                    help="mirror directory (default: ../shared/corpus-mirror)")
    args = ap.parse_args()

    t = time.perf_counter()
    m = Mirror(args.mirror)
    size = sum(len(m.read(r)) for r in m.rows)  # read() verifies each file's sha256
    floor = time.perf_counter() - t

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"mirror: {len(m.rows)} files, {size / 1e6:.1f} MB; read+hash floor {floor:.2f} s")
    with tempfile.TemporaryDirectory() as out:
        for label in ("cold build", "warm rebuild"):
            r = build_corpus(out, mirror=args.mirror, progress=False)
            if not r.ok:
                raise SystemExit("build failed: " + "; ".join(map(str, r.failures)))
            print(f"{label:>12}: {r.documents} documents, {r.provisions} provisions, {r.seconds:.1f} s "
                  f"({r.provisions / r.seconds:,.0f} provisions/s; {r.seconds / floor:.0f}x the I/O floor)"
                  f" - target < 60 s: {'met' if r.seconds < 60 else 'MISSED'}")
        print(f"\n{'document':<44} {'provisions':>10} {'coverage':>9} {'seconds':>8}")
        for o in sorted(r.outcomes, key=lambda o: -o.seconds):
            if o.status == "parsed":
                print(f"{o.doc_id:<44} {o.provisions:>10} {o.coverage:>9.1%} {o.seconds:>8.2f}")
            else:
                print(f"{o.doc_id:<44} {o.status}: {o.message}")


if __name__ == "__main__":
    main()
