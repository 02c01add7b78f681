"""What changed between two builds of the knowledge base, provision by provision.

``compare_builds(old_kb, new_kb)`` returns a JSON-ready report: documents added, removed or
re-versioned (new sha256); per document the provisions added, removed, renumbered and
amended, with word-level diffs; provisions whose themes changed; divergence cells whose
label changed. ``to_markdown`` renders a run report (that comparison plus the run's fetch
outcomes, warnings and failures) for people, ``atom_feed`` the history of run reports as an
Atom feed. Everything here is a pure function of its inputs; nothing is written.

Scraped text is untrusted: Markdown output escapes it, the feed is built with ElementTree.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timezone
from difflib import SequenceMatcher
from urllib.parse import quote

AMEND_MIN_RATIO = 0.5      # same id: text at least this similar counts as amended
RENUMBER_MIN_RATIO = 0.8   # different ids: text at least this similar counts as the same provision moved
# The fuzzy step compares every leftover old provision with every leftover new one; beyond
# this many pairs (a document restructured wholesale) it would take minutes, and a diff of
# a rewritten document says little anyway: the leftovers are listed as removed / added.
FUZZY_MAX_PAIRS = 400 * 400
SUMMARY_TEXT = 300         # characters of text in a provision summary
FEED_MAX_ENTRIES = 50
FEED_MAX_IDS = 30          # changed provision ids named in one feed entry
EPOCH = "1970-01-01T00:00:00Z"
SUMMARY_KEYS = ("documents_added", "documents_removed", "documents_reversioned", "provisions_added",
                "provisions_removed", "provisions_renumbered", "provisions_amended", "themes_changed",
                "divergence_changed")
PROVISION_CHANGES = ("added", "removed", "renumbered", "amended")


# word diffs ----------------------------------------------------------------------------
def word_diff(old: str, new: str, context: int = 8) -> list[dict]:
    """Word-level diff of two texts as a list of ops, in text order.

    Each op is ``{"op": "equal" | "delete" | "insert", "text": words}``; a replaced run is a
    delete followed by an insert. Unchanged runs keep ``context`` words next to each change
    (" … " stands for the words left out), so a one-word amendment of a long paragraph stays
    short."""
    a, b = (old or "").split(), (new or "").split()
    codes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    ops = []
    for k, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag == "equal":
            ops.append({"op": "equal", "text": _trim(a[i1:i2], context, first=k == 0, last=k == len(codes) - 1)})
            continue
        if i2 > i1:
            ops.append({"op": "delete", "text": " ".join(a[i1:i2])})
        if j2 > j1:
            ops.append({"op": "insert", "text": " ".join(b[j1:j2])})
    return ops


def _trim(words: list[str], context: int, *, first: bool, last: bool) -> str:
    # Only the side of an unchanged run that touches a change is context: the first run of
    # a text keeps its end, the last its start, a middle run both ends (an unchanged text,
    # first and last at once, keeps its start).
    head = context if not first or last else 0
    tail = context if not last else 0
    if len(words) <= head + tail:
        return " ".join(words)
    parts = ([" ".join(words[:head])] if head else []) + ["…"] + ([" ".join(words[-tail:])] if tail else [])
    return " ".join(parts)


# one document ---------------------------------------------------------------------------
def _full_text(p: dict) -> str:
    """What counts as a provision's words: heading and text (a retitled article changed)."""
    return " ".join(f"{p.get('heading') or ''} {p.get('text') or ''}".split())


def _ratio(a: list[str], b: list[str]) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def provision_summary(p: dict) -> dict:
    """A provision as the report lists it: id, pinpoint, kind and its text, clipped."""
    text = _full_text(p)
    return {"id": p["id"], "pinpoint": p.get("pinpoint", ""), "kind": p.get("kind", ""),
            "text": text if len(text) <= SUMMARY_TEXT else text[:SUMMARY_TEXT - 1].rstrip() + "…"}


