"""whitehouse.gov pages: executive orders, statements and releases.

Two entry points share one structural parser:

* ``whitehouse_html``: the WordPress page itself. The text is a flat run of ``<p>``
  elements in ``main div.entry-content`` after the "topper" header; ``<br>`` inside a
  ``<p>`` separates sub-items on some pages, so it counts as a paragraph break.
* ``whitehouse_md``: a markdown conversion of such a page (YAML front matter, then the
  body, with the underline spans of section headings kept as inline HTML).

Both reduce the bytes to a list of plain-text blocks; :func:`build_provisions` turns the
blocks into provisions. An executive order ("Section 1." ... "Sec. N.") becomes
preamble / sections / subsections (a) / points (i) / subpoints (A) / items (1) /
signature, with pinpoints as counsel cite them ("Sec. 3(a)(i)(A)"). Any other page
(a statement, a release) has no printed numbering: its paragraphs are numbered in
order (``par-N``, "Paragraph N") and list items hang under the paragraph that
introduces them.

Markup is untrusted: only text nodes are read (scripts, styles and attributes are
dropped), and inline HTML in the markdown is stripped as text, never interpreted.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import yaml
from bs4 import BeautifulSoup

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree, clean_space
from corpus.parsers import parser

# --------------------------------------------------------------------------- blocks


@dataclass
class Block:
    """One paragraph of the page as plain text. ``marker`` is set for list items:
    the printed number of an ordered item ("1") or "" for a bullet; None otherwise."""

    text: str
    marker: str | None = None


# A block that starts a structural unit of an order: a hard line break in the markdown
# before one of these is a paragraph break (the converter lost the <br> otherwise).
_STRUCTURAL_START = re.compile(
    r"\s*(?:\((?:[a-z]{1,2}|[ivxlc]{1,6}|[A-Z]|\d{1,2})\)|Sec\.|Section\s|\d+\.\d+\.)")


def html_blocks(data: bytes) -> tuple[list[Block], dict]:
    """Paragraph blocks and page metadata (title, date) of a whitehouse.gov page."""
    if not data.strip():
        raise ParseError("empty file: expected a whitehouse.gov HTML page")
    soup = BeautifulSoup(data, "html.parser")
    content = soup.select_one("main div.entry-content") or soup.select_one("div.entry-content")
    if content is None:
        raise ParseError("no div.entry-content (the WordPress post body) in the page")
    title_el = soup.select_one("h1.wp-block-whitehouse-topper__headline")
    time_el = soup.select_one("time[datetime]")
    meta = {
        "title": clean_space(title_el.get_text(" ")) if title_el else "",
        "date": time_el.get("datetime", "") if time_el else "",
    }
    # The topper repeats title, date and byline (page chrome, kept as metadata only);
    # scripts, styles and embedded media carry no body text.
    for junk in content.select("div.wp-block-whitehouse-topper, script, style, noscript, "
                               "template, svg, iframe, form, nav, button"):
        junk.decompose()
    blocks: list[Block] = []
    for el in content.find_all(["p", "li", "h2", "h3", "h4", "h5", "h6"]):
        if el.find_parent(["p", "li"]) is not None:
            continue
        for br in el.find_all("br"):
            br.replace_with("\n")
        marker = None
        if el.name == "li":
            parent = el.find_parent(["ol", "ul"])
            marker = str(len(el.find_previous_siblings("li")) + 1) if parent is not None and parent.name == "ol" else ""
        for i, seg in enumerate(el.get_text().split("\n")):
            text = clean_space(seg)
            if text:
                blocks.append(Block(text, marker if i == 0 else None))
    if not blocks:
        raise ParseError("div.entry-content holds no <p> text")
    return blocks, meta


_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
_MD_LIST = re.compile(r"^(?: {0,3})(?:(\d{1,3})[.)]|[-*+])[ \t]+")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|$<>\"'~])")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\s]*\)")
_TAG = re.compile(r"<[^<>]{0,2000}>")


def markdown_blocks(data: bytes) -> tuple[list[Block], dict]:
    """Paragraph blocks and front-matter metadata of a whitehouse.gov markdown conversion."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"markdown file is not UTF-8: {e}") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = _FRONT_MATTER.match(text)
    if not m:
        raise ParseError("no YAML front matter (a '---' ... '---' header) at the top of the markdown")
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError as e:
        raise ParseError(f"front matter is not valid YAML: {e}") from None
    if not isinstance(meta, dict) or not meta.get("source_url"):
        raise ParseError("front matter has no source_url")
    body = text[m.end():]
    blocks: list[Block] = []
    for chunk in re.split(r"\n[ \t\u00a0]*\n", body):
        blocks.extend(_markdown_chunk(chunk))
    if not blocks:
        raise ParseError("the markdown has front matter but no body text")
    return blocks, {"title": clean_space(str(meta.get("title", ""))), "date": str(meta.get("date", "")),
                    "source_url": str(meta["source_url"])}


