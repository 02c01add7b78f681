"""Parsers: pure functions from a document's bytes to its provisions.

One module per format family. A module registers its entry points with ``@parser(name)``;
a registry entry names the parser it needs. Parsers never open files or connections,
so they are tested on bytes alone.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

from corpus.model import ParseError, ParseResult

ParserFn = Callable[[bytes, str], ParseResult]
PARSERS: dict[str, ParserFn] = {}
_loaded = False


def parser(name: str):
    """Register ``fn(data: bytes, doc_id: str) -> ParseResult`` under ``name``."""
    def deco(fn: ParserFn) -> ParserFn:
        if name in PARSERS:
            raise ValueError(f"parser {name!r} registered twice")
        PARSERS[name] = fn
        return fn
    return deco


def get_parser(name: str) -> ParserFn:
    """The parser registered as ``name`` (all parser modules are imported on first use)."""
    global _loaded
    if not _loaded:
        for mod in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True
    try:
        return PARSERS[name]
    except KeyError:
        raise KeyError(f"no parser named {name!r}; known: {', '.join(sorted(PARSERS))}") from None


__all__ = ["parser", "get_parser", "PARSERS", "ParseError", "ParseResult"]
