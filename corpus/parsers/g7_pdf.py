"""G7 Hiroshima Process PDFs: the International Guiding Principles and the International
Code of Conduct for Organizations Developing Advanced AI Systems (30 Oct 2023).

Both are a bold title, unnumbered introduction paragraphs, then 11 numbered items whose
bold heading ("1." / "1" / "10.Advance", wrapped over lines) is followed by plain
paragraphs and, in the Code, bullet lists ("> ..."). Bare page numbers are dropped.
"""
from __future__ import annotations

import re

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree, clean_space
from corpus.parsers import parser
from corpus.parsers.pdftext import (document_vocabulary, ends_paragraph, fix_spaced_hyphens,
                                    join_lines, styled_pages)

_ITEM = re.compile(r"^(\d{1,2})\.?\s*([A-Z].*)$")
_BULLET = re.compile(r"^[>\u2022\u25aa\u25cf\uf0a7\uf0d8\u27a2-]\s+(.*)$")


@parser("g7_hiroshima_principles_pdf")
def parse_g7_principles(data: bytes, doc_id: str) -> ParseResult:
    """The Guiding Principles: items are ``principle-N``, "Principle N"."""
    return parse_g7_lines(_lines(data), doc_id, kind="principle", label="Principle")


@parser("g7_hiroshima_code_pdf")
def parse_g7_code(data: bytes, doc_id: str) -> ParseResult:
    """The Code of Conduct: items are ``action-N``, "Action N"."""
    return parse_g7_lines(_lines(data), doc_id, kind="action", label="Action")


def _lines(data: bytes) -> list[tuple[str, bool]]:
    return [(l.text, l.bold) for page in styled_pages(data) for l in page]


def parse_g7_lines(lines: list[tuple[str, bool]], doc_id: str, *, kind: str,
                   label: str) -> ParseResult:
    """The text-level parser: (line, is_bold) in reading order over all pages."""
    lines = [(clean_space(t), b) for t, b in lines]
    lines = [(t, b) for t, b in lines if t and not re.fullmatch(r"\d{1,3}", t)]
    if not lines or not lines[0][1]:
        raise ParseError("document does not open with a bold title")
    title = []
    while lines and lines[0][1]:
        title.append(lines.pop(0)[0])
    width = max((len(t) for t, _ in lines), default=0)
    vocab = document_vocabulary([t for t, _ in lines] + title)

    def join(ls: list[str]) -> str:
        return join_lines(fix_spaced_hyphens(ls), vocab)

    tree = ProvisionTree(doc_id)
    head = tree.add("title", kind="heading", pinpoint="Title", heading=join(title))
    # (provision, lines) collected in order, joined at the end
    blocks: list[tuple[Provision, list[str]]] = []
    intro_n = 0
    item: Provision | None = None
    item_n = bullet_n = cont_n = 0
    cur: list[str] | None = None
    in_bullet = False
    i = 0
    while i < len(lines):
        t, bold = lines[i]
        i += 1
        m = _ITEM.match(t)
        if bold and m and int(m.group(1)) == item_n + 1:
            item_n += 1
            heading = [m.group(2)]
            while i < len(lines) and lines[i][1] and not (
                    _ITEM.match(lines[i][0]) and int(_ITEM.match(lines[i][0]).group(1)) == item_n + 1):
                heading.append(lines[i][0])
                i += 1
            item = tree.add(f"{kind}-{item_n}", kind=kind, pinpoint=f"{label} {item_n}",
                            heading=join(heading), num=str(item_n))
            cur = []
            blocks.append((item, cur))
            bullet_n = cont_n = 0
            in_bullet = False
            continue
        if bold:
            raise ParseError(f"bold line that is not the next {label.lower()} "
                             f"({item_n + 1}): {t[:50]!r}")
        b = _BULLET.match(t)
        if item is None:
            if cur is None:
                intro_n += 1
                cur = []
                blocks.append((tree.add(f"par-{intro_n}", kind="paragraph", parent=head, nest=False,
                                        pinpoint=f"Introduction, paragraph {intro_n}"), cur))
            cur.append(t)
            if ends_paragraph(t, width):
                cur = None
            continue
        if b:
            bullet_n += 1
            cur = [b.group(1)]
            blocks.append((tree.add(f"item-{bullet_n}", kind="item", parent=item,
                                    pinpoint=f"{label} {item_n}, bullet {bullet_n}"), cur))
            in_bullet = True
            continue
        if in_bullet and cur and re.search(r"[.;]$", cur[-1]) and t[:1].isupper():
            # a plain paragraph after a bullet list: text of the item that follows the list
            cont_n += 1
            cur = []
            blocks.append((tree.add(f"cont-{cont_n}", kind="paragraph", parent=item,
                                    pinpoint=f"{label} {item_n}, text after bullet {bullet_n}"),
                           cur))
            in_bullet = False
        cur.append(t)
    for prov, ls in blocks:
        tree.append_text(prov, join(ls))
    if item_n == 0:
        raise ParseError(f"no numbered {label.lower()} (bold '1. ...') found")
    if intro_n == 0:
        raise ParseError("no introduction before the first numbered item")
    body = join(title) + " " + join([t for t, _ in lines])
    return tree.result(body)
