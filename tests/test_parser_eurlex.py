"""EUR-Lex Official Journal HTML parser (eurlex_oj_html) and the eu registry."""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from corpus.checks import check_document, coverage, kind_counts
from corpus.model import ParseError
from corpus.parsers import get_parser

FIXTURE = FIXTURES / "eurlex" / "mini_oj_regulation.html"


def parse(data: bytes, doc_id: str = "eu-test"):
    return get_parser("eurlex_oj_html")(data, doc_id)


@pytest.fixture(scope="module")
def fx_bytes() -> bytes:
    return FIXTURE.read_bytes()


@pytest.fixture(scope="module")
def fx(fx_bytes):
    res = parse(fx_bytes)
    return res, {p.id: p for p in res.provisions}


# --- unit tests on the invented fixture --------------------------------------------------

def test_fixture_counts(fx):
    res, _ = fx
    assert kind_counts(res.provisions) == {
        "heading": 1, "preamble": 1, "preambular-paragraph": 2, "recital": 3,
        "adoption-clause": 1, "chapter": 3, "section": 3, "article": 5, "paragraph": 3,
        "subparagraph": 3, "definition": 2, "point": 20, "indent": 4, "signature": 2,
        "footnote": 1, "annex": 2,
    }


@pytest.mark.parametrize("pid, kind, pinpoint, parent, phrase", [
    ("title", "heading", "Title", None, "on the safety of clockwork widgets"),
    ("preamble", "preamble", "Preamble", None, "THE WIDGET ASSEMBLY AND THE WIDGET COUNCIL,"),
    ("preamble/cit-2", "preambular-paragraph", "Preamble, citation 2", "preamble",
     "opinion of the Widget Committee"),
    ("rct-2", "recital", "Recital 2", "preamble", "label their gears in plain language"),
    ("enacting-formula", "adoption-clause", "Enacting formula", "preamble", "HAVE ADOPTED"),
    ("cpt-ii/sct-1", "section", "Chapter II, Section 1", "cpt-ii", ""),
    ("art-2", "article", "Article 2", "cpt-ii/sct-1", ""),
    ("art-1/pt-1", "definition", "Article 1, point (1)", "art-1", "‘widget’ means a small"),
    ("art-1/pt-2/pt-b", "point", "Article 1, point (2)(b)", "art-1/pt-2", "imports widgets"),
    ("art-2/par-1", "paragraph", "Article 2(1)", "art-2", "Makers shall ensure that widgets:"),
    ("art-2/par-1/pt-a", "point", "Article 2(1), point (a)", "art-2/par-1", "stop when dropped"),
    ("art-2/par-1/pt-b/pt-ii", "point", "Article 2(1), point (b)(ii)", "art-2/par-1/pt-b",
     "loose springs"),
    ("art-2/par-1/sub-2", "subparagraph", "Article 2(1), second subparagraph", "art-2/par-1",
     "shall not apply to museum pieces"),
    ("art-2/par-2/ind-2", "indent", "Article 2(2), second indent", "art-2/par-2", "Widget Board"),
    ("art-4", "article", "Article 4", "cpt-iii", "review this Regulation"),
    ("art-5/sub-3/pt-b", "point", "Article 5, third subparagraph, point (b)", "art-5/sub-3",
     "1 August 2099"),
    ("final", "paragraph", "Final formula", None, "Done at Brussels, 3 January 2099."),
    ("final/sig-2", "signature", "Final formula, signature 2", "final", "B. SAMPLE"),
    ("fn-1", "footnote", "Footnote 1", None, "OJ C 999, 1.1.2098, p. 12"),
    ("anx-i/sct-b", "section", "Annex I, Section B", "anx-i", ""),
    ("anx-i/sct-b/pt-1/pt-a", "point", "Annex I, Section B, point 1(a)", "anx-i/sct-b/pt-1",
     "with one weight"),
    ("anx-ii/pt-2/pt-2.1/pt-a", "point", "Annex II, point 2.1(a)", "anx-ii/pt-2/pt-2.1",
     "a drop from one metre"),
    ("anx-ii/pt-3", "point", "Annex II, point 3", "anx-ii", "record the results"),
    ("anx-ii/ind-1", "indent", "Annex II, first indent", "anx-ii", "overwinding"),
])
def test_fixture_provisions(fx, pid, kind, pinpoint, parent, phrase):
    _, by_id = fx
    p = by_id[f"eu-test/{pid}"]
    assert (p.kind, p.pinpoint) == (kind, pinpoint)
    assert p.parent_id == (f"eu-test/{parent}" if parent else None)
    assert phrase in p.text


