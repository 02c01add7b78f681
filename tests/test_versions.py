"""Versions of an instrument end to end, on the invented fixture act: a mirror run builds the
original and says the consolidated version was skipped; a live run asks a Cellar on 127.0.0.1
for the consolidated version (CELEX, Accept-Language, a 303 redirect) and the document stands
at it, with the original's preamble and each version's provenance; the switch is the change
report's provision-level diff, and exactly the reviews on changed provisions go stale."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import threading
from http.server import ThreadingHTTPServer

import pytest

from conftest import FIXTURES
from corpus import sources
from corpus.build import build_corpus
from corpus.fetch import PoliteSession
from corpus.sources.base import Act, Consolidation, MirrorRef, Source, Status
from corpus.status import is_current, status_line
from corpus.store import KnowledgeBase
from govkb.changes import compare_builds
from nlp import reviews as rv
from nlp.stage import load_checked_reviews, load_provisions
from test_build import HEADER, read_jsonl
from test_build_live import Publisher

OJ = (FIXTURES / "eurlex" / "mini_oj_regulation.html").read_bytes()
CONSOLIDATED = (FIXTURES / "eurlex" / "mini_consolidated_regulation.xhtml").read_bytes()
CELEX = "02099R0001-20991231"
MANIFESTATION = "/resource/cellar/0a1b2c3d.0006.03/DOC_1"
ORIGINAL_COUNTS = {"heading": 1, "preamble": 1, "preambular-paragraph": 2, "recital": 3, "adoption-clause": 1,
                   "chapter": 3, "section": 3, "article": 5, "paragraph": 3, "subparagraph": 3, "definition": 2,
                   "point": 20, "indent": 4, "signature": 2, "footnote": 1, "annex": 2}
# the document at the consolidated version: Article 4 deleted, two points added, the footnote
# of the original's preamble gone (a consolidated text numbers its own footnotes)
CONSOLIDATED_COUNTS = {**ORIGINAL_COUNTS, "article": 4, "point": 22, "footnote": 0}


class Cellar(Publisher):
    """The publisher of the OJ original (/oj) and a Cellar that negotiates like the real one:
    /resource/celex/<CELEX> answers 303 to the manifestation, in English only."""

    pages: dict[str, tuple[bytes, str]] = {}
    log: list[tuple[str, str | None]] = []

    def do_GET(self):
        type(self).log.append((self.path, self.headers.get("Accept-Language")))
        if self.path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if self.path.startswith("/resource/celex/"):
            if "eng" not in (self.headers.get("Accept-Language") or ""):
                return self._send(406, b"no manifestation in that language", "text/plain")
            return self._send(303, b"", "text/plain", {"Location": MANIFESTATION})
        body, ctype = self.pages.get(self.path, (None, None))
        if body is None:
            return self._send(404, b"", "text/plain")
        self._send(200, body, ctype)


@pytest.fixture
def cellar(monkeypatch):
    Cellar.pages = {"/oj": (OJ, "text/html; charset=UTF-8"),
                    MANIFESTATION: (CONSOLIDATED, "application/xhtml+xml;charset=UTF-8")}
    Cellar.log = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Cellar)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    src = Source(
        id="eu-test", title="Regulation (EU) 2099/1 on the safety of clockwork widgets (invented)",
        short_title="Widget Regulation", publisher="Test", family="eu", instrument_type="regulation",
        date_adopted="2099-01-03", version="OJ L 999, 1.2.2099 (original text)", binding=True, binds="makers",
        urls=(base + "/oj",), mirror=MirrorRef("mini-act", "html"), parser="eurlex_oj_html",
        expected=ORIGINAL_COUNTS, content_type="html",
        status=Status("in force as amended", "2099-12-31", base + "/oj",
                      amended_by=(Act("Regulation (EU) 2099/50", "2099-12-31", base + "/m1"),),
                      consolidated=Consolidation(CELEX, "2099-12-31", expected=CONSOLIDATED_COUNTS,
                                                 cellar=base + "/resource/celex")))
    monkeypatch.setattr(sources, "REGISTRY", {"eu-test": src})
    real = sources.declared()
    monkeypatch.setattr(sources, "declared", lambda: {**real, "eu-test": src})
    yield src
    server.shutdown()


def mirror_of_original(root):
    """A mirror holding the OJ original only (as ../shared/corpus-mirror does for the AI Act)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "mini.html").write_bytes(OJ)
    (root / "MANIFEST.tsv").write_text(HEADER + f"mini-act\teu\tmini act\thttps://example.org/oj\thtml\toriginal\ten\t"
                                       f"{hashlib.sha256(OJ).hexdigest()}\t{len(OJ)}\tmini.html\t\t\n")
    return root


def live(out):
    return build_corpus(out, session=PoliteSession(min_interval=0, backoff=0.01, max_retries=1, sleep=lambda s: None),
                        progress=False)


