"""ITU texts: ITU-T Recommendations (Y.3172, Y.3173, Y.3174, Y.3181) and the AI Ready report.

The mirror holds the PDFs' text layers (pdftotext, running headers and page numbers
already removed by whoever made them, tables flattened row by row, figures lost), so these
parsers read plain text, one printed line per line.

A Recommendation prints: cover and Y-series list, Summary / History / Keywords, Foreword
and IPR notice, table of contents, then clauses "1 Scope" ... "9 Security considerations",
appendices "Appendix I" (non-normative) and a bibliography, then the back-cover list of
ITU-T series. Requirements carry ids (``REQ-ML-DH-005:``); in Y.3172 they sit in
flattened tables, where the id cell lands in the middle of the requirement's text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree
from corpus.parsers import parser
from corpus.parsers.pdftext import document_vocabulary, join_lines
from corpus.parsers.textutil import decode_text

# --- shared helpers ------------------------------------------------------------------

# A requirement id as defined (not merely cited): followed by a colon, at a line start or
# after a sentence end when pdftotext ran two blocks into one line ("... data. REQ-ML-DH-008:
# ...", "... ML-Int-level-002.ML-Int-level-005: ..."). Y.3173 numbers its requirements
# ML-Int-level-NNN, the AI Ready report ITU-AI-RE-Toolkit-REQ-NNN.
_REQ_ID = r"(?:REQ(?:-[A-Z]+)+|ITU-AI-RE-Toolkit-REQ|ML-Int-level)-\d{3}"
_REQ_COLON = re.compile(rf"(?:^|(?<=\.)|(?<=\. ))({_REQ_ID}):\s*")
# Y.3172 prints requirements as table rows: the id cell, without a colon, at a line start.
_REQ_CELL = re.compile(r"^(REQ(?:-[A-Z]+)+-\d{3})(?:\s+(\S.*))?$")


def slug(label: str) -> str:
    """An id path segment from a printed label ("b-ITU-T Y.Sup.55" -> "b-itu-t-y.sup.55")."""
    s = re.sub(r"[^a-z0-9.]+", "-", label.lower()).strip("-.")
    if not s:
        raise ParseError(f"cannot build an id from label {label!r}")
    return s


@dataclass
class _Unit:
    """A provision under construction: its lines are joined when the tree is built."""

    path: str
    kind: str
    pinpoint: str
    heading: str = ""
    num: str = ""
    parent: "_Unit | None" = None
    nest: bool = True
    lines: list[str] = field(default_factory=list)
    prov: Provision | None = None


class _Builder:
    """Units in document order, turned into a ProvisionTree at the end (so text that
    a later line turns out to belong to, e.g. a table-row requirement, can move)."""

    def __init__(self) -> None:
        self.units: list[_Unit] = []

    def new(self, path: str, kind: str, pinpoint: str, *, heading: str = "", num: str = "",
            parent: _Unit | None = None, nest: bool = True, lines: list[str] | None = None) -> _Unit:
        u = _Unit(path, kind, pinpoint, heading, num, parent, nest, list(lines or []))
        self.units.append(u)
        return u

    def build(self, doc_id: str, vocab) -> ProvisionTree:
        tree = ProvisionTree(doc_id)
        for u in self.units:
            text = join_long(u.lines, vocab)
            heading = u.heading
            if u.kind == "definition":
                # "3.2.1 machine learning (ML) [ITU-T Y.3172]: Processes that ..." - the term
                # is the definition's heading, the rest its text
                term, sep, rest = text.partition(": ")
                if sep:
                    heading, text = term, rest
            u.prov = tree.add(u.path, kind=u.kind, pinpoint=u.pinpoint, text=text,
                              heading=heading, num=u.num,
                              parent=u.parent.prov if u.parent else None, nest=u.nest)
        return tree


def join_long(lines: list[str], vocab) -> str:
    """``join_lines`` for long runs of lines: it rescans its growing output, so the
    lines are joined in chunks cut after lines that do not end in a hyphen."""
    chunks, cur = [], []
    for line in lines:
        cur.append(line)
        if len(cur) >= 30 and not line.rstrip().endswith(("-", "\u00ad")):
            chunks.append(join_lines(cur, vocab))
            cur = []
    if cur:
        chunks.append(join_lines(cur, vocab))
    return " ".join(chunks)


def _find(lines: list[str], pred, start: int = 0, what: str = "") -> int:
    for i in range(start, len(lines)):
        if pred(lines[i]):
            return i
    raise ParseError(f"expected {what} (from line {start + 1}), not found")


def _split_requirements(line: str):
    """Pieces of a line: (None, text) for running text, (req_id, text) where a
    requirement defined with a colon starts."""
    out, pos, cur = [], 0, None
    for m in _REQ_COLON.finditer(line):
        out.append((cur, line[pos:m.start()]))
        cur, pos = m.group(1), m.end()
    out.append((cur, line[pos:]))
    return out


def _req_unit(b: _Builder, req: str, parent: _Unit) -> _Unit:
    return b.new(slug(req), "requirement", req, num=req, parent=parent, nest=False)


# --- ITU-T Recommendations -------------------------------------------------------------

_FOOTER = re.compile(r"^(?:[ivx]+ )?Rec\. ITU-T Y\.\d+ \(\d\d/\d{4}\)(?: [ivx]+| \d+)?$")
_CLAUSE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\s+(\S.*)$")
_APPENDIX = re.compile(r"^(Appendix|Annex) ([IVX]+|[A-Z])$")
_APP_CLAUSE = re.compile(r"^([IVX]+|[A-Z])\.(\d{1,2}(?:\.\d{1,2}){0,3})\s+(\S.*)$")
_REF_ITEM = re.compile(r"^\[([^\]]{2,60})\]\s*(.*)$")
_FRONT = {"Summary": "summary", "History": "history", "Keywords": "keywords",
          "FOREWORD": "foreword", "INTELLECTUAL PROPERTY RIGHTS": "ipr"}
_FRONT_PIN = {"summary": "Summary", "history": "History", "keywords": "Keywords",
              "foreword": "Foreword", "ipr": "Intellectual property rights"}


def _successors(cur: tuple[int, ...]) -> set[tuple[int, ...]]:
    """Numbers that may follow clause ``cur``: its first child, its next sibling, or the
    next sibling of an ancestor. Anything else starting a line is wrapped text."""
    if not cur:
        return {(1,)}
    out = {cur + (1,)}
    for d in range(len(cur)):
        out.add(cur[:d] + (cur[d] + 1,))
    return out


def _table_row_start(buf: list[str]) -> int:
    """Where a Y.3172 table-row requirement starts in the lines before its id cell: the
    id cell is vertically centred, so the requirement's first line(s) were printed above
    it. Rows open with "a) ..." (itemised requirements) or "The ML architecture ..."."""
    n = len(buf)
    for j in range(n - 1, max(-1, n - 7), -1):
        if re.match(r"a\)\s", buf[j]):
            return j
    for j in range(n - 1, max(-1, n - 4), -1):
        if re.match(r"(?:[a-z]\)\s+)?The\s", buf[j]):
            return j
    return max(0, n - 1)


@parser("itu_t_rec_text")
def parse_itu_t_rec(data: bytes, doc_id: str) -> ParseResult:
    """Parse the text layer of an ITU-T Recommendation into front matter, clauses,
    definitions, requirements, appendices and bibliography items."""
    lines = [l for l in decode_text(data) if not _FOOTER.match(l.strip())]
    i_sum = _find(lines, lambda l: l.strip() == "Summary", 0, "the 'Summary' of the front matter")
    i_toc = _find(lines, lambda l: l.strip() == "Table of Contents", i_sum, "a 'Table of Contents'")
    i_title = _find(lines, lambda l: re.fullmatch(r"Recommendation ITU-T Y\.\d+", l.strip()),
                    i_toc, "the title line 'Recommendation ITU-T Y.NNNN' after the contents")
    i_end = _find(lines, lambda l: l.strip() == "SERIES OF ITU-T RECOMMENDATIONS", i_title,
                  "the back-cover list 'SERIES OF ITU-T RECOMMENDATIONS' (truncated file?)")
    b = _Builder()
    body: list[str] = []

    # Front matter. The cover page and the list of Y-series Recommendations before
    # "Summary" are publisher navigation, and the table of contents is navigation too:
    # neither is part of the body.
    cur: _Unit | None = None
    seen_front = set()
    for line in lines[i_sum:i_toc]:
        s = line.strip()
        if not s:
            continue
        body.append(s)
        if s in _FRONT:
            key = _FRONT[s]
            seen_front.add(key)
            cur = b.new(f"front-{key}", "paragraph", _FRONT_PIN[key], heading=s)
        elif s.startswith("* To access the Recommendation"):
            # the footnote to "Unique ID*" in the History table
            cur = b.new("front-history/fn-1", "footnote", "History, footnote *",
                        parent=next(u for u in b.units if u.path == "front-history")
                        if "history" in seen_front else None, nest=False)
            cur.lines.append(s)
        else:
            cur.lines.append(s)
    if "foreword" not in seen_front:
        raise ParseError("expected a FOREWORD in the front matter, not found")

    # The title block repeated above clause 1.
    i_first = _find(lines, lambda l: l.strip() == "1 Scope", i_title, "clause '1 Scope'")
    title = [l.strip() for l in lines[i_title:i_first] if l.strip()]
    body.extend(title)
    b.new("title", "heading", "Title", lines=title)

    clause_num: tuple[int, ...] = ()
    clauses: dict[tuple[int, ...], _Unit] = {}
    app: _Unit | None = None
    app_num: tuple[int, ...] = ()
    app_clauses: dict[tuple[int, ...], _Unit] = {}
    section = "clauses"          # clauses -> appendix -> bibliography
    container: _Unit | None = None   # where running text goes when no requirement is open
    cur = None
    i = i_first
    while i < i_end:
        s = lines[i].strip()
        i += 1
        if not s:
            continue
        body.append(s)
        m = _CLAUSE.match(s)
        if section == "clauses" and m:
            num = tuple(int(x) for x in m.group(1).split("."))
            if num in _successors(clause_num) and num[0] <= 12:
                clause_num = num
                parent = clauses.get(num[:-1])
                dotted = m.group(1)
                is_def = num[0] == 3 and len(num) == 3
                kind = "definition" if is_def else "clause"
                cur = container = b.new(f"cl-{dotted}", kind, f"Clause {dotted}",
                                        heading="" if is_def else m.group(2), num=dotted,
                                        parent=parent, nest=False,
                                        lines=[m.group(2)] if is_def else [])
                clauses[num] = cur
                continue
        ma = _APPENDIX.match(s)
        if ma and section in ("clauses", "appendix"):
            # "Appendix I", its title line(s), then "(This appendix does not form ...)"
            j = i
            while j < i_end and not lines[j].strip().startswith("(This "):
                j += 1
            if j - i > 3 or j >= i_end:
                raise ParseError(f"expected the '(This {ma.group(1).lower()} ...)' status line "
                                 f"after '{s}', not found")
            heading = " ".join(l.strip() for l in lines[i:j] if l.strip())
            body.extend([heading, lines[j].strip()])
            section, app_num, app_clauses = "appendix", (), {}
            letter = ma.group(2)
            kind = "appendix" if ma.group(1) == "Appendix" else "annex"
            cur = container = app = b.new(f"{'app' if kind == 'appendix' else 'anx'}-{letter.lower()}",
                                          kind, s, heading=heading, num=letter,
                                          lines=[lines[j].strip()])
            i = j + 1
            continue
        mc = _APP_CLAUSE.match(s)
        if section == "appendix" and mc and app is not None and mc.group(1) == app.num:
            num = tuple(int(x) for x in mc.group(2).split("."))
            if num in _successors(app_num):
                app_num = num
                dotted = f"{mc.group(1)}.{mc.group(2)}"
                parent = app_clauses.get(num[:-1], app)
                cur = container = b.new(f"{app.path}/cl-{dotted.lower()}", "clause",
                                        f"{app.pinpoint}, clause {dotted}", heading=mc.group(3),
                                        num=dotted, parent=parent, nest=False)
                app_clauses[num] = cur
                continue
        if s == "Bibliography" and section in ("clauses", "appendix"):
            section = "bibliography"
            cur = container = b.new("bibliography", "section", "Bibliography", heading=s)
            continue
        if container is None:
            raise ParseError(f"text before clause 1: {s[:60]!r}")
        mr = _REF_ITEM.match(s)
        in_refs = section == "bibliography" or (section == "clauses" and clause_num == (2,))
        if in_refs and mr:
            label = mr.group(1)
            where = "Bibliography" if section == "bibliography" else "Clause 2"
            cur = b.new(slug(label), "item", f"{where}, [{label}]",
                        num=f"[{label}]", parent=container, lines=[mr.group(2)])
            continue
        mt = _REQ_CELL.match(s)
        if mt and section == "clauses":
            # table row: move the requirement's first line(s), printed above the id cell,
            # out of the preceding unit
            prev = cur if cur is not None else container
            k = _table_row_start(prev.lines)
            moved = prev.lines[k:]
            del prev.lines[k:]
            cur = _req_unit(b, mt.group(1), container)
            cur.lines.extend(moved + ([mt.group(2)] if mt.group(2) else []))
            continue
        for req, piece in _split_requirements(s):
            if req is not None:
                if section != "clauses":
                    raise ParseError(f"requirement {req} outside the clauses")
                cur = _req_unit(b, req, container)
            if piece.strip():
                cur.lines.append(piece.strip())
    if section != "bibliography":
        raise ParseError("expected a 'Bibliography' before the back cover, not found")
    if clause_num[:1] < (9,):
        raise ParseError(f"expected clauses 1-9, the last clause found is "
                         f"{'.'.join(map(str, clause_num)) or 'none'}")
    vocab = document_vocabulary(body)
    tree = b.build(doc_id, vocab)
    return tree.result(join_long(body, vocab))


# --- The AI Ready report ---------------------------------------------------------------

# Page furniture of the report: the chapter tab printed on every page ("Chapter 3", at
# times run into a heading line), "(continued)" over split tables, bare page numbers
# (roman in the front matter) and footnote markers.
_REPORT_FURNITURE = re.compile(r"^(?:Chapter \d{1,2}|\(continued\)|[ivx]{1,5}|\d{1,3})$")
_TOC_LEADER = re.compile(r"\s*\[TOC dot leaders omitted\]\s*(?:\d+|[ivx]+)?\s*$")
_DIMENSION = re.compile(r"^Dimension (\d{1,2}): (\S.*)$")
_REF_NUM = re.compile(r"^\[(\d{1,3})\]\s+(\S.*)$")


def _report_toc(lines: list[str]) -> list[str]:
    """The headings the table of contents lists, in order."""
    out = [_TOC_LEADER.sub("", l).strip() for l in lines if "[TOC dot leaders omitted]" in l]
    if not out:
        raise ParseError("expected table-of-contents entries with '[TOC dot leaders omitted]', none found")
    return out


def _heading_like(prev: str, line: str) -> bool:
    """An unnumbered sub-heading inside running text: a short line without end
    punctuation after a finished sentence (it ends an open requirement)."""
    return (len(line) < 70 and prev.endswith((".", ":")) and not line.startswith("NOTE")
            and not line.endswith((".", ",", ";", ":")) and line[:1].isupper())


@parser("itu_report_text")
def parse_itu_report(data: bytes, doc_id: str) -> ParseResult:
    """Parse the text layer of the ITU "AI Ready" report: front matter, chapters 1-6 with
    their unnumbered sections (located through the table of contents), the numbered
    dimensions, the toolkit requirements, the two appendices and the references."""
    raw = decode_text(data)
    lines = [l.strip() for l in raw if l.strip() and not _REPORT_FURNITURE.match(l.strip())]
    i_disc = _find(lines, lambda l: l == "Disclaimer", 0, "the 'Disclaimer' page")
    i_fw = _find(lines, lambda l: l == "Foreword", i_disc, "the 'Foreword'")
    i_toc = _find(lines, lambda l: l.lower() == "table of contents", i_fw, "a table of contents")
    i_contrib = _find(lines, lambda l: l == "List of contributors", i_toc, "'List of contributors'")
    toc = _report_toc(lines[i_toc:i_contrib])
    i_acr = _find(lines, lambda l: l == "Acronyms", i_contrib, "'Acronyms'")
    i_isbn_end = _find(lines, lambda l: l.startswith("978-"), i_disc, "the ISBN lines")
    while i_isbn_end + 1 < i_fw and lines[i_isbn_end + 1].startswith("978-"):
        i_isbn_end += 1
    b = _Builder()
    body: list[str] = []

    # The cover (before "Disclaimer") and the title page repeated between the ISBN and the
    # Foreword are publisher pages; the table of contents is navigation.
    for path, pin, head, lo, hi in (("front-disclaimer", "Disclaimer", "Disclaimer", i_disc + 1, i_isbn_end + 1),
                                    ("front-foreword", "Foreword", "Foreword", i_fw + 1, i_toc),
                                    ("front-contributors", "List of contributors", "List of contributors",
                                     i_contrib + 1, i_acr)):
        b.new(path, "paragraph", pin, heading=head, lines=lines[lo:hi])
        body.extend([head] + lines[lo:hi])

    # Locate each table-of-contents heading in the body, in order.
    entries = [e for e in toc if e not in ("Foreword", "List of contributors")]
    if entries[:1] != ["Acronyms"]:
        raise ParseError(f"expected 'Acronyms' to follow the front matter in the contents, got {entries[:1]}")
    pos, found = i_acr, {}
    drop: set[int] = set()
    for e in entries[1:]:
        want = e.lower()
        hits = [k for k in range(pos + 1, len(lines))
                if re.sub(r"\s+Chapter \d+$", "", lines[k]).lower() == want
                or (f"{lines[k]} {lines[k + 1] if k + 1 < len(lines) else ''}").lower() == want]
        if not hits:
            raise ParseError(f"expected the heading {e!r} listed in the contents, not found in the body")
        chosen = hits[0]
        if len(hits) > 1 and not re.match(r"\d\. ", e) and not e.startswith(("Appendix", "References")):
            # a short section title ("Data") may also be a cell of a flattened table: the
            # heading is the occurrence followed by running prose
            chosen = next((h for h in hits if h + 1 < len(lines) and len(lines[h + 1]) >= 50), hits[0])
        if len(hits) > 1 and e.startswith(("Appendix", "References")):
            # an appendix title doubles as the running header of its pages: the heading is
            # the occurrence just before the appendix's first numbered entry
            first = next((k for k in range(hits[0], len(lines)) if re.match(r"(?:1\.|\[1\])\s", lines[k])), None)
            before = [h for h in hits if first is not None and h < first]
            chosen = before[-1] if before else hits[0]
            drop.update(h for h in hits if h != chosen)
        wrapped = re.sub(r"\s+Chapter \d+$", "", lines[chosen]).lower() != want
        found[chosen] = (e, 2 if wrapped else 1)
        pos = chosen
    i_back = _find(lines, lambda l: l == "Place des Nations", pos, "the back cover ('Place des Nations')") - 1

    acr = b.new("front-acronyms", "paragraph", "Acronyms", heading="Acronyms")
    body.append("Acronyms")
    container: _Unit = acr
    cur: _Unit = acr
    chapter: _Unit | None = None
    sect_n = app_n = 0
    section: _Unit | None = None
    refs: _Unit | None = None
    k = i_acr + 1
    while k < i_back:
        s = lines[k]
        if k in drop:
            k += 1
            continue
        if k in found:
            e, span = found[k]
            body.append(e)
            k += span
            mch = re.match(r"(\d)\. (.*)$", e)
            if mch:
                sect_n = 0
                cur = container = chapter = section = b.new(
                    f"cpt-{mch.group(1)}", "chapter", f"Chapter {mch.group(1)}",
                    heading=mch.group(2), num=mch.group(1))
            elif e.startswith("Appendix"):
                app_n += 1
                cur = container = section = b.new(f"app-{app_n}", "appendix", e,
                                                  heading=e.split(":", 1)[-1].strip())
            elif e == "References":
                cur = container = refs = b.new("references", "section", "References", heading=e)
            else:
                if chapter is None:
                    raise ParseError(f"section {e!r} before chapter 1")
                sect_n += 1
                cur = container = section = b.new(f"sct-{sect_n}", "section",
                                                  f"{chapter.pinpoint}, {e}", heading=e,
                                                  parent=chapter)
            continue
        body.append(s)
        k += 1
        md = _DIMENSION.match(s)
        if md and section is not None and chapter is not None:
            cur = container = b.new(f"dim-{md.group(1)}", "subsection", f"Dimension {md.group(1)}",
                                    heading=md.group(2), num=md.group(1), parent=section)
            continue
        mr = _REF_NUM.match(s)
        if mr and refs is not None and container is refs:
            cur = b.new(f"ref-{mr.group(1)}", "item", f"Reference [{mr.group(1)}]",
                        num=f"[{mr.group(1)}]", parent=refs, lines=[mr.group(2)])
            continue
        if cur.kind == "requirement" and cur.lines and _heading_like(cur.lines[-1], s):
            cur = container
        for req, piece in _split_requirements(s):
            if req is not None:
                cur = _req_unit(b, req, container)
            if piece.strip():
                cur.lines.append(piece.strip())
    if refs is None:
        raise ParseError("expected the 'References' at the end of the report, not found")
    vocab = document_vocabulary(body)
    return b.build(doc_id, vocab).result(join_long(body, vocab))
