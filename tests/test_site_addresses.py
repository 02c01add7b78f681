"""Every address the site offers keeps its place: the pages, the element ids inside each
page's article (provision anchors, evidence cells, positions, review figures...) and the
download files with their bytes, for the sample site and for a sample split into parts.

The expected list is tests/fixtures/site_addresses.json. An intentional new page or anchor
is added to it (``GOVKB_WRITE_ADDRESSES=1 python -m pytest tests/test_site_addresses.py``
rewrites it; the diff must only add lines); an address is never taken away."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from govkb.site import build_site, data
from govkb.site.sample import make_sample_kb
from tests.conftest import FIXTURES

EXPECTED = FIXTURES / "site_addresses.json"
# Files whose bytes are data, not markup: a refactor of the pages must not change them.
DATA_FILES = ("downloads/", "assets/data/", "changes.xml")


def addresses(site: Path) -> dict:
    """The pages of a built site with the ids inside their article, and the sha256 of its data files."""
    pages, files = {}, {}
    for f in sorted(site.rglob("*")):
        rel = f.relative_to(site).as_posix()
        if not f.is_file() or rel.startswith("pagefind/"):
            continue
        if f.suffix == ".html":
            article = BeautifulSoup(f.read_text(encoding="utf-8"), "html.parser").find("article")
            pages[rel] = sorted(el["id"] for el in article.find_all(id=True)) if article else []
        elif rel.startswith(DATA_FILES):
            files[rel] = hashlib.sha256(f.read_bytes()).hexdigest()
    return {"pages": pages, "files": files}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The default hostile sample, and the sample with 60 filler articles split into parts."""
    out = {}
    plain = tmp_path_factory.mktemp("addr-sample")
    make_sample_kb(plain / "govkb.sqlite")
    build_site(plain, search=False)
    out["sample"] = addresses(plain / "site")
    parted = tmp_path_factory.mktemp("addr-parts")
    make_sample_kb(parted / "govkb.sqlite", many=60, candidates=10)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data, "PAGE_BUDGET", 40_000)
        build_site(parted, search=False)
    out["parts"] = addresses(parted / "site")
    if os.environ.get("GOVKB_WRITE_ADDRESSES"):
        EXPECTED.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out


@pytest.mark.parametrize("which", ["sample", "parts"])
def test_pages_anchors_and_downloads_keep_their_addresses(built, which):
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))[which]
    got = built[which]
    assert sorted(got["pages"]) == sorted(expected["pages"])
    for page, ids in expected["pages"].items():
        assert got["pages"][page] == ids, page
    assert got["files"] == expected["files"]


def test_the_check_sees_a_lost_anchor(tmp_path):
    """The comparison reads ids from the article only, and a removed one is missed."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text('<header id="chrome"></header><article><h3 id="x-1">1</h3>'
                                           '<div id="ev-b-x"></div></article>', encoding="utf-8")
    (tmp_path / "changes.xml").write_text("<feed/>", encoding="utf-8")
    got = addresses(tmp_path)
    assert got["pages"] == {"a/index.html": ["ev-b-x", "x-1"]}
    assert list(got["files"]) == ["changes.xml"]
