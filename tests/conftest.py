"""Shared fixtures. Real documents are read from ../shared/corpus-mirror, never copied."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("GOVKB_MIRROR", ROOT.parent / "shared" / "corpus-mirror"))
FIXTURES = Path(__file__).parent / "fixtures"
# A one-position baseline for builds that leave out the US texts the shipped baseline cites
# (the build refuses a baseline citing a provision it does not hold).
G7_BASELINE = """
id: g7-test
title: A baseline written for small test builds
description: One position, enough for the divergence stage.
positions:
  - id: g7-content-01
    theme: content
    stance: Developers choose for themselves how to mark the media their models make.
    favours: [voluntary provenance tools]
    opposes: [compulsory labels]
    affirm: [Companies may choose to watermark what their models produce.]
    oppose: [Every generated picture shall carry a visible label.]
    rules: [binding-mandate, voluntary-measure]
    citations: [g7-hiroshima-code/action-7]
"""


@pytest.fixture(scope="session")
def mirror():
    """The shared corpus mirror (skips the test where ../shared is absent)."""
    if not (MIRROR / "MANIFEST.tsv").is_file():
        pytest.skip(f"corpus mirror not found at {MIRROR} (set GOVKB_MIRROR); CI always has it")
    from corpus.mirror import Mirror
    return Mirror(MIRROR)


@pytest.fixture(scope="session")
def mirror_bytes(mirror):
    """``mirror_bytes(doc, format, lang="en", kind=None)`` -> the mirror file's bytes."""
    from corpus.sources.base import MirrorRef

    def read(doc: str, fmt: str, lang: str = "en", kind: str | None = None) -> bytes:
        row = mirror.find(MirrorRef(doc, fmt, lang, kind))
        if row is None:
            pytest.skip(f"mirror has no {fmt} file for {doc}")
        return mirror.read(row)
    return read


@pytest.fixture(scope="session")
def parsed(mirror):
    """``parsed(source_id)`` -> ParseResult of that registry document from the mirror
    (cached for the session: several tests look at the same parse)."""
    from corpus import sources
    from corpus.parsers import get_parser
    cache: dict = {}

    def parse(source_id: str):
        if source_id not in cache:
            src = sources.get(source_id)
            row = mirror.find(src.mirror)
            if row is None:
                pytest.skip(f"mirror lacks {src.mirror.doc} ({source_id})")
            cache[source_id] = get_parser(src.parser)(mirror.read(row), source_id)
        return cache[source_id]
    return parse


@pytest.fixture(scope="session")
def subset_mirror(mirror):
    """``subset_mirror(dest, source_ids, edit=None, extra_rows=())`` -> ``dest``: a temporary
    mirror holding only those registry documents, with its own MANIFEST.tsv (the real files
    are copied there, never into the repository). ``edit(row, data) -> data`` changes a file
    before it is written (its sha256 and size follow); ``extra_rows`` are more manifest rows
    (the twelve fields) for files the caller writes itself."""
    from corpus import sources
    header = (mirror.root / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[0]

    def write(dest: Path, source_ids, edit=None, extra_rows=()) -> Path:
        dest.mkdir(parents=True, exist_ok=True)
        lines = [header]
        for sid in source_ids:
            r = mirror.find(sources.get(sid).mirror)
            data = mirror.read(r)
            if edit:
                data = edit(r, data)
            (dest / r.file).parent.mkdir(parents=True, exist_ok=True)
            (dest / r.file).write_bytes(data)
            lines.append("\t".join([r.doc, r.source, r.title, r.url, r.format, r.kind, r.lang,
                                    hashlib.sha256(data).hexdigest(), str(len(data)), r.file, "", ""]))
        lines += ["\t".join(row) for row in extra_rows]
        (dest / "MANIFEST.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return dest
    return write


def _seed_cache(out: Path) -> None:
    """Copy an existing vector cache (keyed by model + text hash, so any is valid) to save
    encoding: $GOVKB_OUT's or the checkout's ``out/``, where one exists."""
    for d in (os.environ.get("GOVKB_OUT"), ROOT / "out"):
        cache = Path(d) / "cache" / "vectors.sqlite" if d else None
        if cache and cache.is_file():
            (out / "cache").mkdir(parents=True, exist_ok=True)
            shutil.copy(cache, out / "cache" / "vectors.sqlite")
            return


@pytest.fixture(scope="session")
def subset_kb(subset_mirror, tmp_path_factory):
    """``subset_kb(name, source_ids, baseline_text, min_fts_rows=1)`` -> the OUT directory of a
    corpus + NLP + full-text build of those registry documents from a temporary mirror, built
    once per name for the session (several modules share one)."""
    from corpus import sources
    from corpus.build import build_corpus
    from govkb.search import fts_stage
    from nlp.stage import stage as nlp_stage
    built: dict[str, Path] = {}

    def build(name: str, source_ids, baseline_text: str, min_fts_rows: int = 1) -> Path:
        if name not in built:
            root = tmp_path_factory.mktemp(name)
            m = subset_mirror(root / "mirror", source_ids)
            baseline = root / "baseline.yaml"
            baseline.write_text(baseline_text, encoding="utf-8")
            out = root / "out"
            _seed_cache(out)
            mp = pytest.MonkeyPatch()
            mp.setattr(sources, "REGISTRY", {sid: sources.get(sid) for sid in source_ids})
            try:
                report = build_corpus(out, mirror=m, progress=False, stages=[nlp_stage(baseline), fts_stage()])
            finally:
                mp.undo()
            assert report.ok, report.failures
            assert report.stage_stats["fts_rows"] >= min_fts_rows
            built[name] = out
        return built[name]
    return build

