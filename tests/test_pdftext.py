"""Line joining and de-hyphenation, on text written for the test."""
from corpus.parsers.pdftext import (document_vocabulary, ends_paragraph, fix_spaced_hyphens, join_lines,
                                    strip_repeated)


def test_split_word_is_joined_and_real_compound_keeps_its_hyphen():
    lines = ["Providers of high-", "risk systems shall keep a regu-", "lation register.",
             "A high-risk system and the regulation apply."]
    text = join_lines(lines, document_vocabulary(lines))
    assert "high-risk systems" in text and "regulation register" in text and "regu-" not in text


def test_unknown_compound_decided_by_prefix_and_case():
    assert join_lines(["a cross-", "border flow"]) == "a cross-border flow"
    assert join_lines(["the Euro-", "Mediterranean area"]) == "the Euro-Mediterranean area"
    assert join_lines(["an ordi-", "nary word"]) == "an ordinary word"


def test_running_headers_and_page_numbers_are_stripped():
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    pages = [f"Framework Convention 2024\nIntro {w}.\nSecond {w}.\nArticle {i} - Duty\nBody text {i}.\n"
             f"More text.\nPenultimate {w}.\nLast {w}.\n{i}" for i, w in enumerate(words, 1)]
    out = strip_repeated(pages)
    assert all("Framework Convention" not in p for p in out)
    # a body line that recurs on every page, away from the page edges, survives
    assert out[2] == ("Intro gamma.\nSecond gamma.\nArticle 3 - Duty\nBody text 3.\nMore text.\n"
                      "Penultimate gamma.\nLast gamma.")


def test_fix_spaced_hyphens_and_paragraph_ends():
    assert fix_spaced_hyphens(["build capacity -", "a - b"]) == ["build capacity-", "a - b"]
    assert ends_paragraph("short and done.", 60)
    assert not ends_paragraph("short but open", 60)
    assert not ends_paragraph("x" * 59 + ".", 60)
