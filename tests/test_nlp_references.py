"""Cross-reference parsing (nlp/components/crossrefs.py) and resolution to provision ids
(nlp/references.py). Sentences are written for these tests; the corpus check reads the mirror."""
from __future__ import annotations

import pytest

from nlp.components.crossrefs import find_references
from nlp.references import resolve

KNOWN = {
    "eu-ai-act/art-5", "eu-ai-act/art-5/par-1", "eu-ai-act/art-5/par-1/pt-a", "eu-ai-act/art-5/par-1/pt-h",
    "eu-ai-act/art-5/par-1/pt-h/pt-iii", "eu-ai-act/art-5/par-5",
    "eu-ai-act/art-6", "eu-ai-act/art-6/par-1", "eu-ai-act/art-6/par-1/pt-a", "eu-ai-act/art-6/par-1/pt-b",
    "eu-ai-act/art-6/par-2", "eu-ai-act/art-6/par-3", "eu-ai-act/art-6/par-3/sub-2",
    "eu-ai-act/art-6/par-3/sub-2/pt-a", "eu-ai-act/art-3", "eu-ai-act/art-3/pt-1",
    "eu-ai-act/art-50/par-2", "eu-ai-act/art-113/sub-3/pt-a", "eu-ai-act/rct-12",
    "eu-ai-act/anx-iii", "eu-ai-act/anx-iii/pt-1", "eu-ai-act/anx-iii/pt-1/pt-a", "eu-ai-act/anx-i/sct-a",
    "eu-ai-act/anx-vii/pt-4/pt-4.6", "eu-ai-act/cpt-iii/sct-2",
    *(f"eu-ai-act/art-{n}" for n in range(8, 16)),
    "eu-gdpr/art-9", "eu-gdpr/art-5/par-1/pt-a", "us-eo-14179/sec-4/a", "un-a-res-78-265/op-6",
}


def refs(text):
    return find_references(text)


def one(sentence, **want):
    [r] = refs(sentence)
    assert {k: r.get(k) for k in want} == want, r
    return r


def test_article_with_paragraph_and_point():
    one("as set out in Article 50(2) of this Regulation", text="Article 50(2) of this Regulation",
        type="paragraph", article="50", paragraph="2", act=None)
    one("Article 5(1), first subparagraph, point (h)", type="point", article="5", paragraph="1",
        subparagraph=1, point=["h"])


def test_nested_reference_to_another_act():
    r = one("pursuant to point (a) of Article 5(1) of Regulation (EU) 2016/679 and other rules",
            text="point (a) of Article 5(1) of Regulation (EU) 2016/679", type="point", article="5",
            paragraph="1", point=["a"])
    assert r["act"] == {"raw": "Regulation (EU) 2016/679", "normalised": "regulation 2016/679", "id": "eu-gdpr"}
    text = "under point (a) of Article 5(1)"
    assert text[refs(text)[0]["start"]:refs(text)[0]["end"]] == "point (a) of Article 5(1)"


def test_lists_and_ranges_expand_to_one_ref_per_address():
    rs = refs("the requirements set out in Articles 8 to 15")
    assert [r["article"] for r in rs] == [str(n) for n in range(8, 16)]
    assert {r["text"] for r in rs} == {"Articles 8 to 15"}
    rs = refs("Article 6(1) and (2)")
    assert [(r["article"], r["paragraph"]) for r in rs] == [("6", "1"), ("6", "2")]
    rs = refs("points (a) and (b) of Article 6(1)")
    assert [r["point"] for r in rs] == [["a"], ["b"]]
    assert [r["annex"] for r in refs("Annexes VIII to X")] == ["VIII", "IX", "X"]


def test_a_plain_list_is_not_one_chain():
    rs = refs("See Article 5, Article 6, Annex III.")
    assert [(r["type"], r.get("article"), r.get("annex")) for r in rs] == [
        ("article", "5", None), ("article", "6", None), ("annex", None, "III")]


