"""OECD Legal Instruments PDFs (the Recommendation on AI, OECD/LEGAL/0449).

Layout of these prints: cover and publisher notice (skipped: OECD boilerplate, not the
instrument), "Background Information" by the Secretariat (kept, under a ``background``
container, so it is never mistaken for the Council's text), then the Recommendation:
"THE COUNCIL," with its HAVING REGARD / RECOGNISING clauses, the enacting formula,
Roman-numbered operative clauses I-VIII, Section 1 (principles 1.1-1.5) and Section 2
(recommendations 2.1-2.5) with lettered or Roman sub-items. A closing "About the OECD"
page is publisher boilerplate and skipped.
"""
from __future__ import annotations

import re

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree, clean_space
from corpus.parsers import parser
from corpus.parsers.pdftext import (document_vocabulary, ends_paragraph, fix_spaced_hyphens,
                                    join_lines, styled_pages)
from corpus.parsers.textutil import roman_value


# --- the OECD layout -------------------------------------------------------------------

_FOOTER = re.compile(r"^OECD/LEGAL/\d{4}\s*_+\s*\d*\s*$")
_COVER_END = re.compile(r"^Background Information$")
_COUNCIL = re.compile(r"^THE COUNCIL,?$")
_ABOUT = re.compile(r"^About the OECD$")
_PREAMBLE_CLAUSE = re.compile(r"^(HAVING REGARD|RECOGNISING|UNDERLINING|CONSIDERING|NOTING|"
                              r"RECALLING|TAKING INTO ACCOUNT|WELCOMING|AFFIRMING|REAFFIRMING)\b")
_ENACTING = re.compile(r"^On the proposal of\b")
_ROMAN_CLAUSE = re.compile(r"^([IVX]+)\.\s+([A-Z][A-Z ]+?)\b(?=\s|$)(.*)$")
_SECTION = re.compile(r"^Section (\d+):\s*(.+)$")
_NUMBERED = re.compile(r"^(\d)\.(\d)\.\s+(.+)$")
_LETTER = re.compile(r"^([a-z])\)\s+(.*)$")
_ROMAN_ITEM = re.compile(r"^(i{1,3}|iv|v|vi{1,3})\.\s+(.*)$")
_DEFINITION = re.compile(r"^[\u2012\u2013\u2014\u2015\u2012-]\s+([^:]{2,40}):\s+(.*)$")
# OECD Recommendations have a handful of operative clauses (eight here); capping the
# Roman number keeps an all-capitals line such as "XL. ..." from opening a clause.
_MAX_CLAUSE = 10


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


class _Block:
    """Lines gathered for one provision before they are joined."""

    def __init__(self, prov: Provision):
        self.prov = prov
        self.lines: list[str] = []


@parser("oecd_legal_pdf")
def parse_oecd_legal_pdf(data: bytes, doc_id: str) -> ParseResult:
    """An OECD Legal Instruments PDF of a Council Recommendation (see module doc)."""
    pages = styled_pages(data)
    return parse_oecd_lines([[(l.text, l.bold) for l in p] for p in pages], doc_id)


def parse_oecd_lines(pages: list[list[tuple[str, bool]]], doc_id: str) -> ParseResult:
    """The text-level parser: pages of (line, is_bold) in reading order."""
    lines: list[tuple[str, bool]] = []
    started = False
    for page in pages:
        for text, bold in page:
            t = clean_space(text)
            if not t or _FOOTER.match(t) or re.fullmatch(r"\d{1,3}", t):
                continue
            if not started:
                # cover and publisher notice end where the Background Information starts
                if _COVER_END.match(t) or _COUNCIL.match(t):
                    started = True
                else:
                    continue
            if _ABOUT.match(t):
                break
            lines.append((t, bold))
        else:
            continue
        break
    if not lines:
        raise ParseError("no 'Background Information' or 'THE COUNCIL,' line: not an OECD Legal "
                         "Instruments print")
    council_at = next((i for i, (t, _) in enumerate(lines) if _COUNCIL.match(t)), None)
    if council_at is None:
        raise ParseError("no 'THE COUNCIL,' line opening the Recommendation's text")

    vocab = document_vocabulary([t for t, _ in lines])
    tree = ProvisionTree(doc_id)
    blocks: list[_Block] = []
    _background(tree, blocks, lines[:council_at], vocab)
    _council(tree, blocks, lines[council_at:], vocab)
    for b in blocks:
        tree.append_text(b.prov, join_lines(fix_spaced_hyphens(b.lines), vocab))
    _check_numbering(tree.provisions)
    body = join_lines(fix_spaced_hyphens([t for t, _ in lines]), vocab)
    return tree.result(body)


