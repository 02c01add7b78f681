"""ITU parsers: an invented Recommendation fixture, and the real texts in the mirror."""
from __future__ import annotations

import pytest

from corpus import sources
from corpus.checks import check_document, coverage
from corpus.model import ParseError
from corpus.parsers.itu_text import parse_itu_report, parse_itu_t_rec
from tests.conftest import FIXTURES

REC = (FIXTURES / "itu" / "rec-mini.txt").read_bytes()


@pytest.fixture(scope="module")
def mini():
    r = parse_itu_t_rec(REC, "t")
    return r, {p.id: p for p in r.provisions}


def test_structure_ids_pinpoints(mini):
    r, by = mini
    assert by["t/cl-7.1"].pinpoint == "Clause 7.1" and by["t/cl-7.1"].heading == "Widget requirements"
    assert by["t/cl-7.1"].parent_id == "t/cl-7"
    d = by["t/cl-3.1.1"]
    assert d.kind == "definition" and d.heading == "widget [ITU-T Y.1]" and d.text == "A small invented thing."
    assert by["t/cl-2/itu-t-y.1"].kind == "item"
    assert by["t/app-i/cl-i.1"].pinpoint == "Appendix I, clause I.1"
    assert by["t/app-i"].heading == "Widget examples"
    assert by["t/bibliography/b-itu-t-y.2"].text.endswith("Invented bibliography entry.")
    assert by["t/front-summary"].text.startswith("Recommendation ITU-T Y.9999 describes")
    assert coverage(r) > 0.99


def test_requirements_colon_runon_and_table_row(mini):
    _, by = mini
    r1 = by["t/req-wg-001"]
    assert r1.pinpoint == "REQ-WG-001" and r1.parent_id == "t/cl-7.1" and r1.kind == "requirement"
    assert r1.text.endswith("privacy laws. NOTE – Records may expire.")
    assert by["t/req-wg-002"].text == "The widget is recommended to blink."
    # table row: the line printed above the id cell belongs to the requirement
    cell = by["t/req-wg-cell-001"].text
    assert cell.startswith("The widget is required to support multiple colours")
    assert "multiple" not in by["t/req-wg-002"].text


def test_toc_cover_footers_not_body(mini):
    r, _ = mini
    assert "Table of Contents" not in r.body_text
    assert "Rec. ITU-T Y.9999 (01/2030)" not in r.body_text
    assert "Series A Organization" not in r.body_text
    intro = next(p for p in r.provisions if p.id == "t/cl-6").text
    # line-end hyphens: the compound is kept, the broken word joined (both occur elsewhere)
    assert "widget-handling functions" in intro and "under regulation." in intro


@pytest.mark.parametrize("bad, msg", [
    (b"%PDF-1.7 binary", "plain-text"),
    (REC.replace(b"SERIES OF ITU-T RECOMMENDATIONS", b"SERIES"), "back-cover"),
    (REC.replace(b"Table of Contents", b"Contents"), "Table of Contents"),
    (REC.replace(b"9 Security considerations", b"Security considerations"), "clauses 1-9"),
])
def test_malformed(bad, msg):
    with pytest.raises(ParseError, match=msg):
        parse_itu_t_rec(bad, "t")


def test_report_malformed():
    with pytest.raises(ParseError, match="Disclaimer"):
        parse_itu_report(b"Just some text\nwithout structure\n", "r")


# --- the real documents --------------------------------------------------------------

ITU_IDS = ["itu-t-y3172", "itu-t-y3173", "itu-t-y3174", "itu-t-y3181", "itu-ai-ready"]


@pytest.mark.parametrize("doc", ITU_IDS)
def test_gates(parsed, doc):
    assert check_document(sources.get(doc), parsed(doc)) == []


def _by(parsed, doc):
    return {p.id: p for p in parsed(doc).provisions}


def test_y3174(parsed):
    by = _by(parsed, "itu-t-y3174")
    reqs = [p for p in by.values() if p.kind == "requirement"]
    assert [p.num for p in reqs] == [f"REQ-ML-DH-{i:03d}" for i in range(1, 57)]
    r5 = by["itu-t-y3174/req-ml-dh-005"]
    assert r5.pinpoint == "REQ-ML-DH-005" and r5.parent_id == "itu-t-y3174/cl-7.1.1"
    assert "privacy laws" in r5.text and "retention" in r5.text
    # run-on line in the text layer: DH-008 starts mid-line after DH-007's note
    assert by["itu-t-y3174/req-ml-dh-008"].text.startswith("ML data collection is required to perform location")
    c5 = by["itu-t-y3174/cl-5"]
    assert c5.heading == "Conventions" and '"is required to"' in c5.text and '"can optionally"' in c5.text
    assert by["itu-t-y3174/cl-7.2.1"].pinpoint == "Clause 7.2.1"
    assert by["itu-t-y3174/cl-3.2.1"].kind == "definition"
    assert "Table of Contents" not in parsed("itu-t-y3174").body_text
    assert not any("contents" in p.heading.lower() for p in by.values())


def test_y3181_and_y3172_y3173(parsed):
    by = _by(parsed, "itu-t-y3181")
    s1 = by["itu-t-y3181/req-ml-sandbox-001"]
    assert s1.parent_id == "itu-t-y3181/cl-7.1" and "heterogeneous sources of data" in s1.text
    assert "itu-t-y3181/req-ml-sandbox-026" in by
    by2 = _by(parsed, "itu-t-y3172")
    r = by2["itu-t-y3172/req-ml-dep-001"]
    assert r.text.startswith("The ML architecture is recommended to define the points of interaction")
    assert r.parent_id == "itu-t-y3172/cl-7.2"
    assert by2["itu-t-y3172/req-ml-int-003"].text.startswith("a) While defining the interface")
    by3 = _by(parsed, "itu-t-y3173")
    assert by3["itu-t-y3173/ml-int-level-005"].text.startswith("For a given use case, the overall network")


def test_ai_ready(parsed):
    by = _by(parsed, "itu-ai-ready")
    assert by["itu-ai-ready/cpt-3/sct-2/dim-13"].heading == "Digital Infrastructure"
    r = by["itu-ai-ready/itu-ai-re-toolkit-req-028"]
    assert r.parent_id == "itu-ai-ready/cpt-5/sct-1" and r.text.endswith("deleted immediately afterwards.")
    assert by["itu-ai-ready/cpt-2/sct-1"].text.startswith("The Data dimension evaluates")
    assert by["itu-ai-ready/app-2"].text.startswith("1. How do we map")
    assert "TOC dot leaders" not in parsed("itu-ai-ready").body_text
