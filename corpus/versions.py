"""Versions of an instrument's text: the original (the text the registry entry names) and,
for an EU act, its consolidated versions (EUR-Lex: the act with its amendments worked in,
at a date).

A document in the knowledge base stands at one version, the latest the build could get: a
live run fetches the consolidated version the registry names (``Status.consolidated``) next
to the original, a mirror run builds the original (the mirror holds no consolidated texts
yet). Provision ids are the same in every version (the consolidated parser builds them by
the same rules), so a version switch is an ordinary provision-level change: the change
report diffs it like any amendment and reviews pinned to a changed text become stale.

Consolidated texts leave the preamble out (citations, recitals, enacting formula): the
document keeps the original's, so recitals stay citable and linked to their articles.
Every provision records the version its words come from (``Provision.version``) and every
version its own provenance (``documents.versions``).
"""
from __future__ import annotations

import json

from corpus.archive import FetchRecord
from corpus.model import ParseResult, Provision
from corpus.sources.base import Consolidation, Source

ORIGINAL = "original"


def _provenance(rec: FetchRecord, parser: str) -> dict:
    return {"fetched_from": rec.final_url or rec.url, "sha256": rec.sha256, "retrieved_at": rec.retrieved_at,
            "transport": rec.transport, "source_kind": rec.source_kind, "parser": parser}


def original_record(source: Source, rec: FetchRecord, parser: str) -> dict:
    """The original version as ``documents.versions`` records it."""
    return {"id": ORIGINAL, "label": source.version, "date": source.date_adopted, "url": source.urls[0],
            **_provenance(rec, parser)}


def consolidated_record(cons: Consolidation, rec: FetchRecord, meta: dict) -> dict:
    """A consolidated version as ``documents.versions`` records it, with the acts behind its
    markers (``modifiers``: marker -> citation) as the text itself lists them."""
    return {"id": cons.version_id, "label": f"Consolidated version, CELEX {cons.celex} (EUR-Lex)",
            "date": cons.date, "celex": cons.celex, "url": cons.url, **_provenance(rec, cons.parser),
            "modifiers": meta.get("modifiers", {})}


def provenance(doc: dict, version_id: str) -> dict:
    """``source_url``, ``sha256``, ``retrieved_at`` and ``source_kind`` of the version a
    provision's words come from (the document's own when the version is not recorded)."""
    versions = doc.get("versions") or "[]"
    for v in json.loads(versions) if isinstance(versions, str) else versions:
        if v["id"] == version_id:
            return {"source_url": v["url"], "sha256": v["sha256"], "retrieved_at": v["retrieved_at"],
                    "source_kind": v["source_kind"]}
    return {"source_url": doc["url"], "sha256": doc["sha256"], "retrieved_at": doc["retrieved_at"],
            "source_kind": doc["source_kind"]}


def _in_preamble(p: Provision, by_id: dict[str, Provision]) -> bool:
    while p is not None:
        if p.kind == "preamble":
            return True
        p = by_id.get(p.parent_id) if p.parent_id else None
    return False


def compose(original: ParseResult, consolidated: ParseResult, version_id: str) -> ParseResult:
    """The document at its consolidated version: every provision of the consolidated text,
    and the original's preamble (citations, recitals, enacting formula), which consolidated
    texts leave out, placed after the title. Each provision says which version it is from."""
    cons_ids = {p.id for p in consolidated.provisions}
    by_id = {p.id: p for p in original.provisions}
    carried = [p for p in original.provisions if p.id not in cons_ids and _in_preamble(p, by_id)]
    head = [p for p in consolidated.provisions if p.kind == "heading" and p.parent_id is None][:1]
    rest = [p for p in consolidated.provisions if p not in head]
    out = []
    for p, version in [(p, version_id) for p in head] + [(p, ORIGINAL) for p in carried] + \
                      [(p, version_id) for p in rest]:
        q = Provision(**{**p.to_dict(), "order": len(out), "version": version})
        out.append(q)
    body = " ".join([consolidated.body_text] + [p.text for p in carried if p.text])
    return ParseResult(out, body, consolidated.notes + original.notes, consolidated.meta)
