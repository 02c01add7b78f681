"""Council of Europe treaty PDFs (CETS), first of all the Framework Convention on
Artificial Intelligence (CETS No. 225).

The CETS print: a title block ("Council of Europe Treaty Series - No. 225", title,
"Vilnius, 5.IX.2024"), "Preamble" with unnumbered considerations ending in ";", the
closing "Have agreed as follows:", then "Chapter I – General provisions" and
"Article 1 – Object and purpose". Paragraph numbers have no full stop ("1 Each Party
shall ..."), sub-paragraphs are bare letters ("a privacy rights ..."). Text that follows
a sub-paragraph without a new number belongs to that sub-paragraph (Article 3,
paragraph 1.b has two such unnumbered continuations, indented under "b" in the print).
The treaty ends with the testimonium "In witness whereof ..." and "Done in Vilnius ...".

Pinpoints follow the Council of Europe's own citation style: "Article 3, paragraph 1"
and "Article 3, paragraph 1.a"; a sub-paragraph directly in an article (no numbered
paragraphs) is "Article 11, sub-paragraph a", the style the treaty uses itself.
"""
from __future__ import annotations

import re

from corpus.model import ParseError, ParseResult, ProvisionTree
from corpus.parsers import parser
from corpus.parsers.pdftext import TextBlocks, body_lines, document_vocabulary, join_lines
from corpus.parsers.textutil import (ends_sentence, next_letter, roman_value,
                                     starts_preambular_paragraph)

_DASH = r"\s+[\u2013\u2014-]\s+"
_PREAMBLE = re.compile(r"^Preamble$")
_AGREED = re.compile(r"^Have agreed as follows\s*:?$")
_CHAPTER = re.compile(rf"^Chapter ([IVX]+){_DASH}(\S.*)$")
_ARTICLE = re.compile(rf"^Article (\d{{1,3}}){_DASH}(\S.*)$")
_PARAGRAPH = re.compile(r"^(\d{1,2})\s+(\S.*)$")
_POINT = re.compile(r"^([a-z])\s+(\S.*)$")
_TESTIMONIUM = re.compile(r"^In witness whereof\b")


@parser("coe_treaty_pdf")
def parse_coe_treaty(data: bytes, doc_id: str) -> ParseResult:
    """Parse a Council of Europe treaty PDF into title, preamble, chapters, articles,
    paragraphs, sub-paragraphs and the signature clause.

    Skipped as page furniture: the running header ("CETS 225 – Artificial
    Intelligence, 5.IX.2024"), the rule under it and the page numbers."""
    return parse_coe_lines(body_lines(data), doc_id)


def parse_coe_lines(lines: list[str], doc_id: str) -> ParseResult:
    """The text-level parser behind ``parse_coe_treaty`` (furniture already removed)."""
    tree = ProvisionTree(doc_id)
    vocab = document_vocabulary(lines)
    blocks = TextBlocks(tree, vocab)

    try:
        start = next(i for i, l in enumerate(lines) if _PREAMBLE.match(l))
    except StopIteration:
        raise ParseError("expected a 'Preamble' heading after the treaty's title block; none found") from None
    if start:
        blocks.open(tree.add("title", kind="heading", pinpoint="Title"), " ".join(lines[:start]))
    preamble = blocks.open(tree.add("preamble", kind="preamble", pinpoint="Preamble",
                                    heading=lines[start]))

    state = "preamble"
    n_pp = n_cpt = n_art = 0
    chapter = article = paragraph = None
    n_par = 0
    letter = None

    for line in lines[start + 1:]:
        prev = blocks.last_line()

        if state == "preamble":
            if starts_preambular_paragraph(line, prev or ";"):
                n_pp += 1
                blocks.open(tree.add(f"pp-{n_pp}", kind="preambular-paragraph", parent=preamble,
                                     nest=False, pinpoint=f"Preamble, paragraph {n_pp}"), line)
                continue
            if _AGREED.match(line):
                # The enacting formula closes the preamble; it is the preamble's own words.
                blocks.reopen(preamble, line)
                state = "agreed"
                continue

        m = _CHAPTER.match(line)
        if m and roman_value(m.group(1)) == n_cpt + 1 and state != "preamble":
            n_cpt += 1
            state = "articles"
            chapter = tree.add(f"cpt-{m.group(1).lower()}", kind="chapter", num=m.group(1),
                               pinpoint=f"Chapter {m.group(1)}", heading=m.group(2))
            blocks.open(chapter)
            continue

        m = _ARTICLE.match(line)
        if m and int(m.group(1)) == n_art + 1 and state in ("agreed", "articles"):
            n_art += 1
            state = "articles"
            article = tree.add(f"art-{n_art}", kind="article", parent=chapter, nest=False,
                               num=m.group(1), pinpoint=f"Article {n_art}", heading=m.group(2))
            paragraph, n_par, letter = None, 0, None
            blocks.open(article)
            continue

        if state == "articles" and _TESTIMONIUM.match(line):
            state = "signature"
            blocks.open(tree.add("signature", kind="signature", pinpoint="Signature clause"), line)
            continue

        if state == "articles" and article is not None:
            m = _PARAGRAPH.match(line)
            if m and int(m.group(1)) == n_par + 1 and (not prev or ends_sentence(prev)):
                n_par += 1
                paragraph, letter = tree.add(
                    f"par-{n_par}", kind="paragraph", parent=article, num=m.group(1),
                    pinpoint=f"Article {n_art}, paragraph {n_par}"), None
                blocks.open(paragraph, m.group(2))
                continue
            m = _POINT.match(line)
            if m and m.group(1) == next_letter(letter) and (
                    letter is not None or prev.rstrip().endswith(":")):
                letter = m.group(1)
                owner = paragraph or article
                pin = (f"Article {n_art}, paragraph {n_par}.{letter}" if paragraph is not None
                       else f"Article {n_art}, sub-paragraph {letter}")
                blocks.open(tree.add(f"pt-{letter}", kind="point", parent=owner, num=letter,
                                     pinpoint=pin), m.group(2))
                continue

        if state == "agreed":
            raise ParseError(f"expected 'Chapter I – ...' or 'Article 1 – ...' after "
                             f"'Have agreed as follows', found {line[:60]!r}")
        blocks.add(line)

    blocks.finish()
    if n_pp == 0:
        raise ParseError("expected preambular paragraphs ('Considering ...;') after 'Preamble'; none found")
    if n_art == 0:
        raise ParseError("expected articles ('Article 1 – Title'); none found")
    return tree.result(join_lines(lines, vocab))
