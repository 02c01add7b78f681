"""Reviewed judgments: a person's verdict on a matrix cell, a cross-framework link or a
provision's themes, kept as data in ``nlp/data/reviews/`` and pinned to the text it rests on.

Three kinds, one folder each, one YAML list per file (one file per instrument or baseline, so a
review is a small diff):

- ``cells/<baseline>.yaml``: ``baseline``, ``subject`` (an instrument id or ``family:<f>``),
  ``theme``, ``label`` (aligned, partially aligned, divergent, not addressed);
- ``links/<source doc>.yaml``: ``source``, ``target`` (provision ids), ``relation`` (equivalent,
  narrower, broader, overlapping, unrelated; read "source is <relation> target");
- ``themes/<doc>.yaml``: ``provision`` and ``themes``, the full set it is about (a theme not
  listed is judged absent).

Every record also has ``reason`` (one to three sentences), ``decisive`` (provision ids),
``reviewer``, ``date`` and ``sha256``: for every provision the verdict rests on (the decisive
ones, the link's two ends, the tagged provision), the hash of its judged text (heading and words
of the provision and of all its sub-provisions). When every hash still matches the built text the
review is **current** and its verdict is published over the machine's; when one differs it is
**stale**: the machine's output is published and the review is listed for re-review.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REVIEWS_DIR = Path(__file__).parent / "data" / "reviews"
# The C loader (libyaml) reads the review files six times faster than the pure-Python one,
# the fallback where PyYAML was built without it; both give the same records and lines.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KINDS = {"cells": "cell", "links": "link", "themes": "theme"}
CELL_LABELS = ("aligned", "partially aligned", "divergent", "not addressed")
RELATIONS = ("equivalent", "narrower", "broader", "overlapping", "unrelated")
INVERSE = {"narrower": "broader", "broader": "narrower"}
_COMMON = ("reason", "decisive", "reviewer", "date", "sha256")
FIELDS = {
    "cell": ("baseline", "subject", "theme", "label") + _COMMON,
    "link": ("source", "target", "relation") + _COMMON,
    "theme": ("provision", "themes") + _COMMON,
}
OPTIONAL = {"link": ("added",)}
_HEX = re.compile(r"^[0-9a-f]{64}$")


class ReviewError(ValueError):
    """Review files that cannot be used; the message lists every problem as ``file:line: ...``."""


@dataclass
class Review:
    """One reviewed judgment, where it was written, and (after ``check_texts``) its status."""

    kind: str
    data: dict
    file: str
    line: int
    status: str = "current"          # current | stale | absent (its document is not in this build)
    changed: list[str] = field(default_factory=list)
    stale_since: str | None = None
    machine: object = None           # the machine's output for the same subject, for agreement figures

    @property
    def id(self) -> str:
        """Stable key of the subject judged (one review per subject)."""
        d = self.data
        if self.kind == "cell":
            return f"cell:{d['baseline']}/{d['subject']}/{d['theme']}"
        if self.kind == "link":
            return f"link:{d['source']}->{d['target']}"
        return f"theme:{d['provision']}"

    @property
    def verdict(self):
        """The label, the relation, or the sorted theme list."""
        return {"cell": lambda: self.data["label"], "link": lambda: self.data["relation"],
                "theme": lambda: sorted(self.data["themes"])}[self.kind]()

    @property
    def rests_on(self) -> list[str]:
        """Every provision whose text the verdict depends on (their hashes pin it)."""
        d = self.data
        ids = ([d["source"], d["target"]] if self.kind == "link" else [d["provision"]] if self.kind == "theme" else [])
        return list(dict.fromkeys(ids + list(d["decisive"])))

    def public(self) -> dict:
        """What is published beside the subject: verdict, reasons, who and when, status."""
        d = self.data
        return {"id": self.id, "kind": self.kind, "verdict": self.verdict, "reason": d["reason"],
                "decisive": list(d["decisive"]), "reviewer": d["reviewer"], "date": str(d["date"]),
                "status": self.status, "stale_since": self.stale_since, "changed": list(self.changed),
                "file": self.file, "line": self.line}

    def record(self) -> dict:
        """The ``reviews.jsonl`` line: the subject, the review, and the machine's output beside it."""
        d = self.data
        subject = {"cell": lambda: {"baseline": d["baseline"], "subject": d["subject"], "theme": d["theme"]},
                   "link": lambda: {"source": d["source"], "target": d["target"], "added": bool(d.get("added"))},
                   "theme": lambda: {"provision": d["provision"]}}[self.kind]()
        return {**self.public(), **subject, "sha256": dict(d["sha256"]), "machine": self.machine}


