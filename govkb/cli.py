"""The `govkb` command line."""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import textwrap
from pathlib import Path

import click

from corpus.model import KINDS as PROVISION_KINDS

DEFAULT_OUT = "out"
# Values of the search filters, listed in --help (the engine checks them against the build).
THEME_IDS = ("privacy", "transparency", "content", "safety", "fairness", "accountability", "oversight",
             "rights", "innovation", "cooperation", "trade", "society")
MODALITIES = ("prohibition", "obligation", "recommendation", "commitment", "permission", "none")


class UserPath(click.Path):
    """A path as a user types it: ``~`` expanded and made absolute against the working
    directory, once, here at the edge, so every stage below sees the same absolute path
    whatever directory it runs in (MkDocs, for one, reads relative paths against its
    config file, not the working directory)."""

    def convert(self, value, param, ctx):
        if isinstance(value, (str, os.PathLike)):
            value = os.path.abspath(os.path.expanduser(os.fspath(value)))
        return super().convert(value, param, ctx)


mirror_option = click.option(
    "--mirror", type=UserPath(file_okay=False, path_type=Path), default=None,
    envvar="GOVKB_MIRROR", show_envvar=True,
    help="Build offline from a mirror directory laid out like ../shared/corpus-mirror "
         "(MANIFEST.tsv + files). Without it, documents are fetched live from the publishers.")
out_option = click.option(
    "--out", type=UserPath(file_okay=False, path_type=Path), default=DEFAULT_OUT,
    show_default=True, envvar="GOVKB_OUT", show_envvar=True,
    help="Output directory: snapshots/ of published builds with current/ and the links "
         "govkb.sqlite, export/, index/, site/ into it; raw/ archive, cache/, reports/, logs/.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govkb", prog_name="govkb")
def main():
    """govkb: an open knowledge base that compares AI-governance texts clause by clause.

    Start with `govkb build --mirror ../shared/corpus-mirror` (offline) or `govkb build`
    (live). `govkb corpus --help` lists the corpus commands.
    """


