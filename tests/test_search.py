"""The search engine on a real small knowledge base: five mirror documents built with the
NLP and FTS stages and a one-position baseline written for the test. Loads the real
embedding model (the build encodes ~1,900 texts unless a vector cache is found: see
``_seed_cache`` in conftest)."""
from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from govkb.search import K_MAX, MAX_QUERY, SearchEngine, SearchInputError, SearchUnavailable

pytestmark = [pytest.mark.model, pytest.mark.slow]

DOCS = ("eu-ai-act", "g7-hiroshima-code", "cn-ai-labeling-measures-2025", "us-eo-14320", "oecd-ai-2024")
BASELINE = """
id: search-test
title: A one-position baseline for the search tests
description: Written for the search tests.
positions:
  - id: s-trade-01
    theme: trade
    stance: Selling complete AI technology packages abroad is encouraged.
    favours: [export promotion]
    opposes: [export restrictions]
    affirm: [The administration helps firms sell complete AI technology packages to foreign partners.]
    oppose: [Companies need a licence before selling AI technology abroad.]
    rules: [voluntary-measure]
    citations: [us-eo-14320/sec-1]
"""


def build_subset(subset_kb) -> Path:
    """The five-document KB (built once per session; test_search_cli shares it)."""
    return subset_kb("search", DOCS, BASELINE, min_fts_rows=1501)


@pytest.fixture(scope="module")
def kb_out(subset_kb):
    return build_subset(subset_kb)


@pytest.fixture(scope="module")
def engine(kb_out):
    return SearchEngine(kb_out)


def ids(results):
    return [r["id"] for r in results]


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_article_50_ranks_the_ai_act_article_first(engine, mode):
    res = engine.search("Article 50", mode=mode, k=10)
    assert ids(res)[0] == "eu-ai-act/art-50"
    art50 = {i for i in engine.ids if i == "eu-ai-act/art-50" or i.startswith("eu-ai-act/art-50/")}
    assert set(ids(res)[:len(art50)]) == art50          # the article and all its paragraphs, first
    assert res[0]["pinpoint"] == "Article 50" and res[0]["doc_title"].startswith("Regulation (EU) 2024/1689")
    assert res[1]["pinpoint"] == "Article 50(1)" and res[0]["score"] > res[-1]["score"]


@pytest.mark.parametrize("query, first", [
    ("Art. 50(2)", "eu-ai-act/art-50/par-2"), ("art 50(2)", "eu-ai-act/art-50/par-2"),
    ("Recital 133", "eu-ai-act/rct-133"), ("Action 7", "g7-hiroshima-code/action-7"),
    ("Principle 1.2", "oecd-ai-2024/1.2"), ("AI Act Article 5", "eu-ai-act/art-5"),
    ("EO 14320 Sec. 1", "us-eo-14320/sec-1"), ("Section 1", "oecd-ai-2024/sct-1")])
def test_pinpoint_queries_look_the_provision_up(engine, query, first):
    assert ids(engine.search(query, mode="keyword", k=3))[0] == first


def test_article_5_is_not_article_50(engine):
    assert not any(i.startswith("eu-ai-act/art-50") for i in ids(engine.search("Article 5", mode="keyword", k=20)))


def test_semantic_finds_transparency_duties_across_instruments(engine):
    res = engine.search("tell people they are interacting with an AI system", mode="semantic", k=10)
    assert "eu-ai-act/art-50/par-1" in ids(res)
    # the OECD principle "make stakeholders aware of their interactions with AI systems"
    assert "oecd-ai-2024/1.3/ii" in ids(res) and {r["doc_id"] for r in res} - {"eu-ai-act"}
    assert all(r["keyword_rank"] is None and r["semantic_rank"] for r in res)


def test_grouping_by_article(engine):
    """Grouped, k results are k different articles; each hit of the flat ranking is either a
    result or listed under its article's result; an article's own row counts as its article."""
    q = "providers shall inform natural persons that they are interacting with an AI system"
    flat = engine.search(q, k=K_MAX, links=0)
    grouped = engine.search(q, k=5, links=0, group=True)
    art = lambda r: (r["article"] or {}).get("id", r["id"])  # noqa: E731
    assert len(grouped) == 5 and len({art(r) for r in grouped}) == 5
    assert [art(r) for r in grouped] == list(dict.fromkeys(art(r) for r in flat))[:5]
    for g in grouped:
        members = [r["id"] for r in flat if art(r) == art(g)]
        # in rank order and nothing lost (the group also reaches hits below the flat top 100)
        assert [g["id"], *(a["id"] for a in g["also"])][:len(members)] == members
    assert engine.search(q, k=1, links=0)[0]["article"] == {"id": "eu-ai-act/art-50", "pinpoint": "Article 50"}
    assert engine.search("Article 50", k=1, links=0)[0]["article"] is None       # the article itself


