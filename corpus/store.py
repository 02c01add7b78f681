"""The knowledge base: one SQLite file (documents, provisions, fetch provenance, build
runs, change reports) and the JSONL exports written from it.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Iterable

from corpus import status as currency
from corpus.archive import FetchRecord, write_atomic
from corpus.model import Provision
from corpus.sources.base import Source
from corpus.versions import original_record, provenance

SCHEMA_VERSION = 5
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, short_title TEXT NOT NULL, publisher TEXT NOT NULL,
    family TEXT NOT NULL, instrument_type TEXT NOT NULL, date TEXT NOT NULL, version TEXT NOT NULL,
    binding INTEGER NOT NULL, binds TEXT NOT NULL, url TEXT NOT NULL, urls TEXT NOT NULL,
    source_kind TEXT NOT NULL, sha256 TEXT NOT NULL, retrieved_at TEXT NOT NULL,
    transport TEXT NOT NULL, parser TEXT NOT NULL, counts TEXT NOT NULL, coverage REAL NOT NULL,
    us_relation TEXT NOT NULL, notes TEXT NOT NULL, fetch TEXT NOT NULL,
    -- where the instrument stands in law (corpus.sources.base.Status as JSON; '' unknown) and the
    -- versions whose text the document holds, oldest first, each with its provenance (JSON)
    status TEXT NOT NULL DEFAULT '', versions TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE provisions (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id), ord INTEGER NOT NULL,
    pinpoint TEXT NOT NULL, kind TEXT NOT NULL, parent_id TEXT, num TEXT NOT NULL,
    heading TEXT NOT NULL, text TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '', marker TEXT NOT NULL DEFAULT ''
);
CREATE INDEX provisions_doc ON provisions(doc_id, ord);
CREATE INDEX provisions_parent ON provisions(parent_id);
CREATE TABLE annotations (
    id TEXT PRIMARY KEY REFERENCES provisions(id), modality TEXT NOT NULL, modality_span TEXT NOT NULL,
    addressees TEXT NOT NULL, bound TEXT NOT NULL, refs TEXT NOT NULL, themes TEXT NOT NULL,
    theme_scores TEXT NOT NULL, review TEXT
);
CREATE TABLE links (
    source_id TEXT NOT NULL, target_id TEXT NOT NULL, relation TEXT NOT NULL, score REAL NOT NULL,
    status TEXT NOT NULL, evidence TEXT NOT NULL, review TEXT, machine TEXT,
    PRIMARY KEY (source_id, target_id, relation)
);
CREATE INDEX links_target ON links(target_id);
CREATE TABLE divergence (baseline TEXT PRIMARY KEY, data TEXT NOT NULL);
-- Reviewed judgments (nlp/reviews.py) as the NLP stage found them: current, stale or absent,
-- with the machine's output beside each; the next build reads stale_since from here.
CREATE TABLE reviews (id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,
    stale_since TEXT, data TEXT NOT NULL);
CREATE TABLE runs (
    id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL, transport TEXT NOT NULL,
    documents INTEGER NOT NULL, provisions INTEGER NOT NULL, seconds REAL NOT NULL, notices TEXT NOT NULL
);
-- One change report per published run (govkb.changes), carried forward like runs: the
-- site's "What changed" page and feed are rendered from this history.
CREATE TABLE changes (run_id TEXT PRIMARY KEY, finished_at TEXT NOT NULL, data TEXT NOT NULL);
"""

DOC_EXPORT_FIELDS = ("id", "title", "short_title", "publisher", "family", "instrument_type",
                     "binding", "binds", "date", "version", "url", "urls", "source_kind", "sha256",
                     "retrieved_at", "transport", "counts", "coverage", "us_relation", "notes", "status",
                     "current", "status_line", "versions")


