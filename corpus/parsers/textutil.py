"""Plain-text helpers shared by parsers, whatever format the text came from.

Nothing here knows about PDFs or markup: decoding a text file's bytes, Roman numerals in
both directions, item letters, and how a line ends or opens a paragraph. Parser modules
import these from here rather than from one another, so a format module can change
without breaking the others.
"""
from __future__ import annotations

import re

from corpus.model import ParseError


def decode_text(data: bytes) -> list[str]:
    """The lines of a UTF-8 text file; ParseError when the bytes are not text."""
    if not isinstance(data, (bytes, bytearray)):
        raise ParseError("expected the bytes of a text file")
    if data[:5] == b"%PDF-" or b"\x00" in data[:4096]:
        raise ParseError("expected a plain-text layer, got binary data (PDF?)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"expected UTF-8 text: {e}") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return [l.rstrip() for l in text.split("\n")]


def roman(n: int) -> str:
    """Upper-case Roman numeral (annex and chapter numbers)."""
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
            (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def roman_value(s: str) -> int:
    """Integer value of a Roman numeral (upper or lower case); 0 if it is not one."""
    vals = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    s = s.lower()
    if not s or any(c not in vals for c in s):
        return 0
    total = 0
    for i, c in enumerate(s):
        v = vals[c]
        total += -v if i + 1 < len(s) and vals[s[i + 1]] > v else v
    # Round-tripping rejects non-canonical spellings ("iiii", "vx") that are more likely
    # letters or words than numbers.
    return total if roman(total).lower() == s else 0


def next_letter(letter: str | None) -> str:
    """The item letter after ``letter`` ("a" when there is none yet)."""
    return "a" if letter is None else chr(ord(letter) + 1)


def ends_sentence(line: str) -> bool:
    """Whether a line closes a sentence (so what follows may start a new block)."""
    return line.rstrip().rstrip("”’\"')").endswith((".", ":", ";"))


# Preambular paragraphs open with a participle or adjective of mind, optionally
# introduced by "Also"/"Further" ("Recognizing", "Also recalling", "Bearing in mind",
# "Mindful also of", "Conscious of"). "United" is excluded because it ends in -ed and
# starts many wrapped lines ("United Nations ...").
_MIND_WORDS = "conscious|mindful|aware|convinced|cognizant|cognisant|deeply"
_PREAMBLE_WORD = re.compile(
    r"^(?:"
    rf"(?:Also|Further|Furthermore)\s+(?:[a-z]+(?:ing|ed)|{_MIND_WORDS})"   # "Also recalling"
    rf"|(?!United\b)[A-Z][a-z]+(?:ing|ed)"                                 # "Recognizing"
    rf"|{_MIND_WORDS.title()}"                                              # "Mindful"
    r")\b")


def starts_preambular_paragraph(line: str, previous: str) -> bool:
    """True when ``line`` opens a new preambular paragraph: it starts with a
    considering-word and the text before it closed a paragraph (with "," or ";", the
    separators of a resolution's or treaty's preamble)."""
    return bool(_PREAMBLE_WORD.match(line)) and previous.rstrip().endswith((",", ";"))