def _markdown_chunk(chunk: str) -> list[Block]:
    """Blocks of one blank-line-separated markdown chunk (a paragraph or a list)."""
    lines = chunk.split("\n")
    # Split the chunk into items: list items start at a list marker, and a hard line
    # break (two trailing spaces) before a structural marker starts a new paragraph.
    items: list[tuple[str | None, list[str]]] = []
    for i, line in enumerate(lines):
        lm = _MD_LIST.match(line)
        hard_break = i > 0 and re.search(r"[ \u00a0]{2,}$", lines[i - 1]) and _STRUCTURAL_START.match(
            _inline_text(line))
        if lm:
            items.append((lm.group(1) or "", [line[lm.end():]]))
        elif not items or hard_break:
            items.append((None, [line]))
        else:
            items[-1][1].append(line)
    out = []
    for marker, item_lines in items:
        t = clean_space(_inline_text(" ".join(item_lines)))
        # "###" closes a press release (an end-of-text mark, not words of the document)
        if t and not re.fullmatch(r"#+", t):
            out.append(Block(t, marker))
    return out


def _inline_text(s: str) -> str:
    """Plain text of a markdown line: tags stripped, links reduced to their words,
    emphasis and backslash escapes removed, entities decoded (last, so that an
    escaped '&lt;script&gt;' stays literal text)."""
    s = _TAG.sub("", s)
    s = _MD_LINK.sub(r"\1", s)
    s = re.sub(r"(\*\*|__)(.+?)\1", r"\2", s)
    s = _MD_ESCAPE.sub(r"\1", s)
    return html.unescape(s)


# ------------------------------------------------------------------ order structure

_SECTION = re.compile(r"^(?:Section|Sec\.)\s*(\d+)\s*\.\s*")
_DECIMAL = re.compile(r"^(\d+)\.(\d+)\.\s*")
# A heading runs to the first full stop that is followed by the body (a capital, an
# opening parenthesis or quote, or the end); "U.S." inside a heading is not such a stop.
_HEADING_END = re.compile(r"(?<!\bU\.S)(?<!\b[A-Z])\.(?=\s*(?:$|[A-Z(“\"]))")
_MARKER = re.compile(r"^\((?P<m>[a-z]{1,2}|[ivxlc]{1,6}|[A-Z]|\d{1,2})\)\s*")
_SIGNATURE = re.compile(r"^(?:[A-Z][A-Z.\s]+[A-Z.]|THE WHITE HOUSE,?.*)$")

# level -> (kind, id prefix of the marker)
_LEVEL_KIND = {1: "subsection", 2: "point", 3: "subpoint", 4: "item"}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _roman_value(s: str) -> int | None:
    total, prev = 0, 0
    for ch in reversed(s):
        v = _ROMAN.get(ch)
        if v is None:
            return None
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total if _to_roman(total) == s else None


def _to_roman(n: int) -> str:
    out = ""
    for v, s in ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= v:
            out += s
            n -= v
    return out


def _next_letter(s: str | None) -> str:
    """a..z, then aa, bb, ... as orders number long lists of definitions."""
    if s is None:
        return "a"
    if s == "z":
        return "aa"
    return chr(ord(s[0]) + 1) * len(s) if s[0] != "z" else "a" * (len(s) + 1)


@dataclass
class _Open:
    prov: Provision
    level: int          # 0 section, 1 (a), 2 (i), 3 (A), 4 (1)
    marker: str = ""    # the printed marker without parentheses
    last_child: dict | None = None   # level -> last marker seen directly below
    flush: int = 0      # unnumbered paragraphs hung on this provision so far

    def __post_init__(self):
        self.last_child = {}