def _match(old: list[dict], new: list[dict]) -> tuple[dict, list[tuple[str, str]]]:
    """The diff of one document and the (old id, new id) pairs of provisions present in
    both builds (unchanged, amended or renumbered)."""
    result = {k: [] for k in PROVISION_CHANGES}
    old_text = {p["id"]: _full_text(p) for p in old}
    new_text = {p["id"]: _full_text(p) for p in new}
    if [(p["id"], old_text[p["id"]]) for p in old] == [(p["id"], new_text[p["id"]]) for p in new]:
        return result, [(p["id"], p["id"]) for p in new]
    # (1) Same id, same words: unchanged.
    pairs = [(p["id"], p["id"]) for p in new if old_text.get(p["id"]) == new_text[p["id"]]]
    done = {i for i, _ in pairs}
    rest_old = [p for p in old if p["id"] not in done]
    rest_new = [p for p in new if p["id"] not in done]
    moved: list[tuple[dict, dict, list | None]] = []
    # (2) Same words under another id: an inserted or deleted article shifts every id after
    # it, and those provisions were renumbered, not amended. Exact text lookups keep this
    # linear; duplicates pair up in document order.
    by_text: dict[str, list[dict]] = {}
    for p in rest_old:
        by_text.setdefault(old_text[p["id"]], []).append(p)
    left_new = []
    for q in rest_new:
        same = by_text.get(new_text[q["id"]])
        if same:
            moved.append((same.pop(0), q, None))
        else:
            left_new.append(q)
    taken = {o["id"] for o, _, _ in moved}
    left_old = [p for p in rest_old if p["id"] not in taken]
    # (3) Same id, similar words: amended.
    words = {("o", p["id"]): old_text[p["id"]].split() for p in left_old}
    words.update({("n", q["id"]): new_text[q["id"]].split() for q in left_new})
    old_ids = {p["id"]: p for p in left_old}
    amended = set()
    for q in left_new:
        p = old_ids.get(q["id"])
        if p and _ratio(words["o", p["id"]], words["n", q["id"]]) >= AMEND_MIN_RATIO:
            amended.add(q["id"])
            result["amended"].append({"id": q["id"], "pinpoint": q.get("pinpoint", ""),
                                      "diff": word_diff(old_text[p["id"]], new_text[q["id"]])})
            pairs.append((q["id"], q["id"]))
    left_old = [p for p in left_old if p["id"] not in amended]
    left_new = [q for q in left_new if q["id"] not in amended]
    # (4) Different id, very similar words: renumbered and amended.
    if left_old and left_new:
        if len(left_old) * len(left_new) > FUZZY_MAX_PAIRS:
            result["note"] = (f"{len(left_old)} old and {len(left_new)} new provisions could not be matched "
                              "by their text alone; too many to compare pairwise, they are listed as "
                              "removed and added")
        else:
            for p, q in _fuzzy_pairs(left_old, left_new, words):
                moved.append((p, q, word_diff(old_text[p["id"]], new_text[q["id"]])))
            taken = {o["id"] for o, _, _ in moved}
            got = {q["id"] for _, q, _ in moved}
            left_old = [p for p in left_old if p["id"] not in taken]
            left_new = [q for q in left_new if q["id"] not in got]
    order = {q["id"]: i for i, q in enumerate(new)}
    for p, q, diff in sorted(moved, key=lambda m: order[m[1]["id"]]):
        result["renumbered"].append({"old_id": p["id"], "new_id": q["id"], "old_pinpoint": p.get("pinpoint", ""),
                                     "new_pinpoint": q.get("pinpoint", ""), "diff": diff})
        pairs.append((p["id"], q["id"]))
    # (5) The rest was removed or added.
    result["removed"] = [provision_summary(p) for p in left_old]
    result["added"] = [provision_summary(q) for q in left_new]
    return result, pairs


