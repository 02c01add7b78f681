"""Build the site: generate pages into OUT/.site-src, run MkDocs (strict) into a staging
directory, index it with Pagefind, then move it into place so a failed build leaves the
last good site as it was. In a full build this is the last stage before publication
(``site_stage``): the site is built into the staged snapshot next to its knowledge base.
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from govkb.site.data import Site, load_data
from govkb.site.pages import generate, make_site, nav

REPO = Path(__file__).resolve().parents[2]
MKDOCS_YML = REPO / "mkdocs.yml"
HAND_DOCS = REPO / "docs"
ASSETS = Path(__file__).with_name("assets")
TIMES = "timings.json"   # in OUT/.site-src: the last successful build's timings


class SiteBuildError(RuntimeError):
    """The site could not be built (no knowledge base, MkDocs warning, Pagefind failure)."""


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write ``data`` unless the file already holds it, so unchanged pages keep their mtime."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_file() and path.read_bytes() == raw:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return True


def sync_tree(root: Path, files: dict[str, str | bytes]) -> int:
    """Make ``root`` hold exactly ``files``; return how many files were (re)written."""
    written = sum(write_if_changed(root / rel, data) for rel, data in files.items())
    for path in sorted(root.rglob("*"), reverse=True):
        relp = path.relative_to(root).as_posix()
        if path.is_file() and relp not in files:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written


def hand_pages() -> dict[str, str]:
    """The hand-written pages of docs/ (Markdown and anything else kept there)."""
    if not HAND_DOCS.is_dir():
        return {}
    return {p.relative_to(HAND_DOCS).as_posix(): p.read_text(encoding="utf-8")
            for p in HAND_DOCS.rglob("*") if p.is_file() and p.suffix in (".md", ".css", ".js", ".svg")}


def assets() -> dict[str, bytes]:
    """The JS and CSS shipped with the package (no CDN: everything the site loads is local)."""
    return {f"assets/{p.name}": p.read_bytes() for p in sorted(ASSETS.iterdir()) if p.is_file()}


def mkdocs_config(site: Site, docs_dir: Path, site_dir: Path) -> str:
    """The repository's mkdocs.yml with the generated nav and this build's directories."""
    cfg = yaml.safe_load(MKDOCS_YML.read_text(encoding="utf-8"))
    # MkDocs reads relative directories against the config file, not the working directory;
    # the generated config is elsewhere, so the theme overrides are named from mkdocs.yml's.
    cfg.update(docs_dir=os.path.abspath(docs_dir), site_dir=os.path.abspath(site_dir),
               nav=[n for n in nav(site) if n])
    if cfg["theme"].get("custom_dir"):
        cfg["theme"]["custom_dir"] = str((MKDOCS_YML.parent / cfg["theme"]["custom_dir"]).resolve())
    return yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)


# What usually makes each tool fail, said before its own output.
LIKELY_CAUSES = {
    "mkdocs build": "MkDocs refused the generated pages or mkdocs.yml (strict mode: a broken link or "
                    "anchor, a page outside the nav, a bad config value; a path it cannot find)",
    "pagefind": "Pagefind could not index the built site (its binary from pagefind-bin could not run, "
                "or the site has no HTML pages)",
}


def _run(cmd: list[str], what: str) -> str:
    # Material prints a banner about its successor on every build unless told not to; it
    # is not a build warning and would only hide real ones.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    except OSError as e:
        raise SiteBuildError(f"{what} could not start ({e}); likely cause: {LIKELY_CAUSES.get(what, '?')}") from None
    if proc.returncode != 0:
        raise SiteBuildError(f"{what} failed (exit {proc.returncode}); likely cause: "
                             f"{LIKELY_CAUSES.get(what, 'see its output')}. Its output:\n{proc.stdout}{proc.stderr}")
    return proc.stdout + proc.stderr


def pagefind_executable() -> str:
    """The Pagefind binary shipped by the pagefind-bin wheel."""
    try:
        import pagefind_bin
        return str(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError) as e:
        raise SiteBuildError(f"Pagefind is not installed ({e}); `pip install pagefind-bin`") from None


def page_stats(site_dir: Path) -> dict:
    """Count and size of the built HTML pages, and the largest one."""
    pages = [(p.stat().st_size, p.relative_to(site_dir).as_posix()) for p in site_dir.rglob("*.html")]
    largest = max(pages) if pages else (0, "")
    return {"pages": len(pages), "html_bytes": sum(s for s, _ in pages),
            "largest_page": largest[1], "largest_bytes": largest[0],
            "site_bytes": sum(p.stat().st_size for p in site_dir.rglob("*") if p.is_file())}


def site_stage(search: bool = True):
    """The build stage that renders the staged knowledge base into the staged ``site/``.
    No input hash: when anything upstream changed, every page may have."""
    from corpus.build import Stage, StageError

    def run(ctx) -> dict:
        try:
            st = build_site(ctx.out, kb_path=ctx.staging / "govkb.sqlite", site_dir=ctx.staging / "site",
                            search=search)
        except SiteBuildError as e:
            raise StageError("site", str(e)) from None
        return {"site_" + k: v for k, v in st.items()}

    return Stage("site", run, code=(Path(__file__).parent, HAND_DOCS, MKDOCS_YML),
                 doing="generating pages, MkDocs, Pagefind index")


def build_site(out: str | Path, *, search: bool = True, kb_path: Path | None = None,
               site_dir: Path | None = None) -> dict:
    """Build the site of OUT/govkb.sqlite into OUT/site (or ``kb_path`` into ``site_dir``);
    return timings and page-size statistics. OUT/.site-src keeps the generated sources so
    that unchanged pages are not rewritten.

    ``search=False`` skips the Pagefind index (the search page then finds nothing); tests
    that do not exercise search use it to stay fast."""
    out = Path(out)
    kb = kb_path or out / "govkb.sqlite"
    if not kb.is_file():
        raise SiteBuildError(f"no knowledge base at {kb}; run `govkb corpus build --out {out}` first")
    t0 = time.perf_counter()
    site = make_site(load_data(kb), hand_pages())
    files: dict[str, str | bytes] = {**generate(site), **assets()}
    src = out / ".site-src"
    staging = out / ".site-staging"
    written = sync_tree(src / "docs", files)
    cfg = src / "mkdocs.yml"
    write_if_changed(cfg, mkdocs_config(site, src / "docs", staging))
    t1 = time.perf_counter()
    log = _run([sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-q", "-f", str(cfg)], "mkdocs build")
    if any(line.lstrip().startswith("WARNING") for line in log.splitlines()):
        raise SiteBuildError(f"mkdocs build reported warnings:\n{log}")
    t2 = time.perf_counter()
    if search:
        _run([pagefind_executable(), "--site", str(staging), "--silent"], "pagefind")
    t3 = time.perf_counter()
    # Through the snapshot links, OUT/site is the current snapshot's site directory.
    final = site_dir or Path(os.path.realpath(out / "site"))
    old = out / ".site-old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    times = {"generate_s": round(t1 - t0, 2), "mkdocs_s": round(t2 - t1, 2), "pagefind_s": round(t3 - t2, 2),
             "total_s": round(t3 - t0, 2)}
    previous = previous_times(src)
    (src / TIMES).write_text(json.dumps(times), encoding="utf-8")
    return {**times, "previous_generate_s": previous.get("generate_s"), "previous_total_s": previous.get("total_s"),
            "files_written": written, **page_stats(final)}


def previous_times(src: Path) -> dict:
    """The timings of the last successful build of this OUT ({} before the first one), so that
    a build can be read against the one before it (a slower generator shows at once)."""
    try:
        return json.loads((src / TIMES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """The static file server, answering an unknown path with the site's own 404 page (as a
    static host would) instead of Python's bare error page."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):   # one line per request is noise for a local preview
        pass


def serve_site(out: str | Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve OUT/site with Python's static file server until interrupted."""
    root = Path(out) / "site"
    if not (root / "index.html").is_file():
        raise SiteBuildError(f"no built site in {root}; run `govkb site build --out {out}` first")
    handler = functools.partial(SiteHandler, directory=str(root))
    with http.server.ThreadingHTTPServer((host, port), handler) as httpd:
        print(f"Serving {root} at http://{host}:{httpd.server_port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
