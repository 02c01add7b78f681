"""Knowledge base in, site pages out.

``load_data`` reads everything the site shows from a knowledge-base file (and the baseline
position files); ``Site(data).files()`` renders it to a mapping of relative path -> content
(Markdown pages whose bodies are raw HTML, JSON for the compare script, CSV/JSON
downloads). Nothing here runs MkDocs; see ``govkb.site.build``.

The NLP tables (annotations, links, divergence) may be empty: every page then says which
data is missing instead of failing, so the site can be built from a corpus-only build.
"""
from __future__ import annotations

import csv
import functools
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import yaml

from corpus.store import KnowledgeBase
from govkb.changes import atom_feed, run_anchor, summary_line
from govkb.review import format_stats, stats
from govkb.site.html import (LABEL_CODES, LABELS, anchor, badge, esc, fmt_score, link, notice, outbound,
                             rel, shade, shorten, slug, table, text_block)

BASELINES_DIR = Path(__file__).resolve().parents[2] / "nlp" / "data" / "baselines"
LICENCES_PATH = Path(__file__).with_name("licences.yaml")
MKDOCS_YML = Path(__file__).resolve().parents[2] / "mkdocs.yml"
CORE_THEMES = ("privacy", "transparency", "content")
FAMILY_NAMES = {"eu": "European Union", "us": "United States", "cn": "China", "coe": "Council of Europe",
                "g7": "G7", "itu": "ITU", "oecd": "OECD", "un": "United Nations", "unesco": "UNESCO"}
# An instrument page is split into parts so that no HTML page approaches 2 MB; the budget
# is the estimated size of the provision markup of one part (MkDocs adds ~100 KB of chrome).
PAGE_BUDGET = 700_000
PER_PROVISION_MARKUP = 620   # measured on the full corpus: tags, anchors and escaping
# The aligner stores ~10 candidates per provision (58,000 links on the full corpus); pages
# and downloads carry the reviewed part of that and the best few candidates, and say where
# the full lists are (OUT/export/links.jsonl, `govkb align ID`).
TOP_CANDIDATES = 3        # candidate links shown per provision (besides accepted ones)
TOP_EXPLAINS = 5          # recitals shown per article for "explained by" (and articles per recital)
THEME_PAGE_LIMIT = 30     # provisions listed per instrument on a theme page
COMPARE_LIMIT = 8         # provisions per instrument and theme in the compare index
PARTS_SHOWN = 12          # parts on the theme named under a listed provision before "and N more"
INVERSE = {"narrower": "broader", "broader": "narrower", "explains": "explained by"}
EXPLAIN_RELATIONS = ("explains", "explained by")
DOWNLOAD_NOTES = {"documents": "The instruments: title, publisher, bindingness, official URL, sha256",
                  "provisions": "Every provision with its pinpoint, text, modality, themes and provenance",
                  "links": "Alignment links shown on the site (see below), with their evidence"}
LINK_FIELDS = ["source_id", "target_id", "relation", "score", "status", "evidence"]
# The change history grows by one report per published run; the page shows the recent
# ones and bounds each (a re-versioned instrument can renumber thousands of provisions).
# The full reports are OUT/reports/changes-<run>.json and the knowledge base's changes table.
CHANGES_RUNS = 30          # runs on the "What changed" page
CHANGES_PER_RUN = 200      # provision entries shown per run (and as many theme and divergence rows)
FEED_PATH = "changes.xml"  # the Atom feed, at the site root


@dataclass
class SiteData:
    """Everything the site renders, read once from the knowledge base."""
    documents: list[dict]
    provisions: dict[str, list[dict]]
    notes: dict[str, dict] = field(default_factory=dict)
    links: list[dict] = field(default_factory=list)
    divergences: dict[str, dict] = field(default_factory=dict)
    runs: list[dict] = field(default_factory=list)
    themes: list[dict] = field(default_factory=list)
    baselines: dict[str, dict] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)    # change reports, newest first
    reviews: list[dict] = field(default_factory=list)    # review records of the build (nlp.reviews)
    review_stats: str = ""                               # `govkb review stats` of the build
    repo_url: str = ""                                   # where "suggest a correction" files an issue


def load_themes() -> list[dict]:
    """The twelve themes (id, label, scope, includes, excludes) from the NLP taxonomy."""
    from nlp.themes import load_taxonomy
    return [{"id": t.id, "label": t.label, "scope": t.scope, "includes": list(t.includes),
             "excludes": list(t.excludes)} for t in load_taxonomy()]


def load_baselines(directory: Path = BASELINES_DIR) -> dict[str, dict]:
    """Baseline position files by id; none yet is not an error (pages say so)."""
    out = {}
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else ():
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out[doc.get("id", path.stem)] = doc
    return out


def repo_url() -> str:
    """The project's repository (``extra.repo_url`` in mkdocs.yml), for "suggest a correction"."""
    cfg = yaml.safe_load(MKDOCS_YML.read_text(encoding="utf-8")) if MKDOCS_YML.is_file() else {}
    return str(((cfg or {}).get("extra") or {}).get("repo_url") or "").rstrip("/")


def load_data(kb_path: str | Path, *, baselines_dir: Path = BASELINES_DIR) -> SiteData:
    """Read a knowledge base (and the baseline files) into a ``SiteData``."""
    kb = KnowledgeBase(kb_path)
    try:
        docs = []
        for d in kb.documents():
            d = dict(d)
            for k in ("urls", "counts", "us_relation"):
                d[k] = json.loads(d[k]) if isinstance(d[k], str) else d[k]
            d["binding"] = bool(d["binding"])
            docs.append(d)
        # The store exposes one baseline at a time; the ids come from its table.
        names = [r[0] for r in kb.db.execute("SELECT baseline FROM divergence ORDER BY baseline")]
        reviews = kb.reviews()
        return SiteData(documents=docs, provisions={d["id"]: kb.provisions(d["id"]) for d in docs},
                        notes=kb.annotations(), links=kb.links(),
                        divergences={b: kb.divergence(b) for b in names}, runs=kb.runs(),
                        themes=load_themes(), baselines=load_baselines(baselines_dir),
                        changes=kb.changes(), reviews=reviews,
                        review_stats=format_stats(stats(kb)) if reviews else "", repo_url=repo_url())
    finally:
        kb.db.close()


def page(title: str, body: str, *, search: bool = False) -> str:
    """A Markdown page: front matter with the title, then one raw HTML block. ``search``
    marks the page for the Pagefind index (only instrument and theme pages are indexed)."""
    attr = " data-pagefind-body" if search else ""
    # Headings inside raw HTML never reach Material's table of contents, so the right-hand
    # TOC column would stay empty; hiding it gives matrices and tables the width.
    return (f"---\ntitle: {json.dumps(title.replace('<', '').replace('>', ''))}\nhide:\n- toc\n---\n\n"
            f'<div class="govkb"{attr}>\n{body}\n</div>\n')


def filters(**values) -> str:
    """Hidden Pagefind filter elements; a filter may have several values on one page."""
    out = []
    for name, vals in values.items():
        for v in sorted({v for v in (vals if isinstance(vals, (list, set, tuple)) else [vals]) if v}):
            out.append(f'<span data-pagefind-filter="{esc(name)}">{esc(v)}</span>')
    return f'<div class="pf-filters" hidden>{"".join(out)}</div>' if out else ""


def modality(note: dict | None) -> str:
    """A provision's modality for display; "" when it has none (the classifier's "none"
    means the provision states no duty or permission, which needs no tag)."""
    m = (note or {}).get("modality") or ""
    return "" if m == "none" else m


def fmt_conf(score) -> str:
    """A link's calibrated confidence; most candidates are far below 0.01, where two
    decimals would print a misleading 0.00."""
    return "<0.01" if score < 0.005 else f"{score:.2f}"


