"""Reviewed judgments (nlp/reviews.py): validation with file and line, pinning to text hashes,
current reviews published over the machine (kept beside them), stale ones reported, and the
whole cycle through `govkb nightly` on a mirror whose reviewed text is amended and reverted.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from corpus import sources
from nlp import reviews as rv
from nlp.stage import REVIEWS_DIR

THEMES = {"privacy", "transparency", "content", "safety", "fairness", "accountability", "oversight", "rights",
          "innovation", "cooperation", "trade", "society"}
REG = set(sources.declared())
FAMILIES = {s.family for s in sources.declared().values()}
H = "a" * 64


def provs():
    """A tiny corpus: an article with two paragraphs, and a principle elsewhere."""
    return [
        {"id": "eu-ai-act/art-50", "doc_id": "eu-ai-act", "order": 0, "parent_id": None, "heading": "Transparency", "text": ""},
        {"id": "eu-ai-act/art-50/par-1", "doc_id": "eu-ai-act", "order": 1, "parent_id": "eu-ai-act/art-50",
         "heading": "", "text": "Providers shall inform persons."},
        {"id": "eu-ai-act/art-50/par-2", "doc_id": "eu-ai-act", "order": 2, "parent_id": "eu-ai-act/art-50",
         "heading": "", "text": "Providers shall mark synthetic outputs."},
        {"id": "g7-hiroshima-code/action-7", "doc_id": "g7-hiroshima-code", "order": 0, "parent_id": None,
         "heading": "", "text": "Develop content authentication and provenance mechanisms."},
    ]


def write(dirpath: Path, kind: str, name: str, records: list[dict]) -> Path:
    p = dirpath / kind / f"{name}.yaml"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(yaml.safe_dump(records, sort_keys=False), encoding="utf-8")
    return p


def common(*ids, reason="Because the text says so plainly.") -> dict:
    return {"reason": reason, "decisive": list(ids), "reviewer": "Test Reviewer", "date": "2026-12-05",
            "sha256": {i: H for i in ids}}


def load(d: Path):
    return rv.load_reviews(d, registry_docs=REG, families=FAMILIES, themes=THEMES)


# ---------------------------------------------------------------------------- hashes
def test_judged_text_covers_the_subtree_and_ignores_layout():
    hashes = rv.TextHashes(provs())
    art = rv.judged_text("eu-ai-act/art-50", hashes.by_id, hashes.children)
    assert art == "Transparency Providers shall inform persons. Providers shall mark synthetic outputs."
    changed = provs()
    changed[2]["text"] = "Providers shall mark synthetic outputs   visibly."
    again = rv.TextHashes(changed)
    assert again["eu-ai-act/art-50"] != hashes["eu-ai-act/art-50"]          # a paragraph changed: the article did
    assert again["eu-ai-act/art-50/par-1"] == hashes["eu-ai-act/art-50/par-1"]
    spaced = provs()
    spaced[1]["text"] = "Providers  shall\ninform persons."
    assert rv.TextHashes(spaced)["eu-ai-act/art-50/par-1"] == hashes["eu-ai-act/art-50/par-1"]


# ---------------------------------------------------------------------------- validation
def test_bad_review_files_are_refused_with_file_and_line(tmp_path):
    write(tmp_path, "cells", "us-endorsed", [
        {"baseline": "us-endorsed", "subject": "eu-ai-act", "theme": "content", "label": "mostly fine",
         **common("eu-ai-act/art-50/par-2")},
        {"baseline": "us-endorsed", "subject": "family:xx", "theme": "content", "label": "aligned",
         **common("eu-ai-act/art-50/par-2")},
    ])
    write(tmp_path, "links", "eu-ai-act", [
        {"source": "eu-ai-act/art-50/par-2", "target": "nowhere-doc/art-1", "relation": "narrower",
         **common("eu-ai-act/art-50/par-2")},
        {"source": "eu-ai-act/art-50/par-2", "target": "g7-hiroshima-code/action-7", "relation": "narrower",
         **common("eu-ai-act/art-50/par-2", reason="")},
    ])
    write(tmp_path, "themes", "eu-ai-act", [
        {"provision": "eu-ai-act/art-50/par-2", "themes": ["content"], **common("eu-ai-act/art-50/par-2")},
        {"provision": "eu-ai-act/art-50/par-2", "themes": ["content", "vibes"], **common("eu-ai-act/art-50/par-2")},
        {"provision": "eu-ai-act/art-50/par-1", "themes": ["transparency"],
         **{**common("eu-ai-act/art-50/par-1"), "sha256": {}}},
    ])
    with pytest.raises(rv.ReviewError) as e:
        load(tmp_path)
    msg = str(e.value)

    def line(kind: str, name: str, n: int) -> str:
        """Where the n-th record of a file starts."""
        starts = [i for i, l in enumerate((tmp_path / kind / f"{name}.yaml").read_text().splitlines(), 1)
                  if l.startswith("- ")]
        return f"{kind}/{name}.yaml:{starts[n]}:"
    for where, what in [(line("cells", "us-endorsed", 0), "unknown label 'mostly fine'"),
                        (line("cells", "us-endorsed", 1), "unknown family 'xx'"),
                        (line("links", "eu-ai-act", 0), "unknown provision id 'nowhere-doc/art-1'"),
                        (line("links", "eu-ai-act", 1), "no reason"),
                        (line("themes", "eu-ai-act", 1), "unknown theme(s) vibes"),
                        (line("themes", "eu-ai-act", 2), "no sha256 for eu-ai-act/art-50/par-1")]:
        assert any(where in l and what in l for l in msg.splitlines()), (where, what, msg)
    assert line("cells", "us-endorsed", 1) != line("cells", "us-endorsed", 0)


def test_duplicate_subject_names_both_places(tmp_path):
    rec = {"provision": "eu-ai-act/art-50/par-2", "themes": ["content"], **common("eu-ai-act/art-50/par-2")}
    write(tmp_path, "themes", "eu-ai-act", [rec, dict(rec)])
    second = [i for i, l in enumerate((tmp_path / "themes" / "eu-ai-act.yaml").read_text().splitlines(), 1)
              if l.startswith("- ")][1]
    with pytest.raises(rv.ReviewError, match=rf"themes/eu-ai-act.yaml:{second}: duplicate subject "
                                             r"theme:eu-ai-act/art-50/par-2 \(first reviewed at .*themes/eu-ai-act.yaml:1\)"):
        load(tmp_path)


@pytest.mark.parametrize("loader", ["c", "python"])
def test_broken_yaml_names_file_and_line_with_either_loader(tmp_path, monkeypatch, loader):
    """The C loader and its pure-Python fallback report the same place; a good file beside
    the broken one still reads the same with both."""
    if loader == "c" and not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML built without libyaml: no C loader to check")
    monkeypatch.setattr(rv, "YAML_LOADER", yaml.CSafeLoader if loader == "c" else yaml.SafeLoader)
    good = {"provision": "eu-ai-act/art-50/par-2", "themes": ["content"], **common("eu-ai-act/art-50/par-2")}
    write(tmp_path, "themes", "eu-ai-act", [good])
    assert [(r.line, r.data["themes"]) for r in load(tmp_path)] == [(1, ["content"])]
    broken = tmp_path / "themes" / "g7-hiroshima-code.yaml"
    broken.write_text("- provision: g7-hiroshima-code/action-7\n  themes: [content, safety\n", encoding="utf-8")
    with pytest.raises(rv.ReviewError, match=r"g7-hiroshima-code.yaml:3: not valid YAML \(.*expected ',' or '\]'"):
        load(tmp_path)


def test_unknown_provision_of_a_built_document_is_a_problem(tmp_path):
    write(tmp_path, "themes", "eu-ai-act", [
        {"provision": "eu-ai-act/art-999", "themes": [], **common("eu-ai-act/art-999")}])
    loaded = load(tmp_path)
    problems = rv.check_texts(loaded, rv.TextHashes(provs()), {"eu-ai-act", "g7-hiroshima-code"})
    assert problems and "unknown provision id(s) eu-ai-act/art-999" in problems[0] and ":1:" in problems[0]
    # a review of a document this build does not hold is kept aside, not an error
    loaded = load(tmp_path)
    assert rv.check_texts(loaded, rv.TextHashes(provs()), {"g7-hiroshima-code"}) == []
    assert loaded[0].status == "absent"


# ---------------------------------------------------------------------------- pin, status
def test_pin_fills_missing_hashes_and_status_follows_the_text(tmp_path):
    p = write(tmp_path, "links", "eu-ai-act", [
        {"source": "eu-ai-act/art-50/par-2", "target": "g7-hiroshima-code/action-7", "relation": "narrower",
         "reason": "Both concern provenance of generated content.", "decisive": ["eu-ai-act/art-50/par-2"],
         "reviewer": "Test Reviewer", "date": "2026-12-05"}])
    hashes = rv.TextHashes(provs())
    assert rv.pin(p, hashes) == (2, [])
    assert rv.pin(p, hashes) == (0, [])            # nothing missing: the file is left alone
    rec = yaml.safe_load(p.read_text())[0]
    assert rec["sha256"] == {"eu-ai-act/art-50/par-2": hashes["eu-ai-act/art-50/par-2"],
                             "g7-hiroshima-code/action-7": hashes["g7-hiroshima-code/action-7"]}
    assert "decisive: [eu-ai-act/art-50/par-2]" in p.read_text()   # ids on one line: a small diff
    loaded = load(tmp_path)
    rv.check_texts(loaded, hashes, {"eu-ai-act", "g7-hiroshima-code"}, run_id="r1")
    assert loaded[0].status == "current"
    amended = provs()
    amended[3]["text"] = "Develop watermarking."
    loaded = load(tmp_path)
    rv.check_texts(loaded, rv.TextHashes(amended), {"eu-ai-act", "g7-hiroshima-code"}, run_id="r2")
    assert loaded[0].status == "stale" and loaded[0].changed == ["g7-hiroshima-code/action-7"]
    assert loaded[0].stale_since == "r2"
    # the next run keeps the run it first went stale in
    again = load(tmp_path)
    rv.check_texts(again, rv.TextHashes(amended), {"eu-ai-act", "g7-hiroshima-code"}, run_id="r3",
                   previous={loaded[0].id: loaded[0].record()})
    assert again[0].stale_since == "r2"
    # re-read and re-pinned: current again
    assert rv.pin(p, rv.TextHashes(amended), refresh=True)[0] == 1
    fresh = load(tmp_path)
    rv.check_texts(fresh, rv.TextHashes(amended), {"eu-ai-act", "g7-hiroshima-code"})
    assert fresh[0].status == "current"


# ---------------------------------------------------------------------------- precedence
def reviewed(kind: str, status: str = "current", **data) -> rv.Review:
    r = rv.Review(kind, {**data, **common("eu-ai-act/art-50/par-2")}, "f.yaml", 1)
    r.status = status
    return r


def test_current_reviews_override_the_machine_which_stays_beside_them():
    themes = {"eu-ai-act/art-50/par-2": ["privacy"]}
    marks = rv.apply_themes([reviewed("theme", provision="eu-ai-act/art-50/par-2", themes=["content", "transparency"])],
                            themes)
    assert themes["eu-ai-act/art-50/par-2"] == ["content", "transparency"]
    assert marks["eu-ai-act/art-50/par-2"]["machine"] == ["privacy"]

    links = [{"source_id": "g7-hiroshima-code/action-7", "target_id": "eu-ai-act/art-50/par-2",
              "relation": "overlapping", "score": 0.02, "status": "candidate", "evidence": {}}]
    revs = [reviewed("link", source="eu-ai-act/art-50/par-2", target="g7-hiroshima-code/action-7", relation="narrower"),
            reviewed("link", source="eu-ai-act/art-50/par-1", target="g7-hiroshima-code/action-7", relation="overlapping")]
    rv.apply_links(revs, links)
    # the machine's link ran the other way: the reviewed "narrower" reads "broader" on it
    assert links[0]["relation"] == "broader" and links[0]["status"] == "accepted" and links[0]["score"] == 1.0
    assert links[0]["machine"] == {"relation": "overlapping", "score": 0.02, "status": "candidate"}
    assert revs[0].machine["relation"] == "overlapping"
    # a pair the machine never proposed is published too, without machine output
    assert links[1]["source_id"] == "eu-ai-act/art-50/par-1" and links[1]["status"] == "accepted"
    assert "machine" not in links[1] and revs[1].machine is None

    div = {"baseline": "us-endorsed", "cells": [
        {"instrument": "eu-ai-act", "theme": "content", "label": "aligned", "score": 0.4},
        {"instrument": "eu", "theme": "content", "label": "aligned", "score": 0.4}]}
    rv.apply_cells([reviewed("cell", baseline="us-endorsed", subject="eu-ai-act", theme="content", label="divergent"),
                    reviewed("cell", "stale", baseline="us-endorsed", subject="family:eu", theme="content",
                             label="divergent")], div)
    doc, fam = div["cells"]
    assert doc["label"] == "divergent" and doc["machine_label"] == "aligned" and doc["review"]["status"] == "current"
    assert fam["label"] == "aligned" and "machine_label" not in fam and fam["review"]["status"] == "stale"


def test_rejected_link_is_kept_but_marked():
    links = [{"source_id": "eu-ai-act/art-50/par-2", "target_id": "g7-hiroshima-code/action-7",
              "relation": "overlapping", "score": 0.3, "status": "accepted", "evidence": {}}]
    rv.apply_links([reviewed("link", source="eu-ai-act/art-50/par-2", target="g7-hiroshima-code/action-7",
                             relation="unrelated")], links)
    assert links[0]["status"] == "rejected" and links[0]["relation"] == "unrelated" and links[0]["score"] == 0.0


def test_the_repository_reviews_are_valid():
    """The shipped review files parse, name known documents and carry every hash."""
    loaded = load(REVIEWS_DIR)
    kinds = {r.kind for r in loaded}
    assert {"cell", "link", "theme"} <= kinds
    assert all(r.data["reviewer"] and len(r.data["reason"].split()) >= 2 for r in loaded)


# ---------------------------------------------------------------------------- the whole cycle
DOCS = ("cn-ai-labeling-measures-2025", "us-eo-14320")
CN = "cn-ai-labeling-measures-2025"
SENTENCE = b"explicit labels shall be added to the generated synthetic content"


@pytest.mark.model
@pytest.mark.slow
def test_amended_text_makes_its_reviews_stale_and_reverting_makes_them_current(subset_mirror, tmp_path):
    from test_nlp_stage import BASELINE
    m, out, revdir = tmp_path / "mirror", tmp_path / "out", tmp_path / "reviews"
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(BASELINE, encoding="utf-8")

    def write_mirror(amend: bool) -> None:
        subset_mirror(m, DOCS, edit=lambda r, data: data.replace(SENTENCE, SENTENCE.replace(b"explicit", b"visible"))
                      if amend and r.doc == sources.get(CN).mirror.doc else data)

    def govkb(*args, check=True):
        proc = subprocess.run([sys.executable, "-m", "govkb.cli", *args], capture_output=True, text=True)
        assert not check or proc.returncode in (0, 3), proc.stderr + proc.stdout
        return proc

    def night():
        return govkb("nightly", "--mirror", str(m), "--out", str(out), "--baseline", str(baseline),
                     "--reviews", str(revdir), "-q")

    write_mirror(amend=False)
    revdir.mkdir()
    night()                                       # a first build to pin the reviews to
    write(revdir, "themes", CN, [{"provision": f"{CN}/art-4", "themes": ["content", "transparency"],
                                  **common(f"{CN}/art-4", reason="Binds providers to add explicit labels to synthetic content.")}])
    write(revdir, "links", CN, [{"source": f"{CN}/art-4", "target": "us-eo-14320/sec-1", "relation": "unrelated",
                                 **common(f"{CN}/art-4", "us-eo-14320/sec-1", reason="Labels on content against export policy.")}])
    write(revdir, "cells", "test-baseline", [{"baseline": "test-baseline", "subject": "family:cn", "theme": "content",
                                              "label": "divergent", **common(f"{CN}/art-4", reason="Binding labelling duty.")}])
    for f in revdir.rglob("*.yaml"):              # written without hashes, as a reviewer would
        data = yaml.safe_load(f.read_text())
        for r in data:
            r.pop("sha256")
        f.write_text(yaml.safe_dump(data, sort_keys=False))
        assert govkb("review", "pin", str(f), "--out", str(out)).returncode == 0
    night()

    def state():
        recs = {r["id"]: r for r in map(json.loads, (out / "export" / "reviews.jsonl").open())}
        notes = {p["id"]: p for p in map(json.loads, (out / "export" / "provisions.jsonl").open())}
        cells = json.loads((out / "export" / "divergence.json").read_text())["cells"]
        cell = next(c for c in cells if (c["instrument"], c["theme"]) == ("cn", "content"))
        return recs, notes, cell

    recs, notes, cell = state()
    assert {r["status"] for r in recs.values()} == {"current"}
    assert notes[f"{CN}/art-4"]["themes"] == ["content", "transparency"]
    assert cell["label"] == "divergent" and cell["review"]["status"] == "current" and "machine_label" in cell
    machine_themes = notes[f"{CN}/art-4"]["theme_review"]["machine"]

    write_mirror(amend=True)
    night()
    recs, notes, cell = state()
    stale = {i for i, r in recs.items() if r["status"] == "stale"}
    assert stale == {f"theme:{CN}/art-4", f"link:{CN}/art-4->us-eo-14320/sec-1", "cell:test-baseline/family:cn/content"}
    assert all(recs[i]["changed"] == [f"{CN}/art-4"] and recs[i]["stale_since"] for i in stale)
    assert notes[f"{CN}/art-4"]["themes"] == machine_themes          # the machine's output is published again
    assert cell["review"]["status"] == "stale" and "machine_label" not in cell
    report = json.loads((out / "reports" / "changes-latest.json").read_text())
    assert {r["id"] for r in report["reviews"]["stale"]} == stale and set(report["reviews"]["newly_stale"]) == stale
    assert "Reviews out of date (3)" in (out / "reports" / "changes-latest.md").read_text()
    page = (out / "site" / "reviews" / "index.html").read_text()
    assert f"theme:{CN}/art-4" in page and "Out of date (3)" in page
    assert "review out of date since" in (out / "site" / "instruments" / CN / "index.html").read_text() or \
        "theme review out of date" in (out / "site" / "instruments" / CN / "index.html").read_text()
    check = govkb("review", "check", "--reviews", str(revdir), "--out", str(out))
    assert "3 stale review(s)" in check.stdout

    write_mirror(amend=False)
    night()
    recs, notes, cell = state()
    assert {r["status"] for r in recs.values()} == {"current"}
    assert notes[f"{CN}/art-4"]["themes"] == ["content", "transparency"]
    report = json.loads((out / "reports" / "changes-latest.json").read_text())
    assert set(report["reviews"]["current_again"]) == stale


@pytest.mark.model
@pytest.mark.slow
def test_a_bad_review_file_fails_the_build_and_publishes_nothing(subset_mirror, tmp_path):
    from test_nlp_stage import BASELINE
    m = subset_mirror(tmp_path / "mirror", DOCS)
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(BASELINE, encoding="utf-8")
    revdir = tmp_path / "reviews"
    write(revdir, "cells", "test-baseline", [{"baseline": "test-baseline", "subject": "cn-ai-labeling-measures-2025",
                                              "theme": "content", "label": "sort of", **common(f"{CN}/art-4")}])
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "govkb.cli", "build", "--mirror", str(m), "--out", str(out),
                           "--baseline", str(baseline), "--reviews", str(revdir), "-q"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "cells/test-baseline.yaml:1: unknown label 'sort of'" in proc.stderr
    assert not (out / "current").exists()


def test_queue_shows_a_theme_reviewer_the_whole_text_the_review_rests_on(subset_kb):
    """A theme review is pinned to the provision's whole text, so the queue prints all of it:
    every paragraph and point under its pinpoint, with where the provision sits; a text past
    the bound names what it left out instead of cutting silently."""
    from corpus.store import KnowledgeBase
    from govkb.review import format_queue, judged_lines
    from tests.test_readme import BASELINE, COUNSEL_DOCS
    kb = KnowledgeBase(subset_kb("readme", COUNSEL_DOCS, BASELINE) / "govkb.sqlite")
    docs = {d["id"]: d for d in kb.documents()}
    art = "eu-ai-act/art-50"
    shown = format_queue(kb, [{"item": "theme", "kind": "theme", "id": f"theme:{art}", "provision": art}])
    words = " ".join(shown.split())
    leaves = [c for p in kb.children(art) for c in [p, *kb.children(p["id"])] if c["text"]]
    assert len(leaves) >= 7
    for c in leaves:                              # each in full (the old queue cut the text at 1,200 characters)
        assert f"{c['pinpoint']} [{c['id']}]: {' '.join(c['text'].split())}" in words
    assert "in: Chapter IV" in shown
    assert "   machine: " not in shown            # blind unless asked
    short = judged_lines(kb, art, docs, limit=600)
    assert len("".join(short)) < 1200
    assert short[-1].startswith("    [... ") and f"govkb show {art}" in short[-1]
    first_left = short[-1].split("from ", 1)[1].split(":", 1)[0]
    assert first_left in {c["id"] for c in leaves} and first_left not in "".join(short[:-1])


def test_review_stats_show_each_themes_held_out_figure_beside_the_in_sample_one(subset_kb):
    """The machine's theme tags on reviewed provisions come from a model trained on them: the
    stats (and the methodology page that quotes them) print, per theme, the held-out F1 the
    shipped model was measured at, so the in-sample figure is never read alone."""
    from corpus.store import KnowledgeBase
    from govkb.review import format_stats, stats
    from nlp.theme_model import ThemeModel
    from tests.test_readme import BASELINE, COUNSEL_DOCS
    kb = KnowledgeBase(subset_kb("readme", COUNSEL_DOCS, BASELINE) / "govkb.sqlite")
    text = format_stats(stats(kb))
    held = ThemeModel.load().data["trained"]["held_out"]
    assert f"held out (leave one instrument out, scripts/train_themes.py): macro-F1 {held['loio_macro_f1']:.3f}" in text
    assert "in-sample" in text and "F1 held out" in text
    rows = {line.split()[0]: line.split() for line in text.splitlines()[text.splitlines().index(
        next(l for l in text.splitlines() if "F1 held out" in l)) + 1:]}
    assert len(rows) >= 6
    for theme, cols in rows.items():
        assert len(cols) == 6 and float(cols[-1]) == round(held["loio_f1"][theme], 2), theme


def test_queue_can_draw_theme_items_at_random_for_an_unbiased_round(subset_kb):
    """Nearest the threshold first is the default (the cases the model finds hardest); with a
    seed the unreviewed provisions come in a reproducible random order instead."""
    from corpus.store import KnowledgeBase
    from govkb.review import queue
    from tests.test_readme import BASELINE, COUNSEL_DOCS
    kb = KnowledgeBase(subset_kb("readme", COUNSEL_DOCS, BASELINE) / "govkb.sqlite")
    reviewed = {r["provision"] for r in kb.reviews("theme") if r["status"] == "current"}
    assert reviewed                                   # the repository's reviews apply to this build
    ids = lambda items: [it["provision"] for it in items]
    a, b = queue(kb, kind="theme", n=40, sample=14), queue(kb, kind="theme", n=40, sample=14)
    assert ids(a) == ids(b) and len(set(ids(a))) == 40
    assert ids(queue(kb, kind="theme", n=40, sample=15)) != ids(a)
    nearest = ids(queue(kb, kind="theme", n=40))
    assert ids(a) != nearest and not reviewed & (set(ids(a)) | set(nearest))
    docs = {i.split("/", 1)[0] for i in ids(a)}
    assert len(docs) >= 2                             # drawn across the instruments, not the top of one list
