"""Sanity gates: each parse must prove it is complete before it is published.

A gate failure names the document and the check. The build stops and the last good
output stays in place (see ``corpus.build``).
"""
from __future__ import annotations

import collections
import re
from dataclasses import dataclass

from corpus.model import ParseResult, Provision
from corpus.sources.base import Source

_TOKEN = re.compile(r"\w+", re.UNICODE)
# How much a re-parse of a document may shrink against the last good build before we
# call it drift rather than an amendment (a publisher's markup change, a parser bug).
MAX_SHRINK = 0.10


@dataclass
class GateFailure:
    """One failed check for one document."""

    doc_id: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.doc_id}: gate '{self.check}' failed: {self.message}"


def words(text: str) -> collections.Counter:
    """Lower-cased word tokens (the unit of the coverage gate)."""
    return collections.Counter(t.lower() for t in _TOKEN.findall(text))


def coverage(result: ParseResult) -> float:
    """Share of the body's words (as a multiset) that the provisions account for,
    counting each provision's text, heading, number and pinpoint."""
    body = words(result.body_text)
    total = sum(body.values())
    if not total:
        return 0.0
    got: collections.Counter = collections.Counter()
    for p in result.provisions:
        got.update(words(" ".join((p.text, p.heading, p.num, p.pinpoint))))
    return sum(min(n, got[w]) for w, n in body.items()) / total


def kind_counts(provisions: list[Provision]) -> dict[str, int]:
    """Number of provisions of each kind."""
    return dict(collections.Counter(p.kind for p in provisions))


def check_document(source: Source, result: ParseResult, last_good: list[dict] | None = None, *,
                   expected: dict[str, int] | None = None) -> list[GateFailure]:
    """Run every gate on one parsed document; ``last_good`` is that document's
    provisions from the last good build (dicts with ``id`` and ``kind``), if any.
    ``expected`` replaces the registry's counts (another version of the text has its own)."""
    fails: list[GateFailure] = []

    def fail(check: str, msg: str) -> None:
        fails.append(GateFailure(source.id, check, msg))

    provs = result.provisions
    if not provs:
        fail("non-empty", "the parser yielded no provisions")
        return fails

    counts = kind_counts(provs)
    for kind, want in sorted((source.expected if expected is None else expected).items()):
        if counts.get(kind, 0) != want:
            fail("counts", f"expected {want} {kind} provisions, got {counts.get(kind, 0)}")

    ids = collections.Counter(p.id for p in provs)
    dupes = [i for i, n in ids.items() if n > 1]
    if dupes:
        fail("unique-ids", f"{len(dupes)} duplicate ids, e.g. {dupes[:3]}")
    bad_prefix = [p.id for p in provs if not p.id.startswith(source.id + "/") or p.doc_id != source.id]
    if bad_prefix:
        fail("id-prefix", f"ids not under {source.id}/: {bad_prefix[:3]}")

    known = set(ids)
    orphans = [p.id for p in provs if p.parent_id is not None and p.parent_id not in known]
    if orphans:
        fail("parents-exist", f"{len(orphans)} provisions name a missing parent, e.g. {orphans[:3]}")

    has_children = {p.parent_id for p in provs}
    empty = [p.id for p in provs if not p.text.strip() and p.id not in has_children]
    if empty:
        fail("no-empty", f"{len(empty)} provisions have no text and no sub-provisions, e.g. {empty[:3]}")
    blank_pin = [p.id for p in provs if not p.pinpoint.strip()]
    if blank_pin:
        fail("pinpoints", f"{len(blank_pin)} provisions have no pinpoint, e.g. {blank_pin[:3]}")

    cov = coverage(result)
    if cov < source.min_coverage:
        fail("coverage", f"provisions account for {cov:.1%} of the body text's words, "
                         f"below the {source.min_coverage:.0%} this document must reach")

    if last_good:
        old, new = len(last_good), len(provs)
        if new < old * (1 - MAX_SHRINK):
            fail("drift", f"{new} provisions against {old} in the last good build "
                          f"(more than {MAX_SHRINK:.0%} fewer); if the publisher really removed "
                          "text, rebuild with --accept-drift")
    return fails
