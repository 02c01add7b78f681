"""What `govkb review` prints: the machine's agreement with the reviews (``stats``) and the
next items worth a reviewer's time (``queue``), both read from a built knowledge base.

The queue is blind by default: it shows the texts a reviewer needs, not the machine's
verdict, so that a review is a reading of the text and not a copy of the machine.
"""
from __future__ import annotations

import json
import random
from collections import Counter

from nlp.reviews import CELL_LABELS, RELATIONS
from nlp.stage import DEFAULT_BASELINE

BASELINES = DEFAULT_BASELINE.parent
CORE_THEMES = ("privacy", "transparency", "content")
NOT_PROPOSED = "not proposed"
# A theme review rests on a provision's whole text (its heading and every sub-provision), so the
# queue prints all of it, one sub-provision per line, up to this many characters (a chapter can
# run to tens of thousands; past the bound the queue says what it left out and where to read it).
THEME_TEXT_CHARS = 20_000


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def stats(kb) -> dict:
    """Coverage, stale counts and the machine's agreement with the current reviews, per kind."""
    records = kb.reviews()
    div = kb.divergence() or {"cells": [], "baseline": None}
    out: dict = {"baseline": div.get("baseline"), "kinds": {}}
    for kind in ("cell", "link", "theme"):
        rs = [r for r in records if r["kind"] == kind]
        st = Counter(r["status"] for r in rs)
        out["kinds"][kind] = {"reviews": len(rs), "current": st["current"], "stale": st["stale"],
                              "absent": st["absent"]}
    cur = lambda kind: [r for r in records if r["kind"] == kind and r["status"] == "current"]

    # cells: the label against the machine's label for the same cell
    cells = cur("cell")
    core = {(c["instrument"], c["theme"]) for c in div["cells"] if c["theme"] in CORE_THEMES}
    reviewed_core = {(r["subject"].removeprefix("family:"), r["theme"]) for r in cells
                     if r["baseline"] == div.get("baseline")} & core
    conf = Counter((r["machine"], r["verdict"]) for r in cells if r["machine"])
    judged = sum(conf.values())
    out["kinds"]["cell"].update(
        cells_total=len(div["cells"]), core_cells=len(core), core_reviewed=len(reviewed_core),
        agreement=(sum(n for (m, v), n in conf.items() if m == v) / judged) if judged else None,
        opposite=sum(n for (m, v), n in conf.items() if {m, v} == {"aligned", "divergent"}),
        confusion={f"{m} -> {v}": n for (m, v), n in sorted(conf.items())}, labels=list(CELL_LABELS))

    # links: did the machine propose the pair, and with which relation
    links = cur("link")
    positive = [r for r in links if r["verdict"] != "unrelated"]
    proposed = [r for r in links if r["machine"]]
    conf = Counter(((r["machine"] or {}).get("relation", NOT_PROPOSED), r["verdict"]) for r in links)
    acc_m = [r for r in proposed if r["machine"].get("status") == "accepted"]
    out["kinds"]["link"].update(
        sources=len({r["source"] for r in links}), positive=len(positive),
        added_by_reviewers=sum(bool(r.get("added")) for r in links),
        positive_proposed=sum(bool(r["machine"]) for r in positive) / len(positive) if positive else None,
        proposed_right=(sum(r["verdict"] != "unrelated" for r in proposed) / len(proposed)) if proposed else None,
        accepted_right=(sum(r["verdict"] != "unrelated" for r in acc_m) / len(acc_m)) if acc_m else None,
        relation_agreement=(sum(r["machine"]["relation"] == r["verdict"] for r in proposed) / len(proposed))
        if proposed else None,
        confusion={f"{m} -> {v}": n for (m, v), n in sorted(conf.items())}, relations=list(RELATIONS))

    # themes: per theme precision / recall / F1 of the machine against the reviewed sets
    themes = cur("theme")
    per = {}
    ids = sorted({t for r in themes for t in (r["verdict"] or [])} | {t for r in themes for t in (r["machine"] or [])})
    for t in ids:
        tp = sum(t in r["verdict"] and t in (r["machine"] or []) for r in themes)
        fp = sum(t not in r["verdict"] and t in (r["machine"] or []) for r in themes)
        fn = sum(t in r["verdict"] and t not in (r["machine"] or []) for r in themes)
        p, rc, f = _f1(tp, fp, fn)
        per[t] = {"support": tp + fn, "precision": round(p, 3), "recall": round(rc, 3), "f1": round(f, 3)}
    supported = [v["f1"] for v in per.values() if v["support"]]
    out["kinds"]["theme"].update(
        provisions_total=kb.db.execute("SELECT count(*) FROM provisions").fetchone()[0],
        documents=len({r["provision"].split("/", 1)[0] for r in themes}),
        exact_set_agreement=(sum(sorted(r["machine"] or []) == r["verdict"] for r in themes) / len(themes))
        if themes else None,
        macro_f1=(sum(supported) / len(supported)) if supported else None, per_theme=per,
        held_out=_theme_model_held_out())
    return out


