"""NIST AI 100-1 (AI RMF 1.0) and NIST AI 600-1 (Generative AI Profile), from the official PDFs.

Both are read from the PDF text layer (``pdftext.pdf_pages``). What is skipped, and why:

- cover, title and publisher pages (100-1 pp. 1-2 and the disclaimer/availability notice
  on p. 3; 600-1 pp. 1-3: "About AI at NIST", acknowledgments, contact and series
  links, disclaimer) are publisher furniture, not framework text. 100-1's "Update
  Schedule and Versions" (p. 3) is substantive and becomes a provision.
- tables of contents, lists of tables/figures (navigation; the TOC is read to check
  that every heading it announces is found in the body), the back cover, running
  headers ("NIST AI 100-1 AI RMF 1.0"), page numbers ("Page 12", bare numbers).
- table furniture in the Core tables: captions ("Table 1: Categories and subcategories
  for the GOVERN function."), column headers ("Categories Subcategories", "Action ID
  Suggested Action GAI Risks") and "Continued on next page" - they restate what the
  function/subcategory provisions already say.

AI RMF (``nist_ai_rmf_pdf``): Executive Summary and sections ``sec-1`` ... ``sec-6`` (with
subsections ``sec-1.2.1``) under ``part-1`` / ``part-2``; sections 5.1-5.4 *are* the
four functions, so they are the ``function`` provisions ``govern``, ``map``, ``measure``,
``manage`` (num "5.1" ...), holding their prose paragraphs and their categories
(``govern-1``) which hold the subcategories (``govern-1.1``). Categories and
subcategories are flat ids (nest=False) so that "GOVERN 1.1" is always
``<doc>/govern-1.1``. Appendices ``app-a`` ... ``app-d``.

GAI Profile (``nist_genai_profile_pdf``): sections 1-3, the twelve risks ``sec-2.1`` ...
``sec-2.12`` (and the numbered list of risk names ``sec-2/item-1`` ...), the suggested
action tables of section 3, Appendix A (``app-a``, ``sec-a.1``, ``sec-a.1.4``), the
reference list of Appendix B (``app-b/ref-N``, numbered in order since the print does
not number them) and footnotes (``fn-N``). Each table opens with an AI RMF
subcategory (``gv-1.1``, pinpoint "GOVERN 1.1", its statement as text), its actions
are ``action`` provisions ``gv-1.1-001`` (pinpoint "GV-1.1-001", text = the
suggested action only) and its "AI Actor Tasks" line is an ``item``
(``gv-1.1/actor-tasks``). The GAI risk tags of an action are kept, as printed, in its
``heading`` as ``"GAI risks: Data Privacy; Information Integrity"`` so the text stays
the action's own words while the tags remain visible to the site and the NLP;
``action_risks`` reads them back and ``canonical_risk`` maps printed variants ("CBRN
Information and Capability") to NIST's twelve risk names. One printed id is a typo
("GV4.3--001"); its id and pinpoint are the intended ``GV-4.3-001``, ``num`` keeps
the print.

Unnumbered paragraphs, bullets and unnumbered sub-headings are numbered in order
within their section (``sec-3.2/par-2``, ``.../par-2/item-3``, ``.../hd-1``), because
the print has no numbers for them.
"""
from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree, clean_space
from corpus.parsers import parser
from corpus.parsers.pdftext import document_vocabulary, join_lines, pdf_pages, strip_repeated

# ---------------------------------------------------------------------------------------
# Shared text helpers
# ---------------------------------------------------------------------------------------

_GLUED_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")
_SUSPENDED = re.compile(r"\b([A-Za-z]+)-(or|and) (?=[A-Za-z]+-[A-Za-z])")


