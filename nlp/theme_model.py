"""The supervised theme model: per theme, two logistic regressions trained on the reviewed
theme tags (``nlp/data/reviews/themes/``), their probabilities averaged and blended with the
prototype formula's score, and a threshold per theme chosen on held-out instruments.

Inputs of a text (all computed without labels, the same for a corpus provision and for any text
given to ``govkb classify``):

- *dense*: the prototype classifier's evidence (``ThemeClassifier.features``): each theme's
  standardised similarity and capped seed-phrase hits, for the text itself and the maximum /
  distinct phrases over its parts (an article's paragraphs; zeros for a text without parts);
  whether it holds a passage that is evidence for no theme (savings clause, a cited act's
  title), whether it has parts, its length (log words); and a projection (PCA, fitted on the
  reviewed provisions) of its embedding and of its parts' mean embedding;
- *words*: TF-IDF of its words and word pairs (English stop words dropped), its parts' included.

Both read the text without the passages that are evidence for no theme (savings clauses,
cited acts' titles): "without prejudice to Regulation (EU) 2016/679 ... on the protection of
personal data" does not make a provision about privacy.

The final score of a theme blends the mean of the two regressions with the prototype
formula's own score (``nlp/themes.py``, not fitted to the reviews) by a weight chosen, like
the thresholds, the strength of the dense regressions' regularisation and the number of
principal components of the embeddings they read, on four folds by instrument: the formula
carries the taxonomy's wording to texts unlike the reviewed ones. No kind or instrument type:
the model must carry to texts it knows nothing about. Each theme's regressions are fitted
with balanced class weights, so a score is a score to threshold, not a frequency; the
thresholds are the best F1 over the folds.
``scripts/train_themes.py`` measures this fitting leave one instrument out and (``--write``)
fits the model on all reviewed tags into ``nlp/data/theme_model.json``.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from nlp.themes import THEME_IDS

MODEL_PATH = Path(__file__).parent / "data" / "theme_model.json"
# Each theme-reviewed provision's tags from the model fitted without its instrument
# (scripts/train_themes.py --write): what the link model trains on in place of the reviewers' tags.
HELD_OUT_TAGS = MODEL_PATH.parent / "theme_held_out_tags.json"
# The principal components of the embeddings that the dense regressions read, and their inverse
# regularisation, are chosen together on the folds from these grids (their 179 to 307 correlated
# inputs overfit ~2,000 examples when weakly regularised); a model fitted without instruments
# to fold by takes COMPONENTS and C_DENSE. The grids hold what the folds chose: held out one
# instrument at a time, 34 fits chose 64 components 22 times and 128 12 times, C = 0.003 to
# 0.03, never 32 components nor C = 0.1, which were in the grid when it was measured.
COMPONENTS = 64
COMPONENTS_GRID = (64, 128)
C_DENSE_GRID = (0.003, 0.01, 0.03)
C_DENSE = 0.01
C_WORDS = 3.0
PROTOTYPE_WEIGHTS = (0.0, 0.25, 0.5, 0.75)
MIN_DF = 3               # a word or pair in fewer reviewed texts than this is not read
THRESHOLDS = np.linspace(0.05, 0.95, 37)
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def terms(text: str) -> list[str]:
    """The words (two letters or more, lower case, English stop words dropped) and the pairs of
    adjacent kept words of ``text``: what the words model counts."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


@dataclass
class ThemeInputs:
    """What the model reads of ``n`` texts (see the module docstring)."""
    dense: np.ndarray       # (n, 51): z, hits, parts' z, parts' hits, 3 flags
    vectors: np.ndarray     # (n, d): the texts' embeddings
    parts: np.ndarray       # (n, d): their parts' mean embedding (zeros without parts)
    texts: list[str]        # the words read (the text's and its parts')
    prototype: np.ndarray   # (n, 12): the prototype formula's scores (text with its parts)

    def take(self, rows) -> "ThemeInputs":
        """The inputs of the rows ``rows`` only."""
        return ThemeInputs(self.dense[rows], self.vectors[rows], self.parts[rows], [self.texts[i] for i in rows],
                           self.prototype[rows])


