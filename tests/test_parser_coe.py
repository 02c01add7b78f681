"""Council of Europe treaty parser: invented fixture (text level) and CETS 225 in the mirror."""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from corpus.checks import check_document, coverage, kind_counts
from corpus.model import ParseError
from corpus.parsers import get_parser
from corpus.parsers.coe_pdf import parse_coe_lines

DOC = "coe-test"


def fixture_lines() -> list[str]:
    return (FIXTURES / "coe" / "treaty.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def fx():
    res = parse_coe_lines(fixture_lines(), DOC)
    return res, {p.id.removeprefix(DOC + "/"): p for p in res.provisions}


def test_fixture_structure(fx):
    res, by = fx
    assert kind_counts(res.provisions) == {
        "heading": 1, "preamble": 1, "preambular-paragraph": 3, "chapter": 2, "article": 3,
        "paragraph": 4, "point": 4, "signature": 1}
    assert coverage(res) == 1.0
    assert by["title"].text.startswith("Imaginary Treaty Series")


def test_fixture_preamble(fx):
    _, by = fx
    assert by["preamble"].text == ("The member States of the Imaginary Gardens Society and the "
                                   "other signatories hereto, Have agreed as follows:")
    assert by["pp-2"].text.endswith("United Nations bodies that share the same values;")
    assert by["pp-2"].pinpoint == "Preamble, paragraph 2"
    assert "co-operation" in by["pp-2"].text


def test_fixture_articles_paragraphs_points(fx):
    _, by = fx
    art = by["art-1"]
    assert (art.kind, art.pinpoint, art.heading, art.parent_id) == (
        "article", "Article 1", "Object and purpose", f"{DOC}/cpt-i")
    assert by["cpt-i"].pinpoint == "Chapter I" and by["cpt-i"].heading == "General provisions"
    # "3 plots" continues a sentence: it is not paragraph 3
    assert by["art-1/par-2"].text.endswith("in 3 plots at least, and more where needed.")
    assert "art-1/par-3" not in by
    pt = by["art-2/par-1/pt-b"]
    assert (pt.kind, pt.pinpoint, pt.num) == ("point", "Article 2, paragraph 1.b", "b")
    # "a in a manner ..." is a wrapped line, and the unnumbered text after b belongs to b
    assert "subparagraph a in a manner" in pt.text
    assert pt.text.endswith("how it intends to apply subparagraph b.")
    assert by["art-2/par-2"].pinpoint == "Article 2, paragraph 2"
    assert by["art-3/pt-b"].pinpoint == "Article 3, sub-paragraph b"
    assert by["art-3"].text == "The Secretary General shall notify the Parties of:"


def test_fixture_signature(fx):
    _, by = fx
    sig = by["signature"]
    assert sig.kind == "signature" and sig.parent_id is None
    assert sig.text.startswith("In witness whereof") and "Done in Nowhere" in sig.text
    assert by["art-3/pt-b"].text == "any denunciation."


@pytest.mark.parametrize("mutate, needle", [
    (lambda ls: [l for l in ls if l != "Preamble"], "Preamble"),
    (lambda ls: ls[:ls.index("Have agreed as follows:")] + ["Have agreed as follows:", "Chapter one"],
     "after 'Have agreed as follows'"),
    (lambda ls: ls[:ls.index("Chapter I – General provisions")], "articles"),
])
def test_malformed_text_raises(mutate, needle):
    with pytest.raises(ParseError, match=needle):
        parse_coe_lines(mutate(fixture_lines()), DOC)


def test_not_a_pdf_raises():
    with pytest.raises(ParseError, match="PDF"):
        get_parser("coe_treaty_pdf")(b"%PDF-1.7 truncated", DOC)


# --- the real document (mirror) ---------------------------------------------------------

SID = "coe-cets-225"


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
    assert counts["article"] == 36
    assert counts["chapter"] == 8
    assert counts["preambular-paragraph"] == 17


def test_real_article_1_and_36(real):
    res, by = real
    assert by["art-1"].heading == "Object and purpose"
    assert by["art-1"].parent_id == f"{SID}/cpt-i"
    arts = [p for p in res.provisions if p.kind == "article"]
    assert [p.num for p in arts] == [str(n) for n in range(1, 37)]
    assert arts[-1].id == f"{SID}/art-36" and arts[-1].heading == "Notification"
    assert arts[-1].parent_id == f"{SID}/cpt-viii"
    assert by["art-36/pt-h"].text.endswith("relating to this Convention.")


def test_real_article_3_pinpoints(real):
    _, by = real
    p1 = by["art-3/par-1"]
    assert (p1.kind, p1.pinpoint) == ("paragraph", "Article 3, paragraph 1")
    assert p1.text.endswith("rule of law as follows:")
    b = by["art-3/par-1/pt-b"]
    assert (b.kind, b.pinpoint, b.parent_id) == ("point", "Article 3, paragraph 1.b", p1.id)
    assert "to the extent not covered in subparagraph a" in b.text
    assert "may not derogate from" in b.text          # the second unnumbered continuation
    assert by["art-3/par-4"].text == ("Matters relating to national defence do not fall "
                                      "within the scope of this Convention.")
    assert by["art-11/pt-a"].pinpoint == "Article 11, sub-paragraph a"


def test_real_chapters(real):
    _, by = real
    assert by["cpt-v"].heading == "Assessment and mitigation of risks and adverse impacts"
    assert by["art-16"].parent_id == f"{SID}/cpt-v"
    assert by["cpt-iii"].pinpoint == "Chapter III"


def test_real_running_header_stripped(real):
    res, by = real
    for p in res.provisions:
        assert "CETS 225 \u2013 Artificial Intelligence" not in p.text
        assert "_____" not in p.text
    # page numbers at the top of a page do not leak into the text either
    assert by["art-36/pt-f"].text.endswith("in pursuance of Article 34;")
    assert by["art-2"].text.endswith("autonomy and adaptiveness after deployment.")


def test_real_final_formula(real):
    _, by = real
    sig = by["signature"]
    assert sig.kind == "signature"
    assert "Done in Vilnius, this 5th day of September 2024" in sig.text