def _classify(token: str, stack: list[_Open], prev_text: str) -> int:
    """The level (1-4) of a parenthesised marker, resolving "(i)" letter/roman clashes
    from what came before: a roman numeral continues a running list of points (or
    starts one after a chapeau ending in a colon); a letter continues the lettered
    subsections."""
    if token.isdigit():
        return 4
    if token.isupper():
        return 3
    cur_letter = next((o.marker for o in reversed(stack) if o.level == 1), None)
    letter_parent = next((o for o in reversed(stack) if o.level == 0), None)
    last_letter = letter_parent.last_child.get(1) if letter_parent else None
    point_parent = next((o for o in reversed(stack) if o.level == 1), None)
    last_point = point_parent.last_child.get(2) if point_parent else None
    is_letter = len(set(token)) == 1 and token == _next_letter(last_letter)
    rv = _roman_value(token)
    if last_point is not None:
        is_roman = rv is not None and rv == _roman_value(last_point) + 1
    else:
        is_roman = token == "i" and cur_letter is not None
    if is_roman and is_letter:
        # "(i)" after "(h)": a point only when (h) introduced a list
        return 2 if (last_point is not None or prev_text.rstrip().endswith((":", "—"))) else 1
    if is_roman:
        return 2
    if is_letter:
        return 1
    if rv is not None and (rv == 1 or token not in "abcdefghjkmnopqrstuwyz"):
        return 2
    return 1


def _segment(token: str, level: int) -> str:
    if level == 3:
        return f"cap-{token.lower()}"
    return token


class _OrderBuilder:
    """Feeds blocks of an executive order into a ProvisionTree."""

    def __init__(self, doc_id: str):
        self.tree = ProvisionTree(doc_id)
        self.stack: list[_Open] = []
        self.preamble: Provision | None = None
        self.signature: Provision | None = None
        self.section: Provision | None = None     # the current top-level section
        self.prev_text = ""

    def feed(self, block: Block) -> None:
        text = block.text
        if self.signature is not None:
            self.tree.append_text(self.signature, text)
            return
        if self.section is not None and _SIGNATURE.match(text) and not _MARKER.match(text):
            self.signature = self.tree.add("signature", kind="signature", pinpoint="Signature", text=text)
            return
        m = _SECTION.match(text)
        if m:
            self._open_section(m.group(1), text[m.end():])
            return
        m = _DECIMAL.match(text)
        if m and self.section is not None and m.group(1) == self.section.num:
            self._open_decimal(f"{m.group(1)}.{m.group(2)}", text[m.end():])
            return
        if self.section is None:
            if self.preamble is None:
                self.preamble = self.tree.add("preamble", kind="preamble", pinpoint="Preamble", text=text)
            else:
                self.tree.append_text(self.preamble, text)
            self.prev_text = text
            return
        m = _MARKER.match(text)
        if m:
            self._open_marker(m.group("m"), text[m.end():])
            return
        self._unnumbered(text)

    def _open_section(self, num: str, rest: str) -> None:
        heading, rest = _split_heading(rest)
        self.section = self.tree.add(f"sec-{num}", kind="section", pinpoint=f"Sec. {num}", heading=heading,
                                     num=num)
        self.stack = [_Open(self.section, 0, num)]
        self._body(rest)

    def _open_decimal(self, num: str, rest: str) -> None:
        heading, rest = _split_heading(rest)
        prov = self.tree.add(f"sec-{num}", kind="section", pinpoint=f"Sec. {num}", heading=heading,
                             parent=self.section, nest=False, num=num)
        self.stack = [self.stack[0], _Open(prov, 0, num)]
        self._body(rest)

    def _body(self, rest: str) -> None:
        """Text after a heading: a chapeau, or the first lettered unit run in."""
        m = _MARKER.match(rest)
        if m:
            self._open_marker(m.group("m"), rest[m.end():])
        elif rest:
            self.tree.append_text(self.stack[-1].prov, rest)
            self.prev_text = rest

    def _open_marker(self, token: str, rest: str) -> None:
        level = _classify(token, self.stack, self.prev_text)
        while self.stack[-1].level >= level and len(self.stack) > 1 and self.stack[-1].level > 0:
            self.stack.pop()
        parent = self.stack[-1]
        pin = next(o.prov for o in reversed(self.stack) if o.level == 0).pinpoint + "".join(
            f"({o.marker})" for o in self.stack if o.level > 0) + f"({token})"
        prov = self.tree.add(_segment(token, level), kind=_LEVEL_KIND[level], pinpoint=pin,
                             text=rest, parent=parent.prov, num=f"({token})")
        parent.last_child[level] = token
        self.stack.append(_Open(prov, level, token))
        self.prev_text = rest

    def _unnumbered(self, text: str) -> None:
        """A paragraph without a marker inside a section."""
        last = self.tree.provisions[-1]
        top = self.stack[-1]
        if (text[:1].islower() and not self.prev_text.rstrip().endswith((".", ";", ":"))) or top.level == 0:
            # a sentence broken over two paragraphs, or more chapeau of a section
            self.tree.append_text(last if top.level else top.prov, text)
        else:
            # flush text closing a list: it belongs to the unit whose list just ended
            while len(self.stack) > 1 and self.stack[-1].level > 0 and not self._has_children(self.stack[-1]):
                self.stack.pop()
            owner = self.stack[-1]
            owner.flush += 1
            n = owner.flush
            pin = owner.prov.pinpoint + (" (flush text)" if n == 1 else f" (flush text {n})")
            self.tree.add(f"par-{n}", kind="paragraph", pinpoint=pin, text=text, parent=owner.prov)
        self.prev_text = text

    def _has_children(self, o: _Open) -> bool:
        return bool(o.last_child)


