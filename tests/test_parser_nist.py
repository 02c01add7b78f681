"""NIST AI 100-1 (AI RMF) and NIST AI 600-1 (GAI Profile) parsers.

Unit tests run the text-level functions on small invented fixtures (tests/fixtures/nist);
the PDF path is exercised on the real mirror files, which also are compared with the
expert risk labels in ../shared/gold when present.
"""
from __future__ import annotations

import collections
import csv

import pytest

from corpus.checks import check_document
from corpus.model import ParseError
from corpus.parsers import nist_pdf
from corpus.parsers.nist_pdf import (action_risks, canonical_risk, parse_action_tables, parse_core_table,
                                     restore_soft_breaks, split_blocks, split_footnotes, split_risk_tags)
from corpus.parsers.pdftext import document_vocabulary
from corpus.sources import get
from tests.conftest import FIXTURES, ROOT

FIX = FIXTURES / "nist"
GOLD = ROOT.parent / "shared" / "gold" / "nist-ai-600-1-risk-labels" / "action_risk_labels.csv"
RMF, GAI = "us-nist-ai-100-1", "us-nist-ai-600-1"


def fixture_lines(name: str) -> list[str]:
    return ["\f" if l == "\\f" else l for l in (FIX / name).read_text().splitlines() if l.strip()]


# --- unit tests on invented text ------------------------------------------------------

def test_core_table_category_text_carried_over_a_page_break():
    cats = parse_core_table(fixture_lines("core_table.txt"), "GOVERN")
    assert [c[0] for c in cats] == ["1", "2"]
    num, clines, subs = cats[0]
    # the category cell's last words come first on the next page, before GOVERN 1.3
    assert " ".join(clines).endswith("catalogue is kept kept current.")
    assert [s[0] for s in subs] == ["1", "2", "3"]
    assert subs[1][1] == ["Catalogue entries are reviewed on a fixed sched-", "ule."]
    assert cats[1][1] == ["Spare", "parts are stocked."]


def test_core_table_without_labels_is_a_parse_error():
    with pytest.raises(ParseError, match="GOVERN 1:"):
        parse_core_table(["Widgets are catalogued."], "GOVERN")
    with pytest.raises(ParseError, match="found under category"):
        parse_core_table(["GOVERN 1: A.", "GOVERN 2.1: B."], "GOVERN")


def test_action_rows_and_risk_tags():
    rows = parse_action_tables(fixture_lines("action_table.txt"))
    assert [(r.kind, r.label) for r in rows] == [
        ("subcategory", "GOVERN 1.1"), ("action", "GV-1.1-001"), ("action", "GV-1.1-002"),
        ("actors", "AI Actor Tasks"), ("subcategory", "MEASURE 2.11"), ("action", "MS-2.11-001"),
        ("actors", "AI Actors")]
    text, tags = split_risk_tags(" ".join(rows[1].lines))
    assert text == "Name an owner for every widget in the catalogue and record the name."
    assert tags == ["Data Privacy"]
    text, tags = split_risk_tags(" ".join(rows[2].lines))
    assert text.endswith("retired widgets and spare parts.")
    assert tags == ["Information Integrity", "Human-AI Configuration", "CBRN Information and Capability"]
    assert [canonical_risk(t) for t in tags][2] == "CBRN Information or Capabilities"
    # a comma instead of a semicolon between two tags
    assert split_risk_tags(" ".join(rows[5].lines))[1] == ["Human-AI Configuration",
                                                            "Harmful Bias and Homogenization"]
    # no known tag at the end: nothing is peeled off
    assert split_risk_tags("Compare colours with the card.") == ("Compare colours with the card.", [])


def test_footnotes_split_from_the_page_and_marks_removed():
    body, notes = split_footnotes(fixture_lines("footnote_page.txt"), 1)
    assert [n for n, _ in notes] == [1, 2, 3]
    assert notes[2][1] == ["A recount is free of charge", "for the first request."]
    assert body[0].endswith("by the stock office. The count is recorded")
    assert "2" not in body                      # a reference mark on a line of its own
    assert body[-1] == "Owners may ask for a recount."   # mark 3 at a line start
    assert split_footnotes(["No notes here."], 4) == (["No notes here."], [])


