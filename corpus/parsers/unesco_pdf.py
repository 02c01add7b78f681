"""UNESCO Recommendation on the Ethics of Artificial Intelligence (2021), official PDF.

The print has four layers, each numbered on its own:

* the preamble: the General Conference's considerations, unnumbered ("Recognizing ...,");
* three adoption clauses "1. Adopts ...", "2. Recommends ...", "3. Also recommends ...";
* the body, whose paragraphs restart at 1 and run on to 141 through sections I-VIII
  ("I. SCOPE OF APPLICATION"); section III has subsections "III.1 VALUES" and
  "III.2 PRINCIPLES" with unnumbered subheadings (one per value / principle), section IV
  has unnumbered-in-print "POLICY AREA N: ..." headings;
* lettered items "(a)" in a paragraph, roman items "(i)" in a lettered item.

Adoption clauses and body paragraphs are kept apart (``adopt-1`` vs ``par-1``) because
both print as "1.". Paragraph ids stay ``par-N`` whatever container they sit in, since
counsel cite "Paragraph 57" without the section.

The line and preamble helpers (``body_lines``, ``TextBlocks`` in ``pdftext``;
``starts_preambular_paragraph`` in ``textutil``) are shared with the Council of Europe
parser, whose treaty print has the same preamble style and the same page furniture problems.
"""
from __future__ import annotations

import re

from corpus.model import ParseError, ParseResult, ProvisionTree
from corpus.parsers import parser
from corpus.parsers.pdftext import TextBlocks, body_lines, document_vocabulary, join_lines
from corpus.parsers.textutil import (ends_sentence, next_letter, roman_value,
                                     starts_preambular_paragraph)

# ---------------------------------------------------------------------------
# UNESCO Recommendation
# ---------------------------------------------------------------------------

# The document symbol printed once as a page-1 footer ("SHS/BIO/REC-AIETHICS/2021"):
# page furniture, too rare for strip_repeated.
_DOC_SYMBOL = re.compile(r"^[A-Z]{2,}(?:/[A-Z0-9.\-]+){2,}$")
_PREAMBLE = re.compile(r"^PREAMBLE$")
_SECTION = re.compile(r"^([IVX]+)\.\s+([A-Z][A-Z ,’'\-]+)$")
_SUBSECTION = re.compile(r"^([IVX]+)\.(\d{1,2})\s+([A-Z][A-Z ,’'\-]+)$")
_POLICY_AREA = re.compile(r"^POLICY AREA (\d{1,2})\s*:\s*(\S.*)$")
_NUMBERED = re.compile(r"^(\d{1,3})\.\s+(\S.*)$")
_ITEM = re.compile(r"^\(([a-z]{1,4})\)\s+(\S.*)$")


@parser("unesco_recommendation_pdf")
def parse_unesco_recommendation(data: bytes, doc_id: str) -> ParseResult:
    """Parse the UNESCO Recommendation PDF into title, preamble, adoption clauses,
    sections, subsections, subheadings, policy areas, paragraphs and their items.

    Skipped as page furniture: the running page numbers "– N –" and the page-1 footer
    with the document symbol (the symbol is recorded in the registry entry)."""
    return parse_unesco_lines(body_lines(data, drop=_DOC_SYMBOL), doc_id)


