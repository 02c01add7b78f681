"""Chinese AI-governance texts, read in their English translations or conversions.

The Chinese originals stay out of this English-language pipeline (see corpus/sources/cn.py).
Four shapes:

- ``cn_measures_markdown``: the CASI translation of the Interim Measures for Generative AI
  Services (marker-pdf markdown): promulgation order No. 15 with signatories, chapters
  ("Section N" in CASI's wording for the original's 章, i.e. chapters), "**Article N:**"
  and numbered items "- (1) ...", translator's footnotes numbered i, ii, iii...
- ``cn_measures_text``: a plain-text translation of measures, "Article N: ..." paragraphs
  with "(1) ..." items (the Labeling Measures).
- ``cn_gaigi_html``: the CAC page of the Global AI Governance Initiative, which prints the
  Chinese text and then the official English text; the English part is parsed.
- ``cn_tc260_text``: the AGORA English text of the TC260 AI Safety Governance Framework,
  numbered "1.", "1.1", "3.1.1" and lettered "(a)" items.
"""
from __future__ import annotations

import html as htmlmod
import re

from corpus.model import ParseError, ParseResult, Provision, ProvisionTree, clean_space
from corpus.parsers import parser
from corpus.parsers.textutil import decode_text

_ITEM = re.compile(r"^\((\d{1,2})[)\uff09]\s*(.*)$")   # "(3）" has a full-width paren in one file


def _paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated paragraphs, white space collapsed."""
    out, cur = [], []
    for line in lines + [""]:
        if line.lstrip().startswith("- ") and cur:
            # a markdown list item starts a paragraph of its own
            out.append(clean_space(" ".join(cur)))
            cur = []
        if line.strip():
            cur.append(line.strip())
        elif cur:
            out.append(clean_space(" ".join(cur)))
            cur = []
    return out


def _add_article_items(tree: ProvisionTree, art: Provision, n: str, paras: list[str]) -> None:
    """The text after an article's heading: numbered items become items; the other
    paragraphs (chapeau and any closing paragraph) stay the article's own text."""
    for p in paras:
        m = _ITEM.match(p)
        if m:
            tree.add(f"item-{m.group(1)}", kind="item", pinpoint=f"Article {n}({m.group(1)})",
                     text=m.group(2), num=f"({m.group(1)})", parent=art)
        else:
            tree.append_text(art, p)


def _check_articles(tree: ProvisionTree) -> None:
    """Articles must run 1, 2, 3 ... without gaps (a gap means a lost heading)."""
    nums = [int(p.num) for p in tree.provisions if p.kind == "article"]
    if not nums:
        raise ParseError("expected articles ('Article N:'), none found")
    if nums != list(range(1, len(nums) + 1)):
        raise ParseError(f"articles out of sequence: {nums}")


_ART = re.compile(r"^(?:\*\*)?Article (\d{1,3})(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(.*)$")


@parser("cn_measures_text")
def parse_measures_text(data: bytes, doc_id: str) -> ParseResult:
    """A plain-text translation: a title line, then "Article N: ..." paragraphs."""
    paras = _paragraphs(decode_text(data))
    if not paras or _ART.match(paras[0]):
        raise ParseError("expected a title line before Article 1")
    tree = ProvisionTree(doc_id)
    tree.add("title", kind="heading", pinpoint="Title", text=paras[0])
    art, n, buf = None, "", []
    for p in paras[1:] + [None]:
        m = _ART.match(p) if p is not None else None
        if p is None or m:
            if art is not None:
                _add_article_items(tree, art, n, buf)
            if p is None:
                break
            n, buf = m.group(1), [m.group(2)]
            art = tree.add(f"art-{n}", kind="article", pinpoint=f"Article {n}", num=n)
        elif art is None:
            raise ParseError(f"expected 'Article 1:' after the title, got {p[:60]!r}")
        else:
            buf.append(p)
    _check_articles(tree)
    return tree.result("\n".join(paras))


# --- CASI markdown (Interim Measures) --------------------------------------------------

_MD_CHAPTER = re.compile(r"^#+\s*\*\*Section (\d{1,2}) (.+?)\*\*\s*$")
_MD_FOOTNOTE = re.compile(r"^([ivx]{1,5})(?=[\u300a\s])\s*(.*)$")   # "iii《...》", "i Translation by"
_MD_CLOSING = "This translation and publication does not constitute approval"


def _md_plain(p: str) -> str:
    p = re.sub(r"^#+\s*", "", p)
    p = re.sub(r"^-\s+", "", p)
    return p.replace("**", "").replace("*", "").strip()


