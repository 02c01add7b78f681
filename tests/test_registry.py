"""The registry is complete and consistent: every mirror file is parsed or declared out
of scope with a reason, every entry names a real parser and cites its US relation."""
from __future__ import annotations

import re

import pytest

from corpus import sources
from corpus.parsers import get_parser
from corpus.sources.base import FAMILIES, STATUSES, Act, Consolidation, Status

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


@pytest.mark.parametrize("source", sorted(sources.declared().values(), key=lambda s: s.id), ids=lambda s: s.id)
def test_every_instrument_has_a_status_with_its_source(source):
    """Counsel must know whether a text is the law as it stands: every entry says where the
    instrument stands, when that was checked and against what, and cites the acts that
    amended, revoked or superseded it with their date and official URL."""
    st = source.status
    assert st is not None, f"{source.id} has no status (corpus/sources/base.py, Status)"
    assert st.status in STATUSES and re.fullmatch(r"\d{4}-\d\d-\d\d", st.checked) and st.source
    for act in (*st.amended_by, *st.supersedes, st.revoked_by, st.superseded_by):
        if act is not None:
            assert act.citation and re.fullmatch(r"\d{4}-\d\d-\d\d", act.date) and act.url.startswith("http")
    if st.status == "in force as amended":
        assert st.amended_by
    if st.consolidated:   # a consolidated version of this very act (its ELI names year and number)
        celex = st.consolidated.celex
        assert any(f"/eli/reg/{celex[1:5]}/{int(celex[6:10])}/" in u for u in source.urls)


def test_statuses_of_record():
    """The changes of standing the corpus must never present silently."""
    act = sources.get("eu-ai-act").status
    assert act.status == "in force as amended"
    assert [(a.citation, a.date) for a in act.amended_by] == [("Regulation (EU) 2026/1744", "2026-07-27")]
    assert (act.consolidated.celex, act.consolidated.date) == ("02024R1689-20260727", "2026-07-27")
    assert act.consolidated.fetch_url == "http://publications.europa.eu/resource/celex/02024R1689-20260727"
    eo = sources.get("us-eo-14110").status
    assert eo.status == "revoked" and eo.revoked_by.citation.startswith("Executive Order 14148")
    assert eo.revoked_by.date == "2025-01-20"
    oecd = sources.get("oecd-ai-2019").status
    assert oecd.status == "superseded" and oecd.superseded_by.date == "2024-05-03"
    assert sources.get("oecd-ai-2024").status.supersedes[0].date == "2019-05-22"
    dec = sources.get("us-eo-2025-12-11-national-ai-policy")
    assert dec.short_title == "EO 14365" and dec.title.startswith("Executive Order 14365 of December 11, 2025")
    assert dec.status.status == "in force"


@pytest.mark.parametrize("bad, says", [
    (dict(status="in force as amended"), "needs amended_by"),
    (dict(status="revoked"), "needs revoked_by"),
    (dict(status="superseded"), "needs superseded_by"),
    (dict(status="repealed-ish"), "unknown status"),
    (dict(status="in force", checked="last week"), "not an ISO date"),
    (dict(status="in force", source=""), "no source"),
])
def test_a_status_must_say_what_put_it_there(bad, says):
    args = {"checked": "2026-12-05", "source": "https://example.org", **bad}
    with pytest.raises(ValueError, match=says):
        Status(**args)


def test_a_consolidated_celex_must_match_its_date():
    assert Consolidation("02024R1689-20260727", "2026-07-27").version_id == "consolidated-2026-07-27"
    with pytest.raises(ValueError):
        Consolidation("02024R1689-20260727", "2026-07-28")
    with pytest.raises(ValueError):
        Act("Regulation (EU) 2026/1744", "27 July 2026", "http://data.europa.eu/eli/reg/2026/1744/oj")