def doc_row(source: Source, fetch: FetchRecord, counts: dict, cov: float, versions: list[dict] | None = None) -> dict:
    """The documents-table row for a freshly parsed document. ``versions`` (oldest first, see
    ``corpus.versions``) default to the original alone; ``fetch`` is the fetch of the last
    one, the version the document stands at, whose label and provenance the row carries."""
    if versions is None:
        parser = source.parser if fetch.transport == "mirror" else (source.live_parser or source.parser)
        versions = [original_record(source, fetch, parser)]
    held = versions[-1]
    return {
        "id": source.id, "title": source.title, "short_title": source.short_title,
        "publisher": source.publisher, "family": source.family,
        "instrument_type": source.instrument_type, "date": source.date_adopted,
        "version": held["label"], "binding": int(source.binding), "binds": source.binds,
        "url": held["url"], "urls": json.dumps(list(source.urls)),
        "source_kind": fetch.source_kind, "sha256": fetch.sha256, "retrieved_at": fetch.retrieved_at,
        "transport": fetch.transport, "parser": held["parser"],
        "counts": json.dumps(counts, sort_keys=True), "coverage": round(cov, 4),
        "us_relation": json.dumps([asdict(r) for r in source.us_relation]),
        "notes": source.notes, "fetch": json.dumps(asdict(fetch), sort_keys=True),
        "status": json.dumps(source.status.to_dict(), ensure_ascii=False) if source.status else "",
        "versions": json.dumps(versions, ensure_ascii=False),
    }


class SchemaMismatch(RuntimeError):
    """The file was written by another version of the knowledge-base schema."""


