"""Hybrid clause search over the knowledge base: SQLite FTS5 (BM25) + the FAISS dense index.

Ranking. Each mode ranks candidates (the best ``CANDIDATES``, or ``k`` if larger) and the
lists are fused by weighted reciprocal rank fusion (Cormack et al. 2009): ``score = sum over
lists of FUSION_WEIGHTS[list] / (RRF_K + rank)``, ranks from 1 (the weights and RRF_K are
chosen on development questions; see the constants). A single-mode search reports its own
score instead (``score_kind``: ``bm25`` relevance, higher is better, or ``cosine``); a pinpoint
match says ``pinpoint``. A query that
names a pinpoint ("Article 50", "Art. 5(1)", "Recital 133", "GOVERN 1.1") is a lookup: the
provisions with that pinpoint, and their sub-provisions, come first in keyword and hybrid
mode (``PINPOINT_BONUS`` is added to their fused score). Where several instruments have the
pinpoint, the one whose provision the corpus cites most often comes first.

Keyword queries use FTS5 syntax ("phrases", prefix*, AND/OR/NOT, NEAR(...)). A query in plain
words (none of that syntax) finds first the provisions holding all its words (FTS5's implicit
AND), then those holding any of them without stopwords (an OR, which BM25 ranks by how many and
how rare), so a question finds its clause even when no provision repeats every word. A query
that is not valid FTS5 syntax is never an
error: every whitespace-separated token is quoted and the words searched as plain words,
and ``SearchResults.notes`` says so. Queries reach SQL only as bound parameters.

Highlights are plain text: each matched word is wrapped in ``«`` and ``»`` (query words of
any mode, stemmed like the index: "interacting" marks "interact").
"""
from __future__ import annotations

import bisect
import json
import re
import sqlite3
import threading
from collections import OrderedDict, defaultdict
from pathlib import Path

import numpy as np

from corpus import status as currency
from corpus.versions import provenance

MODES = ("hybrid", "keyword", "semantic")
# What a result's score is, by mode: BM25 relevance (SQLite's bm25() negated, higher is
# better), the cosine of the query and provision vectors, or the fused reciprocal rank.
SCORE_KINDS = {"keyword": "bm25", "semantic": "cosine", "hybrid": "rrf"}
MAX_QUERY = 2000
K_MAX = 100
# Fusion: hybrid score = sum over the lists of weight / (RRF_K + rank). Chosen on the 45
# development questions (tests/data/search_questions.yaml, `scripts/search_quality.py --fit`):
# meaning finds the clause of a question, words the exact clause of a keyword query, so the
# word list counts a fifth, and a small RRF_K lets the first ranks of either list lead. With
# the usual RRF_K = 60 and equal weights hybrid ranked worse than semantic alone.
RRF_K = 10
FUSION_WEIGHTS = {"keyword": 0.2, "semantic": 1.0}
CANDIDATES = 100           # depth of each ranked list before fusion
PINPOINT_BONUS = 1.0       # puts pinpoint lookups ahead of every fused score (those are < 0.11)
FTS_TABLE = "provisions_fts"
FTS_WEIGHTS = (2.0, 2.0, 1.0)   # bm25 weights of pinpoint, heading, text: short fields name the clause
MARK = ("«", "»")
# Pinpoint words people abbreviate; both the query and the stored pinpoints are normalised.
PIN_WORDS = {"art": "article", "arts": "article", "sec": "section", "s": "section", "para": "paragraph",
             "par": "paragraph", "paras": "paragraph", "rec": "recital", "pt": "point", "subpara": "subparagraph"}
OPERATORS = {"AND", "OR", "NOT", "NEAR"}
# Kinds that state no rule of their own: never offered as a computed counterpart.
NO_COUNTERPART_KINDS = {"heading", "footnote", "signature", "adoption-clause", "preamble", "title", "table-row"}
# Kinds a reader cites a clause by: a search grouped by article (``group=True``) folds the hits
# inside one of these (its paragraphs, points, items) under their nearest such ancestor.
ARTICLE_KINDS = frozenset({"article", "annex", "principle", "recommendation", "operative-paragraph",
                           "subcategory", "policy-area", "recital"})
# Words not worth marking in the results of a search by meaning (they match everywhere).
STOPWORDS = frozenset("a an and are as at be by for from in into is it its of on or that the their this to "
                      "with what which who how do does should must may can not".split())


class SearchInputError(ValueError):
    """Bad user input: ``field`` names the parameter; ``valid`` lists accepted values if finite."""

    def __init__(self, message: str, field: str, valid: list[str] | None = None):
        self.message, self.field, self.valid = message, field, valid
        super().__init__(message + (f"; valid values: {', '.join(valid)}" if valid else ""))


class SearchUnavailable(RuntimeError):
    """The knowledge base lacks an index this search needs (rebuild with `govkb build`)."""