def restore_soft_breaks(lines: list[str], vocab: collections.Counter | None = None) -> list[str]:
    """Split lines that the text layer glued together at a hyphen.

    pdfium reports a hyphen at a line end as U+FFFE without the line break, and
    ``pdftext`` turns it into "-", so "recommenda-" + "tion or endorsement" arrives as
    one line about twice as long as its neighbours. The break is the last hyphen near
    the neighbours' length (prose and table columns differ, so the width is local);
    splitting there gives back the printed lines, so ``join_lines`` decides the hyphen
    against the vocabulary like any other line end. A glued line can also be barely
    longer than its neighbours ("deci-sions;"), so any hyphen whose
    hyphenated form is rarer in the document than the joined word ("decisions") is
    a break too.
    """
    vocab = vocab if vocab is not None else document_vocabulary(lines)
    out: list[str] = []
    for i, line in enumerate(lines):
        near = sorted(len(l) for l in lines[max(0, i - 6):i] + lines[i + 1:i + 7] if len(l) > 30)
        width = near[len(near) * 3 // 10] if near else 0   # a low quantile: glued neighbours are long
        while width:
            hyphens = [m.start() for m in _GLUED_HYPHEN.finditer(line)]
            cands = [j for j in hyphens if width * 0.6 <= j <= width * 1.15]
            if len(line) > width * 1.25 and cands:
                # a printed line runs to the margin: the last candidate, unless the
                # vocabulary marks one as a broken word
                cut = ([j for j in cands if _unattested_compound(line, j, vocab)] or cands)[-1] + 1
            else:
                cut = next((j + 1 for j in hyphens if _unattested_compound(line, j, vocab)), 0)
                if not cut:
                    break
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def _unattested_compound(line: str, j: int, vocab: collections.Counter) -> bool:
    left = re.search(r"[A-Za-z]+$", line[:j])
    right = re.match(r"[A-Za-z]+", line[j + 1:])
    if not left or not right:
        return False
    whole = re.search(r"[A-Za-z][A-Za-z\-]*$", line[:j]).group(0) + "-" + right.group(0)
    return vocab[whole.lower().strip("-")] < vocab[(left.group(0) + right.group(0)).lower()]


def _join(lines: list[str], vocab: collections.Counter) -> str:
    """Running text of some printed lines, line-end hyphens resolved; a suspended
    compound whose space the text layer lost ("high-or low-probability") gets it back."""
    return _SUSPENDED.sub(r"\1- \2 ", clean_space(join_lines(lines, vocab)))


_TERMINAL = re.compile(r"[.:;!?\u201d\")]$")


def _line_width(lines: list[str]) -> int:
    """Typical full-line length in characters (median of the longer lines)."""
    lens = sorted(len(l) for l in lines if 40 < len(l) < 200)
    if not lens:
        return 80
    return lens[len(lens) // 2]


def _ends_block(line: str, width: int) -> bool:
    return bool(_TERMINAL.search(line)) and len(line) < width * 0.82


@dataclass
class Block:
    """A unit of prose as laid out on the page: a paragraph, a bullet, a numbered item,
    a figure caption or an unnumbered sub-heading."""

    kind: str                      # "para" | "bullet" | "num" | "fig" | "subhead"
    lines: list[str] = field(default_factory=list)
    num: str = ""


_BULLET = re.compile(r"^[\u2022\u25cf\u25aa]\s*")
_NUM_ITEM = re.compile(r"^(\d{1,2})\.\s+(?=[A-Z\u201c])")
_FIG = re.compile(r"^Fig\. (\d+)\.\s")


def _is_subhead(line: str, prev: str | None, nxt: str | None, width: int) -> bool:
    """An unnumbered sub-heading: a short title-case line with no punctuation, standing
    between a finished paragraph and a line that starts a sentence."""
    if not line or len(line) > 70 or ":" in line or re.search(r"[.,;!?\u201d\")\-]$", line):
        return False
    if not line[0].isupper() or (nxt is None or not nxt[:1].isupper()):
        return False
    if prev is not None and not (_TERMINAL.search(prev) or prev.endswith(":")):
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w\-]*", line) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.5


def split_blocks(lines: list[str], width: int, *, figures: bool = False,
                 subheads: bool = True) -> list[Block]:
    """Cut the lines of one section into paragraphs, bullets, numbered items, figure
    captions and sub-headings.

    The text layer has no paragraph marks, so a paragraph ends at a line that closes a
    sentence well short of the full line width. A numbered item starts at "N. " only
    when N continues the count and the previous block is closed (a wrapped "Figure / 2."
    is not item 2).
    """
    blocks: list[Block] = []
    cur: Block | None = None
    next_num = 1
    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s:
            continue
        prev = lines[i - 1].strip() if i else None
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else None
        closed = cur is None or cur.kind == "subhead" or _ends_block(prev or "", width)
        if _BULLET.match(s):
            cur = Block("bullet", [_BULLET.sub("", s)])
        elif s.startswith("http") and cur is not None:
            cur.lines.append(s)        # a URL wrapped onto its own line
            continue
        elif (m := _NUM_ITEM.match(s)) and ((closed and int(m.group(1)) in (next_num, 1)) or (
                int(m.group(1)) == next_num and (prev is None or _TERMINAL.search(prev)))):
            next_num = int(m.group(1)) + 1
            cur = Block("num", [s[m.end():]], num=m.group(1))
        elif figures and (m := _FIG.match(s)) and closed:
            cur = Block("fig", [s[m.end():]], num=m.group(1))
        elif subheads and closed and _is_subhead(s, prev, nxt, width):
            blocks.append(Block("subhead", [s]))
            cur = blocks[-1]
            continue
        elif cur is not None and cur.kind == "bullet" and not closed:
            # a bullet runs on until a line that starts a sentence after a finished one
            # or after a short list entry ("Workforce diversity and / interdisciplinary teams")
            if s[:1].isupper() and ((prev or "").endswith(".") or (
                    len(prev or "") < width * 0.6 and not re.search(r"[,(]$|\b(and|or|of|the|to)$", prev or ""))):
                cur = Block("para", [s])
            else:
                cur.lines.append(s)
                continue
        elif cur is None or closed or cur.kind == "subhead":
            cur = Block("para", [s])
        else:
            cur.lines.append(s)
            continue
        blocks.append(cur)
    return blocks


def _add_blocks(tree: ProvisionTree, parent: Provision, blocks: list[Block], pin: str,
                vocab: collections.Counter, *, num_pin: str = "item") -> None:
    """Add a section's blocks under ``parent``: paragraphs ``par-N``, bullets as items of
    the paragraph before them, numbered items ``item-N`` (printed number), figure
    captions ``fig-N`` (document-wide), sub-headings ``hd-N`` holding what follows."""
    base = parent.id.split("/", 1)[1]
    holder = parent                 # a sub-heading takes the paragraphs after it
    last_para: Provision | None = None
    n_par = n_head = 0
    n_bullet: dict[str, int] = collections.Counter()
    for b in blocks:
        text = _join(b.lines, vocab)
        if b.kind == "subhead":
            n_head += 1
            holder = tree.add(f"{base}/hd-{n_head}", kind="heading", parent=parent, nest=False,
                              pinpoint=f"{pin}, \u201c{text}\u201d", heading=text)
            last_para = None
        elif b.kind == "bullet" and last_para is not None:
            n_bullet[last_para.id] += 1
            k = n_bullet[last_para.id]
            tree.add(f"item-{k}", kind="item", parent=last_para, text=text,
                     pinpoint=f"{last_para.pinpoint}, item {k}")
        elif b.kind == "num":
            last_para = tree.add(f"{base}/item-{b.num}", kind="item", parent=holder, nest=False,
                                 text=text, num=b.num, pinpoint=f"{pin}, {num_pin} {b.num}")
        elif b.kind == "fig":
            tree.add(f"fig-{b.num}", kind="item", parent=holder, nest=False, text=text,
                     num=b.num, pinpoint=f"Figure {b.num}", heading=f"Fig. {b.num}")
        else:                       # paragraph (or a bullet list with no lead-in)
            n_par += 1
            last_para = tree.add(f"{base}/par-{n_par}", kind="paragraph", parent=holder, nest=False,
                                 text=text, pinpoint=f"{pin}, paragraph {n_par}")
            if b.kind == "bullet":  # keep a lead-less bullet as the first item of its own paragraph
                last_para.text = ""
                n_bullet[last_para.id] += 1
                tree.add("item-1", kind="item", parent=last_para, text=text,
                         pinpoint=f"{last_para.pinpoint}, item 1")


def _require(cond: bool, what: str) -> None:
    if not cond:
        raise ParseError(what)


def _pages(data: bytes, min_pages: int, title: str) -> list[str]:
    pages = pdf_pages(data)
    _require(len(pages) >= min_pages, f"expected the {title} PDF (at least {min_pages} pages), got {len(pages)} pages")
    _require(title.lower() in re.sub(r"\s+", " ", " ".join(pages[:2])).lower(),
             f"expected the title {title!r} on the first pages; not found")
    return pages


def _locate(lines: list[str], pattern: re.Pattern, start: int, what: str) -> int:
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i
    raise ParseError(f"expected {what}; not found")


# ---------------------------------------------------------------------------------------
# NIST AI 100-1: AI RMF 1.0
# ---------------------------------------------------------------------------------------

_FUNCTIONS = ("GOVERN", "MAP", "MEASURE", "MANAGE")
_RMF_HEADER = "NIST AI 100-1 AI RMF 1.0"
_TOC_SECTION = re.compile(r"^(\d(?:\.\d){0,2}) (.+?) (\d+)$")
_TOC_APPENDIX = re.compile(r"^Appendix ([A-D]): (.+?) (\d+)$")
_CORE_LABEL = re.compile(r"^(GOVERN|MAP|MEASURE|MANAGE) (\d+)(?:\.(\d+))?:\s*(.*)$")


def _rmf_lines(pages: list[str]) -> tuple[list[str], list[str]]:
    """(TOC lines, body lines) of the AI RMF with page furniture removed."""
    toc_i = next((i for i, p in enumerate(pages[:8]) if p.lstrip().startswith("Table of Contents")), None)
    _require(toc_i is not None, "expected a 'Table of Contents' page in the first pages of the AI RMF")
    start = next((i for i, p in enumerate(pages) if i > toc_i and "Executive Summary" in p.split("\n")[:3]), None)
    _require(start is not None, "expected the 'Executive Summary' page after the table of contents")
    # the last page is the back cover ("available free of charge from ...")
    body_pages = pages[start:-1] if "available free of charge" in pages[-1] else pages[start:]
    body_pages = strip_repeated(body_pages)
    lines: list[str] = []
    for p in body_pages:
        p = re.sub(r"Page \d+\s*$", "", p.rstrip())    # footer, sometimes glued to a hyphenated line
        for l in p.split("\n"):
            l = l.strip()
            if l.startswith(_RMF_HEADER):
                l = l[len(_RMF_HEADER):].strip()
            if l:
                lines.append(l)
    return pages[toc_i].split("\n"), lines


def _update_schedule(pages: list[str]) -> list[str]:
    for p in pages[:4]:
        ls = [l.strip() for l in p.split("\n")]
        if "Update Schedule and Versions" in ls:
            return ls[ls.index("Update Schedule and Versions") + 1:]
    raise ParseError("expected the 'Update Schedule and Versions' notice on the AI RMF's front pages")


def parse_core_table(lines: list[str], function: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Categories and subcategories of one function from the lines of its table.

    The text layer gives the left column (category) before the right one
    (subcategories), row by row; when a category's words run onto the next page they
    come first on that page, before the next subcategory label. Returns
    ``[(category number, category text lines, [(subcategory number, lines)])]``.
    """
    cats: list[tuple[str, list[str], list[tuple[str, list[str]]]]] = []
    target: list[str] | None = None
    new_page = False
    for l in lines:
        if l == "\f":
            new_page = True
            continue
        m = _CORE_LABEL.match(l)
        if m and m.group(1) == function:
            if m.group(3) is None:
                cats.append((m.group(2), [m.group(4)] if m.group(4) else [], []))
                target = cats[-1][1]
            else:
                _require(bool(cats), f"{function} {m.group(2)}.{m.group(3)} printed before any {function} category")
                _require(cats[-1][0] == m.group(2), f"{function} {m.group(2)}.{m.group(3)} found under category "
                         f"{function} {cats[-1][0]}")
                cats[-1][2].append((m.group(3), [m.group(4)]))
                target = cats[-1][2][-1][1]
            new_page = False
            continue
        _require(target is not None, f"expected the {function} table to open with '{function} 1:'; found {l[:40]!r}")
        if new_page and cats and cats[-1][2] and not " ".join(cats[-1][1]).rstrip().endswith("."):
            cats[-1][1].append(l)          # the category cell's words carried over the page
        else:
            new_page = False
            target.append(l)
    return cats


_TABLE_FURNITURE = re.compile(r"^(Categories Subcategories|Continued on next page|Table \d: Categories and "
                              r"subcategories for the \w+ function\.( \(Continued\))?)$")


@parser("nist_ai_rmf_pdf")
def parse_ai_rmf(data: bytes, doc_id: str) -> ParseResult:
    """NIST AI 100-1 (AI RMF 1.0) PDF -> front notice, Executive Summary, Parts 1-2
    (sections, subsections, the Core's functions/categories/subcategories), Appendices A-D."""
    pages = _pages(data, 30, "Artificial Intelligence Risk Management Framework (AI RMF 1.0)")
    toc, lines = _rmf_lines(pages)
    raw_vocab = document_vocabulary(lines)
    lines = restore_soft_breaks(lines, raw_vocab)
    upd = restore_soft_breaks(_update_schedule(pages), raw_vocab)
    width = _line_width(lines)
    vocab = document_vocabulary(upd + lines)

    # headings the TOC announces, in order: they drive the walk through the body
    heads: list[tuple[str, str, str]] = []     # (kind, number, title)
    for t in toc:
        t = t.strip()
        if t.startswith("Part "):
            m = re.match(r"^Part (\d): (.+?) \d+$", t)
            if m:
                heads.append(("part", m.group(1), m.group(2)))
        elif (m := _TOC_APPENDIX.match(t)):
            heads.append(("appendix", m.group(1), m.group(2)))
        elif (m := _TOC_SECTION.match(t)):
            heads.append(("section", m.group(1), m.group(2)))
    _require(len([h for h in heads if h[0] == "section"]) >= 20 and len([h for h in heads if h[0] == "appendix"]) == 4,
             "expected the AI RMF table of contents (sections 1-6 with subsections, Appendices A-D); not found")

    def heading_re(kind: str, num: str, title: str) -> re.Pattern:
        if kind == "part":
            return re.compile(rf"^Part {num}: {re.escape(title)}$")
        if kind == "appendix":
            return re.compile(rf"^Appendix {num}:$")
        dot = "." if "." not in num else ""
        return re.compile(rf"^{re.escape(num)}{re.escape(dot)} {re.escape(title)}$")

    # locate every heading in order
    marks: list[tuple[int, int, tuple[str, str, str]]] = []   # (line, lines used, head)
    pos = _locate(lines, re.compile(r"^Executive Summary$"), 0, "the 'Executive Summary' heading")
    marks.append((pos, 1, ("exec", "", "Executive Summary")))
    for h in heads:
        i = _locate(lines, heading_re(*h), pos + 1, f"the heading {h[1]} {h[2]!r} announced by the table of contents")
        used = 1
        if h[0] == "appendix":
            _require(i + 1 < len(lines) and clean_space(lines[i + 1]) == h[2],
                     f"expected the title {h[2]!r} under 'Appendix {h[1]}:'")
            used = 2
        marks.append((i, used, h))
        pos = i

    tree = ProvisionTree(doc_id)
    body: list[str] = []

    tree.add("update-schedule", kind="section", pinpoint="Update Schedule and Versions",
             heading="Update Schedule and Versions", text=_join(upd, vocab))
    body.append("Update Schedule and Versions " + _join(upd, vocab))

    part: Provision | None = None
    containers: dict[str, Provision] = {}
    core_seen = collections.Counter()
    for k, (i, used, (kind, num, title)) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else len(lines)
        seg = lines[i + used:end]
        body.append(" ".join(lines[i:i + used]))
        if kind == "exec":
            node = tree.add("exec-summary", kind="section", pinpoint="Executive Summary", heading=title)
            pin = "Executive Summary"
        elif kind == "part":
            part = tree.add(f"part-{num}", kind="part", pinpoint=f"Part {num}", heading=title, num=num)
            _require(not seg, f"unexpected text between Part {num} and its first section")
            continue
        elif kind == "appendix":
            node = tree.add(f"app-{num.lower()}", kind="appendix", pinpoint=f"Appendix {num}",
                            heading=title, num=num)
            pin = f"Appendix {num}"
        elif num.startswith("5.") and title.upper() in _FUNCTIONS:
            fn = title.upper()
            node = tree.add(fn.lower(), kind="function", pinpoint=fn, heading=title, num=num,
                            parent=containers["5"], nest=False)
            before, table, after = _split_core_table(seg, fn, num)
            body.append(_join(before + after, vocab))
            _add_blocks(tree, node, split_blocks(before, width), fn, vocab)
            _add_core_table(tree, node, fn, table, vocab, body, core_seen)
            _require(not after, f"unexpected text after the {fn} table, before the next heading")
            continue
        else:
            up = containers.get(num.rsplit(".", 1)[0]) if "." in num else part
            node = tree.add(f"sec-{num}", kind="section" if "." not in num else "subsection",
                            pinpoint=f"Section {num}", heading=title, num=num, parent=up, nest=False)
            containers[num] = node
            pin = f"Section {num}"
        body.append(_join(seg, vocab))
        _add_blocks(tree, node, split_blocks(seg, width, figures=True), pin, vocab)

    _require(sum(core_seen.values()) == 72 and len(core_seen) == 4,
             f"expected 72 subcategories in the four Core tables, found {dict(core_seen)}")
    # joined section by section: join_lines re-scans its whole output at each line
    return tree.result(" ".join(body))


def _split_core_table(seg: list[str], fn: str, num: str) -> tuple[list[str], list[str], list[str]]:
    """(prose before, table lines, prose after) of a function's section; the table's
    page breaks become "\\f" and its captions and column headers are dropped."""
    start = next((j for j, l in enumerate(seg) if re.match(rf"^Table \d: Categories and subcategories for the {fn} function\.$", l)), None)
    _require(start is not None, f"expected the table of {fn} categories and subcategories in section {num}")
    stop = None
    for j in range(start + 1, len(seg)):
        if seg[j] == "Categories Subcategories" and (j + 1 >= len(seg) or seg[j + 1] != "Continued on next page"):
            stop = j
            break
    _require(stop is not None, f"expected the end of the {fn} table ('Categories Subcategories' without 'Continued')")
    table: list[str] = []
    for l in seg[start + 1:stop]:
        if l.startswith("Table ") and l.endswith("(Continued)"):
            table.append("\f")
        elif not _TABLE_FURNITURE.match(l):
            table.append(l)
    return seg[:start], table, seg[stop + 1:]


def _add_core_table(tree: ProvisionTree, fn_node: Provision, fn: str, table: list[str],
                    vocab: collections.Counter, body: list[str], seen: collections.Counter) -> None:
    """Add the categories and subcategories of one function's table."""
    for cnum, clines, subs in parse_core_table(table, fn):
        ctext = _join(clines, vocab)
        cat = tree.add(f"{fn.lower()}-{cnum}", kind="category", pinpoint=f"{fn} {cnum}", num=f"{fn} {cnum}",
                       text=ctext, parent=fn_node, nest=False)
        body.append(f"{fn} {cnum}: {ctext}")
        _require(bool(subs), f"{fn} {cnum} has no subcategories")
        for snum, slines in subs:
            stext = _join(slines, vocab)
            tree.add(f"{fn.lower()}-{cnum}.{snum}", kind="subcategory", pinpoint=f"{fn} {cnum}.{snum}",
                     num=f"{fn} {cnum}.{snum}", text=stext, parent=cat, nest=False)
            body.append(f"{fn} {cnum}.{snum}: {stext}")
            seen[fn] += 1


# ---------------------------------------------------------------------------------------
# NIST AI 600-1: Generative AI Profile
# ---------------------------------------------------------------------------------------

# NIST's twelve GAI risks (Section 2), and the other spellings the action tables print.
GAI_RISKS = (
    "CBRN Information or Capabilities", "Confabulation", "Dangerous, Violent, or Hateful Content",
    "Data Privacy", "Environmental Impacts", "Harmful Bias and Homogenization", "Human-AI Configuration",
    "Information Integrity", "Information Security", "Intellectual Property",
    "Obscene, Degrading, and/or Abusive Content", "Value Chain and Component Integration",
)
_RISK_VARIANTS = {
    "CBRN Information and Capability": "CBRN Information or Capabilities",
    "CBRN Information and Capabilities": "CBRN Information or Capabilities",
    "CBRN Information or Capability": "CBRN Information or Capabilities",
    "Harmful Bias or Homogenization": "Harmful Bias and Homogenization",
    "Obscene, Degrading, and/or Abusive": "Obscene, Degrading, and/or Abusive Content",
    "Environmental": "Environmental Impacts",
    "Human AI Configuration": "Human-AI Configuration",
    "Civil Rights violations": "Civil Rights violations",   # printed once (GV-1.4-002); not one of the twelve
}
_RISK_NAMES = sorted(set(GAI_RISKS) | set(_RISK_VARIANTS), key=len, reverse=True)
_RISK_AT_END = re.compile(r"(?:^|(?<=[\s;.)]))(" + "|".join(
    r"\s+".join(re.escape(w) for w in name.split()) for name in _RISK_NAMES) + r")\s*[;,]?\s*$")
_RISK_PREFIX = "GAI risks: "
_FN_ABBR = {"GOVERN": "GV", "MAP": "MP", "MEASURE": "MS", "MANAGE": "MG"}
_SUBCAT = re.compile(r"^(GOVERN|MAP|MEASURE|MANAGE) (\d+\.\d+): ?(.*)$")
_ACTION = re.compile(r"^(GV|MP|MS|MG)-?(\d+\.\d+)-+(\d{3})\b\s*(.*)$")
_ACTORS = re.compile(r"^(AI Actor Tasks|AI Actors): ?(.*)$")
_COLUMNS = "Action ID Suggested Action GAI Risks"


def canonical_risk(tag: str) -> str:
    """NIST's name for a GAI risk tag as printed ("CBRN Information and Capability" ->
    "CBRN Information or Capabilities"); unknown tags come back unchanged."""
    tag = clean_space(tag)
    return tag if tag in GAI_RISKS else _RISK_VARIANTS.get(tag, tag)


def split_risk_tags(cell: str) -> tuple[str, list[str]]:
    """Split an action row's text into (suggested action, risk tags as printed).

    The text layer gives the row's cells in order (action text, then the "GAI Risks"
    cell), sometimes on the same line ("... for GAI systems. Information Integrity").
    The tags are a ";"-separated list of known risk names at the end, peeled off from
    the right (one row separates two tags with a comma).
    """
    rest, tags = clean_space(cell), []
    while (m := _RISK_AT_END.search(rest)):
        tags.insert(0, clean_space(m.group(1)))
        rest = rest[:m.start()].rstrip()
        # tags are separated by ";" (once by ","); anything else ends the list
        if not rest.endswith((";", ",")) or not _RISK_AT_END.search(rest[:-1]):
            break
        rest = rest[:-1].rstrip()
    return rest, tags


def action_risks(prov: Provision) -> list[str]:
    """The GAI risk tags (as printed) that the parser stored in an action's heading."""
    if not prov.heading.startswith(_RISK_PREFIX):
        return []
    return [t.strip() for t in prov.heading[len(_RISK_PREFIX):].split(";") if t.strip()]


def split_footnotes(lines: list[str], next_no: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(body lines, [(number, lines)]) of one page of a Word-made PDF.

    Footnotes sit at the page foot in sequence, so the block starts at the last line
    that opens with the next expected number; later footnotes of the same page may
    start mid-line ("... behavior. 10 For example"). Reference marks left in the body
    ("Intelligence.2", a "1" that lost its line) are removed.
    """
    start = None
    for i in range(len(lines) - 1, -1, -1):
        if re.match(rf"^{next_no} (?=[A-Z\u201c\"])", lines[i]):
            start = i
            break
    if start is None:
        return lines, []
    notes: list[tuple[int, list[str]]] = [(next_no, [lines[start][len(str(next_no)) + 1:]])]
    pending = [notes[0][1].pop()]
    pending.extend(lines[start + 1:])
    for l in pending:
        while True:
            n = notes[-1][0] + 1
            parts = re.split(rf"(?:^|(?<=[.\u201d)] )){n} (?=[A-Z\u201c\"])", l, maxsplit=1)
            if len(parts) < 2:
                break
            if parts[0].strip():
                notes[-1][1].append(parts[0].strip())
            notes.append((n, []))
            l = parts[1]
        notes[-1][1].append(l)
    numbers = {n for n, _ in notes}
    body = [l for l in lines[:start]
            if not (re.fullmatch(r"\d{1,3}(?:,\d{1,3})*", l) and set(map(int, l.split(","))) <= numbers)]
    done: set[int] = set()
    for n in sorted(numbers):
        if n in done:
            continue
        for i, l in enumerate(body):
            m = re.search(rf"^{n}((?:,\d+)*) (?=\S)|(?<=[A-Za-z.,;:\u201d)]){n}((?:,\d+)*)(?=[\s,.;:]|$)", l)
            if m:
                done |= {int(x) for x in (m.group(1) or m.group(2) or "").split(",") if x}
                body[i] = (l[:m.start()] + l[m.end():]).strip()
                break
    return [l for l in body if l], notes


@dataclass
class _Row:
    kind: str                  # "subcategory" | "action" | "actors"
    label: str
    lines: list[str]


def parse_action_tables(lines: list[str]) -> list[_Row]:
    """The rows of Section 3's tables in order: subcategory statements ("GOVERN 1.1: ..."),
    suggested actions ("GV-1.1-001 ...", risk tags still attached) and "AI Actor Tasks"."""
    rows: list[_Row] = []
    for l in lines:
        if l == _COLUMNS:
            continue
        if (m := _SUBCAT.match(l)):
            rows.append(_Row("subcategory", f"{m.group(1)} {m.group(2)}", [m.group(3)]))
        elif (m := _ACTION.match(l)):
            rows.append(_Row("action", f"{m.group(1)}-{m.group(2)}-{m.group(3)}", [m.group(4)] if m.group(4) else []))
            rows[-1].printed = l.split()[0]          # type: ignore[attr-defined]
        elif (m := _ACTORS.match(l)):
            rows.append(_Row("actors", m.group(1), [m.group(2)]))
        else:
            _require(bool(rows), f"expected Section 3's tables to open with a subcategory line; found {l[:40]!r}")
            rows[-1].lines.append(l)
    return rows


def _gai_lines(pages: list[str]) -> tuple[list[str], list[str], list[tuple[int, list[str]]]]:
    """(TOC lines, body lines, footnotes) of the GAI Profile."""
    toc_i = next((i for i, p in enumerate(pages[:8]) if p.lstrip().startswith("Table of Contents")), None)
    _require(toc_i is not None, "expected a 'Table of Contents' page in the first pages of the GAI Profile")
    body_pages = strip_repeated(pages[toc_i + 1:])
    lines: list[str] = []
    notes: list[tuple[int, list[str]]] = []
    for p in body_pages:
        page = [l.strip() for l in p.split("\n") if l.strip()]
        page, fns = split_footnotes(page, notes[-1][0] + 1 if notes else 1)
        lines.extend(page)
        notes.extend(fns)
    return pages[toc_i].split("\n"), lines, notes


@parser("nist_genai_profile_pdf")
def parse_genai_profile(data: bytes, doc_id: str) -> ParseResult:
    """NIST AI 600-1 (GAI Profile) PDF -> sections 1-3 (risks 2.1-2.12, subcategories
    with their suggested actions and AI Actor Tasks), Appendix A, references, footnotes."""
    pages = _pages(data, 30, "Generative Artificial Intelligence Profile")
    toc, lines, notes = _gai_lines(pages)
    raw_vocab = document_vocabulary(lines)
    lines = restore_soft_breaks(lines, raw_vocab)
    vocab = document_vocabulary(lines)
    width = _line_width(lines)

    heads: list[tuple[str, str]] = []
    for t in toc:
        m = re.match(r"^(\d\.|Appendix [A-Z]\.) (.+?)\s*\.{3,}\s*\d+$", t.strip())
        if m:
            heads.append((m.group(1).rstrip("."), clean_space(m.group(2))))
    _require([h[0] for h in heads] == ["1", "2", "3", "Appendix A", "Appendix B"],
             f"expected the GAI Profile's contents (sections 1-3, Appendices A-B); found {[h[0] for h in heads]}")

    # every heading, in order: the TOC's, risks 2.1-2.12, A.1 and A.1.1-A.1.n
    marks: list[tuple[int, str, str]] = []
    pos = 0
    for num, title in heads:
        label = f"{num}. {title}" if num[0].isdigit() else f"{num}. {title}"
        pos = _locate(lines, re.compile(rf"^{re.escape(label)}$"), pos, f"the heading {label!r}")
        marks.append((pos, num, title))
    for sub in [f"2.{k}" for k in range(1, 13)] + ["A.1"]:
        i = _locate(lines, re.compile(rf"^{re.escape(sub)}\. (.+)$"), 0, f"the heading {sub}.")
        marks.append((i, sub, lines[i].split(" ", 1)[1]))
    k = 1
    while (i := next((j for j, l in enumerate(lines) if l.startswith(f"A.1.{k}. ")), None)) is not None:
        marks.append((i, f"A.1.{k}", lines[i].split(" ", 1)[1]))
        k += 1
    marks.sort()
    order = [m[1] for m in marks]
    _require(order.index("2") < order.index("2.1") < order.index("2.12") < order.index("3")
             and order.index("Appendix A") < order.index("A.1") < order.index("Appendix B"),
             f"headings out of order: {order}")

    tree = ProvisionTree(doc_id)
    body: list[str] = []
    nodes: dict[str, Provision] = {}
    for k, (i, num, title) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else len(lines)
        seg = lines[i + 1:end]
        body.append(lines[i])
        if num.startswith("Appendix"):
            letter = num.split()[1]
            node = tree.add(f"app-{letter.lower()}", kind="appendix", pinpoint=num, heading=title, num=letter)
            pin = num
        else:
            parent = nodes.get(num.rsplit(".", 1)[0]) if "." in num else None
            if num == "A.1":
                parent = nodes["Appendix A"]
            kind = "section" if "." not in num or num == "A.1" else "subsection"
            node = tree.add(f"sec-{num.lower()}", kind=kind, pinpoint=f"Section {num}", heading=title,
                            num=num, parent=parent, nest=False)
            pin = f"Section {num}"
        nodes[num] = node
        if num == "3":
            t0 = next((j for j, l in enumerate(seg) if _SUBCAT.match(l)), None)
            _require(t0 is not None, "expected Section 3's tables to start with a 'GOVERN 1.1:' line")
            body.append(_join(seg[:t0], vocab))
            rows = [l for l in seg[t0:] if l != _COLUMNS]
            body.extend(_join(rows[j:j + 40], vocab) for j in range(0, len(rows), 40))
            _add_blocks(tree, node, split_blocks(seg[:t0], width), pin, vocab)
            _add_actions(tree, node, parse_action_tables(seg[t0:]), vocab)
        elif num == "Appendix B":
            body.append(_join(seg, vocab))
            _add_references(tree, node, seg, vocab)
        else:
            body.append(_join(seg, vocab))
            _add_blocks(tree, node, split_blocks(seg, width), pin, vocab)

    for n, fl in notes:
        text = _join(fl, vocab)
        body.append(f"{n} {text}")
        # footnotes run through the whole document; the text layer does not say
        # which section's page they sit on, so they hang from the document itself
        tree.add(f"fn-{n}", kind="footnote", pinpoint=f"Footnote {n}", num=str(n), text=text)
    _require(len(notes) >= 10, f"expected the GAI Profile's footnotes; found {len(notes)}")
    # joined section by section: join_lines re-scans its whole output at each line
    return tree.result(" ".join(body))


def _add_actions(tree: ProvisionTree, sec: Provision, rows: list[_Row], vocab: collections.Counter) -> None:
    """Subcategories (``gv-1.1``), their actions (``gv-1.1-001``) and AI Actor Tasks."""
    sub: Provision | None = None
    for r in rows:
        if r.kind == "subcategory":
            fn, num = r.label.split()
            sub = tree.add(f"{_FN_ABBR[fn].lower()}-{num}", kind="subcategory", pinpoint=r.label,
                           num=r.label, text=_join(r.lines, vocab), parent=sec, nest=False)
            continue
        _require(sub is not None, f"{r.label} printed before any subcategory")
        if r.kind == "actors":
            tree.add("actor-tasks", kind="item", parent=sub, heading=r.label,
                     pinpoint=f"{sub.pinpoint}, {r.label}", text=_join(r.lines, vocab))
            continue
        text, tags = split_risk_tags(_join(r.lines, vocab))
        _require(bool(tags), f"expected GAI risk tags at the end of action {r.label}; found {text[-60:]!r}")
        tree.add(r.label.lower(), kind="action", pinpoint=r.label, num=getattr(r, "printed", r.label),
                 text=text, heading=_RISK_PREFIX + "; ".join(tags), parent=sub, nest=False)


def _add_references(tree: ProvisionTree, app: Provision, seg: list[str], vocab: collections.Counter) -> None:
    """Appendix B's reference list: one ``item`` per reference, numbered in order.
    A reference ends with its URL, or where the next line opens "Author, X.". """
    refs: list[list[str]] = []
    for l in seg:
        starts = (not refs or re.match(r"^[A-Z][\w'\u2019\- ]+, [A-Z]\.", l)
                  or (re.search(r"https?://\S+$", refs[-1][-1]) and not l.startswith("http") and " " in l))
        if starts:
            refs.append([l])
        else:
            refs[-1].append(l)
    _require(len(refs) >= 20, f"expected the reference list of Appendix B; found {len(refs)} entries")
    for n, r in enumerate(refs, 1):
        tree.add(f"ref-{n}", kind="item", parent=app, pinpoint=f"Appendix B, reference {n}",
                 text=_join(r, vocab))