@pytest.mark.parametrize("text, fields", [
    ("Annex III", {"type": "annex", "annex": "III"}),
    ("Annex III, point 1", {"type": "point", "annex": "III", "point": ["1"]}),
    ("point 1 (a), of Annex III", {"type": "point", "annex": "III", "point": ["1", "a"]}),
    ("Section A of Annex I", {"type": "section", "annex": "I", "section": "A"}),
    ("Chapter III, Section 2", {"type": "section", "chapter": "III", "section": "2"}),
    ("recital 12", {"type": "recital", "recital": "12"}),
    ("paragraph 3 of this Article", {"type": "paragraph", "paragraph": "3", "this": ["article"]}),
    ("point (h) of the first subparagraph", {"type": "point", "point": ["h"], "subparagraph": 1}),
    ("section 4(a) of Executive Order 14179", {"type": "section", "section": "4", "subdivision": ["a"]}),
])
def test_structural_elements(text, fields):
    one(text, **fields)


@pytest.mark.parametrize("text, normalised, doc", [
    ("Regulation (EU) 2016/679", "regulation 2016/679", "eu-gdpr"),
    ("Regulation (EU) 2024/1689", "regulation 2024/1689", "eu-ai-act"),
    ("Regulation (EU) 2022/2065", "regulation 2022/2065", "eu-dsa"),
    ("Directive (EU) 2016/680", "directive 2016/680", None),
    ("Regulation (EU) No 1025/2012", "regulation 1025/2012", None),
    ("Directive 2013/36/EU", "directive 2013/36", None),
    ("Executive Order 14179", "eo 14179", "us-eo-14179"),
    ("E.O. 14110", "eo 14110", "us-eo-14110"),
    ("OMB Memorandum M-24-10", "omb 24-10", None),
    ("A/RES/78/265", "un 78/265", "un-a-res-78-265"),
    ("NIST AI 100-1", "nist 100-1", "us-nist-ai-100-1"),
    ("the General Data Protection Regulation", "general data protection regulation", "eu-gdpr"),
])
def test_act_citations(text, normalised, doc):
    r = one(f"as provided in {text}.", type="act")
    assert (r["act"]["normalised"], r["act"]["id"]) == (normalised, doc)


def test_that_regulation_points_back_to_the_last_act():
    rs = refs("Regulation (EU) 2016/679 applies; Article 9 of that Regulation covers biometric data.")
    assert rs[1]["article"] == "9" and rs[1]["act"]["id"] == "eu-gdpr"
    assert rs[1]["act"]["raw"] == "that Regulation"


def test_treaty_articles_are_external():
    [r] = refs("on the basis of Article 114 TFEU")
    assert r["act"]["id"] is None


# ---- resolution ------------------------------------------------------------------------

def target(text, context, doc="eu-ai-act"):
    return [r["target_id"] for r in resolve(refs(text), doc, context, KNOWN)]