class SearchResults(list):
    """The results (dicts, best first) plus ``notes`` about how the query was read."""

    def __init__(self, items=(), notes=(), fts_query: str | None = None):
        super().__init__(items)
        self.notes = list(notes)
        self.fts_query = fts_query


def fts_stage():
    """The build stage that adds the full-text index to the staged knowledge base. It has
    no input hash, so it always runs: rebuilding takes about a second, less than copying
    FTS5's shadow tables would save."""
    from corpus.build import Stage
    return Stage("search", lambda ctx: build_fts(ctx.kb), code=(Path(__file__),), doing="full-text index")


def build_fts(kb) -> dict:
    """Index ``kb``'s provisions in an external-content FTS5 table."""
    import time
    t = time.perf_counter()
    kb.db.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    kb.db.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(pinpoint, heading, text, content='provisions',"
                  " content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2')")
    kb.db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    kb.db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
    kb.db.commit()
    n = kb.db.execute("SELECT count(*) FROM provisions").fetchone()[0]
    return {"fts_rows": n, "fts_s": round(time.perf_counter() - t, 2)}


def pin_key(text: str) -> tuple[str, ...]:
    """A pinpoint as comparable words: "Art. 5(1)" and "Article 5(1)" -> ("article", "5", "1")."""
    return tuple(PIN_WORDS.get(w, w) for w in re.findall(r"\w+", text.lower()))


def quote_tokens(q: str) -> str:
    """``q`` as plain words: every token (split at spaces, quotes and parentheses) as an FTS5
    string; stray operators and tokens without a letter or digit are dropped."""
    return " ".join('"' + t + '"' for t in re.findall(r'[^\s()"]+', q)
                    if re.search(r"\w", t) and t not in OPERATORS)


def quote_hyphenated(q: str) -> str:
    """Hyphenated words outside quotes as FTS5 phrases ("AI-generated" -> '"AI-generated"'): to
    FTS5 a bare "-" is syntax, to a reader it joins a word."""
    parts = re.split(r'("[^"]*")', q)
    return "".join(p if p.startswith('"') else re.sub(r"\w+(?:-\w+)+", lambda m: f'"{m.group(0)}"', p)
                   for p in parts)


def plain_words_query(q: str) -> str | None:
    """A plain-language query (no quotes, parentheses, operators or prefix stars) as an FTS5 OR
    of its words, stopwords left out, hyphenated words as phrases: BM25 ranks the provisions
    holding most of them first, where FTS5's implicit AND demands every word ("who is liable
    when an AI system causes harm" finds almost nothing with AND). None for a query written in
    the syntax: an explicit AND, phrase or NEAR keeps its meaning."""
    if re.search(r'["()*]', q) or any(w in OPERATORS for w in q.split()):
        return None
    words = [w for w in re.findall(r"\w+(?:-\w+)*", q) if w.lower() not in STOPWORDS]
    if len(words) < 2:
        return None
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words))


def _articles(kinds: list[str], parents: list[int]) -> np.ndarray:
    """For each provision (by position), the position of its nearest ancestor-or-self whose
    kind is in ``ARTICLE_KINDS``, or -1; ``parents``: each provision's parent position or -1."""
    out = np.full(len(kinds), -1, dtype=np.int64)
    for n in range(len(kinds)):
        m, seen = n, 0
        while m >= 0 and kinds[m] not in ARTICLE_KINDS and seen < 64:   # 64: a guard against a cycle
            m, seen = parents[m], seen + 1
        out[n] = m if m >= 0 and kinds[m] in ARTICLE_KINDS else -1
    return out


def _highlight_query(q: str, stopwords: frozenset = frozenset()) -> str:
    """Any query word (prefix* kept, ``stopwords`` left out), OR-ed, to mark words in results."""
    words = [w for w in re.findall(r"\w+\*?", q) if w.rstrip("*") not in OPERATORS
             and w.rstrip("*").lower() not in stopwords]
    return " OR ".join(f'"{w.rstrip("*")}"' + ("*" if w.endswith("*") else "") for w in words)