@parser("cn_measures_markdown")
def parse_measures_markdown(data: bytes, doc_id: str) -> ParseResult:
    """The CASI markdown translation of the Interim Measures: order, signatories,
    chapters, articles and items, translator's footnotes."""
    paras = _paragraphs(decode_text(data))
    # CASI's series cover ("In Their Own Words" blurb, translator credit) comes before the
    # order's heading and its disclaimer is repeated in italics at the end: the translator's
    # publisher pages, not the Measures, so they are left out of the body.
    i_order = next((i for i, p in enumerate(paras)
                    if p.startswith("#") and re.search(r"\d{4}\s*$", p)), None)
    if i_order is None:
        raise ParseError("expected the order's heading (title with its date) before the Measures")
    try:
        i_number = next(i for i in range(i_order, len(paras)) if re.match(r"^Order Number \d+", paras[i]))
    except StopIteration:
        raise ParseError("expected 'Order Number N' in the promulgation order") from None
    order_no = re.match(r"^Order Number (\d+)", paras[i_number]).group(1)
    i_title = next((i for i in range(i_number, len(paras))
                    if paras[i].startswith("#") and not _MD_CHAPTER.match(paras[i])), None)
    if i_title is None:
        raise ParseError("expected the Measures' title heading after the order")
    body = [_md_plain(p) for p in paras[i_order:] if not _md_plain(p).startswith(_MD_CLOSING)]
    tree = ProvisionTree(doc_id)
    footnotes: list[str] = []

    def footnote(p: str) -> bool:
        m = _MD_FOOTNOTE.match(p)
        if m:
            footnotes.append((m.group(1), m.group(2)))
        return bool(m)

    # The order: title line, issuing authorities, number, promulgation paragraph; then the
    # signatories and the date.
    order = tree.add(f"order-{order_no}", kind="preamble", pinpoint=f"Order No. {order_no}",
                     heading=f"Order Number {order_no}", num=order_no)
    sig_lines = []
    seen_promulgation = False
    for p in paras[i_order:i_title]:
        t = _md_plain(p)
        if footnote(t):
            continue
        if not seen_promulgation:
            tree.append_text(order, t)
            seen_promulgation = "hereby promulgated" in t
        else:
            sig_lines.append(t)
    if not seen_promulgation or not sig_lines:
        raise ParseError("expected the promulgation paragraph and its signatories in the order")
    tree.add("signatures", kind="signature", pinpoint=f"Order No. {order_no}, signatures",
             text=" ".join(sig_lines), parent=order)
    tree.add("title", kind="heading", pinpoint="Title", text=_md_plain(paras[i_title]))

    chapter, art, n, buf = None, None, "", []

    def flush():
        if art is not None:
            _add_article_items(tree, art, n, buf)

    for p in paras[i_title + 1:]:
        t = _md_plain(p)
        if t.startswith(_MD_CLOSING):
            continue
        mc = _MD_CHAPTER.match(p)
        if mc:
            flush()
            art, buf = None, []
            chapter = tree.add(f"cpt-{mc.group(1)}", kind="chapter", pinpoint=f"Chapter {mc.group(1)}",
                               heading=mc.group(2).strip(), num=mc.group(1))
            continue
        ma = _ART.match(p)
        if ma:
            flush()
            if chapter is None:
                raise ParseError(f"Article {ma.group(1)} before the first chapter")
            n, buf = ma.group(1), [_md_plain(ma.group(2))]
            art = tree.add(f"art-{n}", kind="article", pinpoint=f"Article {n}", num=n,
                           parent=chapter, nest=False)
            continue
        if footnote(t):
            continue
        if art is None:
            raise ParseError(f"text outside any article: {t[:60]!r}")
        buf.append(t)
    flush()
    _check_articles(tree)
    for num, text in footnotes:
        # translator's notes (mostly the Chinese titles of the laws cited)
        tree.add(f"fn-{num}", kind="footnote", pinpoint=f"Translator's note {num}", text=text, num=num)
    return tree.result("\n".join(body))


# --- Global AI Governance Initiative (CAC HTML, zh + en) ---------------------------------

_P = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S | re.I)


def _html_text(fragment: str) -> str:
    return clean_space(htmlmod.unescape(re.sub(r"<[^>]+>", " ", fragment)))


@parser("cn_gaigi_html")
def parse_gaigi_html(data: bytes, doc_id: str) -> ParseResult:
    """The English part of the CAC page: title, introductory paragraphs, and the numbered
    proposals ("We should ...", numbered in print order: the page prints them as a list
    without numbers)."""
    try:
        page = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"expected a UTF-8 HTML page: {e}") from None
    if "<p" not in page.lower():
        raise ParseError("expected an HTML page with <p> paragraphs")
    paras = [_html_text(m.group(1)) for m in _P.finditer(page)]
    try:
        i_title = paras.index("Global AI Governance Initiative")
    except ValueError:
        raise ParseError("expected the English heading 'Global AI Governance Initiative', not found") from None
    # body_text is the English part only: the page's Chinese text (before that heading) is
    # the same Initiative in the other official language, outside this English-language
    # pipeline; the CMS breadcrumb before it and the site footer after it are navigation.
    english = []
    for p in paras[i_title:]:
        if not p:
            continue
        if re.search(r"[\u4e00-\u9fff]", p):
            break   # the site footer (Chinese) follows the last proposal
        english.append(p)
    tree = ProvisionTree(doc_id)
    tree.add("title", kind="heading", pinpoint="Title", text=english[0])
    n_intro = n_prop = 0
    for p in english[1:]:
        if re.match(r"We (?:should|must)\b", p) and n_intro:
            n_prop += 1
            tree.add(f"proposal-{n_prop}", kind="proposal", pinpoint=f"Proposal {n_prop}",
                     text=p, num=str(n_prop))
        elif n_prop:
            raise ParseError(f"expected only proposals after the first one, got {p[:60]!r}")
        else:
            n_intro += 1
            tree.add(f"par-{n_intro}", kind="paragraph", pinpoint=f"Introduction, paragraph {n_intro}",
                     text=p)
    if not n_prop:
        raise ParseError("expected proposals beginning 'We should ...', none found")
    return tree.result("\n".join(english))


