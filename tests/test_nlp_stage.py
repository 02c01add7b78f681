"""The NLP stage end to end on a small corpus: a few real mirror documents plus a small
invented EU act, with a two-position baseline written for the test (a different baseline
is another file, not another code path). Loads the real embedding model."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import sources
from corpus.build import build_corpus
from corpus.sources.base import MirrorRef
from govkb.site.sample import make_sample_kb

pytestmark = [pytest.mark.model, pytest.mark.slow]

REAL = ("g7-hiroshima-principles", "g7-hiroshima-code", "us-eo-14320", "cn-ai-labeling-measures-2025")
FIXTURE_ACT = Path(__file__).parent / "fixtures/eurlex/mini_oj_regulation.html"
BASELINE = """
id: test-baseline
title: A two-position test baseline
description: Written for the NLP stage test.
positions:
  - id: t-trade-01
    theme: trade
    stance: The export of a full national AI technology stack to partners is promoted.
    favours: [export promotion]
    opposes: [restrictions on technology exports to partners]
    affirm: [The government supports the export of full-stack AI technology packages to partner countries.]
    oppose: [Exports of AI technology to other countries are restricted by licensing requirements.]
    rules: [voluntary-measure]
    citations: [us-eo-14320/sec-2, us-eo-14320/sec-1]
  - id: t-content-01
    theme: content
    stance: No general duty to label synthetic content is imposed.
    favours: [voluntary provenance tools]
    opposes: [mandatory labelling of AI-generated content]
    affirm: [Developers may voluntarily adopt tools that show where content comes from.]
    oppose: [Service providers shall add explicit labels to all AI-generated text, images, audio and video.]
    rules: [binding-mandate, voluntary-measure]
    citations: [us-eo-14320/sec-1]
