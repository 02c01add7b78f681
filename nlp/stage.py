"""The NLP stage of the build: annotate, embed, index, classify, align, diverge.

It runs on the staged knowledge base (``corpus.build`` calls it before publishing), so a
failure here leaves the last good output in place. When the provisions, the document
metadata, this package's code and data, the model and the baseline are all unchanged, the
build carries the previous results over instead of running it; otherwise vectors come
from a cache under ``OUT/cache/`` keyed by model hash + text hash, so only changed texts
are encoded.
"""
from __future__ import annotations

import functools
import time
from pathlib import Path

from corpus.build import Stage, StageContext, StageError
from corpus.store import KnowledgeBase
from nlp.reviews import REVIEWS_DIR

CACHE = Path("cache") / "vectors.sqlite"
DEFAULT_BASELINE = Path(__file__).parent / "data" / "baselines" / "us-endorsed.yaml"


def load_provisions(kb: KnowledgeBase) -> tuple[list[dict], list[dict]]:
    """All documents, and all provisions in document order."""
    docs = kb.documents()
    provs = [p for d in docs for p in kb.provisions(d["id"])]
    return docs, provs


# What the stage reads from the knowledge base (its input hash): provision text and
# structure, and the document metadata the divergence uses - not provenance such as the
# retrieval time, which changes on every fetch.
INPUTS = (
    "SELECT id, title, short_title, publisher, family, instrument_type, date, version, binding, "
    "binds, url, counts, us_relation FROM documents ORDER BY id",
    "SELECT id, doc_id, ord, pinpoint, kind, parent_id, num, heading, text FROM provisions ORDER BY id",
)


def stage(baseline_path: Path = DEFAULT_BASELINE, reviews_dir: Path = REVIEWS_DIR) -> Stage:
    """The NLP stage for ``corpus.build`` against one baseline file and one folder of reviews."""
    from corpus.build import code_fingerprint
    from nlp.embed import default_model_path, model_hash

    def extra() -> bytes:
        return (model_hash(default_model_path()).encode() + Path(baseline_path).read_bytes()
                + code_fingerprint([Path(reviews_dir)]).encode())

    return Stage("nlp", functools.partial(run_stage, baseline_path=baseline_path, reviews_dir=reviews_dir),
                 code=(Path(__file__).parent,), inputs=INPUTS, extra=extra,
                 outputs=("annotations", "links", "divergence", "reviews"), dirs=("index",),
                 doing="modality and references, embeddings, themes, alignment, divergence, reviews")


def run_stage(ctx: StageContext, baseline_path: Path = DEFAULT_BASELINE, reviews_dir: Path = REVIEWS_DIR) -> dict:
    """``run`` on a build's staged knowledge base."""
    return run(ctx.kb, ctx.staging, ctx.out, ctx.progress, baseline_path, reviews_dir=reviews_dir,
               run_id=ctx.run_id, previous=ctx.previous)


def load_checked_reviews(kb: KnowledgeBase, provs: list[dict], reviews_dir: Path = REVIEWS_DIR,
                         run_id: str | None = None, previous: KnowledgeBase | None = None) -> list:
    """The review files, validated against the registry and the built texts, each with its
    status (current, stale since a run, or absent from this build). Raises ``ReviewError``."""
    from corpus import sources
    from nlp import reviews as rv
    from nlp.themes import load_taxonomy
    reg = sources.declared()
    loaded = rv.load_reviews(reviews_dir, registry_docs=set(reg), families={s.family for s in reg.values()},
                             themes={t.id for t in load_taxonomy()}, relative_to=Path(__file__).parents[1])
    before = {r["id"]: r for r in previous.reviews()} if previous is not None else {}
    problems = rv.check_texts(loaded, rv.TextHashes(provs), {d["id"] for d in kb.documents()},
                              run_id=run_id, previous=before)
    if problems:
        raise rv.ReviewError(f"{len(problems)} problem(s) in the review files:\n  " + "\n  ".join(problems))
    return loaded


