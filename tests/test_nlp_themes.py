"""Theme taxonomy, phrase rules, calibration file and the classifier on hand-written sentences."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from nlp.themes import (CALIBRATION_PATH, TAXONOMY_PATH, THEME_IDS, TaxonomyError, ThemeClassifier,
                        chunk_text, load_calibration, load_neutral_phrases, load_taxonomy, theme_text)


def _raw():
    return yaml.safe_load(TAXONOMY_PATH.read_text(encoding="utf-8"))


def _write(tmp_path: Path, doc) -> Path:
    p = tmp_path / "themes.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return p


# -- taxonomy ------------------------------------------------------------------------------------
def test_taxonomy_has_exactly_the_twelve_themes_with_every_field():
    themes = load_taxonomy()
    assert [t.id for t in themes] == list(THEME_IDS)
    for t in themes:
        assert t.label and t.scope and t.includes and t.excludes
        assert len(t.seed_phrases) >= 5 and len(t.exemplars) >= 3
    acc = {t.id: t for t in themes}["accountability"]
    assert [s.id for s in acc.subthemes] == ["ip"]
    assert "copyright" in [p for p, _ in acc.phrases()]


def test_taxonomy_missing_theme_rejected(tmp_path):
    doc = _raw()
    doc["themes"] = [t for t in doc["themes"] if t["id"] != "trade"]
    with pytest.raises(TaxonomyError, match=r"exactly the twelve.*missing: \['trade'\]"):
        load_taxonomy(_write(tmp_path, doc))


def test_taxonomy_unknown_theme_rejected(tmp_path):
    doc = _raw()
    doc["themes"][0] = dict(doc["themes"][0], id="ethics")
    with pytest.raises(TaxonomyError, match=r"unknown: \['ethics'\]"):
        load_taxonomy(_write(tmp_path, doc))


def test_taxonomy_missing_field_rejected(tmp_path):
    doc = _raw()
    del doc["themes"][3]["excludes"]
    with pytest.raises(TaxonomyError, match=r"theme #4: missing or empty field\(s\): excludes"):
        load_taxonomy(_write(tmp_path, doc))


def test_taxonomy_duplicate_seed_phrase_rejected(tmp_path):
    doc = _raw()
    doc["themes"][1]["seed_phrases"].append("Personal  Data")   # already under privacy
    with pytest.raises(TaxonomyError, match=r"'Personal  Data' appears under both privacy and transparency"):
        load_taxonomy(_write(tmp_path, doc))


def test_taxonomy_neutral_phrases_validated(tmp_path):
    doc = _raw()
    assert "Homeland Security" in load_neutral_phrases()
    doc["neutral_phrases"] = ["privacy"]          # also a seed phrase of privacy
    with pytest.raises(TaxonomyError, match="neutral phrase 'privacy' is also a seed phrase of privacy"):
        load_taxonomy(_write(tmp_path, doc))
    doc["neutral_phrases"] = "Homeland Security"  # not a list
    with pytest.raises(TaxonomyError, match="must be a list"):
        load_taxonomy(_write(tmp_path, doc))


def test_taxonomy_not_yaml_rejected(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("themes: [unclosed", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        load_taxonomy(p)


# -- calibration and helpers ---------------------------------------------------------------------
def test_calibration_file_has_all_thresholds_weights_and_provenance():
    cal = load_calibration()
    assert set(cal["thresholds"]) == set(THEME_IDS)
    assert all(0 < v < 1 for v in cal["thresholds"].values())
    assert cal["weights"]["w_sim"] > 0 and cal["weights"]["w_rule"] > 0
    assert set(cal["background"]) == set(THEME_IDS)
    assert {"set", "date", "held_out"} <= set(cal["fitted"])


def test_calibration_without_a_threshold_rejected(tmp_path):
    cal = json.loads(CALIBRATION_PATH.read_text())
    del cal["thresholds"]["society"]
    p = tmp_path / "cal.json"
    p.write_text(json.dumps(cal))
    with pytest.raises(ValueError, match="society"):
        load_calibration(p)


def test_chunking_keeps_short_text_and_splits_long_text_at_sentences():
    assert chunk_text("One short sentence.") == ["One short sentence."]
    long = " ".join(f"Sentence number {i} says a few more words here." for i in range(60))
    chunks = chunk_text(long, max_words=100)
    assert len(chunks) > 1 and all(len(c.split()) <= 100 for c in chunks)
    assert all(c.startswith("Sentence number") and c.endswith("here.") for c in chunks)
    assert " ".join(chunks).split() == long.split()


def test_theme_text_joins_heading_and_text():
    assert theme_text("Transparency obligations", "Providers shall inform.") == \
        "Transparency obligations\nProviders shall inform."
    assert theme_text("", "Only text.") == "Only text." and theme_text(None, None) == ""


# -- classifier (real model) ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def clf(tmp_path_factory):
    from nlp.embed import Embedder
    return ThemeClassifier(Embedder(cache=tmp_path_factory.mktemp("themes") / "vectors.sqlite"))


CASES = [
    ("privacy", "Controllers may process the personal data of a data subject only with that person's consent."),
    ("content", "Images produced by a generative model shall carry an invisible watermark identifying them as synthetic."),
    ("trade", "The Department shall tighten export controls so that foreign adversaries cannot obtain advanced chips."),
    ("innovation", "Each Member State shall set up at least one regulatory sandbox where start-ups can try out new AI systems."),
    ("oversight", "A natural person must be able to override the system's output or halt it at any moment."),
    ("fairness", "Training data shall be examined for biases that lead to discrimination against protected groups."),
]
# Discrimination in hiring is fairness (equal treatment) and society (work and workers) by the
# taxonomy's scope notes: both must lead the others.
RECRUITMENT = "Recruitment software must not treat applicants less favourably because of their ethnic origin or sex."


@pytest.mark.model
def test_classifier_scores_the_expected_theme_highest(clf):
    scores = clf.scores([text for _, text in CASES])
    for (expected, text), s in zip(CASES, scores):
        assert set(s) == set(THEME_IDS) and all(0.0 <= v <= 1.0 for v in s.values())
        assert max(s, key=s.get) == expected, (text, s)
        # thresholds are per theme (the best F1 over whole instruments): a one-sentence text may
        # sit just under one (the override sentence: oversight 0.52 against 0.53, rights assigned)
        th = clf.model.thresholds[THEME_IDS.index(expected)]
        assert expected in clf.themes(s) or s[expected] >= th - 0.05, (text, s)
    s = clf.scores([RECRUITMENT])[0]
    assert set(sorted(s, key=s.get)[-2:]) == {"fairness", "society"}, s


@pytest.mark.model
def test_classifier_assigns_no_theme_to_boilerplate(clf):
    texts = ["This Regulation shall enter into force on the twentieth day following its publication.",
             "The meeting will be held in Geneva on a Tuesday afternoon.",
             "Paragraphs 2 and 3 are renumbered as paragraphs 4 and 5."]
    for text, s in zip(texts, clf.scores(texts)):
        assert clf.themes(s) == [], (text, s)


@pytest.mark.model
def test_themes_are_ordered_and_thresholded_per_theme(clf):
    s = {t: 0.0 for t in THEME_IDS} | {"privacy": 0.99, "safety": 0.97, "content": 0.95,
                                      "fairness": 0.93, "trade": 0.91, "society": 0.01}
    assert clf.themes(s) == ["privacy", "safety", "content", "fairness", "trade"]
    th = dict(zip(THEME_IDS, clf.model.thresholds))
    assert clf.themes({t: th[t] for t in THEME_IDS}) != [] and clf.themes({t: th[t] - 1e-3 for t in THEME_IDS}) == []


@pytest.mark.model
def test_the_prototype_formula_caps_its_themes(clf):
    proto = ThemeClassifier(clf.embedder, model=False)
    s = {t: 0.0 for t in THEME_IDS} | {"privacy": 0.99, "safety": 0.97, "content": 0.95,
                                      "fairness": 0.93, "trade": 0.91, "society": 0.01}
    assert proto.themes(s) == ["privacy", "safety", "content", "fairness"]


@pytest.mark.model
def test_long_text_is_scored_over_all_its_chunks(clf):
    filler = " ".join("The committee met and adopted its agenda for the session." for _ in range(40))
    tail = "Providers shall label deepfake videos and audio as artificially generated content."
    s = clf.scores([filler + " " + tail])[0]
    assert "content" in clf.themes(s), s


@pytest.mark.model
def test_explain_returns_matched_seed_phrases(clf):
    ev = clf.explain("Deployers shall label deepfakes, respect privacy and keep a human in the loop; "
                     "fine-tuning is allowed.")
    assert ev["content"] == ["deepfake"]
    assert ev["privacy"] == ["privacy"]
    assert ev["oversight"] == ["human in the loop"]
    assert "accountability" not in ev            # 'fine-tuning' is not the penalty 'fine'
    ev2 = clf.explain("Infringements are subject to a fine and respect human dignity.")
    assert ev2["accountability"] == ["fine"]
    assert ev2["rights"] == ["human dignity"]     # the longer phrase, not also 'dignity'


AMBIGUOUS = [   # (theme, a sentence where the word means something else, one where it is evidence, phrase)
    ("fairness", "The provider or its authorised representative shall register the system; workers' "
                 "representatives shall be informed.",
     "Training data sets shall be sufficiently representative of the persons concerned.",
     "sufficiently representative"),
    ("innovation", "Member States shall notify the Commission within 30 days of the adoption of those rules.",
     "Agencies shall remove barriers to AI adoption.", "AI adoption"),
    ("society", "The model is evaluated in a secure testing environment before release.",
     "Providers shall report the impact of training on the environment.", "the environment"),
    ("oversight", "Operators of high-risk AI systems shall cooperate with the authorities.",
     "A human operator shall be able to stop the system.", "human operator"),
    # a longer phrase of another theme wins where they overlap
    ("privacy", "The market surveillance authority shall inform the Commission.",
     "Mass surveillance of people in public spaces is prohibited.", "surveillance"),
    # a neutral phrase masks the seed phrase inside it; 'national security' is trade's
    ("safety", "The Secretary of Homeland Security shall report on national security.",
     "Providers shall ensure the security of model weights.", "security"),
]


@pytest.mark.model
@pytest.mark.parametrize("theme,other,evidence,phrase", AMBIGUOUS, ids=[a[0] for a in AMBIGUOUS])
def test_a_word_that_means_something_else_is_not_evidence(clf, theme, other, evidence, phrase):
    # seed phrases are chosen for precision on the corpus: "authorised representative" is a role in
    # EU law, "adoption" mostly that of an act, "environment" often a runtime or testing one
    assert theme not in clf.explain(other)
    assert clf.explain(evidence)[theme] == [phrase]


# Savings clauses and the titles of cited acts are not evidence (written for these tests; the
# shape is the EU drafting style: "shall be without prejudice to Regulation (EU) ... on ...").
SAVINGS = ("This Regulation shall be without prejudice to Regulation (EU) 2099/1 of the European Parliament "
           "and of the Council of 1 January 2099 on the protection of natural persons with regard to the "
           "processing of personal data and on the free movement of such data (Invented Data Regulation).")
WITH_DUTY = "Without prejudice to Article 5, providers shall delete the personal data of users after thirty days."


@pytest.mark.model
def test_a_savings_clause_or_a_cited_acts_title_is_not_evidence(clf):
    assert clf.evidence_text(SAVINGS).split() == ["This", "Regulation", "."]
    assert clf.explain(SAVINGS) == {}
    assert "privacy" not in clf.themes(clf.scores([SAVINGS])[0])
    # the duty after the savings clause still counts
    assert clf.evidence_text(WITH_DUTY).strip().startswith(", providers shall delete the personal data")
    assert clf.explain(WITH_DUTY)["privacy"] == ["personal data"]
    assert "privacy" in clf.themes(clf.scores([WITH_DUTY])[0])


def test_not_evidence_patterns_are_validated(tmp_path):
    from nlp.themes import load_not_evidence
    assert load_not_evidence() and all(p.flags & re.IGNORECASE for p in load_not_evidence())
    doc = yaml.safe_load(TAXONOMY_PATH.read_text(encoding="utf-8"))
    doc["not_evidence"] = ["without prejudice to ("]
    path = tmp_path / "themes.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not_evidence pattern 'without prejudice to \\(': missing"):
        load_not_evidence(path)


@pytest.mark.model
def test_overlapping_phrases_count_once_for_the_longest(clf):
    ev = clf.explain("The market surveillance authority and the Secretary of Homeland Security shall "
                     "assess threats to national security.")
    assert ev == {"accountability": ["market surveillance"], "trade": ["national security"]}


@pytest.mark.model
def test_a_container_is_scored_over_all_its_parts(clf):
    # the article's own (cut) text says nothing on privacy; its third paragraph does
    texts = ["Article 9 Obligations of providers",
             "Providers shall keep the technical documentation up to date.",
             "Providers shall register the system before placing it on the market.",
             "Personal data processed by the system shall be minimised and erased after use; "
             "data subjects may object to the processing of their personal data."]
    alone = clf.scores(texts)
    whole = clf.scores(texts, parts=[[1, 2, 3], [], [], []])
    assert "privacy" not in clf.themes(alone[0]) and "privacy" in clf.themes(alone[3])
    assert whole[0]["privacy"] > alone[0]["privacy"] + 0.3        # its parts' evidence and words count
    assert whole[1:] == alone[1:]                                 # parts themselves are unchanged
    proto = ThemeClassifier(clf.embedder, model=False)            # the prototype formula: max over parts
    alone, whole = proto.scores(texts), proto.scores(texts, parts=[[1, 2, 3], [], [], []])
    assert "privacy" not in proto.themes(alone[0]) and "privacy" in proto.themes(whole[0])
    assert whole[0]["privacy"] >= alone[3]["privacy"] - 1e-6
    z, hits = clf.features(texts, parts=[[1, 2, 3], [], [], []])
    assert hits[0, THEME_IDS.index("privacy")] == 2               # distinct phrases of the subtree, capped
