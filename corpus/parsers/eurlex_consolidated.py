"""EUR-Lex consolidated texts (the XHTML Cellar serves for a consolidated CELEX such as
02024R1689-20260727) -> provisions with the same ids as the Official Journal original,
each marked with the act that last wrote its words.

A consolidated text is the act with its amendments worked in, published by the
Publications Office as a documentation tool. Its markup differs from the OJ's: a header
(``p.hd-date`` "02024R1689 — EN — 27.07.2026 — 001.001", a disclaimer, the ►B reference,
the "Amended by" / "Corrected by" tables naming ►M1, ►M2, ►C1 ...); no preamble;
articles ``div.eli-subdivision#art_N`` headed ``p.title-article-norm`` /
``p.stitle-article-norm``; chapters and sections headed ``p.title-division-1`` / ``-2``;
numbered paragraphs ``div.norm`` with ``span.no-parag``; points and indents
``div.grid-list`` (number in ``grid-list-column-1``, words in ``grid-list-column-2``);
annexes headed ``p.title-annex-1`` / ``-2`` with ``p.title-gr-seq-level-N`` group headings;
footnotes ``p.footnote``. Its markers say where each passage comes from: a block marker
``▼B`` (the base act), ``▼M1`` (the first amending act), ``▼C1`` (a corrigendum) holds
until the next one; an inline ``►M1 … ◄`` marks words changed inside a sentence; a rule of
dashes stands for deleted text.

The parser turns that markup into the OJ's (``p.oj-ti-art``, ``div#NNN.NNN`` paragraphs,
one-row tables for points, ...) and builds the provisions with the OJ parser's own rules
(``corpus.parsers.eurlex_html``), so every provision the amendments left alone has the id
and pinpoint it has in the original. Markers are turned into empty elements the builder
ignores; afterwards each provision gets the marker in force where its words are (an inline
marker inside them wins over the block marker): ``Provision.marker``. ``meta`` holds the
CELEX and date from the header and the acts behind the markers (``modifiers``).
"""
from __future__ import annotations

import re

import lxml.etree

from corpus.model import ParseError, ParseResult, Provision
from corpus.parsers import parser
from corpus.parsers.eurlex_html import (_ANX_ID, _BLOCK_TAGS, _SKIP_TAGS, _Builder, _load, classes,
                                        node_text)

