"""cn sources (see corpus/sources/base.py for the fields)."""
from corpus.sources.base import MirrorRef, Source, USRelation  # noqa: F401

SOURCES: list[Source] = []
OUT_OF_SCOPE: dict[str, str] = {}
