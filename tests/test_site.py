"""Site build tests on a small hand-made knowledge base (govkb.site.sample), plus one slow
test on the real mirror. Browser tests are in test_site_browser.py."""
from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from corpus.store import KnowledgeBase
from govkb.cli import main
from govkb.site import build_site, data
from govkb.site.data import load_data, repo_url
from govkb.site.html import anchor, shade
from govkb.site.links import TOP_CANDIDATES, TOP_EXPLAINS
from govkb.site.pages import generate, make_site
from govkb.site.render import macros
from govkb.site.sample import THEMES, make_sample_kb

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "corpus-mirror"
IDS = re.compile(r'\bid="([^"]+)"')
HREF = re.compile(r'<(a|link|script|img|iframe|source)\b[^>]*?\b(?:href|src)="([^"]*)"', re.I)
OFFSITE_ATTR = re.compile(r'\b(?:src|href)\s*=\s*["\']?\s*(?:https?:)?//', re.I)


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    make_sample_kb(out / "govkb.sqlite")
    stats = build_site(out)
    return out, stats


def html_pages(site: Path):
    return [p for p in site.rglob("*.html") if "pagefind" not in p.parts]


def instrument_ids(site: Path, doc_id: str) -> set[str]:
    """Every element id on an instrument's pages (all parts)."""
    return {i for p in (site / "instruments" / doc_id).rglob("index.html") for i in IDS.findall(p.read_text())}


def check_anchors(out: Path):
    kb = KnowledgeBase(out / "govkb.sqlite")
    for d in kb.documents():
        ids = instrument_ids(out / "site", d["id"])
        missing = [p["id"] for p in kb.provisions(d["id"]) if anchor(p["id"]) not in ids]
        assert not missing, f"{d['id']}: no anchor for {missing[:5]}"
    return kb


def test_pages_exist(sample_site):
    out, _ = sample_site
    site = out / "site"
    expected = ["index.html", "matrix/index.html", "matrix/us-endorsed/index.html", "themes/index.html",
                "instruments/index.html", "instruments/xx-act/index.html", "instruments/us-policy/index.html",
                "alignment/index.html", "alignment/xx-act/index.html", "compare/index.html",
                "assets/data/compare.json", "search/index.html", "methodology/index.html", "changes/index.html", "changes.xml",
                "downloads/index.html", "downloads/provisions.csv", "downloads/links.json",
                "downloads/divergence-us-endorsed.csv", "pagefind/pagefind-ui.js", "assets/govkb.css"]
    expected += [f"themes/{t}/index.html" for t in THEMES]
    assert [e for e in expected if not (site / e).is_file()] == []
    home = (site / "index.html").read_text()
    assert 'class="matrix"' in home and "Last build: 2026-01-01T00:00:05Z" in home
    # The home matrix has the three core themes only.
    head = re.search(r'<table class="matrix">.*?</thead>', home, re.S).group(0)
    assert re.findall(r"<th title=\"[^\"]*\">(\w+)</th>", head) == ["privacy", "transparency", "content"]


def test_every_provision_has_its_anchor(sample_site):
    out, _ = sample_site
    check_anchors(out)
    assert 'id="xx-act-art-1-par-2"' in (out / "site/instruments/xx-act/index.html").read_text()


def test_source_kind_marked(sample_site):
    out, _ = sample_site
    conv = (out / "site/instruments/us-policy/index.html").read_text()
    trans = (out / "site/instruments/yy-guide/index.html").read_text()
    orig = (out / "site/instruments/xx-act/index.html").read_text()
    assert "<strong>CONVERSION</strong>" in conv and "<strong>TRANSLATION</strong>" in trans
    assert 'class="banner src-' not in orig
    assert "0" * 64 in orig and "retrieved 2026-01-01T00:00:00Z" in orig


