"""What a registry entry says about one document.

A family module (``eu.py``, ``oecd.py``, ...) holds a list ``SOURCES`` of these and, where
some mirror files are deliberately not parsed, a dict ``OUT_OF_SCOPE`` from mirror file
path to the reason. Nothing else in a family module: fetching, parsing and gates are
generic.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

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


# Where an instrument stands in law today. "in force as amended": in force, and the text has
# been amended since the version first published (a consolidated text may exist);
# "not yet applicable": adopted but not yet in force or not yet applying; "non-binding": a
# current text that binds no one (recommendations, declarations, frameworks, reports).
STATUSES = ("in force", "in force as amended", "not yet applicable", "superseded", "revoked", "draft",
            "non-binding")
# The Publications Office's content server: a CELEX number under it answers with the act in
# the format and language asked for in Accept / Accept-Language (after a 303 redirect).
CELLAR = "http://publications.europa.eu/resource/celex"
_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


@dataclass(frozen=True)
class Act:
    """Another act that changed an instrument's standing: it amended, revoked or superseded it
    (or was superseded by it)."""

    citation: str   # as counsel cite it: "Regulation (EU) 2026/1744", "Executive Order 14148"
    date: str       # ISO date the change took effect (entry into force, signature, adoption)
    url: str        # the act on its publisher's official site
    note: str = ""

    def __post_init__(self):
        if not self.citation or not _ISO_DATE.match(self.date) or not self.url.startswith(("http://", "https://")):
            raise ValueError(f"act {self.citation!r}: needs a citation, an ISO date and an official URL")


@dataclass(frozen=True)
class Consolidation:
    """A consolidated version of an EU act (EUR-Lex): the act with its amendments worked in,
    published under its own CELEX number, ``0`` + the act's number + ``-`` + the date."""

    celex: str                                          # "02024R1689-20260727"
    date: str                                           # ISO date the consolidated text stands at
    parser: str = "eurlex_consolidated_html"
    # Exact provision counts of this version, once checked against EUR-Lex; the gates check
    # the kinds listed here (like Source.expected), the other gates always run.
    expected: dict[str, int] = field(default_factory=dict)
    cellar: str = CELLAR                                # where the live fetcher asks for it

    def __post_init__(self):
        m = re.fullmatch(r"0(\d{4}[A-Z]\d{4})-(\d{4})(\d\d)(\d\d)", self.celex)
        if not m or f"{m[2]}-{m[3]}-{m[4]}" != self.date:
            raise ValueError(f"consolidated CELEX {self.celex!r} does not match its date {self.date}")

    @property
    def version_id(self) -> str:
        """The version's id in the knowledge base: ``consolidated-<date>``."""
        return f"consolidated-{self.date}"

    @property
    def url(self) -> str:
        """The consolidated text on EUR-Lex, for people."""
        return f"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:{self.celex}"

    @property
    def fetch_url(self) -> str:
        """What the live fetcher requests (Cellar content negotiation)."""
        return f"{self.cellar.rstrip('/')}/{self.celex}"


@dataclass(frozen=True)
class Status:
    """Where an instrument stands in law, as last checked, with the acts that put it there."""

    status: str                        # one of STATUSES
    checked: str                       # ISO date the status was last checked
    source: str                        # where it was checked: an official page or a formal reference
    amended_by: tuple[Act, ...] = ()
    revoked_by: Act | None = None
    superseded_by: Act | None = None
    supersedes: tuple[Act, ...] = ()
    consolidated: Consolidation | None = None   # EU acts: the latest consolidated version
    applies_from: str = ""             # "not yet applicable": ISO date, when known
    note: str = ""

    def __post_init__(self):
        problems = []
        if self.status not in STATUSES:
            problems.append(f"unknown status {self.status!r} (one of: {', '.join(STATUSES)})")
        if not _ISO_DATE.match(self.checked):
            problems.append(f"checked {self.checked!r} is not an ISO date")
        if not self.source:
            problems.append("no source for the status")
        if self.status == "in force as amended" and not self.amended_by:
            problems.append("'in force as amended' needs amended_by")
        if self.status == "revoked" and self.revoked_by is None:
            problems.append("'revoked' needs revoked_by")
        if self.status == "superseded" and self.superseded_by is None:
            problems.append("'superseded' needs superseded_by")
        if self.applies_from and not _ISO_DATE.match(self.applies_from):
            problems.append(f"applies_from {self.applies_from!r} is not an ISO date")
        if problems:
            raise ValueError("; ".join(problems))

    def to_dict(self) -> dict:
        """The status as stored and exported (the consolidated version with its URLs)."""
        d = asdict(self)
        if self.consolidated:
            d["consolidated"] = {k: v for k, v in d["consolidated"].items() if k not in ("parser", "expected", "cellar")}
            d["consolidated"]["url"] = self.consolidated.url
        return d


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
    # Where the instrument stands in law (in force, amended, revoked, ...), with citations;
    # every registry entry has one (tests/test_registry.py).
    status: Status | None = None

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"{self.id}: unknown family {self.family!r}")
        if self.instrument_type not in INSTRUMENT_TYPES:
            raise ValueError(f"{self.id}: unknown instrument type {self.instrument_type!r}")
        if not self.urls:
            raise ValueError(f"{self.id}: no URL")