@pytest.mark.parametrize("text, context, expected", [
    ("Article 50(2)", "eu-ai-act/art-6/par-1", ["eu-ai-act/art-50/par-2"]),
    ("paragraph 3 of this Article", "eu-ai-act/art-6/par-1", ["eu-ai-act/art-6/par-3"]),
    ("paragraph 3", "eu-ai-act/art-6/par-1", ["eu-ai-act/art-6/par-3"]),
    ("points (a) and (b)", "eu-ai-act/art-6/par-1", ["eu-ai-act/art-6/par-1/pt-a",
                                                     "eu-ai-act/art-6/par-1/pt-b"]),
    ("point (a)", "eu-ai-act/art-6/par-3/sub-2", ["eu-ai-act/art-6/par-3/sub-2/pt-a"]),
    ("point (h) of the first subparagraph", "eu-ai-act/art-5/par-1", ["eu-ai-act/art-5/par-1/pt-h"]),
    ("point (h)(iii)", "eu-ai-act/art-5/par-5", ["eu-ai-act/art-5/par-1/pt-h/pt-iii"]),
    ("Article 3, point (1)", "eu-ai-act/art-6", ["eu-ai-act/art-3/pt-1"]),
    ("Article 3(1)", "eu-ai-act/art-6", ["eu-ai-act/art-3/pt-1"]),
    ("Article 113(3), point (a)", "eu-ai-act/art-6", ["eu-ai-act/art-113/sub-3/pt-a"]),
    ("Annex III", "eu-ai-act/art-6/par-2", ["eu-ai-act/anx-iii"]),
    ("Annex III, point 1(a)", "eu-ai-act/art-6", ["eu-ai-act/anx-iii/pt-1/pt-a"]),
    ("point 4.6 of Annex VII", "eu-ai-act/art-6", ["eu-ai-act/anx-vii/pt-4/pt-4.6"]),
    ("Section A of Annex I", "eu-ai-act/art-6", ["eu-ai-act/anx-i/sct-a"]),
    ("Chapter III, Section 2", "eu-ai-act/art-6", ["eu-ai-act/cpt-iii/sct-2"]),
    ("recital 12", "eu-ai-act/art-6", ["eu-ai-act/rct-12"]),
    ("Articles 8 to 15", "eu-ai-act/art-6", [f"eu-ai-act/art-{n}" for n in range(8, 16)]),
    ("Article 9 of Regulation (EU) 2016/679", "eu-ai-act/art-5/par-1", ["eu-gdpr/art-9"]),
    ("point (a) of Article 5(1) of Regulation (EU) 2016/679", "eu-ai-act/art-6", ["eu-gdpr/art-5/par-1/pt-a"]),
    ("Regulation (EU) 2016/679", "eu-ai-act/art-6", ["eu-gdpr"]),
    ("section 4(a) of Executive Order 14179", "us-omb-m-25-21/sec-1", ["us-eo-14179/sec-4/a"]),
    ("paragraph 6 of resolution 78/265", "un-gdc/par-1", ["un-a-res-78-265/op-6"]),
])
def test_resolution(text, context, expected):
    assert target(text, context, doc=context.split("/")[0]) == expected


def test_unresolved_refs_are_kept_and_flagged():
    [missing] = resolve(refs("Article 99(4)"), "eu-ai-act", "eu-ai-act/art-6", KNOWN)
    assert missing["target_id"] is None and missing["resolved"] is False and missing["text"] == "Article 99(4)"
    [partial] = resolve(refs("Article 6(9)"), "eu-ai-act", "eu-ai-act/art-5", KNOWN)
    assert partial["target_id"] is None and partial["nearest_id"] == "eu-ai-act/art-6"
    # an act outside the corpus (the DSA is registered but absent from these ids)
    [dsa] = resolve(refs("Article 34 of Regulation (EU) 2022/2065"), "eu-ai-act", None, KNOWN)
    assert dsa["target_id"] is None and dsa["target_doc"] is None and dsa["act"]["id"] == "eu-dsa"
    [ext] = resolve(refs("Directive (EU) 2016/680"), "eu-ai-act", None, KNOWN)
    assert ext["target_id"] is None and ext["type"] == "act"


# ---- real corpus -----------------------------------------------------------------------

def test_ai_act_references_resolve_to_existing_ids(parsed):
    from nlp.pipeline import annotate
    provs = [p for p in parsed("eu-ai-act").provisions if p.text]
    known = {p.id for p in parsed("eu-ai-act").provisions}
    out = dict(zip([p.id for p in provs], annotate(
        [p.text for p in provs], doc_ids=[p.doc_id for p in provs], context_ids=[p.id for p in provs],
        known_ids=known)))
    # Article 50(5) cites "paragraphs 1 to 4" of its own article
    assert [r["target_id"] for r in out["eu-ai-act/art-50/par-5"]["references"]][:4] == [
        f"eu-ai-act/art-50/par-{n}" for n in range(1, 5)]
    # Article 6(2) cites paragraph 1 and Annex III
    targets = {r["target_id"] for r in out["eu-ai-act/art-6/par-2"]["references"]}
    assert {"eu-ai-act/art-6/par-1", "eu-ai-act/anx-iii"} <= targets
    internal = [r for a in out.values() for r in a["references"] if r.get("act") is None]
    assert all(r["target_id"] in known for r in internal if r["resolved"])
    share = sum(r["resolved"] for r in internal) / len(internal)
    assert len(internal) > 800 and share >= 0.85, share