def test_status_banner_on_the_instrument_and_every_page_quoting_it(sample_site):
    """The sample act was amended and the corpus holds its original text: its page says so
    with the consolidated text's link, every page quoting it names it, each citation of it is
    marked, the matrix row too; an instrument in its current form has no banner."""
    out, _ = sample_site
    site = out / "site"
    banner = re.compile(r'<p class="banner status-nc"[^>]*>(.*?)</p>', re.S)
    act = banner.findall((site / "instruments/xx-act/index.html").read_text())
    assert len(act) == 1 and act[0].startswith("Amended by Invented Amending Act 2099/2 &lt;script&gt;")
    assert "(in force 27 July 2099); this is the original 2025 text; consolidated text: " \
           '<a class="outbound" href="https://eur-lex.europa.eu/eli/reg/2099/1/2099-07-27"' in act[0]
    assert "Status checked 2026-01-01" in act[0]
    assert not banner.findall((site / "instruments/us-policy/index.html").read_text())
    for page in ("alignment/xx-act/index.html", "alignment/us-policy/index.html", "themes/content/index.html"):
        quoted = banner.findall((site / page).read_text())
        assert len(quoted) == 1 and ">Invented Act</a>, quoted on this page: Amended by" in quoted[0], page
    assert not banner.findall((site / "themes/safety/index.html").read_text())   # quotes only the guide
    policy_links = (site / "alignment/us-policy/index.html").read_text()
    assert re.search(r'Invented Act, Article 1\(1\)</a><span class="tag status-nc" title="[^"]*">amended</span>',
                     policy_links)
    matrix = (site / "matrix/us-endorsed/index.html").read_text()
    assert re.search(r'>Invented Act</a><span class="tag status-nc"[^>]*>amended</span></th>', matrix)
    compare = json.loads((site / "assets/data/compare.json").read_text())
    status = {i["id"]: i["status"] for i in compare["instruments"]}
    assert status["xx-act"].startswith("Amended by Invented Amending Act") and status["us-policy"] == ""


def test_scraped_text_is_escaped(sample_site):
    out, _ = sample_site
    for page in html_pages(out / "site"):
        text = page.read_text()
        for live in ("<script>window", "<img src=x", "<iframe", "<b>raw"):
            assert live not in text, (page, live)
        assert not re.search(r"<[^>]*\sonerror=", text), page
        assert not re.search(r'(href|src)="\s*javascript:', text, re.I), page
    act = (out / "site/instruments/xx-act/index.html").read_text()
    assert "&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt;" in act
    assert "[click](javascript:window.__xss=3)" in act
    # The sample's change report carries the payloads in a diff, a title, an excerpt and a warning.
    changes = (out / "site/changes/index.html").read_text()
    assert changes.count("&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt;") >= 4


def test_no_offsite_assets(sample_site):
    """Only <a> links to the documents' official URLs, and "suggest a correction" links to
    the project's issue tracker, may point to another host."""
    out, _ = sample_site
    site = out / "site"
    kb = KnowledgeBase(out / "govkb.sqlite")
    # the official texts: each document's own, and the consolidated text its status names
    official = {d["url"] for d in kb.documents()} | {
        (json.loads(d["status"] or "{}").get("consolidated") or {}).get("url") for d in kb.documents()}
    tracker = repo_url() + "/issues/new?"
    assert tracker.startswith("https://")
    for f in site.rglob("*"):
        if not f.is_file() or f.suffix not in (".html", ".js", ".css", ".json", ".xml", ".svg"):
            continue
        text = f.read_text(errors="replace")
        if f.suffix != ".html":
            assert not OFFSITE_ATTR.search(text), f
            continue
        for tag, url in HREF.findall(text):
            if urlsplit(url).netloc or url.startswith("//"):
                assert tag.lower() == "a" and (url in official or html.unescape(url).startswith(tracker)), (f, tag, url)


def test_internal_links_resolve(sample_site):
    """Every relative link of a generated page reaches a file, and its #fragment an element."""
    out, _ = sample_site
    check_internal_links(out / "site")


def check_internal_links(site: Path):
    ids_cache = {}
    for page in html_pages(site):
        for tag, url in HREF.findall(page.read_text()):
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("#") and not url[1:]:
                continue
            if "pagefind/" in url and not (site / "pagefind").is_dir():
                continue    # a build with search=False has no index
            base = site if parts.path.startswith("/") else page.parent   # 404.html links from the root
            target = (base / unquote(parts.path).lstrip("/")).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), (page, url)
            if parts.fragment and target.suffix == ".html":
                ids = ids_cache.setdefault(target, set(IDS.findall(target.read_text())))
                assert parts.fragment in ids, (page, url)


