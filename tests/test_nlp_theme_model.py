"""The supervised theme model: its words, its fitting and scoring, and the shipped model file."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nlp.theme_model import C_DENSE_GRID, COMPONENTS_GRID, MODEL_PATH, THEME_IDS, ThemeInputs, ThemeModel, best_threshold, f1, terms


def test_terms_are_kept_words_and_their_adjacent_pairs():
    assert terms("The providers shall label all deep-fakes.") == [
        "providers", "shall", "label", "deep", "fakes",
        "providers shall", "shall label", "label deep", "deep fakes"]
    assert terms("a I") == []          # one-letter words and stop words are not read


def test_word_matrix_is_scikit_learns_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer
    texts = ["Personal data shall be erased.", "Providers shall label synthetic content; synthetic content "
             "is labelled.", "Member States shall cooperate on export controls.", "Personal data of data subjects."]
    vec = TfidfVectorizer(analyzer=terms, min_df=1, sublinear_tf=True).fit(texts)
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
    model = ThemeModel(_weights(vocab, vec.idf_.tolist()))
    probe = texts + ["Nothing here is known.", "synthetic synthetic synthetic data"]
    assert np.allclose(model.word_matrix(probe).toarray(), vec.transform(probe).toarray())
    assert model.word_matrix(["Nothing here is known."]).nnz == 0


def _weights(vocab, idf, dense=51, components=2, dim=4):
    return {"themes": list(THEME_IDS), "pca_mean": [0.0] * dim, "pca_components": np.eye(components, dim).tolist(),
            "dense_mean": [0.0] * (dense + 2 * components), "dense_sd": [1.0] * (dense + 2 * components),
            "coef_dense": np.zeros((12, dense + 2 * components)).tolist(), "intercept_dense": [0.0] * 12,
            "vocabulary": vocab, "idf": idf, "coef_words": np.zeros((12, len(vocab))).tolist(),
            "intercept_words": [0.0] * 12, "thresholds": dict.fromkeys(THEME_IDS, 0.5)}


# Hand-written texts for a fit that must separate two themes; every other theme has no example.
PRIVACY = ["Controllers shall erase personal data on request.", "Personal data may be processed only with consent.",
           "Data subjects may object to profiling based on their personal data.",
           "The processor shall protect personal data against unauthorised access.",
           "Health data are a special category of personal data.", "Personal data shall be minimised."]
TRADE = ["Export controls shall cover advanced chips.", "The Department shall restrict exports of model weights.",
         "Tariffs on semiconductors shall be reviewed.", "Foreign adversaries shall not obtain export-controlled chips.",
         "Trade partners shall align their export controls.", "Exports of chips require a licence."]


def _toy(texts, rng):
    """Inputs whose dense block says nothing (constant evidence, embeddings of noise far
    smaller than the words' signal): what is learnt is learnt from the words."""
    n = len(texts)
    vectors = (rng.normal(size=(n, 40)) * 1e-3).astype(np.float32)
    return ThemeInputs(np.zeros((n, 51), np.float32), vectors, np.zeros((n, 40), np.float32), texts,
                       np.zeros((n, 12)))


def test_a_fitted_model_separates_what_it_was_taught_and_survives_its_file(tmp_path):
    rng = np.random.RandomState(0)
    texts = PRIVACY + TRADE
    Y = np.zeros((len(texts), 12), dtype=int)
    Y[: len(PRIVACY), THEME_IDS.index("privacy")] = 1
    Y[len(PRIVACY):, THEME_IDS.index("trade")] = 1
    model = ThemeModel.fit(_toy(texts, rng), Y)
    probe = _toy(["Personal data of data subjects shall be erased.", "Export controls on chips shall be tightened."], rng)
    P = model.probabilities(probe)
    p, t = THEME_IDS.index("privacy"), THEME_IDS.index("trade")
    assert P[0, p] > P[1, p] + 0.1 and P[1, t] > P[0, t] + 0.1
    assert P[:, THEME_IDS.index("safety")].max() < 1e-6          # a theme it never saw is never assigned
    model.thresholds[:] = (P[0] + P[1]) / 2 + 1e-9                  # between the two probes
    assert model.themes(dict(zip(THEME_IDS, P[0]))) == ["privacy"]
    assert model.themes(dict(zip(THEME_IDS, P[1]))) == ["trade"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model.data), encoding="utf-8")
    assert np.allclose(ThemeModel.load(path).probabilities(probe), P)