def _fuzzy_pairs(old: list[dict], new: list[dict], words: dict) -> list[tuple[dict, dict]]:
    """Greedy best-first pairing of leftovers whose word similarity reaches
    RENUMBER_MIN_RATIO. The length bound and quick_ratio are upper bounds of ratio, so most
    pairs are rejected without the full comparison."""
    scored = []
    sm = SequenceMatcher(None, autojunk=False)
    for j, q in enumerate(new):
        b = words["n", q["id"]]
        sm.set_seq2(b)      # SequenceMatcher caches its index of the second sequence
        for i, p in enumerate(old):
            a = words["o", p["id"]]
            if not a and not b:
                continue    # two empty provisions say nothing about each other
            if 2 * min(len(a), len(b)) / (len(a) + len(b)) < RENUMBER_MIN_RATIO:
                continue
            sm.set_seq1(a)
            if sm.quick_ratio() < RENUMBER_MIN_RATIO:
                continue
            r = sm.ratio()
            if r >= RENUMBER_MIN_RATIO:
                scored.append((-r, i, j))
    used_old, used_new, out = set(), set(), []
    for _, i, j in sorted(scored):
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            out.append((old[i], new[j]))
    return out


def diff_document(old: list[dict], new: list[dict]) -> dict:
    """The provision changes of one document between two builds.

    ``old`` and ``new`` are its provisions in document order (dicts with id, pinpoint, kind,
    heading, text). Returns ``{"added": [summary], "removed": [summary], "renumbered":
    [{"old_id", "new_id", "old_pinpoint", "new_pinpoint", "diff"}], "amended": [{"id",
    "pinpoint", "diff"}]}`` (``diff`` is a ``word_diff`` of heading and text, None for a
    renumbered provision whose words did not change), plus ``"note"`` when the document
    changed too much to match its leftovers by similarity.

    Matching, in order: same id and words (unchanged); same words under another id
    (renumbered: an inserted article shifts the ids after it); same id and similar words
    (amended); different id and very similar words (renumbered with a diff); the rest
    removed or added."""
    return _match(old, new)[0]


# two builds -----------------------------------------------------------------------------
def _divergence_cells(kb) -> dict[tuple, dict]:
    """Every divergence cell of a knowledge base by (baseline, instrument, theme)."""
    cells = {}
    names = [r[0] for r in kb.db.execute("SELECT baseline FROM divergence ORDER BY baseline")]
    for b in names:
        for c in (kb.divergence(b) or {}).get("cells") or ():
            cells[(b, c.get("instrument"), c.get("theme"))] = c
    return cells


def empty_changes() -> dict:
    """The change part of a report for a run that compared nothing (nothing changed, or
    the run failed before publishing): the keys of ``compare_builds`` with nothing in them."""
    return {"documents": [], "provisions": {}, "themes": [], "divergence": [],
            "summary": dict.fromkeys(SUMMARY_KEYS, 0)}


def compare_builds(old_kb, new_kb) -> dict:
    """The change report between two knowledge bases (``old_kb`` None for the first build).

    Returns ``{"documents": [...], "provisions": {doc_id: diff_document(...)},
    "themes": [...], "divergence": [...], "summary": {...}}``; see the module's docstring
    and ``diff_document``. Provisions of added or removed documents are counted in the
    summary, not listed one by one (the document entry says how many)."""
    new_docs = {d["id"]: d for d in new_kb.documents()}
    report = empty_changes()
    report["reviews"] = review_changes(old_kb, new_kb)
    s = report["summary"]
    if old_kb is None:
        # The first build is the baseline later builds are compared with: listing its
        # thousands of provisions as "added" would drown the report.
        report["note"] = "first build"
        for d in new_docs.values():
            n = len(new_kb.provisions(d["id"]))
            report["documents"].append(_doc_entry(None, d, "added", n))
            s["provisions_added"] += n
        s["documents_added"] = len(new_docs)
        return report
    old_docs = {d["id"]: d for d in old_kb.documents()}
    pairs: list[tuple[str, str]] = []
    for doc_id in sorted(old_docs.keys() | new_docs.keys()):
        old, new = old_docs.get(doc_id), new_docs.get(doc_id)
        if old is None or new is None:
            n = len((new_kb if new else old_kb).provisions(doc_id))
            change = "added" if new else "removed"
            report["documents"].append(_doc_entry(old, new, change, n))
            s[f"documents_{change}"] += 1
            s[f"provisions_{change}"] += n
            continue
        if old["sha256"] != new["sha256"]:
            report["documents"].append(_doc_entry(old, new, "re-versioned"))
            s["documents_reversioned"] += 1
        # Diffed even with the same bytes: a parser change can change the provisions.
        diff, matched = _match(old_kb.provisions(doc_id), new_kb.provisions(doc_id))
        pairs += matched
        if any(diff[k] for k in PROVISION_CHANGES) or diff.get("note"):
            report["provisions"][doc_id] = diff
        for k in PROVISION_CHANGES:
            s[f"provisions_{k}"] += len(diff[k])
    report["themes"] = _theme_changes(old_kb.annotations(), new_kb.annotations(), pairs)
    s["themes_changed"] = len(report["themes"])
    report["divergence"] = _divergence_changes(_divergence_cells(old_kb), _divergence_cells(new_kb))
    s["divergence_changed"] = len(report["divergence"])
    return report


