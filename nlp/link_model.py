"""The cross-publisher link model: a logistic regression over evidence the aligner already
computes, trained on the reviewed links (``nlp/data/reviews/links/``) and calibrated on held-out
folds, so that a link shown at 0.8 is a counterpart about 80% of the time: the regression's
log-odds are rescaled (``calibration``: slope and offset, Platt scaling) to fit the verdicts
of pairs scored by regressions that did not see their source provision.

Candidates are the best ``cross.per_family`` units of every other publisher family for a
provision (by ``align.rank_score``); the reviewers judged such lists in full (the first two for
every reviewed source, down to five for a random sample of them, and added the counterparts
they found elsewhere), so the model is trained and measured on the distribution it scores.
``scripts/train_links.py`` fits it and writes ``nlp/data/link_model.json`` (feature means and
spreads, coefficients, the accepted threshold and the held-out figures).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).parent / "data" / "link_model.json"
MODALITIES = ("prohibition", "obligation", "recommendation", "commitment", "permission", "none")
FEATURES = (["similarity", "log_rank_in_target_family", "log_rank_in_source_family", "jaccard",
             "source_contained", "target_contained", "heading_overlap", "theme_jaccard", "shares_theme",
             "same_modality", "addressee_jaccard", "parent_source_similarity", "parent_target_similarity",
             "recital_source_similarity", "recital_target_similarity", "log_length_ratio"]
            + [f"source_{m}" for m in MODALITIES] + [f"target_{m}" for m in MODALITIES])


def _jac(a: set, b: set) -> float:
    return len(a & b) / (len(a | b) or 1)


def pair_features(ev: dict, *, rank_st: int, rank_ts: int, themes_s: set, themes_t: set, modality_s: str,
                  modality_t: str, addressees_s: set, addressees_t: set, parent_sim_s: float,
                  parent_sim_t: float, recital_sim_s: float, recital_sim_t: float) -> list[float]:
    """The feature row of one (source, target) pair, in ``FEATURES`` order. ``ev`` is
    ``align.pair_evidence``; ranks are 1-based ranks by similarity among the units of the other
    side's family; a parent similarity is that of the provision's parent to the other side, a
    recital similarity that of the recital that best explains the provision's article (EU acts)
    to the other side (either is the pair's own similarity where there is no such text)."""
    ms = modality_s if modality_s in MODALITIES else "none"
    mt = modality_t if modality_t in MODALITIES else "none"
    return ([ev["similarity"], math.log(rank_st), math.log(rank_ts), ev["jaccard"], ev["source_contained"],
             ev["target_contained"], ev["heading_overlap"], _jac(themes_s, themes_t), float(bool(themes_s & themes_t)),
             float(ms == mt), _jac(addressees_s, addressees_t), parent_sim_s, parent_sim_t, recital_sim_s,
             recital_sim_t, math.log(max(ev["length_ratio"], 1e-6))]
            + [float(ms == m) for m in MODALITIES] + [float(mt == m) for m in MODALITIES])


class LinkModel:
    """Standardise, weigh, logistic: P(the candidate is a counterpart)."""

    def __init__(self, data: dict):
        if data.get("features") != FEATURES:
            raise ValueError("link model: its features are not this code's; retrain with scripts/train_links.py")
        self.data = data
        self.mean = np.array(data["mean"], dtype=np.float64)
        self.sd = np.array(data["sd"], dtype=np.float64)
        self.coef = np.array(data["coef"], dtype=np.float64)
        self.intercept = float(data["intercept"])
        cal = data.get("calibration") or {"slope": 1.0, "offset": 0.0}
        self.slope, self.offset = float(cal["slope"]), float(cal["offset"])
        self.accept = float(data["accept"])
        self.keep = float(data["keep"])

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> "LinkModel | None":
        """The trained model, or None when none has been trained (the aligner then keeps its
        similarity ranking for every pair)."""
        path = Path(path)
        return cls(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """P(counterpart) for feature rows (n, len(FEATURES)), calibrated."""
        z = ((np.asarray(rows, dtype=np.float64) - self.mean) / self.sd) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-(self.slope * z + self.offset)))