def test_result_fields_and_highlights(engine):
    res = engine.search("synthetic audio", k=5)
    r = next(r for r in res if r["id"] == "eu-ai-act/art-50/par-2")
    for key in ("id", "doc_id", "doc_title", "pinpoint", "kind", "heading", "text", "score", "keyword_rank",
                "semantic_rank", "highlight", "source_url", "retrieved_at", "source_kind", "themes",
                "modality", "binding", "date", "aligned", "article"):
        assert key in r
    assert "«synthetic» «audio»" in r["highlight"] and r["keyword_rank"] and r["semantic_rank"]
    assert r["source_url"].startswith("https://eur-lex") and r["binding"] is True and r["date"] == "2024-06-13"
    assert 1 <= len(r["aligned"]) <= 3 and all(a["doc_id"] != "eu-ai-act" for a in r["aligned"])
    assert [r["score"] for r in res] == sorted((r["score"] for r in res), reverse=True)


@pytest.mark.parametrize("query, expect", [
    ('"synthetic content"', "synthetic content"), ("watermark*", "watermark"),
    ("deepfake OR watermark*", None), ("labels NOT implicit", None),
    ('NEAR("synthetic content" labels, 8)', None)])
def test_fts5_syntax_is_honoured(engine, query, expect):
    res = engine.search(query, mode="keyword", k=10)
    assert res and not res.notes and res.fts_query == query
    if expect:
        assert all(expect in (r["text"] + r["heading"]).lower() for r in res)
    if "NOT implicit" in query:
        assert all("implicit" not in r["text"].lower() for r in res)


@pytest.mark.parametrize("query", ['"synthetic content', 'labels AND', 'OR labels', 'NEAR', 'NEAR(labels',
                                   "*", "(labels", "labels)", "()", "AND OR NOT", "'; DROP TABLE provisions; --"])
@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_invalid_fts_syntax_falls_back_to_plain_words(engine, query, mode):
    res = engine.search(query, mode=mode, k=5)
    if query != "NEAR":    # a lone NEAR is a valid FTS5 word
        assert any("plain words" in n for n in res.notes)
    if "labels" in query:
        assert res and any("label" in r["text"].lower() for r in res)
    if mode == "hybrid":
        assert len(res) == 5     # the semantic side always answers
    assert sqlite3.connect(engine.path).execute("SELECT count(*) FROM provisions").fetchone()[0] > 1500


def test_filters_narrow(engine):
    q = "labels for generated content"
    base = engine.search(q, k=30)
    assert {r["doc_id"] for r in base} > {"cn-ai-labeling-measures-2025"}
    checks = [(dict(families=["cn"]), lambda r: r["doc_id"].startswith("cn-")),
              (dict(docs=["eu-ai-act", "g7-hiroshima-code"]), lambda r: r["doc_id"] in ("eu-ai-act", "g7-hiroshima-code")),
              (dict(themes=["content"]), lambda r: "content" in r["themes"]),
              (dict(modality="obligation"), lambda r: r["modality"] == "obligation"),
              (dict(kind="recital"), lambda r: r["kind"] == "recital"),
              (dict(binding=False), lambda r: r["binding"] is False),
              (dict(binding=True), lambda r: r["binding"] is True),
              (dict(date_from="2025"), lambda r: r["date"] >= "2025-01-01"),
              (dict(date_to="2023-12-31"), lambda r: r["date"] <= "2023-12-31")]
    for mode in ("keyword", "semantic", "hybrid"):
        for kw, ok in checks:
            res = engine.search(q if mode != "keyword" else "content", mode=mode, k=30, **kw)
            assert res, (mode, kw)
            assert all(ok(r) for r in res), (mode, kw)
    assert ids(engine.search(q, k=30, families=["cn"])) != ids(base)


def test_filters_combine_and_can_leave_nothing(engine):
    res = engine.search("labels", families=["eu"], kind="recital", k=20)
    assert res and all(r["doc_id"] == "eu-ai-act" and r["kind"] == "recital" for r in res)
    assert engine.search("labels", families=["g7"], kind="recital", k=5) == []