def _theme_model_held_out() -> dict | None:
    """The shipped theme model's figures held out (leave one instrument out), as trained: the
    machine's tags on reviewed provisions come from a model trained on those very reviews."""
    from nlp.theme_model import ThemeModel
    try:
        return ThemeModel.load().data.get("trained", {}).get("held_out")
    except ValueError:
        return None


def format_stats(s: dict) -> str:
    """``stats`` as the text `govkb review stats` prints (and the methodology page quotes)."""
    pct = lambda x: "-" if x is None else f"{x:.3f}"
    c, l, t = s["kinds"]["cell"], s["kinds"]["link"], s["kinds"]["theme"]
    lines = [f"Reviews against the build (baseline {s['baseline']}): current / stale / not in this build",
             f"  cells   {c['reviews']:>5}  {c['current']} / {c['stale']} / {c['absent']}",
             f"  links   {l['reviews']:>5}  {l['current']} / {l['stale']} / {l['absent']}",
             f"  themes  {t['reviews']:>5}  {t['current']} / {t['stale']} / {t['absent']}", "",
             f"Cells: {c['core_reviewed']} of the {c['core_cells']} cells on privacy, transparency and content "
             f"reviewed; {c['current']} of {c['cells_total']} cells in all.",
             f"  machine label = reviewed label: {pct(c['agreement'])}; opposite labels (aligned <-> divergent): "
             f"{c['opposite']}",
             "  machine -> reviewed:"] + [f"    {k:<42} {n}" for k, n in c["confusion"].items()]
    lines += ["", f"Links: {l['current']} verdicts on {l['sources']} source provisions; {l['positive']} counterparts "
                  f"({l['added_by_reviewers']} pairs added by reviewers)",
              f"  counterparts the machine had proposed (in its stored top 10): {pct(l['positive_proposed'])}",
              f"  machine-proposed pairs that are counterparts: {pct(l['proposed_right'])}; "
              f"of those it accepted: {pct(l['accepted_right'])}",
              f"  same relation where proposed: {pct(l['relation_agreement'])}",
              "  machine -> reviewed:"] + [f"    {k:<42} {n}" for k, n in l["confusion"].items()]
    held = t.get("held_out")
    lines += ["", f"Themes: {t['current']} provisions of {t['documents']} instruments reviewed "
                  f"({t['provisions_total']} provisions in the corpus)",
              f"  machine set = reviewed set: {pct(t['exact_set_agreement'])}; machine macro-F1 against the "
              f"reviews: {pct(t['macro_f1'])}" + (" (in-sample: the theme model is trained on these reviews)"
                                                   if held else "")]
    # beside the in-sample figures, what a reader can expect of a tag on a text the model never saw
    loio = (held or {}).get("loio_f1") or {}
    if held:
        lines.append(f"  held out (leave one instrument out, scripts/train_themes.py): macro-F1 "
                     f"{held['loio_macro_f1']:.3f}; per theme in the last column")
    lines.append(f"    {'theme':<16}{'support':>8}{'P':>8}{'R':>8}{'F1':>8}" + (f"{'F1 held out':>13}" if loio else ""))
    lines += [f"    {k:<16}{v['support']:>8}{v['precision']:>8.2f}{v['recall']:>8.2f}{v['f1']:>8.2f}"
              + (f"{loio[k]:>13.2f}" if k in loio else "")
              for k, v in sorted(t["per_theme"].items())]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- the queue
