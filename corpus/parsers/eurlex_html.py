"""EUR-Lex Official Journal HTML (CONVEX converter, ELI subdivisions) -> provisions.

Every OJ act EUR-Lex serves as HTML carries the same markup, whatever the act: the
title in ``div.eli-main-title``; the preamble ``div#pbl_1`` with citations ``#cit_N`` and
recitals ``div.eli-subdivision#rct_N``; the enacting terms ``div#enc_1`` with chapters
``#cpt_I``, sections ``#cpt_III.sct_1`` and articles ``div.eli-subdivision#art_N``
(``p.oj-ti-art`` "Article N", ``p.oj-sti-art`` title); numbered paragraphs are divs
whose id is ``<article:03d>.<paragraph:03d>``; points, definitions and indents are
one-row tables (number cell, text cell), nested for sub-points; the final formula in
``#fnp_1``; footnotes ``p.oj-note``; annexes ``div.eli-container#anx_III`` with their
title in ``p.oj-doc-ti``. The parser relies on those conventions only, never on the
wording or numbering of a particular act, so a new regulation parses without code
changes.

Conventions (ids / pinpoints):
- ``rct-12`` "Recital 12"; ``preamble/cit-3`` "Preamble, citation 3"; ``enacting-formula``.
- ``cpt-iii``, ``cpt-iii/sct-1`` hold articles with ``nest=False``: ``art-5``.
- ``art-5/par-1`` "Article 5(1)"; the first subparagraph of a paragraph is the
  paragraph's own text, later ones are children ``art-5/par-1/sub-2`` "Article 5(1),
  second subparagraph" (in an article without numbered paragraphs: ``art-113/sub-2``).
  Points belong to the subparagraph they follow.
- ``art-5/par-1/pt-a`` "Article 5(1), point (a)", ``.../pt-a/pt-i`` "point (a)(i)";
  top-level points of a "Definitions" article are kind ``definition`` (``art-3/pt-1``
  "Article 3, point (1)"); indents "—" are ``ind-N`` "..., first indent" (numbered in
  order: the print has no numbers).
- ``anx-iii/pt-1/pt-a`` "Annex III, point 1(a)"; ``anx-viii/sct-a/pt-1`` "Annex VIII,
  Section A, point 1"; a decimal point 3.1 sits under point 3: ``anx-vii/pt-3/pt-3.1``
  "Annex VII, point 3.1".
- ``fn-12`` "Footnote 12" (parent None: footnotes are apparatus, not article text).

What is not body text: EUR-Lex page chrome (sidebar TOC, scripts, navigation of a
browser save), the OJ masthead above the act (journal name, series, issue and date:
publication furniture the registry records as metadata) and the colophon below it
(ELI link, ISSN). Everything inside the act's containers is body text.
"""
from __future__ import annotations

import re

import lxml.etree
import lxml.html

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree, clean_space
from corpus.parsers import parser

# Elements whose boundaries separate words (everything else is inline).
_BLOCK_TAGS = frozenset({"p", "div", "table", "tbody", "thead", "tr", "td", "th", "br", "li",
                         "ul", "ol", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "col", "colgroup"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})

_ART_ID = re.compile(r"^art_(\d+[a-z]*)$")
_RCT_ID = re.compile(r"^rct_(\d+[a-z]*)$")
_CIT_ID = re.compile(r"^cit_(\d+[a-z]*)$")
_ANX_ID = re.compile(r"^anx_([A-Za-z0-9]+)$")
_PAR_ID = re.compile(r"^(\d{3})\.(\d{3})$")
# Structural containers of the enacting terms: ELI id prefix -> (kind, printed name).
_CONTAINERS = {"prt": ("part", "Part"), "tis": ("title", "Title"), "cpt": ("chapter", "Chapter"),
               "sct": ("section", "Section"), "sbs": ("subsection", "Subsection")}
_CONTAINER_SEG = re.compile(r"^(prt|tis|cpt|sct|sbs)_([A-Za-z0-9]+)$")

