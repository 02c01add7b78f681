"""OMB memorandum text parser (omb_memo_text): an invented fixture, then M-25-21 from
the mirror."""
from __future__ import annotations

import pytest

from corpus import sources
from corpus.checks import check_document, coverage, kind_counts
from corpus.model import ParseError
from corpus.parsers.omb_memo import parse_omb_memo_text
from tests.conftest import FIXTURES

FX = FIXTURES / "omb" / "memo.md"


def _by_id(result):
    return {p.id: p for p in result.provisions}


@pytest.fixture(scope="module")
def fx():
    return parse_omb_memo_text(FX.read_bytes(), "fx")


def test_fixture_counts_and_coverage(fx):
    assert kind_counts(fx.provisions) == {
        "heading": 6, "signature": 1, "paragraph": 7, "appendix": 1, "section": 4, "subsection": 15,
        "point": 6, "subpoint": 3, "item": 4, "definition": 2, "table-row": 2, "footnote": 4}
    assert coverage(fx) > 0.98


def test_fixture_header_signature_memo(fx):
    p = _by_id(fx)
    assert p["fx/header"].heading == "Governing Federal Use of Gadgets"
    assert "MEMORANDUM FOR THE HEADS OF GADGET AGENCIES" in p["fx/header"].text
    assert p["fx/signature"].kind == "signature" and "Director" in p["fx/signature"].text
    # the extractor's own title and summary lines are not the memo's text
    assert "Invented Office" not in fx.body_text and "# Invented" not in fx.body_text
    assert p["fx/memo/hd-4"].heading == "Agencies must remove barriers to good gadgets."
    assert p["fx/memo/hd-4"].parent_id == "fx/memo/hd-3"
    assert p["fx/memo/par-4"].parent_id == "fx/memo/hd-4"
    assert p["fx/memo/par-4"].pinpoint == "Memorandum, paragraph 4"


def test_fixture_footnotes_split_from_body(fx):
    p = _by_id(fx)
    # number on its own line, text after it
    assert p["fx/fn-2"].text == 'The term "gadget agency" is an invented term for this fixture.'
    # number printed after its text (then the page number): the text is taken back from the body
    assert p["fx/fn-4"].text.startswith("The footnote about scope") and p["fx/fn-4"].pinpoint == "n. 4"
    assert p["fx/fn-4"].parent_id is None
    assert "footnote about scope" not in p["fx/sec-1/b/par-1"].text
    every = " ".join(x.text for x in fx.provisions if x.kind != "footnote")
    assert "invented meaning" not in every


def test_fixture_ocr_roman_markers(fx):
    p = _by_id(fx)
    # a column of OCR'd markers "1." "11." "111." before their texts
    assert p["fx/sec-1/b/iii"].pinpoint == "Appendix, Sec. 1(b)(iii)"
    assert p["fx/sec-1/b/iii"].text == "gadgets kept in a museum."
    assert p["fx/sec-1/b/ii"].text == "gadgets under test; or"
    assert p["fx/sec-1/b/par-1"].pinpoint == "Appendix, Sec. 1(b) (flush text)"
    # "m." is the OCR of "iii."
    assert p["fx/sec-2/a/iii"].heading == "Gadget Policies" and p["fx/sec-2/a/iii"].num == "iii."
    assert p["fx/sec-2/a/i/cap-b/2"].pinpoint == "Appendix, Sec. 2(a)(i)(B)(2)"


def test_fixture_letters_definitions_table(fx):
    p = _by_id(fx)
    # after (h) a "1." is the letter i; after (k) it is l; "J." is j
    assert p["fx/sec-4/i"].kind == "subsection" and p["fx/sec-4/i"].text == "Control of doors;"
    assert p["fx/sec-4/j"].text == "Control of valves;" and p["fx/sec-4/l"].text == "Control of lifts."
    d = p["fx/sec-3/def-high-impact-gadget"]
    assert d.kind == "definition" and d.heading == "High-Impact Gadget"
    assert p["fx/sec-3/def-high-impact-gadget/2"].pinpoint.endswith("item 2")
    assert p["fx/table/row-2"].text == "0MB | Convene the council of all agency gadget officers. | 2(a) | 90 days"
    assert p["fx/table/note-2"].num == "**"