def queue(kb, *, kind: str | None = None, theme: str | None = None, doc: str | None = None, n: int = 10,
          sample: int | None = None) -> list[dict]:
    """The next items to review, most useful first: stale reviews; then unreviewed cells (core
    themes first, mixed evidence first), the strongest cross-publisher link candidates, and the
    provisions whose theme scores sit nearest the threshold. With ``sample`` (a seed) the
    unreviewed provisions come in a random order instead: reviews drawn that way measure the
    theme model without the bias of picking the cases it finds hardest."""
    records = kb.reviews()
    reviewed = {r["id"] for r in records if r["status"] != "stale"}
    docs = {d["id"]: d for d in kb.documents()}
    items: list[dict] = []
    for r in records:
        if r["status"] == "stale" and (kind in (None, r["kind"])):
            items.append({"item": "stale", "kind": r["kind"], "id": r["id"], "review": r})
    if kind in (None, "cell"):
        div = kb.divergence() or {"cells": [], "baseline": ""}
        cands = []
        for c in div["cells"]:
            subject = c["instrument"] if c["level"] == "document" else f"family:{c['instrument']}"
            rid = f"cell:{div['baseline']}/{subject}/{c['theme']}"
            if rid in reviewed or (theme and c["theme"] != theme) or (doc and doc not in (c["instrument"], subject)):
                continue
            pos = c.get("positions") or {}
            mixed = any(v.get("affirms") and v.get("contradicts") for v in pos.values() if isinstance(v, dict))
            cands.append(((c["theme"] not in CORE_THEMES, not mixed, abs(c.get("score") or 0)),
                          {"item": "cell", "kind": "cell", "id": rid, "cell": c, "subject": subject}))
        items += [x for _, x in sorted(cands, key=lambda x: x[0])]
    if kind in (None, "link"):
        fam = {d: docs[d]["family"] for d in docs}
        cands, pairs = [], set()
        for l in kb.links():
            pair = frozenset((l["source_id"], l["target_id"]))
            if l["relation"] in ("explains", "conflicts") or l.get("review") or pair in pairs:
                continue
            s, t = l["source_id"].split("/", 1)[0], l["target_id"].split("/", 1)[0]
            if fam.get(s) == fam.get(t) or (doc and doc not in (s, t)):
                continue
            pairs.add(pair)
            cands.append({"item": "link", "kind": "link", "id": f"link:{l['source_id']}->{l['target_id']}", "link": l})
        items += cands   # kb.links() is best first
    if kind in (None, "theme"):
        from nlp.theme_model import ThemeModel
        th = ThemeModel.load().data["thresholds"]
        cands = []
        for pid, a in kb.annotations().items():
            if f"theme:{pid}" in reviewed or (doc and not pid.startswith(doc + "/")):
                continue
            sc = a.get("theme_scores") or {}
            keys = [theme] if theme else list(sc)
            if not keys or not sc:
                continue
            margin = min(abs(sc.get(k, 0.0) - th.get(k, 0.0)) for k in keys)
            cands.append((margin, {"item": "theme", "kind": "theme", "id": f"theme:{pid}", "provision": pid}))
        if sample is not None:
            cands.sort(key=lambda x: x[1]["provision"])         # the same draw whatever the storage order
            random.Random(sample).shuffle(cands)
        else:
            cands.sort(key=lambda x: x[0])
        items += [x for _, x in cands]
    return items[:n]


