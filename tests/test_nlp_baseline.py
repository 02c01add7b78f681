"""Tests of the baseline loader (nlp/baseline.py) and of the US baseline file itself."""
from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml

from nlp.baseline import (BASELINE_DIR, BaselineError, available_baselines, load_baseline,
                          theme_ids, validate)

US = BASELINE_DIR / "us-endorsed.yaml"
US_DOCS = ("us-ai-action-plan", "us-eo-14179", "us-eo-14318", "us-eo-14319", "us-eo-14320",
           "us-eo-2025-12-11-national-ai-policy", "us-eo-2026-06-02-advanced-ai", "us-omb-m-25-21",
           "us-national-ai-legislative-framework-2026", "us-nist-ai-100-1")


def write(tmp_path, positions, **top):
    """A baseline file with the given positions."""
    data = {"id": "test", "title": "Test baseline", "description": "For tests.", **top,
            "positions": positions}
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def pos(pid="t-1", theme="content", citations=("doc/art-1",), **kw):
    return {"id": pid, "theme": theme, "stance": "A stance.", "citations": list(citations),
            "affirm": ["An aligned provision."], "oppose": ["A departing provision."], **kw}


@pytest.fixture(scope="session")
def corpus_ids(mirror, tmp_path_factory):
    """Provision ids of a corpus built from the shared mirror (US documents only, ~1 s)."""
    from corpus.build import build_corpus
    out = tmp_path_factory.mktemp("kb-baseline")
    build_corpus(out, mirror=mirror.root, only=list(US_DOCS), progress=False)
    with open(out / "export" / "provisions.jsonl", encoding="utf-8") as f:
        return {json.loads(line)["id"] for line in f}


# ---------------------------------------------------------------- validation
def test_valid_file_loads(tmp_path):
    b = load_baseline(write(tmp_path, [pos(), pos("t-2", "privacy")]), known_ids={"doc/art-1"})
    assert b.id == "test" and [p.id for p in b.positions] == ["t-1", "t-2"]
    assert b.by_theme("privacy")[0].id == "t-2" and b.position("t-1").affirm == ("An aligned provision.",)


def test_unknown_citation_names_position_and_id(tmp_path):
    with pytest.raises(BaselineError) as e:
        load_baseline(write(tmp_path, [pos(citations=["doc/art-1", "doc/art-99"])]), known_ids={"doc/art-1"})
    assert "t-1" in str(e.value) and "doc/art-99" in str(e.value)
    assert e.value.problems == ["position t-1: cited provision 'doc/art-99' is not in the corpus"]


def test_citations_not_checked_without_known_ids(tmp_path):
    assert load_baseline(write(tmp_path, [pos(citations=["anything/at-all"])])).positions


def test_unknown_theme(tmp_path):
    with pytest.raises(BaselineError, match="position t-1: unknown theme 'censorship'"):
        load_baseline(write(tmp_path, [pos(theme="censorship")]))


def test_duplicate_position_id(tmp_path):
    with pytest.raises(BaselineError, match="position t-1: duplicate position id"):
        load_baseline(write(tmp_path, [pos(), pos(theme="privacy")]))


def test_empty_citations_and_missing_fields(tmp_path):
    bad = pos(citations=[])
    del bad["stance"]
    with pytest.raises(BaselineError) as e:
        load_baseline(write(tmp_path, [bad, {"theme": "safety", "citations": ["x"], "affirm": ["a"]}]))
    text = str(e.value)
    assert "position t-1: no citations" in text
    assert "position t-1: missing field 'stance'" in text
    assert "position #2: missing field 'id'" in text


def test_unknown_rule_and_missing_affirm(tmp_path):
    with pytest.raises(BaselineError) as e:
        load_baseline(write(tmp_path, [pos(rules=["always-divergent"], affirm=[])]))
    assert "unknown rule 'always-divergent'" in str(e.value) and "no 'affirm' statement" in str(e.value)


def test_validate_returns_every_problem(tmp_path):
    b = load_baseline(write(tmp_path, [pos(), pos("t-2", citations=["doc/x"])]))
    assert validate(b, {"doc/art-1"}) == ["position t-2: cited provision 'doc/x' is not in the corpus"]
    assert validate(b, {"doc/art-1", "doc/x"}) == []


def test_missing_top_level_fields(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump({"positions": [pos()]}), encoding="utf-8")
    with pytest.raises(BaselineError, match="missing field 'id'"):
        load_baseline(path)


# ---------------------------------------------------------------- the US baseline
def test_baselines_are_listed_and_loadable_by_id():
    assert available_baselines()["us-endorsed"] == US
    assert load_baseline("us-endorsed").id == "us-endorsed"


def test_us_baseline_covers_every_theme_with_several_core_positions():
    b = load_baseline(US)
    per_theme = Counter(p.theme for p in b.positions)
    assert set(per_theme) == set(theme_ids())
    assert all(per_theme[t] >= 3 for t in ("privacy", "transparency", "content"))
    # Every position cites only the current US texts (the revoked EO 14110 grounds nothing).
    for p in b.positions:
        assert p.citations and all(c.split("/")[0] in US_DOCS for c in p.citations), p.id
        assert p.affirm and p.oppose, p.id


def test_us_baseline_states_the_core_positions():
    b = load_baseline(US)
    content = {p.id: p for p in b.by_theme("content")}
    assert "us-eo-14319/sec-3/b" in content["us-content-02"].citations           # ideological neutrality
    assert any("misinformation" in o for o in content["us-content-01"].opposes)
    assert "binding-mandate" in content["us-content-01"].rules
    innovation = " ".join(p.stance for p in b.by_theme("innovation"))
    assert "open-weight" in innovation and "patchwork" in innovation
    assert any("us-eo-14320/" in c for p in b.by_theme("cooperation") for c in p.citations)


def test_us_baseline_citations_exist_in_the_corpus(corpus_ids):
    b = load_baseline(US, known_ids=corpus_ids)
    assert sum(len(p.citations) for p in b.positions) > 100