def test_blocks_bullets_headings_numbered_items_and_dehyphenation():
    lines = fixture_lines("prose.txt")
    blocks = split_blocks(lines, 80)
    assert [b.kind for b in blocks] == ["para", "para", "bullet", "bullet", "bullet", "para", "subhead",
                                        "para", "num", "num"]
    vocab = document_vocabulary(lines + ["regulation", "high-risk"])
    texts = [nist_pdf._join(b.lines, vocab) for b in blocks]
    assert texts[3] == "the date of its last regulation check; and"
    assert texts[4] == "its high-risk status."
    assert blocks[8].num == "1" and blocks[9].num == "2"


def test_glued_soft_hyphen_lines_are_split_back():
    # pdfium drops the line break after a soft hyphen: two printed lines arrive as one
    lines = ["The catalogue is the register of all widgets held by the organization and is",
             "kept up to date by the widget office, which reviews every recommenda-tion of the",
             "office once a year and reports to the board on the state of the whole register.",
             "The register lists each recommendation and owner and the date of its last check and",
             "the board of the organization reads each recommendation of the widget of-fice once",
             "a year, in its spring meeting."]
    out = restore_soft_breaks(lines, document_vocabulary(lines))
    assert "kept up to date by the widget office, which reviews every recommenda-" in out
    assert "the board of the organization reads each recommendation of the widget of-" in out
    text = nist_pdf._join(out, document_vocabulary(out))
    assert text.count("recommendation ") == 3 and "widget office once" in text


