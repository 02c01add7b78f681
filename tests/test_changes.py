"""Change reports between two builds (govkb.changes) and the site's "What changed" page and
feed. The knowledge bases are real SQLite files made from a small invented charter."""
from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET

import pytest

from corpus.store import KnowledgeBase
from govkb import changes
from govkb.changes import (atom_feed, compare_builds, diff_document, empty_changes, has_changes, to_markdown,
                           word_diff)
from govkb.site.data import SiteData, load_data
from govkb.site.pages import generate, make_site, nav
from govkb.site.pages.changes import CHANGES_PER_RUN

ATOM = "{http://www.w3.org/2005/Atom}"
# An invented charter on automated lighthouses: (path, parent path, kind, pinpoint, heading, text).
CHARTER = [
    ("art-1", None, "article", "Article 1", "Subject matter",
     "This charter sets rules for the keeping of automated lighthouses along the northern coast."),
    ("art-2", None, "article", "Article 2", "Definitions",
     "A keeper means any person or system that operates a lamp for the guidance of ships at night."),
    ("art-3", None, "article", "Article 3", "Duty of care",
     "Keepers shall inspect every lamp at dusk and record each inspection in the harbour logbook."),
    ("art-4", None, "article", "Article 4", "Records", ""),
    ("art-4/par-1", "art-4", "paragraph", "Article 4(1)", "",
     "The harbour authority may ask to see the logbook at any reasonable hour of the day."),
    ("art-4/par-2", "art-4", "paragraph", "Article 4(2)", "",
     "Logbooks shall be kept for seven years after the last entry has been written."),
    ("art-5", None, "article", "Article 5", "Penalties",
     "A keeper who fails to light the lamp shall pay a fine fixed by the harbour authority."),
]
GUIDE = [("1", None, "principle", "Principle 1", "", "Lighthouse keepers should share their weather notes."),
         ("2", None, "principle", "Principle 2", "", "Keepers should train apprentices in signal lore.")]


def doc_row(doc_id: str, *, sha: str = "a", version: str = "v1", title: str | None = None) -> dict:
    return {"id": doc_id, "title": title or f"Invented {doc_id}", "short_title": title or f"Invented {doc_id}",
            "publisher": "Invented Publisher", "family": "eu", "instrument_type": "regulation",
            "date": "2025-01-01", "version": version, "binding": 1, "binds": "keepers",
            "url": f"https://example.org/{doc_id}", "urls": json.dumps([f"https://example.org/{doc_id}"]),
            "source_kind": "original", "sha256": sha * 64, "retrieved_at": "2026-01-01T00:00:00Z",
            "transport": "mirror", "parser": "test", "counts": "{}", "coverage": 1.0, "us_relation": "[]",
            "notes": "", "fetch": "{}"}


def provs(doc_id: str, rows) -> list[dict]:
    return [{"id": f"{doc_id}/{path}", "doc_id": doc_id, "order": i, "pinpoint": pin, "kind": kind,
             "parent_id": f"{doc_id}/{parent}" if parent else None, "num": "", "heading": head, "text": text}
            for i, (path, parent, kind, pin, head, text) in enumerate(rows)]


def note(pid: str, themes) -> dict:
    return {"id": pid, "modality": "obligation", "modality_span": [], "addressees": [], "bound": [],
            "references": [], "themes": list(themes), "theme_scores": {t: 0.7 for t in themes}}


def make_kb(path, docs: dict, *, notes: dict | None = None, cells: list | None = None) -> KnowledgeBase:
    """``docs``: doc id -> (rows, doc_row overrides). ``notes``: provision id -> themes."""
    kb = KnowledgeBase(path, create=True)
    for doc_id, (rows, extra) in docs.items():
        kb.add_document(doc_row(doc_id, **extra), provs(doc_id, rows))
    if notes:
        kb.add_annotations([note(pid, themes) for pid, themes in notes.items()])
    if cells is not None:
        kb.set_divergence("us-endorsed", {"baseline": "us-endorsed", "cells": cells})
    kb.db.commit()
    return kb