def test_rebuild_rewrites_nothing(sample_site):
    out, _ = sample_site
    assert build_site(out, search=False)["files_written"] == 0


def test_degrades_without_nlp(tmp_path):
    make_sample_kb(tmp_path / "govkb.sqlite", nlp=False, hostile=False)
    build_site(tmp_path, search=False)
    site = tmp_path / "site"
    assert "No divergence data yet" in (site / "index.html").read_text()
    assert "No divergence data yet" in (site / "matrix/index.html").read_text()
    privacy = (site / "themes/privacy/index.html").read_text()
    assert "No theme annotations yet" in privacy and "No divergence data yet" in privacy
    assert "No alignment data yet" in (site / "alignment/index.html").read_text()
    assert not (site / "matrix/us-endorsed").exists()
    check_anchors(tmp_path)


def test_pagination_keeps_deep_links(tmp_path, monkeypatch):
    make_sample_kb(tmp_path / "govkb.sqlite", many=40, hostile=False)
    monkeypatch.setattr(data, "PAGE_BUDGET", 20_000)
    site = make_site(load_data(tmp_path / "govkb.sqlite"))
    parts = site.parts["xx-act"]
    assert len(parts) > 2
    assert [p["id"] for part in parts for p in part] == [p["id"] for p in site.d.provisions["xx-act"]]
    files = generate(site)
    main_page = files["instruments/xx-act/index.md"]
    assert '"xx-act-art-40":"part-' in main_page      # deeplink.js map on the main page
    n = next(i for i, part in enumerate(parts, 1) if any(p["id"] == "xx-act/art-40" for p in part))
    assert n > 1 and 'id="xx-act-art-40"' in files[f"instruments/xx-act/part-{n}/index.md"]
    # Other pages link straight to the part that holds the provision.
    assert site.prov_url("xx-act/art-40") == f"instruments/xx-act/part-{n}/#xx-act-art-40"


def test_alignment_pages_bounded_with_many_links(tmp_path, monkeypatch):
    """Real alignment output has ~10 candidates per provision: pages show accepted links and
    the best few candidates, say how many are left out, and are split into parts under the
    page budget with instrument pages linking to the right part."""
    make_sample_kb(tmp_path / "govkb.sqlite", many=60, candidates=10, hostile=False)
    monkeypatch.setattr(data, "PAGE_BUDGET", 20_000)
    stats = build_site(tmp_path, search=False)
    site = make_site(load_data(tmp_path / "govkb.sqlite"))
    assert len(site.d.links) > 600
    parts = site.align_parts["xx-act"]
    assert len(parts) > 2
    files = generate(site)
    pages = [k for k in files if k.startswith("alignment/xx-act/")]
    assert len(pages) == len(parts)
    # The budget bounds the provision blocks; intro, part list and front matter add a few KB.
    assert max(len(files[k]) for k in pages) < 20_000 + 6_000
    al = site.align["xx-act/art-10"]
    accepted = [l for l, _, _ in al.shown if l["status"] == "accepted"]
    assert len(accepted) == 2        # its own accepted link and the one pointing at it
    assert len(al.shown) - len(accepted) == TOP_CANDIDATES
    assert [l["score"] for l, _, _ in al.shown][len(accepted):] == [0.45, 0.3, 0.225]   # best first
    assert al.more == 9 - TOP_CANDIDATES
    assert len(site.align["xx-act/rct-1"].explains) == TOP_EXPLAINS
    page = next(files[k] for k in pages if 'id="al-xx-act-art-10"' in files[k])
    assert "6 more link(s)" in page and "govkb align xx-act/art-10" in page
    assert "&lt;0.01" not in page and ">0.45<" in page
    # The instrument page links each provision to the part that holds its alignment block.
    assert site.align_url_of["xx-act/art-62"].startswith("alignment/xx-act/part-")
    assert stats["largest_bytes"] < 2_000_000
    check_internal_links(tmp_path / "site")


