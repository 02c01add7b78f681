"""The registry is complete and consistent: every mirror file is parsed or declared out
of scope with a reason, every entry names a real parser and cites its US relation."""
from __future__ import annotations

import re

import pytest

from corpus import sources
from corpus.parsers import get_parser
from corpus.sources.base import FAMILIES

REQUIRED_IDS = {
    "eu-ai-act", "eu-gdpr", "eu-dsa", "oecd-ai-2019", "oecd-ai-2024", "g7-hiroshima-principles",
    "g7-hiroshima-code", "un-a-res-78-265", "un-a-res-78-311", "un-gdc", "unesco-ai-ethics",
    "coe-cets-225", "itu-t-y3172", "itu-t-y3173", "itu-t-y3174", "itu-t-y3181", "itu-ai-ready",
    "us-ai-action-plan", "us-eo-14179", "us-eo-14319", "us-eo-14320", "us-nist-ai-100-1",
    "us-nist-ai-600-1", "us-omb-m-25-21",
}


def test_required_registry_ids_exist():
    assert REQUIRED_IDS <= set(sources.REGISTRY)


def test_every_family_is_covered():
    assert {s.family for s in sources.REGISTRY.values()} == set(FAMILIES)


@pytest.mark.parametrize("source", sorted(sources.REGISTRY.values(), key=lambda s: s.id), ids=lambda s: s.id)
def test_entry_is_well_formed(source):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", source.id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", source.date_adopted)
    assert source.expected and all(n >= 0 for n in source.expected.values()) and any(source.expected.values())
    assert source.urls[0].startswith("https://")
    assert source.binds and source.version and source.publisher
    get_parser(source.parser)
    if source.live_parser:
        get_parser(source.live_parser)
    for rel in source.us_relation:
        assert rel.relation and rel.citation and rel.note


def test_dsa_is_registered_for_when_the_mirror_gets_it():
    dsa = sources.get("eu-dsa")
    assert dsa.mirror.doc == "dsa-2022-2065" and dsa.parser == sources.get("eu-gdpr").parser
    assert dsa.expected["article"] == 93 and dsa.expected["recital"] == 156


def test_every_mirror_file_is_parsed_or_out_of_scope(mirror):
    used = {}
    for s in sources.REGISTRY.values():
        row = mirror.find(s.mirror)
        if row is not None:
            assert row.file not in used, f"{row.file} claimed by {used.get(row.file)} and {s.id}"
            used[row.file] = s.id
    unaccounted = [r.file for r in mirror.rows if r.file not in used and r.file not in sources.OUT_OF_SCOPE]
    assert unaccounted == []
    both = [f for f in used if f in sources.OUT_OF_SCOPE]
    assert both == [], "a file cannot be both parsed and out of scope"
    assert all(len(why) > 20 for why in sources.OUT_OF_SCOPE.values())


@pytest.mark.parametrize("source_id", sorted(sources.REGISTRY))
def test_every_mirror_document_passes_its_gates(source_id, parsed):
    """One walk over the whole registry (as juriscraper does over its courts): each
    document in the mirror parses and passes every gate, and the mirror copy is
    recognised as what the registry says it is."""
    from corpus.checks import check_document
    assert check_document(sources.get(source_id), parsed(source_id)) == []