def edit(rows, path, **fields):
    """``rows`` with one provision's text or heading replaced."""
    out = []
    for r in rows:
        if r[0] == path:
            r = (r[0], r[1], r[2], r[3], fields.get("heading", r[4]), fields.get("text", r[5]))
        out.append(r)
    return out


@pytest.fixture
def kbs(tmp_path):
    """``kbs(old_docs, new_docs, **kw)`` -> (old kb, new kb)."""
    n = iter(range(100))

    def make(old, new, old_kw=None, new_kw=None):
        return (make_kb(tmp_path / f"old{next(n)}.sqlite", old, **(old_kw or {})),
                make_kb(tmp_path / f"new{next(n)}.sqlite", new, **(new_kw or {})))
    return make


# word diffs ------------------------------------------------------------------------------
def test_word_diff_marks_the_changed_words_and_trims_context():
    old = " ".join(f"w{i}" for i in range(40))
    ops = word_diff(old, old.replace("w20", "x20"))
    assert [o["op"] for o in ops] == ["equal", "delete", "insert", "equal"]
    assert ops[1]["text"] == "w20" and ops[2]["text"] == "x20"
    assert ops[0]["text"] == "… " + " ".join(f"w{i}" for i in range(12, 20))
    assert ops[3]["text"] == " ".join(f"w{i}" for i in range(21, 29)) + " …"
    middle = word_diff(old, old.replace("w5", "x5").replace("w35", "x35"))[3]["text"]
    assert middle.startswith("w6 ") and " … " in middle and middle.endswith(" w34")
    assert word_diff("a b c", "a b c") == [{"op": "equal", "text": "a b c"}]
    assert word_diff("", "new words") == [{"op": "insert", "text": "new words"}]
    assert word_diff("old words", "") == [{"op": "delete", "text": "old words"}]


# one build against another -----------------------------------------------------------------
def test_unchanged_build_has_no_changes(kbs):
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (CHARTER, {})})
    report = compare_builds(old, new)
    assert report["documents"] == [] and report["provisions"] == {} and report["themes"] == []
    assert set(report["summary"].values()) == {0} and not has_changes(report)
    assert not has_changes(empty_changes())


def test_amended_paragraph_is_exactly_that_provision(kbs):
    new_rows = edit(CHARTER, "art-3", text=CHARTER[2][5].replace("dusk", "dawn"))
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (new_rows, {"sha": "b"})})
    report = compare_builds(old, new)
    diff = report["provisions"]["charter"]
    assert diff["added"] == diff["removed"] == diff["renumbered"] == []
    [amended] = diff["amended"]
    assert amended["id"] == "charter/art-3" and amended["pinpoint"] == "Article 3"
    changed = [(o["op"], o["text"]) for o in amended["diff"] if o["op"] != "equal"]
    assert changed == [("delete", "dusk"), ("insert", "dawn")]
    assert report["documents"] == [{"id": "charter", "title": "Invented charter", "change": "re-versioned",
                                    "old_sha256": "a" * 64, "new_sha256": "b" * 64,
                                    "old_version": "v1", "new_version": "v1"}]
    assert report["summary"]["provisions_amended"] == 1 and report["summary"]["documents_reversioned"] == 1
    assert has_changes(report)


def test_heading_change_counts(kbs):
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (edit(CHARTER, "art-5", heading="Fines"), {})})
    [amended] = compare_builds(old, new)["provisions"]["charter"]["amended"]
    assert amended["id"] == "charter/art-5"
    assert [(o["op"], o["text"]) for o in amended["diff"] if o["op"] != "equal"] == [
        ("delete", "Penalties"), ("insert", "Fines")]


