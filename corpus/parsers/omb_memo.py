"""OMB memoranda as plain text extracted from the signed (scanned, OCR'd) PDF.

Entry point ``omb_memo_text``. The input is the text layer of an M-memo as a third-party
extraction keeps it: one printed line per line, page numbers on lines of their own,
footnotes at the foot of each page, OCR artefacts left in ("0MB" for OMB, "11." and
"111." for the roman markers ii. and iii., "1." for i. or l.). The words are kept as
found; only the *numbering* is interpreted, so that ids and pinpoints name the unit
the print means.

Layout of the memo and how it becomes provisions:

* letterhead, date, memo number, MEMORANDUM FOR / FROM / SUBJECT -> ``header`` (heading);
  the signature scrawl printed between FROM: and SUBJECT: -> ``signature``;
* cover memo under upper-case headings (OVERVIEW, SCOPE, ...) and bold one-sentence
  sub-headings -> ``memo/hd-N`` (heading) and ``memo/par-N`` (paragraph, numbered in
  order across the memo because the print does not number them);
* "Appendix: ..." -> ``appendix``; its numbered sections ``sec-N`` (pinpoint "Appendix,
  Sec. N") hold lettered subsections (a.), roman points (i.), capital-letter subpoints
  (A.) and numbered items (1.), ids ``sec-3/a/i/cap-f/1``, pinpoints "Appendix, Sec.
  3(a)(i)(F)(1)"; the definitions section's entries are ``sec-5/def-<term>``;
* "Consolidated Table of Actions" -> ``table`` with ``table/row-N`` in print order and
  the asterisk notes under it;
* footnotes -> ``fn-N`` ("n. N"), after the body.

What is skipped (not in ``body_text``): the extractor's own title line ("# ...") and
italic summary line above the letterhead (not part of the memo), and page numbers.
The extraction prints no running headers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree, clean_space
from corpus.parsers import parser
from corpus.parsers.textutil import decode_text, next_letter, roman, roman_value

# ------------------------------------------------------------------ footnotes and pages

_LONE_NUM = re.compile(r"^(\d{1,2})$")
_FN_START = re.compile(r"^(\d{1,2}) (?=\S)(.*)$")
# Footnotes are set in a smaller font, so their lines hold more characters than body
# lines (body lines of this memo stop at about 96 characters, footnote lines run to
# 110-120). Used only to find the text of a footnote whose number the extraction
# printed *after* its text (see _pull_orphan).
_FOOTNOTE_WIDTH = 97


@dataclass
class _Split:
    body: list[str]                       # body lines, blank lines kept, in order
    notes: dict[int, str]                 # footnote number -> text
    skipped_pages: list[int] = field(default_factory=list)


def _next_nonblank(lines: list[str], i: int) -> str | None:
    for line in lines[i:]:
        if line.strip():
            return line.strip()
    return None


def split_footnotes(lines: list[str]) -> _Split:
    """Separate body lines from footnotes and drop page numbers.

    A footnote starts at a line "N text" where N continues the footnote sequence (the
    next number, or the one after it when one number was printed out of place, or a
    number skipped earlier). The extraction sometimes separates a footnote's number
    from its text: a lone "N" line is followed by the text, or - when the next line
    is the page number - *preceded* by it (the text was pulled up above the page's
    other footnotes). Any other lone number is a page number. A footnote runs on over
    a blank line (page text wraps across them) unless it had closed its sentence;
    then the body resumes (page 1 prints no page number to close its footnotes).
    """
    out = _Split([], {})
    notes = out.notes
    cur: int | None = None
    in_foot = after_blank = False

    def expected(n: int) -> bool:
        top = max(notes, default=0)
        return n in (top + 1, top + 2) or (0 < n < top and n not in notes)

    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            if in_foot:
                after_blank = True
            else:
                out.body.append("")
            continue
        m = _LONE_NUM.match(line)
        if m:
            n = int(m.group(1))
            if expected(n):
                nxt = _next_nonblank(lines, i + 1)
                if nxt is None or _LONE_NUM.match(nxt):
                    notes[n] = _pull_orphan(out.body, n)
                else:
                    notes[n] = ""
                cur, in_foot, after_blank = n, True, False
            else:
                out.skipped_pages.append(n)
                in_foot = after_blank = False
            continue
        m = _FN_START.match(line)
        if m and expected(int(m.group(1))):
            cur = int(m.group(1))
            notes[cur] = m.group(2)
            in_foot, after_blank = True, False
            continue
        if in_foot and cur is not None:
            if after_blank and notes[cur].rstrip().endswith("."):
                in_foot = after_blank = False
                out.body.append(line)
            else:
                notes[cur] = f"{notes[cur]} {line}".strip()
                after_blank = False
            continue
        out.body.append(line)
    if notes:
        missing = [n for n in range(1, max(notes) + 1) if not notes.get(n)]
        if missing:
            raise ParseError(f"footnotes {missing} have no text: expected footnotes numbered 1..{max(notes)}")
    return out


def _pull_orphan(body: list[str], n: int) -> str:
    """Take back from the body the text of footnote ``n`` printed above its number:
    the last body line, and the footnote-wide lines before it."""
    while body and not body[-1]:
        body.pop()
    if not body:
        raise ParseError(f"footnote {n}: lone number with no text before or after it")
    taken = [body.pop()]
    while body and len(body[-1]) >= _FOOTNOTE_WIDTH:
        taken.append(body.pop())
    return " ".join(reversed(taken))


# ---------------------------------------------------------------------- line tests

_SENTENCE_END = re.compile(r"[.:](?:[\"”’']?)(?:\s*\d{1,2})?$")
_SMALL_WORDS = frozenset("a an the and or of for from to in on with through by into as at".split())


def _ends_sentence(line: str) -> bool:
    """The line closes a sentence (a trailing footnote reference "... law. 4" allowed)."""
    return bool(_SENTENCE_END.search(line))


def _title_case(s: str) -> bool:
    """Every word but short function words starts with a capital ("Chief AI Officers")."""
    ws = re.findall(r"[A-Za-z][\w'’\-]*", s)
    return bool(ws) and ws[0][0].isupper() and all(
        w[0].isupper() for w in ws if w.lower() not in _SMALL_WORDS)


def _is_caps_heading(line: str) -> bool:
    return len(line) > 3 and bool(re.fullmatch(r"[A-Z][A-Z0-9 ,.'’\-]+", line)) and not line.endswith(",")


_RUN_IN = re.compile(r"^([A-Z][^.;:]{2,90}?)\.\s+(?=[A-Z])")


def _split_run_in(text: str) -> tuple[str, str]:
    """("Chief AI Officers", "Within 60 days ...") from a unit opening with a run-in
    title-case heading; ("", text) otherwise."""
    m = _RUN_IN.match(text)
    if m and _title_case(m.group(1)) and len(m.group(1).split()) <= 12:
        return m.group(1), text[m.end():]
    return "", text


# ----------------------------------------------------------------------- markers

# Levels below a section: 1 lettered subsection (or a definition), 2 roman point,
# 3 capital-letter subpoint, 4 numbered item.
_KIND = {1: "subsection", 2: "point", 3: "subpoint", 4: "item"}
_MARKER_ALONE = re.compile(r"^([A-Za-z0-9]{1,4})\.$")
_MARKER_INLINE = re.compile(r"^([A-Za-z0-9]{1,4})\.\s+(\S.*)$")


def _ocr_roman(token: str) -> str:
    """The roman numeral an OCR'd marker stands for: the scan reads the lower-case "i"
    as "1" (or "l") and "iii" as "m", so "1." "11." "111." "1v." "v1." "v11." "m." are
    i. ii. iii. iv. vi. vii. iii. Returns "" when the token is no numeral even so."""
    t = token.lower()
    if t == "m":
        return "iii"
    t = t.replace("1", "i").replace("l", "i")
    return t if roman_value(t) else ""


def _ocr_letters(token: str) -> set[str]:
    """Lower-case letters an OCR'd letter marker may stand for ("1" is i or l, "J" j)."""
    if token == "1":
        return {"i", "l"}
    if len(token) == 1 and token.isalpha():
        return {token.lower()}
    return set()


