"""United Nations texts built of numbered paragraphs with lettered sub-items.

Two parsers share the paragraph logic (``walk_numbered``):

* ``un_resolution_pdf``: General Assembly resolutions as ODS PDFs. Page 1 opens with the
  masthead (symbol, "Distr.: General", distribution date, job number, bar code), dropped
  as page furniture; the session, agenda item, "Resolution adopted by the General
  Assembly on ..." and the title are document text. Later pages carry a running header
  (symbol, title, "2/8 24-05969"), dropped. Footnotes sit below a rule of underscores.
  Preambular paragraphs are unnumbered (numbered here in order, ``pp-N``); operative
  paragraphs are numbered, with lettered sub-items.
* ``un_numbered_text``: a plain-text/markdown extraction of a UN outcome document (the
  Global Digital Compact, A/79/L.2): paragraphs "N." with lettered sub-items, headings
  between them, running headers/footers and page numbers to drop, footnotes at page feet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree
from corpus.parsers import parser
from corpus.parsers.pdftext import document_vocabulary, fix_spaced_hyphens, join_lines, pdf_pages

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class Para:
    """A numbered paragraph: its own lines (chapeau) and its sub-items in order."""

    num: int
    lines: list[str] = field(default_factory=list)
    subs: list[tuple[str, list[str]]] = field(default_factory=list)
    headings: list[list[str]] = field(default_factory=list)  # heading blocks printed before it


def walk_numbered(lines: list[str], *, is_heading=None) -> tuple[list[str], list[Para]]:
    """Split lines into the unnumbered lines before paragraph 1 and the numbered paragraphs.

    A paragraph starts at "N." (alone on its line or followed by text) only when N is the
    next number expected, so numbers inside the text ("resolution 70/1.", a list "1." ...
    "5." inside paragraph 7) cannot open a paragraph. Sub-items "(a)", "(b)" ... likewise
    must come in order; a numbered list inside a paragraph whose chapeau ends with a colon
    ("1.", "2." ...) is kept as its sub-items labelled "1", "2". ``is_heading(block)``
    decides whether the lines just before a paragraph number are a heading rather than
    the end of the previous paragraph (blocks are lists of lines; None = no headings).
    """
    prefix: list[str] = []
    paras: list[Para] = []
    cur: list[str] = prefix
    pending: list[str] = []  # lines since the last line that ended a sentence
    for raw in lines:
        line = raw.strip()
        expect = paras[-1].num + 1 if paras else 1
        m = re.match(r"^(\d{1,3})\.(?:\s+(.*))?$", line)
        if m and int(m.group(1)) == expect:
            block: list[str] = []
            if is_heading is not None and pending and is_heading(pending):
                block = pending
                del cur[len(cur) - len(pending):]
            para = Para(expect)
            if block:
                para.headings.append(block)
            paras.append(para)
            cur = para.lines
            if m.group(2):
                cur.append(m.group(2))
            pending = []
            continue
        if paras:
            para = paras[-1]
            want = _LETTERS[len(para.subs)] if (not para.subs or para.subs[0][0].isalpha()) else None
            sm = re.match(r"^\(([a-z])\)\s*(.*)$", line)
            nm = re.match(r"^(\d{1,2})\.(?:\s+(.*))?$", line)
            if sm and sm.group(1) == want:
                para.subs.append((want, []))
                cur = para.subs[-1][1]
                if sm.group(2):
                    cur.append(sm.group(2))
                pending = []
                continue
            inner = str(len(para.subs) + 1)
            if (nm and nm.group(1) == inner and (para.subs or _chapeau_ends_colon(para.lines))
                    and (not para.subs or para.subs[0][0].isdigit())):
                para.subs.append((inner, []))
                cur = para.subs[-1][1]
                if nm.group(2):
                    cur.append(nm.group(2))
                pending = []
                continue
        cur.append(line)
        if not line or re.search(r"[.;:]$", line):
            pending = []
        else:
            pending.append(line)
    return prefix, paras


def _chapeau_ends_colon(lines: list[str]) -> bool:
    text = " ".join(l for l in lines if l).strip()
    return text.endswith(":")


def _join(lines: list[str], vocab) -> str:
    return join_lines(fix_spaced_hyphens([l for l in lines if l.strip()]), vocab)


# --- General Assembly resolutions (PDF) --------------------------------------------------

_SYMBOL = re.compile(r"\bA/RES/(\d+)/(\d+)\b")
_PAGE_MARK = re.compile(r"^(\d+/\d+\s+\d{2}-\d{5}|\d{2}-\d{5}\s+\d+/\d+)$")
_SESSION = re.compile(r"^[A-Z][a-z]+(-[a-z]+)? session$")
_RULE = re.compile(r"^_{5,}$")
_PREAMBLE_OPENER = re.compile(
    r"^(?:[A-Z][a-z]+(?:ing|ed)|Mindful|Aware|Convinced|Deeply|Bearing|Conscious|Determined)\b")
_CLOSING = re.compile(r"^\d+(st|nd|rd|th) plenary meeting$")


@parser("un_resolution_pdf")
def parse_un_resolution_pdf(data: bytes, doc_id: str) -> ParseResult:
    """A UN General Assembly resolution as an ODS PDF (see module doc)."""
    return parse_un_resolution_pages(pdf_pages(data), doc_id)


def parse_un_resolution_pages(pages: list[str], doc_id: str) -> ParseResult:
    """The text-level resolution parser: one string per page, lines separated by newlines."""
    if not pages or not _SYMBOL.search(pages[0]):
        raise ParseError("no resolution symbol A/RES/N/N on page 1: not a GA resolution")
    body: list[str] = []
    foot: list[tuple[int, list[str]]] = []   # footnote number, lines
    for pno, page in enumerate(pages, 1):
        lines = [l.rstrip() for l in page.split("\n")]
        if pno == 1:
            at = next((i for i, l in enumerate(lines[:12]) if _SESSION.match(l.strip())), None)
            if at is None:
                raise ParseError("page 1 has no 'N session' line after the masthead")
            lines = lines[at:]
        else:
            at = next((i for i, l in enumerate(lines[:6]) if _PAGE_MARK.match(l.strip())), None)
            if at is None:
                raise ParseError(f"page {pno} has no running header ending in 'page/pages job-number'")
            lines = lines[at + 1:]
        rule = next((i for i, l in enumerate(lines) if _RULE.match(l.strip())), None)
        text_lines = lines if rule is None else lines[:rule]
        if rule is not None:
            notes = _footnotes(lines[rule + 1:], foot[-1][0] + 1 if foot else 1, pno)
            text_lines = _strip_markers(text_lines, [n for n, _ in notes], pno)
            foot.extend(notes)
        body.extend(text_lines)

    try:
        ga = next(i for i, l in enumerate(body) if l.strip() == "The General Assembly,")
    except StopIteration:
        raise ParseError("no 'The General Assembly,' line opening the preamble") from None
    head = [l for l in body[:ga] if l.strip()]
    title_at = next((i for i, l in enumerate(head) if re.match(r"^\d+/\d+\.\s", l)), None)
    if title_at is None:
        raise ParseError("no title line 'NN/NNN. Title' before 'The General Assembly,'")
    rest = body[ga + 1:]
    closing_at = next((i for i, l in enumerate(rest) if _CLOSING.match(l.strip())), None)
    closing = [l for l in rest[closing_at:] if l.strip()] if closing_at is not None else []
    rest = rest[:closing_at] if closing_at is not None else rest
    preamble_lines, paras = walk_numbered(rest)
    if not paras:
        raise ParseError("no operative paragraph '1.' found")

    all_lines = head + ["The General Assembly,"] + rest + closing + [l for _, fl in foot for l in fl]
    vocab = document_vocabulary(all_lines)
    tree = ProvisionTree(doc_id)
    tree.add("title", kind="heading", pinpoint="Title", heading=_join(head[title_at:], vocab),
             text=_join(head[:title_at], vocab))
    pre = tree.add("preamble", kind="preamble", pinpoint="Preamble", text="The General Assembly,")
    pps = _split_preamble(preamble_lines)
    if not pps:
        raise ParseError("no preambular paragraph between 'The General Assembly,' and paragraph 1")
    for n, pl in enumerate(pps, 1):
        tree.add(f"pp-{n}", kind="preambular-paragraph", parent=pre,
                 pinpoint=f"Preamble, paragraph {n}", text=_join(pl, vocab))
    add_paras(tree, paras, vocab, kind="operative-paragraph", prefix="op")
    if closing:
        tree.add("closing", kind="adoption-clause", pinpoint="Closing formula",
                 text=_join(closing, vocab))
    for n, fl in foot:
        tree.add(f"fn-{n}", kind="footnote", pinpoint=f"Footnote {n}", num=str(n),
                 text=_join(fl, vocab))
    return tree.result(_join(all_lines, vocab) + " " + " ".join(str(n) for n, _ in foot))


def add_paras(tree: ProvisionTree, paras: list[Para], vocab, *, kind: str, prefix: str,
              parent_of=None) -> list[Provision]:
    """Numbered paragraphs (``<prefix>-N``, "Paragraph N") and their sub-items (kind
    "point", ``<prefix>-N/b``, "Paragraph N(b)"). ``parent_of(para)`` gives the container
    a paragraph sits in (ids stay ``<prefix>-N`` directly under the document)."""
    out = []
    for p in paras:
        parent = parent_of(p) if parent_of else None
        prov = tree.add(f"{prefix}-{p.num}", kind=kind, pinpoint=f"Paragraph {p.num}",
                        text=_join(p.lines, vocab), num=f"{p.num}.", parent=parent, nest=False)
        for label, sl in p.subs:
            tree.add(label, kind="point", parent=prov, pinpoint=f"Paragraph {p.num}({label})",
                     text=_join(sl, vocab), num=f"({label})" if label.isalpha() else f"{label}.")
        out.append(prov)
    return out


def _split_preamble(lines: list[str]) -> list[list[str]]:
    """Preambular paragraphs are unnumbered: one ends with a comma at a line end and the
    next opens with a participle or adjective ("Recalling", "Noting", "Mindful")."""
    out: list[list[str]] = []
    prev = ""
    for l in lines:
        if not l.strip():
            continue
        if not out or (prev.endswith(",") and _PREAMBLE_OPENER.match(l.strip())):
            out.append([])
        out[-1].append(l)
        prev = l.strip()
    return out


def _footnotes(lines: list[str], first: int, pno: int) -> list[tuple[int, list[str]]]:
    """Footnotes below the rule: "N text" or "N" alone then its text, numbered in order."""
    out: list[tuple[int, list[str]]] = []
    for l in lines:
        s = l.strip()
        if not s:
            continue
        m = re.match(r"^(\d{1,3})(?:\s+(.*))?$", s)
        if m and int(m.group(1)) == (out[-1][0] + 1 if out else first):
            out.append((int(m.group(1)), [m.group(2)] if m.group(2) else []))
        elif out:
            out[-1][1].append(s)
        else:
            raise ParseError(f"page {pno}: text below the footnote rule does not start with "
                             f"footnote number {first}: {s[:40]!r}")
    return out


def _strip_markers(lines: list[str], nums: list[int], pno: int) -> list[str]:
    """Drop footnote reference numbers from the text: pdfium leaves them at a line end
    ("Human Rights, 1", "Commitment4") or alone on a line. Each number is looked for
    after the previous one, on the page that carries the footnote."""
    out = list(lines)
    start = 0
    for n in nums:
        pat = re.compile(rf"^(.*(?:[,;:.\u201d\u2019)]\s?|[A-Za-z]))\s*{n}$|^{n}$")
        for i in range(start, len(out)):
            m = pat.match(out[i].rstrip())
            if m:
                out[i] = m.group(1) or ""
                start = i
                break
        else:
            raise ParseError(f"page {pno}: reference to footnote {n} not found in the text")
    return out


# --- plain-text extraction of a UN outcome document (Global Digital Compact) -------------

_TEXT_FURNITURE = re.compile(r"^(A/\d+/L\.\d+(/Rev\.\d+)?|A/RES/\d+/\d+|\d{2}-\d{5}(\s*\(E\))?|\d{1,2}/\d{1,2})$")
# Headings that close an objective's run of sub-headings: the outcome document's own
# top-level divisions after its objectives (there is no typographic signal in the text).
_TOP_LEVEL_AFTER_OBJECTIVES = {"follow-up and review", "follow-up", "implementation", "way forward"}


@parser("un_numbered_text")
def parse_un_numbered_text(data: bytes, doc_id: str) -> ParseResult:
    """A text/markdown extraction of a UN outcome document with numbered paragraphs.

    Skipped: anything before the document's own title line, i.e. a converter's markdown
    title and note (``# ...``, ``*...*``); running headers (document symbol), footers
    (job number) and page numbers ("3/16"). Footnotes (bare number lines at a page foot,
    their texts after them, sometimes out of order in the extraction) become ``fn-N``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"not UTF-8 text: {e}") from None
    lines = text.replace("\r\n", "\n").replace("\x0c", "\n").split("\n")
    start = next((i for i, l in enumerate(lines)
                  if l.strip() and not l.startswith(("#", "*")) and not _TEXT_FURNITURE.match(l.strip())), None)
    if start is None:
        raise ParseError("no document text after the converter's title and note")
    title = lines[start].strip()
    body, foot = _split_text_footnotes(lines[start + 1:])

    prefix, paras = walk_numbered(body, is_heading=_looks_like_heading)
    if not paras:
        raise ParseError("no numbered paragraph '1.' found")
    if any(l.strip() for l in prefix):
        raise ParseError(f"unnumbered text before paragraph 1: {next(l for l in prefix if l.strip())[:50]!r}")
    objectives = {p.subs[i][0]: p.subs[i][1] for p in paras for i in range(len(p.subs))
                  if p.subs[0][0].isdigit()}
    all_lines = [title] + body + [l for _, fl in foot for l in fl]
    vocab = document_vocabulary(all_lines)
    tree = ProvisionTree(doc_id)
    top = tree.add("title", kind="heading", pinpoint="Title", heading=title)
    container: dict[int, Provision] = {}
    current: Provision = top
    objective: Provision | None = None
    for p in paras:
        for block in p.headings:
            for head in _split_heading_block(block, objectives, vocab):
                m = re.match(r"^Objective (\d+)\.", head)
                if m:
                    objective = current = tree.add(f"objective-{m.group(1)}", kind="heading",
                                                   pinpoint=f"Objective {m.group(1)}",
                                                   heading=head, parent=top, nest=False)
                    continue
                if head.lower() in _TOP_LEVEL_AFTER_OBJECTIVES:
                    objective = None
                parent = objective or top
                current = tree.add(f"hd-{_slug(head)}", kind="heading", pinpoint=head,
                                   heading=head, parent=parent, nest=False)
        container[p.num] = current
    add_paras(tree, paras, vocab, kind="paragraph", prefix="par", parent_of=lambda p: container[p.num])
    for n, fl in foot:
        tree.add(f"fn-{n}", kind="footnote", pinpoint=f"Footnote {n}", num=str(n), text=_join(fl, vocab))
    return tree.result(_join(all_lines, vocab) + " " + " ".join(str(n) for n, _ in foot))


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:60]


