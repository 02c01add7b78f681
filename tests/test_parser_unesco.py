"""UNESCO Recommendation parser: invented fixture (text level) and the real PDF in the mirror."""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from corpus.checks import check_document, coverage, kind_counts
from corpus.model import ParseError
from corpus.parsers import get_parser
from corpus.parsers.unesco_pdf import parse_unesco_lines

DOC = "unesco-test"


def fixture_lines() -> list[str]:
    return (FIXTURES / "unesco" / "recommendation.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def fx():
    res = parse_unesco_lines(fixture_lines(), DOC)
    return res, {p.id.removeprefix(DOC + "/"): p for p in res.provisions}


def test_fixture_structure(fx):
    res, by = fx
    assert kind_counts(res.provisions) == {
        "heading": 3, "preamble": 1, "preambular-paragraph": 4, "adoption-clause": 3,
        "section": 4, "subsection": 1, "policy-area": 2, "paragraph": 10, "point": 4,
        "subpoint": 2}
    assert coverage(res) == 1.0


def test_fixture_preamble_split_on_considering_words_only(fx):
    _, by = fx
    assert by["preamble"].text.startswith("The General Assembly")
    assert by["preamble"].text.endswith("at its 9th session,")
    # "United Nations ..." after a comma is a wrapped line, not a new paragraph
    assert by["pp-2"].text.endswith("United Nations bodies and other societies included,")
    assert by["pp-3"].text.startswith("Also noting")
    assert by["pp-4"].pinpoint == "Preamble, paragraph 4"
    assert by["pp-4"].parent_id == f"{DOC}/preamble"


def test_fixture_adoption_clauses_apart_from_body(fx):
    _, by = fx
    assert by["adopt-1"].kind == "adoption-clause"
    assert by["adopt-1"].pinpoint == "Adoption clause 1"
    assert by["adopt-1"].text.startswith("Adopts the present")
    assert by["par-1"].pinpoint == "Paragraph 1"
    assert by["par-1"].text.startswith("This Recommendation addresses")
    assert by["par-1"].parent_id == f"{DOC}/sct-i"


def test_fixture_items_and_roman_subitems(fx):
    _, by = fx
    assert by["par-2"].text == "Three elements are central:"
    a = by["par-2/a"]
    assert (a.kind, a.pinpoint, a.num) == ("point", "Paragraph 2(a)", "(a)")
    sub = by["par-2/a/ii"]
    assert (sub.kind, sub.pinpoint, sub.parent_id) == ("subpoint", "Paragraph 2(a)(ii)", a.id)
    assert sub.text == "watering, including rain and cans."
    # text after the last roman item resumes the lettered item
    assert a.text.endswith("Gardens can also hold benches and ponds.")
    assert by["par-2/b"].text.startswith("Gardeners are")


def test_fixture_sections_subsections_headings_policy_areas(fx):
    _, by = fx
    assert by["sct-ii"].heading == "VALUES AND PRINCIPLES"
    sub = by["sct-ii/sub-1"]
    assert (sub.kind, sub.pinpoint, sub.heading) == ("subsection", "Section II.1", "VALUES")
    h = by["sct-ii/sub-1/h-2"]
    assert h.heading == "Care for bees" and h.kind == "heading"
    assert by["par-5"].parent_id == h.id
    area = by["policy-area-1"]
    assert (area.pinpoint, area.heading, area.parent_id) == (
        "Policy Area 1", "POLICY AREA 1: PLANTING ASSESSMENT", f"{DOC}/sct-iii")
    assert by["par-7"].parent_id == area.id
    assert by["par-9"].parent_id == f"{DOC}/policy-area-2"
    assert by["par-10"].parent_id == f"{DOC}/sct-iv"
    # a line opening with a parenthesised acronym is text, not an item
    assert by["par-7"].text.endswith("developing States (SIDS) before spring.")
    assert by["par-8/b"].pinpoint == "Paragraph 8(b)"


def test_fixture_dehyphenation(fx):
    _, by = fx
    assert "against regulation that is careless" in by["par-4"].text
    assert "on decision-making in small plots" in by["pp-3"].text


@pytest.mark.parametrize("mutate, needle", [
    (lambda ls: [l for l in ls if l != "PREAMBLE"], "PREAMBLE"),
    (lambda ls: ls[:ls.index("1. Adopts the present Recommendation on this first day of April 2031;")],
     "adoption clauses"),
    (lambda ls: ls[:ls.index("I. SCOPE OF APPLICATION")], "section headings"),
])
def test_malformed_text_raises(mutate, needle):
    with pytest.raises(ParseError, match=needle):
        parse_unesco_lines(mutate(fixture_lines()), DOC)


def test_not_a_pdf_raises():
    with pytest.raises(ParseError, match="PDF"):
        get_parser("unesco_recommendation_pdf")(b"<html>not a pdf</html>", DOC)


# --- the real document (mirror) ---------------------------------------------------------

SID = "unesco-ai-ethics"


@pytest.fixture(scope="module")
def real(parsed):
    res = parsed(SID)
    return res, {p.id.removeprefix(SID + "/"): p for p in res.provisions}


def test_real_gates_pass(real):
    from corpus import sources
    res, _ = real
    assert check_document(sources.get(SID), res) == []


def test_real_counts(real):
    res, _ = real
    counts = kind_counts(res.provisions)
    assert counts["paragraph"] == 141
    assert counts["adoption-clause"] == 3
    assert counts["section"] == 8
    assert counts["policy-area"] == 11
    assert counts["preambular-paragraph"] == 21


def test_real_paragraph_141_is_last(real):
    res, by = real
    paras = [p for p in res.provisions if p.kind == "paragraph"]
    assert paras[-1].id == f"{SID}/par-141"
    assert by["par-141"].pinpoint == "Paragraph 141"
    assert by["par-141"].parent_id == f"{SID}/sct-viii"
    assert by["par-141"].text.startswith("Nothing in this Recommendation may be interpreted")
    assert [p.num for p in paras] == [str(n) for n in range(1, 142)]


def test_real_adoption_clause_1_differs_from_paragraph_1(real):
    _, by = real
    adopt, par = by["adopt-1"], by["par-1"]
    assert adopt.id != par.id and adopt.kind == "adoption-clause" and par.kind == "paragraph"
    assert adopt.pinpoint == "Adoption clause 1" and par.pinpoint == "Paragraph 1"
    assert adopt.text.startswith("Adopts the present Recommendation")
    assert par.text.startswith("This Recommendation addresses ethical issues")
    assert by["adopt-3"].text.startswith("Also recommends that Member States engage")


def test_real_policy_areas(real):
    _, by = real
    pa1 = by["policy-area-1"]
    assert pa1.heading == "POLICY AREA 1: ETHICAL IMPACT ASSESSMENT"
    assert (pa1.kind, pa1.pinpoint, pa1.parent_id) == ("policy-area", "Policy Area 1", f"{SID}/sct-iv")
    # first paragraphs of each area, as the print numbers them
    firsts = {1: 50, 2: 54, 3: 71, 4: 78, 5: 84, 6: 87, 7: 94, 8: 101, 9: 112, 10: 116, 11: 121}
    for area, par in firsts.items():
        assert by[f"par-{par}"].parent_id == f"{SID}/policy-area-{area}"
        assert by[f"par-{par - 1}"].parent_id != f"{SID}/policy-area-{area}"
    p55 = by["par-55"]
    assert p55.parent_id == f"{SID}/policy-area-2"
    assert "strong enforcement mechanisms" in p55.text
    assert by["par-49"].parent_id == f"{SID}/sct-iv"


def test_real_sections_and_subsections(real):
    _, by = real
    assert by["sct-iii"].pinpoint == "Section III"
    assert by["sct-iii"].heading == "VALUES AND PRINCIPLES"
    assert by["sct-iii/sub-2"].heading == "PRINCIPLES"
    assert by["sct-iii/sub-2/h-1"].heading == "Proportionality and Do No Harm"
    assert by["par-25"].parent_id == f"{SID}/sct-iii/sub-2/h-1"


def test_real_items(real):
    _, by = real
    assert by["par-123/f"].pinpoint == "Paragraph 123(f)"
    assert "ethical research committee" in by["par-123/f"].text
    assert by["par-2/a/i"].text.startswith("machine learning")
    assert by["par-2/a"].text.endswith("in the environment in which AI systems work.")


def test_real_no_page_furniture_in_text(real):
    res, _ = real
    for p in res.provisions:
        assert "SHS/BIO/REC-AIETHICS" not in p.text
        assert "\u2013 2 \u2013" not in p.text and not p.text.endswith("\u2013")
    assert "Preamble" in res.provisions[1].pinpoint
