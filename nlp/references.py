"""Resolution of parsed cross-references to provision ids of the corpus.

``nlp.components.crossrefs.find_references`` says what a text cites ("Article 50(2)",
"paragraph 3 of this Article", "Article 9 of Regulation (EU) 2016/679"); this module says
which provision that is, given where the text stands (its document and provision id) and
which ids exist. Id conventions are the corpus's (README "Provisions"): ``art-N``,
``art-N/par-M``, ``art-N/par-M/sub-K`` (the K-th subparagraph, K >= 2; the first is the
paragraph itself), ``.../pt-a``, ``art-3/pt-1`` (definitions: numbered points without
paragraphs), ``rct-N``, ``anx-iii``, ``anx-iii/pt-1``, ``anx-i/sct-a``, ``cpt-iii/sct-2``,
and the US ``sec-N/a/i``.
"""
from __future__ import annotations

from nlp.components import load_data


def known_docs(known_ids) -> set[str]:
    """The document ids of a set of provision ids (``eu-ai-act/art-5`` -> ``eu-ai-act``)."""
    return {k.split("/", 1)[0] for k in known_ids}


def _context(context_id: str | None, doc_id: str) -> dict:
    """The article / paragraph / subparagraph / annex / section / points a provision id
    stands in, so that relative references ("paragraph 3", "point (b)") can be completed."""
    ctx: dict = {"points": []}
    if not context_id or not context_id.startswith(doc_id + "/"):
        return ctx
    for seg in context_id[len(doc_id) + 1:].split("/"):
        kind, _, num = seg.partition("-")
        if kind == "art":
            ctx["article"] = num
        elif kind == "par":
            ctx["paragraph"] = num
        elif kind == "sub":
            ctx["subparagraph"] = num
        elif kind == "anx":
            ctx["annex"] = num
        elif kind == "sec":
            ctx["section"] = num
        elif kind == "pt":
            ctx["points"].append(num)
        elif kind == "sct" and "annex" in ctx:
            ctx["annex_section"] = num
    return ctx


def _paths(ref: dict, ctx: dict, scheme: dict) -> list[str]:
    """Candidate paths (below the document id) for ``ref``, best first."""
    this = set(ref.get("this", []))
    art = ref.get("article") or (ctx.get("article") if "article" in this or (
        ("paragraph" in ref or "subparagraph" in ref or "point" in ref or "paragraph" in this)
        and not any(k in ref for k in ("annex", "recital", "chapter", "section", "subsection"))) else None)
    par = ref.get("paragraph") or (ctx.get("paragraph") if "paragraph" in this or (
        not ref.get("article") and art and ("subparagraph" in ref or "point" in ref)
        and "paragraph" not in ref) else None)
    sub = ref.get("subparagraph")
    pts = [f"pt-{p}" for p in ref.get("point", [])]
    out: list[str] = []
    if ref.get("recital"):
        return [f"rct-{ref['recital']}"]
    if ref.get("annex"):
        base = f"anx-{ref['annex'].lower()}"
        if ref.get("section"):
            base += f"/sct-{ref['section'].lower()}"
        return ["/".join([base] + pts), "/".join([base] + _dotted(ref.get("point", [])))]
    if ref.get("chapter"):
        base = f"cpt-{ref['chapter'].lower()}"
        return [base + (f"/sct-{ref['section']}" if ref.get("section") else "")]
    if ref.get("section") or ref.get("subsection"):
        sec = ref.get("section") or ctx.get("section")
        rest = ref.get("subdivision", []) + ref.get("subsection", [])
        return ["/".join([f"sec-{sec}"] + rest)] if sec else []
    if art:
        segs = [f"art-{art}"]
        if par:
            segs.append(f"par-{par}")
        if sub and sub > 1:
            segs.append(f"sub-{sub}")
        if not ref.get("paragraph") and not sub and "point" in ref and not ref.get("article") \
                and ctx.get("subparagraph"):
            segs.append(f"sub-{ctx['subparagraph']}")
        out.append("/".join(segs + pts))
        if par and not sub:
            # Article 3(1) cites a definition: article 3 has numbered points, not paragraphs;
            # Article 113(3) an article of unnumbered subparagraphs.
            out.append("/".join([f"art-{art}", f"pt-{par}"] + pts))
            out.append("/".join([f"art-{art}", f"sub-{par}"] + pts))
        if not ref.get("paragraph") and ref.get("point") and not ref.get("article"):
            out.append("/".join([f"art-{art}"] + pts))
        return out
    if ref.get("paragraph") and scheme.get("paragraphs"):
        return ["/".join([scheme["paragraphs"].format(n=ref["paragraph"])] + pts)]
    if ref.get("point"):
        # A bare point inside an annex: "point 2" is a point of the annex, "point (a)" one
        # of the numbered point the text stands in.
        if not ctx.get("annex"):
            return []
        parent = [f"anx-{ctx['annex']}"] + ([f"sct-{ctx['annex_section']}"] if ctx.get("annex_section") else [])
        if ctx["points"] and not ref["point"][0].isdigit():
            parent.append(f"pt-{ctx['points'][0]}")
        return ["/".join(parent + pts)]
    return out


