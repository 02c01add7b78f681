"""OECD Legal Instruments parser (corpus/parsers/oecd_pdf.py) and its registry entries."""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from corpus import sources
from corpus.checks import check_document, kind_counts
from corpus.model import ParseError
from corpus.parsers.oecd_pdf import parse_oecd_legal_pdf, parse_oecd_lines


def fixture_pages(name: str) -> list[list[tuple[str, bool]]]:
    """Pages of (line, bold) from a fixture where "B|" marks bold and "=====" a page."""
    pages: list[list[tuple[str, bool]]] = [[]]
    for line in (FIXTURES / name).read_text(encoding="utf-8").split("\n"):
        if line.startswith("#"):
            continue
        if line == "=====":
            pages.append([])
        elif line.startswith("B|"):
            pages[-1].append((line[2:], True))
        else:
            pages[-1].append((line, False))
    return pages


@pytest.fixture(scope="module")
def fx():
    r = parse_oecd_lines(fixture_pages("oecd/recommendation.txt"), "oecd-x")
    return r, {p.id.split("/", 1)[1]: p for p in r.provisions}


def test_fixture_structure(fx):
    r, by = fx
    assert kind_counts(r.provisions) == {
        "section": 3, "heading": 1, "paragraph": 2, "preamble": 1, "preambular-paragraph": 2,
        "adoption-clause": 1, "operative-paragraph": 4, "definition": 1, "principle": 2,
        "point": 3, "recommendation": 1}
    assert by["1.2/a"].pinpoint == "Principle 1.2(a)"
    assert by["1.2/a"].parent_id == "oecd-x/1.2"
    assert by["1.2"].parent_id == "oecd-x/sct-1"
    assert by["2.1"].pinpoint == "Recommendation 2.1" and by["2.1"].kind == "recommendation"
    assert by["op-iv/a"].pinpoint == "Paragraph IV(a)"
    assert by["op-i/def-widget"].text.startswith("Widget: A widget")
    assert by["preamble/pp-2"].text.startswith("RECOGNISING that widgets")
    # a bold heading wrapped over two lines, with a real compound at the break
    assert by["1.1"].heading == "Safe widgets and well-being"
    # the heading repeated at the top of the next page is one heading
    assert by["background/hd-1"].heading == "Scope of the Recommendation"
    # publisher pages before "Background Information" and "About the OECD" are skipped
    assert "forum" not in r.body_text and "Legal Instruments" not in r.body_text


def test_fixture_dehyphenation(fx):
    _, by = fx
    text = by["background/par-2"].text
    assert "widget regulation" in text
    assert "high-risk widgets" in text


def test_malformed_raises():
    with pytest.raises(ParseError, match="THE COUNCIL"):
        parse_oecd_lines([[("Background Information", False), ("Some text.", False)]], "x")
    with pytest.raises(ParseError, match="Background Information"):
        parse_oecd_lines([[("Hello", False)]], "x")
    with pytest.raises(ParseError, match="PDF"):
        parse_oecd_legal_pdf(b"<html>not a pdf</html>", "x")
    pages = fixture_pages("oecd/recommendation.txt")
    broken = [[(t.replace("1.2. Transparent", "1.3. Transparent"), b) for t, b in p] for p in pages]
    with pytest.raises(ParseError, match="expected"):
        parse_oecd_lines(broken, "x")


# --- the real documents ------------------------------------------------------------------

@pytest.mark.parametrize("sid", ["oecd-ai-2019", "oecd-ai-2024"])
def test_mirror_gates(parsed, sid):
    r = parsed(sid)
    assert check_document(sources.get(sid), r) == []
    counts = kind_counts(r.provisions)
    assert counts["principle"] == 5 and counts["recommendation"] == 5
    assert counts["operative-paragraph"] == 8


def _by(r):
    return {p.id.split("/", 1)[1]: p for p in r.provisions}


def test_2024_vs_2019_renamed_and_moved(parsed):
    old, new = _by(parsed("oecd-ai-2019")), _by(parsed("oecd-ai-2024"))
    assert old["1.2"].heading == "Human-centred values and fairness"
    assert new["1.2"].heading.startswith("Respect for the rule of law, human rights")
    assert new["1.2"].heading.endswith("including fairness and privacy")
    assert old["2.2"].heading != new["2.2"].heading
    assert new["2.3"].heading == "Shaping an enabling interoperable governance and policy environment for AI"
    # traceability and risk management: 1.4 in 2019, 1.5 in 2024
    assert "traceability" in old["1.4/b"].text
    assert "systematic risk management approach" in old["1.4/c"].text
    assert "traceability" in new["1.5/b"].text
    assert "systematic risk management approach" in new["1.5/c"].text
    assert "1.5/a" not in old and old["1.5"].text.startswith("AI actors should be accountable")
    p = new["1.5/c"]
    assert (p.kind, p.pinpoint, p.parent_id) == ("point", "Principle 1.5(c)", "oecd-ai-2024/1.5")


def test_2024_spot_checks(parsed):
    by = _by(parsed("oecd-ai-2024"))
    assert by["1.1"].kind == "principle" and by["1.1"].pinpoint == "Principle 1.1"
    assert by["1.1"].parent_id == "oecd-ai-2024/sct-1"
    assert "environmental sustainability" in by["1.1"].text
    assert by["2.5/c"].pinpoint == "Recommendation 2.5(c)"
    assert by["op-viii"].text.startswith("INSTRUCTS the Digital Policy Committee")
    assert by["op-i/def-ai-system"].text.startswith("AI system: An AI system is a machine-based system")
    assert by["background"].kind == "section" and by["background/hd-4"].heading == (
        "2023 and 2024 Revisions of the Recommendation")
    # a real compound survives text extraction and line joining
    assert "open-source tools" in by["2.1/b"].text
    assert by["preamble/enacting"].text == "On the proposal of the Digital Policy Committee:"