def test_fixture_headings_and_numbers(fx):
    _, by_id = fx
    assert by_id["eu-test/art-1"].heading == "Definitions"
    assert by_id["eu-test/cpt-i"].heading == "GENERAL PROVISIONS"
    assert by_id["eu-test/cpt-i"].num == "I"
    # "Section B" with its title in the next group heading
    assert by_id["eu-test/anx-i/sct-b"].heading == "Weight widgets"
    assert by_id["eu-test/anx-ii/pt-1"].heading == "Preparation"
    assert by_id["eu-test/anx-ii"].heading == "Testing procedure"
    assert by_id["eu-test/art-2/par-1"].num == "1"
    assert by_id["eu-test/art-2/par-1/pt-a"].num == "(a)"
    assert by_id["eu-test/rct-3"].num == "3"
    # the paragraph number is not repeated in its text; no-break spaces are plain spaces
    assert by_id["eu-test/art-2/par-2"].text.startswith("Makers shall inform")
    assert "\u00a0" not in by_id["eu-test/title"].text


def test_articles_nest_under_chapters_without_chapter_in_id(fx):
    res, by_id = fx
    arts = [p for p in res.provisions if p.kind == "article"]
    assert [p.id for p in arts] == [f"eu-test/art-{n}" for n in range(1, 6)]
    assert by_id["eu-test/art-5"].parent_id == "eu-test/cpt-iii"


def test_amendment_quotes_stay_text(fx):
    """Quoted paragraphs, points and footnotes of an amended act are words of the
    amending point, not provisions of this act."""
    res, by_id = fx
    pt = by_id["eu-test/art-3/pt-1"]
    assert "Gears shall be oiled every year" in pt.text
    assert "Regulation (EU) 2099/1 of 3 January 2099" in pt.text    # the quoted (*) note
    assert "a quoted point that belongs to the amended act" in by_id["eu-test/art-3"].text
    assert not any(p.id.startswith("eu-test/art-3/par-") for p in res.provisions)
    assert [p.id for p in res.provisions if p.kind == "footnote"] == ["eu-test/fn-1"]


def test_footnotes_kept_apart(fx):
    res, by_id = fx
    fn = by_id["eu-test/fn-1"]
    assert fn.parent_id is None and fn.num == "1"
    assert not any("OJ C 999" in p.text for p in res.provisions if p.kind != "footnote")
    # the citation keeps only its reference mark
    assert by_id["eu-test/preamble/cit-2"].text.endswith("Widget Committee (1),")


def test_body_text_is_the_act_only(fx):
    res, _ = fx
    body = res.body_text
    assert body.startswith("REGULATION (EU) 2099/1")
    assert body.endswith("rust.")
    for chrome in ("sidebar words", "navigation link", "Official Journal of the European Union",
                   "ISSN", "generateTOC", "L 999/1"):
        assert chrome not in body
    assert coverage(res) == pytest.approx(1.0)


def test_deterministic_ids(fx_bytes, fx):
    again = parse(fx_bytes)
    assert [p.id for p in again.provisions] == [p.id for p in fx[0].provisions]


def test_literal_nbsp_equals_entity(fx_bytes, fx):
    """The raw server HTML has literal no-break spaces, the browser save has &nbsp;."""
    raw = fx_bytes.replace(b"&nbsp;", "\u00a0".encode())
    res = parse(raw)
    assert [(p.id, p.text) for p in res.provisions] == [(p.id, p.text) for p in fx[0].provisions]


@pytest.mark.parametrize("old, new, message", [
    (b"eli-subdivision", b"eli-subdiv", "eli-subdivision"),
    (b"oj-ti-art", b"oj-ti-xyz", "oj-ti-art"),
    (b"eli-main-title", b"eli-headline", "eli-main-title"),
    (b'id="enc_1"', b'id="body_1"', "enc_1"),
    (b'id="pbl_1"', b'id="pre_1"', "pbl_1"),
    (b'<p class="oj-normal">(2)</p>', b'<p class="oj-normal">(7)</p>', "rct_2"),
    (b"Article&nbsp;4", b"Article&nbsp;40", "Article 4"),
    (b'id="002.002"><p class="oj-normal">2.', b'id="002.002"><p class="oj-normal">Two', "002.002"),
    (b"ANNEX&nbsp;II", b"APPENDIX&nbsp;II", "anx_II"),
])
def test_markup_changes_raise(fx_bytes, old, new, message):
    data = fx_bytes.replace(old, new)
    assert data != fx_bytes
    with pytest.raises(ParseError, match=message):
        parse(data)


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj", "eli-main-title"),
    (b"<html><body><p>Hello</p></body></html>", "eli-main-title"),
])
def test_wrong_format_raises(data, message):
    with pytest.raises(ParseError, match=message):
        parse(data)