@dataclass
class _Open:
    prov: Provision
    level: int
    marker: str = ""            # interpreted marker: "a", "iii", "F", "3"
    para: bool = False          # an unnumbered (flush) paragraph: owns lists, not paragraphs
    last: dict = field(default_factory=dict)    # level -> last marker directly below
    children: int = 0
    flush: int = 0


# ------------------------------------------------------------------------- builder

class _Builder:
    def __init__(self, doc_id: str):
        self.tree = ProvisionTree(doc_id)
        self.stack: list[_Open] = []
        self.section_no = 0
        self.defs_section = False
        self.column: list[str] = []     # markers printed in a column before their texts
        self.prev = ""                  # previous non-blank body line
        self.blank_before = False

    # -- appendix -------------------------------------------------------------------

    def appendix(self, lines: list[str], heading: str) -> None:
        app = self.tree.add("appendix", kind="appendix", pinpoint="Appendix", heading=heading)
        self.appendix_prov = app
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line:
                self.blank_before = True
                i += 1
                continue
            i = self._line(lines, i)
            self.blank_before = False
        if self.section_no == 0:
            raise ParseError("the Appendix has no numbered section ('1.' followed by a heading line)")
        self._finish_headings()

    def _line(self, lines: list[str], i: int) -> int:
        line = lines[i]
        m = _MARKER_ALONE.match(line)
        if m:
            tok = m.group(1)
            if tok.isdigit() and int(tok) == self.section_no + 1:
                j = i + 1
                while j < len(lines) and not lines[j]:
                    j += 1
                if j < len(lines) and not _ends_sentence(lines[j]) and (j + 1 >= len(lines) or not lines[j + 1]):
                    self._open_section(int(tok), lines[j])
                    self.prev = lines[j]
                    return j + 1
            # a run of markers printed in a column, their texts following
            col, j = [tok], i + 1
            while j < len(lines):
                if lines[j]:
                    mm = _MARKER_ALONE.match(lines[j])
                    if not mm:
                        break
                    col.append(mm.group(1))
                j += 1
            if self._open_marker(col[0], ""):
                self.column = col[1:]
                self.prev = line
                return j
        if not self.column and self.stack:
            m = _MARKER_INLINE.match(line)
            if m and self._open_marker(m.group(1), m.group(2)):
                self.prev = line
                return i + 1
            if self.defs_section:
                m = re.match(r"^([A-Z][A-Za-z()'’ \-]{1,60}): (.*)$", line)
                if m:
                    self._open_definition(m.group(1), m.group(2))
                    self.prev = line
                    return i + 1
        self._text(line)
        self.prev = line
        return i + 1

    def _text(self, line: str) -> None:
        if not self.stack:
            raise ParseError(f"text before the Appendix's first section: {line[:60]!r}")
        top = self.stack[-1]
        if self.column:
            self.tree.append_text(top.prov, line)
            if re.search(r"(?:;|\b(?:or|and))(?:\s*\d{1,2})?$", line):
                tok = self.column.pop(0)
                if not self._open_marker(tok, ""):
                    raise ParseError(f"marker {tok!r} in a column of list markers does not continue the list")
            return
        brk = _ends_sentence(self.prev) and line[:1].isupper()
        if not brk or (top.level < 3 and not top.children and not top.para and not self.blank_before):
            self.tree.append_text(top.prov, line)
            return
        # flush text closing a list belongs to the unit whose list just ended
        while len(self.stack) > 1 and (top.para or not top.children):
            self.stack.pop()
            top = self.stack[-1]
        top.flush += 1
        n = top.flush
        pin = top.prov.pinpoint + (" (flush text)" if n == 1 else f" (flush text {n})")
        prov = self.tree.add(f"par-{n}", kind="paragraph", pinpoint=pin, text=line, parent=top.prov)
        top.children += 1
        self.stack.append(_Open(prov, top.level, para=True))

    def _open_section(self, n: int, heading: str) -> None:
        self.section_no = n
        prov = self.tree.add(f"sec-{n}", kind="section", pinpoint=f"Appendix, Sec. {n}", heading=heading,
                             parent=self.appendix_prov, nest=False, num=f"{n}.")
        self.stack = [_Open(prov, 0, str(n))]
        self.defs_section = "DEFINITION" in heading.upper()

    def _open_definition(self, term: str, text: str) -> None:
        while len(self.stack) > 1:
            self.stack.pop()
        sec = self.stack[0]
        slug = re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")
        prov = self.tree.add(f"def-{slug}", kind="definition", heading=term, text=text, parent=sec.prov,
                             pinpoint=f"{sec.prov.pinpoint} (definition of “{term}”)")
        sec.children += 1
        self.stack.append(_Open(prov, 1, slug))

    def _classify(self, tok: str) -> tuple[int, str, _Open] | None:
        """(level, interpreted marker, parent) when ``tok`` continues a list in the
        open context, else None (the line is plain text)."""
        stack = self.stack
        sec = stack[0]
        sub = next((o for o in reversed(stack) if o.level == 1 and not o.para), None)
        point = next((o for o in reversed(stack) if o.level == 2 and not o.para), None)
        # capital subpoints continue the list of the open roman point
        if len(tok) == 1 and tok.isupper() and point is not None:
            want = next_letter(point.last.get(3, "").lower() or None).upper()
            if tok == want:
                return 3, tok, point
        # lettered subsections (OCR: "1." for i. or l., "J." for j.)
        want_letter = next_letter(sec.last.get(1))
        want_roman = roman(roman_value(sub.last.get(2, "")) + 1).lower() if sub is not None else ""
        is_letter = want_letter in _ocr_letters(tok) and not _is_def(sub)
        is_roman = sub is not None and not _is_def(sub) and _ocr_roman(tok) == want_roman
        if is_letter and is_roman:
            # "i." after "h.": a roman point only when (h) introduced a list
            is_letter = not (sub.prov.text.rstrip().endswith(":") or sub.last.get(2))
            is_roman = not is_letter
        if is_letter:
            return 1, want_letter, sec
        if is_roman:
            return 2, want_roman, sub
        if tok.isdigit():
            n = int(tok)
            if n == 1:
                return 4, "1", stack[-1]
            owner = next((o for o in reversed(stack) if o.last.get(4) == str(n - 1)), None)
            if owner is not None:
                return 4, tok, owner
        return None

    def _open_marker(self, tok: str, rest: str) -> bool:
        """Open the unit a marker starts if it continues a list in context; False otherwise."""
        if not self.stack:
            return False
        got = self._classify(tok)
        if got is None:
            return False
        level, marker, parent = got
        while self.stack[-1] is not parent:
            self.stack.pop()
        if level == 4 and (parent.para or parent.prov.kind == "definition"):
            pin = f"{parent.prov.pinpoint}, item {marker}"
        else:
            pin = f"{parent.prov.pinpoint}({marker})"
        seg = f"cap-{marker.lower()}" if level == 3 else marker
        heading = ""
        if level <= 2 and rest and not re.search(r"[.;:,]$", rest) and _title_case(rest) and len(rest) < 90:
            heading, rest = rest, ""
        prov = self.tree.add(seg, kind=_KIND[level], pinpoint=pin, text=rest, heading=heading, parent=parent.prov,
                             num=f"{marker}.")
        parent.last[level] = marker
        parent.children += 1
        self.stack.append(_Open(prov, level, marker))
        return True

    def _finish_headings(self) -> None:
        for p in self.tree.provisions:
            if p.kind in ("subsection", "point") and not p.heading:
                p.heading, p.text = _split_run_in(p.text)


