"""The spaCy pipeline of the NLP stage and the batch annotation the build calls.

``make_nlp()`` assembles ``spacy.blank("en")``, a tokenizer that keeps legal
abbreviations whole ("Art. 5", "e.g.", "No. 225", "Sec. 4"), the rule-based
``sentencizer`` and the govkb components (``nlp/components``), as listed in
``nlp/data/pipeline.yaml``. ``annotate()`` runs it over many texts and resolves their
cross-references against the corpus ids.
"""
from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.attrs import ORTH
from spacy.language import Language

import nlp.components  # noqa: F401  (registers the govkb factories)
from nlp.components import load_data
from nlp.references import known_docs, resolve

SETTINGS = "pipeline.yaml"


@lru_cache(maxsize=1)
def make_nlp() -> Language:
    """The pipeline, built once per process (later calls return the same object)."""
    cfg = load_data(SETTINGS)
    nlp = spacy.blank("en")
    for abbr in cfg["abbreviations"]:
        # One token, so the sentencizer (which splits after a "." token) does not end a
        # sentence at "Art." while "the state of the art." still ends one.
        nlp.tokenizer.add_special_case(abbr, [{ORTH: abbr}])
    nlp.add_pipe("sentencizer")
    for name in cfg["components"]:
        nlp.add_pipe(name)
    return nlp


def _annotation(doc, doc_id: str, context_id: str | None, known_ids, docs: set[str]) -> dict:
    sentences = [{k: s[k] for k in ("start", "end", "modality", "span", "negated")}
                 for s in doc._.modal_sentences]
    return {
        "modality": doc._.modality,
        "modality_span": doc._.modality_span,
        "sentences": sentences,
        "addressees": doc._.addressees,
        "addressee_spans": doc._.addressee_spans,
        "bound": doc._.bound,
        "references": resolve(doc._.references, doc_id, context_id, known_ids, docs=docs),
    }


def annotate(texts: list[str], *, doc_ids: list[str], context_ids: list[str | None],
             known_ids: set[str], batch_size: int | None = None) -> list[dict]:
    """Annotate ``texts`` (one per provision; ``doc_ids`` / ``context_ids`` say where each
    stands). Per text: ``modality`` (strongest label), ``modality_span`` (``{"text",
    "start", "end"}`` or None), ``sentences`` (``[{"start", "end", "modality", "span",
    "negated"}]``), ``addressees`` (labels), ``addressee_spans`` (``[{"label", "text",
    "start", "end"}]``), ``bound`` (labels the strongest modality binds) and
    ``references`` (parsed and resolved; see ``nlp.references.resolve``). Single process:
    the pipeline is cheap and the build's cores are for the encoder."""
    if not len(texts) == len(doc_ids) == len(context_ids):
        raise ValueError("texts, doc_ids and context_ids must have the same length")
    nlp = make_nlp()
    docs = known_docs(known_ids)
    size = batch_size or load_data(SETTINGS)["batch_size"]
    return [_annotation(doc, d, c, known_ids, docs)
            for doc, d, c in zip(nlp.pipe((t or "" for t in texts), batch_size=size, n_process=1),
                                 doc_ids, context_ids)]


def inherit_modality(ids: list[str], annotations: dict[str, dict], parts: list[list[int]],
                     own_words: list[bool]) -> None:
    """Give a provision without words of its own (an article whose words are in its
    paragraphs) the strongest modality of its ``parts`` (indexes into ``ids``), in place.
    Its ``modality_span`` is that part's span plus ``provision_id``, the part it is in, so the
    offsets stay meaningful; ``sentences`` stay empty (it has none)."""
    order = load_data("modality.yaml")["strength"]          # strongest first
    rank = {label: i for i, label in enumerate(order)}
    for i, pid in enumerate(ids):
        if own_words[i] or not parts[i]:
            continue
        best = min((ids[j] for j in parts[i]),
                   key=lambda q: rank.get(annotations[q]["modality"], len(order)), default=None)
        if best is not None and annotations[best]["modality"] not in (None, "none"):
            annotations[pid]["modality"] = annotations[best]["modality"]
            span = annotations[best]["modality_span"]
            annotations[pid]["modality_span"] = span and {**span, "provision_id": best}