def build_options(f):
    """The options shared by `govkb build` and `govkb corpus build`."""
    for opt in reversed((
        mirror_option, out_option,
        click.option("--only", "only", multiple=True, metavar="DOC_ID",
                     help="Rebuild only these documents (repeatable); the others are kept "
                          "from the last good build."),
        click.option("--accept-drift", is_flag=True,
                     help="Accept a document that shrank by more than 10% against the last good build."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
    )):
        f = opt(f)
    return f


reviews_option = click.option(
    "--reviews", "reviews_dir", type=UserPath(file_okay=False, exists=True, path_type=Path), default=None,
    help="Folder of reviewed judgments (cells/, links/, themes/; default: nlp/data/reviews). "
         "`govkb review --help` explains them.")

baseline_option = click.option(
    "--baseline", type=UserPath(dir_okay=False, exists=True, path_type=Path), default=None,
    help="Baseline positions file to measure divergence against (default: the US-endorsed "
         "baseline, nlp/data/baselines/us-endorsed.yaml).")


@main.command("build")
@build_options
@baseline_option
@reviews_option
def build_cmd(mirror, out, only, accept_drift, quiet, baseline, reviews_dir):
    """Run the whole pipeline into OUT: corpus, NLP (themes, modality, alignment,
    divergence), the search index, the change report, then the static site; publish it all
    as a new snapshot (OUT/snapshots/, switched atomically; `govkb snapshots --help`).

    Strict: any document that fails to fetch, parse or pass a gate fails the build, and
    nothing is published (the last good build stays live). Stages whose inputs did not
    change are carried over. Exit status: 0 published; 1 failed; 2 bad options.
    """
    _pipeline(mirror=mirror, out=out, only=only, accept_drift=accept_drift, quiet=quiet,
              baseline=baseline, strict=True, reviews_dir=reviews_dir)


@main.command("nightly")
@mirror_option
@out_option
@click.option("--keep", default=7, show_default=True, type=click.IntRange(1),
              help="Published snapshots to keep (the current one is never deleted).")
@baseline_option
@reviews_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def nightly_cmd(mirror, out, keep, baseline, reviews_dir, quiet):
    """The unattended rebuild: fetch -> parse -> gates -> NLP -> site -> publish, skipping
    every stage whose inputs did not change (a night without change rebuilds nothing).

    A document that fails to fetch, parse or pass its gates keeps its last good version
    and is named in the report. The new build is published as a snapshot only when every
    remaining gate passed. Writes OUT/reports/changes-<run>.json and .md (and
    changes-latest.*) and OUT/logs/<run>.log.

    \b
    Exit status:
      0  success: published, or nothing changed
      3  published (or nothing changed) with warnings: some document kept its last good version
      1  failure: nothing published, the last good build stays live
      2  bad options
    """
    sys.exit(_pipeline(mirror=mirror, out=out, only=(), accept_drift=False, quiet=quiet, baseline=baseline,
                       strict=False, keep=keep, reviews_dir=reviews_dir))


@contextlib.contextmanager
def _build_errors():
    """A build that cannot start: bad options exit 2; a locked output directory is a
    failure of this run (exit 1)."""
    from corpus.build import BuildError, BuildLocked
    try:
        yield
    except BuildLocked as e:
        raise click.ClickException(f"{e}; nothing was done") from None
    except BuildError as e:
        raise click.UsageError(str(e)) from None


def _pipeline(*, mirror, out, only, accept_drift, quiet, baseline, strict, keep=None, reviews_dir=None) -> int:
    from corpus.snapshots import DEFAULT_KEEP
    from govkb import nightly
    with _build_errors():
        result = nightly.run(out, mirror=mirror, only=list(only) or None, keep=keep or DEFAULT_KEEP,
                             progress=not quiet, baseline_path=baseline, strict=strict, accept_drift=accept_drift,
                             reviews_dir=reviews_dir)
    for n in result.build.notices:
        click.echo(f"notice: {n}", err=True)
    lines = nightly.summary_lines(result)
    st = result.build.stage_stats
    if "site_pages" in st:
        lines.insert(2, f"site: {st['site_pages']} pages in {st['site_total_s']:.1f} s -> {out}/site/")
    if result.build.published or result.report.get("status") == "no-changes":
        lines.append(f"open the site: govkb site serve --out {_shell_path(out)}   (then http://127.0.0.1:8000/)")
    click.echo("\n".join(lines), err=result.exit_code == nightly.EXIT_FAILED)
    if strict and result.exit_code == nightly.EXIT_FAILED:
        sys.exit(1)
    return result.exit_code


def _shell_path(path) -> str:
    """``path`` as the user can paste it back: relative to the working directory when it is
    inside it, quoted when it has spaces."""
    import shlex
    p = Path(path)
    try:
        p = p.relative_to(Path.cwd())
    except ValueError:
        pass
    return shlex.quote(str(p))


@main.group()
def corpus():
    """Collect and parse the governance texts (registry, build, show)."""


@corpus.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
def corpus_list(as_json):
    """List the documents in the source registry, and mirror files declared out of scope."""
    from corpus import sources
    rows = sorted(sources.REGISTRY.values(), key=lambda s: (s.family, s.id))
    if as_json:
        for s in rows:
            click.echo(json.dumps({"id": s.id, "family": s.family, "title": s.title,
                                   "instrument_type": s.instrument_type, "binding": s.binding,
                                   "date": s.date_adopted, "url": s.urls[0], "parser": s.parser,
                                   "expected": s.expected, "mirror_doc": s.mirror.doc,
                                   "status": s.status.to_dict() if s.status else None}, ensure_ascii=False))
        return
    click.echo(f"{'id':<44} {'family':<7} {'type':<18} {'binding':<8} {'date':<11} {'status':<20} title")
    for s in rows:
        click.echo(f"{s.id:<44} {s.family:<7} {s.instrument_type:<18} {'yes' if s.binding else 'no':<8} "
                   f"{s.date_adopted:<11} {s.status.status if s.status else '-':<20} {s.short_title}")
    click.echo(f"\n{len(rows)} documents.")
    if sources.OUT_OF_SCOPE:
        click.echo("\nMirror files deliberately not parsed:")
        for f, why in sorted(sources.OUT_OF_SCOPE.items()):
            click.echo(f"  {f}\n      {why}")


@corpus.command("build")
@build_options
def corpus_build(mirror, out, only, accept_drift, quiet):
    """Fetch, parse and gate every registry document; publish the knowledge base and
    OUT/export/{documents,provisions}.jsonl only if every gate passed.

    Exit status: 0 all gates passed (output published); 1 a gate or fetch failed (the
    last good output is left in place); 2 bad options or unusable mirror.
    """
    _run_corpus_build(mirror, out, only, accept_drift, quiet)


def _run_corpus_build(mirror, out, only, accept_drift, quiet):
    from corpus.build import build_corpus
    with _build_errors():
        report = build_corpus(out, mirror=mirror, only=list(only) or None,
                              accept_drift=accept_drift, progress=not quiet)
    for n in report.notices + report.warnings:
        click.echo(f"notice: {n}", err=True)
    if not report.ok:
        kept = (f"the last good output in {out} is unchanged" if (Path(out) / "govkb.sqlite").exists()
                else "nothing was published")
        click.echo(f"\nBUILD FAILED ({len(report.failures)} problem(s)); {kept}:", err=True)
        for f in report.failures:
            click.echo(f"  {f}", err=True)
        sys.exit(1)
    parsed = [o for o in report.outcomes if o.status in ("new", "fresh")]
    click.echo(f"Built {report.documents} documents, {report.provisions} provisions in "
               f"{report.seconds:.1f} s ({len(parsed)} parsed this run) -> {out}/export/")
    click.echo("(corpus only: run `govkb build` for the NLP annotations, links, divergence and site)")


@corpus.command("show")
@click.argument("provision_id")
@out_option
@click.option("--json", "as_json", is_flag=True, help="Print the provision as JSON.")
def corpus_show(provision_id, out, as_json):
    """Print a provision with its citation, provenance, parent and sub-provisions.

    PROVISION_ID is like eu-ai-act/art-50/par-2; a document id alone lists its top level.
    """
    from corpus.store import KnowledgeBase
    try:
        kb = KnowledgeBase(Path(out) / "govkb.sqlite")
    except (FileNotFoundError, RuntimeError) as e:
        raise click.ClickException(str(e)) from None
    from corpus import status as currency
    from corpus.versions import provenance
    doc = kb.document(provision_id)
    if doc:
        click.echo(f"{doc['title']}\n{doc['url']}\n{_status_text(doc)}\n")
        for p in kb.provisions(provision_id):
            if p["parent_id"] is None:
                gist = textwrap.shorten(p["heading"] or p["text"] or "(sub-provisions)", 70)
                click.echo(f"  {p['id']:<48} {p['pinpoint']:<24} {gist}")
        return
    p = kb.provision(provision_id)
    if p is None:
        raise click.ClickException(f"no provision {provision_id!r} in {out}; ids look like "
                                   "eu-ai-act/art-50/par-2 (`govkb corpus show DOC_ID` lists a document)")
    doc = kb.document(p["doc_id"])
    kids = kb.children(p["id"])
    prov = provenance(doc, p["version"])
    if as_json:
        click.echo(json.dumps({**p, "instrument_status": currency.summary(doc), "provenance": prov,
                               "document": {k: doc[k] for k in ("id", "title", "url", "sha256", "retrieved_at",
                                                                "source_kind", "version")}
                               | {"status": currency.status_of(doc) or None},
                               "children": [k["id"] for k in kids]}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{doc['short_title']}, {p['pinpoint']}" + (f" - {p['heading']}" if p["heading"] else ""))
    click.echo(_status_text(doc))
    click.echo(f"id: {p['id']}   kind: {p['kind']}   parent: {p['parent_id'] or '-'}")
    if prov["source_kind"] != "original":
        click.echo(f"NOTE: text from a {prov['source_kind'].upper()}, not the publisher's original")
    if p["text"]:
        click.echo("\n" + textwrap.fill(p["text"], width=100, break_on_hyphens=False) + "\n")
    for k in kids:
        click.echo(f"  {k['pinpoint']}: {textwrap.shorten(k['text'] or k['heading'], 90)}")
    click.echo(f"\nsource: {prov['source_url']}\nretrieved: {prov['retrieved_at']} via {doc['transport']}"
               f"   sha256: {prov['sha256']}" + _version_text(doc, p))


def _status_text(doc: dict) -> str:
    """The instrument's standing in law as one line (corpus.status), flagged when the text is
    not the instrument in its current form."""
    from corpus import status as currency
    s = currency.summary(doc)
    if s is None:
        return "status: not recorded"
    flag = "" if s["current"] else "WARNING: "
    return f"{flag}status: {s['line']} (checked {currency.fmt_date(s['checked'])})"


def _version_text(doc: dict, p: dict) -> str:
    """Which version of the text the provision's words come from, and its marker."""
    from corpus import status as currency
    v = next((v for v in currency.versions_of(doc) if v["id"] == p.get("version")), None)
    if v is None or len(currency.versions_of(doc)) < 2:
        return ""
    mark = p.get("marker") or ""
    act = v.get("modifiers", {}).get(mark, "")
    return (f"\nversion: {v['label']}" + (f"; marker {mark}" + (f" ({act})" if act and mark != "B" else "")
                                          if mark else ""))


def _open_kb(out) -> "KnowledgeBase":
    from corpus.store import KnowledgeBase
    try:
        return KnowledgeBase(Path(out) / "govkb.sqlite")
    except (FileNotFoundError, RuntimeError) as e:
        raise click.ClickException(str(e)) from None


@main.command("classify")
@click.option("--batch", default=256, show_default=True, type=click.IntRange(1, 10_000),
              help="Texts classified together (larger is faster, uses more memory).")
def classify_cmd(batch):
    """Classify any texts: JSON lines {"id": ..., "text": ...} on stdin, one JSON line
    {"id", "themes", "theme_scores", "modality"} per input on stdout, in order.

    A line that is not a JSON object with a string "text" is reported on stderr with its
    line number and skipped; the exit status is then 1.
    """
    from nlp.pipeline import annotate
    from nlp.embed import Embedder
    from nlp.themes import ThemeClassifier
    try:
        clf = ThemeClassifier(Embedder())
    except ValueError as e:     # the theme model file is missing or broken: say which and what to do
        raise click.ClickException(str(e)) from None
    bad = 0

    def flush(items):
        texts = [t for _, t in items]
        notes = annotate(texts, doc_ids=[""] * len(texts), context_ids=[None] * len(texts), known_ids=set())
        for (rid, _), sc, note in zip(items, clf.scores(texts), notes):
            click.echo(json.dumps({"id": rid, "themes": clf.themes(sc),
                                   "theme_scores": {k: round(v, 4) for k, v in sc.items()},
                                   "modality": note["modality"]}, ensure_ascii=False))

    items: list = []
    for n, line in enumerate(click.get_text_stream("stdin", errors="replace"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise ValueError('expected an object with a string "text"')
        except ValueError as e:
            click.echo(f"line {n}: skipped: {e}", err=True)
            bad += 1
            continue
        items.append((obj.get("id", n), obj["text"][:20_000]))
        if len(items) >= batch:
            flush(items)
            items = []
    if items:
        flush(items)
    if bad:
        sys.exit(1)


@main.command("align")
@click.argument("provision_id")
@click.option("--doc", "docs", multiple=True, metavar="DOC_ID", help="Only provisions of these documents (repeatable): the links stored into them, best first, "
              "then their provisions nearest in meaning, up to -k.")
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 200), help="How many to print.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of links.")
@out_option
def align_cmd(provision_id, docs, k, as_json, out):
    """Print the provisions aligned with PROVISION_ID in other instruments: possible
    conflicts first, then the others best first, with relation, confidence, status and
    evidence; for an EU article, also the recitals that explain it (relation "explains")."""
    kb = _open_kb(out)
    me = kb.provision(provision_id)
    if me is None:
        raise click.ClickException(f"no provision {provision_id!r} in {out} (see `govkb corpus show DOC_ID`)")
    rows = []
    for link in kb.links(provision_id):
        other = link["target_id"] if link["source_id"] == provision_id else link["source_id"]
        if link["relation"] != "explains" and link["source_id"] != provision_id and link["relation"] != "conflicts":
            continue   # the reverse direction of another provision's candidate list
        p = kb.provision(other)
        if p is None or (docs and p["doc_id"] not in docs):
            continue
        rows.append({**link, "other": p})
    # a possible conflict is what counsel must read first, whatever its confidence (as on the site)
    rows.sort(key=lambda r: r["relation"] != "conflicts")
    if docs:
        unknown = [d for d in docs if kb.document(d) is None]
        if unknown:
            raise click.ClickException(f"unknown document id(s) {', '.join(unknown)}; `govkb corpus list` shows them")
        if len(rows) < k:   # the stored lists keep ~10 links per provision: ask the vectors for the rest
            have = {r["other"]["id"] for r in rows} | {provision_id}
            for c in _engine(out).nearest(provision_id, docs, k - len(rows), exclude=have):
                rows.append({"source_id": provision_id, "target_id": c["id"], "relation": c["relation"],
                             "score": c["score"], "status": c["status"], "evidence": c["evidence"],
                             "other": kb.provision(c["id"])})
    rows = rows[:k]
    from corpus import status as currency
    standing = {}

    def status_of(doc_id: str) -> dict | None:
        if doc_id not in standing:
            standing[doc_id] = currency.summary(kb.document(doc_id))
        return standing[doc_id]

    if as_json:
        click.echo(json.dumps([{"source_id": r["source_id"], "target_id": r["target_id"],
                                "relation": r["relation"], "score": r["score"], "status": r["status"],
                                "evidence": r["evidence"], "pinpoint": r["other"]["pinpoint"],
                                "doc_id": r["other"]["doc_id"], "text": r["other"]["text"],
                                "instrument_status": status_of(r["other"]["doc_id"]),
                                "source_instrument_status": status_of(me["doc_id"])} for r in rows],
                              ensure_ascii=False, indent=2))
        return
    doc = kb.document(me["doc_id"])
    click.echo(f"{doc['short_title']}, {me['pinpoint']}: {textwrap.shorten(me['text'] or me['heading'], 100)}")
    click.echo(_status_text(doc) + "\n")
    if not rows:
        click.echo("No aligned provisions stored" + (" in those documents." if docs else "."))
        return
    if any(r["relation"] == "nearest" for r in rows):
        click.echo("(nearest: no link was stored to it; listed by similarity, with no confidence)\n")
    for r in rows:
        o, ev = r["other"], r["evidence"]
        odoc = kb.document(o["doc_id"])
        terms = ", ".join((ev.get("shared_terms") or [])[:6])
        status = "reviewed" if (r.get("review") or {}).get("status") == "current" else r["status"]
        # a stored link's score is a confidence; a nearest provision's would be a cosine, which
        # reads as one and is not (it is printed below as the similarity)
        score = "  -  " if r["relation"] == "nearest" else f"{r['score']:.3f}"
        click.echo(f"{score} {r['relation']:<11} {status:<9} {odoc['short_title']}, {o['pinpoint']}")
        click.echo(f"      {textwrap.shorten(o['text'] or o['heading'], 110)}")
        st = status_of(o["doc_id"])
        if st and not st["current"]:
            click.echo(f"      WARNING: {st['line']}")
        click.echo(f"      similarity {ev.get('similarity', 0):.2f}" + (f"; shared terms: {terms}" if terms else ""))
        if (r.get("review") or {}).get("status") == "current":
            click.echo(f"      reviewed by {r['review']['reviewer']} ({r['review']['date']}): "
                       f"{textwrap.shorten(r['review']['reason'], 200)}")
        sents = ev.get("sentences") or []
        if r["relation"] == "conflicts" and len(sents) == 2:   # the two opposite sentences, quoted
            click.echo(f"      {ev.get('type', 'conflict')}: “{textwrap.shorten(sents[0], 110)}”")
            click.echo(f"      {'':{len(ev.get('type', 'conflict'))}}  vs “{textwrap.shorten(sents[1], 110)}”")


@main.command("serve-api")
@out_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback exposes the knowledge base to the network.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--warm", is_flag=True, help="Load the embedding model at startup instead of on the first "
                                            "semantic or hybrid query.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Server processes (each loads its own engine and model, ~0.55 GB); about one per core.")
@click.option("--access-log", is_flag=True, help="Log every request (off by default: it slows the server under load).")
def serve_api_cmd(out, host, port, warm, workers, access_log):
    """Serve the local HTTP API (search, provisions, links, divergence, health) over
    OUT/govkb.sqlite; the OpenAPI description is at /openapi.json, a reference at /docs."""
    import ipaddress
    if not (Path(out) / "govkb.sqlite").is_file():
        raise click.ClickException(f"no knowledge base in {out}: run `govkb build` first (or pass --out)")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        click.echo(f"warning: listening on {host}, not 127.0.0.1: other machines can query this API "
                   "(it has no authentication)", err=True)
    _check_port(host, port)
    from govkb.api import serve
    serve(out, host, port, warm=warm, workers=workers, access_log=access_log)


def _check_port(host: str, port: int) -> None:
    """Fail with one line when the port is taken (the server libraries print a log and a
    traceback instead); port 0 asks the system for a free one."""
    import errno
    import socket
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise click.ClickException(f"cannot listen on {host}: {e.strerror}; pass --host 127.0.0.1") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise click.ClickException(f"port {port} is already in use on {host}: stop the other "
                                           f"server or choose another port with --port") from None
            raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror}") from None


def _engine(out):
    from govkb.search import SearchEngine
    try:
        return SearchEngine(out)
    except (FileNotFoundError, RuntimeError, sqlite3.DatabaseError) as e:
        raise click.ClickException(str(e)) from None


def _bad_input(message: str):
    """Bad user input: a one-line message on stderr and exit status 2."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _query_arg(query: str) -> str:
    """The query as text: "-" reads it from stdin; bytes that are not UTF-8 are bad input."""
    if query == "-":
        raw = click.get_binary_stream("stdin").read()
    else:   # argv arrives surrogate-escaped when it was not valid in the locale's encoding
        raw = os.fsencode(query) if any("\udc80" <= c <= "\udcff" for c in query) else query.encode("utf-8", "surrogatepass")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        _bad_input(f"the query is not valid UTF-8 text (byte {e.start}); pass UTF-8")


def _snippet(text: str, width: int = 220) -> str:
    """A window of ``text`` around its first highlight."""
    text = " ".join(text.split())
    at = text.find("«")
    start = max(0, at - width // 3) if at > width // 2 else 0
    cut = text[start:start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


ALSO_SHOWN = 5   # "also in" lines per grouped result in the text output
CSV_FIELDS = ("rank", "id", "doc_id", "instrument", "pinpoint", "kind", "score", "keyword_rank", "semantic_rank",
              "modality", "themes", "binding", "date", "instrument_status", "instrument_current", "status_line",
              "source_kind", "source_url", "retrieved_at", "text", "highlight", "aligned", "article", "also")


def _csv_cell(v):
    """Spreadsheet-safe cell: a leading = + - @ would be read as a formula, so it is quoted."""
    v = "" if v is None else str(v)
    return "'" + v if v[:1] in ("=", "+", "-", "@") else v


@main.command("search")
@click.argument("query")
@click.option("--doc", "docs", multiple=True, metavar="DOC_ID", help="Only these instruments (repeatable).")
@click.option("--family", "families", multiple=True, metavar="F", help="Only these families, e.g. eu, us, cn (repeatable).")
@click.option("--theme", "themes", multiple=True, metavar="T",
              help="Only provisions with one of these themes (repeatable): " + ", ".join(THEME_IDS) + ".")
@click.option("--modality", metavar="M", help="Only this modality: " + ", ".join(MODALITIES) + ".")
@click.option("--kind", metavar="K", help="Only this kind of provision: " + ", ".join(sorted(PROVISION_KINDS)) + ".")
@click.option("--binding/--non-binding", default=None, help="Only binding (or only non-binding) instruments.")
@click.option("--from", "date_from", metavar="DATE", help="Instruments adopted on or after DATE (2024, 2024-06, 2024-06-13).")
@click.option("--to", "date_to", metavar="DATE", help="Instruments adopted on or before DATE.")
@click.option("-k", "k", default=10, show_default=True, type=int, help="How many results (1-100).")
@click.option("--mode", type=click.Choice(("hybrid", "keyword", "semantic")), default="hybrid", show_default=True,
              help="keyword: FTS5/BM25 only; semantic: embeddings only; hybrid: both, fused.")
@click.option("--links", "n_links", default=3, show_default=True, type=int, help="Aligned provisions shown per result.")
@click.option("--group", is_flag=True,
              help="Group by article: hits inside one article count as one result, the best first and the "
                   "others listed under it (so -k counts articles).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of results.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (header row, one row per result).")
@out_option
def search_cmd(query, docs, families, themes, modality, kind, binding, date_from, date_to, k, mode, n_links,
               group, as_json, as_csv, out):
    """Search provisions by words and by meaning; QUERY "-" reads the query from stdin.

    \b
    Keyword syntax (FTS5): "exact phrase", prefix*, AND / OR / NOT, NEAR(a b, 5);
    invalid syntax is searched as plain words (a note on stderr says so).
    A pinpoint ("Article 50", "Art. 5(1)", "Recital 133", "GOVERN 1.1") looks the provision up.
    Highlights in the text are marked «like this». Exit status 2 on bad input.
    """
    from govkb.search import SearchInputError, SearchUnavailable
    if as_json and as_csv:
        _bad_input("choose one of --json and --csv")
    q = _query_arg(query)
    engine = _engine(out)
    try:
        results = engine.search(q, docs=docs, families=families, themes=themes, modality=modality, kind=kind,
                                binding=binding, date_from=date_from, date_to=date_to, k=k, mode=mode, links=n_links,
                                group=group)
    except SearchInputError as e:
        _bad_input(str(e))
    except SearchUnavailable as e:
        raise click.ClickException(str(e)) from None
    for note in results.notes:
        click.echo(f"note: {note}", err=True)
    if as_json:
        click.echo(json.dumps(list(results), ensure_ascii=False, indent=2))
    elif as_csv:
        import csv
        w = csv.writer(sys.stdout)
        w.writerow(CSV_FIELDS)
        for n, r in enumerate(results, 1):
            st = r.get("instrument_status") or {}
            row = {**r, "rank": n, "instrument": r["doc_title"], "themes": "; ".join(r["themes"]),
                   "aligned": "; ".join(f"{a['pinpoint']} ({a['doc_id']})" for a in r["aligned"]),
                   "instrument_status": st.get("status"), "instrument_current": st.get("current"),
                   "status_line": st.get("line"), "article": (r["article"] or {}).get("id"),
                   "also": "; ".join(a["id"] for a in r.get("also") or ())}
            w.writerow([_csv_cell(row[f]) for f in CSV_FIELDS])
    elif not results:
        click.echo("No results.")
    else:
        for n, r in enumerate(results, 1):
            click.echo(f"{n:>3}. {r['doc_short_title']}, {r['pinpoint']}   {_score_text(r)}   [{r['id']}]")
            click.echo(textwrap.fill(_snippet(r["highlight"] or r["heading"]), 100, initial_indent="     ",
                                     subsequent_indent="     ", break_on_hyphens=False))
            facts = [f"modality: {r['modality']}" if r.get("modality") and r["modality"] != "none" else "",
                     f"themes: {', '.join(r['themes'])}" if r.get("themes") else ""]
            if any(facts):
                click.echo("     " + "; ".join(f for f in facts if f))
            if r.get("also"):
                where = r["article"]["pinpoint"] if r["article"] else r["pinpoint"]
                click.echo(f"     also in {where}:")
                for a in r["also"][:ALSO_SHOWN]:
                    click.echo(textwrap.shorten(f"{a['pinpoint']}: {' '.join((a['highlight'] or '').split())}", 100,
                                                initial_indent="       ", placeholder=" …"))
                if len(r["also"]) > ALSO_SHOWN:    # a long annex would bury the next results; --json lists all
                    click.echo(f"       … and {len(r['also']) - ALSO_SHOWN} more (--json or --csv lists them all)")
            kind = "" if r["source_kind"] == "original" else f"; text from a {r['source_kind'].upper()}"
            st = r.get("instrument_status")
            if st and not st["current"]:
                click.echo(f"     WARNING: {st['line']}")
            click.echo(f"     source: {r['source_url']} (retrieved {r['retrieved_at'][:10]}{kind})")
            if r["aligned"]:
                click.echo("     aligned: " + "; ".join(f"{a['pinpoint']} ({a['doc_id']}, {a['relation']})"
                                                       for a in r["aligned"]))


def _score_text(r: dict) -> str:
    """A result's score, saying what it is."""
    kind = r.get("score_kind")
    if kind == "pinpoint":
        return "pinpoint match"
    if kind == "bm25":
        return f"BM25 {r['score']:.2f}"
    if kind == "cosine":
        return f"cosine {r['score']:.3f}"
    ranks = ", ".join(f"{m} #{r[f'{m}_rank']}" for m in ("keyword", "semantic") if r.get(f"{m}_rank"))
    return f"fused {r['score']:.4f}" + (f" ({ranks})" if ranks else "")


@main.command("show")
@click.argument("provision_id")
@click.option("--json", "as_json", is_flag=True, help="Print everything as one JSON object.")
@out_option
def show_cmd(provision_id, as_json, out):
    """Print a provision with its citation and provenance, context (parent, siblings,
    sub-provisions), links (aligned provisions, recitals) and divergence cells citing it.
    Exit status 1 for an unknown id."""
    p = _engine(out).provision(provision_id)
    if p is None:
        click.echo(f"Error: no provision {provision_id!r} in {out}; ids look like eu-ai-act/art-50/par-2 "
                   "(`govkb corpus show DOC_ID` lists a document)", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(p, ensure_ascii=False, indent=2))
        return
    d, a, prov = p["document"], p["annotations"] or {}, p["provenance"]
    click.echo(f"{p['citation']}" + (f" - {p['heading']}" if p["heading"] else "") + f"\n{d['title']}")
    click.echo(_status_text(d))
    click.echo(f"id: {p['id']}   kind: {p['kind']}   modality: {a.get('modality', '-')}   "
               f"themes: {', '.join(a.get('themes') or []) or '-'}")
    if prov["source_kind"] != "original":
        click.echo(f"NOTE: text from a {prov['source_kind'].upper()}, not the publisher's original")
    if p["text"]:
        click.echo("\n" + textwrap.fill(p["text"], width=100, break_on_hyphens=False))
    click.echo(f"\nsource: {prov['source_url']}\nretrieved: {prov['retrieved_at']} via {d['transport']}   "
               f"sha256: {prov['sha256']}" + _version_text(d, p))
    short = lambda x: textwrap.shorten(x["text"] or x["heading"] or "(sub-provisions)", 80)
    if p["parent"]:
        click.echo(f"\nparent: {p['parent']['pinpoint']}: {short(p['parent'])}")
    if p["siblings"]:
        click.echo(f"siblings ({p['sibling_count']}, nearest shown):")
        for s in p["siblings"]:
            click.echo(f"  {s['position']:+d} {s['pinpoint']}: {short(s)}")
    if p["children"]:
        click.echo("sub-provisions:")
        for c in p["children"]:
            click.echo(f"  {c['pinpoint']}: {short(c)}")
    for title, rows in (("aligned provisions", p["links"][:10]), ("recitals", p["recitals"][:10])):
        if rows:
            click.echo(f"\n{title}:")
            for l in rows:
                st = l.get("instrument_status")
                click.echo(f"  {l['score']:.3f} {l['relation']:<11} {l['status']:<9} {l['doc_id']}, {l['pinpoint']}"
                           + ("" if not st or st["current"] else f"   [{st['status']}]"))
    if p["divergence"]:
        click.echo("\ndivergence cells citing it:")
        for c in p["divergence"]:
            stances = ", ".join(f"{e['stance']} {e['position_id']}" for e in c["evidence"])
            old = " [instrument not in its current form]" if c.get("instrument_current") is False else ""
            click.echo(f"  {c['baseline']}: {c['instrument']} / {c['theme']}: {c['label']} ({stances}){old}")


@main.group()
def review():
    """Reviewed judgments: a person's verdict on a divergence cell, a cross-framework link or a
    provision's themes, kept in nlp/data/reviews/{cells,links,themes}/*.yaml.

    \b
    Each record has the verdict, a reason in the reviewer's words, the decisive provision
    ids, the reviewer, the date and the sha256 of the text of every provision it rests on.
    A review whose texts are unchanged is current and is published over the machine's
    output (kept beside it); one whose text changed is stale: the machine's output is
    published and the review is listed for re-review. Workflow:
      govkb review queue --kind link -n 5     # what to judge next, with the texts (blind)
      (write records into nlp/data/reviews/...; sha256 may be left out)
      govkb review pin nlp/data/reviews/links/eu-ai-act.yaml   # fill in the text hashes
      govkb review check                      # validate against the built texts
      govkb build ... ; govkb review stats    # publish; the machine's agreement
    """


def _review_kb(out):
    kb = _open_kb(out)
    if kb.db.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0:
        raise click.ClickException(f"the build in {out} has no NLP results; run `govkb build` first")
    return kb


@review.command("check")
@reviews_option
@out_option
def review_check(reviews_dir, out):
    """Validate the review files (fields, labels, ids, reasons, duplicates) and, against the
    build in OUT, whether each review is current or stale. Exit status 1 on any problem."""
    from nlp import reviews as rv
    from nlp.stage import load_checked_reviews, load_provisions
    kb = _open_kb(out)
    docs, provs = load_provisions(kb)
    try:
        # the build's own review records: a provision a new version deleted makes its reviews
        # stale there, not unknown
        loaded = load_checked_reviews(kb, provs, reviews_dir or rv.REVIEWS_DIR, previous=kb)
    except rv.ReviewError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(1)
    from collections import Counter
    c = Counter((r.kind, r.status) for r in loaded)
    for kind in ("cell", "link", "theme"):
        click.echo(f"{kind:<6} {sum(n for (k, _), n in c.items() if k == kind):>5} reviews: "
                   + ", ".join(f"{n} {st}" for (k, st), n in sorted(c.items()) if k == kind))
    stale = [r for r in loaded if r.status == "stale"]
    for r in stale:
        click.echo(f"stale: {r.file}:{r.line} {r.id}: the text of {', '.join(r.changed)} changed")
    click.echo("ok" if not stale else f"{len(stale)} stale review(s): re-read the texts, update, "
               "then `govkb review pin --refresh FILE`")


@review.command("pin")
@click.argument("files", nargs=-1, required=True, type=UserPath(dir_okay=False, exists=True, path_type=Path))
@click.option("--refresh", is_flag=True, help="Re-pin every hash to the current text (after re-reading "
                                                "a stale review), not only the missing ones.")
@out_option
def review_pin(files, refresh, out):
    """Fill in the sha256 of the texts each review rests on, from the build in OUT (only the
    missing ones unless --refresh)."""
    from nlp import reviews as rv
    from nlp.stage import load_provisions
    hashes = rv.TextHashes(load_provisions(_open_kb(out))[1])
    bad = False
    for f in files:
        try:
            n, unknown = rv.pin(f, hashes, refresh=refresh)
        except rv.ReviewError as e:
            raise click.ClickException(str(e)) from None
        click.echo(f"{f}: {n} hash(es) written")
        for u in dict.fromkeys(unknown):
            click.echo(f"  unknown provision id {u} (not in the build in {out})", err=True)
            bad = True
    if bad:
        sys.exit(1)


@review.command("stats")
@out_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def review_stats(out, as_json):
    """Coverage of the reviews, how many are stale, and the machine's agreement with the
    current ones per kind (a confusion table for cell labels and link relations,
    precision / recall / F1 per theme)."""
    from govkb.review import format_stats, stats
    s = stats(_review_kb(out))
    click.echo(json.dumps(s, indent=1) if as_json else format_stats(s))


@review.command("queue")
@click.option("--kind", type=click.Choice(("cell", "link", "theme")), default=None,
              help="Only this kind of item (default: all, stale reviews first).")
@click.option("--theme", metavar="T", help="Only cells on, or provisions near the threshold of, this theme.")
@click.option("--doc", metavar="DOC_ID", help="Only items of this instrument (or family:F for cells).")
@click.option("-n", "n", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many items.")
@click.option("--sample", metavar="SEED", type=int, default=None,
              help="Theme items in a random order drawn with this seed, not nearest the threshold first: "
                   "an unbiased sample to measure the theme model on (--theme then does not narrow them).")
@click.option("--show-machine", is_flag=True, help="Also print the machine's verdict (off: judge the text first).")
@out_option
def review_queue(kind, theme, doc, n, sample, show_machine, out):
    """The next items worth a reviewer's time, with the texts needed to judge them: stale
    reviews; cells on the core themes with mixed evidence; the strongest cross-publisher link
    candidates; provisions whose theme scores sit nearest the threshold."""
    from govkb.review import format_queue, queue
    kb = _review_kb(out)
    click.echo(format_queue(kb, queue(kb, kind=kind, theme=theme, doc=doc, n=n, sample=sample),
                            show_machine=show_machine))


@main.group()
def snapshots():
    """List and restore published builds (OUT/snapshots/; OUT/current is the live one)."""


@snapshots.command("list")
@out_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per snapshot.")
def snapshots_list(out, as_json):
    """List the kept snapshots, newest first; the live one is marked with *."""
    from corpus.snapshots import Snapshots
    snaps = Snapshots(out).list()
    if not snaps:
        raise click.ClickException(f"no snapshots in {out}; run `govkb build` or `govkb nightly` first")
    for s in snaps:
        info = s.summary()
        if as_json:
            click.echo(json.dumps({"id": s.id, "current": s.current, "path": str(s.path),
                                   "entries": list(s.entries), **info}))
        else:
            click.echo(f"{'*' if s.current else ' '} {s.id:<30} {info.get('documents', '?'):>4} documents "
                       f"{info.get('provisions', '?'):>6} provisions  {', '.join(s.entries)}")


@snapshots.command("restore")
@click.argument("snapshot_id")
@out_option
def snapshots_restore(snapshot_id, out):
    """Make SNAPSHOT_ID the live build again (site, knowledge base, exports and index switch
    together). Newer snapshots are kept, so this can be undone with another restore; the
    next nightly run diffs against the restored build."""
    from corpus.snapshots import OutputLock, SnapshotError, Snapshots
    try:
        with OutputLock(out):
            before = Snapshots(out).current_id()
            Snapshots(out).restore(snapshot_id)
    except SnapshotError as e:
        raise click.ClickException(str(e)) from None
    from corpus.transports import utc_now
    (Path(out) / "logs").mkdir(exist_ok=True)
    with (Path(out) / "logs" / "restores.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"at": utc_now(), "restored": snapshot_id, "was": before}) + "\n")
    click.echo(f"restored {snapshot_id} (was {before}); {out}/site and {out}/govkb.sqlite now serve it")


@main.group()
def site():
    """Build and serve the static site (MkDocs Material + Pagefind) from the knowledge base."""


@site.command("build")
@out_option
@click.option("--no-search", is_flag=True, help="Skip the Pagefind search index (faster; search finds nothing).")
def site_build(out, no_search):
    """Render OUT/govkb.sqlite into the static site OUT/site/ and print build time and
    page-size statistics. Exit status 1 when MkDocs reports any warning (strict mode)."""
    from govkb.site import SiteBuildError, build_site
    try:
        stats = build_site(out, search=not no_search)
    except SiteBuildError as e:
        raise click.ClickException(str(e)) from None
    click.echo(_site_summary(stats, out))


def _site_summary(stats: dict, out) -> str:
    before = (f"; the previous build: {stats['previous_total_s']:.1f} s, generate {stats['previous_generate_s']:.1f} s"
              if stats.get("previous_total_s") is not None else "; no previous build to compare with")
    return (f"Site built in {stats['total_s']:.1f} s (generate {stats['generate_s']:.1f} s, "
            f"mkdocs {stats['mkdocs_s']:.1f} s, pagefind {stats['pagefind_s']:.1f} s{before}) -> {out}/site/\n"
            f"{stats['pages']} pages, {stats['html_bytes'] / 1e6:.1f} MB of HTML, site "
            f"{stats['site_bytes'] / 1e6:.1f} MB; largest page {stats['largest_page']} "
            f"({stats['largest_bytes'] / 1e6:.2f} MB); {stats['files_written']} source files rewritten")


@site.command("serve")
@out_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
def site_serve(out, host, port):
    """Serve the built site OUT/site/ locally (build it first with `govkb site build`)."""
    from govkb.site import SiteBuildError, serve_site
    _check_port(host, port)
    try:
        serve_site(out, host, port)
    except SiteBuildError as e:
        raise click.ClickException(str(e)) from None


if __name__ == "__main__":
    main()
