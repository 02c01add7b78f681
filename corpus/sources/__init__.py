"""The source registry: every document govkb collects, one small module per publisher family.

To add a source, add a ``Source(...)`` to the family module's ``SOURCES`` (or a new module
listed in ``FAMILY_MODULES``); see README, "Adding a source".
"""
from __future__ import annotations

import importlib

from corpus.sources.base import Act, Consolidation, MirrorRef, Source, Status, USRelation

# One module per publisher; a family with several publishers has one module each, named
# family_publisher (us_whitehouse, us_nist).
FAMILY_MODULES = ("eu", "oecd", "g7", "un", "unesco", "itu", "us_whitehouse", "us_nist", "coe", "cn")


def _load():
    sources: dict[str, Source] = {}
    out_of_scope: dict[str, str] = {}
    for fam in FAMILY_MODULES:
        mod = importlib.import_module(f"corpus.sources.{fam}")
        for s in mod.SOURCES:
            if s.id in sources:
                raise ValueError(f"duplicate source id {s.id} in corpus.sources.{fam}")
            if s.family != fam.split("_")[0]:
                raise ValueError(f"{s.id} declares family {s.family} but lives in {fam}.py")
            sources[s.id] = s
        out_of_scope.update(getattr(mod, "OUT_OF_SCOPE", {}))
    return sources, out_of_scope


REGISTRY, OUT_OF_SCOPE = _load()


def declared() -> dict[str, Source]:
    """Every source the family modules declare, even where ``REGISTRY`` was narrowed to a
    subset for one build: data that names documents (reviews) is checked against this."""
    return _load()[0]


def get(source_id: str) -> Source:
    """The registry entry for ``source_id``; KeyError names the known ids."""
    try:
        return REGISTRY[source_id]
    except KeyError:
        raise KeyError(f"unknown document id {source_id!r}; known: {', '.join(sorted(REGISTRY))}") from None


__all__ = ["REGISTRY", "OUT_OF_SCOPE", "Source", "MirrorRef", "USRelation", "Status", "Act", "Consolidation", "get"]
