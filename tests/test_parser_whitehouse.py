"""whitehouse.gov parsers (HTML page and markdown conversion): invented fixtures, then
the real mirror documents."""
from __future__ import annotations

import pytest

from corpus import sources
from corpus.checks import check_document, coverage, kind_counts
from corpus.model import ParseError
from corpus.parsers.whitehouse import parse_whitehouse_html, parse_whitehouse_md
from tests.conftest import FIXTURES

FX = FIXTURES / "whitehouse"


def _by_id(result):
    return {p.id: p for p in result.provisions}


# ---------------------------------------------------------------- HTML fixture

@pytest.fixture(scope="module")
def html_order():
    return parse_whitehouse_html((FX / "order.html").read_bytes(), "fx")


def test_html_order_structure_and_pinpoints(html_order):
    p = _by_id(html_order)
    assert kind_counts(html_order.provisions) == {"preamble": 1, "section": 3, "subsection": 12, "point": 5,
                                                  "subpoint": 2, "paragraph": 1, "signature": 1}
    assert p["fx/sec-2"].heading == "Definitions" and p["fx/sec-2"].pinpoint == "Sec. 2"
    assert p["fx/sec-3/a/i/cap-b"].pinpoint == "Sec. 3(a)(i)(B)"
    assert p["fx/sec-3/a/i/cap-b"].parent_id == "fx/sec-3/a/i"
    assert p["fx/sec-3/a/ii"].text == "report to the President."
    # <br> inside one <p> separates sub-items; and the first section has no underline at all
    assert p["fx/sec-1"].text.endswith("A third line after a break stays in the purpose.")
    assert "widgets & gadgets" in p["fx/sec-1"].text


def test_html_letter_i_after_h_and_flush_text(html_order):
    p = _by_id(html_order)
    # "(i)" after "(h)" is the ninth letter; after "(j) ... including:" it opens points
    assert p["fx/sec-2/i"].kind == "subsection" and "invented article" in p["fx/sec-2/i"].text
    assert p["fx/sec-2/j/i"].kind == "point" and p["fx/sec-2/j/iii"].pinpoint == "Sec. 2(j)(iii)"
    flush = p["fx/sec-2/j/par-1"]
    assert flush.kind == "paragraph" and flush.parent_id == "fx/sec-2/j"
    assert flush.pinpoint == "Sec. 2(j) (flush text)"
    # a sentence broken over two <p> elements is one subsection
    assert p["fx/sec-2/b"].text.endswith("highest-ranking official of a gadget office.")


def test_html_returns_text_not_markup(html_order):
    every = " ".join(x.text + x.heading for x in html_order.provisions) + html_order.body_text
    assert "<" not in every and "onerror" not in every and "alert" not in every
    assert "injected" not in every and "dataLayer" not in every
    # navigation, footer and the topper are chrome, not body text
    assert "Administration" not in every and "footer" not in every and "Presidential Actions" not in every
    assert "title: PROMOTING INVENTED WIDGETS IN THE FEDERAL GOVERNMENT" in html_order.notes
    sig = _by_id(html_order)["fx/signature"]
    assert sig.kind == "signature" and sig.text == "DONALD J. TRUMP THE WHITE HOUSE, February 3, 2031."


def test_html_coverage(html_order):
    assert coverage(html_order) > 0.98


# ------------------------------------------------------------ markdown fixture

@pytest.fixture(scope="module")
def md_order():
    return parse_whitehouse_md((FX / "order.md").read_bytes(), "fx")


def test_markdown_decimal_sections_and_deep_levels(md_order):
    p = _by_id(md_order)
    assert p["fx/sec-2.1"].kind == "section" and p["fx/sec-2.1"].parent_id == "fx/sec-2"
    assert p["fx/sec-2.1"].heading == "Testing Gadgets"
    # a hard line break before "(b)" starts a new unit
    assert p["fx/sec-2.1/a"].text == "Within 90 days, the Secretary shall test gadgets."
    assert p["fx/sec-2.1/b/i/cap-b/2"].pinpoint == "Sec. 2.1(b)(i)(B)(2)"
    assert p["fx/sec-2.1/b/i/cap-b/2"].kind == "item"
    assert p["fx/sec-2.1/b/ii"].parent_id == "fx/sec-2.1/b"


def test_markdown_inline_markup_is_stripped_as_text(md_order):
    p = _by_id(md_order)
    assert p["fx/sec-3/a"].text == "Nothing in this order impairs the law."
    assert p["fx/sec-3/b"].text == "This order is invented."
    # an escaped tag in the source is literal text of the document, never markup we emit
    assert "<script>alert(1)</script> as plain words" in p["fx/sec-2.2"].text
    assert "underline" not in md_order.body_text and "span" not in md_order.body_text
    assert p["fx/signature"].text == "DONALD J. TRUMP THE WHITE HOUSE, April 5, 2031."


def test_markdown_statement_without_sections():
    r = parse_whitehouse_md((FX / "statement.md").read_bytes(), "fx")
    p = _by_id(r)
    assert kind_counts(r.provisions) == {"paragraph": 3, "item": 3}
    assert p["fx/par-1"].pinpoint == "Paragraph 1" and p["fx/par-1"].text.endswith("welcome gadgets (Link).")
    assert p["fx/par-2/item-2"].pinpoint == "Paragraph 2, item 2"
    assert p["fx/par-2/item-2"].text == "Cheaper Gadgets: gadgets should be affordable."
    assert p["fx/par-3"].text == "We look forward to meeting again."
    assert "###" not in r.body_text