def test_signed_scores_shade_by_magnitude(sample_site):
    assert shade(None) == "" and shade(0.05) == " s0" and shade(-0.05) == " s0"
    assert shade(-0.92) == shade(0.92) == " s4" and shade(-1.0) == " s4" and shade(0.5) == " s2"
    badge = macros(None, "").badge
    assert badge("divergent", -0.92) == '<span class="lbl lbl-divergent s4">divergent -0.92</span>'
    assert badge("not addressed", None) == '<span class="lbl lbl-not-addressed">not addressed</span>'
    out, _ = sample_site
    matrix = (out / "site/matrix/us-endorsed/index.html").read_text()
    cells = re.findall(r'<td class="cell (lbl-[a-z-]+)( s\d)?">', matrix)
    assert {c for c in cells if c[0] == "lbl-divergent"} == {("lbl-divergent", " s1"), ("lbl-divergent", " s2"),
                                                            ("lbl-divergent", " s3")}
    assert {s for lbl, s in cells if lbl == "lbl-not-addressed"} == {""}
    assert "s-" not in "".join(s for _, s in cells)
    assert "score -0.30" in matrix or "score -0.3" in matrix
    assert "divergent -0.30" in (out / "site/themes/privacy/index.html").read_text()


def test_downloads_publish_a_subset_of_links(tmp_path):
    make_sample_kb(tmp_path / "govkb.sqlite", many=30, candidates=10, hostile=False)
    site = make_site(load_data(tmp_path / "govkb.sqlite"))
    files = generate(site)
    published = json.loads(files["downloads/links.json"])
    every = site.d.links
    key = lambda l: (l["source_id"], l["target_id"], l["relation"])
    assert {key(l) for l in published} < {key(l) for l in every}
    # Every explanation, every conflict, every accepted link and the best three candidates of each source.
    assert {key(l) for l in every if l["relation"] in ("explains", "conflicts") or l["status"] == "accepted"} \
        <= {key(l) for l in published}
    assert any(l["relation"] == "conflicts" and l["status"] == "candidate" for l in published)
    by_source = {}
    for l in published:
        if l["status"] == "candidate" and l["relation"] not in ("explains", "conflicts"):
            by_source.setdefault(l["source_id"], []).append(l["score"])
    assert by_source and all(len(v) == TOP_CANDIDATES for v in by_source.values())
    assert sorted(by_source["xx-act/art-3"], reverse=True) == [0.45, 0.3, 0.225]
    rows = list(csv.DictReader(io.StringIO(files["downloads/links.csv"])))
    assert len(rows) == len(published)
    ev = next(r["evidence"] for r in rows if r["source_id"] == "xx-act/art-3")
    assert ev.startswith('{"similarity":0.5,') and ", " not in ev      # compact JSON in one cell
    page = files["downloads/index.md"]
    assert "OUT/export/links.jsonl" in page and f"{len(published)} links" in page and f"{len(every)} candidate links" in page