def _background(tree: ProvisionTree, blocks: list[_Block], lines: list[tuple[str, bool]],
                vocab) -> None:
    """The Secretariat's Background Information: bold headings and the paragraphs under
    them. Paragraphs are unnumbered in print, so they are numbered in order; a paragraph
    ends at a short line that closes a sentence or list item (the print has no other
    paragraph mark in its text layer)."""
    if not lines:
        return
    width = max(len(t) for t, _ in lines)
    bg = tree.add("background", kind="section", pinpoint="Background Information",
                  heading="Background Information")
    parent = bg
    heading_n = par_n = 0
    cur: _Block | None = None
    pending_heading: list[str] = []
    last_heading = ""
    for t, bold in lines[1:] if _COVER_END.match(lines[0][0]) else lines:
        if bold and not re.match(r"^\d\.\s", t):
            # a heading at a page foot is printed again at the top of the next page
            if not pending_heading or pending_heading[-1] != t:
                pending_heading.append(t)
            cur = None
            continue
        if pending_heading:
            head = join_lines(fix_spaced_hyphens(pending_heading), vocab)
            pending_heading = []
            if head != last_heading:  # a heading repeated at the top of the next page
                heading_n += 1
                parent = tree.add(f"background/hd-{heading_n}", kind="heading", parent=bg,
                                  nest=False, heading=head,
                                  pinpoint=f"Background Information, \u201c{head}\u201d")
                last_heading = head
        if cur is None:
            par_n += 1
            cur = _Block(tree.add(f"background/par-{par_n}", kind="paragraph", parent=parent,
                                  nest=False,
                                  pinpoint=f"Background Information, paragraph {par_n}"))
            blocks.append(cur)
        cur.lines.append(t)
        if ends_paragraph(t, width):
            cur = None
    if pending_heading:
        raise ParseError(f"background heading {' '.join(pending_heading)!r} has no text under it")