def shifted(rows, at: str, new_row):
    """Insert ``new_row`` before article ``at`` and renumber that article and the later
    ones (and their paragraphs), as a new consolidated text would."""
    out, shift = [], False
    for path, parent, kind, pin, head, text in rows:
        if path == at:
            out.append(new_row)
            shift = True
        if shift:
            n = int(path.split("/")[0][4:]) + 1
            path = f"art-{n}" + path[path.index("/"):] if "/" in path else f"art-{n}"
            parent = f"art-{n}" if parent else None
            pin = pin.replace(f"Article {n - 1}", f"Article {n}")
        out.append((path, parent, kind, pin, head, text))
    return out


LAMPS = ("art-3", None, "article", "Article 3", "Lamp colours",
         "Lamps shall show a white light unless the harbour authority allows a green one.")


def test_inserted_article_is_renumbering_not_amendments(kbs):
    new_rows = shifted(CHARTER, "art-3", LAMPS)
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (new_rows, {})})
    report = compare_builds(old, new)
    diff = report["provisions"]["charter"]
    assert diff["amended"] == [] and diff["removed"] == []
    assert [p["id"] for p in diff["added"]] == ["charter/art-3"]
    assert diff["added"][0]["pinpoint"] == "Article 3" and diff["added"][0]["text"].startswith("Lamp colours Lamps")
    assert [(r["old_id"], r["new_id"]) for r in diff["renumbered"]] == [
        ("charter/art-3", "charter/art-4"), ("charter/art-4", "charter/art-5"),
        ("charter/art-4/par-1", "charter/art-5/par-1"), ("charter/art-4/par-2", "charter/art-5/par-2"),
        ("charter/art-5", "charter/art-6")]
    assert all(r["diff"] is None for r in diff["renumbered"])
    assert diff["renumbered"][1]["old_pinpoint"] == "Article 4" and diff["renumbered"][1]["new_pinpoint"] == "Article 5"
    s = report["summary"]
    assert (s["provisions_added"], s["provisions_renumbered"], s["provisions_amended"]) == (1, 5, 0)


def test_renumbered_and_amended_gets_a_diff(kbs):
    new_rows = shifted(CHARTER, "art-3", LAMPS)
    new_rows = edit(new_rows, "art-6", text=CHARTER[-1][5].replace("fixed", "set"))
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (new_rows, {})})
    diff = compare_builds(old, new)["provisions"]["charter"]
    moved = {r["old_id"]: r for r in diff["renumbered"]}
    last = moved["charter/art-5"]
    assert last["new_id"] == "charter/art-6"
    assert [(o["op"], o["text"]) for o in last["diff"] if o["op"] != "equal"] == [("delete", "fixed"), ("insert", "set")]
    assert diff["amended"] == [] and [p["id"] for p in diff["added"]] == ["charter/art-3"]


def test_removed_provision(kbs):
    new_rows = [r for r in CHARTER if r[0] != "art-4/par-2"]
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (new_rows, {})})
    diff = compare_builds(old, new)["provisions"]["charter"]
    assert diff["removed"] == [{"id": "charter/art-4/par-2", "pinpoint": "Article 4(2)", "kind": "paragraph",
                                "text": CHARTER[5][5]}]
    assert diff["added"] == diff["amended"] == diff["renumbered"] == []


def test_documents_added_removed_and_reversioned(kbs):
    old, new = kbs({"charter": (CHARTER, {}), "old-guide": (GUIDE, {})},
                   {"charter": (CHARTER, {"sha": "c", "version": "v2"}), "new-guide": (GUIDE, {})})
    report = compare_builds(old, new)
    docs = {d["id"]: d for d in report["documents"]}
    assert docs["new-guide"]["change"] == "added" and docs["new-guide"]["provisions"] == 2
    assert docs["new-guide"]["old_sha256"] is None
    assert docs["old-guide"]["change"] == "removed" and docs["old-guide"]["new_version"] is None
    assert docs["charter"]["change"] == "re-versioned" and docs["charter"]["new_version"] == "v2"
    # Same provisions under new bytes: re-versioned, no provision entry; added and removed
    # documents' provisions are counted, not listed.
    assert report["provisions"] == {}
    s = report["summary"]
    assert (s["documents_added"], s["documents_removed"], s["documents_reversioned"]) == (1, 1, 1)
    assert (s["provisions_added"], s["provisions_removed"]) == (2, 2)