class SearchEngine:
    """Search, provision lookup, links and divergence over one built output directory.

    Thread-safe: each thread gets its own read-only SQLite connection; the FAISS index and
    the embedding model load once, on first semantic search (or ``warm()``).
    """

    def __init__(self, out: str | Path, *, embedder=None):
        self.out = Path(out)
        # Pinned to the build that is live now (OUT/govkb.sqlite links through OUT/current):
        # a later publish must not mix another build's rows into this engine's index.
        self.path = self.live_path(self.out)
        if not self.path.is_file():
            raise FileNotFoundError(f"no knowledge base at {self.out / 'govkb.sqlite'}; run `govkb build` first")
        self.root = self.path.parent
        self._local = threading.local()
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()
        self._index = self._cited = self._citing = None
        self._embedder = embedder     # an already loaded model may be shared between engines
        self._div_cache: dict[str, dict] = {}   # baseline -> parsed divergence data
        self._qcache: OrderedDict = OrderedDict()
        db = self._db()
        self.has_fts = bool(db.execute("SELECT 1 FROM sqlite_master WHERE name=?", (FTS_TABLE,)).fetchone())
        self._load_metadata(db)

    @staticmethod
    def live_path(out: str | Path) -> Path:
        """The knowledge-base file of the build live in ``out`` (through the snapshot links)."""
        return (Path(out) / "govkb.sqlite").resolve()

    @property
    def embedder(self):
        """The embedding model if it has been loaded, else None."""
        return self._embedder

    def is_live(self) -> bool:
        """Whether this engine still serves the live build (no publish or restore since)."""
        return self.live_path(self.out) == self.path

    # setup -------------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path.as_uri() + "?mode=ro", uri=True, check_same_thread=False)
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    def _load_metadata(self, db) -> None:
        """Per-provision arrays (by position = rowid order) so filters are numpy masks."""
        self.docs = {r["id"]: dict(r) for r in db.execute(
            "SELECT id, title, short_title, family, date, binding, url, sha256, retrieved_at, source_kind, version, "
            "status, versions FROM documents")}
        # where each instrument stands, worded once (corpus.status): it travels with every result
        self.standing = {i: currency.summary(d) for i, d in self.docs.items()}
        rows = db.execute("SELECT p.rowid, p.id, p.doc_id, p.kind, p.pinpoint, p.ord, a.modality, a.themes, "
                          "a.theme_scores IS NOT NULL, p.parent_id FROM provisions p "
                          "LEFT JOIN annotations a ON a.id = p.id ORDER BY p.rowid").fetchall()
        self.rowids = np.array([r[0] for r in rows], dtype=np.int64)
        self.ids = [r[1] for r in rows]
        self.pos = {i: n for n, i in enumerate(self.ids)}
        self.rowpos = {int(r): n for n, r in enumerate(self.rowids)}
        self.ord = [r[5] for r in rows]
        self.pinpoints = [r[4] for r in rows]
        self.article = _articles([r[3] for r in rows], [self.pos.get(r[9], -1) for r in rows])
        self.by_id_sorted = sorted(self.ids)
        cols = {"doc": [r[2] for r in rows], "kind": [r[3] for r in rows], "modality": [r[6] or "" for r in rows]}
        self.values, self.codes = {}, {}
        for name, col in cols.items():
            vals = sorted(set(col) - {""})
            code = {v: n for n, v in enumerate(vals)}
            self.values[name] = vals
            self.codes[name] = np.array([code.get(v, -1) for v in col], dtype=np.int32)
        themes = [json.loads(r[7]) if r[7] else [] for r in rows]
        one = db.execute("SELECT theme_scores FROM annotations LIMIT 1").fetchone()
        theme_names = sorted(json.loads(one[0]) if one else {t for ts in themes for t in ts})
        self.values["themes"] = theme_names
        bit = {t: 1 << n for n, t in enumerate(theme_names)}
        self.theme_bits = np.array([sum(bit.get(t, 0) for t in ts) for ts in themes], dtype=np.int64)
        self.values["families"] = sorted({d["family"] for d in self.docs.values()})
        self.pins: dict[tuple, list[int]] = defaultdict(list)
        for n, r in enumerate(rows):
            self.pins[pin_key(r[4])].append(n)

    def _vectors(self):
        """The FAISS index (loaded once) and the map from its rows to our positions."""
        with self._lock:
            if self._index is None:
                from nlp.index import VectorIndex
                d = self.root / "index"
                if not (d / "manifest.json").is_file():
                    raise SearchUnavailable(f"no vector index in {d}; rebuild with `govkb build`")
                emb = self._model()
                idx = VectorIndex.load(d, emb.model_id)
                self._faiss_pos = np.array([self.pos.get(i, -1) for i in idx.ids], dtype=np.int64)
                self._index = idx
        return self._index

    def _model(self):
        if self._embedder is None:
            # The NumPy forward pass gives the model's vectors without importing PyTorch (4.5 s
            # of a one-off CLI query); no vector cache: queries are not worth storing on disk.
            from nlp.query_encoder import QueryEmbedder
            self._embedder = QueryEmbedder()
        return self._embedder

    def warm(self) -> None:
        """Load the FAISS index and the embedding model now (takes seconds once)."""
        self._vectors()
        self._encode("warm up")

    def _encode(self, q: str) -> np.ndarray:
        with self._encode_lock:
            v = self._qcache.get(q)
            if v is None:
                v = self._model().encode([q])
                self._qcache[q] = v
                if len(self._qcache) > 2048:
                    self._qcache.popitem(last=False)
            return v

    # validation --------------------------------------------------------------------------
    def valid_values(self) -> dict[str, list[str]]:
        """Accepted filter values: docs, families, themes, modalities, kinds."""
        return {"docs": sorted(self.docs), "families": self.values["families"], "themes": self.values["themes"],
                "modalities": self.values["modality"], "kinds": self.values["kind"]}

    @staticmethod
    def _check(values, valid: list[str], field: str) -> list[str]:
        values = [values] if isinstance(values, str) else list(values or ())
        bad = [v for v in values if v not in valid]
        if bad:
            raise SearchInputError(f"unknown {field} {', '.join(map(repr, bad))}", field, valid)
        return values

    @staticmethod
    def _date(value: str | None, field: str, end: bool) -> str | None:
        if value in (None, ""):
            return None
        m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", str(value).strip())
        if not m or not (1 <= int(m[2] or 1) <= 12 and 1 <= int(m[3] or 1) <= 31):
            raise SearchInputError(f"{field} {value!r} is not a date like 2024, 2024-06 or 2024-06-13", field)
        # a partial date covers its whole year or month
        return m[1] + "-" + (m[2] or ("12" if end else "01")) + "-" + (m[3] or ("31" if end else "01"))

    @staticmethod
    def check_query(q) -> str:
        """The query, cleaned; SearchInputError if empty, too long or not text."""
        if not isinstance(q, str):
            raise SearchInputError("the query must be text", "q")
        try:
            q.encode("utf-8")
        except UnicodeEncodeError:
            raise SearchInputError("the query is not valid UTF-8 text", "q") from None
        if len(q) > MAX_QUERY:
            raise SearchInputError(f"the query is {len(q)} characters long; the limit is {MAX_QUERY}", "q")
        q = re.sub(r"[\x00-\x1f\x7f]+", " ", q).strip()
        if not q:
            raise SearchInputError("the query is empty", "q")
        return q

    def _mask(self, docs, families, themes, modality, kind, binding, date_from, date_to) -> np.ndarray | None:
        """Which provisions pass the filters (None: no filter)."""
        valid = self.valid_values()
        docs = self._check(docs, valid["docs"], "doc")
        families = self._check(families, valid["families"], "family")
        themes = self._check(themes, valid["themes"], "theme")
        mods = self._check([modality] if modality else [], valid["modalities"], "modality")
        kinds = self._check([kind] if kind else [], valid["kinds"], "kind")
        lo, hi = self._date(date_from, "date_from", False), self._date(date_to, "date_to", True)
        if lo and hi and lo > hi:
            raise SearchInputError(f"date_from {date_from} is after date_to {date_to}", "date_from")
        keep_docs = [d for d, row in self.docs.items()
                     if (not docs or d in docs) and (not families or row["family"] in families)
                     and (binding is None or bool(row["binding"]) == bool(binding))
                     and (not lo or row["date"] >= lo) and (not hi or row["date"] <= hi)]
        mask = None
        if len(keep_docs) < len(self.docs):
            codes = [n for n, d in enumerate(self.values["doc"]) if d in set(keep_docs)]
            mask = np.isin(self.codes["doc"], codes)
        for name, chosen in (("kind", kinds), ("modality", mods)):
            if chosen:
                m = np.isin(self.codes[name], [self.values[name].index(v) for v in chosen])
                mask = m if mask is None else mask & m
        if themes:
            bits = sum(1 << self.values["themes"].index(t) for t in themes)
            m = (self.theme_bits & bits) != 0      # any of the themes
            mask = m if mask is None else mask & m
        return mask

    # retrieval ---------------------------------------------------------------------------
    def _pinpoint_hits(self, q: str, mask) -> list[int]:
        """Positions of provisions whose pinpoint the query names, and their sub-provisions.

        The whole query, or its longest tail (2+ words) naming a pinpoint: "AI Act Article 50"
        -> "Article 50", with the head words ("AI Act") choosing among instruments."""
        key = pin_key(q)
        for start in range(len(key) - 1):
            tail, head = key[start:], set(key[:start])
            hits = self.pins.get(tail)
            if not hits or not any(w.isdigit() or len(w) <= 4 for w in tail[1:]):
                continue
            if head:
                named = [h for h in hits if head <= set(pin_key(self._doc_label(h)))]
                hits = named or hits
            cited = self._citations()
            hits = sorted(hits, key=lambda h: (-cited.get(self.ids[h], 0), self.ids[h]))
            out: list[int] = []
            for h in hits:
                pid = self.ids[h]
                lo = bisect.bisect_left(self.by_id_sorted, pid + "/")
                hi = bisect.bisect_left(self.by_id_sorted, pid + "0")   # "0" sorts right after "/"
                kids = sorted((self.pos[i] for i in self.by_id_sorted[lo:hi]), key=lambda n: self.ord[n])
                out += [n for n in [h, *kids] if mask is None or mask[n]]
            return out
        return []

    def _doc_label(self, n: int) -> str:
        d = self.docs[self.values["doc"][self.codes["doc"][n]]]
        return f"{d['id']} {d['short_title']} {d['title']}"

    def _citations(self) -> dict[str, int]:
        """How often the corpus cites each provision (or a sub-provision of it)."""
        if self._cited is None:
            cited: dict[str, int] = defaultdict(int)
            for (refs,) in self._db().execute("SELECT refs FROM annotations WHERE refs != '[]'"):
                for r in json.loads(refs):
                    t = r.get("target_id") if isinstance(r, dict) else None
                    while t and "/" in t:
                        cited[t] += 1
                        t = t.rsplit("/", 1)[0]
            self._cited = dict(cited)
        return self._cited

    def _fts(self, q: str, mask, depth: int, notes: list) -> tuple[list[tuple[int, float]], str | None]:
        """BM25-ranked positions for the FTS5 query (quoted plain words if it is not valid)."""
        if not self.has_fts:
            raise SearchUnavailable(f"{self.path} has no full-text index; rebuild with `govkb build`")
        sql = (f"SELECT rowid, bm25({FTS_TABLE}, {', '.join(map(str, FTS_WEIGHTS))}) AS s FROM {FTS_TABLE} "
               f"WHERE {FTS_TABLE} MATCH ? ORDER BY s" + (" LIMIT ?" if mask is None else ""))
        def run(query: str, out: list) -> list:
            seen = {n for n, _ in out}
            cur = self._db().execute(sql, (query, depth) if mask is None else (query,))
            for rowid, s in cur:
                n = self.rowpos[rowid]
                if (mask is None or mask[n]) and n not in seen:
                    out.append((n, -s))
                    if len(out) >= depth:
                        break
            cur.close()
            return out

        for attempt in (quote_hyphenated(q), quote_tokens(q)):
            if not attempt:
                notes.append("the query has no searchable words for keyword search")
                return [], None
            try:
                out = run(attempt, [])
                # every word first; then, for a query in plain words, those holding most of them
                anyword = plain_words_query(q)
                if anyword and len(out) < depth:
                    out = run(anyword, out)
                return out, attempt
            except sqlite3.OperationalError:
                if attempt == quote_tokens(q):
                    raise
                notes.append("query treated as plain words (it is not valid FTS5 syntax: check quotes, "
                             "parentheses and AND/OR/NOT/NEAR)")
        return [], None

    def _semantic(self, q: str, mask, depth: int, vec: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss
        idx = self._vectors()
        vec = self._encode(q) if vec is None else vec
        params = None
        if mask is not None:
            allowed = mask[self._faiss_pos] & (self._faiss_pos >= 0)
            if not allowed.any():
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBitmap(np.packbits(allowed, bitorder="little")))
        scores, rows = idx.index.search(vec, min(depth, idx.index.ntotal), params=params)
        return [(int(self._faiss_pos[r]), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def search(self, q: str, *, docs=(), families=(), themes=(), modality=None, kind=None,
               binding: bool | None = None, date_from: str | None = None, date_to: str | None = None,
               k: int = 10, mode: str = "hybrid", links: int = 3, group: bool = False) -> SearchResults:
        """The ``k`` best provisions for ``q`` under the filters, best first (see module docstring).

        Every result names its ``article`` (the nearest enclosing provision of an
        ``ARTICLE_KINDS`` kind, or None). With ``group``, hits inside the same article count
        once: the best of them is the result and the others, from the whole ranked list,
        follow it in its ``also`` list (best first), so ``k`` results are ``k`` articles."""
        q = self.check_query(q)
        if mode not in MODES:
            raise SearchInputError(f"unknown mode {mode!r}", "mode", list(MODES))
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= K_MAX:
            raise SearchInputError(f"k must be an integer from 1 to {K_MAX}, not {k!r}", "k")
        if isinstance(links, bool) or not isinstance(links, int) or not 0 <= links <= K_MAX:
            raise SearchInputError(f"links must be an integer from 0 to {K_MAX}, not {links!r}", "links")
        mask = self._mask(docs, families, themes, modality, kind, binding, date_from, date_to)
        depth, notes, fts_query = max(k, CANDIDATES), [], None
        lists: dict[str, list[tuple[int, float]]] = {}
        pins: list[int] = []
        if mode != "semantic":
            pins = self._pinpoint_hits(q, mask)
            lists["keyword"], fts_query = self._fts(q, mask, depth, notes)
            if pins:   # the lookup goes first; its members keep their BM25 where they have one
                bm = dict(lists["keyword"])
                lists["keyword"] = ([(n, bm.get(n, 0.0)) for n in pins[:depth]]
                                    + [h for h in lists["keyword"] if h[0] not in set(pins)])[:depth]
        # A pinpoint lookup ("Article 50", "AI Act Art. 5(1)") is answered by the pinpoint and
        # the words; meaning adds nothing to it, so hybrid mode does not load the vectors.
        if mode == "semantic" or (mode == "hybrid" and not pins):
            lists["semantic"] = self._semantic(q, mask, depth)
        fused: dict[int, dict] = {}
        for name, ranked in lists.items():
            for rank, (n, raw) in enumerate(ranked, 1):
                hit = fused.setdefault(n, {"score": 0.0, "keyword_rank": None, "semantic_rank": None,
                                           "keyword_score": None, "semantic_score": None})
                hit["score"] += FUSION_WEIGHTS[name] / (RRF_K + rank)
                hit[f"{name}_rank"], hit[f"{name}_score"] = rank, round(raw, 4)
        pinset = set(pins)
        for n in pinset & fused.keys():
            fused[n]["score"] += PINPOINT_BONUS
        order = sorted(fused, key=lambda n: (-fused[n]["score"], fused[n]["keyword_rank"] or 1e9,
                                             fused[n]["semantic_rank"] or 1e9))
        best, also = self._grouped(order, k) if group else (order[:k], {})
        rows = self._rows(best + [m for ms in also.values() for m in ms], q,
                          stopwords=STOPWORDS if mode != "keyword" else frozenset())
        items = []
        for n in best:
            r = rows[n]
            r.update(fused[n], score=round(fused[n]["score"], 6), pinpoint_match=n in pinset, score_kind="rrf")
            if mode != "hybrid":   # one list: its own score says more than a fused rank
                r.update(score=fused[n][f"{mode}_score"], score_kind=SCORE_KINDS[mode])
            if n in pinset:
                r["score_kind"] = "pinpoint"
            r["aligned"] = self._aligned(r["id"], r["doc_id"], links) if links else []
            r["article"] = self._article_ref(n)
            if group:
                r["also"] = [{"id": rows[m]["id"], "pinpoint": rows[m]["pinpoint"], "kind": rows[m]["kind"],
                              "highlight": rows[m]["highlight"], "score": round(fused[m]["score"], 6),
                              "keyword_rank": fused[m]["keyword_rank"], "semantic_rank": fused[m]["semantic_rank"]}
                             for m in also[n]]
            items.append(r)
        return SearchResults(items, notes, fts_query)

    def _grouped(self, order: list[int], k: int) -> tuple[list[int], dict[int, list[int]]]:
        """The best hit of each of the first ``k`` articles in ``order``, and for each the
        other hits of its article (a hit outside any article is its own group)."""
        leaders: list[int] = []
        lead_of: dict[int, int] = {}
        also: dict[int, list[int]] = {}
        for n in order:
            key = int(self.article[n]) if self.article[n] >= 0 else n
            if key in lead_of:
                also[lead_of[key]].append(n)
            elif len(leaders) < k:
                lead_of[key] = n
                leaders.append(n)
                also[n] = []
        return leaders, also

    def _article_ref(self, n: int) -> dict | None:
        """The article a result sits in ({id, pinpoint}), None when it is one or has none."""
        a = int(self.article[n])
        return None if a < 0 or a == n else {"id": self.ids[a], "pinpoint": self.pinpoints[a]}

    def _rows(self, positions: list[int], q: str, stopwords: frozenset = frozenset()) -> dict[int, dict]:
        """Result dicts (without scores) for positions, with highlighted text."""
        if not positions:
            return {}
        rowids = [int(self.rowids[n]) for n in positions]
        marks = ", ".join("?" * len(rowids))
        db = self._db()
        out = {}
        for r in db.execute(
                "SELECT p.rowid, p.id, p.doc_id, p.pinpoint, p.kind, p.heading, p.text, p.version, a.themes, a.modality "
                f"FROM provisions p LEFT JOIN annotations a ON a.id = p.id WHERE p.rowid IN ({marks})", rowids):
            d = self.docs[r["doc_id"]]
            prov = provenance(d, r["version"])
            out[self.rowpos[r["rowid"]]] = {
                "id": r["id"], "doc_id": r["doc_id"], "doc_title": d["title"], "doc_short_title": d["short_title"],
                "pinpoint": r["pinpoint"], "kind": r["kind"], "heading": r["heading"], "text": r["text"],
                "highlight": r["text"] or r["heading"], "source_url": prov["source_url"],
                "retrieved_at": prov["retrieved_at"], "source_kind": prov["source_kind"],
                "themes": json.loads(r["themes"]) if r["themes"] else [],
                "modality": r["modality"], "binding": bool(d["binding"]), "date": d["date"],
                "instrument_status": self.standing[r["doc_id"]]}
        hq = _highlight_query(q, stopwords)
        if self.has_fts and hq:
            sql = (f"SELECT rowid, highlight({FTS_TABLE}, 2, ?, ?), highlight({FTS_TABLE}, 1, ?, ?) FROM {FTS_TABLE} "
                   f"WHERE {FTS_TABLE} MATCH ? AND rowid IN ({marks})")
            try:
                for rowid, text, heading in db.execute(sql, (*MARK, *MARK, hq, *rowids)):
                    out[self.rowpos[rowid]]["highlight"] = text if text else heading
            except sqlite3.OperationalError:
                pass   # highlights are a courtesy: a query FTS5 cannot read keeps plain text
        return out

    # links, provisions, divergence -------------------------------------------------------
    def _link_rows(self, prov_id: str) -> list[dict]:
        """Links of a provision as seen from it: its own candidate lists, conflicts either way
        and recitals that explain it; best first."""
        sql = ("SELECT l.*, CASE WHEN l.source_id = ? THEN l.target_id ELSE l.source_id END AS other "
               "FROM links l WHERE (l.source_id = ? AND l.relation != 'explains') "
               "OR (l.target_id = ? AND l.relation IN ('conflicts', 'explains')) ORDER BY l.score DESC")
        seen, out = set(), []
        for r in self._db().execute(sql, (prov_id, prov_id, prov_id)):
            n = self.pos.get(r["other"])
            if n is None or (r["other"], r["relation"]) in seen:
                continue
            seen.add((r["other"], r["relation"]))
            out.append({"id": r["other"], "doc_id": self.values["doc"][self.codes["doc"][n]],
                        "relation": r["relation"], "score": r["score"], "status": r["status"],
                        "evidence": json.loads(r["evidence"]), "_n": n})
        return out

    def _aligned(self, prov_id: str, doc_id: str, n: int) -> list[dict]:
        rows = [r for r in self._link_rows(prov_id) if r["doc_id"] != doc_id and r["relation"] != "explains"]
        return [{"id": r["id"], "doc_id": r["doc_id"], "pinpoint": self._pin(r["_n"]), "relation": r["relation"],
                 "score": r["score"], "status": r["status"], "instrument_status": self.standing[r["doc_id"]]}
                for r in rows[:n]]

    def _pin(self, n: int) -> str:
        return self._db().execute("SELECT pinpoint FROM provisions WHERE rowid=?",
                                  (int(self.rowids[n]),)).fetchone()[0]

    def _brief(self, p: dict) -> dict:
        return {k: p[k] for k in ("id", "pinpoint", "kind", "heading", "text")}

    def links(self, prov_id: str, *, docs=(), k: int = 10) -> list[dict] | None:
        """Provisions linked with ``prov_id`` (aligned ones in other instruments, conflicts,
        explaining recitals), best first; None if the id is unknown."""
        docs = self._check(docs, sorted(self.docs), "doc")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= K_MAX:
            raise SearchInputError(f"k must be an integer from 1 to {K_MAX}, not {k!r}", "k")
        if prov_id not in self.pos:
            return None
        rows = [r for r in self._link_rows(prov_id) if not docs or r["doc_id"] in docs][:k]
        db = self._db()
        for r in rows:
            p = db.execute("SELECT pinpoint, heading, text FROM provisions WHERE rowid=?",
                           (int(self.rowids[r.pop("_n")]),)).fetchone()
            r.update(pinpoint=p["pinpoint"], heading=p["heading"], text=p["text"],
                     doc_title=self.docs[r["doc_id"]]["title"], instrument_status=self.standing[r["doc_id"]])
        return rows

    def nearest(self, prov_id: str, docs, k: int = 10, exclude=()) -> list[dict]:
        """The provisions of ``docs`` nearest in meaning to ``prov_id`` (cosine of the stored
        vectors; no model needed), for an instrument into which no link was stored. Titles,
        headings, footnotes and signatures are left out; so are the ids in ``exclude``."""
        idx = self._vectors()
        if prov_id not in idx.pos:
            return []
        docs = self._check(docs, sorted(self.docs), "doc")
        mask = self._mask(docs, (), (), None, None, None, None, None)
        vec = idx.vector(prov_id).reshape(1, -1)
        out = []
        for n, sim in self._semantic("", mask, K_MAX * 3, vec=vec):
            pid = self.ids[n]
            if pid in exclude or self.values["kind"][self.codes["kind"][n]] in NO_COUNTERPART_KINDS:
                continue
            out.append({"id": pid, "doc_id": self.values["doc"][self.codes["doc"][n]], "relation": "nearest",
                        "score": round(sim, 4), "status": "computed",
                        "evidence": {"similarity": round(sim, 4),
                                     "note": "nearest in meaning; the aligner stored no link to it"}})
            if len(out) >= k:
                break
        return out

    def provision(self, prov_id: str) -> dict | None:
        """A provision with citation, provenance, parent, siblings (up to 5 either side),
        children, annotations, links and the divergence cells whose evidence cites it."""
        from corpus.store import _annotation, _prov
        db = self._db()
        r = db.execute("SELECT * FROM provisions WHERE id=?", (prov_id,)).fetchone() if isinstance(prov_id, str) else None
        if r is None:
            return None
        p = _prov(r)
        d = dict(db.execute("SELECT * FROM documents WHERE id=?", (p["doc_id"],)).fetchone())
        parent = db.execute("SELECT * FROM provisions WHERE id=?", (p["parent_id"],)).fetchone() if p["parent_id"] else None
        sibs = [_prov(s) for s in db.execute(
            "SELECT * FROM provisions WHERE doc_id=? AND parent_id IS ? ORDER BY ord", (p["doc_id"], p["parent_id"]))]
        me = next(i for i, s in enumerate(sibs) if s["id"] == prov_id)
        a = db.execute("SELECT * FROM annotations WHERE id=?", (prov_id,)).fetchone()
        links = self.links(prov_id, k=K_MAX) or []
        # recitals explain articles: a paragraph or point shows its article's recitals
        up, recitals = prov_id, []
        while "/" in up and not recitals:
            recitals = [l for l in (self.links(up, k=K_MAX) or []) if l["relation"] == "explains"]
            up = up.rsplit("/", 1)[0]
        return {**p, "citation": f"{d['short_title']}, {p['pinpoint']}",
                "instrument_status": self.standing[p["doc_id"]], "provenance": provenance(d, p["version"]),
                "document": {k: d[k] for k in ("id", "title", "short_title", "publisher", "family", "instrument_type",
                                               "date", "version", "url", "sha256", "retrieved_at", "transport",
                                               "source_kind")}
                | {"binding": bool(d["binding"]), "status": currency.status_of(d) or None,
                   "versions": currency.versions_of(d)},
                "parent": self._brief(_prov(parent)) if parent else None,
                "siblings": [self._brief(s) | {"position": i - me} for i, s in enumerate(sibs)
                             if s["id"] != prov_id and abs(i - me) <= 5],
                "sibling_count": len(sibs) - 1,
                "children": [self._brief(c) for c in map(_prov, db.execute(
                    "SELECT * FROM provisions WHERE parent_id=? ORDER BY ord", (prov_id,)))],
                "annotations": _annotation(a) if a else None,
                "links": [l for l in links if l["relation"] != "explains"],
                "recitals": recitals,
                "divergence": self._cells_citing(prov_id)}

    def _cells_citing(self, prov_id: str) -> list[dict]:
        # The knowledge base does not change under a running engine, so the index of cells by
        # cited provision is built once (re-reading the JSON cost ~9 ms per lookup).
        if self._citing is None:
            citing: dict[str, list[dict]] = {}
            for base in self._baselines():
                for c in self._divergence_data(base)["cells"]:
                    by_prov: dict[str, list[dict]] = {}
                    for e in c.get("evidence", []):
                        by_prov.setdefault(e.get("provision_id"), []).append(e)
                    head = {k: c[k] for k in ("instrument", "level", "theme", "label", "score", "instrument_current")
                            if k in c}
                    for pid, ev in by_prov.items():
                        citing.setdefault(pid, []).append({"baseline": base, **head, "evidence": ev})
            self._citing = citing
        return self._citing.get(prov_id, [])

    def _baselines(self) -> list[str]:
        return [r[0] for r in self._db().execute("SELECT baseline FROM divergence ORDER BY baseline")]

    def _divergence_data(self, baseline: str) -> dict:
        if baseline not in self._div_cache:
            r = self._db().execute("SELECT data FROM divergence WHERE baseline=?", (baseline,)).fetchone()
            self._div_cache[baseline] = currency.mark_cells(json.loads(r[0]), self.docs)
        return self._div_cache[baseline]

    def divergence(self, *, instrument=None, theme=None, baseline=None) -> dict:
        """Divergence cells against ``baseline`` (the first stored when None), optionally
        only one instrument (a document id or family) and/or one theme."""
        bases = self._baselines()
        if not bases:
            return {"baseline": None, "baseline_title": None, "labels": [], "cells": []}
        base = self._check([baseline] if baseline else [], bases, "baseline") or bases[:1]
        div = self._divergence_data(base[0])
        cells = div["cells"]
        inst = self._check([instrument] if instrument else [], sorted({c["instrument"] for c in cells}), "instrument")
        th = self._check([theme] if theme else [], sorted({c["theme"] for c in cells}), "theme")
        cells = [c for c in cells if (not inst or c["instrument"] in inst) and (not th or c["theme"] in th)]
        return {**div, "cells": cells}

    def health(self) -> dict:
        """Counts and the vector index manifest (None when there is no index)."""
        m = self.root / "index" / "manifest.json"
        return {"status": "ok", "build": self.root.name, "documents": len(self.docs), "provisions": len(self.ids),
                "index": json.loads(m.read_text()) if m.is_file() else None, "fts": self.has_fts}