def review_changes(old_kb, new_kb) -> dict:
    """The reviews a person must redo: every stale review of the new build (its text changed
    since it was written), with those that became stale in this run and those current again."""
    def status(kb) -> dict[str, dict]:
        return {r["id"]: r for r in kb.reviews()} if kb is not None else {}
    before, after = status(old_kb), status(new_kb)
    stale = [{k: r.get(k) for k in ("id", "kind", "verdict", "file", "line", "stale_since", "changed")}
             for r in after.values() if r["status"] == "stale"]
    return {"stale": stale,
            "newly_stale": [r["id"] for r in stale if (before.get(r["id"]) or {}).get("status") != "stale"],
            "current_again": [i for i, r in after.items()
                              if r["status"] == "current" and (before.get(i) or {}).get("status") == "stale"]}


def _doc_entry(old: dict | None, new: dict | None, change: str, provisions: int | None = None) -> dict:
    entry = {"id": (new or old)["id"], "title": (new or old)["title"], "change": change,
             "old_sha256": old and old["sha256"], "new_sha256": new and new["sha256"],
             "old_version": old and old["version"], "new_version": new and new["version"]}
    if provisions is not None:
        entry["provisions"] = provisions
    return entry


def _theme_changes(old_notes: dict, new_notes: dict, pairs: list[tuple[str, str]]) -> list[dict]:
    """Provisions in both builds whose theme set changed, under their new id. A provision
    without annotations on either side (the NLP stage did not run) is not compared."""
    out = []
    for old_id, new_id in pairs:
        a, b = old_notes.get(old_id), new_notes.get(new_id)
        if a is None or b is None:
            continue
        before, after = set(a.get("themes") or ()), set(b.get("themes") or ())
        if before != after:
            entry = {"id": new_id, "added": sorted(after - before), "removed": sorted(before - after)}
            if old_id != new_id:
                entry["old_id"] = old_id
            out.append(entry)
    return out


def _divergence_changes(old: dict, new: dict) -> list[dict]:
    """Cells whose label changed, appeared or disappeared (a score that moves within its
    label is not news; the downloads have the scores)."""
    out = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: tuple(str(x) for x in k)):
        a, b = old.get(key) or {}, new.get(key) or {}
        if a.get("label") != b.get("label"):
            out.append({"baseline": key[0], "instrument": key[1], "theme": key[2],
                        "old_label": a.get("label"), "new_label": b.get("label"),
                        "old_score": a.get("score"), "new_score": b.get("score")})
    return out


def has_changes(report: dict) -> bool:
    """Whether a report records any change at all (documents, provisions, themes, cells)."""
    s = report.get("summary")
    if s:
        return any(s.get(k) for k in SUMMARY_KEYS)
    return bool(report.get("documents") or report.get("provisions") or report.get("themes")
                or report.get("divergence"))


def changed_provisions(report: dict) -> int:
    """How many provisions a report says were added, removed, renumbered or amended."""
    s = report.get("summary") or {}
    return sum(s.get(f"provisions_{k}") or 0 for k in PROVISION_CHANGES)