def test_truncated_raises(fx_bytes):
    cut = fx_bytes[: fx_bytes.index(b'<div class="eli-container" id="anx_II">')]
    with pytest.raises(ParseError, match="truncated"):
        parse(cut)


# --- the registry ------------------------------------------------------------------------

def test_registry_entries():
    from corpus import sources
    for sid in ("eu-ai-act", "eu-gdpr", "eu-dsa"):
        s = sources.get(sid)
        assert s.parser == "eurlex_oj_html" and s.family == "eu" and s.binding
        assert s.us_relation == ()
    dsa = sources.get("eu-dsa")
    assert (dsa.mirror.doc, dsa.mirror.format) == ("dsa-2022-2065", "html")
    assert dsa.expected == {"recital": 156, "article": 93, "annex": 0}
    assert dsa.date_adopted == "2022-10-19"


def test_every_eu_mirror_file_used_or_out_of_scope(mirror):
    from corpus import sources
    used = {mirror.find(s.mirror).file for s in sources.REGISTRY.values()
            if s.family == "eu" and mirror.find(s.mirror) is not None}
    for row in mirror.rows:
        if row.source == "eu":
            assert (row.file in used) != (row.file in sources.OUT_OF_SCOPE), row.file


# --- integration on the real mirror ------------------------------------------------------

@pytest.mark.parametrize("source_id", ["eu-ai-act", "eu-gdpr"])
def test_gates_pass(parsed, source_id):
    from corpus import sources
    res = parsed(source_id)
    assert check_document(sources.get(source_id), res) == []
    assert coverage(res) >= 0.97


def test_ai_act_counts(parsed):
    counts = kind_counts(parsed("eu-ai-act").provisions)
    assert (counts["article"], counts["recital"], counts["annex"]) == (113, 180, 13)
    assert counts["definition"] == 68
    assert counts["chapter"] == 13


def test_gdpr_counts(parsed):
    counts = kind_counts(parsed("eu-gdpr").provisions)
    assert (counts["article"], counts["recital"], counts.get("annex", 0)) == (99, 173, 0)
    assert counts["definition"] == 26


@pytest.fixture(scope="module")
def ai(parsed):
    return {p.id: p for p in parsed("eu-ai-act").provisions}


@pytest.fixture(scope="module")
def gdpr(parsed):
    return {p.id: p for p in parsed("eu-gdpr").provisions}


@pytest.mark.parametrize("pid, kind, pinpoint, parent, phrase", [
    ("art-50/par-2", "paragraph", "Article 50(2)", "art-50",
     "generating synthetic audio, image, video"),
    ("art-3/pt-1", "definition", "Article 3, point (1)", "art-3",
     "‘AI system’ means a machine-based system"),
    ("art-5/par-1/pt-a", "point", "Article 5(1), point (a)", "art-5/par-1", "subliminal techniques"),
    ("art-5/par-1/pt-h/pt-iii", "point", "Article 5(1), point (h)(iii)", "art-5/par-1/pt-h",
     "localisation or identification of a person"),
    ("art-5/par-1/sub-2", "subparagraph", "Article 5(1), second subparagraph", "art-5/par-1",
     "Point (h) of the first subparagraph"),
    ("rct-133", "recital", "Recital 133", "preamble", "large quantities of synthetic content"),
    ("anx-iii/pt-1", "point", "Annex III, point 1", "anx-iii", "Biometrics"),
    ("anx-iii/pt-1/pt-a", "point", "Annex III, point 1(a)", "anx-iii/pt-1",
     "remote biometric identification systems"),
    ("anx-vii/pt-3/pt-3.1", "point", "Annex VII, point 3.1", "anx-vii/pt-3",
     "application of the provider shall include"),
    ("anx-viii/sct-b/pt-1", "point", "Annex VIII, Section B, point 1", "anx-viii/sct-b",
     "contact details of the provider"),
    ("anx-ii/ind-1", "indent", "Annex II, first indent", "anx-ii", "terrorism"),
    ("art-113/sub-3/pt-a", "point", "Article 113, third subparagraph, point (a)", "art-113/sub-3",
     "2 February 2025"),
    ("fn-1", "footnote", "Footnote 1", None, "OJ C 517, 22.12.2021"),
])
def test_ai_act_spot_checks(ai, pid, kind, pinpoint, parent, phrase):
    p = ai[f"eu-ai-act/{pid}"]
    assert (p.kind, p.pinpoint) == (kind, pinpoint)
    assert p.parent_id == (f"eu-ai-act/{parent}" if parent else None)
    assert phrase in p.text


