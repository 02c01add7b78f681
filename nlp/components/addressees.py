"""Who a text addresses and whom its modality binds: the ``govkb_addressees_v1`` component.

Reads: the tokens, the sentences, and ``Doc._.modal_sentences`` from
``govkb_modality_v2`` (so it must come after it in the pipeline).
Writes: ``Doc._.addressee_spans`` (every mention: ``{"label", "text", "start", "end"}``,
character offsets), ``Doc._.addressees`` (their distinct labels in order of first
mention) and ``Doc._.bound`` (the labels bound by the sentences that carry the text's
strongest modality).

Mentions come from a case-insensitive and a case-sensitive ``PhraseMatcher`` built from
``nlp/data/addressees.yaml``. The bound party is found by a word-order heuristic, not a
parser: the nearest mention before the modal span that is not a complement (not after
"of", "by", "after consulting", ...), with the mentions coordinated with it; after the
span for verbs that take the party as object ("Encourages Member States to").
"""
from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from nlp.components import load_data, set_extension

set_extension(Doc, "addressee_spans", default=None)
set_extension(Doc, "addressees", default=None)
set_extension(Doc, "bound", default=None)


class AddresseeTagger:
    """Finds addressee mentions and the parties each modal sentence binds."""

    def __init__(self, nlp: Language, name: str, data: str):
        cfg = load_data(data)
        self.name = name
        self.oblique = set(cfg["oblique"])
        self.coord = set(cfg["coordinators"])
        self.skip = set(cfg["skip"])
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        for label, entry in cfg["labels"].items():
            if entry.get("terms"):
                self.lower.add(label, list(nlp.tokenizer.pipe(str(t).lower() for t in entry["terms"])))
            if entry.get("exact"):
                self.exact.add(label, list(nlp.tokenizer.pipe(str(t) for t in entry["exact"])))

    def __call__(self, doc: Doc) -> Doc:
        matches = list(self.lower(doc)) + list(self.exact(doc))
        labelled = {(s, e): doc.vocab.strings[key] for key, s, e in matches}
        mentions = sorted(filter_spans([doc[s:e] for _, s, e in matches]), key=lambda sp: sp.start)
        doc._.addressee_spans = [{"label": labelled[(m.start, m.end)], "text": m.text,
                                  "start": m.start_char, "end": m.end_char} for m in mentions]
        doc._.addressees = _unique(a["label"] for a in doc._.addressee_spans)
        doc._.bound = self._bound(doc, mentions, labelled)
        return doc

    def _bound(self, doc: Doc, mentions, labelled) -> list[str]:
        sentences = doc._.modal_sentences or []
        top = doc._.modality
        out: list[str] = []
        for rec in sentences:
            if rec["span"] is None or rec["modality"] != top or top == "none":
                continue
            modal = doc.char_span(rec["span"]["start"], rec["span"]["end"], alignment_mode="expand")
            in_sent = [m for m in mentions if rec["start"] <= m.start_char and m.end_char <= rec["end"]]
            group = self.binds(doc, in_sent, modal, rec.get("binds", "subject"))
            out.extend(labelled[(m.start, m.end)] for m in group)
        return _unique(out)

    def binds(self, doc: Doc, mentions, modal, direction: str):
        """The mentions ``modal`` binds, among ``mentions`` (one sentence, in text order)."""
        if direction == "object":
            after = [m for m in mentions if m.start >= modal.end]
            return self._coordinated(doc, after, 0, forward=True) if after else []
        before = [m for m in mentions if m.end <= modal.start]
        for i in range(len(before) - 1, -1, -1):
            if not self._is_complement(doc, before[i]):
                return self._coordinated(doc, before, i, forward=False)
        return []

    def _is_complement(self, doc: Doc, m) -> bool:
        i = m.start - 1
        while i >= 0 and doc[i].lower_ in self.skip:
            i -= 1
        return i >= 0 and doc[i].lower_ in self.oblique

    def _coordinated(self, doc: Doc, ms, i: int, forward: bool):
        """``ms[i]`` and its neighbours joined to it only by coordinators and determiners."""
        group = [ms[i]]
        step = 1 if forward else -1
        j = i + step
        while 0 <= j < len(ms):
            a, b = (group[-1], ms[j]) if forward else (ms[j], group[-1])
            gap = [t.lower_ for t in doc[a.end:b.start]]
            if not gap or not all(w in self.coord or w in self.skip for w in gap) \
                    or not any(w in self.coord for w in gap):
                break
            group.append(ms[j])
            j += step
        return sorted(group, key=lambda sp: sp.start)


def _unique(items) -> list:
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


@Language.factory("govkb_addressees_v1", default_config={"data": "addressees.yaml"})
def make_addressees(nlp: Language, name: str, data: str) -> AddresseeTagger:
    """Addressee mentions and bound parties, from the lexicon in ``data`` (under nlp/data)."""
    return AddresseeTagger(nlp, name, data)