def csv_text(rows: list[dict], fields: list[str]) -> str:
    """Rows as CSV (lists and dicts as compact JSON in their cell)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: json.dumps(v, ensure_ascii=False, separators=(",", ":")) if isinstance(v, (list, dict)) else v
                    for k, v in r.items()})
    return buf.getvalue()


class Site:
    """Renders ``SiteData`` to site files; page URLs are computed once so every page can
    link to any provision's anchor wherever pagination put it."""

    def __init__(self, data: SiteData, hand_pages: dict[str, str] | None = None):
        self.d = data
        self.hand = hand_pages or {}
        self.docs = {d["id"]: d for d in data.documents}
        self.prov = {p["id"]: p for ps in data.provisions.values() for p in ps}
        self.children = defaultdict(list)
        for ps in data.provisions.values():
            for p in ps:
                self.children[p.get("parent_id")].append(p)
        self.theme_label = {t["id"]: t["label"] for t in data.themes}
        self.parts = {doc: self._paginate(ps) for doc, ps in data.provisions.items()}
        self.url_of = {}
        for doc, parts in self.parts.items():
            for i, part in enumerate(parts):
                for p in part:
                    self.url_of[p["id"]] = self.doc_url(doc, i)
        self.align = select_links(data.links)
        # Alignment pages are split like instrument pages, measured on the rendered blocks
        # (a provision's links weigh far more than its text); instrument pages link each
        # provision to the part that holds its block.
        self.align_parts: dict[str, list[list[dict]]] = {}
        self.align_url_of: dict[str, str] = {}
        self._align_block: dict[str, str] = {}
        for doc, ps in data.provisions.items():
            linked = [p for p in ps if p["id"] in self.align]
            if not linked:
                continue
            base = self.align_url(doc)
            self._align_block.update((p["id"], self.alignment_html(p, base)) for p in linked)
            self.align_parts[doc] = self._paginate(linked, lambda p: len(self._align_block[p["id"]]))
            for i, part in enumerate(self.align_parts[doc]):
                for p in part:
                    self.align_url_of[p["id"]] = self.align_url(doc, i)
        self.on_theme = defaultdict(lambda: defaultdict(list))   # theme -> doc -> provisions
        for pid, a in data.notes.items():
            if pid in self.prov:
                for t in a.get("themes") or ():
                    self.on_theme[t][self.prov[pid]["doc_id"]].append(self.prov[pid])
        self.position_theme = {p.get("id"): p.get("theme") for b in data.baselines.values()
                               for p in b.get("positions") or ()}
        self.cells = {b: {(c["instrument"], c["theme"]): c for c in div.get("cells", [])}
                      for b, div in data.divergences.items()}

    @functools.cached_property
    def published(self) -> list[dict]:
        """The links offered for download (see ``published_links``)."""
        return published_links(self.d.links, self.align)

    # urls ----------------------------------------------------------------------------
    @staticmethod
    def doc_url(doc_id: str, part: int = 0) -> str:
        """URL of an instrument page (part 0 is the instrument's main page)."""
        return f"instruments/{doc_id}/" + (f"part-{part + 1}/" if part else "")

    @staticmethod
    def align_url(doc_id: str, part: int = 0) -> str:
        """URL of an instrument's alignment page (part 0 is the main one)."""
        return f"alignment/{doc_id}/" + (f"part-{part + 1}/" if part else "")

    def prov_url(self, prov_id: str) -> str:
        """URL with anchor of a provision on its instrument page (or "" if unknown)."""
        return f"{self.url_of[prov_id]}#{anchor(prov_id)}" if prov_id in self.url_of else ""

    def cite_label(self, prov_id: str) -> str:
        """"Short title, Pinpoint" of a provision (its id if it is not in this build)."""
        p = self.prov.get(prov_id)
        return f"{self.docs[p['doc_id']]['short_title']}, {p['pinpoint']}" if p else prov_id

    def prov_link(self, here: str, prov_id: str, *, with_doc: bool = True) -> str:
        """Link to a provision labelled "Short title, Pinpoint"; plain text if not in this build."""
        p = self.prov.get(prov_id)
        if not p:
            return f'<span class="missing" title="not in this build">{esc(prov_id)}</span>'
        label = self.cite_label(prov_id) if with_doc else p["pinpoint"]
        return link(rel(here, self.prov_url(prov_id)), label)

    @staticmethod
    def theme_url(theme: str, frag: str = "") -> str:
        """URL of a theme page, optionally with a fragment."""
        return f"themes/{theme}/" + (f"#{frag}" if frag else "")

    def instrument_name(self, instrument: str) -> str:
        """Display name of a matrix row: a document's short title or "All <family>"."""
        if instrument in self.docs:
            return self.docs[instrument]["short_title"]
        return f"All {FAMILY_NAMES.get(instrument, instrument)}"

    # pagination ----------------------------------------------------------------------
    def lineage(self, prov_id: str) -> list[str]:
        """The ids from the top-level provision down to ``prov_id``."""
        chain = [prov_id]
        while self.prov[chain[-1]]["parent_id"] in self.prov:
            chain.append(self.prov[chain[-1]]["parent_id"])
        return chain[::-1]

    def _units(self, provs: list[dict], size, level: int = 0) -> list[list[dict]]:
        """Runs of provisions sharing their ancestor at ``level``; a run over the page budget
        (a preamble of 180 recitals, a chapter of 50 articles) is split one level down, so
        pages break between articles or recitals rather than anywhere."""
        runs: list[list[dict]] = []
        last = None
        for p in provs:
            chain = self.lineage(p["id"])
            key = chain[min(level, len(chain) - 1)]
            if key != last:
                runs.append([])
                last = key
            runs[-1].append(p)
        out = []
        for run in runs:
            if len(run) > 1 and sum(size(p) for p in run) > PAGE_BUDGET:
                out += self._units(run, size, level + 1)
            else:
                out.append(run)
        return out

    def _paginate(self, provs: list[dict], size=None) -> list[list[dict]]:
        """Split provisions into parts under PAGE_BUDGET each, at the highest structural
        boundary that fits; ``size(p)`` estimates a provision's markup (default: its text
        plus fixed markup). ``provs`` may be a subset of a document (the alignment pages)."""
        size = size or (lambda p: len(p["text"]) + len(p["heading"]) + PER_PROVISION_MARKUP)
        units = self._units(provs, size)
        parts: list[list[dict]] = [[]]
        total = 0
        for u in units:
            usize = sum(size(p) for p in u)
            if parts[-1] and total + usize > PAGE_BUDGET:
                parts.append([])
                total = 0
            parts[-1].extend(u)
            total += usize
        return parts

    # pages ---------------------------------------------------------------------------
    def files(self) -> dict[str, str]:
        """Every generated file: relative path under the docs dir -> content."""
        out = {"index.md": self.home(), "matrix/index.md": self.matrix_index(),
               "themes/index.md": self.themes_index(), "instruments/index.md": self.instruments_index(),
               "alignment/index.md": self.alignment_index(), "compare/index.md": self.compare_page(),
               "assets/data/compare.json": json.dumps(self.compare_data(), ensure_ascii=False,
                                                      separators=(",", ":")),
               "search/index.md": self.search_page(), "methodology.md": self.methodology(),
               "changes/index.md": self.changes_page(), FEED_PATH: atom_feed(self.d.changes),
               "reviews/index.md": self.reviews_page()}
        for b in self.d.divergences:
            out[f"matrix/{b}/index.md"] = self.matrix_page(b)
        for t in self.d.themes:
            out[f"themes/{t['id']}/index.md"] = self.theme_page(t)
        for doc in self.d.documents:
            for i in range(len(self.parts[doc["id"]])):
                out[md_path(self.doc_url(doc["id"], i))] = self.instrument_page(doc, i)
            for i in range(len(self.align_parts.get(doc["id"], ()))):
                out[md_path(self.align_url(doc["id"], i))] = self.alignment_page(doc, i)
        downloads = self.downloads()
        out.update(downloads)
        out["downloads/index.md"] = self.downloads_page(downloads)
        for path, text in self.hand.items():
            if path not in out:
                out[path] = text
        return out

    def nav(self) -> list:
        """The MkDocs nav: the pages a reader starts from (instrument parts and alignment
        pages are reached from their instrument page)."""
        fams = defaultdict(list)
        for d in self.d.documents:
            fams[FAMILY_NAMES.get(d["family"], d["family"])].append({d["short_title"]: f"instruments/{d['id']}/index.md"})
        extra = [{"The corpus": p} for p in ("corpus.md",) if p in self.hand]
        return [
            {"Home": "index.md"},
            {"Divergence matrix": ["matrix/index.md"] + [f"matrix/{b}/index.md" for b in self.d.divergences]},
            {"Themes": ["themes/index.md"] + [{t["label"]: f"themes/{t['id']}/index.md"} for t in self.d.themes]},
            {"Instruments": ["instruments/index.md"] + [{f: v} for f, v in fams.items()]},
            {"Provision alignment": "alignment/index.md"},
            {"Compare two instruments": "compare/index.md"},
            {"Search": "search/index.md"},
            {"Methodology": ["methodology.md"] + [p for p in ("methodology-divergence.md",) if p in self.hand]},
            {"Reviews": "reviews/index.md"},
            {"What changed": "changes/index.md"},
            {"Downloads": "downloads/index.md"},
            *extra,
        ]

    # home ----------------------------------------------------------------------------
    def home(self) -> str:
        here = ""
        docs = self.d.documents
        fams = defaultdict(list)
        for d in docs:
            fams[d["family"]].append(d)
        rows = [[esc(FAMILY_NAMES.get(f, f)),
                 ", ".join(link(rel(here, self.doc_url(d["id"])), d["short_title"]) for d in ds),
                 str(sum(len(self.d.provisions[d["id"]]) for d in ds)),
                 str(sum(d["binding"] for d in ds))] for f, ds in fams.items()]
        nprov = sum(len(v) for v in self.d.provisions.values())
        accepted = sum(l["status"] == "accepted" for l in self.d.links)
        run = self.d.runs[0] if self.d.runs else None
        built = (f"Last build: {esc(run['finished_at'])} (corpus version {esc(run['id'])})"
                 if run else "No build run recorded.")
        body = [f'<p class="stats">{len(docs)} instruments, {nprov} provisions, '
                f'{len(self.d.notes)} annotated, {accepted} accepted alignment links '
                f'(and {len(self.d.links) - accepted} candidates). {built}</p>',
                "<h2>Core themes against the US baseline</h2>"]
        if self.d.divergences:
            b = next(iter(self.d.divergences))
            body.append(self.matrix_html(b, [t for t in self.d.themes if t["id"] in CORE_THEMES], here))
            body.append(f'<p>{link(rel(here, f"matrix/{b}/"), "Full matrix: all twelve themes")}</p>')
        else:
            body.append(notice("No divergence data yet: the NLP stage has not produced the "
                               "divergence matrix for this build."))
        body += ["<h2>What is covered</h2>",
                 table(["Family", "Instruments", "Provisions", "Binding instruments"], rows, "coverage")]
        intro = self.hand.get("index.md", "---\ntitle: Home\n---\n\n# govkb\n")
        return intro.rstrip() + '\n\n<div class="govkb">\n' + "\n".join(body) + "\n</div>\n"

    # matrix --------------------------------------------------------------------------
    def legend(self) -> str:
        """The colour legend of the matrices."""
        items = " ".join(f'{badge(l)} <span class="code">({LABEL_CODES[l]})</span>' for l in LABELS)
        return (f'<p class="legend">Legend: {items} {badge(None)}. The score runs from −1 '
                "(the instrument departs from the baseline positions) to +1 (it agrees with them); "
                "darker cells are clearer findings (score further from 0). Not addressed cells have "
                "no score. ✓ marks a cell whose label a reviewer decided from the texts (the reason is "
                "with its evidence); the others are machine suggestions. Each cell links to its evidence "
                "clauses.</p>")

    def matrix_html(self, baseline: str, themes: list[dict], here: str) -> str:
        """Instruments grouped by family x themes; family-level rows first in each group."""
        cells = self.cells[baseline]
        rows_by_fam = defaultdict(list)
        for inst, _ in cells:
            fam = self.docs[inst]["family"] if inst in self.docs else inst
            if inst not in rows_by_fam[fam]:
                rows_by_fam[fam].append(inst)
        head = "".join(f'<th title="{esc(t["label"])}">{esc(t["id"])}</th>' for t in themes)
        lines = [f'<table class="matrix">\n<thead><tr><th>Instrument</th>{head}</tr></thead>\n<tbody>']
        for fam in sorted(rows_by_fam, key=lambda f: FAMILY_NAMES.get(f, f)):
            lines.append(f'<tr class="fam"><th colspan="{len(themes) + 1}">{esc(FAMILY_NAMES.get(fam, fam))}</th></tr>')
            for inst in sorted(rows_by_fam[fam], key=lambda i: (i in self.docs, self.instrument_name(i))):
                tds = []
                for t in themes:
                    c = cells.get((inst, t["id"]))
                    if not c:
                        tds.append('<td class="cell lbl-none">·</td>')
                        continue
                    href = rel(here, self.theme_url(t["id"], f"ev-{baseline}-{slug(inst)}"))
                    if reviewed(c):
                        tip = (f"{c['label']} (reviewed {c['review']['date']}; machine: {c.get('machine_label')}); "
                               f"{coverage_text(c)}")
                        tds.append(f'<td class="cell lbl-{slug(c["label"])} s3 reviewed">'
                                   f'{link(href, LABEL_CODES.get(c["label"], "?") + "✓", title=tip)}</td>')
                        continue
                    tip = (f"{c['label']} (machine suggestion); score {fmt_score(c.get('score'))}; {coverage_text(c)}; "
                           f"{len(c.get('evidence') or [])} evidence clause(s)")
                    tds.append(f'<td class="cell lbl-{slug(c["label"])}{shade(c.get("score"))}">'
                               f'{link(href, LABEL_CODES.get(c["label"], "?"), title=tip)}</td>')
                name = self.instrument_name(inst)
                cell = link(rel(here, self.doc_url(inst)), name) if inst in self.docs else f"<em>{esc(name)}</em>"
                lines.append(f"<tr><th>{cell}</th>{''.join(tds)}</tr>")
        lines.append("</tbody>\n</table>")
        return self.legend() + "\n" + "\n".join(lines)

    def matrix_index(self) -> str:
        here = "matrix/"
        if not self.d.divergences:
            return page("Divergence matrix", "<h1>Divergence matrix</h1>\n" + notice(
                "No divergence data yet: the NLP stage has not produced a divergence matrix for "
                "this build. The matrix appears here once it has run."))
        items = "".join(f"<li>{link(rel(here, f'matrix/{b}/'), self.baseline_title(b))}</li>"
                        for b in self.d.divergences)
        return page("Divergence matrix", f"<h1>Divergence matrices</h1>\n<p>One matrix per baseline:</p>\n<ul>{items}</ul>")

    def baseline_title(self, b: str) -> str:
        """A baseline's title from its position file, else its id."""
        return self.d.baselines.get(b, {}).get("title") or b

    def matrix_page(self, b: str) -> str:
        here = f"matrix/{b}/"
        return page(f"Matrix: {b}", f"<h1>Divergence matrix: {esc(self.baseline_title(b))}</h1>\n"
                    "<p>Rows are instruments grouped by family (a family's overall row first); columns "
                    "are the twelve themes. A cell says how the instrument stands on the theme "
                    "compared with the baseline positions.</p>\n"
                    + self.matrix_html(b, self.d.themes, here))

    # themes --------------------------------------------------------------------------
    def themes_index(self) -> str:
        here = "themes/"
        rows = [[link(rel(here, self.theme_url(t["id"])), t["label"]), esc(shorten(t["scope"], 220)),
                 str(sum(len(v) for v in self.on_theme[t["id"]].values()))] for t in self.d.themes]
        return page("Themes", "<h1>Themes</h1>\n" + table(["Theme", "Scope", "Provisions"], rows))

    def theme_page(self, t: dict) -> str:
        tid, here = t["id"], self.theme_url(t["id"])
        body = [f"<h1>{esc(t['label'])}</h1>", filters(theme=tid), f'<p class="scope">{esc(t["scope"])}</p>']
        body.append("<h2>US positions</h2>")
        found = False
        for b, doc in self.d.baselines.items():
            positions = [pos for pos in doc.get("positions") or () if pos.get("theme") == tid]
            if positions:
                found = True
                body.append(f'<p class="small">From the baseline: {esc(self.baseline_title(b))}.</p>')
            for pos in positions:
                cites = "".join(
                    f"<li>{self.prov_link(here, c)}: "
                    f"<q>{esc(shorten(self.prov.get(c, {}).get('text', ''), 220))}</q></li>"
                    for c in pos.get("citations") or ())
                body.append(f'<div class="position" id="pos-{esc(slug(pos.get("id", "")))}">'
                            f'<p><strong>{esc(pos.get("id", ""))}</strong>: '
                            f'{esc(pos.get("stance") or pos.get("statement") or "")}</p>'
                            f'<p class="small">Grounding clauses:</p><ul>{cites}</ul></div>')
        if not found:
            body.append(notice("No baseline positions on this theme yet."))
        body.append("<h2>Divergence by instrument</h2>")
        if not self.d.divergences:
            body.append(notice("No divergence data yet: the NLP stage has not produced it for this build."))
        for b in self.d.divergences:
            body.append(self.theme_divergence(b, tid, here))
        body.append("<h2>Provisions on this theme</h2>")
        if not self.d.notes:
            body.append(notice("No theme annotations yet: the NLP stage has not annotated this build."))
        for doc in self.d.documents:
            units = self.theme_units(tid, doc["id"])
            if not units:
                continue
            shown = units[:THEME_PAGE_LIMIT]
            cell = next((self.cells[b].get((doc["id"], tid)) for b in self.cells), None)
            items = "".join(self.provision_item(p, here, parts)
                            for p, parts in sorted(shown, key=lambda u: u[0]["order"]))
            more = (f'<p class="small">{len(units) - len(shown)} more on the '
                    f'{link(rel(here, self.doc_url(doc["id"])), "instrument page")}.</p>'
                    if len(units) > len(shown) else "")
            body.append(f'<h3 id="in-{esc(doc["id"])}">{link(rel(here, self.doc_url(doc["id"])), doc["short_title"])} '
                        f'{self.binding_tag(doc)} {badge(cell and cell["label"], cell and cell.get("score"))}</h3>'
                        f'<ul class="provs">{items}</ul>{more}')
        return page(t["label"], "\n".join(body), search=True)

    def theme_divergence(self, b: str, tid: str, here: str) -> str:
        """The divergence cells of one theme against one baseline, with their evidence."""
        cells = [c for (inst, th), c in self.cells[b].items() if th == tid]
        if not cells:
            return notice(f"No divergence cells for this theme against {b}.")
        out = [f"<p>Against {esc(self.baseline_title(b))}:</p>"]
        for c in sorted(cells, key=lambda c: (c["level"] != "family", self.instrument_name(c["instrument"]))):
            ev = c.get("evidence") or []
            rows = [[self.prov_link(here, e.get("provision_id", "")),
                     self.position_link(here, e.get("position_id", "")),
                     esc(e.get("stance", "")), esc(f"{e.get('similarity', 0):.2f}"), esc(modality(e) or "-")]
                    for e in ev]
            evidence = (table(["Provision", "Position", "Stance", "Similarity", "Modality"], rows, "evidence")
                        if rows else '<p class="small">No evidence clauses.</p>')
            subject = c["instrument"] if c["level"] == "document" else f"family:{c['instrument']}"
            shown = badge(c["label"]) if reviewed(c) else badge(c["label"], c.get("score"))
            machine = (f'<p class="small">Machine suggestion: {badge(c.get("machine_label"), c.get("score"))}; the '
                       "evidence below is the machine's.</p>" if reviewed(c) else "")
            out.append(f'<div class="cellev" id="ev-{esc(b)}-{esc(slug(c["instrument"]))}">'
                       f'<h3>{esc(self.instrument_name(c["instrument"]))} {shown}</h3>'
                       f'{self.review_mark(c.get("review"), f"cell:{b}/{subject}/{tid}", here)}{machine}'
                       f'<p class="small">Level: {esc(c["level"])}; {esc(coverage_text(c))}; '
                       f'{esc(binding_text(c))}.</p>{evidence}</div>')
        return "\n".join(out)

    def position_link(self, here: str, pos_id: str) -> str:
        """Link to a baseline position on its theme page; plain text if no file defines it."""
        theme = self.position_theme.get(pos_id)
        return link(rel(here, self.theme_url(theme, f"pos-{slug(pos_id)}")), pos_id) if theme else esc(pos_id)

    @staticmethod
    def binding_tag(doc: dict) -> str:
        return ('<span class="tag binding">binding</span>' if doc["binding"]
                else '<span class="tag nonbinding">non-binding</span>')

    def theme_units(self, tid: str, doc_id: str) -> list[tuple[dict, list[dict]]]:
        """A document's provisions on a theme, best score first, as (provision, parts): a
        provision under an ancestor that is also on the theme is not listed on its own but
        among that ancestor's parts (reading order), so an article and its paragraphs make one
        entry instead of a chain of nested ones (an article's score is the best of its parts')."""
        provs = self.on_theme[tid].get(doc_id) or []
        on = {p["id"] for p in provs}

        def top(p: dict) -> dict:
            best, q = p, p
            while q.get("parent_id") in self.prov:
                q = self.prov[q["parent_id"]]
                if q["id"] in on:
                    best = q
            return best

        parts: dict[str, list[dict]] = defaultdict(list)
        units = []
        for p in sorted(provs, key=lambda p: p["order"]):
            t = top(p)
            if t is p:
                units.append(p)
            else:
                parts[t["id"]].append(p)
        units.sort(key=lambda p: -(self.d.notes[p["id"]].get("theme_scores") or {}).get(tid, 0))
        return [(p, parts[p["id"]]) for p in units]

    def words(self, p: dict, limit: int = 600) -> str:
        """A provision's own words or, for one without (an article whose words are in its
        paragraphs), the first ``limit`` characters of its parts' words in reading order."""
        if (p.get("text") or "").strip():
            return p["text"]
        out, size, stack = [], 0, list(reversed(self.children.get(p["id"], [])))
        while stack and size < limit:
            q = stack.pop()
            if (q.get("text") or "").strip():
                out.append(q["text"])
                size += len(q["text"]) + 1
            stack += reversed(self.children.get(q["id"], []))
        return " ".join(out)

    def provision_item(self, p: dict, here: str, parts: list[dict] = ()) -> str:
        """A provision as a short list item (theme pages): link, modality, excerpt, and the
        pinpoints of its ``parts`` that are on the theme too."""
        a = self.d.notes.get(p["id"]) or {}
        mod = f' <span class="tag modality">{esc(modality(a))}</span>' if modality(a) else ""
        sub = ""
        if parts:
            more = f" and {len(parts) - PARTS_SHOWN} more" if len(parts) > PARTS_SHOWN else ""
            sub = ('<br><span class="small">On this theme within it: '
                   + ", ".join(self.prov_link(here, q["id"], with_doc=False) for q in parts[:PARTS_SHOWN])
                   + f"{more}.</span>")
        head = shorten(p["heading"] or "", 120)
        words = esc(shorten(self.words(p), max(80, 300 - len(head))))
        return (f"<li>{self.prov_link(here, p['id'], with_doc=False)}{mod} "
                + (f"<strong>{esc(head)}</strong> " if head else "") + f"{words}{sub}</li>")

    # instruments ---------------------------------------------------------------------
    def instruments_index(self) -> str:
        here = "instruments/"
        rows = [[link(rel(here, self.doc_url(d["id"])), d["short_title"]), esc(FAMILY_NAMES.get(d["family"], d["family"])),
                 esc(d["instrument_type"]), self.binding_tag(d), esc(d["date"]), self.kind_tag(d),
                 str(len(self.d.provisions[d["id"]]))] for d in self.d.documents]
        return page("Instruments", "<h1>Instruments</h1>\n" + table(
            ["Instrument", "Family", "Type", "Bindingness", "Date", "Text", "Provisions"], rows))

    @staticmethod
    def kind_tag(doc: dict) -> str:
        kind = doc["source_kind"]
        return f'<span class="tag src-{esc(slug(kind))}">{esc(kind)}</span>'

    def provenance(self, doc: dict, full: bool) -> str:
        """The instrument header: provenance, and a banner when the text is not the original."""
        out = []
        if doc["source_kind"] != "original":
            out.append(f'<p class="banner src-{esc(slug(doc["source_kind"]))}">This text is a '
                       f'<strong>{esc(doc["source_kind"].upper())}</strong>, not the publisher\'s original '
                       "document: cite the official text.</p>")
        if not full:
            return "\n".join(out)
        rel_rows = "".join(f"<li>{esc(r.get('relation'))} ({esc(r.get('date'))}): {esc(r.get('note'))} "
                           f"<span class='small'>{esc(r.get('citation'))}</span></li>" for r in doc["us_relation"])
        facts = [("Title", esc(doc["title"])), ("Publisher", esc(doc["publisher"])),
                 ("Type", esc(doc["instrument_type"])), ("Adopted", esc(doc["date"])),
                 ("Version", esc(doc["version"])),
                 ("Bindingness", f'{self.binding_tag(doc)} {esc(doc["binds"])}'),
                 ("Official source", " ".join(outbound(u) for u in doc["urls"] or [doc["url"]])),
                 ("Text", f'{self.kind_tag(doc)} retrieved {esc(doc["retrieved_at"])}'),
                 ("sha256", f'<code>{esc(doc["sha256"])}</code>'),
                 ("US relation", f"<ul>{rel_rows}</ul>" if rel_rows else "none recorded"),
                 ("Notes", esc(doc["notes"]) or "-")]
        out.append('<table class="facts">' + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
                   + "</table>")
        return "\n".join(out)

    def part_label(self, part: list[dict]) -> str:
        ids = {p["id"] for p in part}
        tops = [p for p in part if p["parent_id"] not in ids]
        return tops[0]["pinpoint"] if len(tops) == 1 else f"{tops[0]['pinpoint']} – {tops[-1]['pinpoint']}"

    def parts_nav(self, here: str, urls: list[str], parts: list[list[dict]], i: int, what: str) -> str:
        """The list of an instrument's pages, naming the range of provisions on each."""
        items = "".join(f"<li>{'<strong>' if j == i else ''}{link(rel(here, url), f'Part {j + 1}: {self.part_label(pt)}')}"
                        f"{'</strong>' if j == i else ''}</li>" for j, (url, pt) in enumerate(zip(urls, parts)))
        return f'<nav class="parts"><p>{esc(what)} into {len(parts)} pages:</p><ol>{items}</ol></nav>'

    def instrument_page(self, doc: dict, i: int) -> str:
        """One part of an instrument page: header, part list, every provision in order."""
        parts, here = self.parts[doc["id"]], self.doc_url(doc["id"], i)
        part = parts[i]
        title = doc["short_title"] + (f" (part {i + 1} of {len(parts)})" if len(parts) > 1 else "")
        body = [f"<h1>{esc(title)}</h1>", self.provenance(doc, full=i == 0)]
        if len(parts) > 1:
            body.append(self.parts_nav(here, [self.doc_url(doc["id"], j) for j in range(len(parts))], parts, i,
                                       "This instrument is split"))
            if i == 0:
                # Deep links name the instrument's main page; deeplink.js moves the reader
                # to the part holding the anchor.
                where = {anchor(p["id"]): rel(here, self.doc_url(doc["id"], j))
                         for j, pt in enumerate(parts) if j for p in pt}
                payload = json.dumps(where, separators=(",", ":")).replace("<", "\\u003c")
                body.append(f'<script type="application/json" id="govkb-parts" data-doc="{esc(anchor(doc["id"]))}">{payload}</script>')
        if doc["id"] in self.align_parts:
            body.append(f'<p>{link(rel(here, self.align_url(doc["id"])), "Provision alignment for this instrument")}</p>')
        notes = [self.d.notes.get(p["id"]) or {} for p in part]
        body.append(filters(instrument=doc["short_title"], family=FAMILY_NAMES.get(doc["family"], doc["family"]),
                            theme={t for a in notes for t in a.get("themes") or ()},
                            modality={modality(a) for a in notes}, kind={p["kind"] for p in part}))
        depth = {}
        for p in part:
            depth[p["id"]] = depth.get(p["parent_id"], -1) + 1 if p["parent_id"] else 0
            body.append(self.provision_html(p, doc, min(depth[p["id"]], 5), here))
        return page(title, "\n".join(body), search=True)

    def provision_html(self, p: dict, doc: dict, depth: int, here: str) -> str:
        """A provision on its instrument page: anchored heading, tags, escaped text."""
        a = anchor(p["id"])
        note = self.d.notes.get(p["id"]) or {}
        tags = [f'<span class="tag kind">{esc(p["kind"])}</span>']
        if modality(note):
            tags.append(f'<span class="tag modality">{esc(modality(note))}</span>')
        tags += [link(rel(here, self.theme_url(t)), self.theme_label.get(t, t), "tag theme") for t in note.get("themes") or ()]
        rv = note.get("review")
        if rv and rv["status"] == "current":
            tags.append(f'<span class="tag rv-ok" title="{esc(review_title(rv))}">themes reviewed</span>')
        elif rv:
            tags.append(f'<span class="tag rv-stale" title="{esc(review_title(rv))}">theme review out of date</span>')
        elif note.get("themes"):
            tags.append('<span class="tag rv-machine">themes: machine suggestion</span>')
        al = self.align.get(p["id"])
        if al:
            accepted = sum(l["status"] == "accepted" for l, _, _ in al.links)
            label = f"{accepted} aligned" if accepted else "alignment"
            tags.append(link(rel(here, f"{self.align_url_of[p['id']]}#al-{a}"), label, "tag aligned",
                             title=f"{accepted} accepted link(s), {len(al.links) - accepted} candidate(s) shown"))
        heading = f' <span class="ph">{esc(p["heading"])}</span>' if p["heading"] else ""
        text = f'<p class="pt">{text_block(p["text"])}</p>' if p["text"] else ""
        return (f'<div class="prov d{depth}"><h3 id="{esc(a)}"><a class="pin" href="#{esc(a)}">'
                f'{esc(p["pinpoint"])}</a>{heading}</h3><p class="tags" data-pagefind-ignore>{" ".join(tags)}</p>{text}</div>')

    # alignment -----------------------------------------------------------------------
    def alignment_index(self) -> str:
        here = "alignment/"
        if not self.d.links:
            return page("Provision alignment", "<h1>Provision alignment</h1>\n" + notice(
                "No alignment data yet: the NLP stage has not linked provisions across instruments "
                "for this build."))
        rows = []
        for d in self.d.documents:
            linked = [p["id"] for p in self.d.provisions[d["id"]] if p["id"] in self.align]
            if linked:
                accepted = sum(l["status"] == "accepted" for pid in linked for l, _, r in self.align[pid].shown)
                rows.append([link(rel(here, self.align_url(d["id"])), d["short_title"]), str(len(linked)),
                             str(accepted), str(len(self.align_parts[d["id"]]))])
        return page("Provision alignment", "<h1>Provision alignment</h1>\n" + self.alignment_intro()
                    + table(["Instrument", "Provisions with links", "Accepted links", "Pages"], rows))

    @staticmethod
    def alignment_intro() -> str:
        """How to read an alignment page: what is shown and where the rest is."""
        return (f"<p>For each provision, the provisions of other instruments aligned with it: every "
                f"<strong>accepted</strong> link and every possible conflict, then the best "
                f"{TOP_CANDIDATES} <strong>candidates</strong> (machine suggestions, not reviewed) by "
                f"calibrated confidence; for EU articles, the {TOP_EXPLAINS} recitals that best explain "
                "them. Confidence is the calibrated probability that the link holds: most candidates "
                "are only the nearest texts in other instruments (confidence below 0.01), shown so "
                "that a reviewer can judge them; the similarity in the evidence says how close the "
                "wording is. The aligner proposes about ten candidates per provision: the full lists are in "
                "<code>OUT/export/links.jsonl</code> and the knowledge base of a build, and "
                "<code>govkb align PROVISION_ID</code> prints them for one provision.</p>\n")

    def alignment_page(self, doc: dict, i: int) -> str:
        """One part of an instrument's alignment page."""
        parts, here = self.align_parts[doc["id"]], self.align_url(doc["id"], i)
        title = f"Alignment: {doc['short_title']}" + (f" (part {i + 1} of {len(parts)})" if len(parts) > 1 else "")
        body = [f"<h1>{esc(title)}</h1>", self.alignment_intro() if i == 0 else "",
                f'<p>{link(rel(here, self.doc_url(doc["id"])), "Text of the instrument")}</p>']
        if len(parts) > 1:
            body.append(self.parts_nav(here, [self.align_url(doc["id"], j) for j in range(len(parts))], parts, i,
                                       "This alignment is split"))
        body += [self._align_block[p["id"]] if i == 0 else self.alignment_html(p, here) for p in parts[i]]
        return page(title, "\n".join(body))

    def alignment_html(self, p: dict, here: str) -> str:
        """One provision's block: what explains it (or what it explains), its links, and how
        many candidates are left out."""
        al = self.align[p["id"]]
        out = [f'<div class="align" id="al-{esc(anchor(p["id"]))}"><h3>{self.prov_link(here, p["id"], with_doc=False)}'
               f' <span class="small">{esc(shorten(p["heading"] or p["text"], 120))}</span></h3>']
        for relation in EXPLAIN_RELATIONS:
            items = [(l, o) for l, o, r in al.explains if r == relation]
            if items:
                out.append(f"<p>{esc(relation.capitalize())}: " + ", ".join(
                    f"{self.prov_link(here, o, with_doc=self.prov.get(o, {}).get('doc_id') != p['doc_id'])}"
                    f' <span class="small">{esc(fmt_conf(l["score"]))}{"" if l["status"] == "accepted" else " candidate"}</span>'
                    for l, o in items) + "</p>")
        rows = [[self.prov_link(here, other), esc(r), "-" if reviewed(l) else esc(fmt_conf(l["score"])),
                 f'<span class="st-{esc(slug(l["status"]))}">{esc(l["status"])}</span> '
                 + self.review_mark(l.get("review"), f"link:{l['source_id']}->{l['target_id']}", here),
                 self.evidence_html(l["evidence"])]
                for l, other, r in al.shown]
        if rows:
            out.append(table(["Aligned provision", "Relation", "Confidence", "Status", "Evidence"], rows, "links"))
        if al.more:
            out.append(f'<p class="small more">{al.more} more link(s): '
                       f'<code>govkb align {esc(p["id"])}</code> or <code>links.jsonl</code></p>')
        return "".join(out) + "</div>"

    def review_mark(self, review: dict | None, subject: str, here: str) -> str:
        """Whether a person checked this cell or link: "reviewed" with the reason, decisive
        clauses, reviewer and date; "review out of date" when its text changed since; else
        "machine suggestion". Each with a link to suggest a correction."""
        fix = self.correction_link(subject)
        if not review:
            return f'<span class="rv rv-machine">machine suggestion</span>{fix}'
        decisive = ", ".join(self.prov_link(here, pid) if pid in self.prov else esc(pid) for pid in review["decisive"])
        why = (f'<details class="rv-why"><summary>why</summary><p>{esc(review["reason"])}</p>'
               f'<p class="small">Decisive: {decisive}. Reviewed by {esc(review["reviewer"])} on '
               f'{esc(review["date"])} ({esc(review["file"])}).</p></details>')
        if review["status"] == "current":
            return f'<span class="rv rv-ok">reviewed: {esc(review_verdict(review))}</span>{why}{fix}'
        return (f'<span class="rv rv-stale">review out of date since {esc(review.get("stale_since") or "?")}: '
                f'the text of {esc(", ".join(review.get("changed") or ()))} changed; machine output shown</span>{why}{fix}')

    def correction_link(self, subject: str) -> str:
        """A link that opens an issue on the project's tracker about ``subject``."""
        if not self.d.repo_url:
            return ""
        query = urlencode({"title": f"Correction: {subject}",
                           "body": f"Item: {subject}\n\nWhat is wrong, and which clause shows it:\n"})
        return " " + outbound(f"{self.d.repo_url}/issues/new?{query}", "suggest a correction")

    @staticmethod
    def evidence_html(ev) -> str:
        """The evidence of a link in a few words: similarity, conflict type and modalities,
        the first shared terms, and any textual note (numbers the reader cannot weigh, such
        as hubness corrections, stay in the downloads)."""
        if not isinstance(ev, dict):
            return esc(shorten(json.dumps(ev, ensure_ascii=False), 200))
        bits = []
        if isinstance(ev.get("similarity"), (int, float)):
            bits.append(f"similarity {ev['similarity']:.2f}")
        if ev.get("type"):
            bits.append(esc(str(ev["type"])))
        mods = ev.get("modality")
        if isinstance(mods, list) and len(mods) == 2 and mods[0] != mods[1] and "none" not in mods:
            bits.append(f"{esc(mods[0])} vs {esc(mods[1])}")
        sents = ev.get("sentences")    # a conflict's two opposite sentences, quoted
        if isinstance(sents, list) and len(sents) == 2 and all(isinstance(x, str) and x for x in sents):
            bits.append(f"<q>{esc(shorten(sents[0], 160))}</q> vs <q>{esc(shorten(sents[1], 160))}</q>")
        if ev.get("rule"):
            bits.append(f"rule: {esc(ev['rule'])}")
        terms = ev.get("shared_terms") or []
        if isinstance(terms, list) and terms:
            bits.append("shared terms: " + esc(", ".join(map(str, terms[:6]))) + (" …" if len(terms) > 6 else ""))
        known = {"similarity", "type", "modality", "rule", "shared_terms"}
        bits += [f"{esc(k)}: {esc(shorten(v, 160))}" for k, v in ev.items() if k not in known and isinstance(v, str)]
        return "; ".join(bits) or "-"

    # compare -------------------------------------------------------------------------
    def compare_data(self) -> dict:
        """The index the compare script reads: instruments, baselines, cells, top provisions."""
        provs = {}
        for doc in self.d.documents:
            per = {}
            for t in self.d.themes:
                ps = [p for p, _ in self.theme_units(t["id"], doc["id"])]
                if ps:
                    per[t["id"]] = [[p["pinpoint"], rel("compare/", self.prov_url(p["id"])),
                                     modality(self.d.notes[p["id"]]), shorten(self.words(p) or p["heading"], 240)]
                                    for p in ps[:COMPARE_LIMIT]]
            provs[doc["id"]] = per
        baselines = []
        for b, doc in self.d.baselines.items():
            pos = defaultdict(list)
            for p in doc.get("positions") or ():
                pos[p.get("theme")].append({"id": p.get("id"), "stance": p.get("stance") or p.get("statement") or "",
                                            "cites": [[self.cite_label(c), rel("compare/", self.prov_url(c))]
                                                      for c in p.get("citations") or ()]})
            baselines.append({"id": b, "title": self.baseline_title(b), "positions": pos})
        return {"themes": [{"id": t["id"], "label": t["label"]} for t in self.d.themes],
                "instruments": [{"id": d["id"], "title": d["short_title"], "family": FAMILY_NAMES.get(d["family"], d["family"]),
                                 "binding": d["binding"], "source_kind": d["source_kind"]} for d in self.d.documents],
                "baselines": baselines,
                "cells": {b: {f"{i}|{t}": [c["label"], c.get("score")] for (i, t), c in cells.items()}
                          for b, cells in self.cells.items()},
                "provisions": provs}

    def compare_page(self) -> str:
        body = ["<h1>Compare two instruments</h1>",
                "<p>Pick two instruments (or the US baseline positions) to see, theme by theme, their "
                "divergence label and their provisions on the theme side by side.</p>"]
        if not self.d.notes:
            body.append(notice("No theme annotations yet: the comparison shows labels and provisions "
                               "once the NLP stage has run."))
        body += ['<form class="compare-form" id="compare-form"><label>Left <select id="cmp-left"></select></label> '
                 '<label>Right <select id="cmp-right"></select></label></form>',
                 '<noscript><p class="notice">This comparison needs JavaScript; the theme pages show the same '
                 "data without it.</p></noscript>",
                 '<div id="compare-out" data-index="../assets/data/compare.json"></div>',
                 '<script src="../assets/compare.js"></script>']
        return page("Compare two instruments", "\n".join(body))

    # search --------------------------------------------------------------------------
    @staticmethod
    def search_page() -> str:
        return page("Search", "<h1>Search</h1>\n<p>Full-text search over instrument and theme pages, "
                    "with filters for instrument, family, theme, modality and kind of provision.</p>\n"
                    '<link rel="stylesheet" href="../pagefind/pagefind-ui.css">\n'
                    '<div id="search"></div>\n<script src="../pagefind/pagefind-ui.js"></script>\n'
                    '<script src="../assets/search.js"></script>')

    # methodology ---------------------------------------------------------------------
    def methodology(self) -> str:
        here = "methodology/"
        text = self.hand.get("methodology.md", "---\ntitle: Methodology\n---\n\n# Methodology\n")
        extra = []
        if "methodology-divergence.md" in self.hand:
            extra.append(f'<p>The divergence method is described in detail in '
                         f'{link(rel(here, "methodology-divergence/"), "the divergence methodology")}.</p>')
        else:
            extra.append(notice("The detailed divergence methodology page is not written yet."))
        if self.d.review_stats:
            extra += ['<h2 id="review-figures">Reviews: the figures of this build</h2>',
                      "<p>What <code>govkb review stats</code> prints for this build (the stale reviews are "
                      f"listed on the {link(rel(here, 'reviews/'), 'reviews page')}):</p>",
                      f'<pre class="review-stats">{esc(self.d.review_stats)}</pre>']
        extra.append("<h2>The twelve themes</h2>")
        for t in self.d.themes:
            inc = "".join(f"<li>{esc(x)}</li>" for x in t["includes"])
            exc = "".join(f"<li>{esc(x)}</li>" for x in t["excludes"])
            extra.append(f'<h3 id="theme-{esc(t["id"])}">{link(rel(here, self.theme_url(t["id"])), t["label"])}</h3>'
                         f"<p>{esc(t['scope'])}</p><p>Includes:</p><ul>{inc}</ul><p>Excludes:</p><ul>{exc}</ul>")
        return text.rstrip() + '\n\n<div class="govkb">\n' + "\n".join(extra) + "\n</div>\n"

    # reviews -------------------------------------------------------------------------
    def reviews_page(self) -> str:
        """Reviews: how many there are, the machine's agreement with them, and every review
        whose text changed since it was written (listed for re-review)."""
        here = "reviews/"
        rs = self.d.reviews
        body = ["<h1>Reviews</h1>",
                "<p>A review is a person's verdict on a divergence cell, a cross-framework link or a "
                "provision's themes, written from the texts with a reason and the decisive clauses, and "
                "pinned to the sha256 of every text it rests on. A current review is shown instead of the "
                "machine's output (marked <em>reviewed</em>; the machine's output stays beside it); "
                "everything else is a <em>machine suggestion</em>. When a text changes, its reviews go "
                "out of date: the machine's output is shown again and the review is listed below until "
                f"someone re-reads the text. The rules are on the {link(rel(here, 'methodology/'), 'methodology page')}.</p>"]
        if not rs:
            return page("Reviews", "\n".join(body + [notice("No reviews in this build.")]))
        stale = [r for r in rs if r["status"] == "stale"]
        body.append(f"<h2>Out of date ({len(stale)})</h2>")
        if stale:
            rows = [[esc(r["id"]), esc(review_verdict(r)),
                     ", ".join(self.prov_link(here, p) if p in self.prov else esc(p) for p in r["changed"]),
                     esc(r["stale_since"]), f'<code>{esc(r["file"])}:{esc(r["line"])}</code>'] for r in stale]
            body.append(table(["Review", "Verdict", "Changed text", "Out of date since", "File"], rows, "stale-reviews"))
        else:
            body.append("<p>None: every review rests on the text it was written about.</p>")
        body += ["<h2>Agreement of the machine with the reviews</h2>",
                 f'<pre class="review-stats">{esc(self.d.review_stats)}</pre>']
        return page("Reviews", "\n".join(body))

    # changes -------------------------------------------------------------------------
    def changes_page(self) -> str:
        """What changed: one section per published run (newest first, the last CHANGES_RUNS),
        each with its summary, warnings, instrument and provision changes (word diffs), and
        theme and divergence label changes."""
        here = "changes/"
        reports = self.d.changes
        body = ["<h1>What changed</h1>",
                "<p>Each published build is compared with the one before it, provision by provision: "
                "instruments added, removed or re-versioned (new source bytes); provisions added, removed, "
                "renumbered or amended, with the words <del>deleted</del> and <ins>inserted</ins>; "
                "provisions whose themes changed; divergence cells whose label changed. Newest first. "
                f"The same history is an {link(rel(here, FEED_PATH), 'Atom feed')} "
                f"(<code>{esc(FEED_PATH)}</code>) for feed readers.</p>"]
        if not reports:
            body.append(notice("No change has been recorded yet: the first build is the baseline that "
                               "later builds are compared with."))
        body += [self.change_run(r, here) for r in reports[:CHANGES_RUNS]]
        if len(reports) > CHANGES_RUNS:
            body.append(f'<p class="small">{len(reports) - CHANGES_RUNS} older run(s) are not shown here; '
                        "their reports are in <code>OUT/reports/</code> of the builds and in the "
                        "knowledge base (table <code>changes</code>).</p>")
        return page("What changed", "\n".join(body))

    def change_run(self, r: dict, here: str) -> str:
        """One run's section of the changes page (at most CHANGES_PER_RUN provision entries
        and as many theme entries; the rest is counted and pointed to)."""
        rid = str(r.get("run_id") or "")
        prev = r.get("previous_run_id")
        when = f"Finished {esc(r.get('finished_at') or 'at an unknown time')}" + (
            f"; compared with run {esc(prev)}" if prev else "")
        out = [f'<section class="run" id="{esc(run_anchor(rid))}">',
               f"<h2>{esc((r.get('finished_at') or '')[:10])} run {esc(rid)}</h2>",
               f'<p class="small">{when}.</p>', f'<p class="stats">{esc(summary_line(r))}.</p>']
        out += [notice(f"{label}: {x}", "notice warning") for key, label in (("failures", "Failure"), ("warnings", "Warning"))
                for x in r.get(key) or ()]
        if r.get("note") == "first build":
            out.append("<p>First build: the baseline later builds are compared with; its provisions are "
                       "counted, not listed.</p>")
        if r.get("documents"):
            rows = [[self.doc_label(here, d.get("id"), d.get("title")), esc(d.get("change")),
                     f"{esc(d.get('old_version') or '-')} → {esc(d.get('new_version') or '-')}",
                     f"<code>{esc((d.get('old_sha256') or '-')[:12])}</code> → "
                     f"<code>{esc((d.get('new_sha256') or '-')[:12])}</code>"] for d in r["documents"]]
            out += ["<h3>Instruments</h3>", table(["Instrument", "Change", "Version", "sha256"], rows)]
        budget, left = CHANGES_PER_RUN, 0
        for doc_id, diff in (r.get("provisions") or {}).items():
            items = self.change_items(diff, here)
            shown, budget = items[:max(budget, 0)], budget - len(items)
            left += len(items) - len(shown)
            note = notice(diff["note"]) if diff.get("note") else ""
            if shown or note:
                out.append(f"<h3>{self.doc_label(here, doc_id, self.docs.get(doc_id, {}).get('short_title'))}</h3>"
                           f'{note}<ul class="changes">{"".join(shown)}</ul>')
        themes = r.get("themes") or []
        if themes:
            rows = [[self.prov_link(here, t.get("id", "")), self.theme_links(here, t.get("added")),
                     self.theme_links(here, t.get("removed"))] for t in themes[:CHANGES_PER_RUN]]
            left += max(0, len(themes) - CHANGES_PER_RUN)
            out += ["<h3>Themes</h3>", table(["Provision", "Themes added", "Themes removed"], rows)]
        cells = r.get("divergence") or []
        if cells:
            # A build that first runs the NLP stage makes every cell "appear": hundreds.
            rows = [[esc(self.baseline_title(c.get("baseline") or "")), esc(self.instrument_name(c.get("instrument") or "")),
                     self.theme_links(here, [c.get("theme")]), badge(c.get("old_label"), c.get("old_score")),
                     badge(c.get("new_label"), c.get("new_score"))] for c in cells[:CHANGES_PER_RUN]]
            left += max(0, len(cells) - CHANGES_PER_RUN)
            out += ["<h3>Divergence labels</h3>", table(["Baseline", "Instrument", "Theme", "Before", "After"], rows)]
        if left:
            out.append(f'<p class="small more">{left} more change(s) of this run are not shown: '
                       f"<code>OUT/reports/changes-{esc(rid)}.json</code> of the build has them all.</p>")
        return "\n".join(out) + "\n</section>"

    def change_items(self, diff: dict, here: str) -> list[str]:
        """A document's provision changes as list items: amended, renumbered, added, removed."""
        tag = lambda what: f'<span class="tag ch-{what}">{what}</span> '
        items = [f"<li>{tag('amended')}{self.prov_link(here, p.get('id', ''), with_doc=False)}"
                 f"{diff_html(p.get('diff'))}</li>" for p in diff.get("amended") or ()]
        items += [f"<li>{tag('renumbered')}{esc(p.get('old_pinpoint'))} → "
                  f"{self.prov_link(here, p.get('new_id', ''), with_doc=False)} "
                  f'<span class="small">{esc(p.get("old_id"))} → {esc(p.get("new_id"))}</span>'
                  f"{diff_html(p.get('diff')) if p.get('diff') else ' (words unchanged)'}</li>"
                  for p in diff.get("renumbered") or ()]
        items += [f"<li>{tag('added')}{self.prov_link(here, p.get('id', ''), with_doc=False)} "
                  f"<q>{esc(p.get('text'))}</q></li>" for p in diff.get("added") or ()]
        items += [f"<li>{tag('removed')}{esc(p.get('pinpoint'))} <span class=\"small\">{esc(p.get('id'))}</span> "
                  f"<q>{esc(p.get('text'))}</q></li>" for p in diff.get("removed") or ()]
        return items

    def doc_label(self, here: str, doc_id, title) -> str:
        """An instrument named in a change report: linked while it is in this build."""
        if doc_id in self.docs:
            return link(rel(here, self.doc_url(doc_id)), title or self.docs[doc_id]["short_title"])
        return f'{esc(title or doc_id)} <span class="small">({esc(doc_id)}, not in this build)</span>'

    def theme_links(self, here: str, themes) -> str:
        """Theme ids as links to their pages (plain text for an unknown id)."""
        return ", ".join(link(rel(here, self.theme_url(t)), self.theme_label[t]) if t in self.theme_label
                         else esc(t) for t in themes or ()) or "-"

    # downloads -----------------------------------------------------------------------
    def downloads(self) -> dict[str, str]:
        """The data files offered for download."""
        prov_rows = []
        for d in self.d.documents:
            for p in self.d.provisions[d["id"]]:
                a = self.d.notes.get(p["id"]) or {}
                prov_rows.append({**p, "source_url": d["url"], "source_kind": d["source_kind"],
                                  "sha256": d["sha256"], "retrieved_at": d["retrieved_at"],
                                  "modality": a.get("modality", ""), "themes": a.get("themes", [])})
        pf = ["id", "doc_id", "order", "pinpoint", "kind", "parent_id", "num", "heading", "text", "modality",
              "themes", "source_url", "source_kind", "sha256", "retrieved_at"]
        df = ["id", "title", "short_title", "publisher", "family", "instrument_type", "binding", "binds", "date",
              "version", "url", "source_kind", "sha256", "retrieved_at"]
        out = {"downloads/documents.csv": csv_text(self.d.documents, df),
               "downloads/documents.json": json.dumps([{k: d[k] for k in df} for d in self.d.documents], ensure_ascii=False, indent=1),
               "downloads/provisions.csv": csv_text(prov_rows, pf),
               "downloads/provisions.json": json.dumps([{k: r[k] for k in pf} for r in prov_rows], ensure_ascii=False)}
        if self.d.links:
            links = self.published
            out["downloads/links.csv"] = csv_text(links, LINK_FIELDS)
            out["downloads/links.json"] = json.dumps([{k: l[k] for k in LINK_FIELDS} for l in links],
                                                     ensure_ascii=False, separators=(",", ":"))
        for b, div in self.d.divergences.items():
            cf = ["instrument", "level", "theme", "label", "score", "coverage", "binding", "evidence"]
            out[f"downloads/divergence-{b}.csv"] = csv_text(div.get("cells", []), cf)
            out[f"downloads/divergence-{b}.json"] = json.dumps(div, ensure_ascii=False)
        return out

    def downloads_page(self, files: dict[str, str]) -> str:
        here = "downloads/"
        def size(text: str) -> str:
            n = len(text.encode())
            return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"

        def about(name: str) -> str:
            stem = name.rsplit(".", 1)[0]
            if stem.startswith("divergence-"):
                return f"Divergence matrix against {self.baseline_title(stem[len('divergence-'):])}, one row per cell"
            return DOWNLOAD_NOTES.get(stem, "")

        rows = [[link(rel(here, path), path.split("/", 1)[1]), esc(about(path.split("/", 1)[1])), size(text)]
                for path, text in sorted(files.items())]
        licences = yaml.safe_load(LICENCES_PATH.read_text(encoding="utf-8"))
        lic = [[link(rel(here, self.doc_url(d["id"])), d["short_title"]), esc(d["publisher"]),
                esc(licences.get(d["family"], licences["default"]))] for d in self.d.documents]
        missing = "" if self.d.links else notice("No links or divergence files yet: the NLP stage has not run.")
        if self.d.links:
            n = len(self.published)
            missing = (f"<p>The links files hold the {n} links the alignment pages show (accepted links, "
                       f"conflicts, the best {TOP_CANDIDATES} candidates of each provision) and every "
                       f"explanation and conflict; the full set of {len(self.d.links)} candidate links is "
                       "<code>OUT/export/links.jsonl</code> of a build (and its knowledge base, "
                       "<code>OUT/govkb.sqlite</code>).</p>")
        return page("Downloads", "<h1>Downloads</h1>\n<p>Provisions with their provenance, alignment links "
                    "and divergence matrices, as CSV and JSON. List and dict cells of the CSV files are "
                    "compact JSON.</p>\n" + table(["File", "Contents", "Size"], rows, "files") + missing +
                    "\n<h2>Licences of the source texts</h2>\n<p>The texts belong to their publishers; "
                    "these notes are the project's reading of each publisher's terms, not legal advice. "
                    "Check the official source before reusing a text.</p>\n"
                    + table(["Instrument", "Publisher", "Licence note"], lic))