def run(kb: KnowledgeBase, staging: Path, out: Path, progress: bool = True,
        baseline_path: Path = DEFAULT_BASELINE, *, reviews_dir: Path = REVIEWS_DIR, run_id: str | None = None,
        previous: KnowledgeBase | None = None) -> dict:
    """Run every NLP step on ``kb`` and store the results (the index into ``staging``, the
    vector cache under ``out``); current reviews are published over the machine's output,
    which is kept beside them. Returns timings and counts."""
    from nlp import align, baseline, diverge
    from nlp import reviews as rv
    from nlp.embed import Embedder, text_hash
    from nlp.index import VectorIndex
    from nlp.link_model import LinkModel
    from nlp.pipeline import annotate, inherit_modality
    from nlp.theme_model import ThemeModel
    from nlp.themes import ThemeClassifier

    stats: dict = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        stats[f"{name}_s"] = round(now - t, 2)
        t = now

    docs, provs = load_provisions(kb)
    try:   # first, so that a bad review file fails the build before minutes of encoding
        reviewed = load_checked_reviews(kb, provs, reviews_dir, run_id, previous)
    except rv.ReviewError as e:
        raise StageError("reviews", str(e)) from None
    try:   # likewise a broken theme model file
        theme_model = ThemeModel.load()
    except ValueError as e:
        raise StageError("theme model", str(e)) from None
    ids = [p["id"] for p in provs]
    known = set(ids)

    annotated = {p["id"]: p["text"] or p["heading"] for p in provs}     # the words each note is about
    notes = annotate(list(annotated.values()), doc_ids=[p["doc_id"] for p in provs],
                     context_ids=ids, known_ids=known)
    annotations = dict(zip(ids, notes))
    parts = align.subtree_parts(provs)
    # an article whose words are in its paragraphs is as binding as its strongest paragraph
    inherit_modality(ids, annotations, parts, [bool((p["text"] or "").strip()) for p in provs])
    lap("annotate")

    embedder = Embedder(cache=out / CACHE)
    texts = align.embedding_texts(provs)
    vectors = embedder.encode(texts, progress=progress)
    stats["texts"] = len(texts)
    lap("embed")

    index = VectorIndex.build(ids, vectors, model=embedder.model_path.name, model_hash=embedder.model_id,
                              text_hashes=[text_hash(x) for x in texts])
    index.save(staging / "index")
    lap("index")

    clf = ThemeClassifier(embedder, model=theme_model)
    # a container is scored over all its parts: its embedding text stops at the model's window
    scores = clf.scores(texts, parts=parts)
    themes = {i: clf.themes(s) for i, s in zip(ids, scores)}
    theme_scores = dict(zip(ids, scores))
    theme_marks = rv.apply_themes(reviewed, themes)
    lap("themes")

    kb.add_annotations([{"id": i, "modality": a["modality"], "modality_span": a["modality_span"],
                         "addressees": a["addressees"], "bound": a["bound"],
                         "references": a["references"], "themes": themes[i],
                         "theme_scores": theme_scores[i], "review": theme_marks.get(i)}
                        for i, a in annotations.items()])

    references = {i: a["references"] for i, a in annotations.items()}
    recital_links = [link for doc_id in sorted({p["doc_id"] for p in provs if p["kind"] == "recital"})
                     for link in align.align_recitals(provs, vectors, doc_id=doc_id, references=references)]
    # the recital that best explains an EU article is one of the link model's readings of it
    links = align.align_cross(provs, vectors, annotations=annotations, themes=themes,
                              families={d["id"]: d["family"] for d in docs}, model=LinkModel.load(),
                              recitals=align.best_recitals(recital_links)) + recital_links
    links += align.detect_conflicts(links, annotations, texts=annotated)
    rv.apply_links(reviewed, links)
    kb.add_links(links)
    stats["links"] = len(links)
    lap("align")

    try:
        base = baseline.load_baseline(baseline_path, known_ids=known)
    except baseline.BaselineError as e:
        raise StageError("baseline", str(e)) from None
    cells = diverge.divergence(provs, docs, base, theme_scores=theme_scores, themes=themes,
                               annotations=annotations, embed=embedder.encode,
                               vectors=dict(zip(ids, vectors)))
    rv.apply_cells(reviewed, cells)
    kb.set_divergence(base.id, cells)
    kb.set_reviews([r.record() for r in reviewed])
    stats["cells"] = len(cells["cells"])
    for status in ("current", "stale"):
        stats[f"reviews_{status}"] = sum(r.status == status for r in reviewed)
    lap("diverge")
    stats["encoded"] = embedder.encoded   # texts that went through the model (cache misses)
    return stats