@pytest.mark.parametrize("data, message", [
    (b"", "empty file"),
    (b"<html><body><p>No post body here.</p></body></html>", "div.entry-content"),
    (b"<html><main><div class='entry-content'><script>x()</script></div></main></html>", "no <p> text"),
])
def test_html_malformed_raises(data, message):
    with pytest.raises(ParseError, match=message):
        parse_whitehouse_html(data, "fx")


def test_html_order_without_signature_is_truncated():
    data = (FX / "order.html").read_bytes()
    cut = data[:data.index(b"DONALD")] + b"</p></div></main>"
    with pytest.raises(ParseError, match="signature"):
        parse_whitehouse_html(cut, "fx")


@pytest.mark.parametrize("data, message", [
    (b"Just text, no front matter.", "no YAML front matter"),
    (b"---\ntitle: [unclosed\n---\nBody.\n", "not valid YAML"),
    (b"---\ntitle: x\n---\nBody.\n", "no source_url"),
    (b"---\nsource_url: https://x.invalid/\n---\n\n", "no body text"),
    (b"\xff\xfe---", "not UTF-8"),
])
def test_markdown_malformed_raises(data, message):
    with pytest.raises(ParseError, match=message):
        parse_whitehouse_md(data, "fx")


# ------------------------------------------------------------- real documents

WH_IDS = ["us-eo-14110", "us-eo-14179", "us-eo-14318", "us-eo-14319", "us-eo-14320",
          "us-eo-2025-11-24-genesis-mission", "us-eo-2025-12-11-national-ai-policy",
          "us-eo-2026-06-02-advanced-ai", "us-national-ai-legislative-framework-2026"]


@pytest.mark.parametrize("source_id", WH_IDS)
def test_mirror_document_passes_gates(parsed, source_id):
    src = sources.get(source_id)
    result = parsed(source_id)
    assert check_document(src, result) == []
    assert kind_counts(result.provisions) == src.expected


def test_eo_14179_policy_section(parsed):
    p = _by_id(parsed("us-eo-14179"))
    sec2 = p["us-eo-14179/sec-2"]
    assert sec2.heading == "Policy" and sec2.pinpoint == "Sec. 2" and sec2.kind == "section"
    assert "sustain and enhance America’s global AI dominance" in sec2.text
    assert p["us-eo-14179/sec-6/a/ii"].pinpoint == "Sec. 6(a)(ii)"
    assert p["us-eo-14179/signature"].text == "THE WHITE HOUSE, January 23, 2025."


def test_eo_14319_sections_and_subsections(parsed):
    p = _by_id(parsed("us-eo-14319"))
    assert [x.heading for x in p.values() if x.kind == "section"] == [
        "Purpose", "Definitions", "Unbiased AI Principles", "Implementation", "General Provisions"]
    a = p["us-eo-14319/sec-3/a"]
    assert a.pinpoint == "Sec. 3(a)" and a.kind == "subsection" and a.text.startswith("Truth-seeking.")
    pt = p["us-eo-14319/sec-4/b/ii"]
    assert pt.pinpoint == "Sec. 4(b)(ii)" and pt.parent_id == "us-eo-14319/sec-4/b"
    assert "revise existing contracts for LLMs" in pt.text
    assert "highest-ranking official or officials" in p["us-eo-14319/sec-2/b"].text


def test_eo_14320_subsection(parsed):
    p = _by_id(parsed("us-eo-14320"))
    b = p["us-eo-14320/sec-3/b"]
    assert b.pinpoint == "Sec. 3(b)" and "public call for proposals" in b.text
    a = p["us-eo-14320/sec-3/b/i/cap-a"]
    assert a.kind == "subpoint" and a.pinpoint == "Sec. 3(b)(i)(A)" and "AI-optimized computer hardware" in a.text
    assert p["us-eo-14320/sec-3"].heading == "Establishment of the American AI Exports Program"


def test_eo_14110_decimal_sections_and_letter_i(parsed):
    p = _by_id(parsed("us-eo-14110"))
    assert p["us-eo-14110/sec-4.5"].parent_id == "us-eo-14110/sec-4"
    assert p["us-eo-14110/sec-4.5"].heading == "Reducing the Risks Posed by Synthetic Content"
    assert p["us-eo-14110/sec-3/i"].kind == "subsection"           # the letter after (h)
    assert p["us-eo-14110/sec-3/k/iii"].kind == "point"
    assert p["us-eo-14110/sec-3/k/par-1"].text.startswith("Models meet this definition")
    assert p["us-eo-14110/sec-4.2/d/i/cap-b/1"].pinpoint == "Sec. 4.2(d)(i)(B)(1)"
    assert p["us-eo-14110/signature"].text.startswith("JOSEPH R. BIDEN JR.")


def test_release_objectives(parsed):
    p = _by_id(parsed("us-national-ai-legislative-framework-2026"))
    item = p["us-national-ai-legislative-framework-2026/par-3/item-1"]
    assert item.pinpoint == "Paragraph 3, item 1" and item.text.startswith("Protecting Children")


def test_g7_statement_page(mirror_bytes):
    """Registered by the G7 module with this parser: a statement without sections."""
    r = parse_whitehouse_md(mirror_bytes("g7-leaders-statement-hiroshima-ai-process-2023", "markdown"), "g7-x")
    assert kind_counts(r.provisions) == {"paragraph": 3}
    assert [p.id for p in r.provisions] == ["g7-x/par-1", "g7-x/par-2", "g7-x/par-3"]
    assert r.provisions[1].pinpoint == "Paragraph 2" and "Comprehensive Policy Framework" in r.provisions[1].text
    assert coverage(r) == 1.0
