"""Cross-references: the ``govkb_crossrefs_v1`` component and its parser.

Reads: the text of the Doc (nothing from other components).
Writes: ``Doc._.references``: one dict per referenced address, in text order (see
:func:`find_references`). Resolution to provision ids needs the corpus and is done by
``nlp.references.resolve``.

References are parsed at the character level, not on tokens: their grammar lives inside
tokens ("50(2)", "2016/679", "A/RES/78/265") that the tokenizer splits unevenly. A
reference is a *chain* of elements joined by "," or "of" ("point (a) of Article 5(1) of
Regulation (EU) 2016/679", "Article 5(1), first subparagraph, point (h)", "Annex III,
point 1"); an element may list or range its numbers ("Articles 8 to 15", "Article 6(1)
and (2)", "points (a) and (b)"), and each combination becomes one reference. Known acts
and their citation forms come from ``nlp/data/acts.yaml``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import product

from spacy.language import Language
from spacy.tokens import Doc

from nlp.components import load_data, set_extension

set_extension(Doc, "references", default=None)

MAX_EXPANSION = 64   # a range such as "Articles 1 to 113" is kept, but not blown up further
_SEP = r"(?:\s*,\s*(?:and|or)\s+|\s*,\s*|\s+(?:and/or|and|or|to)\s+)"
_ROMAN = r"[IVXLC]+\b"
_ORD = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last"
_ART = r"\d+[a-z]?(?:\(\d+[a-z]?\))*(?:\([a-z]{1,4}\))*|\(\d+[a-z]?\)(?:\([a-z]{1,4}\))*"
_PAR = r"\(?\d+[a-z]?\)?(?:\([a-z]{1,4}\))*"
_PT = r"\([a-z0-9]{1,5}\)(?:\([a-z0-9]{1,5}\))*|\d+(?:\.\d+)*[a-z]?(?:\s?\([a-z0-9]{1,5}\))*"
_CPT = _ROMAN + r"|\d+"
_SUBSEC = r"\([a-z]\)(?:\([a-z0-9]{1,5}\))*"
_RCT = r"\(?\d+\)?"
_SEC = r"[A-Z]\b|\d+(?:\.\d+)*(?:\([a-z0-9]{1,5}\))*"


def _listed(item: str) -> str:
    return rf"(?:{item})(?:{_SEP}(?:{item}))*"


# Structural elements: (slot, regex with an `items` group).
_ELEMENTS = [
    ("article", rf"\b(?:Articles?|articles?|Arts?\.)\s+(?P<items>{_listed(_ART)})"),
    ("paragraph", rf"\b(?:paragraphs?|Paragraphs?|paras?\.)\s+(?P<items>{_listed(_PAR)})"),
    ("subparagraph", rf"\b(?P<items>(?:{_ORD})(?:{_SEP}(?:{_ORD}))*)\s+subparagraphs?\b"),
    ("point", rf"\b(?:points?|Points?)\s+(?P<items>{_listed(_PT)})"),
    ("annex", rf"\b(?:Annex(?:es)?)\s+(?P<items>{_listed(_ROMAN)})"),
    ("chapter", rf"\b(?:Chapters?)\s+(?P<items>{_listed(_CPT)})"),
    ("section", rf"\b(?:Sections?|sections?|Secs?\.)\s+(?P<items>{_listed(_SEC)})"),
    ("subsection", rf"\b(?:subsections?)\s+(?P<items>{_listed(_SUBSEC)})"),
    ("recital", rf"\b(?:[Rr]ecitals?)\s+(?P<items>{_listed(_RCT)})"),
    ("this", r"\b(?P<det>this|that|the present)\s+(?P<items>Article|paragraph|subparagraph|point|Annex|"
             r"Chapter|Section|section|subsection|Regulation|Directive|Decision|Convention|order|Order|"
             r"memorandum|Memorandum|Recommendation|resolution|Resolution)\b"),
]
# Citations of acts: (family, regex). The key built from them must match acts.yaml's `cites`.
_ACTS = [
    ("eu", r"\b(?:(?:Council|Commission)\s+)?(?:Implementing\s+|Delegated\s+)?(?P<type>Regulation|Directive|"
           r"Decision)\s+(?:\((?:EU|EC|EEC|EU,\s*Euratom)\)\s+)?(?:No\.?\s+)?(?P<num>\d{1,4}/\d{1,4})"
           r"(?:/(?:EU|EC|EEC|JHA|CFSP))?\b"),
    ("eo", r"\b(?:Executive\s+Order|E\.\s?O\.|EO)\s+(?:No\.\s+)?(?P<num>1\d{4})\b"),
    ("omb", r"\b(?:OMB\s+)?(?:Memorandum\s+)?M-(?P<num>\d{2}-\d{2})\b"),
    ("un", r"(?:\bA/RES/|\b(?:General\s+Assembly\s+)?resolution\s+)(?P<num>\d{2,3}/\d{1,4})\b"),
    ("nist", r"\bNIST\s+(?:AI\s+)?(?P<num>\d{3}-\d+)\b"),
    ("cets", r"\bCETS\s+No\.?\s*(?P<num>\d+)\b"),
    ("itu", r"\bITU-T\s+(?:Recommendation\s+)?(?P<num>[A-Z]\.\d{3,4})\b"),
]
_ELEMENT_RE = [(slot, re.compile(rx)) for slot, rx in _ELEMENTS]
_ACT_RE = [(fam, re.compile(rx)) for fam, rx in _ACTS]
_SPLIT = re.compile(rf"({_SEP})")
_JOIN_OF = re.compile(r"^(?:\s+of\s+(?:the\s+)?|\s*,\s*of\s+(?:the\s+)?|\s+to\s+(?:the\s+)?)$")
_JOIN_COMMA = re.compile(r"^\s*,\s*$")
# What follows a chain that cites another instrument the grammar does not parse ("Article
# 114 TFEU", "Article 16 of the Treaty on the Functioning ..."): the chain is external.
_EXTERNAL = re.compile(r"\s*(?:TEU|TFEU|of\s+(?:the\s+)?(?:Treaty|Treaties|Charter|Protocol|Statute)|"
                       r"of\s+the\s+Annex\s+to)\b")
_DEPTH = ["point", "subparagraph", "paragraph", "article", "recital", "subsection", "section", "annex",
          "chapter", "act"]


def act_key(family: str, m: re.Match) -> str:
    """The normalised key of an act citation: 'regulation 2016/679', 'eo 14179', ..."""
    num = m.group("num")
    if family == "eu":
        return f"{m.group('type').lower()} {num}"
    return f"{family} {num.lower()}"


@lru_cache(maxsize=None)
def act_table(data: str = "acts.yaml") -> tuple[dict[str, str], list[tuple[re.Pattern, str]], dict]:
    """(citation key -> doc id, [(name regex, doc id)], doc id -> entry) from acts.yaml."""
    cfg = load_data(data)["acts"]
    keys, names = {}, []
    for doc_id, entry in cfg.items():
        for cite in entry.get("cites", []):
            found = [act_key(fam, m) for fam, rx in _ACT_RE for m in [rx.search(cite)] if m]
            if not found:
                raise ValueError(f"acts.yaml: {doc_id}: the grammar does not parse {cite!r}")
            keys[found[0]] = doc_id
        for name in sorted(entry.get("names", []), key=len, reverse=True):
            names.append((re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])"), doc_id))
    names.sort(key=lambda x: -len(x[0].pattern))
    return keys, names, cfg


def _elements(text: str, data: str) -> list[dict]:
    """Every element and act citation in ``text``, without overlaps, in text order."""
    keys, names, _ = act_table(data)
    found = []
    for slot, rx in _ELEMENT_RE:
        for m in rx.finditer(text):
            found.append({"slot": slot, "start": m.start(), "end": m.end(), "items": m.group("items"),
                          "det": m.groupdict().get("det")})
    for fam, rx in _ACT_RE:
        for m in rx.finditer(text):
            key = act_key(fam, m)
            found.append({"slot": "act", "start": m.start(), "end": m.end(),
                          "act": {"raw": m.group(0), "normalised": key, "id": keys.get(key)}})
    for rx, doc_id in names:
        for m in rx.finditer(text):
            found.append({"slot": "act", "start": m.start(), "end": m.end(),
                          "act": {"raw": m.group(0), "normalised": m.group(0).lower(), "id": doc_id}})
    found.sort(key=lambda e: (e["start"], -(e["end"] - e["start"])))
    out, last_end = [], -1
    for e in found:
        if e["start"] >= last_end:
            out.append(e)
            last_end = e["end"]
    return out


# Which element may follow which: after a comma a chain goes down the hierarchy
# ("Article 5(1), first subparagraph, point (h)", "Annex III, point 1"), after "of" it goes
# up ("point (a) of paragraph 1 of Article 5 of Regulation (EU) 2016/679"), and once it has
# gone up or reached an act it only goes further up. So a plain list ("Article 5, Article
# 6, Annex III") is not mistaken for one address.
_CHILD = {"article": {"paragraph", "subparagraph", "point"}, "paragraph": {"subparagraph", "point"},
          "subparagraph": {"point"}, "annex": {"section", "point"}, "chapter": {"section"},
          "section": {"subsection", "point"}}
_PARENT = {"point": {"point", "subparagraph", "paragraph", "article", "annex", "section"},
           "subparagraph": {"paragraph", "article"}, "paragraph": {"article", "section"},
           "subsection": {"section"}, "section": {"annex", "chapter"}}
_TOP = {"act", "this"}


def _chains(text: str, elements: list[dict]) -> list[list[tuple[str, dict]]]:
    """Group elements into chains of (join, element); the first join is ''."""
    chains: list[list[tuple[str, dict]]] = []
    for e in elements:
        if chains:
            chain = chains[-1]
            prev = chain[-1][1]
            gap = text[prev["end"]:e["start"]]
            slots = {x["slot"] for _, x in chain}
            went_up = any(j == "of" for j, _ in chain) or prev["slot"] in _TOP
            fresh = e["slot"] not in slots or e["slot"] == "point"
            down = (_JOIN_COMMA.match(gap) and not went_up and fresh
                    and e["slot"] in _CHILD.get(prev["slot"], ()))
            up = (_JOIN_OF.match(gap) and fresh and prev["slot"] not in _TOP
                  and (e["slot"] in _TOP or e["slot"] in _PARENT.get(prev["slot"], ()))
                  and not (gap.strip().startswith("to") and e["slot"] not in _TOP))
            if down or up:
                chain.append(("," if down else "of", e))
                continue
        chains.append([("", e)])
    return chains


def _roman(s: str) -> int:
    vals = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for a, b in zip(s, s[1:] + " "):
        total += -vals[a] if vals.get(b, 0) > vals[a] else vals[a]
    return total


def _to_roman(n: int) -> str:
    out = ""
    for v, r in [(100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"),
                 (1, "I")]:
        while n >= v:
            out, n = out + r, n - v
    return out


def _expand(a: str, b: str) -> list[str] | None:
    """The values strictly between a and b of a range, when both have the same shape."""
    if a.isdigit() and b.isdigit() and int(a) < int(b):
        return [str(i) for i in range(int(a) + 1, int(b))]
    if re.fullmatch(_ROMAN, a) and re.fullmatch(_ROMAN, b) and _roman(a) < _roman(b):
        return [_to_roman(i) for i in range(_roman(a) + 1, _roman(b))]
    if len(a) == len(b) == 1 and a.isalpha() and b.isalpha() and a < b:
        return [chr(c) for c in range(ord(a) + 1, ord(b))]
    return None


def _parse_item(slot: str, raw: str) -> dict:
    """One listed number of an element -> address fields."""
    raw = raw.strip()
    if slot == "subparagraph":
        n = _ORD.split("|").index(raw) + 1
        return {"subparagraph": -1 if raw == "last" else n}
    if slot in ("annex", "chapter", "recital"):
        return {slot: raw.strip("()")}
    if slot == "this":
        return {"this": raw.lower()}
    head = re.match(r"^\(?([0-9]+(?:\.[0-9]+)*[a-z]?|[A-Z])\)?", raw)
    parens = re.findall(r"\(([a-z0-9.]{1,5})\)", raw[head.end():] if head else raw)
    first = head.group(1) if head and not raw.startswith("(") else None
    if slot == "article":
        out = {"article": first} if first else {}
        digits = [p for p in (([raw.strip("()")] if raw.startswith("(") else []) + parens) if p.isdigit()]
        letters = [p for p in parens if not p.isdigit()]
        if raw.startswith("("):
            digits = [re.match(r"\((\d+[a-z]?)\)", raw).group(1)]
        if digits:
            out["paragraph"] = digits[0]
        if letters:
            out["point"] = letters
        return out
    if slot == "paragraph":
        num = re.match(r"\(?(\d+[a-z]?)\)?", raw).group(1)
        rest = re.findall(r"\(([a-z]{1,4})\)", raw[len(num) + 2 * raw.startswith("("):])
        return {"paragraph": num, **({"point": rest} if rest else {})}
    if slot == "point":
        return {"point": ([first] if first else []) + re.findall(r"\(([a-z0-9.]{1,5})\)", raw)}
    if slot == "section":
        return {"section": first, **({"subdivision": parens} if parens else {})}
    if slot == "subsection":
        return {"subsection": re.findall(r"\(([a-z0-9]{1,5})\)", raw)}
    raise ValueError(slot)


def _items(e: dict) -> list[dict]:
    """The addresses one element lists, ranges expanded; '(2)' after 'Article 6(1)' keeps 6."""
    if e["slot"] == "act":
        return [{"act": e["act"]}]
    if e["slot"] == "this":
        return [{"this": e["items"].lower(), "det": e["det"]}]
    parts = _SPLIT.split(e["items"])
    values, out = parts[0::2], []
    seps = [s.strip() for s in parts[1::2]]
    for i, raw in enumerate(values):
        item = _parse_item(e["slot"], raw)
        if e["slot"] == "article" and "article" not in item and out:
            item = {"article": out[-1].get("article"), **item}
        if i and seps[i - 1] == "to" and out:
            key = next((k for k in ("paragraph", "article", "annex", "recital", "chapter", "section")
                        if k in item and k in out[-1] and item.get(k) != out[-1].get(k)), None)
            if key is None and item.get("point") and out[-1].get("point"):
                mids = _expand(out[-1]["point"][-1], item["point"][-1]) or []
                out += [{**item, "point": item["point"][:-1] + [v]} for v in mids]
            elif key:
                mids = _expand(str(out[-1][key]), str(item[key])) or []
                out += [{**out[-1], key: v} for v in mids]
        out.append(item)
    return out[:MAX_EXPANSION]


def _merge(acc: dict, item: dict, join: str) -> dict:
    """Combine an element's address into the chain's: after 'of' the element contains what
    came before (its points are outer), after ',' it is inside it (its points are inner)."""
    out = dict(acc)
    for k, v in item.items():
        if k == "point" and "point" in out:
            out["point"] = (v + out["point"]) if join == "of" else (out["point"] + v)
        elif k == "this":
            out.setdefault("this", []).append(v)
        elif k not in out:
            out[k] = v
    return out


def find_references(text: str, data: str = "acts.yaml") -> list[dict]:
    """Parse every reference in ``text``. Each result: ``text`` (the whole chain as
    written), ``start``/``end`` (character offsets), ``type`` (the deepest level:
    point, subparagraph, paragraph, article, recital, subsection, section, annex, chapter,
    act), the parsed address (``article``, ``paragraph``, ``subparagraph`` (1-based, -1 for
    "last"), ``point`` (list, outermost first), ``annex``, ``chapter``, ``section``,
    ``subdivision``, ``subsection``, ``recital``: those present), ``act`` (``{"raw",
    "normalised", "id"}``, id from acts.yaml or None; absent for the document itself) and
    ``this`` (self-references such as ["article"] for "of this Article"). A chain listing
    several addresses ("Articles 8 to 15") yields one result per address, same text and
    span. A chain of only "this Regulation" is not a reference."""
    out, last_act = [], None
    for chain in _chains(text, _elements(text, data)):
        start, end = chain[0][1]["start"], chain[-1][1]["end"]
        combos: list[dict] = [{}]
        for join, e in chain:
            if e["slot"] == "this" and e["det"] == "that" and e["items"][0].isupper() and last_act:
                items = [{"act": {**last_act, "raw": text[e["start"]:e["end"]]}}]
            else:
                items = _items(e)
            combos = [_merge(a, it, join) for a, it in product(combos, items)][:MAX_EXPANSION]
            if e["slot"] == "act":
                last_act = e["act"]
        ext = _EXTERNAL.match(text, end) if not any(e["slot"] == "act" for _, e in chain) else None
        for c in combos:
            c.pop("det", None)
            if ext and "act" not in c:
                c["act"] = {"raw": ext.group(0).strip(), "normalised": None, "id": None}
            kind = next((k for k in _DEPTH if k in c), None)
            if kind is None:
                continue
            out.append({"text": text[start:end], "start": start, "end": end, "type": kind, **c})
    return out


class CrossReferences:
    """Spacy component wrapper around :func:`find_references`."""

    def __init__(self, name: str, data: str):
        self.name, self.data = name, data
        act_table(data)   # fail at construction on a bad acts file, not on the first text

    def __call__(self, doc: Doc) -> Doc:
        doc._.references = find_references(doc.text, self.data)
        return doc


@Language.factory("govkb_crossrefs_v1", default_config={"data": "acts.yaml"})
def make_crossrefs(nlp: Language, name: str, data: str) -> CrossReferences:
    """Cross-references in the text, with acts known from ``data`` (under nlp/data)."""
    return CrossReferences(name, data)