def test_first_build(kbs, tmp_path):
    new = make_kb(tmp_path / "first.sqlite", {"charter": (CHARTER, {}), "guide": (GUIDE, {})})
    report = compare_builds(None, new)
    assert report["note"] == "first build" and report["provisions"] == {}
    assert {d["change"] for d in report["documents"]} == {"added"} and len(report["documents"]) == 2
    assert report["summary"]["provisions_added"] == len(CHARTER) + len(GUIDE)
    assert report["summary"]["documents_added"] == 2 and report["divergence"] == []
    assert "first build" in to_markdown(report).lower()


def test_theme_and_divergence_changes(kbs):
    cell = lambda theme, label, score: {"instrument": "charter", "level": "document", "theme": theme,
                                        "label": label, "score": score}
    new_rows = shifted(CHARTER, "art-3", LAMPS)
    old, new = kbs(
        {"charter": (CHARTER, {})}, {"charter": (new_rows, {})},
        old_kw={"notes": {"charter/art-2": ["transparency"], "charter/art-5": ["safety"]},
                "cells": [cell("safety", "aligned", 0.4), cell("privacy", "aligned", 0.5),
                          cell("content", "divergent", -0.3)]},
        new_kw={"notes": {"charter/art-2": ["transparency", "safety"], "charter/art-6": ["safety"],
                          "charter/art-3": ["safety"]},
                "cells": [cell("safety", "divergent", -0.4), cell("privacy", "aligned", 0.6),
                          cell("trade", "partially aligned", 0.1)]})
    report = compare_builds(old, new)
    # art-2 gained a theme; art-5 -> art-6 kept its theme (matched across the renumbering);
    # the inserted art-3 is new, so its themes are not a change.
    assert report["themes"] == [{"id": "charter/art-2", "added": ["safety"], "removed": []}]
    div = {c["theme"]: c for c in report["divergence"]}
    assert set(div) == {"safety", "content", "trade"}      # privacy only moved its score
    assert (div["safety"]["old_label"], div["safety"]["new_label"]) == ("aligned", "divergent")
    assert (div["safety"]["old_score"], div["safety"]["new_score"]) == (0.4, -0.4)
    assert div["content"]["new_label"] is None and div["trade"]["old_label"] is None
    assert div["safety"]["baseline"] == "us-endorsed" and div["safety"]["instrument"] == "charter"
    assert report["summary"]["themes_changed"] == 1 and report["summary"]["divergence_changed"] == 3


def test_theme_change_on_renumbered_provision_uses_new_id(kbs):
    new_rows = shifted(CHARTER, "art-3", LAMPS)
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (new_rows, {})},
                   old_kw={"notes": {"charter/art-5": ["safety"]}},
                   new_kw={"notes": {"charter/art-6": ["safety", "accountability"]}})
    assert compare_builds(old, new)["themes"] == [
        {"id": "charter/art-6", "added": ["accountability"], "removed": [], "old_id": "charter/art-5"}]


# large documents ---------------------------------------------------------------------------------
def synthetic(n: int) -> list[dict]:
    rows = [(f"art-{i}", None, "article", f"Article {i}", "",
             f"Keepers of station {i} shall log tide number {i * 7} and lamp number {i * 13} every night.")
            for i in range(1, n + 1)]
    return provs("big", rows)


def test_large_document_is_fast():
    old = synthetic(2000)
    t = time.perf_counter()
    assert diff_document(old, [dict(p) for p in old]) == {"added": [], "removed": [], "renumbered": [], "amended": []}
    extra = {"id": "big/art-3", "doc_id": "big", "order": 2, "pinpoint": "Article 3", "kind": "article",
             "parent_id": None, "num": "", "heading": "Inserted", "text": "A wholly new article on fog horns."}
    new = old[:2] + [extra] + [{**p, "id": f"big/art-{i + 2}", "pinpoint": f"Article {i + 2}"}
                               for i, p in enumerate(old[2:], 2)]
    diff = diff_document(old, new)
    assert time.perf_counter() - t < 3
    assert [p["id"] for p in diff["added"]] == ["big/art-3"] and len(diff["renumbered"]) == 1998
    assert diff["amended"] == [] and diff["removed"] == []


