"""A tiny hand-made knowledge base for the site's tests and for trying the site without a
corpus build. All text is invented. ``hostile=True`` puts script, event-handler, Markdown
link and raw-HTML payloads into provision text and headings, to prove they render inert.
"""
from __future__ import annotations

import json
from pathlib import Path

from corpus.store import KnowledgeBase
from govkb.changes import SUMMARY_KEYS, word_diff

# Each payload sets window.__xss if it ever runs; the browser test checks it stays unset.
HOSTILE = ('<script>window.__xss=1;alert(1)</script> '
           '<img src=x onerror="window.__xss=2;alert(1)"> '
           '[click](javascript:window.__xss=3) '
           '<a href="javascript:window.__xss=4">raw link</a> <b>raw bold</b> '
           '<iframe src="javascript:window.__xss=5"></iframe>')
THEMES = ("privacy", "transparency", "content", "safety", "fairness", "accountability",
          "oversight", "rights", "innovation", "cooperation", "trade", "society")


def _doc(doc_id, family, title, binding, source_kind, url):
    return {"id": doc_id, "title": title, "short_title": title, "publisher": "Invented Publisher",
            "family": family, "instrument_type": "regulation" if binding else "policy",
            "date": "2025-01-01", "version": "test text", "binding": int(binding),
            "binds": "providers" if binding else "nobody", "url": url, "urls": json.dumps([url]),
            "source_kind": source_kind, "sha256": "0" * 64, "retrieved_at": "2026-01-01T00:00:00Z",
            "transport": "mirror", "parser": "test", "counts": "{}", "coverage": 1.0,
            "us_relation": "[]", "notes": "", "fetch": "{}"}


def _provs(doc_id, rows):
    """rows: (path, parent path or None, kind, pinpoint, heading, text)."""
    return [{"id": f"{doc_id}/{path}", "doc_id": doc_id, "order": i, "pinpoint": pin, "kind": kind,
             "parent_id": f"{doc_id}/{parent}" if parent else None, "num": "", "heading": head, "text": text}
            for i, (path, parent, kind, pin, head, text) in enumerate(rows)]