def _split_heading(rest: str) -> tuple[str, str]:
    m = _HEADING_END.search(rest)
    if not m or m.start() > 200:
        return "", rest
    return rest[:m.start()].strip(), rest[m.end():].strip()


def _is_order(blocks: list[Block]) -> bool:
    return any(re.match(r"^(?:Section|Sec\.)\s*1\s*\.", b.text) for b in blocks)


def build_provisions(blocks: list[Block], doc_id: str) -> ProvisionTree:
    """Provisions of a page's blocks: an order's structure, or numbered paragraphs."""
    if _is_order(blocks):
        b = _OrderBuilder(doc_id)
        for block in blocks:
            b.feed(block)
        if b.signature is None:
            raise ParseError("executive order without a closing signature block "
                             "('THE WHITE HOUSE, <date>'): the text looks truncated")
        return b.tree
    return _plain_tree(blocks, doc_id)


def _plain_tree(blocks: list[Block], doc_id: str) -> ProvisionTree:
    """A page without printed numbering: paragraphs in order, list items under the
    paragraph that introduces them (numbered as printed, bullets in order)."""
    tree = ProvisionTree(doc_id)
    par: Provision | None = None
    npar = 0
    items = 0
    for block in blocks:
        if block.marker is None:
            npar += 1
            items = 0
            par = tree.add(f"par-{npar}", kind="paragraph", pinpoint=f"Paragraph {npar}", text=block.text)
            continue
        items += 1
        num = block.marker or str(items)
        if par is None:
            tree.add(f"item-{num}", kind="item", pinpoint=f"Item {num}", text=block.text,
                     num=block.marker)
        else:
            tree.add(f"item-{num}", kind="item", pinpoint=f"{par.pinpoint}, item {num}", text=block.text,
                     parent=par, num=block.marker)
    return tree


def _result(blocks: list[Block], meta: dict, doc_id: str) -> ParseResult:
    tree = build_provisions(blocks, doc_id)
    # The body is every block read; the title and date are page chrome (topper or
    # front matter) and travel as notes, not as provisions.
    body = "\n".join(b.text for b in blocks)
    notes = [f"{k}: {v}" for k, v in meta.items() if v]
    return tree.result(body, notes)


@parser("whitehouse_html")
def parse_whitehouse_html(data: bytes, doc_id: str) -> ParseResult:
    """A whitehouse.gov WordPress page (an executive order, statement or release)."""
    blocks, meta = html_blocks(data)
    return _result(blocks, meta, doc_id)


@parser("whitehouse_md")
def parse_whitehouse_md(data: bytes, doc_id: str) -> ParseResult:
    """A markdown conversion of a whitehouse.gov page, with YAML front matter."""
    blocks, meta = markdown_blocks(data)
    return _result(blocks, meta, doc_id)
