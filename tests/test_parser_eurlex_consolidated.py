"""EUR-Lex consolidated XHTML (eurlex_consolidated_html) on an invented consolidated version of
the invented OJ fixture, written in the consolidated texts' markup: the same ids as the
original, the markers saying which provisions each amending act changed, and the document a
version switch makes (corpus.versions.compose)."""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from corpus.checks import coverage, kind_counts
from corpus.model import ParseError
from corpus.parsers import get_parser
from corpus.versions import ORIGINAL, compose
from govkb.changes import diff_document

CONSOLIDATED = FIXTURES / "eurlex" / "mini_consolidated_regulation.xhtml"
ORIGINAL_OJ = FIXTURES / "eurlex" / "mini_oj_regulation.html"
VERSION = "consolidated-2099-12-31"
# What the invented amending act (M1) and corrigendum (C1) did, as the markers say.
CHANGED = {"art-1/pt-2/pt-b": "M1", "art-2/par-1/pt-c": "M1", "art-2/par-2": "M1",
           "art-5/sub-3/pt-a": "M1", "anx-i/sct-a/pt-3": "M1", "art-2/par-1/pt-b/pt-ii": "C1"}


def parse(name: str, path):
    return get_parser(name)(path.read_bytes(), "eu-test")


@pytest.fixture(scope="module")
def cons():
    return parse("eurlex_consolidated_html", CONSOLIDATED)


@pytest.fixture(scope="module")
def orig():
    res = parse("eurlex_oj_html", ORIGINAL_OJ)
    for p in res.provisions:
        p.version = ORIGINAL
    return res


def test_header_names_the_version_and_the_acts_behind_the_markers(cons):
    assert (cons.meta["celex"], cons.meta["date"]) == ("02099R0001-20991231", "2099-12-31")
    assert cons.meta["modifiers"]["M1"].startswith("Regulation (EU) 2099/50 of the European Parliament")
    assert cons.meta["modifiers"]["C1"].startswith("Corrigendum, OJ L 999, 2.3.2099")


def test_counts_and_coverage(cons):
    assert kind_counts(cons.provisions) == {
        "heading": 1, "chapter": 3, "section": 3, "article": 4, "paragraph": 3, "subparagraph": 3,
        "definition": 2, "point": 22, "indent": 4, "annex": 2}
    assert coverage(cons) == 1.0   # the header, markers and the deletion rule are not body text


def test_unchanged_provisions_keep_their_ids_pinpoints_and_words(cons, orig):
    before = {p.id: p for p in orig.provisions}
    same = [p for p in cons.provisions if p.marker == "B"]
    assert len(same) > 30
    for p in same:
        o = before[p.id]
        assert (p.pinpoint, p.kind, p.parent_id, p.heading, p.text) == (o.pinpoint, o.kind, o.parent_id, o.heading, o.text), p.id


def test_markers_say_which_provisions_an_amendment_changed(cons):
    marked = {p.id.removeprefix("eu-test/"): p.marker for p in cons.provisions if p.marker != "B"}
    assert marked == CHANGED
    by_id = {p.id.removeprefix("eu-test/"): p for p in cons.provisions}
    # an inline ►M1 … ◄ marks the provision and leaves its words readable
    assert by_id["art-2/par-2"].text == "Makers shall inform without delay one of the following:"
    assert by_id["art-5/sub-3/pt-a"].text == "Article 2 shall apply from 1 December 2099;"
    assert "art-4" not in by_id               # deleted: a rule of dashes under ▼M1
    assert all(not set("▼►◄") & set(p.text + p.heading) for p in cons.provisions)
    assert all(p.marker for p in cons.provisions)


def test_the_diff_between_the_versions_is_what_the_markers_say(cons, orig):
    doc = compose(orig, cons, VERSION)
    diff = diff_document([p.to_dict() for p in orig.provisions], [p.to_dict() for p in doc.provisions])
    changed = {p["id"] for p in diff["amended"]} | {p["id"] for p in diff["added"]}
    assert {i.removeprefix("eu-test/") for i in changed} == set(CHANGED)
    assert [p["id"] for p in diff["removed"]] == ["eu-test/art-4", "eu-test/fn-1"]   # fn-1: see compose
    assert diff["renumbered"] == []


def test_the_version_keeps_the_originals_preamble_and_signatures(cons, orig):
    doc = compose(orig, cons, VERSION)
    ids = [p.id.removeprefix("eu-test/") for p in doc.provisions]
    assert ids[:8] == ["title", "preamble", "preamble/cit-1", "preamble/cit-2", "rct-1", "rct-2", "rct-3",
                       "enacting-formula"]
    assert ids[ids.index("final") + 1:ids.index("final") + 3] == ["final/sig-1", "final/sig-2"]
    version = {p.id.removeprefix("eu-test/"): p.version for p in doc.provisions}
    assert {i for i, v in version.items() if v == ORIGINAL} == {
        "preamble", "preamble/cit-1", "preamble/cit-2", "rct-1", "rct-2", "rct-3", "enacting-formula",
        "final/sig-1", "final/sig-2"}
    assert all(v == VERSION for i, v in version.items() if i not in {
        "preamble", "preamble/cit-1", "preamble/cit-2", "rct-1", "rct-2", "rct-3", "enacting-formula",
        "final/sig-1", "final/sig-2"})
    assert [p.order for p in doc.provisions] == list(range(len(doc.provisions)))
    assert coverage(doc) == 1.0


@pytest.mark.parametrize("edit, says", [
    (lambda s: s.replace("▼", "v"), "no ▼B marker"),
    (lambda s: s.replace('class="hd-date"', 'class="hd-other"'), "no p.hd-date header"),
    (lambda s: s.replace('id="art_', 'id="x_').replace('id="cpt_', 'id="y_'), "expected chapters or articles"),
])
def test_what_is_not_a_consolidated_text_is_refused(edit, says):
    data = edit(CONSOLIDATED.read_text(encoding="utf-8")).encode("utf-8")
    with pytest.raises(ParseError, match=says):
        get_parser("eurlex_consolidated_html")(data, "eu-test")


def test_the_oj_original_is_not_taken_for_a_consolidated_text():
    with pytest.raises(ParseError, match="not a EUR-Lex consolidated text"):
        parse("eurlex_consolidated_html", ORIGINAL_OJ)