def inputs(clf, texts: list[str], parts: list[list[int]] | None = None) -> ThemeInputs:
    """The model's inputs for ``texts``, read by the prototype classifier ``clf`` (and its
    embedder); ``parts``: for each text, the indexes of the texts that are its parts (as for
    ``ThemeClassifier.features``). Everything is read without the passages that are evidence
    for no theme (``clf.evidence_text``); the words of a text with parts are its own and all
    of theirs (its own embedding text stops at the model's window)."""
    parts = parts or [[] for _ in texts]
    evidence = [clf.evidence_text(t) for t in texts]
    vectors = clf.embedder.encode(evidence)
    (z, hits), whole = clf.own_and_whole_features(texts, parts)
    pz, ph, pv = np.zeros_like(z), np.zeros_like(hits), np.zeros_like(vectors)
    cap = float(clf.calibration["weights"]["rule_cap"])
    for i, idx in enumerate(parts):
        if idx:
            pz[i], ph[i], pv[i] = z[idx].max(0), np.minimum(hits[idx].sum(0), cap + 1), vectors[idx].mean(0)
    flags = np.array([[any(rx.search(t) for rx in clf.not_evidence), bool(idx), math.log1p(len(t.split()))]
                      for t, idx in zip(texts, parts)], dtype=np.float32).reshape(len(texts), 3)
    words = [" ".join([evidence[i], *(evidence[j] for j in idx)]) for i, idx in enumerate(parts)]
    return ThemeInputs(np.hstack([z, hits, pz, ph, flags]), np.asarray(vectors), pv, words,
                       clf.scores_from_features(*whole))


