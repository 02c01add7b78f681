"""Provision ids, kinds and text joining."""
import pytest

from corpus.model import ParseError, ProvisionTree, clean_space, full_text


def test_ids_nest_under_parent_unless_told_not_to():
    t = ProvisionTree("eu-ai-act")
    cpt = t.add("cpt-iv", kind="chapter", pinpoint="Chapter IV", heading="Transparency")
    art = t.add("art-50", kind="article", pinpoint="Article 50", parent=cpt, nest=False)
    par = t.add("par-2", kind="paragraph", pinpoint="Article 50(2)", parent=art, text="Providers shall\u00a0mark  outputs.")
    assert (art.id, art.parent_id, par.id) == ("eu-ai-act/art-50", "eu-ai-act/cpt-iv", "eu-ai-act/art-50/par-2")
    assert par.text == "Providers shall mark outputs." and [p.order for p in t.provisions] == [0, 1, 2]


def test_bad_segments_unknown_kinds_and_duplicates_are_refused():
    t = ProvisionTree("d")
    with pytest.raises(ValueError, match="bad id path segment"):
        t.add("Art 5", kind="article", pinpoint="Article 5")
    with pytest.raises(ValueError, match="unknown provision kind"):
        t.add("art-5", kind="articel", pinpoint="Article 5")
    t.add("art-5", kind="article", pinpoint="Article 5", text="x")
    with pytest.raises(ParseError, match="duplicate provision id d/art-5"):
        t.add("art-5", kind="article", pinpoint="Article 5", text="y")


def test_full_text_joins_subtree_in_order():
    t = ProvisionTree("d")
    a = t.add("art-1", kind="article", pinpoint="Article 1", text="Chapeau:")
    t.add("pt-a", kind="point", pinpoint="Article 1, point (a)", text="first;", parent=a)
    t.add("art-2", kind="article", pinpoint="Article 2", text="other")
    t.add("pt-b", kind="point", pinpoint="Article 1, point (b)", text="second.", parent=a)
    assert full_text(a, t.provisions) == "Chapeau: first; second."


def test_clean_space():
    assert clean_space(" a\u00a0\n b\u200b\tc ") == "a b c"
