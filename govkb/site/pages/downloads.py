"""Downloads: the documents, provisions (with provenance), published links and divergence
matrices as CSV and JSON, and a page listing them with a licence note per source."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml

from govkb.site.data import Site
from govkb.site.render import page

LICENCES_PATH = Path(__file__).resolve().parents[1] / "licences.yaml"
DOWNLOAD_NOTES = {"documents": "The instruments: title, publisher, bindingness, official URL, sha256",
                  "provisions": "Every provision with its pinpoint, text, modality, themes and provenance",
                  "links": "Alignment links shown on the site (see below), with their evidence"}
LINK_FIELDS = ["source_id", "target_id", "relation", "score", "status", "evidence"]
PROVISION_FIELDS = ["id", "doc_id", "order", "pinpoint", "kind", "parent_id", "num", "heading", "text", "modality",
                    "themes", "source_url", "source_kind", "sha256", "retrieved_at"]
DOCUMENT_FIELDS = ["id", "title", "short_title", "publisher", "family", "instrument_type", "binding", "binds", "date",
                   "version", "url", "source_kind", "sha256", "retrieved_at"]
CELL_FIELDS = ["instrument", "level", "theme", "label", "score", "coverage", "binding", "evidence"]


def pages(site: Site) -> dict[str, str]:
    """The data files and the downloads page that lists them."""
    published = site.published
    files = downloads(site, published)
    licences = yaml.safe_load(LICENCES_PATH.read_text(encoding="utf-8"))
    rows = [(path, path.split("/", 1)[1], about(site, path.split("/", 1)[1]), size(text))
            for path, text in sorted(files.items())]
    return {**files, "downloads/index.md": page(
        site, "downloads.html", "downloads/", "Downloads", files=rows, published=len(published),
        licence={d["id"]: licences.get(d["family"], licences["default"]) for d in site.d.documents})}


def csv_text(rows: list[dict], fields: list[str]) -> str:
    """Rows as CSV, ``fields`` only (lists and dicts as compact JSON in their cell)."""
    def cell(v):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":")) if isinstance(v, (list, dict)) else v

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(fields)
    w.writerows([cell(r.get(k, "")) for k in fields] for r in rows)
    return buf.getvalue()


def downloads(site: Site, published: list[dict]) -> dict[str, str]:
    """The data files offered for download; ``published`` are the links the pages show."""
    prov_rows = []
    for d in site.d.documents:
        for p in site.d.provisions[d["id"]]:
            a = site.d.notes.get(p["id"]) or {}
            prov_rows.append({**p, "source_url": d["url"], "source_kind": d["source_kind"],
                              "sha256": d["sha256"], "retrieved_at": d["retrieved_at"],
                              "modality": a.get("modality", ""), "themes": a.get("themes", [])})
    docs = site.d.documents
    out = {"downloads/documents.csv": csv_text(docs, DOCUMENT_FIELDS),
           "downloads/documents.json": json.dumps([{k: d[k] for k in DOCUMENT_FIELDS} for d in docs],
                                                  ensure_ascii=False, indent=1),
           "downloads/provisions.csv": csv_text(prov_rows, PROVISION_FIELDS),
           "downloads/provisions.json": json.dumps([{k: r[k] for k in PROVISION_FIELDS} for r in prov_rows],
                                                   ensure_ascii=False)}
    if site.d.links:
        out["downloads/links.csv"] = csv_text(published, LINK_FIELDS)
        out["downloads/links.json"] = json.dumps([{k: l[k] for k in LINK_FIELDS} for l in published],
                                                 ensure_ascii=False, separators=(",", ":"))
    for b, div in site.d.divergences.items():
        out[f"downloads/divergence-{b}.csv"] = csv_text(div.get("cells", []), CELL_FIELDS)
        out[f"downloads/divergence-{b}.json"] = json.dumps(div, ensure_ascii=False)
    return out


def size(text: str) -> str:
    """A file's size in KB or MB."""
    n = len(text.encode())
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def about(site: Site, name: str) -> str:
    """What a download file holds."""
    stem = name.rsplit(".", 1)[0]
    if stem.startswith("divergence-"):
        return f"Divergence matrix against {site.baseline_title(stem[len('divergence-'):])}, one row per cell"
    return DOWNLOAD_NOTES.get(stem, "")