def test_missing_kb_is_a_clear_error(tmp_path):
    res = CliRunner().invoke(main, ["site", "build", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "no knowledge base" in res.output


def test_cli_build(tmp_path):
    make_sample_kb(tmp_path / "govkb.sqlite", hostile=False)
    res = CliRunner().invoke(main, ["site", "build", "--out", str(tmp_path), "--no-search"])
    assert res.exit_code == 0, res.output
    assert "Site built in" in res.output and "largest page" in res.output
    assert "no previous build to compare with" in res.output
    assert (tmp_path / "site/index.html").is_file()
    # A rebuild reads its time against the one before it.
    first = re.search(r"Site built in ([\d.]+) s \(generate ([\d.]+) s", res.output).groups()
    again = CliRunner().invoke(main, ["site", "build", "--out", str(tmp_path), "--no-search"])
    assert again.exit_code == 0, again.output
    assert f"the previous build: {first[0]} s, generate {first[1]} s)" in again.output


@pytest.mark.slow
def test_real_corpus_site(tmp_path):
    if not (MIRROR / "MANIFEST.tsv").is_file():
        pytest.skip(f"no corpus mirror at {MIRROR}")
    subprocess.run([sys.executable, "-m", "govkb.cli", "corpus", "build", "--mirror", str(MIRROR),
                    "--out", str(tmp_path), "-q"], check=True, capture_output=True)
    stats = build_site(tmp_path)
    print(f"real corpus site: {stats}")
    assert stats["largest_bytes"] < 2_000_000, stats
    kb = check_anchors(tmp_path)
    assert len(kb.documents()) > 20
    assert 'id="eu-ai-act-art-50-par-2"' in "".join(
        p.read_text() for p in (tmp_path / "site/instruments/eu-ai-act").rglob("index.html"))


def test_theme_page_lists_an_article_once_with_its_parts(sample_site):
    out, _ = sample_site
    page = (out / "site/themes/content/index.html").read_text()
    items = re.findall(r"<li>(.*?)</li>", page, re.S)
    art1 = [i for i in items if ">Article 1<" in i]
    assert len(art1) == 1
    assert "On this theme within it:" in art1[0]
    assert ">Article 1(1)<" in art1[0] and ">Article 1(2)<" in art1[0]
    assert "Providers shall mark synthetic content" in art1[0]   # its words are its paragraphs'
    # the paragraphs are not listed again as entries of their own
    assert not [i for i in items if i.lstrip().startswith('<a') and re.match(r'<a [^>]*>Article 1\(\d\)<', i.strip())]


def test_conflict_evidence_quotes_both_sentences_escaped(sample_site):
    out, _ = sample_site
    page = (out / "site/alignment/xx-act/index.html").read_text()
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if "conflicts" in r)
    assert "obligation vs permission" in row
    assert "<q>Deployers shall inform persons. &lt;script&gt;" in row
    assert "<q>Deployers may inform persons.</q>" in row


ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")


def double_escaped(site: Path) -> list[tuple[str, str]]:
    """Text that a reader would see as a literal entity ("&minus;1", "&amp;"): HTML whose text,
    once unescaped, still holds an entity, i.e. markup escaped twice."""
    from bs4 import BeautifulSoup
    found = []
    for f in html_pages(site):
        soup = BeautifulSoup(f.read_text(encoding="utf-8"), "html.parser")
        for node in soup.find_all(string=True):
            if node.parent.name in ("script", "style"):
                continue
            m = ENTITY.search(str(node))
            if m:
                found.append((f.relative_to(site).as_posix(), str(node)[max(0, m.start() - 30):m.end() + 10]))
    return found


def test_no_double_escaped_entities(sample_site):
    """Every page reads as text, not as entities (the home page once showed a literal "&minus;1")."""
    out, _ = sample_site
    assert double_escaped(out / "site") == []


def test_double_escape_check_can_fail(tmp_path):
    (tmp_path / "index.html").write_text("<p>runs from &amp;minus;1</p>", encoding="utf-8")
    assert double_escaped(tmp_path) == [("index.html", "runs from &minus;1")]


def test_review_marks_on_cells_links_and_tags(sample_site):
    """A reviewed cell shows its reviewed label with the reason; a reviewed link says so; a
    stale theme review is flagged; machine output says it is a suggestion; every mark offers a
    correction link to the tracker; the reviews page lists the stale review."""
    site = sample_site[0] / "site"
    theme = (site / "themes" / "content" / "index.html").read_text()
    assert "reviewed: divergent" in theme and "Sample Reviewer" in theme and "machine suggestion" in theme
    assert "Article 1(1) binds providers to mark synthetic content." in theme
    assert "&lt;script&gt;" in theme and "<script>window.__xss" not in theme
    assert "issues/new?title=Correction%3A+cell%3Aus-endorsed%2Fxx-act%2Fcontent" in theme
    matrix = (site / "matrix" / "us-endorsed" / "index.html").read_text()
    assert matrix.count("cell lbl-divergent s3 reviewed") == 1
    align = next((site / "alignment").rglob("xx-act/index.html")).read_text()
    assert "reviewed: narrower" in align
    inst = (site / "instruments" / "xx-act" / "index.html").read_text()
    assert "theme review out of date" in inst and "themes: machine suggestion" in inst
    reviews = (site / "reviews" / "index.html").read_text()
    assert "theme:xx-act/art-2" in reviews and "Out of date (1)" in reviews


def test_a_failed_mkdocs_step_says_what_and_why(tmp_path, monkeypatch):
    """The tool's own output comes after govkb's one-line account of the failure."""
    from govkb.site import build as site_build
    make_sample_kb(tmp_path / "govkb.sqlite")
    monkeypatch.setattr(site_build, "mkdocs_config",
                        lambda site, docs, dest: f"site_name: x\ndocs_dir: {tmp_path / 'missing'}\nsite_dir: {dest}\n")
    with pytest.raises(site_build.SiteBuildError) as e:
        build_site(tmp_path, search=False)
    first, rest = str(e.value).split("\n", 1)
    assert first.startswith("mkdocs build failed (exit 1); likely cause: MkDocs refused")
    assert "docs_dir" in rest


# Keys whose values are identifiers or closed vocabularies the pages look up or compare
# (poisoning them would change what is shown, not how); every other string is text.
STRUCTURAL = {"id", "doc_id", "parent_id", "source_id", "target_id", "provision_id", "position_id", "theme",
              "themes", "instrument", "family", "level", "status", "relation", "baseline", "new_id", "op",
              "citations", "added", "removed"}
PROBE = '<b class="probe-{}">\'"&amp;</b>'


def poison(value, key=None, seen=None):
    """``value`` with a probe naming its key appended to every text string, recursively;
    ``seen`` collects the keys poisoned."""
    if isinstance(value, str):
        if key in STRUCTURAL:
            return value
        seen.add(key)
        return value + PROBE.format(key)
    if isinstance(value, dict):
        return {k: poison(v, k, seen) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, key, seen) for v in value]
    return value