def make_sample_kb(path: str | Path, *, hostile: bool = True, nlp: bool = True, many: int = 0,
                   candidates: int = 0) -> Path:
    """Write a three-instrument knowledge base at ``path``; ``nlp=False`` leaves the NLP
    tables empty (a corpus-only build); ``many`` adds that many filler articles to the
    first instrument (to exercise pagination); ``candidates`` gives each filler article
    that many candidate links and a recital explaining it, the shape of the real aligner's
    output (many low-confidence candidates per provision)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kb = KnowledgeBase(path, create=True)
    bad = HOSTILE if hostile else "Plain text."
    act = _provs("xx-act", [
        ("rct-1", None, "recital", "Recital 1", "", "Providers should disclose synthetic content to users."),
        ("art-1", None, "article", "Article 1", "Labelling " + (bad if hostile else ""), ""),
        ("art-1/par-1", "art-1", "paragraph", "Article 1(1)", "",
         "Providers shall mark synthetic content in a machine-readable format, such as a watermark."),
        ("art-1/par-2", "art-1", "paragraph", "Article 1(2)", "", "Deployers shall inform persons. " + bad),
        ("art-2", None, "article", "Article 2", "Personal data", "Personal data shall be processed lawfully."),
    ] + [(f"art-{n}", None, "article", f"Article {n}", "Filler", "Filler words of the invented act. " * 40)
         for n in range(3, 3 + many)])
    pol = _provs("us-policy", [
        ("sec-1", None, "section", "Sec. 1", "Policy", "Agencies may encourage voluntary disclosure of synthetic content."),
        ("sec-2", None, "section", "Sec. 2", "Privacy", "Agencies shall follow existing privacy law."),
    ])
    gde = _provs("yy-guide", [
        ("1", None, "principle", "Principle 1", "Safety", "Actors should test systems for safety."),
    ])
    # The act was amended and the corpus holds its original text: pages quoting it carry the
    # status banner (the amendment's citation is hostile text, to prove the banner escapes it).
    amended = {"status": "in force as amended", "checked": "2026-01-01", "source": "https://eur-lex.europa.eu/invented",
               "amended_by": [{"citation": "Invented Amending Act 2099/2" + (" " + bad if hostile else ""),
                               "date": "2099-07-27", "url": "https://eur-lex.europa.eu/eli/reg/2099/2/oj"}],
               "consolidated": {"celex": "02099R0001-20990727", "date": "2099-07-27",
                                "url": "https://eur-lex.europa.eu/eli/reg/2099/1/2099-07-27"}}
    kb.add_document({**_doc("xx-act", "eu", "Invented Act", True, "original", "https://eur-lex.europa.eu/eli/reg/2099/1/oj"),
                     "status": json.dumps(amended)}, act)
    kb.add_document(_doc("us-policy", "us", "Invented Policy", False, "conversion", "https://www.whitehouse.gov/invented/"), pol)
    kb.add_document(_doc("yy-guide", "oecd", "Invented Guide", False, "translation", "https://legalinstruments.oecd.org/invented"), gde)
    if nlp:
        def note(pid, modality, themes):
            return {"id": pid, "modality": modality, "modality_span": [], "addressees": [], "bound": [],
                    "references": [], "themes": list(themes), "theme_scores": {t: 0.8 for t in themes}}
        kb.add_annotations([
            note("xx-act/rct-1", "recommendation", ["transparency"]),
            # an article carries the themes of its parts (nlp.themes scores it over them)
            note("xx-act/art-1", "none", ["transparency", "content"]),
            note("xx-act/art-1/par-1", "obligation", ["content"]),
            note("xx-act/art-1/par-2", "obligation", ["transparency", "content"]),
            note("xx-act/art-2", "obligation", ["privacy"]),
            note("us-policy/sec-1", "permission", ["transparency"]),
            note("us-policy/sec-2", "obligation", ["privacy"]),
            note("yy-guide/1", "recommendation", ["safety"]),
        ])
        kb.add_links([
            {"source_id": "xx-act/art-1/par-1", "target_id": "us-policy/sec-1", "relation": "overlapping",
             "score": 0.71, "status": "accepted", "evidence": {"note": bad}},
            {"source_id": "xx-act/rct-1", "target_id": "xx-act/art-1", "relation": "explains",
             "score": 0.9, "status": "accepted", "evidence": {"rule": "reference"}},
            {"source_id": "xx-act/art-1/par-2", "target_id": "us-policy/sec-1", "relation": "conflicts",
             "score": 0.2, "status": "candidate",
             "evidence": {"type": "obligation-vs-permission", "modality": ["obligation", "permission"],
                          "modality_spans": ["shall", "may"], "shared_addressees": ["deployers"],
                          "sentences": ["Deployers shall inform persons. " + bad, "Deployers may inform persons."],
                          "shared_terms": ["deployer", "inform", "person"], "similarity": 0.8}},
        ])
        if candidates:
            kb.add_links(_candidate_links(many, candidates))
        cells = []
        for inst, level, fam in (("xx-act", "document", "eu"), ("eu", "family", "eu"),
                                 ("yy-guide", "document", "oecd"), ("oecd", "family", "oecd")):
            for i, t in enumerate(THEMES):
                label = ("divergent", "partially aligned", "aligned", "not addressed")[i % 4]
                ev = [{"provision_id": "xx-act/art-1/par-2", "position_id": "us-transparency-01",
                       "stance": "contradicts", "similarity": 0.66, "modality": "obligation"}] \
                    if inst in ("xx-act", "eu") else []
                # Real scores are signed (negative = divergent) and absent when not addressed.
                score = {"divergent": -1, "not addressed": None}.get(label, 1)
                score = score and round(score * (0.3 + 0.05 * i), 2)
                cells.append({"instrument": inst, "level": level, "theme": t, "label": label, "score": score,
                              "coverage": {"provisions": 2, "strength": 1.6, "mean_theme_score": 0.8},
                              "binding": {"instrument_binding": int(fam == "eu"), "modalities": {"obligation": 2},
                                          "binding_provisions": 2 if fam == "eu" else 0, "mean_force": 0.9},
                              "evidence": ev})
        _add_reviews(kb, cells, bad)
        kb.set_divergence("us-endorsed", {"baseline": "us-endorsed", "cells": cells})
    kb.add_change(_change_report(bad))
    kb.add_run({"id": "20260101T000000Z-test", "started_at": "2026-01-01T00:00:00Z",
                "finished_at": "2026-01-01T00:00:05Z", "transport": "mirror", "documents": 3,
                "provisions": len(act) + len(pol) + len(gde), "seconds": 5.0, "notices": "[]"})
    kb.close()
    return path


def _review(kind: str, rid: str, verdict, status: str, reason: str, decisive: list[str], **subject) -> dict:
    return {"id": rid, "kind": kind, "verdict": verdict, "reason": reason, "decisive": decisive,
            "reviewer": "Sample Reviewer", "date": "2026-01-02", "status": status,
            "stale_since": "20260101T000000Z-test" if status == "stale" else None,
            "changed": decisive[:1] if status == "stale" else [], "file": f"nlp/data/reviews/{kind}s/sample.yaml",
            "line": 1, "sha256": {d: "0" * 64 for d in decisive}, "machine": None, **subject}


def _add_reviews(kb: KnowledgeBase, cells: list[dict], bad: str) -> None:
    """A current cell review (the reviewed label replaces the machine's), a current link review
    (a machine link confirmed) and a stale theme review, with ``bad`` in every reason."""
    cell = _review("cell", "cell:us-endorsed/xx-act/content", "divergent", "current",
                   "Article 1(1) binds providers to mark synthetic content. " + bad, ["xx-act/art-1/par-1"],
                   baseline="us-endorsed", subject="xx-act", theme="content")
    for c in cells:
        if (c["instrument"], c["theme"]) == ("xx-act", "content"):
            cell["machine"] = c["machine_label"] = c["label"]
            c.update(label="divergent", review={k: v for k, v in cell.items() if k not in ("sha256", "machine")})
    link = _review("link", "link:xx-act/art-1/par-1->us-policy/sec-1", "narrower", "current",
                   "Both concern disclosure of synthetic content; the act's duty is one case of it. " + bad,
                   ["xx-act/art-1/par-1", "us-policy/sec-1"], source="xx-act/art-1/par-1",
                   target="us-policy/sec-1", added=False)
    kb.db.execute("UPDATE links SET relation='narrower', score=1.0, review=?, machine=? WHERE source_id=? AND target_id=?",
                  (json.dumps(link), json.dumps({"relation": "overlapping", "score": 0.71, "status": "accepted"}),
                   "xx-act/art-1/par-1", "us-policy/sec-1"))
    theme = _review("theme", "theme:xx-act/art-2", ["privacy"], "stale", "About lawful processing of personal data. " + bad,
                    ["xx-act/art-2"], provision="xx-act/art-2")
    kb.db.execute("UPDATE annotations SET review=? WHERE id='xx-act/art-2'", (json.dumps(theme),))
    kb.set_reviews([cell, link, theme])


def _candidate_links(many: int, per: int) -> list[dict]:
    """``per`` candidate links from each filler article to other filler articles (scores
    falling with rank, one accepted), plus ``per`` recitals' worth of "explains" links
    from Recital 1 (the only recital)."""
    links = []
    arts = [f"xx-act/art-{n}" for n in range(3, 3 + many)]
    for i, src in enumerate(arts):
        for k in range(1, per + 1):
            tgt = arts[(i + k) % len(arts)]
            if tgt == src:
                continue
            links.append({"source_id": src, "target_id": tgt, "relation": "overlapping",
                          "score": round(0.9 / k, 4), "status": "accepted" if k == 1 else "candidate",
                          "evidence": {"similarity": 0.5, "hubness_corrected": 0.1,
                                       "shared_terms": [f"term{j}" for j in range(15)]}})
        links.append({"source_id": "xx-act/rct-1", "target_id": src, "relation": "explains",
                      "score": 0.5, "status": "candidate", "evidence": {"similarity": 0.4}})
    return links


def _change_report(bad: str) -> dict:
    """A change report of the sample's run against an invented earlier build, with ``bad``
    in every field that carries scraped text (diffs, titles, excerpts, warnings)."""
    summary = dict.fromkeys(SUMMARY_KEYS, 0)
    summary.update(documents_reversioned=1, documents_removed=1, provisions_amended=1, provisions_renumbered=1,
                   provisions_removed=1, themes_changed=1, divergence_changed=1)
    return {"run_id": "20260101T000000Z-test", "previous_run_id": "20251231T000000Z-test",
            "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:05Z", "status": "published",
            "documents": [
                {"id": "xx-act", "title": "Invented Act", "change": "re-versioned", "old_sha256": "1" * 64,
                 "new_sha256": "0" * 64, "old_version": "draft text", "new_version": "test text"},
                {"id": "zz-gone", "title": "Withdrawn Code " + bad, "change": "removed", "old_sha256": "2" * 64,
                 "new_sha256": None, "old_version": "v1", "new_version": None, "provisions": 4}],
            "provisions": {"xx-act": {
                "amended": [{"id": "xx-act/art-1/par-2", "pinpoint": "Article 1(2)",
                             "diff": word_diff("Deployers shall promptly inform natural persons.",
                                               "Deployers shall inform persons. " + bad)}],
                "renumbered": [{"old_id": "xx-act/art-3", "new_id": "xx-act/art-2", "old_pinpoint": "Article 3",
                                "new_pinpoint": "Article 2", "diff": None}],
                "removed": [{"id": "xx-act/art-9", "pinpoint": "Article 9", "kind": "article",
                             "text": "Repealed words. " + bad}],
                "added": []}},
            "themes": [{"id": "xx-act/art-2", "added": ["privacy"], "removed": ["safety"]}],
            "divergence": [{"baseline": "us-endorsed", "instrument": "xx-act", "theme": "privacy",
                            "old_label": "aligned", "new_label": "divergent", "old_score": 0.3, "new_score": -0.3}],
            "fetch": [{"doc_id": "xx-act", "outcome": "new", "detail": ""}],
            "warnings": ["Invented Guide kept its last good version: " + bad], "failures": [], "notices": [],
            "summary": summary}
