"""Real-browser tests of the built site (Debian's headless Chromium driven by Playwright),
served on 127.0.0.1: nothing from the hostile sample text executes, the matrix leads to
evidence, deep links land on their provision, search and its filters work, no console
errors. Screenshots go to $GOVKB_ARTIFACTS (default: the test's temporary directory)."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from govkb.site import build_site, data
from govkb.site.sample import make_sample_kb

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (pip) is not installed")
if not Path(CHROMIUM).is_file():
    pytest.skip("no chromium: apt-get install chromium chromium-driver", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser-site")
    make_sample_kb(out / "govkb.sqlite", many=60, candidates=10)
    # A small page budget splits the sample act into parts, so deep links must cross pages.
    old = data.PAGE_BUDGET
    data.PAGE_BUDGET = 40_000
    try:
        build_site(out)
    finally:
        data.PAGE_BUDGET = old
    handler = functools.partial(_QuietHandler, directory=str(out / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def artifacts(tmp_path) -> Path:
    """Where screenshots go: $GOVKB_ARTIFACTS, else the test's temporary directory."""
    shots = Path(os.environ.get("GOVKB_ARTIFACTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    return shots


@pytest.fixture
def page(browser, artifacts, request):
    """A fresh page recording dialogs and console errors; screenshot on teardown."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.dialogs, pg.errors = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    pg.screenshot(path=str(artifacts / f"site-{request.node.name}.png"), full_page=False)
    assert pg.errors == [], pg.errors
    ctx.close()


@pytest.mark.parametrize("path", ["instruments/xx-act/", "alignment/xx-act/", "themes/content/",
                                  "themes/transparency/", "changes/"])
def test_hostile_text_executes_nothing(server, page, path):
    page.goto(server + path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []
    assert page.locator('a[href^="javascript:"], iframe, img[src="x"]').count() == 0
    body = page.inner_text("article")
    assert "<script>window.__xss=1;alert(1)</script>" in body or path == "themes/transparency/"
    if path.startswith("instruments"):
        assert "[click](javascript:window.__xss=3)" in body
        assert '<img src=x onerror="window.__xss=2;alert(1)">' in body


def test_compare_script_renders_text_inertly(server, page):
    page.goto(server + "compare/?left=b:us-endorsed&right=i:xx-act")
    page.wait_for_selector("#compare-out h2")
    assert page.evaluate("window.__xss") is None and page.dialogs == []
    out = page.inner_text("#compare-out")
    assert "Providers shall mark synthetic content" in out
    assert "<script>window.__xss=1" in out


def test_home_matrix_cell_reaches_evidence(server, page):
    page.goto(server)
    matrix = page.locator("table.matrix")
    assert matrix.count() == 1
    assert matrix.locator("thead th").all_inner_texts() == ["Instrument", "privacy", "transparency", "content"]
    page.locator("table.matrix td.cell a").first.click()
    page.wait_for_load_state("load")
    assert "/themes/privacy/" in page.url and "#ev-us-endorsed-" in page.url
    target = page.locator(":target")
    assert target.count() == 1 and target.locator("table.evidence").count() == 1
    assert target.is_visible()


@pytest.mark.parametrize("frag", ["xx-act-art-55", "art-55"])
def test_deep_link_reaches_provision_across_parts(server, page, frag):
    page.goto(server + f"instruments/xx-act/#{frag}")
    page.wait_for_url("**/part-*/#xx-act-art-55")
    el = page.locator("#xx-act-art-55")
    el.wait_for()
    page.wait_for_timeout(200)
    box = el.bounding_box()
    assert box and 0 <= box["y"] < 900, box


def test_search_finds_and_theme_filter_narrows(server, page):
    page.goto(server + "search/?q=synthetic%20content")
    page.wait_for_selector(".pagefind-ui__result")
    page.wait_for_timeout(500)
    before = page.locator(".pagefind-ui__result").count()
    assert before >= 3
    page.locator("summary", has_text="theme").first.click()
    page.locator("label", has_text="content").first.click()
    page.wait_for_timeout(800)
    after = page.locator(".pagefind-ui__result").count()
    assert 0 < after < before


def test_alignment_tag_reaches_its_part(server, page):
    """A provision's alignment tag leads to the alignment part holding its block, which
    lists accepted links and the best candidates and says how many more exist."""
    page.goto(server + "instruments/xx-act/#xx-act-art-55")
    page.wait_for_url("**/part-*/#xx-act-art-55")
    page.locator("#xx-act-art-55 ~ .tags a.aligned, .prov:has(#xx-act-art-55) a.aligned").first.click()
    page.wait_for_url("**/alignment/xx-act/part-*/#al-xx-act-art-55")
    block = page.locator("#al-xx-act-art-55")
    block.wait_for()
    assert block.locator("table.links tbody tr").count() == 5      # 2 accepted + 3 candidates
    assert "more link(s)" in block.inner_text()
    box = block.bounding_box()
    assert box and 0 <= box["y"] < 900, box


def test_review_marks_are_visible_and_explain_themselves(server, page):
    """The reviewed cell reads as reviewed in the matrix and, on its theme page, opens to the
    reviewer's reason and decisive clause; a machine cell says it is a suggestion; the
    correction link names the item; the hostile reason stays text."""
    page.goto(server)
    cell = page.locator("table.matrix td.cell.reviewed")
    assert cell.count() == 1 and cell.inner_text().strip() == "D✓"
    cell.locator("a").click()
    page.wait_for_load_state("load")
    assert "/themes/content/" in page.url
    target = page.locator(":target")
    assert "reviewed: divergent" in target.inner_text()
    target.locator("details.rv-why summary").click()
    why = target.locator("details.rv-why")
    assert "Article 1(1) binds providers to mark synthetic content." in why.inner_text()
    assert "<script>window.__xss=1" in why.inner_text() and page.evaluate("window.__xss") is None
    assert "Sample Reviewer" in why.inner_text() and why.locator("a", has_text="Article 1(1)").count() == 1
    fix = target.locator("a.outbound", has_text="suggest a correction")
    assert "issues/new?title=Correction%3A+cell%3Aus-endorsed%2Fxx-act%2Fcontent" in fix.get_attribute("href")
    machine = page.locator(".cellev", has=page.locator(".rv-machine")).first
    assert machine.is_visible() and "machine suggestion" in machine.inner_text()
    page.goto(server + "reviews/")
    assert "theme:xx-act/art-2" in page.inner_text("table.stale-reviews")


def test_front_page_leads_with_the_core_matrix(server, page, artifacts):
    """At 1400x1000 the first screen answers "where does each framework stand on privacy,
    transparency and content against the US positions?": the core matrix first, above the
    explanation, a line per family, the date of the build and what changed since the last."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(server)
    page.wait_for_load_state("load")
    article = page.locator("article")
    assert article.locator("h1").first.inner_text().startswith("Privacy, transparency and content against the US")
    matrix = article.locator("table.matrix")
    assert matrix.count() == 1 and article.locator("table").first.get_attribute("class") == "matrix"
    box = matrix.bounding_box()
    assert box["y"] < 300 and box["y"] + box["height"] <= 1000, box
    explanation = page.locator("#how-to-read-the-matrices").bounding_box()
    assert explanation["y"] > box["y"] + box["height"]
    families = page.locator("ul.families li")
    assert families.all_inner_texts() == [
        "European Union: divergent on privacy; partially aligned on transparency; aligned on content",
        "OECD: divergent on privacy; partially aligned on transparency; aligned on content"]
    build = page.locator(".home-lead .stats").first
    assert "Last build: 2026-01-01T00:00:05Z" in build.inner_text()
    changed = page.locator(".home-lead .changed")
    assert "Since the previous build (20251231T000000Z-test): 1 document(s) removed" in changed.inner_text()
    for el in (families.last, build, changed):
        b = el.bounding_box()
        assert b and b["y"] + b["height"] <= 1000, b
    page.screenshot(path=str(artifacts / "site-front-page-1400x1000.png"))
    changed.locator("a", has_text="What changed").click()
    page.wait_for_url("**/changes/#run-20260101T000000Z-test")


def test_header_search_finds_watermark_on_an_instrument_page(server, page):
    """The search box in the header of an instrument page finds the sample act's watermark
    clause as one types (hostile text in the excerpt stays text) and leads to it; Enter opens
    the search page, which keeps its filters. Every request stays on this site."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + "instruments/us-policy/")
    box = page.locator("#header-search-input")
    assert box.is_visible() and box.bounding_box()["y"] < 60      # in the header bar
    box.fill("watermark")
    results = page.locator("#header-search-results .pagefind-modular-list-result")
    # Pagefind renders results one by one as their fragments load: wait for the one we check.
    act = results.filter(has=page.locator("a.pagefind-modular-list-link", has_text="Invented Act"))
    act.first.wait_for()
    assert page.locator("#header-search-summary").inner_text().endswith("results for watermark")
    assert act.count() == 1 and "such as a watermark" in act.locator(".pagefind-modular-list-excerpt").inner_text()
    assert page.evaluate("window.__xss") is None and page.dialogs == []
    assert page.locator("#header-search input[type=checkbox]").count() == 0    # no filters in the header
    act.locator("a").click()
    page.wait_for_url("**/instruments/xx-act/")
    assert "such as a watermark" in page.inner_text("article")
    box.fill("watermark")
    results.first.wait_for()
    box.press("Enter")
    page.wait_for_url("**/search/?q=watermark")
    page.locator("#search .pagefind-ui__result").first.wait_for()
    assert page.locator("#header-search").is_hidden()          # the page's own interface only
    assert page.locator("#search summary", has_text="theme").count() == 1
    assert all(u.startswith(server) for u in requests), [u for u in requests if not u.startswith(server)]


@pytest.mark.parametrize("path", ["", "matrix/us-endorsed/", "themes/privacy/", "alignment/xx-act/", "changes/",
                                  "downloads/", "methodology/", "reviews/", "compare/", "404.html"])
def test_every_page_has_the_header_search(server, page, path):
    page.goto(server + path)
    page.wait_for_load_state("load")
    assert page.locator("header #header-search-input").is_visible()
    assert page.evaluate("typeof PagefindModularUI.Instance") == "function"


def test_status_banner_on_an_amended_instrument_and_where_it_is_quoted(server, page, artifacts):
    """The sample act was amended and the site holds its original text: its page opens with a
    banner naming the amendment and linking the consolidated text (hostile text in the
    amendment's citation stays text); the alignment page of an instrument quoting it names it;
    the compare page says so when it is picked; the front page's matrix marks its row."""
    page.goto(server + "instruments/xx-act/")
    banner = page.locator("article p.banner.status-nc")
    assert banner.count() == 1 and banner.is_visible()
    assert banner.bounding_box()["y"] < page.locator("table.facts").bounding_box()["y"]
    text = banner.inner_text()
    assert text.startswith("Amended by Invented Amending Act 2099/2 <script>window.__xss=1")
    assert "(in force 27 July 2099); this is the original 2025 text; consolidated text: " in text
    link = banner.locator("a.outbound")
    assert link.get_attribute("href") == "https://eur-lex.europa.eu/eli/reg/2099/1/2099-07-27"
    assert page.evaluate("window.__xss") is None and page.dialogs == []
    page.screenshot(path=str(artifacts / "status-banner.png"))
    page.goto(server + "instruments/us-policy/")
    assert page.locator("article p.banner.status-nc").count() == 0
    page.goto(server + "alignment/us-policy/")
    quoted = page.locator("article p.banner.status-nc")
    assert quoted.count() == 1 and quoted.inner_text().startswith("Invented Act, quoted on this page: Amended by")
    quoted.locator("a", has_text="Invented Act").click()
    page.wait_for_url("**/instruments/xx-act/")
    page.goto(server + "compare/?left=i:xx-act&right=i:us-policy")
    cmp_banner = page.locator("#compare-out p.banner.status-nc")
    cmp_banner.first.wait_for()
    assert cmp_banner.count() == 1 and cmp_banner.inner_text().startswith("Invented Act: Amended by")
    page.goto(server)
    row = page.locator("table.matrix tr", has=page.locator("th a", has_text="Invented Act"))
    assert row.locator(".status-nc").inner_text() == "amended"
    assert page.evaluate("window.__xss") is None and page.dialogs == []
