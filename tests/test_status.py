"""Where each instrument stands in law travels with every provision: one sentence for it
(corpus.status), the exports, and the divergence rows of instruments not in their current form."""
from __future__ import annotations

import dataclasses
import json

import pytest

from corpus import sources
from corpus.build import build_corpus
from corpus.sources.base import Act, Status
from corpus.status import is_current, mark_cells, status_line, summary
from corpus.store import KnowledgeBase
from test_build import DOC_A, DOC_B, read_jsonl, registry, write_mirror  # noqa: F401 (fixture)


def doc(source_id: str, held: str = "original") -> dict:
    """A document of the registry as the knowledge base holds it, at version ``held``."""
    s = sources.get(source_id)
    versions = [{"id": "original", "date": s.date_adopted}]
    if held != "original":
        c = s.status.consolidated
        versions.append({"id": c.version_id, "date": c.date, "celex": c.celex})
    return {"id": s.id, "family": s.family, "date": s.date_adopted, "status": json.dumps(s.status.to_dict()),
            "versions": json.dumps(versions)}


@pytest.mark.parametrize("source_id, current, line", [
    ("eu-ai-act", False, "Amended by Regulation (EU) 2026/1744 (in force 27 July 2026); this is the original 2024 "
                         "text; consolidated text: https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:"
                         "02024R1689-20260727"),
    ("us-eo-14110", False, "Revoked on 20 January 2025 by Executive Order 14148 (Initial Rescissions of Harmful "
                           "Executive Orders and Actions), Sec. 2; this text is no longer in force"),
    ("oecd-ai-2019", False, "Superseded on 3 May 2024 by the Recommendation of the Council on Artificial "
                            "Intelligence (OECD/LEGAL/0449) as amended on 8 November 2023 and 3 May 2024; this is "
                            "the 2019 text; current text: https://legalinstruments.oecd.org/en/instruments/"
                            "OECD-LEGAL-0449"),
    ("eu-gdpr", True, "In force; this is the original 2016 text; consolidated text: "
                      "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:02016R0679-20160504"),
    ("oecd-ai-2024", True, "Non-binding"),
    ("us-eo-2025-12-11-national-ai-policy", True, "In force"),
    ("coe-cets-225", True, "Not yet applicable (not in force when last checked)"),
])
def test_one_line_says_where_the_instrument_stands(source_id, current, line):
    d = doc(source_id)
    assert (is_current(d), status_line(d)) == (current, line)
    assert summary(d) == {"status": sources.get(source_id).status.status, "current": current, "line": line,
                          "checked": "2026-12-05"}


def test_an_amended_act_is_current_only_at_a_consolidation_that_has_every_amendment():
    d = doc("eu-ai-act", held="consolidated")
    assert is_current(d)
    assert status_line(d) == ("In force as amended by Regulation (EU) 2026/1744 (in force 27 July 2026); this is "
                              "the consolidated text of 27 July 2026 (CELEX 02024R1689-20260727)")
    st = sources.get("eu-ai-act").status
    later = dataclasses.replace(st, amended_by=st.amended_by + (
        Act("Regulation (EU) 2027/1", "2027-01-01", "http://data.europa.eu/eli/reg/2027/1/oj"),))
    d["status"] = json.dumps(later.to_dict())
    assert not is_current(d) and status_line(d).startswith(
        "Amended by Regulation (EU) 2026/1744 (in force 27 July 2026) and Regulation (EU) 2027/1 (in force 1 January "
        "2027); this is the consolidated text of 27 July 2026")


def test_no_status_recorded_says_nothing():
    d = {"id": "x", "date": "2020-01-01", "status": "", "versions": "[]"}
    assert (is_current(d), status_line(d), summary(d)) == (None, "", None)


def test_divergence_rows_of_instruments_not_in_their_current_form_are_marked():
    docs = {i: doc(i) for i in ("eu-ai-act", "eu-gdpr", "us-eo-14179")} | {"zz": {"id": "zz", "family": "oecd"}}
    div = {"baseline": "b", "cells": [
        {"instrument": "eu-ai-act", "level": "document", "theme": "privacy", "label": "divergent"},
        {"instrument": "eu-gdpr", "level": "document", "theme": "privacy", "label": "aligned"},
        {"instrument": "eu", "level": "family", "theme": "privacy", "label": "divergent"},
        {"instrument": "us", "level": "family", "theme": "privacy", "label": "aligned"},
        {"instrument": "zz", "level": "document", "theme": "privacy", "label": "aligned"},
        {"instrument": "oecd", "level": "family", "theme": "privacy", "label": "aligned"}]}
    cells = {c["instrument"]: c for c in mark_cells(div, docs)["cells"]}
    assert cells["eu-ai-act"]["instrument_current"] is False and cells["eu-ai-act"]["instrument_status"] == "in force as amended"
    assert cells["eu-ai-act"]["status_line"].startswith("Amended by Regulation (EU) 2026/1744")
    assert cells["eu-gdpr"]["instrument_current"] is True and "status_line" not in cells["eu-gdpr"]
    assert cells["eu"]["instruments_not_current"] == ["eu-ai-act"] and cells["us"]["instruments_not_current"] == []
    # nothing is said about instruments without a recorded status
    assert set(cells["zz"]) == set(div["cells"][4]) and set(cells["oecd"]) == set(div["cells"][5])
    assert "instrument_current" not in div["cells"][0]     # the stored data is left as it was


def test_exports_carry_the_status_to_every_provision(tmp_path, registry):
    revoked = Status("revoked", "2026-12-05", "https://example.org/eo-2",
                     revoked_by=Act("Order 2", "2026-01-02", "https://example.org/eo-2"))
    registry["t-a"] = dataclasses.replace(registry["t-a"], status=revoked)
    registry["t-b"] = dataclasses.replace(registry["t-b"], status=Status("non-binding", "2026-12-05", "https://example.org/b"))
    out = tmp_path / "out"
    assert build_corpus(out, mirror=write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B}), progress=False).ok
    docs = {d["id"]: d for d in read_jsonl(out / "export/documents.jsonl")}
    a = docs["t-a"]
    assert a["status"]["status"] == "revoked" and a["status"]["revoked_by"]["citation"] == "Order 2"
    assert a["current"] is False and a["status_line"] == "Revoked on 2 January 2026 by Order 2; this text is no longer in force"
    assert [v["id"] for v in a["versions"]] == ["original"] and a["versions"][0]["sha256"] == a["sha256"]
    assert docs["t-b"]["current"] is True and docs["t-b"]["status_line"] == "Non-binding"
    provs = read_jsonl(out / "export/provisions.jsonl")
    for p in provs:
        assert p["instrument_status"] == {"status": docs[p["doc_id"]]["status"]["status"],
                                          "current": docs[p["doc_id"]]["current"],
                                          "line": docs[p["doc_id"]]["status_line"], "checked": "2026-12-05"}
        assert p["version"] == "original" and p["source_url"] == docs[p["doc_id"]]["url"]
    kb = KnowledgeBase(out / "govkb.sqlite")
    assert json.loads(kb.document("t-a")["status"])["revoked_by"]["url"] == "https://example.org/eo-2"
