"""The local HTTP API (`govkb serve-api`) against a real server on 127.0.0.1.

The knowledge base is built in the test from five mirror documents (the EU AI Act, the CoE
AI convention, the G7 code of conduct, the Chinese labelling measures, US EO 14320) with the NLP stage, a baseline
written for this test, and the FTS stage; the server is the CLI command in a subprocess.
Building encodes the documents once (the embedding model loads), hence the markers.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests


pytestmark = [pytest.mark.model, pytest.mark.slow]

DOCS = ("eu-ai-act", "coe-cets-225", "g7-hiroshima-code", "cn-ai-labeling-measures-2025", "us-eo-14320")
BASELINE = """
id: api-test-baseline
title: A baseline written for the API test
description: Two positions, enough to give the divergence endpoint cells.
positions:
  - id: api-content-01
    theme: content
    stance: Marking machine-made media is left to the developers' own choice.
    favours: [voluntary watermarking]
    opposes: [compulsory labels on generated media]
    affirm: [Companies may choose to watermark the pictures their models produce.]
    oppose: [Every generated picture, sound or video shall carry a visible label.]
    rules: [binding-mandate, voluntary-measure]
    citations: [us-eo-14320/sec-1]
  - id: api-trade-01
    theme: trade
    stance: Selling complete national AI packages abroad is encouraged.
    favours: [export programmes]
    opposes: [export licensing of AI systems]
    affirm: [The state helps firms sell whole AI systems to allied countries.]
    oppose: [A licence is needed before any AI system is sent abroad.]
    rules: [voluntary-measure]
    citations: [us-eo-14320/sec-2]
"""
SEMANTIC_Q = "tell people they are interacting with an AI system"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def kb(subset_kb):
    """OUT directory of a five-document build with NLP annotations, links, divergence, FTS."""
    return subset_kb("api", DOCS, BASELINE)


@pytest.fixture(scope="module")
def api(kb, tmp_path_factory):
    """Base URL of `govkb serve-api` running on a free port of 127.0.0.1."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("api-log") / "server.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "govkb.cli", "serve-api", "--out", str(kb),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(base + "/health", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            pytest.fail(f"the API did not start:\n{log.read()}")
        time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=20)
    log.seek(0)
    assert "Traceback" not in log.read()   # no request may have crashed the server


def get(api, path, **params):
    return requests.get(api + path, params=params, timeout=60)


def search(api, q, **params):
    r = get(api, "/search", q=q, **params)
    assert r.status_code == 200, r.text
    return r.json()