def changed_documents(report: dict) -> int:
    """How many documents a report says were added, removed or re-versioned."""
    s = report.get("summary") or {}
    return sum(s.get(k) or 0 for k in ("documents_added", "documents_removed", "documents_reversioned"))


def summary_line(report: dict) -> str:
    """The summary counts in one plain sentence ("no change" when there is none)."""
    s = report.get("summary") or {}
    names = {"documents_added": "document(s) added", "documents_removed": "document(s) removed",
             "documents_reversioned": "document(s) re-versioned", "provisions_added": "provision(s) added",
             "provisions_removed": "provision(s) removed", "provisions_renumbered": "provision(s) renumbered",
             "provisions_amended": "provision(s) amended", "themes_changed": "provision(s) with changed themes",
             "divergence_changed": "divergence cell(s) with a new label"}
    bits = [f"{s[k]} {names[k]}" for k in SUMMARY_KEYS if s.get(k)]
    return ", ".join(bits) if bits else "no change"


def changed_ids(report: dict) -> list[str]:
    """The provision ids a report names as changed (new ids; removed ones by old id), in
    report order, each once."""
    ids = []
    for diff in (report.get("provisions") or {}).values():
        ids += [p["id"] for p in diff.get("amended") or ()]
        ids += [p["new_id"] for p in diff.get("renumbered") or ()]
        ids += [p["id"] for p in diff.get("added") or ()]
        ids += [p["id"] for p in diff.get("removed") or ()]
    return list(dict.fromkeys(ids))


# Markdown ----------------------------------------------------------------------------------
# Inline syntax that can act anywhere in a line: emphasis, code, links (no "[" no link, so
# "(" and "!" need nothing), table cells, strikethrough. Block syntax only matters at the
# start of a line, and md() output is never more than one line.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_BLOCK = re.compile(r"^(\d+(?=[.)])|[#+=-])")


def md(text) -> str:
    """Scraped text made inert in Markdown: one line, HTML special characters as entities
    (so "<script>" is text, not markup) and Markdown syntax backslash-escaped (so "*", "|"
    or "[x](y)" cannot make emphasis, break a table or build a link, and a leading "- " or
    "1." cannot start a list). Other punctuation is left as is, for a readable file."""
    text = " ".join(str("" if text is None else text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_BLOCK.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1), text)


def md_diff(ops: list[dict] | None) -> str:
    """A word diff in Markdown: deletions struck through, insertions bold."""
    if not ops:
        return "(words unchanged)"
    out = []
    for op in ops:
        t = md(op.get("text"))
        if not t:
            continue
        out.append(f"~~{t}~~" if op.get("op") == "delete" else f"**{t}**" if op.get("op") == "insert" else t)
    return " ".join(out)


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)] + \
        ["| " + " | ".join(r) + " |" for r in rows] + [""]


STATUS_WORDS = {"published": "published", "no-changes": "no changes", "failed": "FAILED"}
STATUS_NOTES = {"no-changes": "No changes: nothing was rebuilt and the published build stays as it was.",
                "failed": "**Nothing was published: the last good build stays live.**"}


