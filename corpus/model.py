"""The records every stage passes on: documents (sources), provisions and their provenance.

A provision id is ``<doc_id>/<path>`` (``eu-ai-act/art-50/par-2``). The path is built
from the provision's own numbering, never from its position, so the same text parses
to the same ids on every rebuild.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

# Kinds a provision may have. Parsers must use these names so that filters, facets and
# gates mean the same thing across publishers.
KINDS = frozenset({
    "part", "chapter", "section", "subsection", "title", "pillar", "heading",
    "article", "paragraph", "subparagraph", "point", "subpoint", "definition", "indent",
    "recital", "annex", "footnote", "preamble", "preambular-paragraph",
    "operative-paragraph", "principle", "recommendation", "action", "requirement",
    "clause", "function", "category", "subcategory", "policy-action", "proposal",
    "appendix", "item", "adoption-clause", "policy-area", "signature", "table-row",
})

_PATH_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


@dataclass
class Provision:
    """One citable unit of a document.

    ``text`` holds the provision's own words: its content, or its chapeau when it has
    sub-provisions (those carry their own text). A container such as a chapter, or an
    article made only of numbered paragraphs, may have empty ``text``; the gates then
    require it to have children. ``full_text()`` of the parse result joins a subtree.
    """

    id: str
    doc_id: str
    pinpoint: str
    kind: str
    parent_id: str | None
    order: int
    heading: str = ""
    text: str = ""
    num: str = ""
    # Which version of the instrument the words come from (``original``, ``consolidated-<date>``;
    # set by the build) and, in a consolidated text, the marker of the act that last wrote
    # them (``B`` the base act, ``M1`` the first amending act, ``C1`` a corrigendum).
    version: str = ""
    marker: str = ""

    def to_dict(self) -> dict:
        """Plain dict for JSON/SQLite."""
        return asdict(self)


@dataclass
class ParseResult:
    """What a parser returns: the provisions in document order, and the body text it
    read (all the text of the document proper, without navigation, running headers or
    page furniture) so the coverage gate can check that nothing was silently dropped."""

    provisions: list[Provision]
    body_text: str
    notes: list[str] = field(default_factory=list)
    # What the document says about itself beyond its provisions (a consolidated text: its
    # CELEX, date and the acts behind its markers).
    meta: dict = field(default_factory=dict)


class ParseError(ValueError):
    """The bytes do not have the structure the parser expects (a markup change, a
    truncated file). The message says what was missing; the caller adds the doc id."""


class ProvisionTree:
    """Collects provisions in document order and builds their ids.

    >>> t = ProvisionTree("eu-ai-act")
    >>> art = t.add("art-50", kind="article", pinpoint="Article 50", heading="Transparency")
    >>> t.add("par-2", kind="paragraph", pinpoint="Article 50(2)", text="...", parent=art).id
    'eu-ai-act/art-50/par-2'

    A child's path is appended to its parent's id unless ``nest=False`` (chapters and
    sections hold articles without appearing in the articles' ids).
    """

    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        self.provisions: list[Provision] = []
        self._ids: set[str] = set()

    def add(self, path: str, *, kind: str, pinpoint: str, text: str = "", heading: str = "",
            parent: Provision | None = None, nest: bool = True, num: str = "") -> Provision:
        """Append a provision; ``path`` is relative to the parent (or the document)."""
        if kind not in KINDS:
            raise ValueError(f"unknown provision kind {kind!r}")
        for seg in path.split("/"):
            if not _PATH_SEGMENT.match(seg):
                raise ValueError(f"bad id path segment {seg!r} in {path!r}")
        base = parent.id if (parent is not None and nest) else self.doc_id
        pid = f"{base}/{path}"
        if pid in self._ids:
            raise ParseError(f"duplicate provision id {pid}")
        self._ids.add(pid)
        p = Provision(id=pid, doc_id=self.doc_id, pinpoint=pinpoint, kind=kind,
                      parent_id=parent.id if parent is not None else None,
                      order=len(self.provisions), heading=clean_space(heading),
                      text=clean_space(text), num=num)
        self.provisions.append(p)
        return p

    def append_text(self, prov: Provision, text: str) -> None:
        """Add more words to a provision already in the tree (text spread over blocks)."""
        text = clean_space(text)
        if text:
            prov.text = f"{prov.text} {text}" if prov.text else text

    def result(self, body_text: str, notes: list[str] | None = None, meta: dict | None = None) -> ParseResult:
        """Finish: the ParseResult for these provisions."""
        return ParseResult(self.provisions, clean_space(body_text), notes or [], meta or {})


def clean_space(s: str) -> str:
    """Collapse runs of white space (incl. no-break spaces) into single spaces."""
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ").replace("\u200b", "")).strip()


def full_text(prov: Provision, provisions: list[Provision]) -> str:
    """The provision's words followed by those of all its descendants, in order."""
    children: dict[str | None, list[Provision]] = {}
    for p in provisions:
        children.setdefault(p.parent_id, []).append(p)
    out: list[str] = []

    def walk(p: Provision) -> None:
        if p.text:
            out.append(p.text)
        for c in children.get(p.id, []):
            walk(c)

    walk(prov)
    return " ".join(out)