def test_fuzzy_step_is_capped(monkeypatch):
    old = synthetic(30)
    new = [{**p, "id": p["id"] + "-x", "text": p["text"].replace("every night", "each night")} for p in old]
    assert len(diff_document(old, new)["renumbered"]) == 30
    monkeypatch.setattr(changes, "FUZZY_MAX_PAIRS", 100)
    diff = diff_document(old, new)
    assert diff["renumbered"] == [] and len(diff["removed"]) == len(diff["added"]) == 30
    assert "too many" in diff["note"]


# Markdown and Atom --------------------------------------------------------------------------------
HOSTILE = "<script>alert(1)</script> *bold* | pipe [x](javascript:alert(2))"


def run_report(report: dict, run_id: str = "20260102T000000Z-abc", finished: str = "2026-01-02T00:00:09Z",
               **extra) -> dict:
    return {"run_id": run_id, "previous_run_id": "20260101T000000Z-abc", "started_at": "2026-01-02T00:00:00Z",
            "finished_at": finished, "status": "published", **report, **extra}


def test_markdown_escapes_scraped_text(kbs):
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (edit(CHARTER, "art-3", text=CHARTER[2][5] + " " + HOSTILE), {})})
    report = run_report(compare_builds(old, new), warnings=["charter kept its last good version: " + HOSTILE],
                        failures=["guide: fetch failed | 503"],
                        fetch=[{"doc_id": "charter", "outcome": "fresh", "detail": "a|b " + HOSTILE}])
    text = to_markdown(report)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "*bold*" not in text and r"\*bold\*" in text
    assert not re.search(r"(?<!\\)\| pipe", text) and r"\| pipe" in text
    assert "[x](javascript" not in text
    assert "**&lt;script&gt;alert(1)&lt;/script&gt;" in text     # inserted words in bold
    # Warnings and failures come before the changes; the fetch table keeps three columns.
    assert text.index("Failures") < text.index("Warnings") < text.index("## Provisions") < text.index("## Fetch")
    row = next(l for l in text.splitlines() if l.startswith("| charter | fresh"))
    assert len(row.replace("\\|", "").split("|")) == 5
    assert text.startswith("# govkb run 20260102T000000Z-abc: published\n\nStarted 2026-01-02T00:00:00Z; ")


def test_markdown_of_sparse_reports():
    assert to_markdown({}).startswith("# govkb run unknown run")
    assert "- \\- not a list item\n" in to_markdown({"notices": ["- not a list item"]})
    failed = to_markdown({"run_id": "r1", "status": "failed", "failures": ["gate: counts"], **empty_changes()})
    assert "Failures (1)" in failed and "Nothing was published" in failed
    quiet = to_markdown({"run_id": "r2", "status": "no-changes", **empty_changes()})
    assert quiet.startswith("# govkb run r2: no changes") and "nothing was rebuilt" in quiet


