"""End to end on the real mirror: `govkb corpus build` over every document, then the
CLI that reads the result, and a markup change that must fail loudly."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

MIN_COUNTS = {  # the minimums, checked on the published export
    "eu-ai-act": {"article": 113, "recital": 180, "annex": 13},
    "eu-gdpr": {"article": 99, "recital": 173},
    "coe-cets-225": {"article": 36},
    "unesco-ai-ethics": {"paragraph": 141},
    "un-a-res-78-265": {"operative-paragraph": 13},
    "un-a-res-78-311": {"operative-paragraph": 15},
    "g7-hiroshima-principles": {"principle": 11},
    "g7-hiroshima-code": {"action": 11},
    "oecd-ai-2019": {"principle": 5, "recommendation": 5},
    "oecd-ai-2024": {"principle": 5, "recommendation": 5},
    "us-nist-ai-100-1": {"subcategory": 72},
}


def govkb(*args, check=True):
    # the mirror is always named explicitly: $GOVKB_MIRROR (set by CI) must not leak in
    env = {k: v for k, v in os.environ.items() if k != "GOVKB_MIRROR"}
    proc = subprocess.run([sys.executable, "-m", "govkb.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"govkb {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="module")
def built(mirror, tmp_path_factory):
    out = tmp_path_factory.mktemp("kb")
    proc = govkb("corpus", "build", "--mirror", mirror.root, "--out", out, "--quiet")
    return out, proc


def jsonl(path):
    return [json.loads(l) for l in path.read_text().splitlines()]


def test_full_build_passes_every_gate(built):
    out, proc = built
    assert "Built" in proc.stdout
    docs = {d["id"]: d for d in jsonl(out / "export/documents.jsonl")}
    for doc_id, mins in MIN_COUNTS.items():
        for kind, n in mins.items():
            assert docs[doc_id]["counts"].get(kind, 0) >= n, (doc_id, kind)
    assert "notice: eu-dsa" in proc.stderr or "eu-dsa" in docs


def test_export_fields_and_provenance(built, mirror):
    out, _ = built
    provs = jsonl(out / "export/provisions.jsonl")
    by_id = {p["id"]: p for p in provs}
    fields = {"id", "doc_id", "pinpoint", "kind", "parent_id", "heading", "text", "source_url",
              "sha256", "retrieved_at", "source_kind"}
    assert all(fields <= p.keys() for p in provs)
    p = by_id["eu-ai-act/art-50/par-2"]
    assert p["pinpoint"] == "Article 50(2)" and "synthetic" in p["text"]
    assert p["source_kind"] == "original" and p["source_url"].startswith("https://eur-lex.europa.eu/")
    html = (mirror.root / "eu/ai-act/eu_ai_act.eurlex-saved.html").read_bytes()
    assert p["sha256"] == hashlib.sha256(html).hexdigest()
    kinds = {p["doc_id"]: p["source_kind"] for p in provs}
    assert kinds["us-eo-14320"] == "conversion" and kinds["us-eo-14179"] == "original"
    docs = {d["id"]: d for d in jsonl(out / "export/documents.jsonl")}
    for key in ("id", "title", "family", "instrument_type", "binding", "date", "url", "source_kind", "counts"):
        assert key in docs["oecd-ai-2024"]
    assert docs["eu-ai-act"]["binding"] is True and docs["oecd-ai-2024"]["binding"] is False
    assert any(r["relation"] == "signed" for r in docs["coe-cets-225"]["us_relation"])


def test_ids_stable_on_rebuild(built, mirror, tmp_path):
    out, _ = built
    again = tmp_path / "again"
    govkb("corpus", "build", "--mirror", mirror.root, "--out", again, "--quiet", "--only", "eu-gdpr",
          "--only", "oecd-ai-2024")
    ids = lambda d: [p["id"] for p in jsonl(d / "export/provisions.jsonl") if p["doc_id"] in ("eu-gdpr", "oecd-ai-2024")]
    assert ids(again) == ids(out)


def test_show_prints_citation_text_and_provenance(built):
    out, _ = built
    proc = govkb("corpus", "show", "eu-ai-act/art-50/par-2", "--out", out)
    assert "Article 50(2)" in proc.stdout and "sha256:" in proc.stdout and "eur-lex" in proc.stdout
    missing = govkb("corpus", "show", "eu-ai-act/art-999", "--out", out, check=False)
    assert missing.returncode == 1 and "no provision 'eu-ai-act/art-999'" in missing.stderr
    conv = govkb("corpus", "show", "us-eo-14320/sec-1", "--out", out)
    assert "CONVERSION" in conv.stdout


def test_markup_change_fails_loudly_and_keeps_last_good(built, mirror, tmp_path):
    """A copy of the AI Act page whose article class was renamed by the 'publisher'."""
    out, _ = built
    kb = tmp_path / "kb"
    shutil.copytree(out, kb, symlinks=True)   # keeps the snapshot links (relative) intact
    before = {f: (kb / f).read_bytes() for f in ("govkb.sqlite", "export/provisions.jsonl")}
    fake = tmp_path / "mirror"
    src = mirror.root
    row = next(r for r in mirror.rows if r.file.endswith("eu_ai_act.eurlex-saved.html"))
    data = (src / row.file).read_bytes().replace(b"oj-ti-art", b"oj-title-article")
    (fake / row.file).parent.mkdir(parents=True)
    (fake / row.file).write_bytes(data)
    manifest = (src / "MANIFEST.tsv").read_text(encoding="utf-8").replace(row.sha256, hashlib.sha256(data).hexdigest())
    (fake / "MANIFEST.tsv").write_text(manifest, encoding="utf-8")
    proc = govkb("corpus", "build", "--mirror", fake, "--out", kb, "--only", "eu-ai-act", "--quiet", check=False)
    assert proc.returncode == 1
    assert "BUILD FAILED" in proc.stderr and "eu-ai-act: gate '" in proc.stderr
    assert {f: (kb / f).read_bytes() for f in before} == before


def test_offline_without_mirror_fails_fast_naming_the_option(tmp_path):
    import time
    t = time.monotonic()
    proc = govkb("corpus", "build", "--out", tmp_path / "o", "--quiet", check=False)
    assert proc.returncode == 1 and "--mirror" in proc.stderr
    assert time.monotonic() - t < 30