_BLOCK_MARK = re.compile(r"^▼\s*([A-Z]{1,2}\d*)$")
_INLINE_MARK = re.compile(r"►\s*([A-Z]{1,2}\d*)|◄")
_MODIFIER = re.compile(r"^►\s*([A-Z]{1,2}\d*)$")
_HD_DATE = re.compile(r"^(0\d{4}[A-Z]\d{4})\s*[—–-]\s*[A-Z]{2}\s*[—–-]\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DELETED = re.compile(r"[—–\-]{3,}")
_ART_DIV = re.compile(r"^art_(\d+)")
_ENACTING_DIV = re.compile(r"^(art|cpt|prt|tis)_")
MARK = "data-govkb-marker"     # on the empty element standing for a marker: the marker, "/" for ◄
BLOCK = "data-govkb-block"     # "1" for a block marker (▼), absent for an inline one (► / ◄)
BASE = "B"


def _remove(el) -> None:
    """Take ``el`` out of the tree, keeping the text that follows it."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _unwrap(el) -> None:
    """Replace ``el`` by its content (text, children and tail stay where they were)."""
    parent = el.getparent()
    idx = parent.index(el)
    prev = el.getprevious()
    if el.text:
        if prev is not None:
            prev.tail = (prev.tail or "") + el.text
        else:
            parent.text = (parent.text or "") + el.text
    kids = list(el)
    if el.tail:
        if kids:
            kids[-1].tail = (kids[-1].tail or "") + el.tail
        elif prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
    for n, k in enumerate(kids):
        parent.insert(idx + n, k)


def _marker_el(code: str, block: bool = False):
    el = lxml.etree.Element("span", {MARK: code})
    if block:
        el.set(BLOCK, "1")
    return el


def _header(start) -> dict:
    """CELEX, date and the acts behind the markers, from the header before the first ▼."""
    meta: dict = {"modifiers": {}}
    for el in start.itersiblings(preceding=True):
        for p in el.iter("p"):
            m = _HD_DATE.match(node_text(p)) if "hd-date" in classes(p) else None
            if m:
                meta["date"] = f"{m[4]}-{int(m[3]):02d}-{int(m[2]):02d}"
                meta["celex"] = f"{m[1]}-{meta['date'].replace('-', '')}"
        for tr in el.iter("tr"):
            cells = tr.xpath("./td|./th")
            m = _MODIFIER.match(node_text(cells[0])) if len(cells) >= 2 else None
            if m:
                meta["modifiers"][m[1]] = node_text(cells[1])
    if "celex" not in meta:
        raise ParseError("no p.hd-date header naming the CELEX and date of a consolidated version "
                         "('02024R1689 — EN — 27.07.2026 — ...'): not a EUR-Lex consolidated text")
    return meta


def _markers_to_elements(body) -> None:
    """Every ▼X paragraph, ►X and ◄ becomes an empty marker element; the blank next to an
    inline marker goes with it, so "from ►M1 1 May ◄;" reads "from 1 May;"."""
    for p in list(body.iter("p")):
        m = _BLOCK_MARK.match(node_text(p))
        if m:
            mk = _marker_el(m[1], block=True)
            mk.tail = p.tail
            p.getparent().replace(p, mk)
    for el in list(body.iter()):
        if not isinstance(el.tag, str) or el.get(MARK) is not None:
            continue
        whole = _INLINE_MARK.fullmatch((el.text or "").strip()) if len(el) == 0 else None
        if whole:   # <span class="boldface">►M1</span>: the element is the marker
            code = whole[1] or "/"
            tail = el.tail
            for k in list(el.attrib):
                del el.attrib[k]
            el.tag, el.text = "span", None
            el.set(MARK, code)
            if code == "/":
                prev = el.getprevious()
                if prev is not None and prev.tail:
                    prev.tail = prev.tail.rstrip()
                elif prev is None and el.getparent().text:
                    el.getparent().text = el.getparent().text.rstrip()
                el.tail = tail
            else:
                el.tail = (tail or "").lstrip()
            continue
        for attr in ("text", "tail"):
            value = getattr(el, attr)
            if value and _INLINE_MARK.search(value):
                _split_inline(el, attr, value)


def _split_inline(el, attr: str, value: str) -> None:
    """Markers written inside a text node: split it around them."""
    pieces = _INLINE_MARK.split(value)
    # split() gives text, code, text, code, ...; "◄" has no group: code None
    tokens = [m.group(1) or "/" for m in _INLINE_MARK.finditer(value)]
    texts = pieces[0::2]
    for i, code in enumerate(tokens):
        if code == "/":
            texts[i] = texts[i].rstrip()
        else:
            texts[i + 1] = texts[i + 1].lstrip()
    if attr == "text":
        el.text = texts[0]
        for i, code in enumerate(tokens):
            mk = _marker_el(code)
            mk.tail = texts[i + 1]
            el.insert(i, mk)
    else:
        el.tail = texts[0]
        parent, idx = el.getparent(), el.getparent().index(el)
        for i, code in enumerate(tokens):
            mk = _marker_el(code)
            mk.tail = texts[i + 1]
            parent.insert(idx + 1 + i, mk)


def _drop_deleted(body) -> None:
    """A rule of dashes stands for deleted text: the passage (a paragraph, a point) goes."""
    for g in list(body.iter("div")):
        if "grid-list" in classes(g):
            col = [c for c in g if isinstance(c.tag, str) and "grid-list-column-2" in classes(c)]
            if col and _DELETED.fullmatch(node_text(col[0]).replace(" ", "")):
                _remove(g)
    for p in list(body.iter("p")):
        if p.getparent() is not None and _DELETED.fullmatch(node_text(p).replace(" ", "")):
            _remove(p)


def _grids_to_tables(body) -> None:
    """``div.grid-list`` (number column, words column) -> the OJ's one-row table, innermost first."""
    grids = [g for g in body.iter("div") if "grid-list" in classes(g)]
    for g in reversed(grids):
        cols = {k: c for c in g if isinstance(c.tag, str)
                for k in ("grid-list-column-1", "grid-list-column-2") if k in classes(c)}
        if "grid-list-column-2" not in cols:
            _unwrap(g)
            continue
        words = cols["grid-list-column-2"]
        if "grid-list-column-1" not in cols:   # a continuation without a number: its words only
            _unwrap(words)
            _unwrap(g)
            continue
        table = lxml.etree.Element("table")
        tr = lxml.etree.SubElement(lxml.etree.SubElement(table, "tbody"), "tr")
        num = lxml.etree.SubElement(lxml.etree.SubElement(tr, "td"), "p")
        num.text = node_text(cols["grid-list-column-1"])
        cell = lxml.etree.SubElement(tr, "td")
        cell.text = words.text
        for c in list(words):
            cell.append(c)
        table.tail = g.tail
        g.getparent().replace(g, table)


def _paragraphs(body) -> None:
    """Numbered paragraphs of an article -> ``div#<article>.<paragraph>`` whose first block
    starts with the number, as in the OJ."""
    for d in list(body.iter("div")):
        spans = [c for c in d if isinstance(c.tag, str) and "no-parag" in classes(c)]
        art = d.getparent()
        while art is not None and not _ART_DIV.match(art.get("id") or ""):
            art = art.getparent()
        if not spans or art is None:
            continue
        num_el = spans[0]
        num = node_text(num_el)
        m = re.match(r"^(\d{1,3})", num)
        if not m:
            continue
        d.set("id", f"{int(_ART_DIV.match(art.get('id'))[1]):03d}.{int(m[1]):03d}")
        # the words right after the number (inline content up to the first block)
        run, after = [], num_el.getnext()
        while after is not None and not (isinstance(after.tag, str) and after.tag.lower() in _BLOCK_TAGS
                                         and after.get(MARK) is None):
            run.append(after)
            after = after.getnext()
        lead = (num_el.tail or "").strip()
        if not lead and not any(node_text(r) for r in run) and after is not None and after.tag == "p":
            first = after          # the number and the first paragraph of words are one block
            for r in run:          # markers between them keep their place, before the words
                first.addprevious(r)
            first.text = f"{num} {first.text or ''}"
        else:
            first = lxml.etree.Element("p")
            first.text = f"{num} {num_el.tail or ''}"
            num_el.addnext(first)
            for r in run:
                first.append(r)
        _remove_keep(num_el)


def _remove_keep(el) -> None:
    """Remove ``el`` and its tail (already copied elsewhere)."""
    el.tail = None
    el.getparent().remove(el)


def _classes(body) -> None:
    """Consolidated class names -> the OJ's, where the OJ parser reads them."""
    add = {"title-article-norm": "oj-ti-art", "stitle-article-norm": "oj-sti-art",
           "title-division-1": "oj-ti-section-1", "title-division-2": "eli-title",
           "title-annex-1": "oj-doc-ti", "title-annex-2": "oj-doc-ti", "footnote": "oj-note"}
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        cls = classes(el)
        extra = [add[c] for c in cls if c in add] + (
            ["oj-ti-grseq-1"] if any(c.startswith("title-gr-seq-level") for c in cls) else [])
        if _ANX_ID.match(el.get("id") or "") and el.tag == "div":
            extra.append("eli-container")
        if extra:
            el.set("class", " ".join(list(dict.fromkeys(sorted(cls) + extra))))


def _unwrap_words(body, *, plain: bool) -> None:
    """Wrappers of words (``div.inline-element``; with ``plain`` also an unnumbered
    ``div.norm``): their words belong to their parent's blocks."""
    for d in list(body.iter("div")):
        cls = classes(d)
        if "inline-element" in cls or (plain and cls == {"norm"} and not d.get("id")):
            _unwrap(d)


def _marked_text(body) -> tuple[str, list[str]]:
    """The body's words as node_text reads them, with the marker in force at each character."""
    chars: list[str] = []
    marks: list[str] = []
    state = {"block": BASE, "inline": None}

    def emit(s: str) -> None:
        m = state["inline"] or state["block"]
        for ch in s.replace("\u200b", ""):
            if ch.isspace():
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    marks.append(m)
            else:
                chars.append(ch)
                marks.append(m)

    def walk(e) -> None:
        if not isinstance(e.tag, str) or e.tag.lower() in _SKIP_TAGS:
            emit(e.tail or "")
            return
        code = e.get(MARK)
        if code is not None:
            if e.get(BLOCK):
                state["block"], state["inline"] = code, None
            else:
                state["inline"] = None if code == "/" else code
            emit(e.tail or "")
            return
        block = e.tag.lower() in _BLOCK_TAGS
        if block:
            emit(" ")
        emit(e.text or "")
        for c in e:
            walk(c)
        if block:
            emit(" ")
        emit(e.tail or "")

    walk(body)
    return "".join(chars), marks


def _assign_markers(provisions: list[Provision], body) -> None:
    """Each provision's marker: where its words are in the body (in document order), the
    last marker other than ▼B over them, else the one in force there."""
    text, marks = _marked_text(body)
    cursor = 0
    ordered = [p for p in provisions if p.kind != "footnote"] + [p for p in provisions if p.kind == "footnote"]
    for p in ordered:
        key = p.text or p.heading
        if not key:
            continue
        needle = key[:40]
        start = cursor if p.kind != "footnote" else 0
        pos = text.find(needle, start)
        if pos < 0:
            pos = text.find(needle)
        if pos < 0:
            continue
        end = pos + len(key) if text.startswith(key, pos) else pos + len(needle)
        span = marks[pos:end]
        changed = [m for m in span if m != BASE]
        p.marker = changed[-1] if changed else span[0]
        if p.kind != "footnote":
            cursor = pos + len(needle)
    # a provision without words of its own (an article made of paragraphs) takes the
    # marker of what follows it: its first sub-provision
    following = ""
    for p in reversed(provisions):
        if p.marker:
            following = p.marker
        else:
            p.marker = following


def _enacting_terms(body):
    """``div#enc_1``, or a container made of the run of chapters / articles."""
    enc = body.xpath(".//div[@id='enc_1']")
    if enc:
        return enc[0]
    first = next((d for d in body.iter("div") if _ENACTING_DIV.match(d.get("id") or "")), None)
    if first is None:
        raise ParseError("no articles (div#art_N) or chapters (div#cpt_N) in the consolidated text")
    enc = lxml.etree.Element("div", {"id": "enc_1"})
    first.addprevious(enc)
    while enc.getnext() is not None:
        nxt = enc.getnext()
        if nxt.tag == "div" and re.match(r"^(anx_|fnp_)", nxt.get("id") or ""):
            break
        if nxt.tag == "p" and "footnote" in classes(nxt):
            break
        enc.append(nxt)
    return enc


@parser("eurlex_consolidated_html")
def parse_eurlex_consolidated_html(data: bytes, doc_id: str) -> ParseResult:
    """Parse a EUR-Lex consolidated version (XHTML as Cellar serves it)."""
    root = _load(data)
    start = next((p for p in root.iter("p") if _BLOCK_MARK.match(node_text(p))), None)
    if start is None:
        raise ParseError("no ▼B marker: not a EUR-Lex consolidated text (consolidated XHTML marks "
                         "every passage with ▼B, ▼M1, ...)")
    meta = _header(start)
    body = start.getparent()
    for el in list(start.itersiblings(preceding=True)):   # the header: not the act's text
        body.remove(el)
    body.text = None
    _markers_to_elements(body)
    _drop_deleted(body)
    _grids_to_tables(body)
    _classes(body)
    _unwrap_words(body, plain=False)
    _paragraphs(body)
    _unwrap_words(body, plain=True)

    titles = body.xpath(".//div[contains(concat(' ', normalize-space(@class), ' '), ' eli-main-title ')]")
    if titles:
        title = titles[0]
    else:   # the title paragraphs after the first marker
        ps = [p for p in body.iter("p") if classes(p) & {"title-doc-first", "title-doc-last"}]
        if not ps:
            raise ParseError("no title (div.eli-main-title or p.title-doc-first) after the ▼B marker")
        title = lxml.etree.Element("div", {"class": "eli-main-title"})
        ps[0].addprevious(title)
        for p in ps:
            title.append(p)
    enc = _enacting_terms(body)
    b = _Builder(doc_id)
    b.title(title)
    for pbl in body.xpath(".//div[@id='pbl_1']"):   # consolidated texts rarely keep a preamble
        b.preamble(pbl)
    if not b.enacting_terms(enc):
        raise ParseError("no articles (div.eli-subdivision#art_N with p.title-article-norm) in the "
                         "consolidated text")
    for fnp in body.xpath(".//div[@id='fnp_1']"):
        b.final(fnp)
    b.footnotes([n for n in body.iter("p") if "oj-note" in classes(n)
                 and not any(a.tag in ("table", "td") for a in n.iterancestors())])
    for anx in body.iter("div"):
        if _ANX_ID.match(anx.get("id") or "") and "eli-container" in classes(anx):
            b.annex(anx)
    _assign_markers(b.tree.provisions, body)
    return b.tree.result(node_text(body), meta=meta)
