"""Multi-label theme classifier: embedding similarity to theme prototypes plus phrase rules,
read by a model trained on the reviewed tags.

The scores and tags come from the supervised model (``nlp/theme_model.py``, trained on the
reviewed theme tags by ``scripts/train_themes.py``); what this module computes is its evidence:
the prototype similarities and seed-phrase hits below. The formula below, fitted to the NIST
AI RMF set, is the prototype classifier: what the model improves on, the scorer when no model
is given (``model=False``), and what ``bench_themes.py --calibrate`` fits.

The twelve themes and their wording live in ``nlp/data/themes.yaml``; the fitted weights and
per-theme thresholds live in ``nlp/data/theme_calibration.json`` (written by
``scripts/bench_themes.py --calibrate``). Nothing about a particular theme is in this code.

Score of theme ``t`` for a text (documented formula, three fitted weights shared by all themes)::

    sim_t  = max cosine between the text and the theme's prototypes
             (label + scope note, each exemplar, each sub-theme's exemplars);
             for a text longer than the model's window, the max over its chunks;
             for a provision read with its subtree (an article), also the max over its parts
    z_t    = (sim_t - mean_t) / sd_t        mean_t, sd_t: sim_t over the corpus provisions
                                             (a background, not labels: it removes the fact that
                                             some theme wordings sit closer to everything)
    hits_t = distinct seed phrases of t found as whole words (capped at ``rule_cap``),
             in the text and its parts
    score_t = logistic(w_sim * z_t + w_rule * hits_t + bias)

Savings clauses and the titles of cited acts (the taxonomy's ``not_evidence``) are blanked
out before both are read: they say what a provision leaves alone, not what it is about.

A theme is assigned when its score reaches its threshold; at most ``max_themes``, best first.
The file has one threshold per theme; the shipped calibration gives them all the same value
(per-theme thresholds fitted on the small development sets did worse held out).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

DATA = Path(__file__).parent / "data"
TAXONOMY_PATH = DATA / "themes.yaml"
CALIBRATION_PATH = DATA / "theme_calibration.json"
THEME_IDS = ("privacy", "transparency", "content", "safety", "fairness", "accountability",
             "oversight", "rights", "innovation", "cooperation", "trade", "society")
_THEME_FIELDS = ("id", "label", "scope", "includes", "excludes", "seed_phrases", "exemplars")
_SUB_FIELDS = ("id", "label", "scope", "seed_phrases", "exemplars")
# The model (all-MiniLM-L6-v2) reads 256 word pieces; ~1.3 pieces per English word, so chunks
# of at most this many words fit in the window with room to spare.
CHUNK_WORDS = 160


class TaxonomyError(ValueError):
    """The taxonomy file is malformed."""


@dataclass(frozen=True)
class SubTheme:
    """A sub-theme: part of its parent's scope."""
    id: str
    label: str
    scope: str
    seed_phrases: tuple[str, ...]
    exemplars: tuple[str, ...]


@dataclass(frozen=True)
class Theme:
    """One of the twelve top-level themes."""
    id: str
    label: str
    scope: str
    includes: tuple[str, ...]
    excludes: tuple[str, ...]
    seed_phrases: tuple[str, ...]
    exemplars: tuple[str, ...]
    subthemes: tuple[SubTheme, ...] = field(default=())

    def prototypes(self) -> list[str]:
        """Texts whose embeddings stand for the theme."""
        out = [f"{self.label}. {self.scope}", *self.exemplars]
        for s in self.subthemes:
            out += [f"{s.label}. {s.scope}", *s.exemplars]
        return out

    def phrases(self) -> list[tuple[str, str]]:
        """(phrase, where) pairs: ``where`` is the theme id or ``theme/subtheme``."""
        out = [(p, self.id) for p in self.seed_phrases]
        for s in self.subthemes:
            out += [(p, f"{self.id}/{s.id}") for p in s.seed_phrases]
        return out


def _fields(entry, names: tuple[str, ...], where: str) -> dict:
    if not isinstance(entry, dict):
        raise TaxonomyError(f"{where}: expected a mapping, got {type(entry).__name__}")
    missing = [n for n in names if n not in entry or entry[n] in (None, "", [])]
    if missing:
        raise TaxonomyError(f"{where}: missing or empty field(s): {', '.join(missing)}")
    for n in names:
        lists = n not in ("id", "label", "scope")
        ok = (isinstance(entry[n], list) and all(isinstance(x, str) and x.strip() for x in entry[n])
              if lists else isinstance(entry[n], str))
        if not ok:
            raise TaxonomyError(f"{where}: field {n!r} must be "
                                f"{'a list of non-empty strings' if lists else 'a string'}")
    return entry