@dataclass
class Alignment:
    """What the site shows of one provision's links, seen from that provision: ``shown``
    (accepted links, conflicts, the best TOP_CANDIDATES candidates), ``explains`` (the best
    TOP_EXPLAINS "explains"/"explained by" links) and how many candidates it leaves out.
    Items are (link, other provision id, relation as seen from this provision)."""
    shown: list = field(default_factory=list)
    explains: list = field(default_factory=list)
    more: int = 0

    @property
    def links(self) -> list:
        return self.explains + self.shown


def _rank(item) -> tuple:
    link = item[0]
    return (not reviewed(link), link["status"] != "accepted", -(link["score"] or 0))


def reviewed(item: dict) -> bool:
    """Whether a cell or link carries a current review (its verdict is the one shown)."""
    return bool(item.get("review")) and item["review"]["status"] == "current"


def review_verdict(review: dict) -> str:
    v = review["verdict"]
    return ", ".join(v) or "no theme" if isinstance(v, list) else str(v)


def review_title(review: dict) -> str:
    """A review in one line, for a tooltip (the reason is free text: it goes in the page, not
    in an attribute)."""
    return (f"reviewed: {review_verdict(review)} ({review['reviewer']}, {review['date']}"
            + (f"; out of date since {review['stale_since']}" if review["status"] == "stale" else "") + ")")


