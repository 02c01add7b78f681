"""Deontic modality per sentence and per text: the ``govkb_modality_v2`` component.

Reads: the tokens and the sentence boundaries (set by the sentencizer).
Writes: ``Doc._.modal_sentences`` (one dict per sentence: ``start``, ``end`` (character
offsets of the sentence), ``modality``, ``span`` (``{"text", "start", "end"}`` of the
words that carry it, or None), ``negated``, ``binds`` ("subject" or "object": where the
bound party stands relative to the span)), ``Doc._.modality`` (the strongest label of
the text) and ``Doc._.modality_span`` (the span of that strongest sentence).

The rules are data (``nlp/data/modality.yaml``: the labels, their order of strength and
the patterns); this module compiles them into a spaCy ``Matcher`` over lower-case tokens
and resolves conflicts. It uses no lemmas and no parser, so it runs on ``spacy.blank``.
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from nlp.components import load_data, set_extension

set_extension(Doc, "modal_sentences", default=None)
set_extension(Doc, "modality", default="none")
set_extension(Doc, "modality_span", default=None)


def compile_pattern(phrase: str) -> tuple[list[dict], int, int]:
    """One pattern of the YAML notation -> (Matcher token pattern, number of leading and
    of trailing context tokens). The notation is described at the top of modality.yaml."""
    tokens, lead, trail, seen_core = [], 0, 0, False
    for raw in phrase.split():
        context = raw.startswith("~")
        word = raw[1:] if context else raw
        spec: dict = {}
        if word.startswith("^"):
            spec["IS_SENT_START"] = True
            word = word[1:]
        op = None
        if word.startswith("*") and word[1:].isdigit():
            tokens.append({"OP": f"{{0,{word[1:]}}}"})
            seen_core = True
            continue
        if len(word) > 1 and word.endswith("?"):
            op, word = "?", word[:-1]
        if word in ("#", "!#"):
            spec["LIKE_NUM"] = word == "#"
        elif word in ("%", "!%"):
            spec["TEXT"] = {"REGEX": r"^\d" if word == "%" else r"^(?!\d)"}
        elif word.startswith("!"):
            banned = word[1:].split("|")
            if "%" in banned:
                banned.remove("%")
                spec["TEXT"] = {"REGEX": r"^(?!\d)"}
            spec["LOWER"] = {"NOT_IN": banned}
        elif "|" in word:
            spec["LOWER"] = {"IN": word.split("|")}
        else:
            spec["LOWER"] = word
        if op:
            spec["OP"] = op
        if context:
            if op:
                raise ValueError(f"context token cannot be optional in {phrase!r}")
            if seen_core:
                trail += 1
            else:
                lead += 1
        else:
            if trail:
                raise ValueError(f"context tokens only at the ends of {phrase!r}")
            seen_core = True
        tokens.append(spec)
    return tokens, lead, trail


@dataclass(frozen=True)
class _Rule:
    label: str
    kind: str          # "auxiliary" or "lexical"
    binds: str         # "subject" or "object"
    lead: int
    trail: int


@dataclass
class _Hit:
    rule: _Rule
    start: int         # token offsets of the reported span (context trimmed)
    end: int


class ModalityTagger:
    """Labels each sentence with its strongest deontic modality (see module docstring)."""

    def __init__(self, nlp: Language, name: str, data: str):
        cfg = load_data(data)
        self.name = name
        self.strength = {lab: i for i, lab in enumerate(reversed(cfg["strength"]))}
        self.negators = set(cfg["negators"])
        self.open_q, self.close_q = set(cfg["open_quotes"]), set(cfg["close_quotes"])
        self.max_quote = int(cfg["max_quote_tokens"])
        self.window = int(cfg["lexical_window"])
        self.matcher = Matcher(nlp.vocab)
        self.rules: dict[str, _Rule] = {}
        for g, group in enumerate(cfg["groups"]):
            if group["label"] not in self.strength:
                raise ValueError(f"modality group {g}: unknown label {group['label']!r}")
            for p, phrase in enumerate(group["patterns"]):
                pattern, lead, trail = compile_pattern(phrase)
                key = f"{group['label']}:{g}:{p}"
                self.rules[key] = _Rule(group["label"], group.get("kind", "auxiliary"),
                                        group.get("binds", "subject"), lead, trail)
                self.matcher.add(key, [pattern])
        self.cues = Matcher(nlp.vocab)
        for p, phrase in enumerate(cfg.get("definition_cues", [])):
            self.cues.add(f"def:{p}", [compile_pattern(phrase)[0]])

    def __call__(self, doc: Doc) -> Doc:
        hits = self._hits(doc)
        sentences, best, best_rank = [], None, -1
        for sent in doc.sents:
            own = [h for h in hits if sent.start <= h.start < sent.end]
            rec = self._sentence(doc, sent, own)
            sentences.append(rec)
            rank = self.strength[rec["modality"]]
            if rec["span"] is not None and rank > best_rank:
                best, best_rank = rec, rank
        doc._.modal_sentences = sentences
        doc._.modality = best["modality"] if best else "none"
        doc._.modality_span = best["span"] if best else None
        return doc

    def _hits(self, doc: Doc) -> list[_Hit]:
        """All matches, context trimmed, minus quoted mentions, definitions' tails and
        governed lexical verbs; overlaps resolved longest-first."""
        quoted = self._quoted(doc)
        cue_ends = sorted(e for _, _, e in self.cues(doc))
        found = []
        for key, s, e in self.matcher(doc):
            rule = self.rules[self.vocab_string(doc, key)]
            h = _Hit(rule, s + rule.lead, e - rule.trail)
            if any(quoted[i] for i in range(h.start, h.end)):
                continue
            sent_start = doc[h.start].sent.start
            if any(sent_start <= c <= h.start for c in cue_ends):
                continue
            found.append(h)
        found.sort(key=lambda h: (-(h.end - h.start), h.start))
        taken: set[int] = set()
        kept = []
        for h in found:
            span = set(range(h.start, h.end))
            if span & taken:
                continue
            taken |= span
            kept.append(h)
        aux_ends = [h.end for h in kept if h.rule.kind == "auxiliary" and h.rule.label != "none"]
        return sorted((h for h in kept if h.rule.kind != "lexical"
                       or not any(0 <= h.start - e <= self.window for e in aux_ends)),
                      key=lambda h: h.start)

    @staticmethod
    def vocab_string(doc: Doc, key: int) -> str:
        return doc.vocab.strings[key]

    def _quoted(self, doc: Doc) -> list[bool]:
        """Per token: inside a short quotation (a mention, not a use)."""
        mask = [False] * len(doc)
        i = 0
        while i < len(doc):
            if doc[i].text in self.open_q:
                for j in range(i + 1, min(len(doc), i + self.max_quote + 2)):
                    if doc[j].text in self.close_q:
                        for k in range(i + 1, j):
                            mask[k] = True
                        i = j
                        break
            i += 1
        return mask

    def _sentence(self, doc: Doc, sent, hits: list[_Hit]) -> dict:
        rec = {"start": sent.start_char, "end": sent.end_char, "modality": "none",
               "span": None, "negated": False, "binds": "subject"}
        best = None
        for h in hits:   # in text order: the first of equally strong matches wins
            if best is None or self.strength[h.rule.label] > self.strength[best.rule.label]:
                best = h
        if best is not None:
            span = doc[best.start:best.end]
            rec.update(modality=best.rule.label, binds=best.rule.binds,
                       span={"text": span.text, "start": span.start_char, "end": span.end_char},
                       negated=any(t.lower_ in self.negators for t in span))
        return rec


@Language.factory("govkb_modality_v2", default_config={"data": "modality.yaml"})
def make_modality(nlp: Language, name: str, data: str) -> ModalityTagger:
    """Modality per sentence and per text, from the rules in ``data`` (under nlp/data)."""
    return ModalityTagger(nlp, name, data)