def _is_def(o: _Open | None) -> bool:
    """The open unit is a definition (its numbered items are not roman points or letters)."""
    return o is not None and o.prov.kind == "definition"


# ------------------------------------------------------------------------- memo

def _memo(tree: ProvisionTree, lines: list[str]) -> None:
    """Cover memo: upper-case headings, one-line bold sub-headings (a one-line
    sentence after a closed sentence, followed by a blank line) and paragraphs. A paragraph ends at a line
    that closes a sentence and stops well short of the measure (about 80 characters)."""
    par_no = hd_no = sub_no = 0
    top_heading: Provision | None = None
    heading: Provision | None = None
    buf: list[str] = []

    def flush():
        nonlocal par_no
        if buf:
            if heading is None:
                raise ParseError("cover memo text before its first heading (OVERVIEW)")
            par_no += 1
            tree.add(f"memo/par-{par_no}", kind="paragraph", pinpoint=f"Memorandum, paragraph {par_no}",
                     text=" ".join(buf), parent=heading, nest=False)
            buf.clear()

    def add_heading(text: str, parent: Provision | None) -> Provision:
        nonlocal hd_no, sub_no
        flush()
        hd_no += 1
        sub_no = 0 if parent is None else sub_no + 1
        pin = f"Memorandum, {text}" if parent is None else f"Memorandum, {parent.heading}, sub-heading {sub_no}"
        return tree.add(f"memo/hd-{hd_no}", kind="heading", pinpoint=pin, heading=text, parent=parent,
                        nest=False)

    prev = ""
    for i, line in enumerate(lines):
        if not line:
            continue
        followed_by_blank = i + 1 < len(lines) and not lines[i + 1]
        rest = [x for x in lines[i + 1:] if x]
        if _is_caps_heading(line):
            top_heading = heading = add_heading(line, None)
        elif (followed_by_blank and rest and len(line) <= 100 and line.endswith(".") and
              (not prev or _ends_sentence(prev)) and top_heading is not None):
            heading = add_heading(line, top_heading)
        else:
            buf.append(line)
            if _ends_sentence(line) and len(line) < 80:
                flush()
        prev = line
    flush()