def test_ai_act_structure(ai):
    art50 = ai["eu-ai-act/art-50"]
    assert art50.heading.startswith("Transparency obligations")
    assert art50.parent_id == "eu-ai-act/cpt-iv"
    assert ai["eu-ai-act/art-9"].parent_id == "eu-ai-act/cpt-iii/sct-2"
    assert ai["eu-ai-act/cpt-iii/sct-2"].pinpoint == "Chapter III, Section 2"
    assert ai["eu-ai-act/anx-iii"].heading.startswith("High-risk AI systems referred to")
    # the amending articles quote other acts' paragraphs: text, not paragraphs here
    assert "eu-ai-act/art-108/par-3" not in ai
    assert "in Article 17" in ai["eu-ai-act/art-108/pt-1"].text


def test_ai_act_footnotes_kept_apart(parsed):
    provs = parsed("eu-ai-act").provisions
    notes = [p for p in provs if p.kind == "footnote"]
    assert len(notes) == 58 and all(p.parent_id is None for p in notes)
    assert [p.id for p in notes[:3]] == ["eu-ai-act/fn-1", "eu-ai-act/fn-2", "eu-ai-act/fn-3"]
    assert not any("OJ C 517, 22.12.2021" in p.text for p in provs if p.kind != "footnote")


def test_ai_act_body_excludes_eurlex_chrome(parsed):
    body = parsed("eu-ai-act").body_text
    assert body.startswith("REGULATION (EU) 2024/1689")
    assert "ISSN 1977-0677" not in body and "generateTOC" not in body


@pytest.mark.parametrize("pid, kind, pinpoint, parent, phrase", [
    ("art-6/par-1/pt-a", "point", "Article 6(1), point (a)", "art-6/par-1",
     "the data subject has given consent"),
    ("art-17/par-1", "paragraph", "Article 17(1)", "art-17",
     "the right to obtain from the controller the erasure"),
    ("art-4/pt-1", "definition", "Article 4, point (1)", "art-4",
     "‘personal data’ means any information"),
    ("art-53/par-1/ind-2", "indent", "Article 53(1), second indent", "art-53/par-1",
     "their government"),
    ("rct-1", "recital", "Recital 1", "preamble", "protection of natural persons"),
    ("final/sig-1", "signature", "Final formula, signature 1", "final",
     "For the European Parliament"),
])
def test_gdpr_spot_checks(gdpr, pid, kind, pinpoint, parent, phrase):
    p = gdpr[f"eu-gdpr/{pid}"]
    assert (p.kind, p.pinpoint) == (kind, pinpoint)
    assert p.parent_id == (f"eu-gdpr/{parent}" if parent else None)
    assert phrase in p.text


def test_gdpr_article_17_heading(gdpr):
    assert gdpr["eu-gdpr/art-17"].heading.startswith("Right to erasure")
    assert gdpr["eu-gdpr/art-17"].parent_id == "eu-gdpr/cpt-iii/sct-3"


@pytest.mark.parametrize("old, new", [
    (b"eli-subdivision", b"eli-subdiv"),
    (b"oj-ti-art", b"oj-ti-xyz"),
])
def test_ai_act_renamed_class_raises(mirror_bytes, old, new):
    data = mirror_bytes("ai-act", "html")
    changed = data.replace(old, new)
    assert changed != data
    with pytest.raises(ParseError, match=old.decode()):
        parse(changed, "eu-ai-act")


def test_ai_act_renamed_note_class_fails_counts(mirror_bytes):
    from corpus import sources
    data = mirror_bytes("ai-act", "html").replace(b'class="oj-note"', b'class="oj-remark"')
    fails = check_document(sources.get("eu-ai-act"), parse(data, "eu-ai-act"))
    assert any(f.check == "counts" and "footnote" in f.message for f in fails)


def test_source_line_wrapped_after_a_hyphen_keeps_the_compound(parsed):
    """EUR-Lex's HTML breaks source lines after some hyphens ("High-\\nrisk")."""
    text = {p.id: p.text for p in parsed("eu-ai-act").provisions}["eu-ai-act/art-40/par-1"]
    assert text.startswith("High-risk AI systems") and "High- risk" not in text
