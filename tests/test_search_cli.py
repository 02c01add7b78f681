"""`govkb search` and `govkb show` as counsel use them, on the knowledge base that
test_search builds (shared for the session)."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from test_search import build_subset

pytestmark = [pytest.mark.model, pytest.mark.slow]


@pytest.fixture(scope="module")
def out(subset_kb):
    return build_subset(subset_kb)


def govkb(*args, stdin: bytes | None = None):
    proc = subprocess.run([sys.executable, "-m", "govkb.cli", *args], input=stdin, capture_output=True, timeout=300)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")


def test_search_json(out):
    rc, stdout, err = govkb("search", "Article 50", "--json", "-k", "4", "--out", str(out))
    assert rc == 0, err
    rows = json.loads(stdout)
    assert len(rows) == 4 and rows[0]["id"] == "eu-ai-act/art-50"
    assert all({"id", "doc_id", "pinpoint", "score", "text", "aligned"} <= r.keys() for r in rows)


def test_search_csv(out):
    rc, stdout, err = govkb("search", "synthetic audio", "--csv", "-k", "3", "--mode", "keyword", "--out", str(out))
    assert rc == 0, err
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert 1 <= len(rows) <= 3 and rows[0]["rank"] == "1" and rows[0]["pinpoint"]
    assert {"id", "doc_id", "instrument", "score", "text", "aligned", "source_url"} <= rows[0].keys()
    art = next(r for r in rows if r["id"] == "eu-ai-act/art-50/par-2")
    assert "«synthetic» «audio»" in art["highlight"]
    assert all(" (" in a and a.endswith(")") for a in art["aligned"].split("; "))


def test_search_table_with_filters(out):
    rc, stdout, err = govkb("search", "labels for generated content", "--family", "cn", "--theme", "content",
                            "-k", "3", "--out", str(out))
    assert rc == 0, err
    assert "AI Content Labeling Measures, Article" in stdout and "fused" in stdout and "EU AI Act" not in stdout.split("aligned")[0]
    assert "source: https://" in stdout and "themes: content" in stdout   # provenance and facts on every result


def test_invalid_syntax_is_a_note_not_an_error(out):
    rc, stdout, err = govkb("search", '"labels (', "--mode", "keyword", "--json", "--out", str(out))
    assert rc == 0 and "plain words" in err and isinstance(json.loads(stdout), list)


@pytest.mark.parametrize("args, says", [
    (["search", ""], "empty"), (["search", "x" * 2001], "2000"), (["search", "x", "-k", "0"], "k must"),
    (["search", "x", "-k", "101"], "k must"), (["search", "x", "--family", "mars"], "valid values: cn"),
    (["search", "x", "--theme", "vibes"], "content"), (["search", "x", "--doc", "nope"], "eu-ai-act"),
    (["search", "x", "--json", "--csv"], "one of")])
def test_bad_input_exits_2(out, args, says):
    rc, stdout, err = govkb(*args, "--out", str(out))
    assert rc == 2 and says in err and "Traceback" not in err and stdout == ""


def test_non_utf8_query(out):
    rc, _, err = govkb("search", "-", "--out", str(out), stdin=b"labels \xff\xfe")
    assert rc == 2 and "UTF-8" in err and "Traceback" not in err
    rc, stdout, err = govkb("search", "-", "--json", "--mode", "keyword", "--out", str(out), stdin="Étiquettes labels".encode())
    assert rc == 0, err
    proc = subprocess.run([sys.executable, "-m", "govkb.cli", "search", b"labels \xff", "--out", str(out)],
                          capture_output=True, timeout=300)
    assert proc.returncode == 2 and b"UTF-8" in proc.stderr


def test_show(out):
    rc, stdout, err = govkb("show", "eu-ai-act/art-50/par-2", "--out", str(out))
    assert rc == 0, err
    assert stdout.startswith("EU AI Act, Article 50(2)")
    for part in ("source: https://eur-lex", "sha256:", "parent: Article 50", "siblings", "Article 50(1)",
                 "aligned provisions:", "recitals:"):
        assert part in stdout, part
    # every link and recital is listed, not only the last of each list
    rc, js, _ = govkb("show", "eu-ai-act/art-50/par-2", "--json", "--out", str(out))
    p = json.loads(js)
    assert len(p["links"]) >= 2 and len(p["recitals"]) >= 2
    for row in p["links"][:10] + p["recitals"][:10]:
        assert f"{row['doc_id']}, {row['pinpoint']}" in stdout
    rc, stdout, _ = govkb("show", "cn-ai-labeling-measures-2025/art-4", "--json", "--out", str(out))
    p = json.loads(stdout)
    assert p["citation"] == "AI Content Labeling Measures, Article 4" and p["document"]["source_kind"] == "translation"
    assert isinstance(p["divergence"], list) and "links" in p and "siblings" in p


def test_show_unknown_id_exits_1(out):
    rc, stdout, err = govkb("show", "eu-ai-act/art-999", "--out", str(out))
    assert rc == 1 and "no provision" in err and "Traceback" not in err


AMENDED = ("Amended by Regulation (EU) 2026/1744 (in force 27 July 2026); this is the original 2024 text; "
           "consolidated text: https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:02024R1689-20260727")


def test_search_results_say_where_their_instrument_stands(out):
    rc, stdout, err = govkb("search", "Article 50", "--json", "-k", "3", "--out", str(out))
    assert rc == 0, err
    st = json.loads(stdout)[0]["instrument_status"]
    assert st == {"status": "in force as amended", "current": False, "line": AMENDED, "checked": "2026-12-05"}
    rc, stdout, err = govkb("search", "Action 7", "--json", "-k", "1", "--mode", "keyword", "--out", str(out))
    row = json.loads(stdout)[0]
    assert row["doc_id"] == "g7-hiroshima-code" and row["instrument_status"]["current"] is True
    assert all("instrument_status" in a for a in row["aligned"])
    rc, stdout, err = govkb("search", "Article 50", "-k", "2", "--out", str(out))
    assert f"     WARNING: {AMENDED}\n" in stdout          # text: one warning line under each result
    rc, stdout, err = govkb("search", "synthetic audio", "--csv", "-k", "3", "--mode", "keyword", "--out", str(out))
    art = next(r for r in csv.DictReader(io.StringIO(stdout)) if r["doc_id"] == "eu-ai-act")
    assert (art["instrument_status"], art["instrument_current"], art["status_line"]) == (
        "in force as amended", "False", AMENDED)


def test_show_and_align_warn_that_the_text_has_moved_on(out):
    rc, stdout, err = govkb("show", "eu-ai-act/art-50/par-2", "--out", str(out))
    assert rc == 0, err
    assert stdout.splitlines()[2] == f"WARNING: status: {AMENDED} (checked 5 December 2026)"
    rc, stdout, err = govkb("show", "eu-ai-act/art-50/par-2", "--json", "--out", str(out))
    p = json.loads(stdout)
    assert p["instrument_status"]["line"] == AMENDED and p["document"]["status"]["consolidated"]["celex"] == "02024R1689-20260727"
    assert p["provenance"]["source_url"] == p["document"]["url"] and p["version"] == "original"
    rc, stdout, err = govkb("show", "g7-hiroshima-code/action-7", "--out", str(out))
    assert stdout.splitlines()[2] == "status: Non-binding (checked 5 December 2026)"
    rc, stdout, err = govkb("align", "eu-ai-act/art-50/par-2", "-k", "3", "--out", str(out))
    assert rc == 0, err
    assert stdout.splitlines()[1] == f"WARNING: status: {AMENDED} (checked 5 December 2026)"
    rc, stdout, err = govkb("align", "eu-ai-act/art-50/par-2", "-k", "3", "--json", "--out", str(out))
    rows = json.loads(stdout)
    assert rows and all(r["source_instrument_status"]["current"] is False and r["instrument_status"] for r in rows)


def test_search_grouped_by_article(out):
    """--group: one result per article, its other hits listed under it, in every format."""
    args = ("search", "providers shall inform natural persons that they are interacting with an AI system",
            "--out", str(out))
    rc, flat, err = govkb(*args, "-k", "10", "--json")
    assert rc == 0, err
    rc, grouped, err = govkb(*args, "-k", "4", "--json", "--group")
    assert rc == 0, err
    flat, grouped = json.loads(flat), json.loads(grouped)
    key = lambda r: (r["article"] or {}).get("id", r["id"])  # noqa: E731
    assert len({key(r) for r in flat}) < 10                 # ungrouped, an article takes several places
    assert [key(r) for r in grouped] == list(dict.fromkeys(key(r) for r in flat))[:4]
    art50 = next(r for r in grouped if key(r) == "eu-ai-act/art-50")
    assert art50["also"] and all(a["id"].startswith("eu-ai-act/art-50") for a in art50["also"])
    rc, text, err = govkb(*args, "-k", "4", "--group")
    assert rc == 0 and "also in Article 50:" in text, err
    rc, table, err = govkb(*args, "-k", "4", "--group", "--csv")
    rows = list(csv.DictReader(io.StringIO(table)))
    row = next(r for r in rows if r["id"] == art50["id"])
    assert row["article"] == "eu-ai-act/art-50" and row["also"].split("; ") == [a["id"] for a in art50["also"]]
