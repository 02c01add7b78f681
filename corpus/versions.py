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


# What consolidated texts leave out and the document keeps from the original: the
# preamble (citations, recitals, enacting formula) and the signatures under the final
# formula, by the ids corpus.parsers.eurlex_html gives them. Footnotes are the version's
# own: a consolidated text numbers its footnotes afresh.
CARRIED_ROOTS = ("preamble", "final")


def _root(p: Provision, by_id: dict[str, Provision]) -> Provision:
    while p.parent_id and p.parent_id in by_id:
        p = by_id[p.parent_id]
    return p


def compose(original: ParseResult, consolidated: ParseResult, version_id: str) -> ParseResult:
    """The document at its consolidated version: every provision of the consolidated text,
    and what consolidated texts leave out of the original (``CARRIED_ROOTS``), each placed
    after its parent's sub-provisions (the preamble after the title). Each provision says
    which version its words are from."""
    doc_id = original.provisions[0].doc_id if original.provisions else ""
    roots = {f"{doc_id}/{r}" for r in CARRIED_ROOTS}
    cons_ids = {p.id for p in consolidated.provisions}
    by_id = {p.id: p for p in original.provisions}
    carried = [p for p in original.provisions if p.id not in cons_ids and _root(p, by_id).id in roots]
    out = [Provision(**{**p.to_dict(), "version": version_id}) for p in consolidated.provisions]
    parents = {p.id: p.parent_id for p in out}

    def under(pid: str | None, ancestor: str) -> bool:
        while pid:
            if pid == ancestor:
                return True
            pid = parents.get(pid)
        return False

    for p in carried:
        if p.parent_id is None:
            at = 1 if out and out[0].kind == "heading" else 0
        else:
            at = next((i + 1 for i in range(len(out) - 1, -1, -1) if under(out[i].id, p.parent_id)), len(out))
        out.insert(at, Provision(**{**p.to_dict(), "version": ORIGINAL}))
        parents[p.id] = p.parent_id
    for n, p in enumerate(out):
        p.order = n
    body = " ".join([consolidated.body_text] + [f"{p.heading} {p.text}" for p in carried])
    return ParseResult(out, body, consolidated.notes + original.notes, consolidated.meta)