def select_links(links: list[dict]) -> dict[str, Alignment]:
    """The site's view of the alignment links, by provision.

    A provision sees its own candidate list (links it is the source of), and from the other
    side only what is about both: accepted links, conflicts and explanations. The reverse
    direction of another provision's candidate list is left out, as `govkb align` does."""
    seen = defaultdict(list)
    for l in links:
        if l["status"] == "rejected":   # a reviewer found no counterpart relation
            continue
        relation = l["relation"]
        seen[l["source_id"]].append((l, l["target_id"], relation))
        if l["status"] == "accepted" or relation in ("explains", "conflicts"):
            seen[l["target_id"]].append((l, l["source_id"], INVERSE.get(relation, relation)))
    out = {}
    for pid, items in seen.items():
        items.sort(key=_rank)
        explains, fixed, cands = [], [], []
        for x in items:
            if x[2] in EXPLAIN_RELATIONS:
                explains.append(x)
            elif x[0]["status"] == "accepted" or x[2] == "conflicts":
                fixed.append(x)
            else:
                cands.append(x)
        al = Alignment(shown=fixed + cands[:TOP_CANDIDATES], explains=explains[:TOP_EXPLAINS],
                       more=max(0, len(cands) - TOP_CANDIDATES) + max(0, len(explains) - TOP_EXPLAINS))
        if al.links:
            out[pid] = al
    return out