def load_taxonomy(path: str | Path | None = None) -> list[Theme]:
    """Read and validate the taxonomy: exactly the twelve theme ids (in the canonical order
    returned), every field present and non-empty, seed phrases unique across the file."""
    path = Path(path) if path else TAXONOMY_PATH
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("themes"), list):
        raise TaxonomyError(f"{path}: expected a top-level 'themes' list")
    themes: dict[str, Theme] = {}
    seen: dict[str, str] = {}
    for i, raw in enumerate(doc["themes"]):
        e = _fields(raw, _THEME_FIELDS, f"{path}: theme #{i + 1}")
        tid = e["id"]
        if tid in themes:
            raise TaxonomyError(f"{path}: theme id {tid!r} defined twice")
        subs = []
        for j, rs in enumerate(e.get("subthemes") or []):
            s = _fields(rs, _SUB_FIELDS, f"{path}: theme {tid!r} sub-theme #{j + 1}")
            subs.append(SubTheme(s["id"], s["label"], s["scope"].strip(),
                                 tuple(s["seed_phrases"]), tuple(s["exemplars"])))
        theme = Theme(tid, e["label"], e["scope"].strip(), tuple(e["includes"]), tuple(e["excludes"]),
                      tuple(e["seed_phrases"]), tuple(e["exemplars"]), tuple(subs))
        for phrase, where in theme.phrases():
            key = " ".join(phrase.lower().split())
            if key in seen:
                raise TaxonomyError(f"{path}: seed phrase {phrase!r} appears under both "
                                    f"{seen[key]} and {where}")
            seen[key] = where
        themes[tid] = theme
    neutral = doc.get("neutral_phrases") or []
    if not isinstance(neutral, list) or not all(isinstance(x, str) and x.strip() for x in neutral):
        raise TaxonomyError(f"{path}: 'neutral_phrases' must be a list of non-empty strings")
    for phrase in neutral:
        key = " ".join(phrase.lower().split())
        if key in seen:
            raise TaxonomyError(f"{path}: neutral phrase {phrase!r} is also a seed phrase of {seen[key]}")
        seen[key] = "neutral_phrases"
    if set(themes) != set(THEME_IDS):
        missing, extra = set(THEME_IDS) - set(themes), set(themes) - set(THEME_IDS)
        raise TaxonomyError(f"{path}: the taxonomy must define exactly the twelve themes "
                            f"{', '.join(THEME_IDS)}; missing: {sorted(missing) or 'none'}; "
                            f"unknown: {sorted(extra) or 'none'}")
    return [themes[t] for t in THEME_IDS]


def load_neutral_phrases(path: str | Path | None = None) -> tuple[str, ...]:
    """The taxonomy file's ``neutral_phrases`` (validated with the rest of the file): names
    that contain a seed phrase but are evidence for no theme ("Homeland Security")."""
    load_taxonomy(path)
    path = Path(path) if path else TAXONOMY_PATH
    return tuple(yaml.safe_load(path.read_text(encoding="utf-8")).get("neutral_phrases") or ())


def load_not_evidence(path: str | Path | None = None) -> tuple[re.Pattern, ...]:
    """The taxonomy file's ``not_evidence`` patterns, compiled case-insensitive: passages
    (savings clauses, the titles of cited acts) that are evidence for no theme."""
    path = Path(path) if path else TAXONOMY_PATH
    raw = yaml.safe_load(path.read_text(encoding="utf-8")).get("not_evidence") or []
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        raise TaxonomyError(f"{path}: 'not_evidence' must be a list of regular expressions")
    out = []
    for pattern in raw:
        try:
            out.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise TaxonomyError(f"{path}: not_evidence pattern {pattern!r}: {exc}") from None
    return tuple(out)


def _phrase_regex(phrase: str) -> re.Pattern:
    """Whole-word, case-insensitive; spaces and hyphens interchangeable; optional plural s/es.
    A hyphen counts as part of a word, so 'fine' does not match 'fine-tuning'."""
    words = [re.escape(w) for w in re.split(r"[\s\-]+", phrase.strip())]
    return re.compile(r"(?<![\w-])" + r"[\s\-]+".join(words) + r"(?:e?s)?(?![\w-])", re.IGNORECASE)


def load_calibration(path: str | Path | None = None) -> dict:
    """The calibration (weights, thresholds, background) as written by bench_themes.py."""
    path = Path(path) if path else CALIBRATION_PATH
    cal = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = set(THEME_IDS) - set(cal.get("thresholds", {}))
    if missing:
        raise ValueError(f"{path}: no threshold for theme(s) {sorted(missing)}")
    for k in ("w_sim", "w_rule", "bias", "rule_cap"):
        if k not in cal.get("weights", {}):
            raise ValueError(f"{path}: weights lack {k!r}")
    return cal


