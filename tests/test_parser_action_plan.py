"""America's AI Action Plan parser: a small invented PDF laid out like the plan (built
here, Helvetica at the plan's sizes), then the real mirror PDF."""
from __future__ import annotations

import pytest

from corpus import sources
from corpus.checks import check_document, kind_counts
from corpus.model import ParseError
from corpus.parsers.action_plan_pdf import parse_action_plan

BODY, NOTE, HEAD, PILLAR = 11, 8, 16, 26


def make_pdf(pages: list[list[tuple[float, float, float, str]]]) -> bytes:
    """A PDF whose pages hold (x, y, font size, text) lines in Helvetica."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
                         b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for lines in pages:
        ops = []
        for x, y, size, text in lines:
            s = text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            # set a little tight: the viewer's stand-in for unembedded Helvetica draws narrower
            # glyphs than the advance widths, which would read as gaps between letters
            ops.append(b"BT /F1 %g Tf %g Tc %g %g Td (" % (size, -0.06 * size, x, y) + s + b") Tj ET")
        stream = b"\n".join(ops)
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                    b"/Contents %d 0 R >>" % (len(objs)))
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


HEADER = (230, 740, 9, "INVENTED ACTION PLAN")


def _page(num: int, lines):
    return [HEADER, *lines, (300, 45, 9, str(num))]


def body(y: float, *texts: str, x: float = 72):
    """Lines of one paragraph from ``y`` down, 13.4 pt apart."""
    return [(x, y - 13.4 * i, BODY, t) for i, t in enumerate(texts)]


def fixture_pages():
    toc = [(72, 660, BODY, "Introduction ........................ 1"),
           (72, 640, BODY, "Pillar I: Grow Invented Gardens ........................ 2"),
           (84, 622, BODY, "Plant Seeds Widely ........................ 2"),
           (84, 608, BODY, "Water the Open-Weight Garden ........................ 3"),
           (72, 588, BODY, "Pillar II: Build Sheds ........................ 3"),
           (84, 570, BODY, "Frame the Sheds ........................ 3"),
           (72, 550, BODY, "Pillar III: Share Tools ........................ 4"),
           (84, 532, BODY, "Lend Tools to Friends ........................ 4")]
    return [
        [(72, 600, 30, "Winning the Garden"), (72, 500, 40, "INVENTED PLAN")],
        _page(1, [(108, 540, 18, "“Gardens invented for a test"), (108, 516, 18, "grow quickly.”"),
                  (250, 480, 14, "A. Gardener")]),
        _page(2, [(220, 700, PILLAR, "Table of Contents"), *toc]),
        _page(3, [(250, 700, PILLAR, "Introduction"),
                  *body(660, "The invented plan starts with an introduction that", "runs over two lines."),
                  (172.5, 654, 6, "1"),
                  *body(620, "A second paragraph of the introduction."),
                  *body(590, "Jane Q. Public"), *body(576.6, "Chief Invented Gardener"),
                  (72, 100, 6, "1"), (82, 96, NOTE, "An invented footnote that continues on"),
                  (82, 86, NOTE, "a second line of small type.")]),
        _page(4, [(165, 700, PILLAR, "Pillar I: Grow Invented Gardens"),
                  *body(660, "Gardens must grow."),
                  (72, 620, HEAD, "Plant Seeds Widely"),
                  *body(590, "Seeds are AI-", "enabled and open-", "weight when planted under the regu-",
                        "lation of open-weight gardening."),
                  *body(520, "Recommended Policy Actions"),
                  (82, 490, BODY, "\u2022"), *body(490, "Plant seeds in every invented", "field.", x=96),
                  (82, 450, BODY, "\u2022"), *body(450, "Review the NIST AI Risk Management Framework for",
                                                   "seed use.", x=96)]),
        _page(5, [(72, 700, HEAD, "Water the Open-Weight Garden"),
                  *body(670, "Water is useful."),
                  *body(640, "Recommended Policy Actions"),
                  (82, 610, BODY, "\u2022"), *body(610, "Water daily.", x=96),
                  (165, 560, PILLAR, "Pillar II: Build Sheds"),
                  *body(520, "Sheds hold tools."),
                  (72, 480, HEAD, "Frame the Sheds"),
                  *body(450, "Recommended Policy Actions"),
                  (82, 420, BODY, "\u2022"), *body(420, "Frame sheds with invented wood.", x=96)]),
        _page(6, [(165, 700, PILLAR, "Pillar III: Share Tools"),
                  *body(660, "Tools are shared."),
                  (72, 620, HEAD, "Lend Tools to Friends"),
                  *body(590, "Recommended Policy Actions"),
                  (82, 560, BODY, "\u2022"), *body(560, "Lend a rake.", x=96),
                  (82, 530, BODY, "\u2022"), *body(530, "Lend a spade.", x=96)]),
        _page(7, [(220, 400, BODY, "This page intentionally left blank.")]),
    ]


@pytest.fixture(scope="module")
def fx():
    return parse_action_plan(make_pdf(fixture_pages()), "fx")


def _by_id(result):
    return {p.id: p for p in result.provisions}


def test_fixture_structure(fx):
    assert kind_counts(fx.provisions) == {"paragraph": 8, "heading": 5, "footnote": 1, "signature": 1,
                                          "pillar": 3, "policy-action": 6}
    p = _by_id(fx)
    assert p["fx/pillar-1"].heading == "Grow Invented Gardens" and p["fx/pillar-1"].pinpoint == "Pillar I"
    h = p["fx/pillar-1/water-the-open-weight-garden"]
    assert h.kind == "heading" and h.pinpoint == "Pillar I, 'Water the Open-Weight Garden'"
    act = p["fx/pillar-1/plant-seeds-widely/action-2"]
    assert act.kind == "policy-action" and act.pinpoint == "Pillar I, 'Plant Seeds Widely', action 2"
    assert act.text == "Review the NIST AI Risk Management Framework for seed use."
    assert p["fx/pillar-3/lend-tools-to-friends/action-2"].text == "Lend a spade."
    assert p["fx/pillar-2/par-1"].pinpoint == "Pillar II, paragraph 1"


def test_fixture_text_dehyphenation_and_footnotes(fx):
    p = _by_id(fx)
    par = p["fx/pillar-1/plant-seeds-widely/par-1"]
    assert par.text == "Seeds are AI-enabled and open-weight when planted under the regulation of open-weight gardening."
    intro = p["fx/introduction/par-1"]
    # the raised footnote reference is not part of the words
    assert intro.text == "The invented plan starts with an introduction that runs over two lines."
    fn = p["fx/fn-1"]
    assert fn.pinpoint == "Footnote 1" and fn.text == "An invented footnote that continues on a second line of small type."
    assert p["fx/signature"].text == "Jane Q. Public Chief Invented Gardener"
    assert p["fx/epigraph"].text.startswith("“Gardens invented for a test grow")
    # running header, page numbers, contents and the blank page are not body text
    for furniture in ("INVENTED ACTION PLAN", "Table of Contents", "intentionally", "....", "Winning"):
        assert furniture not in fx.body_text


def test_heading_missing_from_contents_raises():
    pages = fixture_pages()
    pages[2] = [line for line in pages[2] if not str(line[3]).startswith("Frame the Sheds")]
    with pytest.raises(ParseError, match="table of contents"):
        parse_action_plan(make_pdf(pages), "fx")


@pytest.mark.parametrize("data, message", [
    (b"not a pdf at all", "not a readable PDF"),
    (None, "pages"),
])
def test_malformed_raises(data, message):
    if data is None:
        data = make_pdf(fixture_pages()[:2])       # truncated: cover and epigraph only
    with pytest.raises(ParseError, match=message):
        parse_action_plan(data, "fx")


# ------------------------------------------------------------- the real plan

def test_mirror_plan_passes_gates(parsed):
    src = sources.get("us-ai-action-plan")
    result = parsed("us-ai-action-plan")
    assert check_document(src, result) == []
    assert kind_counts(result.provisions) == src.expected


def test_mirror_plan_pillars_and_actions(parsed):
    result = parsed("us-ai-action-plan")
    p = _by_id(result)
    pillars = [x for x in result.provisions if x.kind == "pillar"]
    assert [x.pinpoint for x in pillars] == ["Pillar I", "Pillar II", "Pillar III"]
    assert pillars[2].heading == "Lead in International AI Diplomacy and Security"
    base = "us-ai-action-plan/pillar-1/ensure-that-frontier-ai-protects-free-speech-and-american-values"
    act = p[f"{base}/action-1"]
    assert act.pinpoint == "Pillar I, 'Ensure that Frontier AI Protects Free Speech and American Values', action 1"
    assert "revise the NIST AI Risk Management Framework" in act.text
    red = p["us-ai-action-plan/pillar-1/remove-red-tape-and-onerous-regulation/par-1"]
    assert red.text.startswith("To maintain global leadership in AI") and "Federal funding" in red.text
    assert "Open-source and open-weight AI models" in p[
        "us-ai-action-plan/pillar-1/encourage-open-source-and-open-weight-ai/par-1"].text
    assert "AI-enabled" in " ".join(x.text for x in result.provisions)
    assert p["us-ai-action-plan/fn-3"].text.startswith("Executive Order 14110 of October 30, 2023")
    assert "FR-2025-06-11" in p["us-ai-action-plan/fn-30"].text
