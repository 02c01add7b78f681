"""The spaCy pipeline: sentences, modality, addressees, batch annotation (nlp/pipeline.py,
nlp/components/). Sentences are written for these tests; real corpus checks read the mirror."""
from __future__ import annotations

from collections import Counter

import pytest

from nlp.pipeline import annotate, make_nlp


@pytest.fixture(scope="module")
def nlp():
    return make_nlp()


def sents(nlp, text):
    return [s.text for s in nlp(text).sents]


def modal(nlp, text):
    doc = nlp(text)
    return doc._.modality, (doc._.modality_span or {}).get("text")


def test_pipeline_has_versioned_components(nlp):
    assert nlp.pipe_names == ["sentencizer", "govkb_modality_v2", "govkb_addressees_v1",
                              "govkb_crossrefs_v1"]
    assert make_nlp() is nlp   # one pipeline per process


def test_abbreviations_do_not_end_sentences_but_the_art_does(nlp):
    assert sents(nlp, "This reflects the state of the art. Providers shall act.") == [
        "This reflects the state of the art.", "Providers shall act."]
    assert len(sents(nlp, "As laid down in Art. 5 of the Act, providers shall act.")) == 1
    assert len(sents(nlp, "Some measures, e.g. the logging of events, are needed.")) == 1
    assert len(sents(nlp, "See CETS No. 225 and Sec. 4 of the order, cf. the annex.")) == 1
    assert len(sents(nlp, "Published in OJ L 119, 4.5.2016, p. 1, i.e. the original.")) == 1


@pytest.mark.parametrize("text, label, span", [
    ("Providers shall ensure that the output is marked.", "obligation", "shall"),
    ("The deployer must inform the persons concerned.", "obligation", "must"),
    ("The system is required to log events.", "obligation", "is required to"),
    ("The following AI practices shall be prohibited.", "prohibition", "shall be prohibited"),
    ("Providers shall not place such systems on the market.", "prohibition", "shall not"),
    ("Personal data may not be processed for that purpose.", "prohibition", "may not"),
    ("No provider shall place such a system on the market.", "prohibition", "No provider shall"),
    ("No one may be held in slavery.", "prohibition", "No one may be"),
    ("No administrative fines shall be imposed on them.", "prohibition", "No administrative fines shall be"),
    ("None shall be excluded.", "prohibition", "None shall be"),
    ("Regulation (EU) No 182/2011 shall apply.", "none", "shall apply"),
    ("Systems in conformity with standards under Regulation (EU) No 1025/2012 shall be presumed to comply.",
     "none", "shall be presumed"),
    ("Micro-enterprises shall not be required to keep the log.", "permission", "shall not be required to"),
    ("Member States may decide not to apply this rule.", "permission", "may"),
    ("The function can optionally be disabled by the operator.", "permission", "can optionally"),
    ("The data subject shall have the right to obtain a copy.", "permission", "shall have the right to"),
    ("The United States must not only lead but also export.", "obligation", "must"),
    ("Providers must not.", "prohibition", "must not"),
    ("The Commission shall be empowered to adopt delegated acts.", "permission", "shall be empowered to"),
    ("Organizations should publish transparency reports.", "recommendation", "should"),
    ("It is recommended that the data be anonymised.", "recommendation", "It is recommended"),
    ("Encourages Member States to develop national strategies.", "commitment", "Encourages"),
    ("Calls upon all States to refrain from such uses.", "commitment", "Calls upon"),
    ("We commit, by 2030, to close the digital divide.", "commitment", "commit, by 2030, to"),
    ("We will work together on interoperable standards.", "commitment", "will"),
    ("Nothing in this Convention shall be construed as limiting rights.", "none",
     "Nothing in this Convention shall be construed"),
    ("This Regulation shall apply from 2 August 2026.", "none", "shall apply"),
    ("The right to obtain a copy shall not adversely affect the rights of others.", "none",
     "shall not adversely affect"),
    ("‘AI system’ means a machine-based system that may exhibit adaptiveness.", "none", None),
    ("There is a lack of political will in some regions.", "none", None),
    ("The Council met on 22 May 2019 in Paris.", "none", None),
])
def test_modality_rules(nlp, text, label, span):
    assert modal(nlp, text) == (label, span)


def test_modal_inside_a_quoted_mention_is_not_a_use(nlp):
    assert modal(nlp, "In this Recommendation the word “shall” is used in its ordinary sense.")[0] == "none"


def test_should_not_is_a_negated_recommendation(nlp):
    doc = nlp("Deployers should not rely on the output alone.")
    [s] = doc._.modal_sentences
    assert (s["modality"], s["negated"], s["span"]["text"]) == ("recommendation", True, "should not")
    assert nlp("Deployers should rely on it.")._.modal_sentences[0]["negated"] is False


def test_auxiliary_governs_the_lexical_verb(nlp):
    # "may encourage" is a permission, "shall promote" an obligation: the auxiliary decides.
    assert modal(nlp, "Member States may encourage the drawing up of codes.") == ("permission", "may")
    assert modal(nlp, "The Parties shall promote digital literacy.") == ("obligation", "shall")
    # a purpose clause is not a commitment
    assert modal(nlp, "These Measures are drafted so as to promote healthy development.")[0] == "none"


def test_strongest_sentence_wins_with_its_span(nlp):
    doc = nlp("Member States may designate an authority. The provider shall not use it. "
              "Providers should document it.")
    assert [s["modality"] for s in doc._.modal_sentences] == ["permission", "prohibition", "recommendation"]
    assert doc._.modality == "prohibition"
    span = doc._.modality_span
    assert doc.text[span["start"]:span["end"]] == "shall not"