def chunk_text(text: str, max_words: int = CHUNK_WORDS) -> list[str]:
    """Split a long text at sentence ends into chunks of at most ~``max_words`` words
    (a sentence longer than that is cut by words)."""
    words = text.split()
    if len(words) <= max_words:
        return [text]
    sentences = re.split(r"(?<=[.;:!?])\s+(?=[A-Z(\"“‘\d])", text)
    chunks, cur = [], []
    for sent in sentences:
        sw = sent.split()
        while len(sw) > max_words:          # an over-long sentence: cut it
            if cur:
                chunks.append(" ".join(cur))
                cur = []
            chunks.append(" ".join(sw[:max_words]))
            sw = sw[max_words:]
        if len(cur) + len(sw) > max_words and cur:
            chunks.append(" ".join(cur))
            cur = []
        cur += sw
    if cur:
        chunks.append(" ".join(cur))
    return chunks


def theme_text(heading: str | None, text: str | None) -> str:
    """The text the classifier should see for a provision: its heading, then its own words."""
    heading, text = (heading or "").strip(), (text or "").strip()
    return f"{heading}\n{text}" if heading and text else heading or text


class ThemeClassifier:
    """Scores texts against the twelve themes (see the module docstring for the formula)."""

    def __init__(self, embedder, taxonomy: list[Theme] | str | Path | None = None,
                 calibration: dict | str | Path | None = None, neutral_phrases: tuple[str, ...] | None = None,
                 model=None):
        """``taxonomy`` and ``calibration``: loaded objects or files (default: the shipped ones);
        ``neutral_phrases``: default, those of the taxonomy file (the shipped one when the
        taxonomy is given as a list of themes); ``model``: the supervised theme model that
        scores (a ``ThemeModel`` or its file; default the shipped one; ``False``: the prototype
        formula scores, as when the model's own evidence is computed for training)."""
        self.embedder = embedder
        if model is False:
            self.model = None
        else:
            from nlp.theme_model import ThemeModel
            self.model = model if isinstance(model, ThemeModel) else ThemeModel.load(model)
        self.taxonomy = taxonomy if isinstance(taxonomy, list) else load_taxonomy(taxonomy)
        self.neutral_phrases = (tuple(neutral_phrases) if neutral_phrases is not None
                                else load_neutral_phrases(None if isinstance(taxonomy, list) else taxonomy))
        # Passages read as blank (savings clauses, cited acts' titles): shipped file's unless
        # the taxonomy is another file.
        self.not_evidence = load_not_evidence(None if isinstance(taxonomy, list) else taxonomy)
        self.ids = [t.id for t in self.taxonomy]
        self.calibration = calibration if isinstance(calibration, dict) else load_calibration(calibration)
        self.aggregate = self.calibration.get("similarity", "max")
        # (theme id or None for a neutral phrase, cheap substring key, regex, phrase): the key
        # skips the regex for most phrases
        self._rules = [(tid, re.split(r"[\s\-]+", p.lower())[0], _phrase_regex(p), p)
                       for tid, phrases in [(t.id, [p for p, _ in t.phrases()]) for t in self.taxonomy]
                       + [(None, list(self.neutral_phrases))] for p in phrases]
        protos = [t.prototypes() for t in self.taxonomy]
        vecs = embedder.encode([p for ps in protos for p in ps])
        self._owner = np.repeat(np.arange(len(protos)), [len(ps) for ps in protos])
        self._proto = vecs
        bg = self.calibration.get("background") or {}
        self._mean = np.array([bg.get(t, {}).get("mean", 0.0) for t in self.ids], dtype=np.float32)
        self._sd = np.array([bg.get(t, {}).get("sd", 1.0) for t in self.ids], dtype=np.float32)

    # -- features ----------------------------------------------------------------------------
    def evidence_text(self, text: str) -> str:
        """``text`` with the passages that are evidence for no theme blanked out (the
        taxonomy's ``not_evidence``): what the phrases and the embedding are read on."""
        for rx in self.not_evidence:
            text = rx.sub(" ", text)
        return text

    def similarities(self, texts: list[str]) -> np.ndarray:
        """(n, 12) similarity of each text to each theme: max (or mean-prototype, per the
        calibration's ``similarity``) over prototypes, max over the text's chunks; each text
        read without its ``not_evidence`` passages."""
        chunks, owner = [], []
        for i, t in enumerate(self.evidence_text(t) for t in texts):
            for c in chunk_text(t, int(self.calibration.get("chunk_words", CHUNK_WORDS))):
                chunks.append(c)
                owner.append(i)
        out = np.full((len(texts), len(self.ids)), -1.0, dtype=np.float32)
        if not chunks:
            return out
        cos = self.embedder.encode(chunks) @ self._proto.T            # (chunks, prototypes)
        per_theme = np.empty((len(chunks), len(self.ids)), dtype=np.float32)
        for k in range(len(self.ids)):
            cols = cos[:, self._owner == k]
            per_theme[:, k] = cols.max(axis=1) if self.aggregate == "max" else cols.mean(axis=1)
        np.maximum.at(out, np.array(owner), per_theme)
        return out

    def rule_hits(self, text: str) -> dict[str, list[str]]:
        """Seed phrases found in ``text`` per theme id, in order of first occurrence (each
        phrase once). Where matches overlap, across all themes, the longer one wins: 'human
        dignity' does not also count 'dignity', 'market surveillance' (accountability) is not
        also 'surveillance' (privacy), and a neutral phrase ('Homeland Security') masks the
        seed phrases inside it. Passages that are evidence for no theme (``evidence_text``)
        are not read."""
        text = self.evidence_text(text)
        low = text.lower()
        spans = [(m.start(), m.end(), phrase, tid) for tid, key, rx, phrase in self._rules if key in low
                 for m in rx.finditer(text)]
        spans.sort(key=lambda s: (s[0] - s[1], s[0]))      # longest first
        taken: list[tuple] = []
        for span in spans:
            if all(span[1] <= x or span[0] >= y for x, y, *_ in taken):
                taken.append(span)
        found: dict[str, list[str]] = {}
        for _, _, phrase, tid in sorted(taken):
            if tid is not None and phrase not in found.setdefault(tid, []):
                found[tid].append(phrase)
        return {t: found[t] for t in self.ids if t in found}

    def features(self, texts: list[str], parts: list[list[int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(z, hits): standardised similarities and capped rule-hit counts, each (n, 12).

        ``parts``: optionally, for each text, the indexes of the other texts that are part of
        it (an article's paragraphs and points). Its similarity is then the max over itself and
        its parts, and its hits count the distinct phrases of them all: like the max over the
        chunks of one long text, without encoding the long text again (and without the cut at
        the model window that its own embedding text has)."""
        return self.own_and_whole_features(texts, parts)[1]

    def own_and_whole_features(self, texts: list[str], parts: list[list[int]] | None = None) -> tuple[tuple, tuple]:
        """((z, hits) of each text alone, (z, hits) of each text with its parts, as ``features``),
        reading every text once."""
        sims = self.similarities(texts)
        found = [{tid: set(ph) for tid, ph in self.rule_hits(t).items()} for t in texts]
        whole_sims, whole_found = sims.copy(), [dict(f) for f in found]
        for i, idx in enumerate(parts or []):
            if idx:
                whole_sims[i] = np.maximum(sims[i], sims[idx].max(axis=0))
                for j in idx:
                    for tid, ph in found[j].items():
                        whole_found[i][tid] = whole_found[i].get(tid, set()) | ph
        return self._standardised(sims, found), self._standardised(whole_sims, whole_found)

    def _standardised(self, sims: np.ndarray, found: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        z = (sims - self._mean) / self._sd
        cap = float(self.calibration["weights"]["rule_cap"])
        hits = np.zeros_like(z)
        for i, f in enumerate(found):
            for tid, ph in f.items():
                hits[i, self.ids.index(tid)] = min(len(ph), cap)
        return z, hits

    # -- public API --------------------------------------------------------------------------
    def scores_from_features(self, z: np.ndarray, hits: np.ndarray) -> np.ndarray:
        """The calibrated logistic of the weighted sum, (n, 12) in 0..1."""
        w = self.calibration["weights"]
        return 1.0 / (1.0 + np.exp(-(w["w_sim"] * z + w["w_rule"] * hits + w["bias"])))

    def scores(self, texts: list[str], parts: list[list[int]] | None = None) -> list[dict[str, float]]:
        """Score of every theme (all twelve, 0..1) for each text (``parts``: see ``features``):
        the supervised model's, or without one the prototype formula's."""
        if self.model is not None:
            from nlp.theme_model import inputs
            s = self.model.probabilities(inputs(self, texts, parts))
        else:
            s = self.scores_from_features(*self.features(texts, parts))
        return [{t: round(float(v), 4) for t, v in zip(self.ids, row)} for row in s]

    def themes(self, scores: dict[str, float]) -> list[str]:
        """Theme ids whose score reaches their threshold, best first: the supervised model's
        thresholds, or without one the calibrated ones (at most ``max_themes``)."""
        if self.model is not None:
            return self.model.themes(scores)
        th = self.calibration["thresholds"]
        above = sorted((t for t in self.ids if scores.get(t, 0.0) >= th[t]), key=lambda t: -scores[t])
        return above[: int(self.calibration.get("max_themes", 4))]

    def explain(self, text: str) -> dict[str, list[str]]:
        """Evidence: the seed phrases of each theme matched in ``text`` (themes without a match
        are omitted)."""
        return self.rule_hits(text)
