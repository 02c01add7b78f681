"""What a registry entry says about one document.

A family module (``eu.py``, ``oecd.py``, ...) holds a list ``SOURCES`` of these and, where
some mirror files are deliberately not parsed, a dict ``OUT_OF_SCOPE`` from mirror file
path to the reason. Nothing else in a family module: fetching, parsing and gates are
generic.
"""
from __future__ import annotations

from dataclasses import dataclass

FAMILIES = ("un", "unesco", "oecd", "g7", "itu", "eu", "us", "coe", "cn")
INSTRUMENT_TYPES = ("regulation", "treaty", "resolution", "recommendation", "code of conduct",
                    "executive order", "policy", "technical standard", "declaration", "report",
                    "framework", "guidance", "memorandum", "measures", "principles")


@dataclass(frozen=True)
class MirrorRef:
    """Which file of the mirror stands in for the live URL: the MANIFEST row with this
    ``doc`` and ``format`` (and ``lang`` / ``kind`` when a doc has several such files)."""

    doc: str
    format: str
    lang: str = "en"
    kind: str | None = None


@dataclass(frozen=True)
class USRelation:
    """The US government's recorded relationship to an instrument, with a citation."""

    relation: str   # e.g. "adhered", "co-sponsored", "member", "signed", "withdrew", "author"
    date: str       # ISO date or year of the act
    note: str
    citation: str   # where this is on record (URL or formal reference)


@dataclass(frozen=True)
class Source:
    """One document in the registry."""

    id: str
    title: str
    short_title: str
    publisher: str
    family: str
    instrument_type: str
    date_adopted: str            # ISO date
    version: str                 # which text: "OJ L 2024/1689, 12.7.2024", "as amended 3 May 2024"
    binding: bool
    binds: str                   # on whom, in words ("providers and deployers in the EU", "no one")
    urls: tuple[str, ...]        # live URLs; the first is the one fetched
    mirror: MirrorRef
    parser: str                  # name in corpus.parsers.PARSERS
    expected: dict[str, int]     # exact provision counts per kind the parse must yield
    content_type: str = ""       # expected media type family for live fetches ("html", "pdf", "text")
    min_coverage: float = 0.97   # share of body words the provisions must account for
    us_relation: tuple[USRelation, ...] = ()
    notes: str = ""
    # When the mirror holds a conversion (e.g. markdown of a whitehouse.gov page), the live
    # URL serves another format: the parser for those bytes. Empty: the same parser.
    # None: no parser reads the live edition yet, so live runs skip the document with a
    # notice (build with --mirror to include it).
    live_parser: str | None = ""
    live_kind: str = "original"   # what the live URL serves: original, original-draft, ...

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"{self.id}: unknown family {self.family!r}")
        if self.instrument_type not in INSTRUMENT_TYPES:
            raise ValueError(f"{self.id}: unknown instrument type {self.instrument_type!r}")
        if not self.urls:
            raise ValueError(f"{self.id}: no URL")