def parse_unesco_lines(lines: list[str], doc_id: str) -> ParseResult:
    """The text-level parser behind ``parse_unesco_recommendation``: the printed lines
    in reading order, page furniture already removed."""
    vocab = document_vocabulary(lines)
    tree = ProvisionTree(doc_id)
    blocks = TextBlocks(tree, vocab)

    try:
        start = next(i for i, l in enumerate(lines) if _PREAMBLE.match(l))
    except StopIteration:
        raise ParseError("expected a 'PREAMBLE' heading opening the General Conference's "
                         "considerations; none found") from None
    if start:
        blocks.open(tree.add("title", kind="heading", pinpoint="Title"), " ".join(lines[:start]))
    preamble = blocks.open(tree.add("preamble", kind="preamble", pinpoint="Preamble",
                                    heading=lines[start]))

    state = "preamble"
    n_pp = n_adopt = n_par = n_sct = n_area = 0
    section = subsection = area = heading = None
    n_heading: dict[str, int] = {}
    paragraph = point = subpoint = None
    letter = None           # last item letter in the current paragraph
    rnum = 0                # last roman number in the current item

    def container():
        return heading or area or subsection or section

    for i in range(start + 1, len(lines)):
        line = lines[i]
        prev = blocks.last_line()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""

        if state == "preamble" and starts_preambular_paragraph(line, prev or ","):
            n_pp += 1
            blocks.open(tree.add(f"pp-{n_pp}", kind="preambular-paragraph", parent=preamble,
                                 nest=False, pinpoint=f"Preamble, paragraph {n_pp}"), line)
            continue

        m = _NUMBERED.match(line)
        if state in ("preamble", "adoption") and m and int(m.group(1)) == n_adopt + 1 \
                and ends_sentence_or_comma(prev):
            n_adopt += 1
            state = "adoption"
            blocks.open(tree.add(f"adopt-{n_adopt}", kind="adoption-clause", num=m.group(1),
                                 pinpoint=f"Adoption clause {n_adopt}"), m.group(2))
            continue

        m = _SECTION.match(line)
        if m and roman_value(m.group(1)) == n_sct + 1 and state != "preamble":
            n_sct += 1
            state = "body"
            section = tree.add(f"sct-{m.group(1).lower()}", kind="section", num=m.group(1),
                               pinpoint=f"Section {m.group(1)}", heading=m.group(2))
            subsection = area = heading = None
            blocks.open(section)
            continue
        if state != "body":
            blocks.add(line)
            continue

        m = _SUBSECTION.match(line)
        if m and roman_value(m.group(1)) == n_sct:
            num = f"{m.group(1)}.{m.group(2)}"
            subsection = tree.add(f"sub-{m.group(2)}", kind="subsection", parent=section,
                                  num=num, pinpoint=f"Section {num}", heading=m.group(3))
            area = heading = None
            blocks.open(subsection)
            continue

        m = _POLICY_AREA.match(line)
        if m and int(m.group(1)) == n_area + 1:
            n_area += 1
            area = tree.add(f"policy-area-{m.group(1)}", kind="policy-area", parent=section,
                            nest=False, num=m.group(1), pinpoint=f"Policy Area {m.group(1)}",
                            heading=line)
            heading = None
            blocks.open(area)
            continue

        m = _NUMBERED.match(line)
        if m and int(m.group(1)) == n_par + 1:
            n_par += 1
            paragraph = tree.add(f"par-{n_par}", kind="paragraph", parent=container(),
                                 nest=False, num=m.group(1), pinpoint=f"Paragraph {n_par}")
            point = subpoint = None
            letter, rnum = None, 0
            blocks.open(paragraph, m.group(2))
            continue

        # An unnumbered subheading (a value or principle): a line that does not read as
        # running text, between the end of one paragraph and the number of the next.
        nm = _NUMBERED.match(nxt)
        if (nm and int(nm.group(1)) == n_par + 1 and (not prev or ends_sentence(prev))
                and not line.rstrip().endswith((".", ",", ";", ":")) and line[:1].isupper()):
            owner = subsection or section
            k = n_heading[owner.id] = n_heading.get(owner.id, 0) + 1
            heading = tree.add(f"h-{k}", kind="heading", parent=owner, heading=line,
                               pinpoint=f"{owner.pinpoint}, \u201c{line}\u201d")
            blocks.open(heading)
            continue

        m = _ITEM.match(line)
        if m and paragraph is not None:
            mark = m.group(1)
            as_letter = mark == next_letter(letter) and len(mark) == 1 and (
                letter is not None or prev.rstrip().endswith(":"))
            as_roman = point is not None and roman_value(mark) == rnum + 1
            if as_letter and as_roman:
                # "(i)" after "(h)" or as the first sub-item of an item: an item that
                # introduces a list ends with a colon.
                as_letter = not prev.rstrip().endswith(":")
            if as_letter:
                letter, rnum, subpoint = mark, 0, None
                point = tree.add(mark, kind="point", parent=paragraph, num=f"({mark})",
                                 pinpoint=f"Paragraph {n_par}({mark})")
                blocks.open(point, m.group(2))
                continue
            if as_roman:
                rnum += 1
                subpoint = tree.add(mark, kind="subpoint", parent=point, num=f"({mark})",
                                    pinpoint=f"Paragraph {n_par}({letter})({mark})")
                blocks.open(subpoint, m.group(2))
                continue

        if subpoint is not None and blocks.current is subpoint and prev.rstrip().endswith(".") \
                and line[:1].isupper():
            # After the last roman item the lettered item resumes (the print indents this
            # text back to the letter's level): "AI systems can be used in ...".
            blocks.reopen(point)
            subpoint = None
        blocks.add(line)

    blocks.finish()
    if n_pp == 0:
        raise ParseError("expected preambular paragraphs ('Recognizing ...,') after PREAMBLE; none found")
    if n_adopt == 0:
        raise ParseError("expected adoption clauses ('1. Adopts ...') after the preamble; none found")
    if n_sct == 0:
        raise ParseError("expected section headings ('I. SCOPE OF APPLICATION'); none found")
    if n_par == 0:
        raise ParseError("expected numbered body paragraphs ('1. This Recommendation ...'); none found")
    return tree.result(join_lines(lines, vocab))


def ends_sentence_or_comma(line: str) -> bool:
    """A preambular paragraph ends with a comma, an adoption clause with ";" or "."."""
    return not line or ends_sentence(line) or line.rstrip().endswith(",")
