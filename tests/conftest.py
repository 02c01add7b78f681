"""Shared fixtures. Real documents are read from ../shared/corpus-mirror, never copied."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("GOVKB_MIRROR", ROOT.parent / "shared" / "corpus-mirror"))
FIXTURES = Path(__file__).parent / "fixtures"


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
