"""Parsers of the English translations/conversions of Chinese texts."""
from __future__ import annotations

import pytest

from corpus import sources
from corpus.checks import check_document
from corpus.model import ParseError
from corpus.parsers.cn_translation import (parse_gaigi_html, parse_measures_markdown,
                                           parse_measures_text, parse_tc260_text)
from tests.conftest import FIXTURES

FX = FIXTURES / "cn"


def _ids(r):
    return {p.id: p for p in r.provisions}


def test_markdown_measures_fixture():
    r = parse_measures_markdown((FX / "measures-mini.md").read_bytes(), "m")
    by = _ids(r)
    assert by["m/order-7"].kind == "preamble" and "hereby promulgated" in by["m/order-7"].text
    assert by["m/order-7/signatures"].text.endswith("January 1, 2030")
    assert by["m/cpt-2"].heading == "Supplementary Provisions" and by["m/cpt-2"].pinpoint == "Chapter 2"
    art2 = by["m/art-2"]
    assert art2.parent_id == "m/cpt-1" and art2.text == "Widget providers shall:"
    assert by["m/art-2/item-2"].pinpoint == "Article 2(2)" and by["m/art-2/item-2"].text == "Keep widget logs."
    assert by["m/fn-ii"].kind == "footnote"
    assert "Series blurb" not in r.body_text and "does not constitute approval" not in r.body_text


def test_text_measures_fixture():
    by = _ids(parse_measures_text((FX / "measures-mini.txt").read_bytes(), "l"))
    assert by["l/art-2/item-2"].text == "Add audio labels."     # full-width paren
    assert by["l/art-2"].text == "Labels shall be added as follows: Providers shall keep the labels."


def test_gaigi_fixture():
    r = parse_gaigi_html((FX / "gaigi-mini.html").read_bytes(), "g")
    by = _ids(r)
    assert [p.id for p in r.provisions if p.kind == "proposal"] == ["g/proposal-1", "g/proposal-2"]
    assert by["g/proposal-2"].text == "We should share widget knowledge's benefits."
    assert "虚构" not in r.body_text and "版权" not in r.body_text


def test_tc260_fixture():
    r = parse_tc260_text((FX / "framework-mini.txt").read_bytes(), "f")
    by = _ids(r)
    assert by["f/sec-2.1.1/a"].heading == "Risks of blinking" and by["f/sec-2.1.1/a"].text == "Widgets may blink."
    assert by["f/sec-2.1.1/a"].pinpoint == "Section 2.1.1(a)"
    assert by["f/sec-2.1.2/a"].text == "Gadgets should be inspected."
    # the restart of the lettering shows a lost heading
    assert by["f/sec-2.1.3/a"].text == "A lost heading's first item."
    assert by["f/table"].text == "[Omitted.]"
    assert any("2.1.3" in n for n in r.notes)


@pytest.mark.parametrize("fn, data, msg", [
    (parse_measures_text, b"Title\n\nSome prose without articles\n", "Article 1"),
    (parse_measures_text, b"Title\n\nArticle 1: a\n\nArticle 3: c\n", "out of sequence"),
    (parse_measures_markdown, b"# **Nothing here**\n", "order's heading"),
    (parse_gaigi_html, "<p>只有中文</p>".encode(), "English heading"),
    (parse_tc260_text, b"Title\n\nIntro\n\nno sections\n", "numbered sections"),
    (parse_measures_text, b"%PDF-1.4 binary", "plain-text"),
])
def test_malformed(fn, data, msg):
    with pytest.raises(ParseError, match=msg):
        fn(data, "x")


CN_IDS = ["cn-genai-interim-measures-2023", "cn-ai-labeling-measures-2025",
          "cn-global-ai-governance-initiative-2023", "cn-tc260-ai-safety-framework-2024"]


@pytest.mark.parametrize("doc", CN_IDS)
def test_gates(parsed, doc):
    assert check_document(sources.get(doc), parsed(doc)) == []


def test_interim_measures(parsed):
    by = _ids(parsed("cn-genai-interim-measures-2023"))
    d = "cn-genai-interim-measures-2023"
    assert [k for k in by if k.startswith(f"{d}/art-4/")] == [f"{d}/art-4/item-{i}" for i in range(1, 6)]
    assert by[f"{d}/art-4/item-2"].pinpoint == "Article 4(2)" and "discrimination" in by[f"{d}/art-4/item-2"].text
    arts = [p for p in by.values() if p.kind == "article"]
    assert arts[-1].id == f"{d}/art-24" and "August 15, 2023" in arts[-1].text
    assert by[f"{d}/art-24"].parent_id == f"{d}/cpt-5"
    assert "Zhuang Rongwen" in by[f"{d}/order-15/signatures"].text


def test_labeling_measures(parsed):
    by = _ids(parsed("cn-ai-labeling-measures-2025"))
    assert "September 1, 2025" in by["cn-ai-labeling-measures-2025/art-14"].text
    assert by["cn-ai-labeling-measures-2025/art-4/item-3"].text.startswith("Add conspicuous notification labels")


def test_gaigi(parsed):
    r = parsed("cn-global-ai-governance-initiative-2023")
    props = [p for p in r.provisions if p.kind == "proposal"]
    assert len(props) == 11 and all(p.text.startswith(("We should", "We must")) for p in props)
    assert "developing countries" in props[-1].text
    assert "人工智能" not in r.body_text


def test_tc260(parsed):
    d = "cn-tc260-ai-safety-framework-2024"
    by = _ids(parsed(d))
    assert by[f"{d}/sec-3.1.1/a"].heading.startswith("Risks of explainability")
    assert by[f"{d}/sec-6.4/f"].pinpoint == "Section 6.4(f)"
    assert by[f"{d}/table"].text == "[Omitted.]"