# ---------------------------------------------------------------------------- text hashes
def judged_text(prov_id: str, by_id: dict[str, dict], children: dict[str, list[str]]) -> str:
    """The words a reviewer judged for ``prov_id``: its heading and text and those of all its
    sub-provisions, in document order, with white space folded."""
    parts: list[str] = []

    def walk(pid: str) -> None:
        p = by_id[pid]
        parts.extend(x for x in (p.get("heading") or "", p.get("text") or "") if x)
        for c in children.get(pid, ()):
            walk(c)

    walk(prov_id)
    return " ".join(" ".join(parts).split())


def text_sha256(prov_id: str, by_id: dict[str, dict], children: dict[str, list[str]]) -> str:
    """sha256 of ``judged_text``: what a review of ``prov_id`` is pinned to."""
    return hashlib.sha256(judged_text(prov_id, by_id, children).encode("utf-8")).hexdigest()


class TextHashes:
    """Judged-text hashes of a build's provisions, computed on demand."""

    def __init__(self, provisions: list[dict]):
        self.by_id = {p["id"]: p for p in provisions}
        self.children: dict[str, list[str]] = {}
        for p in sorted(provisions, key=lambda p: (p["doc_id"], p.get("order", p.get("ord", 0)))):
            if p.get("parent_id"):
                self.children.setdefault(p["parent_id"], []).append(p["id"])
        self._memo: dict[str, str] = {}

    def __contains__(self, prov_id: str) -> bool:
        return prov_id in self.by_id

    def __getitem__(self, prov_id: str) -> str:
        if prov_id not in self._memo:
            self._memo[prov_id] = text_sha256(prov_id, self.by_id, self.children)
        return self._memo[prov_id]


# ---------------------------------------------------------------------------- loading
def review_files(directory: Path = REVIEWS_DIR) -> list[tuple[str, Path]]:
    """(kind, path) of every review file, in a stable order."""
    out = []
    for sub, kind in KINDS.items():
        d = Path(directory) / sub
        if d.is_dir():
            out += [(kind, p) for p in sorted(d.glob("*.yaml"))]
    return out