def test_a_mirror_run_builds_the_original_and_says_the_consolidated_version_was_skipped(tmp_path, cellar):
    r = build_corpus(tmp_path / "out", mirror=mirror_of_original(tmp_path / "m"), progress=False)
    assert r.ok, r.failures
    assert any(n.startswith("eu-test: the mirror holds no consolidated version (CELEX 02099R0001-20991231")
               and "live run" in n for n in r.notices)
    kb = KnowledgeBase(tmp_path / "out/govkb.sqlite")
    doc = kb.document("eu-test")
    assert [v["id"] for v in json.loads(doc["versions"])] == ["original"] and not is_current(doc)
    assert status_line(doc) == ("Amended by Regulation (EU) 2099/50 (in force 31 December 2099); this is the original "
                                "2099 text; consolidated text: https://eur-lex.europa.eu/legal-content/EN/TXT/?uri="
                                "CELEX:02099R0001-20991231")
    assert {p["version"] for p in kb.provisions("eu-test")} == {"original"}
    assert not any(path.startswith("/resource") for path, _ in Cellar.log)   # offline: nothing fetched


def test_a_live_run_fetches_the_consolidated_version_from_cellar(tmp_path, cellar):
    out = tmp_path / "out"
    r = live(out)
    assert r.ok, r.failures
    asked = [(p, lang) for p, lang in Cellar.log if p.startswith("/resource/")]
    assert asked == [(f"/resource/celex/{CELEX}", "eng"), (MANIFESTATION, "eng")]   # negotiated, redirect followed
    fetches = [json.loads(l) for l in (out / "raw/fetches.jsonl").read_text().splitlines()]
    cons = next(f for f in fetches if f["version"] == "consolidated-2099-12-31")
    assert cons["url"].endswith(f"/resource/celex/{CELEX}") and cons["final_url"].endswith(MANIFESTATION)
    assert cons["sha256"] == hashlib.sha256(CONSOLIDATED).hexdigest()

    docs = {d["id"]: d for d in read_jsonl(out / "export/documents.jsonl")}
    d = docs["eu-test"]
    assert [v["id"] for v in d["versions"]] == ["original", "consolidated-2099-12-31"]
    orig, held = d["versions"]
    assert orig["sha256"] == hashlib.sha256(OJ).hexdigest() and orig["url"].endswith("/oj")
    assert held["celex"] == CELEX and held["modifiers"]["M1"].startswith("Regulation (EU) 2099/50")
    assert (d["sha256"], d["url"]) == (held["sha256"], f"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:{CELEX}")
    assert d["version"] == f"Consolidated version, CELEX {CELEX} (EUR-Lex)" and d["counts"] == {
        k: v for k, v in CONSOLIDATED_COUNTS.items() if v}
    assert d["current"] is True and d["status_line"] == (
        "In force as amended by Regulation (EU) 2099/50 (in force 31 December 2099); this is the consolidated text "
        f"of 31 December 2099 (CELEX {CELEX})")
    provs = {p["id"]: p for p in read_jsonl(out / "export/provisions.jsonl")}
    rct, point = provs["eu-test/rct-1"], provs["eu-test/art-2/par-1/pt-c"]
    assert (rct["version"], rct["sha256"], rct["source_url"]) == ("original", orig["sha256"], orig["url"])
    assert (point["version"], point["sha256"], point["marker"]) == ("consolidated-2099-12-31", held["sha256"], "M1")
    assert provs["eu-test/art-2/par-1/pt-a"]["marker"] == "B" and "eu-test/art-4" not in provs

    # an unchanged night: both versions answer the same bytes and nothing is parsed again
    again = live(out)
    assert again.ok and [o.status for o in again.outcomes] == ["unchanged"]


def test_cellar_serving_another_version_than_the_registry_names_fails_the_document(tmp_path, cellar):
    Cellar.pages[MANIFESTATION] = (CONSOLIDATED.replace(b"02099R0001 \xe2\x80\x94 EN \xe2\x80\x94 31.12.2099",
                                                        b"02099R0001 \xe2\x80\x94 EN \xe2\x80\x94 30.11.2099"),
                                   "application/xhtml+xml")
    r = live(tmp_path / "out")
    assert not r.ok and [(f.doc_id, f.check) for f in r.failures] == [("eu-test", "version")]
    assert "02099R0001-20991130, not 02099R0001-20991231" in r.failures[0].message


