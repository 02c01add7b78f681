"""America's AI Action Plan (The White House, July 2025), official PDF.

The plan prints no paragraph numbers, so the layout decides: lines are rebuilt from
pdfium's text runs with their positions, a larger font marks headings, extra leading
marks a paragraph break, a bullet opens a policy action, small type with a marker
at the left margin is a footnote, and raised small digits are footnote references.

Structure: epigraph, "Introduction" (paragraphs and the three signatories), then
"Pillar I/II/III: ..." each with lead paragraphs and headings; under a heading the
narrative paragraphs (``par-N``, in order) and the "Recommended Policy Actions"
bullets (``action-N``, in print order). Heading ids are slugs of their text; the
headings are checked against the table of contents so a layout change cannot
silently merge or drop one.

Skipped, deliberately: the cover (title, date and publisher, kept in the registry),
the table of contents (navigation; used only as the check above), the running
header, page numbers and the "This page intentionally left blank." page.
"""
from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree, clean_space
from corpus.parsers import parser
from corpus.parsers import pdftext

_HEADING_HEIGHT = 7.2       # pt, median letter height: body ~5.8, headings 8.5 and more
_FOOTNOTE_HEIGHT = 5.0      # pt: footnotes ~4.3
_PARA_GAP = 6.0             # pt between lines: ~3 inside a paragraph, 9-25 between
_MARGIN_BOTTOM = 60.0       # page numbers sit below this
_PILLAR = re.compile(r"^Pillar\s+([IVX]+)\s*:\s*(.+)$")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}


@dataclass
class _Char:
    ch: str
    l: float
    b: float
    r: float
    t: float


@dataclass
class Line:
    """One printed line: its text, left edge, baseline, top, letter height and kind."""

    text: str
    l: float
    b: float
    t: float
    h: float
    kind: str = "body"             # "heading", "body", "footnote", "fn-start"
    marker: str = ""               # footnote number for "fn-start"
    sup: list[str] = field(default_factory=list)   # footnote references taken out


def _page_chars(page) -> list[_Char]:
    tp = page.get_textpage()
    try:
        text = tp.get_text_range()
        n = tp.count_chars()
        if len(text) != n:
            raise ParseError("pdfium text and character boxes disagree; cannot lay out the page")
        out = []
        for i in range(n):
            if text[i] in "\r\n":
                continue        # pdfium's own line breaks: the geometry decides lines
            l, b, r, t = tp.get_charbox(i)
            # per character, so ligatures and soft hyphens come out as in pdf_pages
            ch = " " if text[i].isspace() else pdftext.normalise(text[i])
            out.append(_Char(ch, l, b, r, t))
        return out
    finally:
        tp.close()


def _lines(chars: list[_Char]) -> list[Line]:
    """Group characters (in reading order) into printed lines: a character whose box
    lies wholly below the current line's baseline starts the next line (commas and
    descenders dip only a little below it; raised footnote numbers sit above it)."""
    groups: list[list[_Char]] = []
    base = 0.0
    for c in chars:
        if c.ch.isspace():
            if groups:
                groups[-1].append(c)
            continue
        if groups and (c.t >= base + 2 or c.b >= base - 4):
            groups[-1].append(c)
            if c.t - c.b > 3:
                base = min(base, c.b)   # a raised footnote number may have opened the line
        else:
            groups.append([c])
            base = c.b
    return [ln for ln in (_line(g) for g in groups) if ln is not None]