def format_queue(kb, items: list[dict], *, show_machine: bool = False, width: int = 1200) -> str:
    """The queue with the texts a reviewer needs; the machine's verdict only with ``show_machine``."""
    from nlp.baseline import load_baseline
    docs = {d["id"]: d for d in kb.documents()}
    baselines: dict[str, tuple] = {}

    def baseline(bid: str) -> tuple:
        """A baseline's positions, read once (none for a baseline kept elsewhere: the texts still help)."""
        if bid not in baselines:
            try:
                baselines[bid] = load_baseline(BASELINES / f"{bid}.yaml").positions
            except (OSError, ValueError):
                baselines[bid] = ()
        return baselines[bid]

    def text(pid: str) -> str:
        p = kb.provision(pid)
        if p is None:
            return f"[{pid}] (not in this build)"
        body = p["text"] or "; ".join(f"{k['pinpoint']}: {k['text']}" for k in kb.children(pid))
        return _citation(p, docs) + f"\n    {' '.join(body.split())[:width]}"

    out = []
    for n, it in enumerate(items, 1):
        out.append(f"{n}. {it['id']}")
        if it["item"] == "stale":
            r = it["review"]
            out.append(f"   OUT OF DATE since {r['stale_since']}: the text of {', '.join(r['changed'])} changed; "
                       f"re-read it and update {r['file']}:{r['line']} (then `govkb review pin --refresh`)")
            out.append(f"   the review said: {json.dumps(r['verdict'])}: {r['reason']}")
            out += ["   " + text(pid) for pid in r["changed"]]
        elif it["item"] == "cell":
            c = it["cell"]
            out.append(f"   {it['subject']} on {c['theme']}: judge aligned / partially aligned / divergent / "
                       "not addressed against the US positions")
            for pos in baseline(it["id"].split(":", 1)[1].split("/", 1)[0]):
                if pos.theme == c["theme"]:
                    out.append(f"   position {pos.id}: {' '.join(pos.stance.split())}")
            for e in c.get("evidence") or []:
                out.append("   " + text(e["provision_id"]))
            if show_machine:
                out.append(f"   machine: {c['label']} (score {c.get('score')})")
        elif it["item"] == "link":
            l = it["link"]
            out.append("   source: " + text(l["source_id"]))
            out.append("   target: " + text(l["target_id"]))
            if show_machine:
                out.append(f"   machine: {l['relation']} ({l['status']}, {l['score']:.3f})")
        else:
            out += judged_lines(kb, it["provision"], docs)
            if show_machine:
                a = kb.annotation(it["provision"]) or {}
                out.append(f"   machine: {', '.join(a.get('themes') or []) or '-'}")
        out.append("")
    return "\n".join(out) if out else "Nothing to review with these filters."


def _citation(p: dict, docs: dict[str, dict]) -> str:
    """``[id] Short title, pinpoint - heading``: how the queue names a provision."""
    return (f"[{p['id']}] {docs[p['doc_id']]['short_title']}, {p['pinpoint']}"
            + (f" - {p['heading']}" if p["heading"] else ""))


def judged_lines(kb, prov_id: str, docs: dict[str, dict], limit: int = THEME_TEXT_CHARS) -> list[str]:
    """The lines a theme reviewer reads for ``prov_id``: its citation, where it sits (the
    headings of its ancestors) and the whole text it rests on, its own and every
    sub-provision's in document order, each under its pinpoint and id (what a review's
    ``decisive`` list names); past ``limit`` characters the rest is named, not silently dropped."""
    p = kb.provision(prov_id)
    if p is None:
        return [f"   [{prov_id}] (not in this build)"]
    lines = ["   " + _citation(p, docs)]
    ancestors, up = [], p.get("parent_id")
    while up and (a := kb.provision(up)) is not None:
        ancestors.append(a["pinpoint"] + (f" - {a['heading']}" if a["heading"] else ""))
        up = a.get("parent_id")
    if ancestors:
        lines.append("   in: " + " > ".join(reversed(ancestors)))
    body, used, left = [], 0, []

    def walk(q: dict, top: bool) -> None:
        nonlocal used
        words = " ".join(" ".join(x for x in (None if top else q["heading"], q["text"]) if x).split())
        if words:
            if used + len(words) <= limit:
                body.append(f"    {'' if top else q['pinpoint'] + ' [' + q['id'] + ']: '}{words}")
                used += len(words)
            else:
                left.append(q["id"])
        for c in kb.children(q["id"]):
            walk(c, False)

    walk(p, True)
    if left:
        body.append(f"    [... {len(left)} more sub-provision(s) not shown, from {left[0]}: read each with "
                    f"`govkb show ID` (`govkb show {prov_id}` lists them)]")
    return lines + (body or ["    (no text)"])
