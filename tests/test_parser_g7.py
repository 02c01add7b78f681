"""G7 Hiroshima Process parsers (corpus/parsers/g7_pdf.py) and their registry entries."""
from __future__ import annotations

import pytest

from corpus import sources
from corpus.checks import check_document, kind_counts
from corpus.model import ParseError
from corpus.parsers.g7_pdf import parse_g7_code, parse_g7_lines
from test_parser_oecd import fixture_pages


def _lines():
    return [l for page in fixture_pages("g7/code.txt") for l in page]


def test_fixture_structure():
    r = parse_g7_lines(_lines(), "g7-x", kind="action", label="Action")
    by = {p.id.split("/", 1)[1]: p for p in r.provisions}
    assert kind_counts(r.provisions) == {"heading": 1, "paragraph": 3, "action": 2, "item": 2}
    assert by["action-1"].heading == ("Test widgets before placing them on the market, "
                                      "to identify and mitigate risks.")
    assert by["action-1"].pinpoint == "Action 1" and by["action-1"].num == "1"
    assert by["action-1/item-2"].pinpoint == "Action 1, bullet 2"
    assert by["action-1/item-2"].text == "Noise risks, including self-amplification."
    assert by["action-1/cont-1"].text == "Makers commit to work together on these risks."
    assert by["action-2"].heading == "Label widget-generated content"
    assert by["par-2"].pinpoint == "Introduction, paragraph 2"
    assert by["par-2"].parent_id == "g7-x/title"
    assert r.body_text.startswith("Example Process Code")  # bare page numbers are dropped
    assert "these actions: 1 Test widgets" in r.body_text


def test_malformed_raises():
    with pytest.raises(ParseError, match="bold title"):
        parse_g7_lines([("plain", False)], "x", kind="action", label="Action")
    with pytest.raises(ParseError, match="no numbered action"):
        parse_g7_lines([("Title", True), ("Intro text.", False)], "x", kind="action", label="Action")
    skipped = [(t.replace("2 Label", "3 Label"), b) for t, b in _lines()]
    with pytest.raises(ParseError, match="not the next action"):
        parse_g7_lines(skipped, "x", kind="action", label="Action")
    with pytest.raises(ParseError):
        parse_g7_code(b"%PDF-1.4 truncated", "x")


@pytest.mark.parametrize("sid,kind", [("g7-hiroshima-principles", "principle"),
                                      ("g7-hiroshima-code", "action")])
def test_mirror_gates(parsed, sid, kind):
    r = parsed(sid)
    assert check_document(sources.get(sid), r) == []
    items = [p for p in r.provisions if p.kind == kind]
    assert [p.num for p in items] == [str(i) for i in range(1, 12)]


def test_code_spot_checks(parsed):
    by = {p.id.split("/", 1)[1]: p for p in parsed("g7-hiroshima-code").provisions}
    a7 = by["action-7"]
    assert (a7.kind, a7.pinpoint, a7.parent_id) == ("action", "Action 7", None)
    assert "watermarking" in a7.heading and "content authentication" in a7.text
    assert by["action-1/item-1"].text.startswith("Chemical, biological, radiological, and nuclear")
    assert by["action-1/item-1"].kind == "item"
    assert by["action-3/item-4"].pinpoint == "Action 3, bullet 4"


def test_principles_match_actions(parsed):
    pr = {p.num: p for p in parsed("g7-hiroshima-principles").provisions if p.kind == "principle"}
    ac = {p.num: p for p in parsed("g7-hiroshima-code").provisions if p.kind == "action"}
    assert pr["7"].pinpoint == "Principle 7"
    assert "watermarking" in pr["7"].heading
    assert pr["10"].heading.startswith("Advance the development of")  # printed "10.Advance"
    # the i-th action elaborates the i-th principle: same opening words of the heading
    for n in ("1", "3", "6", "11"):
        assert ac[n].heading.split()[:4] == pr[n].heading.split()[:4]


def test_leaders_statement_entry(parsed):
    src = sources.get("g7-leaders-statement-2023")
    r = parsed("g7-leaders-statement-2023")
    assert check_document(src, r) == []
    assert "Hiroshima AI Process" in r.provisions[0].text