def test_the_switch_to_the_consolidated_version_is_a_provision_diff_and_stales_exactly_the_reviews_on_changed_text(
        tmp_path, cellar):
    out = tmp_path / "out"
    assert build_corpus(out, mirror=mirror_of_original(tmp_path / "m"), progress=False).ok
    shutil.copy(out / "govkb.sqlite", tmp_path / "before.sqlite")
    before = KnowledgeBase(tmp_path / "before.sqlite")
    # reviews of theme tags on provisions the amendment changed, on their parents, on untouched
    # provisions, on a recital (kept from the original) and on the article the amendment deleted
    reviewed = ["art-1/pt-2", "art-1/pt-2/pt-a", "art-2/par-1", "art-2/par-1/pt-a", "art-2/par-2",
                "art-2/par-2/ind-1", "art-4", "art-5/sub-2", "art-5/sub-3/pt-a", "rct-1", "anx-i/sct-a",
                "anx-i/sct-b/pt-1", "anx-ii/pt-3"]
    reviews = tmp_path / "reviews"
    rv.dump(reviews / "themes" / "eu-test.yaml", [
        {"provision": f"eu-test/{pid}", "themes": ["safety"], "reason": "Written for the version test.",
         "decisive": [f"eu-test/{pid}"], "reviewer": "Test Reviewer", "date": "2099-12-01"} for pid in reviewed])
    _, provs = load_provisions(before)
    assert rv.pin(reviews / "themes" / "eu-test.yaml", rv.TextHashes(provs)) == (len(reviewed), [])
    first = load_checked_reviews(before, provs, reviews, run_id="run-1")
    assert {r.status for r in first} == {"current"}
    before.set_reviews([r.record() for r in first])
    before.db.commit()

    assert live(out).ok
    after = KnowledgeBase(out / "govkb.sqlite")
    second = load_checked_reviews(after, load_provisions(after)[1], reviews, run_id="run-2", previous=before)
    after.set_reviews([r.record() for r in second])
    report = compare_builds(before, after)

    # the change report diffs the two versions like any amendment
    assert [(d["id"], d["change"], d["old_version"], d["new_version"]) for d in report["documents"]] == [
        ("eu-test", "re-versioned", "OJ L 999, 1.2.2099 (original text)", f"Consolidated version, CELEX {CELEX} (EUR-Lex)")]
    diff = report["provisions"]["eu-test"]
    touched = {p["id"] for k in ("amended", "added", "removed") for p in diff[k]}
    assert {i.removeprefix("eu-test/") for i in touched} == {
        "art-1/pt-2/pt-b", "art-2/par-1/pt-b/pt-ii", "art-2/par-1/pt-c", "art-2/par-2", "art-4", "art-5/sub-3/pt-a",
        "anx-i/sct-a/pt-3", "fn-1"}
    # a review goes stale when the text it judged (the provision and its sub-provisions) changed
    changed = {pid for pid in reviewed if any(t == f"eu-test/{pid}" or t.startswith(f"eu-test/{pid}/") for t in touched)}
    status = {r.data["provision"].removeprefix("eu-test/"): r.status for r in second}
    assert {p for p, s in status.items() if s == "stale"} == changed == {
        "art-1/pt-2", "art-2/par-1", "art-2/par-2", "art-4", "art-5/sub-3/pt-a", "anx-i/sct-a"}
    assert {p for p, s in status.items() if s == "current"} == set(reviewed) - changed
    assert next(r for r in second if r.data["provision"] == "eu-test/art-4").changed == ["eu-test/art-4"]
    assert sorted(report["reviews"]["newly_stale"]) == sorted(f"theme:eu-test/{p}" for p in changed)


def test_a_review_of_a_provision_no_build_had_is_still_a_mistake(tmp_path, cellar):
    out = tmp_path / "out"
    assert build_corpus(out, mirror=mirror_of_original(tmp_path / "m"), progress=False).ok
    kb = KnowledgeBase(out / "govkb.sqlite")
    reviews = tmp_path / "reviews"
    rv.dump(reviews / "themes" / "eu-test.yaml", [
        {"provision": "eu-test/art-99", "themes": [], "reason": "A typo in the id.", "decisive": ["eu-test/art-99"],
         "reviewer": "Test Reviewer", "date": "2099-12-01", "sha256": {"eu-test/art-99": "0" * 64}}])
    with pytest.raises(rv.ReviewError, match=r"eu-test.yaml:1: unknown provision id\(s\) eu-test/art-99"):
        load_checked_reviews(kb, load_provisions(kb)[1], reviews, previous=kb)


def test_the_consolidated_counts_not_yet_pinned_are_printed_to_pin(tmp_path, cellar, monkeypatch):
    src = sources.REGISTRY["eu-test"]
    monkeypatch.setitem(sources.REGISTRY, "eu-test", dataclasses.replace(src, status=dataclasses.replace(
        src.status, consolidated=dataclasses.replace(src.status.consolidated, expected={}))))
    r = live(tmp_path / "out")
    assert r.ok
    note = next(n for n in r.notices if "are not pinned" in n)
    assert json.loads(note.split("pin these: ")[1]) == {k: v for k, v in CONSOLIDATED_COUNTS.items() if v}