"""


@pytest.fixture(scope="module")
def built(subset_mirror, tmp_path_factory):
    root = tmp_path_factory.mktemp("nlp")
    m = subset_mirror(root / "mirror", REAL, extra_rows=[
        ["mini-act", "eu", "Invented act", "https://example.org/mini", "html", "original", "en", "", "0",
         "mini.html", "", ""]])
    shutil.copy(FIXTURE_ACT, m / "mini.html")
    mini = sources.get("eu-gdpr").__class__(**{
        **sources.get("eu-gdpr").__dict__, "id": "eu-mini", "mirror": MirrorRef("mini-act", "html"),
        "expected": {"article": 5, "recital": 3}, "urls": ("https://example.org/mini",)})
    registry = {sid: sources.get(sid) for sid in REAL} | {"eu-mini": mini}
    baseline = root / "baseline.yaml"
    baseline.write_text(BASELINE, encoding="utf-8")
    from nlp.stage import stage as nlp_stage
    # the machine alone: the repository's reviews would replace some of what these tests measure
    no_reviews = root / "no-reviews"
    no_reviews.mkdir()
    stage = nlp_stage(baseline, no_reviews)
    out = root / "out"
    mp = pytest.MonkeyPatch()
    mp.setattr(sources, "REGISTRY", registry)
    try:
        first = build_corpus(out, mirror=m, progress=False, stages=[stage])
        second = build_corpus(out, mirror=m, progress=False, stages=[stage])
        # Same positions, different bytes: the stage's inputs changed, so it runs again,
        # but every text it embeds is already in the vector cache.
        baseline.write_text(BASELINE + "# touched\n", encoding="utf-8")
        third = build_corpus(out, mirror=m, progress=False, stages=[nlp_stage(baseline, no_reviews)])
    finally:
        mp.undo()
    assert first.ok, first.failures
    assert second.ok, second.failures
    assert third.ok, third.failures
    return out, first, second, third


def jsonl(path):
    return [json.loads(l) for l in path.read_text().splitlines()]


def test_provisions_gain_annotations(built):
    out, *_ = built
    provs = {p["id"]: p for p in jsonl(out / "export/provisions.jsonl")}
    for p in provs.values():
        assert {"themes", "theme_scores", "modality", "addressees", "references"} <= p.keys()
        assert len(p["theme_scores"]) == 12
    action7 = provs["g7-hiroshima-code/action-7"]
    assert "content" in action7["themes"] and action7["modality"] == "recommendation"
    sec = next(p for i, p in provs.items() if i.startswith("us-eo-14320/sec-") and p["modality"] == "obligation")
    assert sec["doc_id"] == "us-eo-14320"


def test_rebuild_with_no_text_change_encodes_nothing(built):
    _, first, second, third = built
    assert first.stage_stats["encoded"] > 0
    # nothing changed: the stage is carried over without running
    assert second.stage_stats == {"nlp_reused": True}
    # the stage reran (its baseline file changed) and found every vector in the cache
    assert "nlp_reused" not in third.stage_stats and third.stage_stats["encoded"] == 0


def test_benchmark_times_the_texts_the_stage_encodes(built):
    """scripts/bench_nlp.py sets the cold stage's time against the bare model's rate on the
    texts the stage encodes: its list of them must be exactly what went into the vector cache
    (provisions, their theme evidence whole and in chunks, the taxonomy, the baseline)."""
    import importlib.util
    import sqlite3
    from corpus.store import KnowledgeBase
    from nlp.embed import text_hash
    from nlp.stage import CACHE, load_provisions
    out, first, *_ = built
    spec = importlib.util.spec_from_file_location("bench_nlp", Path(__file__).parents[1] / "scripts" / "bench_nlp.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    kb = KnowledgeBase(out / "govkb.sqlite")
    _, provs = load_provisions(kb)
    kb.close()
    texts = bench.encoded_texts(provs, out / CACHE, out.parent / "baseline.yaml")
    with sqlite3.connect(out / CACHE) as db:
        cached = {k for (k,) in db.execute("SELECT text FROM vectors")}
    assert len(texts) == first.stage_stats["encoded"] == len(cached)
    assert {text_hash(t) for t in texts} == cached


def test_links_recitals_and_structural_pairs(built):
    out, *_ = built
    links = jsonl(out / "export/links.jsonl")
    explains = [l for l in links if l["relation"] == "explains"]
    articles = {l["target_id"] for l in explains}
    assert articles == {f"eu-mini/art-{n}" for n in range(1, 6)}
    for art in articles:  # every recital of the act is a candidate for every article (only 3 here)
        assert len({l["source_id"] for l in explains if l["target_id"] == art}) == 3
    best = {}
    for l in links:
        if l["source_id"].startswith("g7-hiroshima-principles/principle-") and l["target_id"].startswith("g7-hiroshima-code/"):
            if l["score"] > best.get(l["source_id"], ("", -1))[1]:
                best[l["source_id"]] = (l["target_id"], l["score"])
    right = sum(t.endswith("/action-" + s.rsplit("-", 1)[1]) for s, (t, _) in best.items())
    assert right >= 9, best
    for l in links:
        assert l["evidence"] and l["status"] in ("accepted", "candidate")


def test_divergence_against_a_test_baseline(built):
    out, *_ = built
    div = json.loads((out / "export/divergence.json").read_text())
    assert div["baseline"] == "test-baseline"
    cells = {(c["instrument"], c["theme"]): c for c in div["cells"]}
    label = cells[("cn-ai-labeling-measures-2025", "content")]
    assert label["label"] == "divergent" and label["evidence"]
    assert all(c["evidence"] for c in div["cells"] if c["label"] != "not addressed")


def test_index_manifest(built):
    out, *_ = built
    manifest = json.loads((out / "index/manifest.json").read_text())
    n = len(jsonl(out / "export/provisions.jsonl"))
    assert manifest["count"] == n and manifest["dim"] == 384 and manifest["index_type"] == "flat-ip"


def govkb(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "govkb.cli", *map(str, args)], input=stdin,
                          capture_output=True, text=True, timeout=600)


def test_align_command(built):
    out, *_ = built
    proc = govkb("align", "g7-hiroshima-principles/principle-7", "--out", out, "--doc", "g7-hiroshima-code",
                 "-k", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert rows[0]["target_id"] == "g7-hiroshima-code/action-7" and rows[0]["doc_id"] == "g7-hiroshima-code"
    assert len(rows) <= 3 and all(r["evidence"]["similarity"] > 0 for r in rows)
    assert govkb("align", "nope/art-1", "--out", out).returncode == 1
    # asked for more than were stored: the nearest provisions fill in, without a confidence
    text = govkb("align", "g7-hiroshima-principles/principle-7", "--out", out, "--doc", "g7-hiroshima-code",
                 "-k", "12").stdout
    nearest = [l for l in text.splitlines() if " nearest " in l]
    assert nearest and all(l.startswith("  -   nearest     computed ") for l in nearest)
    assert "no confidence" in text
    rows = [l for l in text.splitlines() if re.match(r"(\d\.\d{3}|  -  ) ", l)]
    assert re.match(r"\d\.\d{3} ", rows[0]) and rows[len(rows) - len(nearest):] == nearest   # stored first, scored


def test_align_command_quotes_a_conflicts_sentences(tmp_path):
    make_sample_kb(tmp_path / "govkb.sqlite", hostile=False)
    proc = govkb("align", "xx-act/art-1/par-2", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "conflicts" in proc.stdout
    assert "obligation-vs-permission: “Deployers shall inform persons. Plain text.”" in proc.stdout
    assert "vs “Deployers may inform persons.”" in proc.stdout


def test_classify_command():
    lines = [json.dumps({"id": "a", "text": "Providers shall mark synthetic images as artificially generated."}),
             "{broken", json.dumps({"id": "b", "text": "Personal data shall be processed lawfully."})]
    proc = govkb("classify", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 1 and "line 2: skipped" in proc.stderr
    out = [json.loads(l) for l in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    assert "content" in out[0]["themes"] and out[0]["modality"] == "obligation"
    assert "privacy" in out[1]["themes"] and set(out[1]["theme_scores"]) >= {"privacy", "trade"}