class KnowledgeBase:
    """Read/write access to one knowledge-base file."""

    def __init__(self, path: str | Path, *, create: bool = False):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise FileNotFoundError(f"no knowledge base at {self.path}; run `govkb corpus build` first")
        self.db = sqlite3.connect(self.path)
        self.db.row_factory = sqlite3.Row
        if create:
            self.db.executescript(SCHEMA)
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        else:
            got = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if not got or int(got[0]) != SCHEMA_VERSION:
                raise SchemaMismatch(f"{self.path}: knowledge base schema {got and got[0]} is not "
                                   f"{SCHEMA_VERSION}; rebuild with `govkb corpus build`")

    def close(self) -> None:
        """Commit and close."""
        self.db.commit()
        self.db.close()

    # writing -------------------------------------------------------------------------
    def add_document(self, row: dict, provisions: list[dict]) -> None:
        """Insert a document and its provisions (dicts with Provision's fields)."""
        cols = ", ".join(row)
        self.db.execute(f"INSERT INTO documents ({cols}) VALUES ({', '.join('?' * len(row))})",
                        list(row.values()))
        self.db.executemany(
            "INSERT INTO provisions (id, doc_id, ord, pinpoint, kind, parent_id, num, heading, text, version, marker)"
            " VALUES (:id, :doc_id, :order, :pinpoint, :kind, :parent_id, :num, :heading, :text, :version, :marker)",
            [{"version": "", "marker": "", **p} for p in provisions])

    def add_annotations(self, rows: list[dict]) -> None:
        """Store the NLP annotations of provisions (dicts keyed like ANNOTATION_FIELDS)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO annotations VALUES (:id, :modality, :modality_span, :addressees, "
            ":bound, :references, :themes, :theme_scores, :review)",
            [{**r, **{k: json.dumps(r[k], ensure_ascii=False) for k in ANNOTATION_JSON},
              "review": _json_or_null(r.get("review"))} for r in rows])

    def add_links(self, links: list[dict]) -> None:
        """Store alignment links (source_id, target_id, relation, score, status, evidence, and
        for a reviewed pair its review and the machine's own relation and score)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO links VALUES (:source_id, :target_id, :relation, :score, :status, :evidence, "
            ":review, :machine)",
            [{**l, "evidence": json.dumps(l["evidence"], ensure_ascii=False),
              "review": _json_or_null(l.get("review")), "machine": _json_or_null(l.get("machine"))} for l in links])

    def set_reviews(self, records: list[dict]) -> None:
        """Store the review records of this build (``nlp.reviews.Review.record()``)."""
        self.db.execute("DELETE FROM reviews")
        self.db.executemany("INSERT INTO reviews VALUES (?, ?, ?, ?, ?)",
                            [(r["id"], r["kind"], r["status"], r["stale_since"], json.dumps(r, ensure_ascii=False))
                             for r in records])

    def reviews(self, kind: str | None = None) -> list[dict]:
        """The review records of this build (all kinds when None), in file order."""
        sql = "SELECT data FROM reviews" + (" WHERE kind=?" if kind else "") + " ORDER BY rowid"
        return [json.loads(r[0]) for r in self.db.execute(sql, (kind,) if kind else ())]

    def set_divergence(self, baseline: str, data: dict) -> None:
        """Store the divergence cells computed against one baseline."""
        self.db.execute("INSERT OR REPLACE INTO divergence VALUES (?, ?)",
                        (baseline, json.dumps(data, ensure_ascii=False)))

    def add_run(self, run: dict) -> None:
        """Record a build run."""
        self.db.execute("INSERT INTO runs VALUES (:id, :started_at, :finished_at, :transport, "
                        ":documents, :provisions, :seconds, :notices)", run)

    def copy_from(self, other: "KnowledgeBase", doc_ids: list[str]) -> None:
        """Carry documents (and their provisions) over from another knowledge base."""
        for doc_id in doc_ids:
            row = other.document(doc_id)
            self.add_document(row, other.provisions(doc_id))

    def copy_history(self, other: "KnowledgeBase") -> None:
        """Keep the run history and change reports of the previous build."""
        for r in other.db.execute("SELECT * FROM runs"):
            self.add_run(dict(r))
        self.db.executemany("INSERT OR REPLACE INTO changes VALUES (?, ?, ?)",
                            other.db.execute("SELECT run_id, finished_at, data FROM changes").fetchall())

    def copy_tables(self, other: "KnowledgeBase", tables: Iterable[str]) -> None:
        """Copy whole tables (a stage's outputs) from another knowledge base of this schema."""
        self.db.commit()
        self.db.execute("ATTACH DATABASE ? AS other", (str(other.path),))
        try:
            for t in tables:
                self.db.execute(f"INSERT INTO main.{t} SELECT * FROM other.{t}")
            self.db.commit()
        finally:
            self.db.execute("DETACH DATABASE other")

    def add_change(self, report: dict) -> None:
        """Record a run's change report (a dict with ``run_id`` and ``finished_at``)."""
        self.db.execute("INSERT OR REPLACE INTO changes VALUES (?, ?, ?)",
                        (report["run_id"], report["finished_at"], json.dumps(report, ensure_ascii=False)))

    def set_meta(self, key: str, value: str) -> None:
        """Store a key in the meta table (stage input hashes, code fingerprints)."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str | None:
        """A value from the meta table, or None."""
        r = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return r[0] if r else None

    # reading -------------------------------------------------------------------------
    def documents(self) -> list[dict]:
        """All documents, by family then id."""
        return [dict(r) for r in self.db.execute("SELECT * FROM documents ORDER BY family, id")]

    def document(self, doc_id: str) -> dict | None:
        """One document row, or None."""
        r = self.db.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return dict(r) if r else None

    def provisions(self, doc_id: str) -> list[dict]:
        """A document's provisions in document order (keys as Provision's fields)."""
        return [_prov(r) for r in self.db.execute(
            "SELECT * FROM provisions WHERE doc_id=? ORDER BY ord", (doc_id,))]

    def provision(self, prov_id: str) -> dict | None:
        """One provision, or None."""
        r = self.db.execute("SELECT * FROM provisions WHERE id=?", (prov_id,)).fetchone()
        return _prov(r) if r else None

    def children(self, prov_id: str) -> list[dict]:
        """The direct sub-provisions of ``prov_id`` in order."""
        return [_prov(r) for r in self.db.execute(
            "SELECT * FROM provisions WHERE parent_id=? ORDER BY ord", (prov_id,))]

    def annotation(self, prov_id: str) -> dict | None:
        """A provision's NLP annotations, or None before the NLP stage ran."""
        r = self.db.execute("SELECT * FROM annotations WHERE id=?", (prov_id,)).fetchone()
        return _annotation(r) if r else None

    def annotations(self) -> dict[str, dict]:
        """All annotations by provision id."""
        return {r["id"]: _annotation(r) for r in self.db.execute("SELECT * FROM annotations")}

    def links(self, prov_id: str | None = None, *, relation: str | None = None,
              parse_evidence: bool = True) -> list[dict]:
        """Links from (or, for "explains", to) ``prov_id`` - all links when None - best first.
        ``parse_evidence=False`` leaves each link's evidence as its JSON text, for a reader that
        needs the evidence of a few links only (18 MB of JSON on the full corpus)."""
        sql, args = "SELECT * FROM links", []
        if prov_id is not None:
            sql += " WHERE (source_id=? OR target_id=?)"
            args += [prov_id, prov_id]
        if relation is not None:
            sql += (" AND" if args else " WHERE") + " relation=?"
            args.append(relation)
        return [_link(r, parse_evidence) for r in self.db.execute(sql + " ORDER BY score DESC", args)]

    def divergence(self, baseline: str | None = None) -> dict | None:
        """The divergence data for ``baseline`` (the first stored when None), each instrument
        row marked with whether the instrument is in its current form (``corpus.status``)."""
        r = self.db.execute("SELECT data FROM divergence" + (" WHERE baseline=?" if baseline else "")
                            + " ORDER BY baseline LIMIT 1", (baseline,) if baseline else ()).fetchone()
        if not r:
            return None
        return currency.mark_cells(json.loads(r[0]), {d["id"]: d for d in self.documents()})

    def runs(self) -> list[dict]:
        """Build runs, newest first."""
        return [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY started_at DESC")]

    def changes(self) -> list[dict]:
        """The change reports of published runs, newest first."""
        return [json.loads(r[0]) for r in self.db.execute(
            "SELECT data FROM changes ORDER BY finished_at DESC, run_id DESC")]

    # exports -------------------------------------------------------------------------
    def export(self, out_dir: Path) -> dict[str, int]:
        """Write ``documents.jsonl`` and ``provisions.jsonl`` into ``out_dir`` atomically;
        return the number of rows of each."""
        out_dir.mkdir(parents=True, exist_ok=True)
        docs = self.documents()
        notes = self.annotations()
        doc_lines, prov_lines = [], []
        for d in docs:
            d = dict(d)
            d["binding"] = bool(d["binding"])
            instrument = currency.summary(d)
            d.update(status=currency.status_of(d) or None, current=currency.is_current(d),
                     status_line=currency.status_line(d) or None, versions=currency.versions_of(d))
            for k in ("urls", "counts", "us_relation"):
                d[k] = json.loads(d[k])
            doc_lines.append(json.dumps({k: d[k] for k in DOC_EXPORT_FIELDS}, ensure_ascii=False))
            for p in self.provisions(d["id"]):
                p.update(doc_title=d["title"], **provenance(d, p["version"]), instrument_status=instrument)
                if p["id"] in notes:
                    a = notes[p["id"]]
                    p.update(themes=a["themes"], theme_scores=a["theme_scores"], modality=a["modality"],
                             addressees=a["addressees"], references=a["references"])
                    if a["review"]:
                        p["theme_review"] = a["review"]
                prov_lines.append(json.dumps(p, ensure_ascii=False))
        write_atomic(out_dir / "documents.jsonl", "".join(l + "\n" for l in doc_lines))
        write_atomic(out_dir / "provisions.jsonl", "".join(l + "\n" for l in prov_lines))
        counts = {"documents": len(doc_lines), "provisions": len(prov_lines)}
        links = self.links()
        if links:
            write_atomic(out_dir / "links.jsonl",
                         "".join(json.dumps(l, ensure_ascii=False) + "\n" for l in links))
            counts["links"] = len(links)
        div = self.divergence()
        if div:
            write_atomic(out_dir / "divergence.json", json.dumps(div, ensure_ascii=False, indent=1))
        reviews = self.reviews()
        if reviews:
            write_atomic(out_dir / "reviews.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reviews))
            counts["reviews"] = len(reviews)
        return counts


ANNOTATION_JSON = ("modality_span", "addressees", "bound", "references", "themes", "theme_scores")


def _json_or_null(v) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False)


def _annotation(r: sqlite3.Row) -> dict:
    d = dict(r)
    d["references"] = d.pop("refs")
    out = {k: (json.loads(v) if k in ANNOTATION_JSON else v) for k, v in d.items()}
    out["review"] = json.loads(d["review"]) if d["review"] else None
    return out


def _link(r: sqlite3.Row, parse_evidence: bool = True) -> dict:
    d = dict(r)
    if parse_evidence:
        d["evidence"] = json.loads(d["evidence"])
    for k in ("review", "machine"):
        if d[k]:
            d[k] = json.loads(d[k])
        else:
            del d[k]
    return d


def _prov(r: sqlite3.Row) -> dict:
    d = dict(r)
    d["order"] = d.pop("ord")
    return d


def provision_dicts(provisions: list[Provision]) -> list[dict]:
    """Provisions as the dicts ``add_document`` takes."""
    return [p.to_dict() for p in provisions]
