"""Plain-text helpers shared by the parsers, on text written for the test."""
import pytest

from corpus.model import ParseError
from corpus.parsers.textutil import (decode_text, ends_sentence, next_letter, roman, roman_value,
                                     starts_preambular_paragraph)


def test_roman_round_trip():
    for n in range(1, 200):
        assert roman_value(roman(n)) == n
        assert roman_value(roman(n).lower()) == n
    assert roman(14) == "XIV"


@pytest.mark.parametrize("s", ["", "iiii", "vx", "il", "mix", "a"])
def test_roman_value_rejects_non_numerals(s):
    assert roman_value(s) == 0


def test_decode_text_lines_and_errors():
    assert decode_text("\ufeffone\r\ntwo  \rthree".encode()) == ["one", "two", "three"]
    with pytest.raises(ParseError, match="PDF"):
        decode_text(b"%PDF-1.7 ...")
    with pytest.raises(ParseError, match="UTF-8"):
        decode_text(b"caf\xe9 latin-1")


def test_letters_and_sentence_ends():
    assert next_letter(None) == "a" and next_letter("c") == "d"
    assert ends_sentence("as follows:") and ends_sentence("the end.\u201d")
    assert not ends_sentence("runs on to the")


def test_preambular_paragraph_opening():
    assert starts_preambular_paragraph("Recalling its earlier texts,", "ends here,")
    assert starts_preambular_paragraph("Also noting the reports,", "ends here;")
    assert not starts_preambular_paragraph("Recalling its earlier texts,", "runs on")
    assert not starts_preambular_paragraph("United Nations bodies,", "ends here,")