def to_markdown(report: dict) -> str:
    """A run report as Markdown for people: what went wrong first, then what changed
    (documents, provisions with word diffs, themes, divergence labels), then what each
    fetch did. Every optional key may be missing."""
    run = md(report.get("run_id") or "unknown run")
    status = report.get("status") or "unknown status"
    out = [f"# govkb run {run}: {md(STATUS_WORDS.get(status, status))}", ""]
    when = [f"started {md(report['started_at'])}" if report.get("started_at") else "",
            f"finished {md(report['finished_at'])}" if report.get("finished_at") else "",
            f"compared with run {md(report['previous_run_id'])}" if report.get("previous_run_id")
            else "first build (nothing to compare with)" if report.get("note") == "first build" else ""]
    if any(when):
        line = "; ".join(w for w in when if w)
        out += [line[0].upper() + line[1:] + ".", ""]
    if status == "failed":   # nothing was compared: "no change" would be false
        fetched = Counter(f.get("outcome") for f in report.get("fetch") or ())
        got = ", ".join(f"{n} {k}" for k, n in sorted(fetched.items()))
        out += ["**Summary:** the run failed before its build was compared or published"
                + (f" (documents: {md(got)})" if got else "") + ".", ""]
    else:
        out += [f"**Summary:** {md(summary_line(report))}.", ""]
    if status in STATUS_NOTES:
        out += [STATUS_NOTES[status], ""]
    for key, title in (("failures", "Failures"), ("warnings", "Warnings")):
        if report.get(key):
            out += [f"## ⚠ {title} ({len(report[key])})", ""] + [f"- **{md(x)}**" for x in report[key]] + [""]
    if report.get("notices"):
        out += ["## Notices", ""] + [f"- {md(x)}" for x in report["notices"]] + [""]
    if report.get("documents"):
        rows = [[f"{md(d.get('title'))} ({md(d.get('id'))})", md(d.get("change")),
                 f"{md(d.get('old_version')) or '-'} → {md(d.get('new_version')) or '-'}",
                 f"{md((d.get('old_sha256') or '')[:12]) or '-'} → {md((d.get('new_sha256') or '')[:12]) or '-'}"]
                for d in report["documents"]]
        out += ["## Documents", ""] + _md_table(["Document", "Change", "Version", "sha256"], rows)
    if report.get("note") == "first build":
        out += ["This is the first build: the baseline later builds are compared with, so its "
                "provisions are counted, not listed.", ""]
    provisions = report.get("provisions") or {}
    if provisions:
        out += ["## Provisions", ""]
        titles = {d.get("id"): d.get("title") for d in report.get("documents") or ()}
        for doc_id, diff in provisions.items():
            name = f"{md(titles[doc_id])} ({md(doc_id)})" if titles.get(doc_id) else md(doc_id)
            out += [f"### {name}", ""] + _md_provisions(diff) + [""]
    if report.get("themes"):
        out += ["## Themes", ""] + _md_table(["Provision", "Themes added", "Themes removed"], [
            [md(t.get("id")), md(", ".join(t.get("added") or ())) or "-", md(", ".join(t.get("removed") or ())) or "-"]
            for t in report["themes"]])
    if report.get("divergence"):
        out += ["## Divergence labels", ""] + _md_table(["Baseline", "Instrument", "Theme", "Before", "After"], [
            [md(c.get("baseline")) or "-", md(c.get("instrument")), md(c.get("theme")),
             md(_label(c.get("old_label"), c.get("old_score"))), md(_label(c.get("new_label"), c.get("new_score")))]
            for c in report["divergence"]])
    rv = report.get("reviews") or {}
    if rv.get("stale"):
        new = set(rv.get("newly_stale") or ())
        out += [f"## Reviews out of date ({len(rv['stale'])}): re-review", "",
                "The text these reviews rest on changed; the machine's output is published in their place "
                "until a person reads the new text and updates the review (`govkb review pin --refresh`).", ""]
        out += _md_table(["Review", "Verdict", "Changed text", "Out of date since", "File"], [
            [md(r.get("id")) + (" (new)" if r.get("id") in new else ""), md(r.get("verdict")),
             md(", ".join(r.get("changed") or ())), md(r.get("stale_since")), md(f"{r.get('file')}:{r.get('line')}")]
            for r in rv["stale"]])
    if rv.get("current_again"):
        out += ["## Reviews current again", ""] + [f"- {md(i)}" for i in rv["current_again"]] + [""]
    if report.get("fetch"):
        out += ["## Fetch", ""] + _md_table(["Document", "Outcome", "Detail"], [
            [md(f.get("doc_id")), md(f.get("outcome")), md(f.get("detail")) or "-"] for f in report["fetch"]])
    if report.get("stages"):
        out += ["## Stages", ""] + _md_table(["Stage", "Result"], [
            [md(k), md(v if isinstance(v, str) else ", ".join(f"{a}: {b}" for a, b in v.items())
                    if isinstance(v, dict) else v)] for k, v in report["stages"].items()])
    return "\n".join(out).rstrip() + "\n"