class ThemeModel:
    """Fitted weights of both regressions of every theme, and the thresholds."""

    def __init__(self, data: dict):
        if data.get("themes") != list(THEME_IDS):
            raise ValueError("theme model: its themes are not this code's; retrain with scripts/train_themes.py")
        self.data = data
        self.pca_mean = np.array(data["pca_mean"], dtype=np.float32)
        self.pca = np.array(data["pca_components"], dtype=np.float32)
        self.mean = np.array(data["dense_mean"], dtype=np.float64)
        self.sd = np.array(data["dense_sd"], dtype=np.float64)
        self.coef_dense = np.array(data["coef_dense"], dtype=np.float64)
        self.b_dense = np.array(data["intercept_dense"], dtype=np.float64)
        self.vocab = {t: i for i, t in enumerate(data["vocabulary"])}
        self.idf = np.array(data["idf"], dtype=np.float64)
        self.coef_words = np.array(data["coef_words"], dtype=np.float64)
        self.b_words = np.array(data["intercept_words"], dtype=np.float64)
        self.thresholds = np.array([data["thresholds"][t] for t in THEME_IDS], dtype=np.float64)
        self.prototype_weight = float(data.get("prototype_weight", 0.0))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "ThemeModel":
        """The shipped model (or the one at ``path``)."""
        path = Path(path) if path else MODEL_PATH
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ValueError(f"{path}: no theme model; train one with scripts/train_themes.py") from None
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise ValueError(f"{path}: not a theme model ({type(e).__name__}: {e}); retrain with "
                             "scripts/train_themes.py --write") from None

    # -- fitting --------------------------------------------------------------------------------
    @classmethod
    def fit(cls, X: ThemeInputs, Y: np.ndarray, groups: np.ndarray | None = None, folds: int = 4,
            c_dense: float = C_DENSE, components: int = COMPONENTS) -> "ThemeModel":
        """Fit both regressions of every theme on ``X`` with labels ``Y`` (n, 12). With ``groups``
        (the instrument of each row), the predictions of ``folds`` models each fitted without a
        fold of instruments choose the dense regressions' regularisation (``C_DENSE_GRID``) and
        the number of embedding components they read (``COMPONENTS_GRID``), the weight of the
        prototype formula's score in the final score (``PROTOTYPE_WEIGHTS``), together by best
        macro-F1, and each theme's threshold (best F1); without, the dense regressions use
        ``c_dense`` and ``components``, the weight is 0 and the thresholds 0.5."""
        if groups is None:
            return _untuned(_fit_weights(X, Y, ((components, c_dense),))[components, c_dense])

        def tuned(held: np.ndarray, w: float) -> tuple[float, list[float]]:
            score = (1 - w) * held + w * X.prototype
            th = [best_threshold(Y[:, k], score[:, k]) for k in range(Y.shape[1])]
            return float(np.mean([f1(Y[:, k], score[:, k] >= th[k]) for k in range(Y.shape[1])])), th

        grid = tuple((k, c) for k in COMPONENTS_GRID for c in C_DENSE_GRID)
        results = {}
        for kc, held in zip(grid, held_out_probabilities(X, Y, groups, folds, grid)):
            results |= {(*kc, w): tuned(held, w) for w in PROTOTYPE_WEIGHTS}
        best = max(results, key=lambda kcw: results[kcw][0])    # the first of equals: the fewest, strongest
        return cls(_fit_weights(X, Y, (best[:2],))[best[:2]] | {
            "prototype_weight": float(best[2]), "thresholds": {t: float(v) for t, v in zip(THEME_IDS, results[best][1])}})

    # -- scoring --------------------------------------------------------------------------------
    def word_matrix(self, texts: list[str]):
        """TF-IDF rows (sublinear counts x idf, unit length) over the model's vocabulary, sparse."""
        from scipy.sparse import csr_matrix
        data, cols, indptr = [], [], [0]
        for t in texts:
            counts = Counter(x for x in terms(t) if x in self.vocab)
            j = np.array([self.vocab[x] for x in counts], dtype=np.int64)
            w = np.array([1.0 + math.log(c) for c in counts.values()]) * self.idf[j] if len(j) else np.zeros(0)
            norm = float(np.linalg.norm(w))
            data.append(w / norm if norm else w)
            cols.append(j)
            indptr.append(indptr[-1] + len(j))
        return csr_matrix((np.concatenate(data) if data else np.zeros(0), np.concatenate(cols) if cols else
                           np.zeros(0, dtype=np.int64), indptr), shape=(len(texts), len(self.vocab)))

    def dense_matrix(self, X: ThemeInputs) -> np.ndarray:
        """The standardised dense block: the inputs' evidence and the projected embeddings."""
        return (_project(X, self.pca_mean, self.pca) - self.mean) / self.sd

    def probabilities(self, X: ThemeInputs) -> np.ndarray:
        """(n, 12) scores in 0..1: the mean of both regressions' probabilities, blended with
        the prototype formula's score by the fitted ``prototype_weight``."""
        dense = _sigmoid(self.dense_matrix(X) @ self.coef_dense.T + self.b_dense)
        words = _sigmoid(self.word_matrix(X.texts) @ self.coef_words.T + self.b_words)
        w = self.prototype_weight
        return (1 - w) * (dense + words) / 2 + w * X.prototype

    def themes(self, scores: dict[str, float]) -> list[str]:
        """Theme ids whose score reaches the theme's threshold, best first."""
        return sorted((t for k, t in enumerate(THEME_IDS) if scores.get(t, 0.0) >= self.thresholds[k]),
                      key=lambda t: -scores[t])


def _project(X: ThemeInputs, pca_mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """The dense evidence beside the projected embeddings; a text without parts has a zero
    parts-embedding, projected as zeros (not as minus the mean)."""
    parts = (X.parts - pca_mean) @ components.T
    parts[X.dense[:, -2] == 0] = 0.0
    return np.hstack([X.dense, (X.vectors - pca_mean) @ components.T, parts])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0)))