@pytest.mark.parametrize("data, message", [
    (b"", "MEMORANDUM FOR"),
    (b"%PDF-1.7 binary", "PDF"),
    (b"MEMORANDUM FOR \xc3\x28 garbage", "UTF-8"),
])
def test_malformed_input_raises(data, message):
    with pytest.raises(ParseError, match=message):
        parse_omb_memo_text(data, "fx")


def test_truncated_memo_raises():
    text = FX.read_text()
    with pytest.raises(ParseError, match="Appendix"):
        parse_omb_memo_text(text[:text.index("Appendix:")].encode(), "fx")
    with pytest.raises(ParseError, match="numbered section"):
        parse_omb_memo_text(text[:text.index("1.\n\nSCOPE")].encode(), "fx")


def test_missing_footnote_text_raises():
    # footnote 1 lost its text and footnote 2 continues the sequence: 1 is missing
    text = FX.read_text().replace('1 The term "agency" has an invented meaning.\n', "")
    with pytest.raises(ParseError, match="footnotes \\[1\\] have no text"):
        parse_omb_memo_text(text.encode(), "fx")


# ------------------------------------------------------------------ real mirror

SID = "us-omb-m-25-21"


@pytest.fixture(scope="module")
def m2521(parsed):
    return parsed(SID)


def test_m2521_gates_and_counts(m2521):
    src = sources.get(SID)
    assert check_document(src, m2521) == []
    assert kind_counts(m2521.provisions) == src.expected
    assert coverage(m2521) >= 0.99


def test_m2521_structure(m2521):
    p = _by_id(m2521)
    s = f"{SID}/"
    assert p[s + "header"].heading.startswith("Accelerating Federal Use of AI")
    assert p[s + "signature"].kind == "signature"
    sec = p[s + "sec-4"]
    assert sec.heading == "FOSTERING PUBLIC TRUST IN FEDERAL USE OF AI" and sec.pinpoint == "Appendix, Sec. 4"
    assert sec.parent_id == s + "appendix"
    assert p[s + "sec-8"].heading == "Public Consultation and Feedback"
    caio = p[s + "sec-3/a/i"]
    assert caio.kind == "point" and caio.heading == "Chief AI Officers"
    assert caio.pinpoint == "Appendix, Sec. 3(a)(i)" and "For CFO Act agencies" in caio.text
    item = p[s + "sec-3/a/i/cap-f/4"]
    assert item.pinpoint == "Appendix, Sec. 3(a)(i)(F)(4)" and "independent review" in item.text


def test_m2521_ocr_roman_numbering(m2521):
    p = _by_id(m2521)
    s = f"{SID}/"
    # printed (OCR'd) as "111." in a column of markers before the texts
    iii = p[s + "sec-1/b/iii"]
    assert iii.pinpoint == "Appendix, Sec. 1(b)(iii)" and iii.text.startswith("development of metrics")
    # printed "m." for iii.
    pol = p[s + "sec-3/b/iii"]
    assert pol.heading == "Update Agency Policies" and pol.parent_id == s + "sec-3/b"
    assert p[s + "sec-4/b/vii"].heading.startswith("Consult and Incorporate Feedback")
    # Sec. 6 letters: "1." is i after h and l after k; "J." is j
    assert p[s + "sec-6/i"].text.startswith("The blocking, removal")
    assert p[s + "sec-6/l"].text.startswith("Use of biometric identification")
    assert p[s + "sec-6/j"].text.startswith("In law enforcement contexts")


def test_m2521_footnotes_and_table(m2521):
    p = _by_id(m2521)
    s = f"{SID}/"
    fn1 = p[s + "fn-1"]
    assert fn1.kind == "footnote" and fn1.pinpoint == "n. 1" and fn1.parent_id is None
    assert "44 U.S.C. § 3502(1)" in fn1.text
    assert p[s + "fn-3"].text.startswith("The requirements in this section are consistent")
    assert p[s + "fn-6"].text.startswith("For guidance on regulatory and non-regulatory")
    assert "Paperwork Reduction Act" not in p[s + "sec-8"].text
    assert p[s + "fn-34"].text.startswith("Information on post-transaction customer feedback")
    row4 = p[s + "table/row-4"]
    assert row4.kind == "table-row" and row4.parent_id == s + "table"
    assert row4.text.startswith("Each CFO Act Agency | Develop and release publicly an agency strategy for")
    assert row4.text.endswith("| 2(a) | 180 days")
    assert p[s + "table/row-11"].text.endswith("| 3(b)(v) | Annually")
    # the extraction's page numbers are not in the body text
    assert "\n25\n" not in m2521.body_text
