"""What the site shows, loaded once: the knowledge base, the baseline positions and the
divergence matrices as plain objects (``SiteData``, ``load_data``), and ``Site``, which adds
the lookups every page needs and the address of every page and anchor, computed once so any
page can link to any provision wherever pagination put it.

The NLP tables (annotations, links, divergence) may be empty: pages then say which data is
missing instead of failing, so the site can be built from a corpus-only build.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml
from markupsafe import Markup

from corpus import status as currency
from corpus.store import KnowledgeBase
from govkb.review import format_stats, stats
from govkb.site.html import anchor, is_web
from govkb.site.links import published_links, select_links
from nlp.reviews import YAML_LOADER  # the C loader where there is one (baseline files)

BASELINES_DIR = Path(__file__).resolve().parents[2] / "nlp" / "data" / "baselines"
MKDOCS_YML = Path(__file__).resolve().parents[2] / "mkdocs.yml"
CORE_THEMES = ("privacy", "transparency", "content")
FAMILY_NAMES = {"eu": "European Union", "us": "United States", "cn": "China", "coe": "Council of Europe",
                "g7": "G7", "itu": "ITU", "oecd": "OECD", "un": "United Nations", "unesco": "UNESCO"}
# An instrument page is split into parts so that no HTML page approaches 2 MB; the budget
# is the estimated size of the provision markup of one part (MkDocs adds ~100 KB of chrome).
PAGE_BUDGET = 700_000
PER_PROVISION_MARKUP = 620   # measured on the full corpus: tags, anchors and escaping


@dataclass
class SiteData:
    """Everything the site renders, read once from the knowledge base."""
    documents: list[dict]
    provisions: dict[str, list[dict]]
    notes: dict[str, dict] = field(default_factory=dict)
    links: list[dict] = field(default_factory=list)       # evidence parsed by Site for the links it shows
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
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
        out[doc.get("id", path.stem)] = doc
    return out


def repo_url() -> str:
    """The project's repository (``extra.repo_url`` in mkdocs.yml), for "suggest a correction";
    "" unless it is an http(s) URL (the links are then left out)."""
    cfg = yaml.safe_load(MKDOCS_YML.read_text(encoding="utf-8")) if MKDOCS_YML.is_file() else {}
    url = str(((cfg or {}).get("extra") or {}).get("repo_url") or "").rstrip("/")
    return url if is_web(url) else ""


def load_data(kb_path: str | Path, *, baselines_dir: Path = BASELINES_DIR) -> SiteData:
    """Read a knowledge base (and the baseline files) into a ``SiteData``."""
    kb = KnowledgeBase(kb_path)
    try:
        docs = []
        for d in kb.documents():
            d = dict(d)
            for k in ("urls", "counts", "us_relation", "status", "versions"):
                d[k] = json.loads(d[k]) if isinstance(d.get(k), str) and d[k] else d.get(k)
            d["binding"] = bool(d["binding"])
            docs.append(d)
        # The store exposes one baseline at a time; the ids come from its table.
        names = [r[0] for r in kb.db.execute("SELECT baseline FROM divergence ORDER BY baseline")]
        reviews = kb.reviews()
        return SiteData(documents=docs, provisions={d["id"]: kb.provisions(d["id"]) for d in docs},
                        notes=kb.annotations(), links=kb.links(parse_evidence=False),
                        divergences={b: kb.divergence(b) for b in names}, runs=kb.runs(),
                        themes=load_themes(), baselines=load_baselines(baselines_dir),
                        changes=kb.changes(), reviews=reviews,
                        review_stats=format_stats(stats(kb)) if reviews else "", repo_url=repo_url())
    finally:
        kb.db.close()


def doc_url(doc_id: str, part: int = 0) -> str:
    """URL of an instrument page (part 0 is the instrument's main page)."""
    return f"instruments/{doc_id}/" + (f"part-{part + 1}/" if part else "")


def align_url(doc_id: str, part: int = 0) -> str:
    """URL of an instrument's alignment page (part 0 is the main one)."""
    return f"alignment/{doc_id}/" + (f"part-{part + 1}/" if part else "")


def theme_url(theme: str, frag: str = "") -> str:
    """URL of a theme page, optionally with a fragment."""
    return f"themes/{theme}/" + (f"#{frag}" if frag else "")


def md_path(url: str) -> str:
    """The Markdown file behind a directory URL (every generated page is an index.md)."""
    return f"{url}index.md"


# Renders one provision's alignment block for the page at a URL: (site, url) -> (provision -> markup).
# The markup is a template macro's output: Markup, built by the template from escaped parts.
BlockRenderer = Callable[["Site", str], Callable[[dict], Markup]]


class Site:
    """``SiteData`` with the lookups the pages share and every page's and anchor's address.

    ``align_block`` renders alignment blocks (``govkb.site.pages.alignment.block_renderer``):
    alignment pages are split on the size of their rendered blocks, so their addresses need
    the markup; the blocks rendered for the first page of each instrument are kept for it."""

    def __init__(self, data: SiteData, hand: dict[str, str] | None = None, *, align_block: BlockRenderer):
        self.d = data
        self.hand = hand or {}
        self.docs = {d["id"]: d for d in data.documents}
        self.prov = {p["id"]: p for ps in data.provisions.values() for p in ps}
        self.children = defaultdict(list)
        for ps in data.provisions.values():
            for p in ps:
                self.children[p.get("parent_id")].append(p)
        # Where each instrument stands in law (None without a recorded status); the ones whose
        # text in the corpus is not the law as it stands carry a banner wherever they are quoted.
        self.status = {d["id"]: currency.summary(d) for d in data.documents}
        self.not_current = {i for i, s in self.status.items() if s and not s["current"]}
        self.theme_label = {t["id"]: t["label"] for t in data.themes}
        self.parts = {doc: self.paginate(ps) for doc, ps in data.provisions.items()}
        self.url_of = {p["id"]: doc_url(doc, i) for doc, parts in self.parts.items()
                       for i, part in enumerate(parts) for p in part}
        self.on_theme = defaultdict(lambda: defaultdict(list))   # theme -> doc -> provisions
        for pid, a in data.notes.items():
            if pid in self.prov:
                for t in a.get("themes") or ():
                    self.on_theme[t][self.prov[pid]["doc_id"]].append(self.prov[pid])
        self.position_theme = {p.get("id"): p.get("theme") for b in data.baselines.values()
                               for p in b.get("positions") or ()}
        self.cells = {b: {(c["instrument"], c["theme"]): c for c in div.get("cells", [])}
                      for b, div in data.divergences.items()}
        self.align = select_links(data.links)
        self.published = published_links(data.links, self.align)
        # load_data leaves the evidence as JSON text: the site shows or publishes a third of
        # the links (20,000 of 58,000 on the full corpus), and only they need it.
        for l in self.published:
            if isinstance(l["evidence"], str):
                l["evidence"] = json.loads(l["evidence"])
        # Blocks link to provisions, so they are rendered once every instrument part has its
        # URL; a provision's links weigh far more than its text, hence the measured sizes.
        self.align_parts: dict[str, list[list[dict]]] = {}
        self.align_url_of: dict[str, str] = {}
        self.align_first: dict[str, Markup] = {}  # blocks as rendered for the instrument's first page
        for doc, ps in data.provisions.items():
            linked = [p for p in ps if p["id"] in self.align]
            if not linked:
                continue
            render = align_block(self, align_url(doc))
            self.align_first.update((p["id"], render(p)) for p in linked)
            self.align_parts[doc] = self.paginate(linked, lambda p: len(self.align_first[p["id"]]))
            self.align_url_of.update((p["id"], align_url(doc, i))
                                     for i, part in enumerate(self.align_parts[doc]) for p in part)

    # addresses and names ------------------------------------------------------------------
    def prov_url(self, prov_id: str) -> str:
        """URL with anchor of a provision on its instrument page (or "" if unknown)."""
        return f"{self.url_of[prov_id]}#{anchor(prov_id)}" if prov_id in self.url_of else ""

    def citation(self, prov_id: str, with_doc: bool = True) -> tuple[str, str] | None:
        """(URL with anchor, label) of a provision: "Short title, Pinpoint", or the pinpoint
        alone; None if it is not in this build."""
        p = self.prov.get(prov_id)
        if not p:
            return None
        label = f"{self.docs[p['doc_id']]['short_title']}, {p['pinpoint']}" if with_doc else p["pinpoint"]
        return f"{self.url_of[prov_id]}#{anchor(prov_id)}", label

    def cite_label(self, prov_id: str) -> str:
        """"Short title, Pinpoint" of a provision (its id if it is not in this build)."""
        p = self.prov.get(prov_id)
        return f"{self.docs[p['doc_id']]['short_title']}, {p['pinpoint']}" if p else prov_id

    def status_parts(self, doc_id: str) -> tuple[str, str, str]:
        """An instrument's status line in parts (``corpus.status.status_parts``): the
        sentence, what the URL is and the URL, so the page can make the URL a link."""
        return currency.status_parts(self.docs[doc_id])

    def not_current_among(self, doc_ids) -> list[dict]:
        """The documents among ``doc_ids`` whose text is not the law as it stands, in
        document order (a page quoting them shows each one's status)."""
        ids = set(doc_ids) & self.not_current
        return [d for d in self.d.documents if d["id"] in ids]

    def instrument_name(self, instrument: str) -> str:
        """Display name of a matrix row: a document's short title or "All <family>"."""
        if instrument in self.docs:
            return self.docs[instrument]["short_title"]
        return f"All {family_name(instrument)}"

    def baseline_title(self, b: str) -> str:
        """A baseline's title from its position file, else its id."""
        return self.d.baselines.get(b, {}).get("title") or b

    def families(self) -> dict[str, list[dict]]:
        """The documents by family, in document order."""
        fams = defaultdict(list)
        for d in self.d.documents:
            fams[d["family"]].append(d)
        return fams

    def matrix_rows(self, baseline: str) -> list[tuple[str, list[str]]]:
        """A matrix's rows: (family, row ids) by family name, the family's own row first."""
        rows = defaultdict(list)
        for inst, _ in self.cells[baseline]:
            fam = self.docs[inst]["family"] if inst in self.docs else inst
            if inst not in rows[fam]:
                rows[fam].append(inst)
        return [(fam, sorted(rows[fam], key=lambda i: (i in self.docs, self.instrument_name(i))))
                for fam in sorted(rows, key=family_name)]

    # pagination ---------------------------------------------------------------------------
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

    def paginate(self, provs: list[dict], size=None) -> list[list[dict]]:
        """Split provisions into parts under PAGE_BUDGET each, at the highest structural
        boundary that fits; ``size(p)`` estimates a provision's markup (default: its text
        plus fixed markup). ``provs`` may be a subset of a document (the alignment pages)."""
        size = size or (lambda p: len(p["text"]) + len(p["heading"]) + PER_PROVISION_MARKUP)
        parts: list[list[dict]] = [[]]
        total = 0
        for u in self._units(provs, size):
            usize = sum(size(p) for p in u)
            if parts[-1] and total + usize > PAGE_BUDGET:
                parts.append([])
                total = 0
            parts[-1].extend(u)
            total += usize
        return parts


def part_label(part: list[dict]) -> str:
    """What one part of a split page holds: "Article 5" or "Article 5 – Article 9"."""
    ids = {p["id"] for p in part}
    tops = [p for p in part if p["parent_id"] not in ids]
    return tops[0]["pinpoint"] if len(tops) == 1 else f"{tops[0]['pinpoint']} – {tops[-1]['pinpoint']}"


def family_name(family: str) -> str:
    """A family's display name ("eu" -> "European Union"); unknown ids stay as they are."""
    return FAMILY_NAMES.get(family, family)
