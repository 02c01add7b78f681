"""Load test of the local HTTP API: `govkb serve-api` on 127.0.0.1, N concurrent clients for
S seconds issuing a fixed mix of requests; prints throughput, latency percentiles (overall
and per request kind), the error count (target 0) and the machine.

    python scripts/bench_api.py --out out [--clients 50] [--seconds 30]

The server is started here (a subprocess, loopback only, model loaded at startup with
--warm) and stopped at the end; every request kind is sent once before the clock starts.
The engine caches query embeddings, so repeated semantic/hybrid queries skip the model; the
"semantic-new" kind appends a running number to its query so that each one is encoded,
which is what a user typing a new question costs. Clients are threads with a requests
Session each and run on the same machine as the server: they share its cores.
Exit status 1 when any request failed.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import requests

HOST = "127.0.0.1"
KEYWORD = ["Article 50", '"synthetic audio"', "watermark*", "transparency AND deployer", "risk management system",
           "GOVERN 1.1", "personal data NEAR/5 processing", "Recital 133", "human oversight", "export controls",
           "content provenance", "biometric OR facial"]
SEMANTIC = ["tell people they are interacting with an AI system", "label AI-generated images and video",
            "duty to assess risks before deploying a model", "protect children online",
            "share AI technology with allied countries", "independent audit of algorithms",
            "right to an explanation of an automated decision", "government use of AI in public services"]
HYBRID = ["deepfake disclosure", "incident reporting for serious harm", "red teaming of frontier models",
          "data protection impact assessment", "energy use of data centres", "open-source models"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def provision_ids(out: Path, n: int = 20) -> list[str]:
    """n ids spread evenly over the export (fixed for a given knowledge base)."""
    ids = [json.loads(line)["id"] for line in (out / "export" / "provisions.jsonl").open(encoding="utf-8")]
    return ids[:: max(1, len(ids) // n)][:n]


def request_mix(out: Path) -> list[tuple[str, str, dict]]:
    """(kind, path, params) in a fixed order; clients walk it from different offsets."""
    mix = [("keyword", "/search", {"q": q, "mode": "keyword"}) for q in KEYWORD]
    mix += [("semantic", "/search", {"q": q, "mode": "semantic"}) for q in SEMANTIC]
    mix += [("hybrid", "/search", {"q": q}) for q in HYBRID]
    for i, pid in enumerate(provision_ids(out)):
        mix.append(("provision", f"/provisions/{pid}", {}))
        if i % 2 == 0:
            mix.append(("links", f"/provisions/{pid}/links", {"k": 5}))
    mix += [("semantic-new", "/search", {"q": q, "mode": "semantic"}) for q in SEMANTIC[:4]]
    return mix


def start_server(out: Path, port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "govkb.cli", "serve-api", "--out", str(out), "--host", HOST,
                             "--port", str(port), "--warm", "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the API exited at startup:\n{proc.stderr.read().decode(errors='replace')}")
        try:
            if requests.get(f"http://{HOST}:{port}/health", timeout=2).ok:
                return proc
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the API did not answer /health within 120 s")


def client(base: str, mix, offset: int, stop_at: float, counter, results: list, errors: list) -> None:
    """One client: a keep-alive session sending the mix in order until the deadline."""
    s = requests.Session()
    for i in itertools.count(offset):
        if time.monotonic() >= stop_at:
            break
        kind, path, params = mix[i % len(mix)]
        if kind == "semantic-new":
            params = {**params, "q": f"{params['q']} {next(counter)}"}
        t = time.perf_counter()
        try:
            r = s.get(base + path, params=params, timeout=60)
            ok = r.status_code == 200
            why = f"{r.status_code} {r.text[:120]}"
        except requests.RequestException as e:
            ok, why = False, repr(e)
        results.append((kind, time.perf_counter() - t))
        if not ok:
            errors.append(f"{kind} {path} {params}: {why}")


def _stat(pid) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of the server (pid and its worker processes) or of this
    client process (None)."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    total = 0
    for p in Path("/proc").iterdir():
        try:
            f = _stat(p.name) if p.name.isdigit() else None
        except OSError:
            continue
        if f and (int(p.name) == pid or int(f[1]) == pid):
            total += int(f[11]) + int(f[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{platform.node()}: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def pct(lat: list[float]) -> str:
    p = np.percentile(np.array(lat) * 1000, [50, 95, 99])
    return f"p50 {p[0]:7.1f} ms  p95 {p[1]:7.1f} ms  p99 {p[2]:7.1f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("GOVKB_OUT", "out")),
                    help="the directory `govkb build` wrote")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--port", type=int, default=0, help="0: a free port")
    ap.add_argument("--workers", type=int, default=1, help="server processes (`govkb serve-api --workers`)")
    a = ap.parse_args()
    if not 1 <= a.clients <= 500 or not 1 <= a.seconds <= 600:
        ap.error("--clients must be 1..500 and --seconds 1..600 (a bounded load)")
    port = a.port or free_port()
    base = f"http://{HOST}:{port}"
    mix = request_mix(a.out)
    proc = start_server(a.out, port, a.workers)
    try:
        with requests.Session() as s:   # every kind once, outside the clock
            for kind, path, params in mix:
                s.get(base + path, params=params, timeout=120)
        results: list = []
        errors: list = []
        counter = itertools.count()
        stop_at = time.monotonic() + a.seconds
        cpu0 = (cpu_seconds(proc.pid), cpu_seconds())
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(base, mix, i * 7, stop_at, counter, results, errors))
                   for i in range(a.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        cpu = (cpu_seconds(proc.pid) - cpu0[0], cpu_seconds() - cpu0[1])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"govkb API load test: {a.clients} clients x {a.seconds:.0f} s on {HOST}, {a.workers} server "
          f"process(es), knowledge base {a.out}")
    print(f"machine: {machine()}")
    print(f"requests: {len(results)} in {wall:.1f} s = {len(results) / wall:.1f} req/s; errors: {len(errors)}")
    print(f"CPU: server {cpu[0]:.1f} s ({cpu[0] / wall:.2f} cores), clients {cpu[1]:.1f} s "
          f"({cpu[1] / wall:.2f} cores); load average now {os.getloadavg()[0]:.2f}")
    print(f"{'all':<13} n={len(results):<6} {pct([l for _, l in results])}")
    by_kind = defaultdict(list)
    for kind, lat in results:
        by_kind[kind].append(lat)
    for kind in sorted(by_kind):
        print(f"{kind:<13} n={len(by_kind[kind]):<6} {pct(by_kind[kind])}")
    for e in errors[:10]:
        print("error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
