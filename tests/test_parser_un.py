"""UN parsers (corpus/parsers/un_pdf.py): GA resolutions and the Global Digital Compact."""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from corpus import sources
from corpus.checks import check_document, kind_counts
from corpus.model import ParseError
from corpus.parsers.un_pdf import (parse_un_numbered_text, parse_un_resolution_pages,
                                   parse_un_resolution_pdf, walk_numbered)


def _pages():
    return (FIXTURES / "un/resolution.txt").read_text(encoding="utf-8").split("\f\n")


def _by(r):
    return {p.id.split("/", 1)[1]: p for p in r.provisions}


def test_walk_numbered_only_in_sequence():
    prefix, paras = walk_numbered(["Intro", "1. One (see resolution 70/1.", "3. not a para",
                                   "(b) not a sub-item", "2. Two:", "(a) first;", "(b) second."])
    assert prefix == ["Intro"]
    assert [p.num for p in paras] == [1, 2]
    assert paras[0].lines == ["One (see resolution 70/1.", "3. not a para", "(b) not a sub-item"]
    assert [s[0] for s in paras[1].subs] == ["a", "b"]


def test_resolution_fixture():
    r = parse_un_resolution_pages(_pages(), "un-x")
    by = _by(r)
    assert kind_counts(r.provisions) == {"heading": 1, "preamble": 1, "preambular-paragraph": 3,
                                         "operative-paragraph": 3, "point": 2,
                                         "adoption-clause": 1, "footnote": 2}
    assert by["title"].heading == "99/1. Safe widgets for all"
    assert by["title"].text.endswith("Resolution adopted by the General Assembly on 1 January 2030 "
                                     "[without reference to a Main Committee (A/99/L.1)]")
    assert "Distr" not in r.body_text and "30-00001" not in r.body_text
    assert by["preamble/pp-1"].text == "Recalling the Widget Charter,"  # footnote mark dropped
    assert by["preamble/pp-1"].pinpoint == "Preamble, paragraph 1"
    assert by["preamble/pp-2"].text == ("Recognizing that widgets need regulation and that "
                                        "regulation must be evidence-based,")
    assert by["preamble/pp-3"].text == "Noting also the work of the Widget Union,"
    op2 = by["op-2"]
    assert op2.text == "Encourages Member States to take high-level action on widgets, including by:"
    assert by["op-2/b"].pinpoint == "Paragraph 2(b)" and by["op-2/b"].parent_id == "un-x/op-2"
    assert by["op-2/b"].text == "Labelling widgets;"
    assert by["fn-2"].text == "See A/99/2." and by["fn-2"].pinpoint == "Footnote 2"
    assert by["closing"].text == "1st plenary meeting 1 January 2030"


def test_resolution_malformed():
    with pytest.raises(ParseError, match="A/RES"):
        parse_un_resolution_pages(["Hello world"], "x")
    pages = _pages()
    with pytest.raises(ParseError, match="running header"):
        parse_un_resolution_pages([pages[0], "no header here\n3. Text."], "x")
    with pytest.raises(ParseError, match="General Assembly,"):
        parse_un_resolution_pages([pages[0].replace("The General Assembly,", "The Assembly")], "x")
    with pytest.raises(ParseError, match="PDF"):
        parse_un_resolution_pdf(b"not a pdf", "x")


def test_compact_fixture():
    r = parse_un_numbered_text((FIXTURES / "un/compact.md").read_bytes(), "un-y")
    by = _by(r)
    assert kind_counts(r.provisions) == {"heading": 7, "paragraph": 6, "point": 4, "footnote": 1}
    assert "converter" not in r.body_text and "A/99/L.9" not in r.body_text
    assert by["title"].heading == "Widget Compact"
    assert by["par-1"].text == "Widgets are transforming our world."
    assert by["fn-3"].text == "Footnote text one."
    assert by["par-2/1"].pinpoint == "Paragraph 2(1)"
    assert by["objective-1"].heading == "Objective 1. Close all widget divides"
    assert by["hd-access"].parent_id == "un-y/objective-1"
    assert by["par-4"].parent_id == "un-y/hd-access"
    assert by["par-4/b"].pinpoint == "Paragraph 4(b)"
    assert by["hd-follow-up-and-review"].parent_id == "un-y/title"


def test_compact_malformed():
    with pytest.raises(ParseError, match="UTF-8"):
        parse_un_numbered_text(b"\xff\xfe\x00garbage", "x")
    with pytest.raises(ParseError, match="numbered paragraph"):
        parse_un_numbered_text(b"Title\nJust some text.\n", "x")
    with pytest.raises(ParseError, match="footnote"):
        parse_un_numbered_text(b"Title\n1.\nText.\n7\n", "x")


# --- the real documents ------------------------------------------------------------------

@pytest.mark.parametrize("sid,ops", [("un-a-res-78-265", 13), ("un-a-res-78-311", 15)])
def test_resolution_mirror_gates(parsed, sid, ops):
    r = parsed(sid)
    assert check_document(sources.get(sid), r) == []
    nums = [p.num for p in r.provisions if p.kind == "operative-paragraph"]
    assert nums == [f"{i}." for i in range(1, ops + 1)]


def test_78_265_spot_checks(parsed):
    by = _by(parsed("un-a-res-78-265"))
    assert by["title"].heading.startswith("78/265. Seizing the opportunities of safe, secure")
    assert "Resolution adopted by the General Assembly on 21 March 2024" in by["title"].text
    op6 = by["op-6"]
    assert op6.kind == "operative-paragraph" and op6.pinpoint == "Paragraph 6"
    subs = [p for p in by.values() if p.parent_id == op6.id]
    assert [p.num for p in subs][:3] == ["(a)", "(b)", "(c)"] and len(subs) == 17
    g = by["op-6/g"]
    assert (g.kind, g.pinpoint) == ("point", "Paragraph 6(g)")
    assert "watermarking or labelling" in g.text
    assert "decision-making alternatives" in by["op-6/k"].text  # printed "decision -" at a line end
    assert by["preamble/pp-1"].text.endswith("Universal Declaration of Human Rights,")
    assert by["fn-6"].text.startswith("United Nations Educational, Scientific and Cultural")
    assert by["closing"].text == "63rd plenary meeting 21 March 2024"


def test_78_311_spot_checks(parsed):
    by = _by(parsed("un-a-res-78-311"))
    assert "capacity-building centres" in by["op-5"].text  # printed "capacity -" at a line end
    assert by["op-15"].text.startswith("Requests the Secretary-General to report")
    assert by["preamble/pp-15"].pinpoint == "Preamble, paragraph 15"


def test_gdc_mirror(parsed):
    r = parsed("un-gdc")
    assert check_document(sources.get("un-gdc"), r) == []
    by = _by(r)
    assert [p.num for p in r.provisions if p.kind == "paragraph"] == [f"{i}." for i in range(1, 75)]
    a = by["par-56/a"]
    assert (a.kind, a.pinpoint, a.parent_id) == ("point", "Paragraph 56(a)", "un-gdc/par-56")
    assert "Independent International Scientific Panel on AI" in a.text
    assert "Global Dialogue on AI Governance" in by["par-56/b"].text
    assert by["par-50"].parent_id == "un-gdc/objective-5"
    assert by["objective-5"].heading.startswith("Objective 5. Enhance international governance")
    assert by["par-8/m"].pinpoint == "Paragraph 8(m)"
    assert by["fn-22"].text.startswith("United Nations Educational")
    assert "Resolution 70/1." == by["fn-17"].text
    # running footers and the converter's note are not document text
    assert "24-15616" not in r.body_text and "Adopted by the United Nations" not in r.body_text