def _records(path: Path) -> list[tuple[int, object]]:
    """The items of a YAML list with the line each starts on (1-based)."""
    loader = YAML_LOADER(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise ReviewError(f"{path}:{node.start_mark.line + 1}: a review file is a YAML list of records")
        return [(item.start_mark.line + 1, loader.construct_object(item, deep=True)) for item in node.value]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ReviewError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML ({getattr(e, 'problem', e)})") from None
    finally:
        loader.dispose()


def load_reviews(directory: Path = REVIEWS_DIR, *, registry_docs: set[str], families: set[str],
                 themes: set[str], relative_to: Path | None = None) -> list[Review]:
    """Parse and check the shape of every review file; raise ``ReviewError`` listing every
    problem (missing or unknown fields, unknown labels, relations or themes, a reason missing,
    duplicate subjects, ids of documents the registry does not know, hashes missing)."""
    problems: list[str] = []
    reviews: list[Review] = []
    seen: dict[str, str] = {}
    base = Path(relative_to) if relative_to else None
    for kind, path in review_files(directory):
        name = str(path.relative_to(base)) if base and path.is_relative_to(base) else str(path)
        try:
            items = _records(path)
        except ReviewError as e:
            problems.append(str(e).replace(str(path), name, 1))
            continue
        for line, rec in items:
            where = f"{name}:{line}"
            errs = _shape_errors(kind, rec, registry_docs, families, themes)
            if errs:
                problems += [f"{where}: {e}" for e in errs]
                continue
            r = Review(kind, rec, name, line)
            if r.id in seen:
                problems.append(f"{where}: duplicate subject {r.id} (first reviewed at {seen[r.id]})")
                continue
            seen[r.id] = where
            reviews.append(r)
    if problems:
        raise ReviewError(f"{len(problems)} problem(s) in the review files:\n  " + "\n  ".join(problems))
    return reviews


def _doc_of(prov_id: str) -> str:
    return prov_id.split("/", 1)[0]


def _shape_errors(kind: str, rec, registry_docs: set[str], families: set[str], themes: set[str]) -> list[str]:
    if not isinstance(rec, dict):
        return ["a review is a mapping of fields"]
    errs = []
    missing = [f for f in FIELDS[kind] if f not in rec]
    if missing:
        errs.append(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(rec) - set(FIELDS[kind]) - set(OPTIONAL.get(kind, ())))
    if unknown:
        errs.append(f"unknown field(s): {', '.join(unknown)} (a {kind} review has {', '.join(FIELDS[kind])})")
    if missing:
        return errs
    reason = rec["reason"]
    if not isinstance(reason, str) or len(reason.split()) < 2:
        errs.append("no reason: write one to three sentences saying why, in your own words")
    if not isinstance(rec["reviewer"], str) or not rec["reviewer"].strip():
        errs.append("no reviewer")
    try:
        dt.date.fromisoformat(str(rec["date"]))
    except ValueError:
        errs.append(f"date {rec['date']!r} is not YYYY-MM-DD")
    decisive = rec["decisive"]
    if not isinstance(decisive, list) or not decisive or not all(isinstance(x, str) for x in decisive):
        errs.append("decisive must list at least one provision id")
        decisive = []
    ids = list(decisive)
    if kind == "cell":
        if rec["label"] not in CELL_LABELS:
            errs.append(f"unknown label {rec['label']!r} (one of: {', '.join(CELL_LABELS)})")
        if rec["theme"] not in themes:
            errs.append(f"unknown theme {rec['theme']!r}")
        subj = str(rec["subject"])
        if subj.startswith("family:") and subj[7:] not in families:
            errs.append(f"unknown family {subj[7:]!r} (one of: {', '.join(sorted(families))})")
        elif not subj.startswith("family:") and subj not in registry_docs:
            errs.append(f"unknown instrument {subj!r}")
    elif kind == "link":
        if rec["relation"] not in RELATIONS:
            errs.append(f"unknown relation {rec['relation']!r} (one of: {', '.join(RELATIONS)})")
        ids += [rec["source"], rec["target"]]
        if isinstance(rec["source"], str) and isinstance(rec["target"], str) \
                and _doc_of(rec["source"]) == _doc_of(rec["target"]):
            errs.append("source and target are in the same document: a link review is across instruments")
    else:
        ts = rec["themes"]
        if not isinstance(ts, list):
            errs.append("themes must be a list (empty when the provision is about none of them)")
        else:
            bad = [t for t in ts if t not in themes]
            if bad:
                errs.append(f"unknown theme(s) {', '.join(map(str, bad))}")
            if len(set(ts)) != len(ts):
                errs.append("a theme is listed twice")
        ids.append(rec["provision"])
    for pid in ids:
        if not isinstance(pid, str) or _doc_of(pid) not in registry_docs:
            errs.append(f"unknown provision id {pid!r} (its document is not in the registry)")
    hashes = rec["sha256"]
    if not isinstance(hashes, dict):
        errs.append("sha256 must map each provision id the verdict rests on to its text hash")
    else:
        for pid in ids:
            h = hashes.get(pid)
            if h is None:
                errs.append(f"no sha256 for {pid} (fill it with `govkb review pin FILE`)")
            elif not _HEX.match(str(h)):
                errs.append(f"sha256 of {pid} is not 64 hex digits")
    return errs


def check_texts(reviews: list[Review], hashes: TextHashes, built_docs: set[str],
                run_id: str | None = None, previous: dict[str, dict] | None = None) -> list[str]:
    """Set each review's status against the built texts; return the problems (ids of built
    documents that do not exist). A review whose documents are not all in this build is
    ``absent``; one whose pinned hashes all match is ``current``; otherwise ``stale``, since the
    run that first found it so (``previous`` holds the last build's review records by id). A
    provision the last build had and this one lacks (a new version of the text deleted it)
    makes its reviews stale; an id no build had is a mistake in the review file."""
    problems = []
    for r in reviews:
        ids = r.rests_on
        docs = {_doc_of(i) for i in ids}
        if r.kind == "cell" and not r.data["subject"].startswith("family:"):
            docs.add(r.data["subject"])
        if not docs <= built_docs:
            r.status = "absent"
            continue
        unknown = [i for i in ids if i not in hashes]
        known_before = ((previous or {}).get(r.id) or {}).get("status") in ("current", "stale")
        if unknown and not known_before:
            problems.append(f"{r.file}:{r.line}: unknown provision id(s) {', '.join(unknown)}")
            continue
        r.changed = [i for i in ids if i not in hashes or hashes[i] != r.data["sha256"][i]]
        r.status = "stale" if r.changed else "current"
        if r.changed:
            before = (previous or {}).get(r.id) or {}
            r.stale_since = before.get("stale_since") if before.get("status") == "stale" else run_id
    return problems


def pin(path: Path, hashes: TextHashes, *, refresh: bool = False) -> tuple[int, list[str]]:
    """Fill in the missing ``sha256`` entries of the records in ``path`` from the built texts
    (all of them with ``refresh``, after re-reading a stale review); return how many hashes
    were written and the ids not found. The file is rewritten only when something changed."""
    kind = KINDS.get(path.parent.name)
    if kind is None:
        raise ReviewError(f"{path}: a review file lives in cells/, links/ or themes/")
    items = _records(path)
    written, unknown = 0, []
    for _, rec in items:
        if not isinstance(rec, dict):
            continue
        r = Review(kind, {**{f: rec.get(f) for f in FIELDS[kind]}, "decisive": rec.get("decisive") or []},
                   str(path), 0)
        pins = rec.get("sha256") if isinstance(rec.get("sha256"), dict) else {}
        for pid in r.rests_on:
            if not isinstance(pid, str) or pid not in hashes:
                unknown.append(str(pid))
            elif refresh or pid not in pins:
                if pins.get(pid) != hashes[pid]:
                    pins[pid] = hashes[pid]
                    written += 1
        rec["sha256"] = pins
    if written:
        dump(path, [rec for _, rec in items])
    return written, unknown


class _Dumper(yaml.SafeDumper):
    """Lists of ids in flow style (``[a, b]``) and a reason on one line: one record reads as it
    was written, and a changed verdict is a one-line diff."""


_Dumper.add_representer(list, lambda d, v: d.represent_sequence(
    "tag:yaml.org,2002:seq", v, flow_style=all(isinstance(x, str) for x in v)))


def dump(path: Path, records: list[dict]) -> None:
    """Write review records as a YAML list, one blank line between records (diff-friendly)."""
    text = "\n".join(yaml.dump([r], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**6)
                     for r in records)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------- applying
def apply_themes(reviews: list[Review], themes: dict[str, list[str]]) -> dict[str, dict]:
    """Publish current theme reviews over the machine's themes (``themes`` is updated in place);
    return the review object of every reviewed provision, current or stale."""
    marks = {}
    for r in reviews:
        if r.kind != "theme" or r.status == "absent":
            continue
        pid = r.data["provision"]
        r.machine = sorted(themes.get(pid, []))
        if r.status == "current":
            themes[pid] = sorted(r.data["themes"])
        marks[pid] = {**r.public(), "machine": r.machine}
    return marks


def _pair_key(link: dict) -> tuple[str, str]:
    return link["source_id"], link["target_id"]


def apply_links(reviews: list[Review], links: list[dict]) -> list[dict]:
    """Publish link reviews: a current review sets the relation of the machine's link for the
    same pair (either direction; narrower/broader inverted for the reverse), marks it accepted
    (or rejected when unrelated) and keeps the machine's relation and score beside it; a
    reviewed pair the machine never proposed is added. A stale review is attached to the
    machine's link without changing it. Returns the links (``links`` is updated in place)."""
    machine = {_pair_key(l): l for l in links if l["relation"] not in ("explains", "conflicts")}
    for r in reviews:
        if r.kind != "link" or r.status == "absent":
            continue
        s, t, rel = r.data["source"], r.data["target"], r.data["relation"]
        link, flip = machine.get((s, t)), False
        if link is None and (t, s) in machine:
            link, flip = machine[(t, s)], True
        if link is not None:
            mrel = link.get("machine", {}).get("relation", link["relation"])
            r.machine = {"relation": INVERSE.get(mrel, mrel) if flip else mrel,
                         "score": link.get("machine", {}).get("score", link["score"]),
                         "status": link.get("machine", {}).get("status", link["status"])}
        if r.status != "current":
            if link is not None:
                link["review"] = r.public()
            continue
        if link is None:   # not proposed by the machine (nor indexed as its output)
            link = {"source_id": s, "target_id": t, "evidence": {"note": "added by a reviewer; not proposed by the machine"}}
            links.append(link)
        else:
            link["machine"] = {**r.machine, "relation": link.get("machine", {}).get("relation", link["relation"])}
        link.update(relation=INVERSE.get(rel, rel) if flip else rel, score=0.0 if rel == "unrelated" else 1.0,
                    status="rejected" if rel == "unrelated" else "accepted", review=r.public())
    return links


def apply_cells(reviews: list[Review], divergence: dict) -> None:
    """Publish current cell reviews over the machine's labels of ``divergence`` (in place): the
    cell keeps ``machine_label`` and gains ``review``; a stale review is attached, the machine's
    label stays."""
    cells = {(c["instrument"], c["theme"]): c for c in divergence["cells"]}
    for r in reviews:
        if r.kind != "cell" or r.status == "absent" or r.data["baseline"] != divergence["baseline"]:
            continue
        subj = r.data["subject"]
        cell = cells.get((subj[7:] if subj.startswith("family:") else subj, r.data["theme"]))
        if cell is None:
            continue
        r.machine = cell.get("machine_label", cell["label"])
        cell["review"] = r.public()
        if r.status == "current":
            cell["machine_label"] = r.machine
            cell["label"] = r.data["label"]