def f1(y: np.ndarray, p: np.ndarray) -> float:
    """F1 of binary predictions ``p`` against labels ``y``."""
    y, p = np.asarray(y, dtype=bool), np.asarray(p, dtype=bool)
    tp, fp, fn = int((y & p).sum()), int((~y & p).sum()), int((y & ~p).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def best_threshold(y: np.ndarray, prob: np.ndarray) -> float:
    """The grid threshold with the best F1 (the lowest of equals)."""
    return float(max(THRESHOLDS, key=lambda t: f1(y, prob >= t)))


def held_out_probabilities(X: ThemeInputs, Y: np.ndarray, groups: np.ndarray, folds: int = 4,
                           grid: tuple[tuple[int, float], ...] = ((COMPONENTS, C_DENSE),)) -> list[np.ndarray]:
    """For each (components, C) of ``grid``, the scores of every row from a model fitted
    without its fold (folds of whole instruments, shuffled with a fixed seed)."""
    out = [np.zeros(Y.shape) for _ in grid]
    names = np.unique(groups)
    np.random.RandomState(0).shuffle(names)
    for fold in np.array_split(names, folds):
        test = np.isin(groups, fold)
        tr, te = np.flatnonzero(~test), np.flatnonzero(test)
        fitted = _fit_weights(X.take(tr), Y[tr], grid)          # the words regressions fitted once
        for held, kc in zip(out, grid):
            held[te] = _untuned(fitted[kc]).probabilities(X.take(te))
    return out


def _untuned(weights: dict) -> ThemeModel:
    """A model of fitted ``weights`` alone: no prototype formula in its score, thresholds 0.5."""
    return ThemeModel(weights | {"prototype_weight": 0.0, "thresholds": dict.fromkeys(THEME_IDS, 0.5)})


def _fit_weights(X: ThemeInputs, Y: np.ndarray, grid: tuple[tuple[int, float], ...]) -> dict[tuple, dict]:
    """Both regressions of every theme on all of ``X`` (scikit-learn; the fitted numbers are
    kept, so scoring needs only numpy): for each (components, C) of ``grid``, a model's data
    with the dense regressions reading that many principal components of the embeddings and
    fitted at that strength, all sharing the same words regressions (and one PCA: the first k
    components of the largest are the k-component PCA)."""
    from sklearn.decomposition import PCA
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    seen = np.vstack([X.vectors, X.parts[X.dense[:, -2] > 0]])
    pca = PCA(min(max(k for k, _ in grid), *seen.shape), random_state=0).fit(seen)
    proj = _project(X, pca.mean_, pca.components_)
    mean, sd = proj.mean(0), proj.std(0) + 1e-6
    F = (proj - mean) / sd
    n, m = X.dense.shape[1], pca.n_components_
    cols = {k: np.r_[0:n + min(k, m), n + m:n + m + min(k, m)] for k, _ in grid}
    words = TfidfVectorizer(analyzer=terms, min_df=MIN_DF, sublinear_tf=True)
    W = words.fit_transform(X.texts)
    vocab = sorted(words.vocabulary_, key=words.vocabulary_.get)
    coef_d, b_d = {kc: [] for kc in grid}, {kc: [] for kc in grid}
    coef_w, b_w = [], []
    for k in range(Y.shape[1]):
        y = Y[:, k]
        if y.min() == y.max():          # no positive (or no negative) example: never (always) assigned
            b = -30.0 if y.max() == 0 else 30.0
            coef_w.append(np.zeros(W.shape[1])), b_w.append(b)
            for comps, c in grid:
                coef_d[comps, c].append(np.zeros(len(cols[comps]))), b_d[comps, c].append(b)
            continue
        w = LogisticRegression(C=C_WORDS, solver="liblinear", class_weight="balanced").fit(W, y)
        coef_w.append(w.coef_[0]), b_w.append(float(w.intercept_[0]))
        for comps, c in grid:      # (the loop over themes is k)
            d = LogisticRegression(C=c, max_iter=500, class_weight="balanced").fit(F[:, cols[comps]], y)
            coef_d[comps, c].append(d.coef_[0]), b_d[comps, c].append(float(d.intercept_[0]))
    shared = {"themes": list(THEME_IDS), "pca_mean": pca.mean_.tolist(), "vocabulary": vocab,
              "idf": words.idf_.tolist(), "coef_words": np.array(coef_w).tolist(), "intercept_words": b_w}
    return {(k, c): shared | {"components": min(k, m), "pca_components": pca.components_[:k].tolist(),
                              "dense_mean": mean[cols[k]].tolist(), "dense_sd": sd[cols[k]].tolist(),
                              "c_dense": c, "coef_dense": np.array(coef_d[k, c]).tolist(), "intercept_dense": b_d[k, c]}
            for k, c in grid}