def bad(r, status=400, field=None):
    """Assert the JSON error shape; return the body."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "field", "valid"} and body["error"]
    assert "Traceback" not in body["error"]
    if field:
        assert body["field"] == field, body
    return body


def test_health(api, kb):
    h = get(api, "/health").json()
    n = sum(1 for _ in (kb / "export/provisions.jsonl").open())
    assert h["status"] == "ok" and h["provisions"] == n and h["documents"] == len(DOCS) and h["fts"]


def test_keyword_article_50_ranks_the_ai_act_article_first(api, kb):
    rows = search(api, "Article 50", mode="keyword", k=5)
    assert rows[0]["id"] == "eu-ai-act/art-50"
    assert all(r["id"].startswith("eu-ai-act/art-50") for r in rows), [r["id"] for r in rows]
    first = rows[0]
    assert {"id", "doc_id", "doc_title", "pinpoint", "score", "text", "highlight", "source_url",
            "retrieved_at", "source_kind", "themes", "modality", "binding", "date", "aligned"} <= first.keys()
    assert first["pinpoint"] == "Article 50" and first["binding"] is True
    # the same objects as `govkb search --json` (the fixed interface)
    cli = subprocess.run([sys.executable, "-m", "govkb.cli", "search", "Article 50", "--json", "-k", "5",
                          "--mode", "keyword", "--out", str(kb)], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert rows == json.loads(cli.stdout)


def test_semantic_finds_transparency_duties_and_a_non_eu_counterpart(api):
    rows = search(api, SEMANTIC_Q, mode="semantic", k=10)
    ids = [r["id"] for r in rows]
    assert any(i.startswith("eu-ai-act/art-50") for i in ids), ids
    assert any(r["doc_id"] != "eu-ai-act" for r in rows), ids   # the CoE convention's Art. 15
    assert all(a["doc_id"] != r["doc_id"] for r in rows for a in r["aligned"])


def test_hybrid_with_filters(api):
    rows = search(api, "label synthetic content", family=["cn", "g7"], k=20)
    assert rows and {r["doc_id"] for r in rows} <= {"cn-ai-labeling-measures-2025", "g7-hiroshima-code"}
    rows = search(api, "transparency", doc="eu-ai-act", kind="recital", k=10)
    assert rows and all(r["kind"] == "recital" and r["doc_id"] == "eu-ai-act" for r in rows)
    rows = search(api, "transparency", binding="false", k=10)
    assert rows and {r["doc_id"] for r in rows} == {"g7-hiroshima-code"}
    rows = search(api, "content", theme="content", modality="obligation", k=10, mode="keyword")
    assert rows and all("content" in r["themes"] and r["modality"] == "obligation" for r in rows)
    rows = search(api, "AI", **{"from": "2025", "to": "2025-12"}, k=30, mode="keyword")
    assert rows and {r["doc_id"] for r in rows} <= {"cn-ai-labeling-measures-2025", "us-eo-14320"}
    assert len(search(api, "AI", k=3, mode="keyword", links=0)) == 3
    assert all(r["aligned"] == [] for r in search(api, "AI", k=3, mode="keyword", links=0))
    grouped = search(api, "providers shall inform natural persons that they are interacting with an AI system",
                     k=5, group="true", links=0)
    arts = [(r["article"] or {}).get("id", r["id"]) for r in grouped]
    assert len(arts) == len(set(arts)) == 5 and all(isinstance(r["also"], list) for r in grouped)
    assert any(r["also"] for r in grouped)


@pytest.mark.parametrize("q", ['"unbalanced quote', "AND", "OR OR", "transparency AND", "NEAR",
                               "NEAR(a b", "*", "(", "(risk OR", "risk)", '""', "a AND (b OR",
                               "'; DROP TABLE provisions; --", "NOT", "^", "label:content"])
def test_query_syntax_never_breaks(api, q):
    r = get(api, "/search", q=q, mode="keyword")
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:
        assert isinstance(r.json(), list)
    else:
        assert bad(r, field="q")


def test_unbalanced_quote_still_finds_words_and_says_so(api):
    r = get(api, "/search", q='"synthetic audio', mode="keyword")
    assert r.status_code == 200 and r.json()
    assert "plain words" in r.headers["X-Search-Notes"]


@pytest.mark.parametrize("params,field", [
    ({"q": ""}, "q"), ({"q": "   "}, "q"), ({}, "q"), ({"q": "a" * 2001}, "q"),
    ({"q": "x", "k": "0"}, "k"), ({"q": "x", "k": "101"}, "k"), ({"q": "x", "k": "abc"}, "k"),
    ({"q": "x", "k": "2.5"}, "k"), ({"q": "x", "mode": "fuzzy"}, "mode"),
    ({"q": "x", "binding": "maybe"}, "binding"), ({"q": "x", "from": "last year"}, "from"),
    ({"q": "x", "doc": "eu-nothing"}, "doc"), ({"q": "x", "kind": "chapterette"}, "kind"),
])
def test_bad_search_input(api, params, field):
    body = bad(get(api, "/search", **params), field=field)
    if field == "mode":
        assert body["valid"] == ["hybrid", "keyword", "semantic"]
    if field == "k":
        assert "1 to 100" in body["error"]


def test_query_of_2000_characters_is_accepted(api):
    assert get(api, "/search", q=("risk " * 400)[:2000], mode="keyword").status_code == 200


def test_unknown_family_and_theme_list_the_valid_ones(api):
    body = bad(get(api, "/search", q="x", family="mars"), field="family")
    assert "mars" in body["error"] and {"eu", "g7", "cn", "us"} <= set(body["valid"])
    body = bad(get(api, "/search", q="x", theme="weather"), field="theme")
    assert {"content", "transparency", "privacy"} <= set(body["valid"])


def test_non_utf8_input(api):
    body = bad(requests.get(api + "/search?q=%FF%FEabc", timeout=10), field="q")
    assert "UTF-8" in body["error"]
    bad(requests.get(api + "/search?q=ok&family=%C3", timeout=10), field="family")
    bad(requests.get(api + "/provisions/eu-ai-act/%FF", timeout=10), field="path")
    # valid UTF-8 beyond ASCII is fine
    assert requests.get(api + "/search?q=%C3%A9tiquetage&mode=keyword", timeout=10).status_code == 200


def test_provision(api):
    r = get(api, "/provisions/eu-ai-act/art-50/par-2")
    assert r.status_code == 200
    p = r.json()
    assert p["id"] == "eu-ai-act/art-50/par-2" and p["pinpoint"] == "Article 50(2)"
    assert p["parent"]["id"] == "eu-ai-act/art-50" and p["document"]["id"] == "eu-ai-act"
    assert "eu-ai-act/art-50/par-1" in [s["id"] for s in p["siblings"]]
    assert "synthetic" in p["text"]


def test_unknown_provision_is_404(api):
    body = bad(get(api, "/provisions/eu-ai-act/art-999"), 404)
    assert "art-999" in body["error"]
    bad(get(api, "/provisions/nothing"), 404)
    bad(get(api, "/provisions/eu-ai-act/art-999/links"), 404)
    bad(get(api, "/no-such-route"), 404)


def test_provision_links(api):
    r = get(api, "/provisions/eu-ai-act/art-50/par-2/links", k=50)
    assert r.status_code == 200
    links = r.json()
    assert links and all({"id", "doc_id", "relation", "score", "status"} <= l.keys() for l in links)
    assert [l["score"] for l in links if l["relation"] != "explains"] == sorted(
        (l["score"] for l in links if l["relation"] != "explains"), reverse=True)
    others = [l for l in links if l["doc_id"] != "eu-ai-act"]
    assert others, "no link into another instrument"
    only = get(api, "/provisions/eu-ai-act/art-50/par-2/links", doc=others[0]["doc_id"], k=2).json()
    assert 1 <= len(only) <= 2 and {l["doc_id"] for l in only} == {others[0]["doc_id"]}
    bad(get(api, "/provisions/eu-ai-act/art-50/par-2/links", doc="nope"), field="doc")
    bad(get(api, "/provisions/eu-ai-act/art-50/par-2/links", k="0"), field="k")


def test_divergence(api):
    div = get(api, "/divergence").json()
    assert div["baseline"] == "api-test-baseline" and div["cells"]
    one = get(api, "/divergence", instrument="cn-ai-labeling-measures-2025", theme="content").json()
    assert one["cells"] and all(c["instrument"] == "cn-ai-labeling-measures-2025" and c["theme"] == "content"
                                for c in one["cells"])
    bad(get(api, "/divergence", theme="weather"), field="theme")
    bad(get(api, "/divergence", baseline="nope"), field="baseline")


def test_openapi_and_offline_docs(api):
    spec = get(api, "/openapi.json").json()
    assert {"/search", "/provisions/{prov_id}", "/provisions/{prov_id}/links", "/divergence",
            "/health"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert {"q", "k", "mode", "doc", "family", "theme", "modality", "kind", "binding", "from", "to", "group"} <= names
    page = get(api, "/docs")
    assert page.status_code == 200 and "/search" in page.text
    assert "http" not in page.text.replace("/openapi.json", "")   # nothing loaded from elsewhere
    assert get(api, "/redoc").status_code == 404


def test_serve_api_without_a_knowledge_base(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "govkb.cli", "serve-api", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "no knowledge base" in proc.stderr


def test_the_api_follows_a_publish_without_restart(kb, tmp_path):
    """A nightly publish (or a restore) switches OUT/current: the next request is answered
    from the new build, while the engine that served the old one is never mixed with it."""
    import sqlite3
    from fastapi.testclient import TestClient
    from corpus.snapshots import Snapshots
    from govkb.api import create_app
    out = tmp_path / "out"
    shutil.copytree(kb, out, symlinks=True)
    snaps = Snapshots(out)
    first = snaps.current_id()
    staging = out / ".staging-next"
    shutil.copytree(out / "current", staging, symlinks=True)
    db = sqlite3.connect(staging / "govkb.sqlite")
    gone = db.execute("SELECT id FROM provisions WHERE parent_id IS NULL ORDER BY rowid DESC LIMIT 1").fetchone()[0]
    db.execute("DELETE FROM provisions WHERE id=?", (gone,))   # the new build lacks one provision
    db.commit()
    db.close()
    with TestClient(create_app(out)) as client:
        before = client.get("/health").json()
        assert before["build"] == first and client.get(f"/provisions/{gone}").status_code == 200
        snaps.publish(staging, "next-build")
        after = client.get("/health").json()
        assert after["build"] == "next-build" and after["provisions"] == before["provisions"] - 1
        assert client.get(f"/provisions/{gone}").status_code == 404
        snaps.restore(first)
        assert client.get("/health").json()["build"] == first
        assert client.get(f"/provisions/{gone}").status_code == 200


def test_status_travels_with_every_provision_and_marks_the_matrix(api):
    hit = search(api, "Article 50", k=1)[0]
    assert hit["instrument_status"]["status"] == "in force as amended" and hit["instrument_status"]["current"] is False
    assert hit["instrument_status"]["line"].startswith("Amended by Regulation (EU) 2026/1744 (in force 27 July 2026)")
    p = get(api, "/provisions/eu-ai-act/art-50/par-2").json()
    assert p["instrument_status"] == hit["instrument_status"]
    assert p["document"]["status"]["amended_by"][0]["url"] == "http://data.europa.eu/eli/reg/2026/1744/oj"
    links = get(api, "/provisions/eu-ai-act/art-50/par-2/links", k=5).json()
    assert all(l["instrument_status"]["status"] for l in links)
    cells = get(api, "/divergence").json()["cells"]
    act = [c for c in cells if c["instrument"] == "eu-ai-act"]
    assert act and all(c["instrument_current"] is False and c["status_line"].startswith("Amended by") for c in act)
    assert all(c["instrument_current"] is True and "status_line" not in c for c in cells if c["instrument"] == "g7-hiroshima-code")
    assert all(c["instruments_not_current"] == ["eu-ai-act"] for c in cells if c["instrument"] == "eu")