@pytest.mark.parametrize("kwargs, field, lists", [
    (dict(q=""), "q", None), (dict(q="   \n"), "q", None), (dict(q="x" * (MAX_QUERY + 1)), "q", None),
    (dict(q="\udcff labels"), "q", None), (dict(q="x", k=0), "k", None), (dict(q="x", k=K_MAX + 1), "k", None),
    (dict(q="x", families=["eu", "mars"]), "family", "eu"), (dict(q="x", themes=["vibes"]), "theme", "content"),
    (dict(q="x", docs=["eu-ai-akt"]), "doc", "eu-ai-act"), (dict(q="x", modality="must"), "modality", "obligation"),
    (dict(q="x", kind="verse"), "kind", "recital"), (dict(q="x", mode="fuzzy"), "mode", "hybrid"),
    (dict(q="x", date_from="2024-13-01"), "date_from", None),
    (dict(q="x", date_from="2025", date_to="2024"), "date_from", None)])
def test_bad_input_is_a_search_input_error(engine, kwargs, field, lists):
    with pytest.raises(SearchInputError) as e:
        engine.search(kwargs.pop("q"), **kwargs)
    assert e.value.field == field and "\n" not in str(e.value) and e.value.message
    if lists:
        assert lists in e.value.valid and lists in str(e.value)


def test_longest_query_is_accepted(engine):
    assert engine.search("labels " * (MAX_QUERY // 7), mode="keyword") is not None


def test_unknown_provision(engine):
    assert engine.provision("eu-ai-act/art-999") is None
    assert engine.links("eu-ai-act/art-999") is None


def test_provision_detail(engine):
    p = engine.provision("eu-ai-act/art-50/par-2")
    assert p["citation"] == "EU AI Act, Article 50(2)" and p["document"]["source_kind"] == "original"
    assert p["document"]["sha256"] and p["document"]["retrieved_at"]
    assert p["parent"]["id"] == "eu-ai-act/art-50"
    assert {s["id"] for s in p["siblings"]} >= {"eu-ai-act/art-50/par-1", "eu-ai-act/art-50/par-3"}
    assert p["annotations"]["modality"] == "obligation"
    assert p["links"] and all(l["doc_id"] != "eu-ai-act" for l in p["links"] if l["relation"] != "conflicts")
    assert "eu-ai-act/rct-134" in [l["id"] for l in p["recitals"][:5]]      # recitals of Article 50


def test_links(engine):
    rows = engine.links("eu-ai-act/art-50/par-2", k=5)
    assert 1 <= len(rows) <= 5 and rows[0]["score"] >= rows[-1]["score"]
    assert all({"id", "doc_id", "pinpoint", "relation", "score", "status", "evidence", "text"} <= r.keys() for r in rows)
    only = engine.links("eu-ai-act/art-50/par-2", docs=["cn-ai-labeling-measures-2025"], k=5)
    assert all(r["doc_id"] == "cn-ai-labeling-measures-2025" for r in only)
    with pytest.raises(SearchInputError):
        engine.links("eu-ai-act/art-50/par-2", docs=["nope"])


def test_divergence_health_and_values(engine):
    div = engine.divergence()
    assert div["baseline"] == "search-test" and div["cells"]
    cn = engine.divergence(instrument="cn-ai-labeling-measures-2025", theme="trade")
    assert cn["cells"] and all(c["instrument"] == "cn-ai-labeling-measures-2025" and c["theme"] == "trade"
                               for c in cn["cells"])
    with pytest.raises(SearchInputError) as e:
        engine.divergence(instrument="mars")
    assert "eu-ai-act" in e.value.valid
    h = engine.health()
    assert h["status"] == "ok" and h["documents"] == 5 and h["fts"] is True and h["index"]["count"] == h["provisions"]
    v = engine.valid_values()
    assert v["docs"] == sorted(DOCS) and "content" in v["themes"] and "obligation" in v["modalities"]


def test_concurrent_searches(engine):
    errors, results = [], {}

    def work(n):
        try:
            results[n] = ids(engine.search(["Article 50", "labels for generated content", "export"][n % 3], k=5))
        except Exception as e:   # noqa: BLE001 - collected and asserted on
            errors.append(e)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and results[0] == results[3] and results[0][0] == "eu-ai-act/art-50"


def test_missing_indexes_are_clear_errors(kb_out, tmp_path):
    with pytest.raises(FileNotFoundError, match="govkb build"):
        SearchEngine(tmp_path)
    shutil.copy(kb_out / "govkb.sqlite", tmp_path / "govkb.sqlite")
    db = sqlite3.connect(tmp_path / "govkb.sqlite")
    db.execute("DROP TABLE provisions_fts")
    db.commit()
    db.close()
    eng = SearchEngine(tmp_path)
    assert eng.health()["fts"] is False and eng.health()["index"] is None
    with pytest.raises(SearchUnavailable, match="govkb build"):
        eng.search("labels", mode="keyword")
    with pytest.raises(SearchUnavailable, match="govkb build"):
        eng.search("labels", mode="semantic")