@pytest.mark.parametrize("text, mentioned, bound", [
    ("Providers and deployers shall take measures.", ["providers", "deployers"], ["providers", "deployers"]),
    ("The Commission, after consulting the Board, shall adopt guidelines.", ["commission", "board"],
     ["commission"]),
    ("Information provided by the provider to deployers shall be concise.", ["providers", "deployers"], []),
    ("Encourages Member States and the private sector to share data.", ["member-states", "private-sector"],
     ["member-states", "private-sector"]),
    ("Each Party shall adopt measures; a third party may object.", ["states-parties", "third-parties"],
     ["states-parties"]),
    ("Providers of intermediary services shall act; online platforms may comment.",
     ["intermediary-service-providers", "online-platforms"], ["intermediary-service-providers"]),
    ("Within 90 days, each agency head shall submit a plan to the Director of OMB.",
     ["federal-agencies", "federal-officials"], ["federal-agencies"]),
    ("Organizations developing advanced AI systems should identify risks.", ["advanced-ai-developers"],
     ["advanced-ai-developers"]),
])
def test_addressees_and_bound(nlp, text, mentioned, bound):
    doc = nlp(text)
    assert doc._.addressees == mentioned
    assert doc._.bound == bound
    for a in doc._.addressee_spans:
        assert doc.text[a["start"]:a["end"]] == a["text"]


def test_bound_follows_the_strongest_modality(nlp):
    doc = nlp("Member States may designate a body. Deployers shall inform the natural persons.")
    assert doc._.bound == ["deployers"]
    assert "member-states" in doc._.addressees


def test_annotate_batch_shape():
    known = {"eu-ai-act/art-6/par-1", "eu-ai-act/art-6/par-3", "eu-ai-act/anx-iii"}
    out = annotate(["Providers shall comply with paragraph 3 of this Article and Annex III.", "", "None here."],
                   doc_ids=["eu-ai-act"] * 3, context_ids=["eu-ai-act/art-6/par-1", None, None],
                   known_ids=known)
    assert len(out) == 3
    first = out[0]
    assert set(first) >= {"modality", "modality_span", "sentences", "addressees", "bound", "references"}
    assert first["modality"] == "obligation" and first["bound"] == ["providers"]
    assert [r["target_id"] for r in first["references"]] == ["eu-ai-act/art-6/par-3", "eu-ai-act/anx-iii"]
    assert out[1]["modality"] == "none" and out[1]["sentences"] == [] and out[1]["modality_span"] is None
    with pytest.raises(ValueError):
        annotate(["a"], doc_ids=[], context_ids=[], known_ids=set())


# ---- real corpus (mirror) -------------------------------------------------------------

def _labels(provisions, keep=lambda p: True):
    provs = [p for p in provisions if p.text and keep(p)]
    out = annotate([p.text for p in provs], doc_ids=[p.doc_id for p in provs],
                   context_ids=[p.id for p in provs], known_ids={p.id for p in provisions})
    return Counter(a["modality"] for a in out)


def _top(counter):
    """The most frequent label other than none."""
    return max((k for k in counter if k != "none"), key=counter.__getitem__)


def test_ai_act_articles_are_mostly_obligations(parsed):
    c = _labels(parsed("eu-ai-act").provisions, lambda p: "/art-" in p.id)
    assert _top(c) == "obligation" and c["obligation"] > 300
    assert c["prohibition"] > 10


def test_g7_code_is_mostly_recommendation(parsed):
    c = _labels(parsed("g7-hiroshima-code").provisions)
    assert _top(c) == "recommendation"
    assert c["obligation"] <= 2


def test_un_resolution_operative_paragraphs_are_commitments(parsed):
    c = _labels(parsed("un-a-res-78-265").provisions, lambda p: p.kind == "operative-paragraph")
    assert _top(c) == "commitment" and c["commitment"] >= 8


def test_executive_order_sections_are_obligations(parsed):
    provs = [p for d in ("us-eo-14179", "us-eo-14319", "us-eo-14320") for p in parsed(d).provisions]
    c = _labels(provs, lambda p: p.kind in ("section", "subsection"))
    assert _top(c) == "obligation"


def test_an_article_without_words_inherits_its_strongest_part():
    from nlp.pipeline import inherit_modality
    ids = ["a/art-5", "a/art-5/par-1", "a/art-5/par-2", "a/art-6", "a/art-7", "a/art-7/par-1"]
    span = {"text": "shall not", "start": 10, "end": 19}
    ann = {i: {"modality": "none", "modality_span": None, "sentences": []} for i in ids}
    ann["a/art-5/par-1"] |= {"modality": "obligation", "modality_span": {"text": "shall", "start": 4, "end": 9}}
    ann["a/art-5/par-2"] |= {"modality": "prohibition", "modality_span": span}
    ann["a/art-6"] |= {"modality": "permission", "modality_span": {"text": "may", "start": 0, "end": 3}}
    parts = [[1, 2], [], [], [], [5], []]
    inherit_modality(ids, ann, parts, own_words=[False, True, True, True, False, True])
    assert ann["a/art-5"]["modality"] == "prohibition"             # the strongest of its parts
    assert ann["a/art-5"]["modality_span"] == {**span, "provision_id": "a/art-5/par-2"}
    assert ann["a/art-6"]["modality"] == "permission"               # has words: keeps its own
    assert ann["a/art-7"]["modality"] == "none" and ann["a/art-7"]["modality_span"] is None  # nothing to inherit