def test_garbage_and_truncated_input_raise_parse_error(mirror_bytes):
    for fn in (nist_pdf.parse_ai_rmf, nist_pdf.parse_genai_profile):
        with pytest.raises(ParseError):
            fn(b"%PDF-1.4 this is not a PDF", "x")
    data = mirror_bytes("nist-ai-100-1", "pdf")
    with pytest.raises(ParseError):
        nist_pdf.parse_ai_rmf(data[: len(data) // 3], RMF)
    # the right PDF for the wrong parser: the title check says what was expected
    with pytest.raises(ParseError, match="Generative Artificial Intelligence Profile"):
        nist_pdf.parse_genai_profile(data, GAI)


# --- the real documents -----------------------------------------------------------------

@pytest.fixture(scope="module")
def rmf(parsed):
    res = parsed(RMF)
    return res, {p.id.split("/", 1)[1]: p for p in res.provisions}


@pytest.fixture(scope="module")
def gai(parsed):
    res = parsed(GAI)
    return res, {p.id.split("/", 1)[1]: p for p in res.provisions}


@pytest.mark.parametrize("sid", [RMF, GAI])
def test_gates_pass(sid, parsed):
    assert check_document(get(sid), parsed(sid)) == []


def test_rmf_core_counts(rmf):
    res, _ = rmf
    subs = collections.Counter(p.pinpoint.split()[0] for p in res.provisions if p.kind == "subcategory")
    cats = collections.Counter(p.pinpoint.split()[0] for p in res.provisions if p.kind == "category")
    assert subs == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    assert cats == {"GOVERN": 6, "MAP": 5, "MEASURE": 4, "MANAGE": 4}
    assert [p.pinpoint for p in res.provisions if p.kind == "function"] == ["GOVERN", "MAP", "MEASURE", "MANAGE"]
    # every category and subcategory statement is a complete sentence
    assert all(p.text.endswith(".") for p in res.provisions if p.kind in ("category", "subcategory"))


def test_rmf_spot_checks(rmf):
    _, by = rmf
    g11 = by["govern-1.1"]
    assert (g11.kind, g11.pinpoint, g11.parent_id) == ("subcategory", "GOVERN 1.1", f"{RMF}/govern-1")
    assert g11.text == "Legal and regulatory requirements involving AI are understood, managed, and documented."
    assert by["govern-1"].parent_id == f"{RMF}/govern" and by["govern"].parent_id == f"{RMF}/sec-5"
    assert by["measure-2.11"].text.startswith("Fairness and bias – as identified in the MAP function")
    # GOVERN 4's category text runs over a page break in the table
    assert by["govern-4"].text == "Organizational teams are committed to a culture that considers and " \
                                   "communicates AI risk."
    assert by["sec-1.2.1"].pinpoint == "Section 1.2.1" and by["sec-1.2.1"].parent_id == f"{RMF}/sec-1.2"
    assert by["sec-3.7"].heading == "Fair – with Harmful Bias Managed"
    assert by["app-d/item-10"].text.startswith("Be a living document.")
    assert by["app-a"].heading == "Descriptions of AI Actor Tasks from Figures 2 and 3"
    assert "no later than 2028" in by["update-schedule"].text
    assert by["exec-summary/par-1"].text.startswith("Artificial intelligence (AI) technologies")


def test_rmf_dehyphenation_and_furniture(rmf):
    res, by = rmf
    text = " ".join(p.text for p in res.provisions)
    assert "recommendation" in text and "recommenda-tion" not in res.body_text
    assert "decisions" in by["sec-4/par-2/item-3"].text
    assert "third-party" in by["govern-6.1"].text and "infringement" in by["govern-6.1"].text
    assert "long- or short-term, high- or low-probability" in by["exec-summary/par-1"].text
    for furniture in ("NIST AI 100-1 AI RMF 1.0", "Continued on next page", "Categories Subcategories", "Page 22"):
        assert furniture not in res.body_text


def test_gai_counts_and_spot_checks(gai):
    res, by = gai
    assert sum(p.kind == "action" for p in res.provisions) == 212
    risks = [by[f"sec-2.{k}"] for k in range(1, 13)]
    assert risks[0].heading == "CBRN Information or Capabilities" and risks[0].pinpoint == "Section 2.1"
    assert risks[11].heading == "Value Chain and Component Integration"
    a = by["gv-1.1-001"]
    assert (a.kind, a.pinpoint, a.parent_id) == ("action", "GV-1.1-001", f"{GAI}/gv-1.1")
    assert a.text.startswith("Align GAI development and use with applicable laws and regulations")
    assert action_risks(a) == ["Data Privacy", "Harmful Bias and Homogenization", "Intellectual Property"]
    assert by["gv-1.1"].pinpoint == "GOVERN 1.1" and "Legal and regulatory" in by["gv-1.1"].text
    assert by["gv-1.1/actor-tasks"].text == "Governance and Oversight"
    typo = by["gv-4.3-001"]
    assert typo.pinpoint == "GV-4.3-001" and typo.num == "GV4.3--001"
    assert by["fn-1"].text.startswith("EO 14110 defines Generative AI")
    assert by["sec-2/item-6"].text.startswith("Harmful Bias or Homogenization:")
    assert by["app-b/ref-1"].text.startswith("Acemoglu, D. (2024)")
    assert "Action ID Suggested Action GAI Risks" not in res.body_text


def test_gai_agrees_with_expert_risk_labels(gai):
    """The 212 actions and their tags against ../shared/gold (NIST's own labels)."""
    if not GOLD.is_file():
        pytest.skip(f"gold labels not found at {GOLD}")
    gold: dict[str, set[str]] = collections.defaultdict(set)
    gold_sub: dict[str, str] = {}
    with GOLD.open(newline="") as f:
        for row in csv.DictReader(f):
            gold[row["action_id"]].add(row["gai_risk_label"])
            gold_sub[row["action_id"]] = row["subcategory_id"]
    res, by = gai
    actions = {p.num: p for p in res.provisions if p.kind == "action"}
    assert set(actions) == set(gold)            # ids as printed, typo included
    agree = sum({canonical_risk(t) for t in action_risks(actions[k])} == tags for k, tags in gold.items())
    assert agree == len(gold) == 212
    parents = {p.id: p for p in res.provisions}
    assert all(parents[actions[k].parent_id].pinpoint == s for k, s in gold_sub.items())