def test_atom_feed(kbs):
    amended = edit(CHARTER, "art-1", text=CHARTER[0][5].replace("northern", "southern"))
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (amended, {})})
    diff = compare_builds(old, new)
    reports = [run_report(empty_changes(), run_id="older <&> run", finished="2026-01-01T00:00:00Z"),
               run_report(diff, finished="2026-01-02T00:00:09Z"),
               run_report(empty_changes(), run_id="naive", finished="2026-01-01T12:00:00")]
    xml = atom_feed(reports, site_url="https://kb.example.org/")
    assert "<&>" not in xml
    feed = ET.fromstring(xml)
    assert feed.tag == f"{ATOM}feed" and feed.find(f"{ATOM}id").text == "urn:govkb:changes"
    assert feed.find(f"{ATOM}updated").text == "2026-01-02T00:00:09Z"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}updated").text for e in entries] == [
        "2026-01-02T00:00:09Z", "2026-01-01T12:00:00Z", "2026-01-01T00:00:00Z"]
    first = entries[0]
    assert first.find(f"{ATOM}id").text == "urn:govkb:run:20260102T000000Z-abc"
    assert first.find(f"{ATOM}title").text.startswith("govkb 20260102T000000Z-abc: 0 document(s) changed, 1 provision(s)")
    assert first.find(f"{ATOM}link").get("href") == "https://kb.example.org/changes/#run-20260102T000000Z-abc"
    assert "charter/art-1" in first.find(f"{ATOM}summary").text
    assert entries[2].find(f"{ATOM}title").text.startswith("govkb older <&> run:")
    empty = ET.fromstring(atom_feed([]))
    assert empty.find(f"{ATOM}updated").text == "1970-01-01T00:00:00Z" and not empty.findall(f"{ATOM}entry")
    many = ET.fromstring(atom_feed([run_report(empty_changes(), run_id=f"r{i}") for i in range(60)]))
    assert len(many.findall(f"{ATOM}entry")) == 50
    assert many.find(f"{ATOM}entry/{ATOM}link").get("href").startswith("changes/#run-r")


# the site ------------------------------------------------------------------------------------
def test_changes_page_and_feed(kbs, tmp_path):
    new_rows = edit(CHARTER, "art-3", text=CHARTER[2][5].replace("dusk", "dawn"))
    old, new = kbs({"charter": (CHARTER, {})}, {"charter": (new_rows, {})})
    new.add_change(run_report(compare_builds(old, new)))
    new.close()
    site = make_site(load_data(new.path))
    files = generate(site)
    page = files["changes/index.md"]
    assert 'id="run-20260102T000000Z-abc"' in page
    assert "<del>dusk</del> <ins>dawn</ins>" in page
    assert 'href="../instruments/charter/#charter-art-3"' in page
    assert 'href="../changes.xml"' in page and "changes.xml" in files
    entry = ET.fromstring(files["changes.xml"]).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == "changes/#run-20260102T000000Z-abc"
    assert {"What changed": "changes/index.md"} in nav(site)
    assert "changes.md" not in files


def test_changes_page_without_reports_and_bounded(tmp_path):
    docs = [doc_row("charter")]
    for d in docs:
        d.update(urls=json.loads(d["urls"]), counts={}, us_relation=[], binding=True)
    data = SiteData(documents=docs, provisions={"charter": provs("charter", CHARTER)})
    page = generate(make_site(data))["changes/index.md"]
    assert "No change has been recorded yet" in page
    added = [{"id": f"charter/new-{i}", "pinpoint": f"New {i}", "kind": "article", "text": "Fresh words."}
             for i in range(CHANGES_PER_RUN + 50)]
    hostile = run_report({**empty_changes(), "provisions": {"charter": {"added": added, "removed": [],
                                                                        "renumbered": [], "amended": []}}},
                         run_id='x"><script>alert(1)</script>')
    data.changes = [hostile]
    page = generate(make_site(data))["changes/index.md"]
    assert page.count("ch-added") == CHANGES_PER_RUN
    assert "50 more change(s)" in page and "OUT/reports/changes-" in page
    assert "<script>alert(1)" not in page
    assert 'id="run-x&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page   # Jinja writes " as &#34;


def test_failed_run_report_does_not_claim_no_change():
    """A run that failed before comparing says so, with what its fetch did, not "no change"."""
    from govkb.changes import empty_changes, to_markdown
    report = {"run_id": "r1", "status": "failed", **empty_changes(),
              "fetch": [{"doc_id": f"d{i}", "outcome": "new", "detail": ""} for i in range(34)],
              "failures": ["all documents: gate 'site' failed"]}
    text = to_markdown(report)
    assert "no change" not in text.lower()
    assert "**Summary:** the run failed before its build was compared or published (documents: 34 new)." in text