def test_scraped_text_never_reaches_the_page_unescaped(tmp_path):
    """Every text value the site reads (titles, pinpoints, headings, provision text, theme and
    baseline text, evidence, reviews, change reports, URLs...) is given a live <b> element;
    no generated page carries one, and the common fields show it escaped. The only values
    templates print unescaped are Markup: their macros' output and tojson; nothing in the
    site's code or templates may mark anything else safe."""
    make_sample_kb(tmp_path / "govkb.sqlite", hostile=False)
    clean = load_data(tmp_path / "govkb.sqlite")
    for l in clean.links:   # load_data leaves it as JSON text; the probes go into its strings
        l["evidence"] = json.loads(l["evidence"])
    seen: set = set()
    fields = {f: poison(getattr(clean, f), None, seen) for f in ("documents", "notes", "links", "divergences", "runs",
                                                                 "themes", "baselines", "changes", "reviews")}
    fields["provisions"] = {d: poison(ps, None, seen) for d, ps in clean.provisions.items()}
    site = make_site(data.SiteData(**fields, review_stats=clean.review_stats + PROBE.format("review_stats"),
                                   repo_url=clean.repo_url))
    files = generate(site)
    pages = {k: v for k, v in files.items() if k.endswith((".md", ".xml"))}
    assert len(pages) >= 30    # every page type, twelve theme pages, the feed
    for path, text in pages.items():
        assert '<b class="probe-' not in text, (path, text[text.index('<b class="probe-') - 200:][:400])
    shown = "".join(pages.values())
    for key in ("title", "short_title", "publisher", "pinpoint", "heading", "text", "label", "scope", "stance",
                "reason", "reviewer", "note", "sentences", "shared_terms", "warnings", "urls", "review_stats",
                "citation"):
        assert key in seen | {"review_stats"}
        assert f"&lt;b class=&#34;probe-{key}&#34;&gt;" in shown, key
    assert {"includes", "verdict", "decisive", "changed", "modality"} <= seen
    # The markers of markup printed as is: none outside Jinja's own macros and tojson.
    root = Path(__file__).resolve().parents[1] / "govkb" / "site"
    code = "".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    templates = "".join(p.read_text(encoding="utf-8") for p in (root / "templates").glob("*.html"))
    assert "Markup(" not in code and "|safe" not in code.replace(" ", "")
    assert not re.search(r"\|\s*safe\b|autoescape\s+false|autoescape=False", templates + code)