# --- TC260 AI Safety Governance Framework (AGORA text) -----------------------------------

_SEC = re.compile(r"^(\d{1,2})\.\s+(\S.*)$")
_SUB = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,2})\s+(\S.*)$")
_LETTER = re.compile(r"^\(([a-z])\)\s*(.*)$")
_TABLE = re.compile(r"^Table of ")


@parser("cn_tc260_text")
def parse_tc260_text(data: bytes, doc_id: str) -> ParseResult:
    """Title, introduction, sections "1." ... "6.", subsections "3.1"/"3.1.1", lettered
    items, and the closing table (omitted from the conversion, kept as a marked heading)."""
    paras = _paragraphs(decode_text(data))
    if len(paras) < 3 or _SEC.match(paras[0]):
        raise ParseError("expected a title and an introduction before section 1")
    tree = ProvisionTree(doc_id)
    tree.add("title", kind="heading", pinpoint="Title", text=paras[0])
    nodes: dict[str, Provision] = {}
    cur: Provision | None = None
    sec: Provision | None = None
    last_num: tuple[int, ...] = ()
    notes: list[str] = []
    i = 1
    intro = tree.add("preamble", kind="preamble", pinpoint="Introduction")
    cur = intro
    while i < len(paras):
        p = paras[i]
        i += 1
        ms, mu, ml = _SEC.match(p), _SUB.match(p), _LETTER.match(p)
        if ms and (int(ms.group(1)),) == (last_num[:1][0] + 1 if last_num else 1,):
            num = ms.group(1)
            last_num = (int(num),)
            sec = cur = nodes[num] = tree.add(f"sec-{num}", kind="section", pinpoint=f"Section {num}",
                                              heading=ms.group(2), num=num)
            continue
        if mu and sec is not None and mu.group(1).split(".")[0] == sec.num:
            num = mu.group(1)
            parts = tuple(int(x) for x in num.split("."))
            parent = nodes.get(".".join(num.split(".")[:-1]))
            if parent is None:
                raise ParseError(f"subsection {num} without its parent")
            # "5.1 To implement ... We should ...": heading and text share one line
            head, text = (mu.group(2), "") if not re.search(r"\.\s", mu.group(2)) else ("", mu.group(2))
            cur = nodes[num] = tree.add(f"sec-{num}", kind="subsection", pinpoint=f"Section {num}",
                                        heading=head, text=text, num=num, parent=parent, nest=False)
            last_num = parts
            continue
        if ml and cur is not None and cur.kind in ("subsection", "item"):
            owner = cur if cur.kind == "subsection" else next(
                x for x in tree.provisions if x.id == cur.parent_id)
            letter = ml.group(1)
            if letter == "a" and any(x.parent_id == owner.id for x in tree.provisions):
                # the lettering restarts: the conversion lost the next subsection's heading
                # (AGORA's text drops "4.2.2"); the items belong to that unprinted number
                parts = tuple(int(x) for x in owner.num.split("."))
                gap = ".".join(map(str, parts[:-1] + (parts[-1] + 1,)))
                parent = nodes.get(".".join(gap.split(".")[:-1]))
                owner = nodes[gap] = tree.add(f"sec-{gap}", kind="subsection",
                                              pinpoint=f"Section {gap}", num=gap,
                                              parent=parent, nest=False)
                last_num = parts[:-1] + (parts[-1] + 1,)
                notes.append(f"section {gap}: heading missing from the conversion; "
                             "its items follow section " + ".".join(map(str, parts)))
            body = ml.group(2).strip()
            head = ""
            # "(a) Risks of explainability" followed by its paragraph: a titled item
            if (i < len(paras) and not body.endswith((".", ";", ":"))
                    and not (_SEC.match(paras[i]) or _SUB.match(paras[i]) or _LETTER.match(paras[i])
                             or _TABLE.match(paras[i]))):
                head, body = body, ""
            cur = tree.add(letter, kind="item", pinpoint=f"Section {owner.num}({letter})",
                           heading=head, text=body, num=f"({letter})", parent=owner)
            continue
        if _TABLE.match(p):
            # the closing risk-to-measures table is "[Omitted.]" in the conversion
            rest = []
            while i < len(paras):
                rest.append(paras[i])
                i += 1
            cur = tree.add("table", kind="heading", pinpoint="Table (risks to measures)",
                           heading=p, text=" ".join(rest))
            notes.append("closing table omitted in the conversion: " + " ".join(rest))
            continue
        tree.append_text(cur, p)
    if sec is None:
        raise ParseError("expected numbered sections '1. ...', none found")
    return tree.result("\n".join(paras), notes)