def test_thresholds_are_the_best_f1_and_a_model_of_other_themes_is_refused(tmp_path):
    y = np.array([1, 1, 0, 0, 1, 0])
    prob = np.array([0.9, 0.7, 0.6, 0.2, 0.65, 0.1])
    th = best_threshold(y, prob)
    assert f1(y, prob >= th) == 1.0 and 0.6 < th <= 0.65
    path = tmp_path / "model.json"
    path.write_text(json.dumps(_weights(["x"], [1.0]) | {"themes": ["privacy"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain with scripts/train_themes.py"):
        ThemeModel.load(path)
    with pytest.raises(ValueError, match="no theme model"):
        ThemeModel.load(tmp_path / "absent.json")
    path.write_text('{"themes": ' + json.dumps(list(THEME_IDS)) + ', "pca_mean": [', encoding="utf-8")
    with pytest.raises(ValueError, match=r"model\.json: not a theme model \(JSONDecodeError.*--write"):
        ThemeModel.load(path)
    path.write_text(json.dumps({"themes": list(THEME_IDS)}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"model\.json: not a theme model \(KeyError: 'pca_mean'\)"):
        ThemeModel.load(path)


def test_the_shipped_model_is_complete_and_says_how_it_was_measured():
    doc = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    model = ThemeModel(doc)
    assert len(model.vocab) == len(model.idf) == model.coef_words.shape[1] > 1000
    assert model.coef_dense.shape == (12, model.mean.shape[0]) and model.pca.shape[1] == 384
    assert all(0.05 <= v <= 0.95 for v in doc["thresholds"].values()) and doc["c_dense"] in C_DENSE_GRID
    # the dense block: the 51 evidence columns and the text's and its parts' projected embeddings
    assert doc["components"] in COMPONENTS_GRID and model.pca.shape[0] == doc["components"]
    assert model.mean.shape[0] == 51 + 2 * doc["components"]
    held = doc["trained"]["held_out"]
    assert held["provisions"] >= 1500 and held["instruments"] >= 30
    assert set(held["loio_f1"]) == set(THEME_IDS) and 0 < held["loio_macro_f1"] < 1


def test_the_weight_of_the_prototype_score_is_chosen_on_held_out_instruments():
    # texts that say nothing the regressions can learn; the prototype formula's score knows the
    # answer: the folds by instrument must give it weight, and the thresholds follow
    rng = np.random.RandomState(1)
    n = 32
    Y = np.zeros((n, 12), dtype=int)
    p = THEME_IDS.index("privacy")
    Y[::2, p] = 1
    X = _toy(["The provision applies."] * n, rng)
    X.prototype[:, p] = 0.2 + 0.6 * Y[:, p] + rng.uniform(-0.05, 0.05, n)
    groups = np.array([f"instrument-{i % 8}" for i in range(n)])
    model = ThemeModel.fit(X, Y, groups)
    assert model.prototype_weight > 0
    assert ((model.probabilities(X)[:, p] >= model.thresholds[p]) == Y[:, p].astype(bool)).all()
    assert ThemeModel.fit(X, Y).prototype_weight == 0.0           # without instruments: regressions alone
    assert model.data["c_dense"] in C_DENSE_GRID                   # the regularisation too, from the grid
    assert model.data["components"] <= min(COMPONENTS_GRID)         # ties go to the fewest components


def test_the_dense_regularisation_is_a_real_knob():
    # the same data fitted at the grid's ends: the stronger regularisation keeps the dense
    # regressions' weights smaller, the words regressions do not change
    rng = np.random.RandomState(2)
    n = 40
    Y = np.zeros((n, 12), dtype=int)
    Y[::2, THEME_IDS.index("safety")] = 1
    X = _toy([f"Provision {i} on testing and robustness." if i % 2 == 0 else f"Provision {i} applies."
              for i in range(n)], rng)
    strong, weak = (ThemeModel.fit(X, Y, c_dense=c) for c in (min(C_DENSE_GRID), max(C_DENSE_GRID)))
    k = THEME_IDS.index("safety")
    assert np.linalg.norm(strong.coef_dense[k]) < 0.5 * np.linalg.norm(weak.coef_dense[k])
    assert np.allclose(strong.coef_words, weak.coef_words)
    assert (strong.data["c_dense"], weak.data["c_dense"]) == (min(C_DENSE_GRID), max(C_DENSE_GRID))


def test_the_number_of_embedding_components_is_a_real_knob(tmp_path):
    # embeddings that carry the label in their second direction of variance: a model reading
    # one component misses it, one reading two finds it; each model's file keeps its own width
    rng = np.random.RandomState(3)
    n = 60
    Y = np.zeros((n, 12), dtype=int)
    k = THEME_IDS.index("oversight")
    Y[::2, k] = 1
    vectors = np.zeros((n, 8), np.float32)
    vectors[:, 0] = rng.normal(0, 3.0, n)                        # loud, says nothing
    vectors[:, 1] = np.where(Y[:, k] == 1, 1.0, -1.0) + rng.normal(0, 0.1, n)
    X = ThemeInputs(np.zeros((n, 51), np.float32), vectors, np.zeros((n, 8), np.float32),
                    ["The provision applies."] * n, np.zeros((n, 12)))
    one, two = (ThemeModel.fit(X, Y, c_dense=1.0, components=c) for c in (1, 2))
    assert (one.data["components"], two.data["components"]) == (1, 2)
    assert one.coef_dense.shape == (12, 53) and two.coef_dense.shape == (12, 55)
    hit = lambda m: ((m.probabilities(X)[:, k] >= 0.5) == Y[:, k].astype(bool)).mean()
    assert hit(two) == 1.0 and hit(one) < 0.8
    path = tmp_path / "model.json"
    path.write_text(json.dumps(two.data), encoding="utf-8")
    assert np.allclose(ThemeModel.load(path).probabilities(X), two.probabilities(X))


def test_held_out_tags_are_scored_per_publisher_family():
    """train_themes prints the held-out figure per publisher family, over the themes with
    enough reviewed tags there: a family where the model finds every tag scores 1, one where
    it finds none 0, and a theme under the minimum is left out of its family's figure."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(
        "train_themes", Path(__file__).parents[1] / "scripts" / "train_themes.py")
    train_themes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train_themes)
    n = 20
    Y = np.zeros((2 * n, 12), dtype=int)
    Y[:10, 0] = Y[n:n + 10, 0] = 1          # privacy: 10 tags in each family
    Y[:2, 1] = 1                             # transparency: 2 tags in "eu", under the minimum of 5
    P = np.zeros_like(Y)
    P[:n] = Y[:n]                            # "eu": every tag found; "un": none
    P[0, 2] = 1                              # a false content tag, on a theme with no tags in "eu"
    data = {"Y": Y, "prototype": np.zeros_like(Y), "families": np.array(["eu"] * n + ["un"] * n),
            "groups": np.array(["eu-a"] * n + ["un-b"] * n)}
    out = train_themes.by_family(data, P, min_tags=5)
    assert out["eu"] == {"provisions": n, "instruments": 1, "themes": ["privacy"], "supervised": 1.0, "prototype": 0.0}
    assert out["un"]["supervised"] == 0.0 and out["un"]["themes"] == ["privacy"]
    assert "eu" not in train_themes.by_family(data, P, min_tags=11)    # no theme has 11 tags there