# ------------------------------------------------------------------------- table

_RESPONSIBLE = re.compile(r"^(?:Each\b.*Agency|0MB|OMB)\s*\**$")
_SECREF = re.compile(r"^\d\([A-Za-z]\)(?:\([ivx1]+\))?$")
_SECREF_TAIL = re.compile(r"\s(\d\([A-Za-z]\)(?:\([ivx1]+\))?)$")


def _table(tree: ProvisionTree, lines: list[str], title: str) -> None:
    """Consolidated Table of Actions: cells come one per blank-separated chunk in the
    order responsible / action / section / deadline (a section reference the
    extraction ran into the action's first line is split off it)."""
    table = tree.add("table", kind="heading", pinpoint=title, heading=title)
    chunks: list[list[str]] = []
    cur: list[str] = []
    for line in lines + [""]:
        if line:
            cur.append(line)
        elif cur:
            chunks.append(cur)
            cur = []
    rows: list[list[str]] = []       # [responsible, action, section, deadline]
    notes: list[str] = []
    for chunk in chunks:
        ch = " ".join(chunk)
        if ch.startswith("*"):
            # one note per line that opens with its asterisks; other lines wrap
            for line in chunk:
                if line.startswith("*") or not notes:
                    notes.append(line)
                else:
                    notes[-1] = f"{notes[-1]} {line}"
            continue
        if notes:
            raise ParseError(f"table text after its notes: {ch[:60]!r}")
        if _RESPONSIBLE.match(ch) and (not rows or rows[-1][3]):
            rows.append([ch, "", "", ""])
            continue
        if not rows:
            raise ParseError(f"table does not open with a responsible party: {ch[:60]!r}")
        row = rows[-1]
        if row[2]:
            row[3] = f"{row[3]} {ch}".strip()
        elif _SECREF.match(ch):
            row[2] = ch
        else:
            # "Develop and release publicly an agency strategy 2(a)": the extraction ran
            # the section cell into the action's first line; the next chunk is the deadline
            m = _SECREF_TAIL.search(chunk[0])
            if m:
                row[2] = m.group(1)
                ch = " ".join([chunk[0][:m.start()]] + chunk[1:])
            row[1] = f"{row[1]} {ch}".strip()
    if not rows or any(not all(r) for r in rows):
        bad = next((r for r in rows if not all(r)), None)
        raise ParseError(f"Consolidated Table of Actions: incomplete row {bad!r}"
                         if bad else "Consolidated Table of Actions has no rows")
    for n, (resp, action, ref, deadline) in enumerate(rows, 1):
        tree.add(f"row-{n}", kind="table-row", pinpoint=f"{title}, row {n}", parent=table, num=str(n),
                 text=f"{resp} | {action} | {ref} | {deadline}")
    for n, note in enumerate(notes, 1):
        mark = re.match(r"\*+", note).group(0)
        tree.add(f"note-{n}", kind="paragraph", pinpoint=f"{title}, note {mark}", parent=table,
                 text=note[len(mark):].strip(), num=mark)