def published_links(links: list[dict], align: dict[str, Alignment]) -> list[dict]:
    """The links the site offers for download: every link a page shows, plus all
    explanations and conflicts (few, and reviewed as a set), in store order."""
    keep = {id(x[0]) for al in align.values() for x in al.links}
    return [l for l in links if id(l) in keep or l["relation"] in ("explains", "conflicts")]


def diff_html(ops: list[dict] | None) -> str:
    """A word diff (``govkb.changes.word_diff``) as escaped HTML: deletions in <del>,
    insertions in <ins>."""
    words = []
    for op in ops or ():
        t = esc(op.get("text"))
        words.append(f"<del>{t}</del>" if op.get("op") == "delete" else f"<ins>{t}</ins>" if op.get("op") == "insert" else t)
    return f'<div class="diff">{" ".join(words)}</div>'


def md_path(url: str) -> str:
    """The Markdown file behind a directory URL (every generated page is an index.md)."""
    return f"{url}index.md"


def coverage_text(cell: dict) -> str:
    """How much of the instrument bears on the theme, in words."""
    cov = cell.get("coverage") or {}
    if not isinstance(cov, dict):
        return f"coverage {cov}"
    return (f"{cov.get('provisions', 0)} provision(s) on the theme, "
            f"mean theme score {cov.get('mean_theme_score', 0):.2f}")


def binding_text(cell: dict) -> str:
    """How binding the instrument's provisions on the theme are, in words."""
    b = cell.get("binding") or {}
    if not isinstance(b, dict):
        return "binding" if b else "non-binding"
    kind = {True: "binding instrument", False: "non-binding instrument"}.get(b.get("instrument_binding"), "mixed")
    return f"{kind}; {b.get('binding_provisions', 0)} provision(s) with binding force"
