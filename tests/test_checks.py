"""Each gate on small parse results built by hand."""
from __future__ import annotations

from corpus.checks import check_document, coverage
from corpus.model import ProvisionTree
from corpus.sources.base import MirrorRef, Source


def source(**expected) -> Source:
    return Source(id="doc", title="T", short_title="T", publisher="P", family="un",
                  instrument_type="resolution", date_adopted="2024-01-01", version="v", binding=False,
                  binds="no one", urls=("https://example.org",), mirror=MirrorRef("doc", "text"),
                  parser="x", expected=expected)


def tree_with(n: int = 2, body_extra: str = ""):
    t = ProvisionTree("doc")
    art = t.add("art-1", kind="article", pinpoint="Article 1", heading="Scope")
    for i in range(1, n + 1):
        t.add(f"par-{i}", kind="paragraph", pinpoint=f"Article 1({i})", parent=art,
              text=f"States shall report on item number {i}.")
    body = "Article 1 Scope " + " ".join(f"{i}. States shall report on item number {i}." for i in range(1, n + 1))
    return t, body + body_extra


def checks(fails):
    return [f.check for f in fails]


def test_clean_parse_passes():
    t, body = tree_with()
    assert check_document(source(article=1, paragraph=2), t.result(body)) == []


def test_counts_gate_names_kind_and_numbers():
    t, body = tree_with()
    (f,) = check_document(source(article=1, paragraph=3), t.result(body))
    assert f.check == "counts" and str(f) == "doc: gate 'counts' failed: expected 3 paragraph provisions, got 2"


def test_coverage_gate_catches_dropped_text():
    t, body = tree_with(body_extra=" Annex I lists forty further obligations that the parser never saw " * 3)
    fails = check_document(source(article=1, paragraph=2), t.result(body))
    assert checks(fails) == ["coverage"] and "below the 97%" in fails[0].message
    assert coverage(t.result(body)) < 0.7


def test_empty_leaf_and_missing_parent_and_blank_pinpoint():
    t, body = tree_with()
    t.add("par-9", kind="paragraph", pinpoint="", text="")
    t.provisions[1].parent_id = "doc/art-404"
    assert set(checks(check_document(source(), t.result(body)))) == {"no-empty", "parents-exist", "pinpoints"}


def test_container_without_text_but_with_children_is_fine():
    t, body = tree_with()
    assert t.provisions[0].text == "" and check_document(source(), t.result(body)) == []


def test_duplicate_and_foreign_ids():
    t, body = tree_with()
    clone = t.provisions[1]
    t.provisions.append(clone)
    other = ProvisionTree("other").add("x", kind="paragraph", pinpoint="X", text="foreign words")
    t.provisions.append(other)
    assert {"unique-ids", "id-prefix"} <= set(checks(check_document(source(), t.result(body))))


def test_no_provisions_at_all():
    assert checks(check_document(source(), ProvisionTree("doc").result("some body"))) == ["non-empty"]


def test_drift_against_last_good():
    t, body = tree_with(2)
    last = [{"id": f"doc/x{i}", "kind": "paragraph"} for i in range(10)]
    assert checks(check_document(source(), t.result(body), last)) == ["drift"]
    assert check_document(source(), t.result(body), last[:3]) == []