def _label(label, score) -> str:
    if not label:
        return "(no cell)"
    return label if score is None else f"{label} ({score:+.2f})" if isinstance(score, (int, float)) else label


def _md_provisions(diff: dict) -> list[str]:
    out = []
    if diff.get("note"):
        out.append(f"*{md(diff['note'])}*")
    for p in diff.get("amended") or ():
        out.append(f"- Amended {md(p.get('pinpoint'))} ({md(p.get('id'))}): {md_diff(p.get('diff'))}")
    for p in diff.get("renumbered") or ():
        words = f": {md_diff(p['diff'])}" if p.get("diff") else " (words unchanged)"
        out.append(f"- Renumbered {md(p.get('old_pinpoint'))} → {md(p.get('new_pinpoint'))} "
                   f"({md(p.get('old_id'))} → {md(p.get('new_id'))}){words}")
    for key, verb in (("added", "Added"), ("removed", "Removed")):
        for p in diff.get(key) or ():
            out.append(f"- {verb} {md(p.get('pinpoint'))} ({md(p.get('id'))}): {md(p.get('text'))}")
    return out


# Atom ----------------------------------------------------------------------------------------
ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry at all; scraped text may hold them (form feeds in PDFs).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text) -> str:
    return _XML_INVALID.sub("", "" if text is None else str(text))


def _rfc3339(stamp) -> str:
    """A run timestamp as RFC 3339 UTC (Atom requires the offset); the epoch when unknown."""
    try:
        t = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return EPOCH
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_anchor(run_id) -> str:
    """The element id of a run's section on the changes page."""
    return f"run-{run_id}"


def feed_title(report: dict) -> str:
    """A run's one-line headline (feed entry title)."""
    return (f"govkb {report.get('run_id') or 'run'}: {changed_documents(report)} document(s) changed, "
            f"{changed_provisions(report)} provision(s) changed")


def atom_feed(reports: list[dict], *, site_url: str = "") -> str:
    """The run reports as an Atom 1.0 feed, newest first (at most FEED_MAX_ENTRIES).

    Entry links point to the run's section of the changes page ("changes/#run-<id>",
    relative to the feed at the site root, or absolute under ``site_url``)."""
    def href(path: str) -> str:
        return site_url.rstrip("/") + "/" + path if site_url else path

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = _xml_text(text)
        return el

    ET.register_namespace("", ATOM_NS)
    entries = sorted(reports, key=lambda r: (_rfc3339(r.get("finished_at")), str(r.get("run_id"))),
                     reverse=True)[:FEED_MAX_ENTRIES]
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", "urn:govkb:changes")
    sub(feed, "title", "govkb: what changed")
    sub(feed, "subtitle", "Provision-level changes of each published build of the govkb knowledge base")
    sub(feed, "updated", _rfc3339(entries[0].get("finished_at")) if entries else EPOCH)
    sub(sub(feed, "author"), "name", "govkb")
    sub(feed, "link", rel="alternate", type="text/html", href=href("changes/"))
    if site_url:
        sub(feed, "link", rel="self", type="application/atom+xml", href=href("changes.xml"))
    for r in entries:
        e = sub(feed, "entry")
        run_id = str(r.get("run_id") or "")
        sub(e, "id", f"urn:govkb:run:{quote(run_id, safe='')}")
        sub(e, "title", feed_title(r))
        sub(e, "updated", _rfc3339(r.get("finished_at")))
        sub(e, "link", rel="alternate", type="text/html",
            href=href(f"changes/#{quote(run_anchor(run_id), safe='')}"))
        sub(e, "summary", _feed_summary(r), type="text")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _feed_summary(report: dict) -> str:
    text = [summary_line(report) + "."]
    for key in ("failures", "warnings"):
        if report.get(key):
            text.append(f"{len(report[key])} {key[:-1]}(s).")
    ids = changed_ids(report)
    if ids:
        more = f" and {len(ids) - FEED_MAX_IDS} more" if len(ids) > FEED_MAX_IDS else ""
        text.append("Changed provisions: " + ", ".join(ids[:FEED_MAX_IDS]) + more + ".")
    return " ".join(text)