def _council(tree: ProvisionTree, blocks: list[_Block], lines: list[tuple[str, bool]],
             vocab) -> None:
    """The Recommendation itself, from "THE COUNCIL," to the last operative clause."""
    pre = tree.add("preamble", kind="preamble", pinpoint="Preamble", text=lines[0][0])
    pp_n = 0
    cur: _Block | None = None
    section: Provision | None = None
    clause: Provision | None = None      # current Roman clause
    item: Provision | None = None        # current principle / recommendation
    sub_parent: Provision | None = None  # what lettered / Roman sub-items attach to
    heading_lines: list[str] | None = None
    i = 1
    while i < len(lines):
        t, bold = lines[i]
        i += 1
        if heading_lines is not None:
            if bold and not _LETTER.match(t):
                heading_lines.append(t)
                continue
            item.heading = join_lines(fix_spaced_hyphens(heading_lines), vocab)
            heading_lines = None
        m_sec = _SECTION.match(t)
        m_rom = _ROMAN_CLAUSE.match(t)
        m_num = _NUMBERED.match(t)
        m_let = _LETTER.match(t)
        m_ri = _ROMAN_ITEM.match(t)
        m_def = _DEFINITION.match(t)
        if _PREAMBLE_CLAUSE.match(t) and clause is None:
            pp_n += 1
            cur = _Block(tree.add(f"pp-{pp_n}", kind="preambular-paragraph", parent=pre,
                                  pinpoint=f"Preamble, paragraph {pp_n}"))
            cur.lines.append(t)
            blocks.append(cur)
        elif _ENACTING.match(t) and clause is None:
            cur = _Block(tree.add("enacting", kind="adoption-clause", parent=pre,
                                  pinpoint="Preamble, enacting formula"))
            cur.lines.append(t)
            blocks.append(cur)
        elif m_sec:
            n = m_sec.group(1)
            head = [m_sec.group(2)]
            while i < len(lines) and lines[i][1] and not (_ROMAN_CLAUSE.match(lines[i][0])
                                                          or _NUMBERED.match(lines[i][0])):
                head.append(lines[i][0])
                i += 1
            section = tree.add(f"sct-{n}", kind="section", pinpoint=f"Section {n}",
                               heading=join_lines(fix_spaced_hyphens(head), vocab), num=n)
            clause = item = None
            cur = None
        elif m_rom and 1 <= roman_value(m_rom.group(1)) <= _MAX_CLAUSE:
            r = m_rom.group(1)
            # clauses II-IV and V introduce the principles and recommendations and are
            # printed inside their section; VI-VIII follow Section 2 but govern the whole
            parent = section if section is not None and not item else None
            clause = tree.add(f"op-{r.lower()}", kind="operative-paragraph", parent=parent,
                              nest=False, pinpoint=f"Paragraph {r}", num=f"{r}.")
            item = None
            sub_parent = clause
            cur = _Block(clause)
            cur.lines.append(f"{m_rom.group(2)}{m_rom.group(3)}")
            blocks.append(cur)
        elif m_num and bold:
            if section is None:
                raise ParseError(f"item {m_num.group(1)}.{m_num.group(2)} outside Section 1 or 2")
            sec_n = section.num
            if m_num.group(1) != sec_n:
                raise ParseError(f"item {m_num.group(1)}.{m_num.group(2)} inside Section {sec_n}")
            n = f"{m_num.group(1)}.{m_num.group(2)}"
            kind, label = (("principle", "Principle") if sec_n == "1"
                           else ("recommendation", "Recommendation"))
            item = tree.add(n, kind=kind, parent=section, nest=False, pinpoint=f"{label} {n}",
                            num=n)
            sub_parent = item
            heading_lines = [m_num.group(3)]
            cur = _Block(item)
            blocks.append(cur)
        elif (m_let or m_ri) and sub_parent is not None:
            m = m_let or m_ri
            letter = m.group(1)
            pin = f"{sub_parent.pinpoint}({letter})"
            cur = _Block(tree.add(letter, kind="point", parent=sub_parent, pinpoint=pin,
                                  num=f"{letter})" if m_let else f"{letter}."))
            cur.lines.append(m.group(2))
            blocks.append(cur)
        elif m_def and clause is not None and item is None:
            term = m_def.group(1)
            cur = _Block(tree.add(f"def-{_slug(term)}", kind="definition", parent=clause,
                                  pinpoint=f"{clause.pinpoint}, \u201c{term}\u201d"))
            cur.lines.append(f"{term}: {m_def.group(2)}")
            blocks.append(cur)
        else:
            if cur is None:
                raise ParseError(f"text outside any clause of the Recommendation: {t[:60]!r}")
            cur.lines.append(t)
    if heading_lines is not None:
        raise ParseError("document ends inside a principle heading (truncated?)")


def _check_numbering(provs: list[Provision]) -> None:
    """Principles and recommendations must run 1.1, 1.2, ... without gaps."""
    for kind, sec in (("principle", "1"), ("recommendation", "2")):
        nums = [p.num for p in provs if p.kind == kind]
        if not nums:
            raise ParseError(f"no {kind}s ({sec}.1, {sec}.2, ...) found in Section {sec}")
        want = [f"{sec}.{k}" for k in range(1, len(nums) + 1)]
        if nums != want:
            raise ParseError(f"{kind}s numbered {nums}, expected {want}")
    if not any(p.kind == "operative-paragraph" for p in provs):
        raise ParseError("no Roman-numbered operative clause (I. AGREES ...) found")