def _line(chars: list[_Char]) -> Line | None:
    ink = [c for c in chars if not c.ch.isspace()]
    if not ink:
        return None
    letters = [c for c in ink if c.ch.isalpha()] or ink
    base = sorted(c.b for c in letters)[len(letters) // 2]
    # the x-height (letters without ascenders or descenders) tells the type size
    xs = sorted(c.t - c.b for c in letters if c.ch in "acemnorsuvwxz") or \
        sorted(0.7 * (c.t - c.b) for c in letters)
    cap = xs[len(xs) // 2]
    gap = max(2.0, 0.3 * cap) if cap < 10 else 0.6 * cap   # display type is set loosely
    text, sup, prev = "", [], None
    marker = ""
    # a footnote opens with its number, raised and small, at the left margin
    if ink[0].ch.isdigit() and ink[0].l < 78 and ink[0].b > base + 1:
        k = 0
        while k < len(chars) and (chars[k].ch.isdigit() or chars[k].ch.isspace()):
            marker += chars[k].ch.strip()
            k += 1
        chars = chars[k:]
    for c in chars:
        if c.ch.isdigit() and c.b > base + 2:
            if sup and prev is not None and prev.ch.isdigit() and prev.b > base + 2:
                sup[-1] += c.ch
            else:
                sup.append(c.ch)       # a raised footnote reference, not part of the words
            prev = c
            continue
        if prev is not None and not c.ch.isspace() and text and not text.endswith(" ") \
                and c.l - prev.r > gap and prev.ch not in "-\u2013\u2014/“(" and c.ch not in ".,;:)”’-\u2013\u2014":
            text += " "
        text += c.ch
        if not c.ch.isspace():
            prev = c
    text = clean_space(text)
    if not text:
        return None
    kind = ("fn-start" if marker else "heading" if cap > _HEADING_HEIGHT
            else "footnote" if cap < _FOOTNOTE_HEIGHT else "body")
    return Line(text, ink[0].l, base, max(c.t for c in ink), cap, kind, marker, sup)


def plan_lines(data: bytes) -> list[list[Line]]:
    """The printed lines of each page, without running header and page numbers."""
    try:
        import pypdfium2 as pdfium
        pdf = pdfium.PdfDocument(data)
    except Exception as e:  # not a PDF pdfium can open: nothing to lay out
        raise ParseError(f"not a readable PDF: {e}") from None
    header = pdftext.repeated_lines(pdftext.pdf_pages(data))
    pages = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                chars = [c for c in _page_chars(page) if c.b > _MARGIN_BOTTOM]
            finally:
                page.close()
            lines = [ln for ln in _lines(chars) if pdftext._shape(ln.text) not in header]
            pages.append(lines)
    finally:
        pdf.close()
    return pages


def _slug(text: str) -> str:
    """Id segment from a heading: lower-case words joined by hyphens, cut at a word
    boundary after at most 80 characters."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("’", "").replace("'", "")).strip("-")
    if len(s) > 80:
        s = s[:81].rsplit("-", 1)[0]
    return s


def _vocabulary(lines: list[str]):
    """``pdftext.document_vocabulary`` plus line-end compounds whose second element the
    plan uses in several compounds ("deepfake-" + "related" like "AI-related",
    "security-related"): the shared rule would otherwise glue them into one word."""
    vocab = pdftext.document_vocabulary(lines)
    seconds = collections.Counter(w.rsplit("-", 1)[-1] for w in vocab if "-" in w)
    for i in range(len(lines) - 1):
        m = re.search(r"([A-Za-z]+)-$", lines[i].rstrip())
        n = re.match(r"\s*([A-Za-z]+)", lines[i + 1])
        if m and n:
            left, right = m.group(1).lower(), n.group(1).lower()
            if seconds[right] >= 2 and not vocab[left + right]:
                vocab[f"{left}-{right}"] += 1
    return vocab


def _join(lines: list[str], vocab) -> str:
    """Running text of printed lines; a dash at a line end binds to the next word."""
    merged: list[str] = []
    for ln in lines:
        if merged and merged[-1].endswith(("\u2014", "\u2013")):
            merged[-1] += ln.strip()
        else:
            merged.append(ln)
    return pdftext.join_lines(merged, vocab)


def _toc(pages: list[list[Line]], vocab) -> list[str]:
    """Heading titles listed in the table of contents, indented under the pillars
    (dot leaders and page numbers cut; a title may run over two lines)."""
    for lines in pages:
        if any(ln.text == "Table of Contents" for ln in lines):
            entries, pending = [], []
            for ln in lines:
                if ln.text == "Table of Contents" or ln.l < 78:
                    continue        # the title, and the Introduction / pillar entries
                m = re.match(r"^(.*?)\s*\.{3,}\s*\d+$", ln.text)
                pending.append(m.group(1) if m else ln.text)
                if m:
                    entries.append(_join(pending, vocab))
                    pending = []
            return entries
    raise ParseError("no 'Table of Contents' page: expected the Action Plan's contents list")


class _Builder:
    def __init__(self, doc_id: str, vocab):
        self.tree = ProvisionTree(doc_id)
        self.vocab = vocab
        self.pillar: Provision | None = None
        self.section: Provision | None = None   # introduction, pillar or heading in force
        self.npar = 0
        self.naction = 0
        self.in_actions = False
        self.buf: list[str] = []
        self.buf_kind = ""                       # "par" or "action"
        self.footnotes: dict[str, Provision] = {}
        self.fn_lines: dict[str, list[str]] = {}    # footnote id -> its printed lines
        self.last_fn: Provision | None = None
        self.headings: list[str] = []
        self.signature: Provision | None = None

    # -- paragraphs and actions
    def flush(self) -> None:
        if not self.buf:
            return
        text = _join(self.buf, self.vocab)
        self.buf = []
        sec = self.section
        if sec is None:
            raise ParseError(f"text before the Introduction heading: {text[:60]!r}")
        base = sec.pinpoint
        if self.buf_kind == "action":
            self.naction += 1
            n = self.naction
            self.tree.add(f"action-{n}", kind="policy-action", pinpoint=f"{base}, action {n}", text=text,
                          parent=sec)
        elif self.signature is not None:
            self.tree.append_text(self.signature, text)
        else:
            self.npar += 1
            n = self.npar
            self.tree.add(f"par-{n}", kind="paragraph", pinpoint=f"{base}, paragraph {n}", text=text,
                          parent=sec)

    def start(self, kind: str) -> None:
        self.flush()
        self.buf_kind = kind

    def open_section(self, text: str) -> None:
        self.flush()
        self.signature = None
        self.npar = self.naction = 0
        self.in_actions = False
        m = _PILLAR.match(text)
        if m:
            num = m.group(1)
            if num not in _ROMAN:
                raise ParseError(f"pillar number {num!r} is not I-V")
            self.pillar = self.tree.add(f"pillar-{_ROMAN[num]}", kind="pillar", pinpoint=f"Pillar {num}",
                                        heading=m.group(2), num=num)
            self.section = self.pillar
        elif text == "Introduction":
            self.section = self.tree.add("introduction", kind="heading", pinpoint="Introduction",
                                         heading=text)
        else:
            if self.pillar is None:
                raise ParseError(f"heading {text!r} before the first pillar")
            self.headings.append(text)
            self.section = self.tree.add(_slug(text), kind="heading",
                                         pinpoint=f"{self.pillar.pinpoint}, '{text}'", heading=text,
                                         parent=self.pillar)

    def footnote(self, marker: str, text: str) -> None:
        if marker in self.footnotes:
            raise ParseError(f"footnote {marker} printed twice")
        self.last_fn = self.tree.add(f"fn-{marker}", kind="footnote", pinpoint=f"Footnote {marker}",
                                     num=marker)
        self.fn_lines[self.last_fn.id] = [text]
        self.footnotes[marker] = self.last_fn


def _is_signatory(ln: Line) -> bool:
    """The introduction closes with three names ("Given M. Family"), each over a title."""
    return bool(re.fullmatch(r"[A-Z][a-z]+ [A-Z]\. [A-Z][a-z]+", ln.text))


@parser("us_action_plan_pdf")
def parse_action_plan(data: bytes, doc_id: str) -> ParseResult:
    """America's AI Action Plan (July 2025 PDF) into pillars, headings, paragraphs,
    policy actions and footnotes."""
    pages = plan_lines(data)
    if len(pages) < 5:
        raise ParseError(f"{len(pages)} pages: expected the Action Plan's 28")
    start = next((i for i, lines in enumerate(pages) if any(ln.text == "Introduction" and ln.kind == "heading"
                                                             for ln in lines)), None)
    if start is None:
        raise ParseError("no 'Introduction' heading: not the Action Plan's layout")
    # the epigraph page: a quotation in display type between the cover and the contents
    epigraph = [ln.text for lines in pages[1:start] if lines and lines[0].text.startswith("“")
                for ln in lines]
    body_pages = [p for p in pages[start:] if [ln.text for ln in p] != ["This page intentionally left blank."]]

    all_lines = [ln for p in body_pages for ln in p]
    vocab = _vocabulary(epigraph + [ln.text for ln in all_lines])
    b = _Builder(doc_id, vocab)
    toc = _toc(pages[:start], vocab)
    body_parts: list[str] = list(epigraph)
    if epigraph:
        b.tree.add("epigraph", kind="paragraph", pinpoint="Epigraph", text=_join(epigraph, vocab))
    prev: Line | None = None
    heading_buf: list[Line] = []

    def close_heading():
        if heading_buf:
            b.open_section(_join([h.text for h in heading_buf], vocab))
            heading_buf.clear()

    for lines in body_pages:
        prev = None
        for ln in lines:
            body_parts.append(ln.text)
            if ln.kind == "heading":
                if not heading_buf or (prev is not None and prev.kind == "heading"):
                    heading_buf.append(ln)
                prev = ln
                continue
            close_heading()
            if ln.kind == "fn-start":
                b.footnote(ln.marker, ln.text)
            elif ln.kind == "footnote":
                if b.last_fn is None:
                    raise ParseError(f"footnote text without a footnote number: {ln.text[:60]!r}")
                b.fn_lines[b.last_fn.id].append(ln.text)
            elif ln.text == "Recommended Policy Actions":
                b.flush()
                b.in_actions = True
            elif ln.text.startswith("•"):
                b.start("action" if b.in_actions else "par")
                b.buf.append(ln.text.lstrip("• ").strip())
            elif b.section is not None and b.section.id.endswith("/introduction") and _is_signatory(ln) \
                    and b.signature is None:
                b.flush()
                b.signature = b.tree.add("signature", kind="signature", pinpoint="Introduction, signatories",
                                         text=ln.text)
            elif b.signature is not None and b.section is not None and b.section.id.endswith("/introduction"):
                b.tree.append_text(b.signature, ln.text)
            else:
                gap = prev is None or prev.kind != "body" or (prev.b - ln.t) > _PARA_GAP
                if b.buf and b.buf_kind == "action" and ln.l > 90:
                    b.buf.append(ln.text)       # a bullet's indented run-over, also across pages
                elif b.buf and b.buf_kind == "par" and not gap:
                    b.buf.append(ln.text)
                elif b.buf and prev is None and b.buf_kind == "par" and not _ends_paragraph(b.buf[-1]):
                    b.buf.append(ln.text)       # a paragraph running on from the last page
                else:
                    b.start("par")
                    b.buf.append(ln.text)
            prev = ln if ln.kind in ("body", "heading") else prev
    close_heading()
    b.flush()
    for fn in b.footnotes.values():
        fn.text = clean_space(_join(b.fn_lines[fn.id], vocab))

    if b.headings != toc:
        missing = [t for t in toc if t not in b.headings]
        extra = [t for t in b.headings if t not in toc]
        raise ParseError(f"headings in the text differ from the table of contents: missing {missing[:3]}, "
                         f"unexpected {extra[:3]}")
    pillars = [p for p in b.tree.provisions if p.kind == "pillar"]
    if [p.num for p in pillars] != ["I", "II", "III"]:
        raise ParseError(f"expected Pillars I, II and III, found {[p.num for p in pillars]}")
    return b.tree.result(_join(body_parts, vocab))


def _ends_paragraph(text: str) -> bool:
    return text.rstrip().endswith((".", "”", ":", "?", "!"))