# ------------------------------------------------------------------------- entry

def _find(lines: list[str], pred, what: str, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if pred(lines[i]):
            return i
    raise ParseError(f"expected {what} and did not find it")


@parser("omb_memo_text")
def parse_omb_memo_text(data: bytes, doc_id: str) -> ParseResult:
    """Provisions of an OMB memorandum from the text extraction of its signed PDF."""
    raw = decode_text(data)
    # the extractor's title ("# ...") and italic summary line are its own, not the memo's
    start = 0
    while start < len(raw) and (not raw[start].strip() or raw[start].startswith("#")
                                or re.fullmatch(r"\*[^*].*\*", raw[start].strip())):
        start += 1
    split = split_footnotes(raw[start:])
    lines = split.body
    i_for = _find(lines, lambda l: l.startswith("MEMORANDUM FOR"), "a 'MEMORANDUM FOR' line")
    i_from = _find(lines, lambda l: l.startswith("FROM:"), "a 'FROM:' line", i_for)
    i_subj = _find(lines, lambda l: l.startswith("SUBJECT:"), "a 'SUBJECT:' line", i_from)
    i_memo = _find(lines, _is_caps_heading, "an upper-case heading opening the cover memo", i_subj + 1)
    i_app = _find(lines, lambda l: l.startswith("Appendix:"), "an 'Appendix: ...' heading", i_memo)
    try:
        i_tab = _find(lines, lambda l: l == "Consolidated Table of Actions", "", i_app)
    except ParseError:
        i_tab = len(lines)

    tree = ProvisionTree(doc_id)
    subject = clean_space(" ".join(lines[i_subj:i_memo])[len("SUBJECT:"):])
    if not subject:
        raise ParseError("SUBJECT: line has no subject")
    header_lines = lines[:i_from + 1] + lines[i_subj:i_memo]
    tree.add("header", kind="heading", pinpoint="Header", heading=subject, text=" ".join(header_lines))
    sig = clean_space(" ".join(lines[i_from + 1:i_subj]))
    if sig:
        tree.add("signature", kind="signature", pinpoint="Signature (FROM:)", text=sig)
    _memo(tree, lines[i_memo:i_app])
    b = _Builder(doc_id)
    b.tree = tree
    b.appendix([l for l in lines[i_app + 1:i_tab]], lines[i_app][len("Appendix:"):].strip())
    if i_tab < len(lines):
        _table(tree, lines[i_tab + 1:], lines[i_tab])
    for n in sorted(split.notes):
        tree.add(f"fn-{n}", kind="footnote", pinpoint=f"n. {n}", text=split.notes[n], num=str(n))
    body = "\n".join(lines) + "\n" + "\n".join(f"{n} {t}" for n, t in sorted(split.notes.items()))
    return tree.result(body, [f"page numbers dropped: {len(split.skipped_pages)}"])