def _dotted(points: list[str]) -> list[str]:
    """Point 4.6 of an annex is stored under point 4: pt-4/pt-4.6."""
    out = []
    for p in points:
        if "." in p:
            out.append(f"pt-{p.split('.')[0]}")
        out.append(f"pt-{p}")
    return out


def _unique_suffix(prefix: str, suffix: str, known_ids) -> str | None:
    """The one known id under ``prefix`` ending in ``suffix``, if exactly one: a bare
    "point (h)(iii)" written in another paragraph of the same article."""
    hits = [k for k in known_ids if k.startswith(prefix) and k.endswith(suffix)]
    return hits[0] if len(hits) == 1 else None


def _nearest(path: str, doc: str, known_ids) -> str | None:
    segs = path.split("/")
    for n in range(len(segs) - 1, 0, -1):
        cand = f"{doc}/{'/'.join(segs[:n])}"
        if cand in known_ids:
            return cand
    return None


def resolve(refs: list[dict], doc_id: str, context_id: str | None, known_ids, *,
            docs: set[str] | None = None, data: str = "acts.yaml") -> list[dict]:
    """Copies of ``refs`` (from ``find_references``) with ``target_id``: the provision id
    in the corpus, the document id for a reference to a whole act in the corpus, or None
    when the target is not in ``known_ids``. ``doc_id`` / ``context_id`` are the document
    and the provision where the text stands (relative references are completed from
    ``context_id``: "paragraph 3 of this Article" in ``eu-ai-act/art-6/par-1`` ->
    ``eu-ai-act/art-6/par-3``). Also adds ``target_doc`` (the cited document or None),
    ``resolved`` (bool) and, for an unresolved address inside a known document,
    ``nearest_id`` (the deepest existing ancestor, e.g. the article of a missing point).
    ``docs`` (``known_docs(known_ids)``) may be passed to save recomputing it per call."""
    docs = known_docs(known_ids) if docs is None else docs
    schemes = load_data(data)["acts"]
    ctx_self = _context(context_id, doc_id)
    out = []
    for ref in refs:
        r = dict(ref)
        act = ref.get("act")
        target_doc = act.get("id") if act else doc_id
        is_self = not act or target_doc == doc_id
        r.update(target_id=None, target_doc=target_doc if target_doc in docs else None, resolved=False)
        if ref["type"] == "act":
            if target_doc in docs:
                r.update(target_id=target_doc, resolved=True)
            out.append(r)
            continue
        if target_doc not in docs:
            out.append(r)
            continue
        ctx = ctx_self if is_self else {"points": []}
        for path in _paths(ref, ctx, schemes.get(target_doc, {})):
            cand = f"{target_doc}/{path}"
            if cand in known_ids:
                r.update(target_id=cand, resolved=True)
                break
        else:
            paths = _paths(ref, ctx, schemes.get(target_doc, {}))
            bare = ref.get("point") and not any(k in ref for k in ("article", "paragraph", "annex"))
            hit = (_unique_suffix(f"{target_doc}/art-{ctx['article']}/", "/" + "/".join(
                f"pt-{p}" for p in ref["point"]), known_ids) if bare and ctx.get("article") else None)
            if hit:
                r.update(target_id=hit, resolved=True)
            elif paths:
                r["nearest_id"] = _nearest(paths[0], target_doc, known_ids)
        out.append(r)
    return out