def _looks_like_heading(block: list[str]) -> bool:
    """Lines between a finished sentence and a paragraph number are a heading when they
    start with a capital (a stray word of a mangled table row does not)."""
    return bool(block) and block[0][:1].isupper()


def _split_heading_block(block: list[str], objectives: dict[str, list[str]], vocab) -> list[str]:
    """A heading block may hold an objective's title (wrapped over lines) followed by the
    first sub-heading under it; the objective's title has as many words as its entry in the
    list of objectives (paragraph 7), give or take a word changed between the two."""
    out: list[str] = []
    i = 0
    while i < len(block):
        m = re.match(r"^Objective (\d+)\.", block[i])
        if m and m.group(1) in objectives:
            want = len(_join(objectives[m.group(1)], vocab).split()) + 2
            taken = [block[i]]
            i += 1
            while i < len(block) and len(" ".join(taken).split()) < want:
                taken.append(block[i])
                i += 1
            out.append(_join(taken, vocab))
        else:
            taken = [block[i]]
            i += 1
            while i < len(block) and block[i][:1].islower():
                taken.append(block[i])
                i += 1
            out.append(_join(taken, vocab))
    return out


def _split_text_footnotes(lines: list[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Drop page furniture and take footnotes out of the running text.

    A footnote zone starts at a bare number line (a footnote number at a page foot) and
    runs to the next running header (the document symbol). The extraction may list the
    numbers and texts out of order; numbers are sorted and paired with the texts in the
    order given, a text ending at a full stop. Reference numbers in the text are removed.
    """
    body: list[str] = []
    foot: dict[int, list[str]] = {}
    zone_nums: list[int] = []
    zone_texts: list[list[str]] = []
    page_start = 0

    def close_zone():
        nonlocal zone_nums, zone_texts
        if not zone_nums:
            return
        if len(zone_nums) != len(zone_texts):
            raise ParseError(f"footnotes {zone_nums} at a page foot have {len(zone_texts)} texts")
        for n, t in zip(sorted(zone_nums), zone_texts):
            foot[n] = t
        body[page_start:] = _strip_text_markers(body[page_start:], sorted(zone_nums))
        zone_nums, zone_texts = [], []

    in_zone = False
    for raw in lines:
        s = raw.strip()
        if re.fullmatch(r"A/\d+/L\.\d+(/Rev\.\d+)?|A/RES/\d+/\d+", s):  # running header: new page
            close_zone()
            in_zone = False
            page_start = len(body)
            continue
        if _TEXT_FURNITURE.match(s):
            continue
        if re.fullmatch(r"\d{1,3}", s):
            in_zone = True
            zone_nums.append(int(s))
            continue
        if in_zone:
            if not s:
                continue
            if not zone_texts or re.search(r"\.$", " ".join(zone_texts[-1])):
                zone_texts.append([])
            zone_texts[-1].append(s)
            continue
        body.append(raw.rstrip())
    close_zone()
    return body, sorted(foot.items())


def _strip_text_markers(lines: list[str], nums: list[int]) -> list[str]:
    """Remove footnote reference numbers ("Development. 17 We", "Society.19 The",
    "Child21 (all SDGs)") from a page's lines, each after the one before."""
    out = list(lines)
    li = 0
    for n in nums:
        pat = re.compile(rf"(?<=[A-Za-z.,;:\u201d\u2019)])\s?{n}(?![\d/])")
        for i in range(li, len(out)):
            m = pat.search(out[i])
            if m:
                out[i] = out[i][:m.start()] + out[i][m.end():]
                li = i
                break
        else:
            raise ParseError(f"reference to footnote {n} not found on its page")
    return out