_PAREN_NUM = re.compile(r"^\(([a-z]{1,5}|\d{1,3}[a-z]{0,2})\)$")
_DOT_NUM = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)\.?$")
_INDENT = re.compile(r"^[—–\-•]$")
_PAR_LEAD = re.compile(r"^(\d{1,3}[a-z]{0,2})\.\s+")
_ART_LABEL = re.compile(r"^Article\s+(\d+[a-z]*)$", re.I)
_ANNEX_LABEL = re.compile(r"^ANNEX(?:\s+([IVXLCDM]+|\d+))?$", re.I)
_SECTION_HEAD = re.compile(r"^Section\s+([A-Z]|[IVXLC]+|\d+)\b\s*[.:—–\-]?\s*(.*)$")
_NUMBERED_HEAD = re.compile(r"^(\d{1,3})\.\s+(.+)$")
_NOTE_LEAD = re.compile(r"^\((\*+|\d+|[a-z]{1,3})\)\s*")

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
             "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth")


def ordinal(n: int) -> str:
    """English ordinal word as used in EU citations ("second subparagraph")."""
    if 1 <= n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def classes(el) -> set[str]:
    """The element's class tokens."""
    return set((el.get("class") or "").split())


def node_text(el) -> str:
    """The element's words with block boundaries turned into spaces (scripts skipped).

    ``text_content()`` glues the number cell of a point to its text ("(a)the ...")."""
    out: list[str] = []

    def walk(e) -> None:
        if not isinstance(e.tag, str):  # comments, processing instructions
            if e.tail:
                out.append(e.tail)
            return
        tag = e.tag.lower()
        if tag in _SKIP_TAGS:
            if e.tail:
                out.append(e.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            out.append(" ")
        if e.text:
            out.append(e.text)
        for c in e:
            walk(c)
        if block:
            out.append(" ")
        if e.tail:
            out.append(e.tail)

    tail, el.tail = el.tail, None
    try:
        walk(el)
    finally:
        el.tail = tail
    # The OJ converter wraps source lines after real hyphens ("High-\nrisk"); a browser
    # shows "High- risk". OJ HTML has no soft hyphenation, so keep the hyphen, drop the break.
    return clean_space(_WRAPPED_HYPHEN.sub("-", "".join(out)))


_WRAPPED_HYPHEN = re.compile(r"(?<=\w)-[ \t]*\n\s*(?=[a-z])")


def _rows(table) -> list:
    return table.xpath("./tr|./tbody/tr|./thead/tr")


def _row_number(tr) -> tuple[str, object] | None:
    """(printed number, content cell) of a point row, or None when the row is not one
    (a data table, or a quoted point of an amended act such as "‘(68)")."""
    cells = tr.xpath("./td|./th")
    if len(cells) < 2:
        return None
    nums = [node_text(c) for c in cells[:-1]]
    nums = [n for n in nums if n]
    if len(nums) != 1:
        return None
    num = nums[0]
    if _PAREN_NUM.match(num) or _DOT_NUM.match(num) or _INDENT.match(num):
        return num, cells[-1]
    return None


class _Builder:
    """Walks one OJ act and fills a ProvisionTree."""

    def __init__(self, doc_id: str):
        self.tree = ProvisionTree(doc_id)
        # point id -> (base pinpoint, point chain) so that a sub-point's pinpoint is its
        # parent's chain plus its own number: "Article 5(1), point (h)(iii)".
        self.chains: dict[str, tuple[str, str]] = {}
        self.indents: dict[str, int] = {}

    # -- generic content --------------------------------------------------------------

    def _blocks(self, container, *, skip=(), par_article: str | None = None):
        """Split a container's content into ("p", text) / ("table", el) / ("quote", text)
        / ("par", el) blocks. Inline runs (a ``span`` straight in a cell) count as "p".
        Numbered paragraph divs are recognised only where ``par_article`` says which
        article they must belong to: quoted paragraphs of amended acts carry the other
        act's article number and stay text. Children in ``skip`` are left out."""
        run: list[str] = []

        def flush():
            txt = clean_space(" ".join(run))
            run.clear()
            return ("p", txt) if txt else None

        if container.text and container.text.strip():
            run.append(container.text)
        for child in container:
            if not isinstance(child.tag, str) or any(child is s for s in skip):
                if child.tail and child.tail.strip():
                    run.append(child.tail)
                continue
            tag = child.tag.lower()
            if tag in _SKIP_TAGS or tag in ("col", "colgroup", "hr", "br"):
                pass
            elif tag in _BLOCK_TAGS:
                b = flush()
                if b:
                    yield b
                m = _PAR_ID.match(child.get("id") or "")
                if tag == "table":
                    yield ("table", child)
                elif tag == "div" and par_article is not None and m and m.group(1) == par_article:
                    yield ("par", child)
                elif tag == "div":
                    txt = node_text(child)
                    if txt:
                        yield ("quote", txt)
                else:
                    txt = node_text(child)
                    if txt:
                        yield ("p", txt)
            else:
                run.append(node_text(child))
            if child.tail and child.tail.strip():
                run.append(child.tail)
        b = flush()
        if b:
            yield b

    def _add_point(self, num: str, cell, parent: Provision, kind: str = "point",
                   heading: str = "") -> Provision:
        """A point (or indent) row under ``parent``; fills its cell recursively."""
        if _INDENT.match(num):
            k = self.indents.get(parent.id, 0) + 1
            self.indents[parent.id] = k
            prov = self.tree.add(f"ind-{k}", kind="indent", parent=parent, num=num,
                                 pinpoint=f"{parent.pinpoint}, {ordinal(k)} indent")
        else:
            m = _PAREN_NUM.match(num)
            if m:
                label, piece, printed = m.group(1), f"({m.group(1)})", num
            else:
                label = _DOT_NUM.match(num).group(1)
                piece = printed = label
            parent_chain = self.chains.get(parent.id)
            if parent_chain and m:          # "(a)" under point 1 or (h): point 1(a), (h)(i)
                base, chain = parent_chain[0], parent_chain[1] + piece
            elif parent_chain:              # "3.1" under point 3: point 3.1
                base, chain = parent_chain[0], piece
            else:
                base, chain = parent.pinpoint, piece
            prov = self.tree.add(f"pt-{label}", kind=kind, parent=parent, num=printed,
                                 heading=heading, pinpoint=f"{base}, point {chain}")
            self.chains[prov.id] = (base, chain)
        if cell is not None:
            self._fill_point(prov, cell)
        return prov

    def _fill_point(self, prov: Provision, cell) -> None:
        """A point's own words, and its sub-points (nested one-row tables)."""
        for kind, payload in self._blocks(cell):
            if kind == "table":
                self._table(payload, prov)
            else:
                self.tree.append_text(prov, payload)

    def _table(self, table, parent: Provision, point_kind: str = "point") -> None:
        """Point rows of ``table`` become children of ``parent``; rows that are not
        points (data tables, quoted points of an amended act) are text of ``parent``."""
        rows = _rows(table)
        if not rows:
            self.tree.append_text(parent, node_text(table))
        for tr in rows:
            hit = _row_number(tr)
            if hit is None:
                self.tree.append_text(parent, node_text(tr))
            else:
                self._add_point(hit[0], hit[1], parent, kind=point_kind)

    def _fill_unit(self, unit: Provision, blocks, *, definitions: bool = False) -> None:
        """Content of an article or numbered paragraph: the first subparagraph is the
        unit's own text, each further unnumbered paragraph a ``sub-N`` child; points
        attach to the subparagraph they follow."""
        current = unit
        started = bool(unit.text)
        sub = 1
        for kind, payload in blocks:
            if kind == "p":
                if not started:
                    self.tree.append_text(unit, payload)
                    started = True
                else:
                    sub += 1
                    current = self.tree.add(
                        f"sub-{sub}", kind="subparagraph", parent=unit, text=payload,
                        pinpoint=f"{unit.pinpoint}, {ordinal(sub)} subparagraph")
            elif kind == "quote":
                self.tree.append_text(current, payload)
                started = True
            elif kind == "table":
                pk = "definition" if definitions and current is unit else "point"
                self._table(payload, current, point_kind=pk)
                started = True

    # -- parts of the act ---------------------------------------------------------------

    def title(self, main_title) -> None:
        txt = " ".join(node_text(p) for p in main_title.iter("p")) or node_text(main_title)
        if not txt:
            raise ParseError("div.eli-main-title holds no title text")
        self.tree.add("title", kind="heading", pinpoint="Title", text=txt)

    def preamble(self, pbl) -> None:
        pre = self.tree.add("preamble", kind="preamble", pinpoint="Preamble")
        n_rct = 0
        pending: list[str] = []   # text after the last recital: the enacting formula
        for child in pbl:
            if not isinstance(child.tag, str) or child.tag.lower() in _SKIP_TAGS:
                continue
            cid = child.get("id") or ""
            if _CIT_ID.match(cid):
                n = _CIT_ID.match(cid).group(1)
                self.tree.add(f"cit-{n}", kind="preambular-paragraph", parent=pre,
                              pinpoint=f"Preamble, citation {n}", text=node_text(child))
            elif _RCT_ID.match(cid):
                self._recital(child, _RCT_ID.match(cid).group(1), pre)
                n_rct += 1
                if pending:  # text between recitals belongs to the preamble itself
                    self.tree.append_text(pre, " ".join(pending))
                    pending.clear()
            else:
                txt = node_text(child)
                if not txt:
                    continue
                if n_rct:
                    pending.append(txt)
                else:
                    self.tree.append_text(pre, txt)
        if pending:
            self.tree.add("enacting-formula", kind="adoption-clause", pinpoint="Enacting formula",
                          text=" ".join(pending), parent=pre, nest=False)
        if not n_rct:
            raise ParseError("no recitals (div.eli-subdivision#rct_N) in the preamble div#pbl_1")

    def _recital(self, el, n: str, pre: Provision) -> None:
        if "eli-subdivision" not in classes(el):
            raise ParseError(f"recital div#{el.get('id')} is not a div.eli-subdivision")
        num, text = "", ""
        tables = el.xpath(".//table")
        hit = _row_number(_rows(tables[0])[0]) if tables and _rows(tables[0]) else None
        if hit:
            num, text = hit[0], node_text(hit[1])
        else:  # some converters print "(12) text" as one paragraph
            txt = node_text(el)
            m = re.match(r"^\((\d+[a-z]*)\)\s*(.*)$", txt, re.S)
            if m:
                num, text = f"({m.group(1)})", m.group(2)
        if num != f"({n})":
            raise ParseError(f"recital div#rct_{n}: expected the number ({n}) in its first cell, "
                             f"found {num or 'none'}")
        self.tree.add(f"rct-{n}", kind="recital", pinpoint=f"Recital {n}", num=n, text=text,
                      parent=pre, nest=False)

    def enacting_terms(self, enc) -> int:
        """Chapters, sections and articles; returns the number of articles."""
        return self._containers(enc, None, "")

    def _containers(self, el, parent: Provision | None, parent_pin: str) -> int:
        n_art = 0
        for child in el:
            if not isinstance(child.tag, str) or child.tag.lower() in _SKIP_TAGS:
                continue
            cid = child.get("id") or ""
            last = cid.split(".")[-1]
            if _ART_ID.match(cid):
                if "eli-subdivision" not in classes(child):
                    raise ParseError(f"article div#{cid} is not a div.eli-subdivision")
                self._article(child, _ART_ID.match(cid).group(1), parent)
                n_art += 1
            elif child.tag == "div" and _CONTAINER_SEG.match(last) and not cid.endswith("tit_1"):
                prefix, num = _CONTAINER_SEG.match(last).groups()
                kind, name = _CONTAINERS[prefix]
                pin = f"{parent_pin}, {name} {num}" if parent_pin else f"{name} {num}"
                label = ""
                heading = []
                for c in child:
                    if not isinstance(c.tag, str):
                        continue
                    if any(k.startswith("oj-ti-section") for k in classes(c)) and c.tag == "p":
                        label = node_text(c)
                    elif "eli-title" in classes(c):
                        heading.append(node_text(c))
                if label and not re.match(rf"^{name}\s+{re.escape(num)}$", label, re.I):
                    raise ParseError(f"div#{cid} is labelled {label!r}, expected '{name} {num}'")
                prov = self.tree.add(f"{prefix}-{num.lower()}", kind=kind, pinpoint=pin,
                                     heading=" ".join(heading), num=num, parent=parent)
                n_art += self._containers(child, prov, pin)
            elif "eli-title" in classes(child) or (
                    child.tag == "p" and any(k.startswith("oj-ti-section") for k in classes(child))):
                continue  # the container's own label and heading, read above
            else:
                txt = node_text(child)
                if txt:
                    if parent is None:
                        raise ParseError(f"unexpected content in the enacting terms div#enc_1: "
                                         f"<{child.tag} id={cid!r} class={child.get('class')!r}> "
                                         f"{txt[:60]!r}; expected chapters or articles "
                                         "(div.eli-subdivision#art_N)")
                    self.tree.append_text(parent, txt)
        return n_art

    def _article(self, el, n: str, container: Provision | None) -> None:
        labels = [c for c in el if isinstance(c.tag, str) and "oj-ti-art" in classes(c)]
        if not labels:
            raise ParseError(f"article div#art_{n} has no p.oj-ti-art heading ('Article {n}')")
        label = node_text(labels[0])
        m = _ART_LABEL.match(label)
        if not m or m.group(1) != n:
            raise ParseError(f"article div#art_{n} is headed {label!r}, expected 'Article {n}'")
        heading = " ".join(node_text(p) for p in el.xpath(".//p") if "oj-sti-art" in classes(p)
                           and p.getparent() is not None
                           and ("eli-title" in classes(p.getparent()) or p.getparent() is el))
        art = self.tree.add(f"art-{n}", kind="article", pinpoint=f"Article {n}", heading=heading,
                            num=n, parent=container, nest=False)
        definitions = bool(re.match(r"^definitions?\b", heading, re.I))
        skip = [labels[0]] + [c for c in el if isinstance(c.tag, str) and "eli-title" in classes(c)]
        art_no = int(re.match(r"\d+", n).group())
        blocks = list(self._blocks(el, skip=skip, par_article=f"{art_no:03d}"))
        unit_blocks: list = []
        for kind, payload in blocks:
            if kind == "par":
                self._paragraph(payload, art)
            else:
                unit_blocks.append((kind, payload))
        if unit_blocks:
            self._fill_unit(art, unit_blocks, definitions=definitions)

    def _paragraph(self, div, art: Provision) -> None:
        blocks = list(self._blocks(div))
        if not blocks or blocks[0][0] != "p":
            raise ParseError(f"paragraph div#{div.get('id')} of {art.pinpoint} does not start "
                             "with its numbered text")
        first = blocks[0][1]
        m = _PAR_LEAD.match(first)
        if not m:
            raise ParseError(f"paragraph div#{div.get('id')} of {art.pinpoint} does not start "
                             f"with a number 'N.': {first[:40]!r}")
        n = m.group(1)
        if int(re.match(r"\d+", n).group()) != int(div.get("id").split(".")[1]):
            raise ParseError(f"paragraph div#{div.get('id')} of {art.pinpoint} is numbered {n}")
        par = self.tree.add(f"par-{n}", kind="paragraph", pinpoint=f"{art.pinpoint}({n})", num=n,
                            text=first[m.end():], parent=art)
        self._fill_unit(par, blocks[1:], definitions=bool(
            re.match(r"^definitions?\b", art.heading, re.I)))

    def final(self, fnp) -> None:
        """Final formula ("This Regulation shall be binding...", "Done at...") and the
        signature blocks."""
        words: list[str] = []
        sigs = []
        for el in fnp.iter():
            if not isinstance(el.tag, str):
                continue
            if el.tag == "div" and "oj-signatory" in classes(el):
                sigs.append(el)
            elif el.tag == "p" and not any(a.tag == "div" and "oj-signatory" in classes(a)
                                           for a in el.iterancestors()):
                words.append(node_text(el))
        final = self.tree.add("final", kind="paragraph", pinpoint="Final formula",
                              text=" ".join(w for w in words if w))
        for i, s in enumerate(sigs, 1):
            self.tree.add(f"sig-{i}", kind="signature", pinpoint=f"Final formula, signature {i}",
                          text=node_text(s), parent=final)

    def footnotes(self, notes) -> None:
        for i, note in enumerate(notes, 1):
            txt = node_text(note)
            m = _NOTE_LEAD.match(txt)
            if not m:
                raise ParseError(f"footnote p.oj-note #{i} does not start with its marker '(N)': "
                                 f"{txt[:40]!r}")
            mark = m.group(1)
            key = mark if re.match(r"^[0-9a-z]+$", mark) else f"x{i}"
            self.tree.add(f"fn-{key}", kind="footnote", pinpoint=f"Footnote {mark}", num=mark,
                          text=txt[m.end():])

    def annex(self, el) -> None:
        aid = _ANX_ID.match(el.get("id") or "").group(1)
        ti = [c for c in el if isinstance(c.tag, str) and c.tag == "p" and "oj-doc-ti" in classes(c)]
        if not ti:
            raise ParseError(f"annex div#{el.get('id')} has no p.oj-doc-ti title")
        label = node_text(ti[0])
        m = _ANNEX_LABEL.match(label)
        if not m:
            raise ParseError(f"annex div#{el.get('id')} is headed {label!r}, expected 'ANNEX {aid}'")
        num = m.group(1) or ""
        if num and num.upper() != aid.upper():
            raise ParseError(f"annex div#{el.get('id')} is headed {label!r}")
        annex = self.tree.add(f"anx-{(num or aid).lower()}", kind="annex",
                              pinpoint=f"Annex {num}" if num else "Annex", num=num,
                              heading=" ".join(node_text(t) for t in ti[1:]))
        # container: the annex or its current section; holder: where text and point rows
        # go (the container, or a numbered group heading such as "3. Quality management
        # system"); fresh: the container has no content yet, so a bare heading titles it.
        state = {"container": annex, "holder": annex, "headings": 0, "fresh": not annex.heading}
        self._annex_content([c for c in el if c not in ti], annex, state)

    def _annex_content(self, children, annex: Provision, st: dict) -> None:
        for child in children:
            if not isinstance(child.tag, str) or child.tag.lower() in _SKIP_TAGS:
                continue
            cls = classes(child)
            tag = child.tag.lower()
            if tag == "p" and any(k.startswith("oj-ti-grseq") for k in cls):
                self._annex_heading(node_text(child), annex, st)
                continue
            if node_text(child):
                st["fresh"] = False
            if tag == "p" and "oj-doc-ti" in cls:
                st["container"].heading = clean_space(f"{st['container'].heading} {node_text(child)}")
            elif tag == "table":
                for tr in _rows(child) or [child]:
                    hit = _row_number(tr) if tr is not child else None
                    if hit is None:
                        self.tree.append_text(st["holder"], node_text(tr))
                    else:
                        self._add_point(hit[0], hit[1], self._annex_target(hit[0], st))
            elif tag == "div" and "oj-enumeration-spacing" in cls:
                ps = [c for c in child if isinstance(c.tag, str)]
                num = node_text(ps[0]) if ps else ""
                if ps and (_DOT_NUM.match(num) or _PAREN_NUM.match(num)):
                    pt = self._add_point(num, None, self._annex_target(num, st))
                    for p in ps[1:]:
                        self.tree.append_text(pt, node_text(p))
                else:
                    self.tree.append_text(st["holder"], node_text(child))
            elif tag == "div":
                self._annex_content(list(child), annex, st)
            elif tag != "hr":
                txt = node_text(child)
                if txt:
                    self.tree.append_text(st["holder"], txt)

    def _annex_target(self, num: str, st: dict) -> Provision:
        """Where a numbered row of an annex goes: under the numbered group heading it
        belongs to ("3.1" under "3. Quality management system"), else beside it."""
        holder = st["holder"]
        if holder.id in self.chains and _DOT_NUM.match(num) and not num.startswith(f"{holder.num}."):
            st["holder"] = st["container"]
        return st["holder"]

    def _annex_heading(self, txt: str, annex: Provision, st: dict) -> None:
        """Group headings of an annex: "Section A — title", "Section 1" (title in the next
        heading), "3. Quality management system" (a numbered point with a title)."""
        if not txt:
            return
        m = _SECTION_HEAD.match(txt)
        if m:
            sec = self.tree.add(f"sct-{m.group(1).lower()}", kind="section", parent=annex,
                                pinpoint=f"{annex.pinpoint}, Section {m.group(1)}",
                                num=m.group(1), heading=m.group(2))
            st["container"] = st["holder"] = sec
            st["fresh"] = not sec.heading
            return
        m = _NUMBERED_HEAD.match(txt)
        if m:
            pt = self._add_point(f"{m.group(1)}.", None, st["container"], heading=m.group(2))
            st["holder"] = pt
            st["fresh"] = False
            return
        cont = st["container"]
        if st["fresh"]:
            cont.heading = clean_space(f"{cont.heading} {txt}")
            st["fresh"] = False
        else:
            st["headings"] += 1
            h = self.tree.add(f"hd-{st['headings']}", kind="heading", parent=cont, text=txt,
                              pinpoint=f"{cont.pinpoint}, heading {st['headings']}")
            st["holder"] = h


def _load(data: bytes):
    if not data or not data.strip():
        raise ParseError("empty input: expected EUR-Lex Official Journal HTML")
    try:
        data.decode("utf-8")
        html_parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    except UnicodeDecodeError:
        html_parser = lxml.html.HTMLParser(remove_comments=True)
    try:
        return lxml.html.document_fromstring(data, parser=html_parser)
    except (lxml.etree.ParserError, ValueError) as e:
        raise ParseError(f"not parseable as HTML: {e}") from None


def _one(root, xpath: str, what: str, why: str = "the page is not an EUR-Lex OJ act in "
                                                   "CONVEX/ELI markup, or the markup changed"):
    hits = root.xpath(xpath)
    if not hits:
        raise ParseError(f"expected {what}, not found: {why}")
    return hits[0]


@parser("eurlex_oj_html")
def parse_eurlex_oj_html(data: bytes, doc_id: str) -> ParseResult:
    """Parse an act of the EU Official Journal as served (or browser-saved) by EUR-Lex."""
    root = _load(data)
    main_title = _one(root, "//div[contains(concat(' ', normalize-space(@class), ' '), "
                            "' eli-main-title ')]", "the act's title (div.eli-main-title)")
    main = main_title.getparent()
    body_root = main.getparent()
    if body_root is None:
        raise ParseError("div.eli-main-title has no enclosing document container")
    pbl = _one(main, ".//div[@id='pbl_1']", "the preamble (div#pbl_1)")
    enc = _one(main, ".//div[@id='enc_1']", "the enacting terms (div#enc_1)")
    # CONVEX closes every act with this rule; without it the file was cut short.
    _one(body_root, ".//hr[contains(concat(' ', normalize-space(@class), ' '), ' oj-doc-end ')]",
         "the end-of-document rule (hr.oj-doc-end)", "the file looks truncated")

    # The act proper: the main container and the annex containers after it. Direct
    # children of the page that are not divs are the masthead (before) and colophon
    # (after), skipped as publication furniture (see module docstring).
    sibs = [c for c in body_root if isinstance(c.tag, str)]
    start = sibs.index(main)
    act_parts = [c for c in sibs[start:] if c.tag == "div"]
    body_text = " ".join(node_text(c) for c in act_parts)

    b = _Builder(doc_id)
    b.title(main_title)
    b.preamble(pbl)
    n_art = b.enacting_terms(enc)
    if not n_art:
        raise ParseError("no articles (div.eli-subdivision#art_N with p.oj-ti-art) in the "
                         "enacting terms div#enc_1")
    for fnp in main.xpath(".//div[@id='fnp_1']"):
        b.final(fnp)
    notes = [n for part in act_parts for n in part.iter("p")
             if "oj-note" in classes(n) and not any(a.tag in ("table", "td") for a in n.iterancestors())]
    b.footnotes(notes)
    for part in act_parts:
        for anx in part.iter("div"):
            if _ANX_ID.match(anx.get("id") or "") and "eli-container" in classes(anx):
                b.annex(anx)
    return b.tree.result(body_text)
