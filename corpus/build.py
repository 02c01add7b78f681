"""The build engine: fetch -> archive -> parse -> gates -> knowledge base -> later stages
(NLP, search index, change report, site) -> publish.

Nothing is published unless every gate passed. Each run builds into a staging directory
that becomes a new snapshot (``corpus.snapshots``) only at the end, by an atomic switch;
on any failure, or if the process is killed, the published output stays exactly as it was.

Work whose inputs did not change is not redone: a document whose bytes, source entry and
parser code are unchanged is carried over from the last good build without parsing, and a
``Stage`` whose input hash (selected knowledge-base content + its code + extra inputs) is
unchanged has its tables and directories carried over instead of running. With
``skip_unchanged`` a run in which nothing at all changed publishes nothing.
"""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from corpus import sources
from corpus.archive import RawArchive
from corpus.checks import GateFailure, check_document, coverage, kind_counts
from corpus.mirror import Mirror, MirrorError
from corpus.model import ParseError
from corpus.parsers import get_parser
from corpus.snapshots import DEFAULT_KEEP, OutputLock, OutputLocked, Snapshots, copy_tree_linked
from corpus.store import KnowledgeBase, SchemaMismatch, doc_row, provision_dicts
from corpus.transports import LiveTransport, MirrorTransport, Unavailable, utc_now
from corpus.versions import ORIGINAL, compose, consolidated_record, original_record

log = logging.getLogger("govkb.build")

KB_FILE = "govkb.sqlite"
CORPUS_CODE = (Path(__file__).parent,)
# Consecutive unreachable hosts, with nothing fetched yet, after which a live run stops:
# the machine is offline and every other fetch would fail the same way.
OFFLINE_AFTER = 3


class BuildError(RuntimeError):
    """The build cannot start (bad options, unusable mirror, unknown document id)."""


class BuildLocked(BuildError):
    """Another build holds the output directory."""


class StageError(RuntimeError):
    """A later stage's gate failed; names the stage and, where one is to blame, the document."""

    def __init__(self, stage: str, message: str, doc_id: str = "all documents"):
        super().__init__(message)
        self.stage = stage
        self.doc_id = doc_id


@dataclass
class DocOutcome:
    """What happened to one document in a build. ``status``: new, fresh (changed bytes,
    parsed), unchanged (same bytes, carried over), failed-kept-last-good, failed, skipped."""

    doc_id: str
    status: str
    provisions: int = 0
    coverage: float = 0.0
    seconds: float = 0.0
    message: str = ""


@dataclass
class BuildReport:
    """The result of a build: ``ok`` means no fatal failure. ``published`` names whether a
    new snapshot went live (a run with nothing to do publishes nothing); ``warnings`` are
    per-document problems survived by keeping the last good version."""

    run_id: str
    ok: bool
    outcomes: list[DocOutcome] = field(default_factory=list)
    failures: list[GateFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    documents: int = 0
    provisions: int = 0
    seconds: float = 0.0
    stage_stats: dict = field(default_factory=dict)   # figures the later stages report
    published: bool = False
    unchanged: bool = False
    previous_run: str | None = None
    removed: list[str] = field(default_factory=list)
    started_at: str = ""

    def add_outcome(self, o: DocOutcome) -> None:
        """Record (and log) one document's outcome."""
        self.outcomes.append(o)
        log.log(logging.WARNING if o.status.startswith("failed") else logging.INFO, "%s: %s%s",
                o.doc_id, o.status, f" ({o.message})" if o.message else "")


@dataclass
class StageContext:
    """What a stage works on: the staged knowledge base (``kb``) and directory (``staging``,
    whose subdirectories are published with it), the output directory (for caches), the
    last good build (``previous``, or None) and the report so far."""

    kb: KnowledgeBase
    staging: Path
    out: Path
    progress: bool
    run_id: str
    previous: KnowledgeBase | None
    report: BuildReport


@dataclass
class Stage:
    """A step after the corpus, run on the staged build before publication.

    ``inputs`` are SQL queries over the knowledge base whose rows, with the content of the
    ``code`` files and directories and ``extra()``, make the stage's input hash. When the
    last good build recorded the same hash, the stage does not run: its ``outputs`` tables
    and ``dirs`` are carried over. A stage without ``inputs`` always runs."""

    name: str
    run: Callable[[StageContext], "dict | None"]
    code: tuple[Path, ...] = ()
    inputs: tuple[str, ...] = ()
    extra: Callable[[], bytes] | None = None
    outputs: tuple[str, ...] = ()
    dirs: tuple[str, ...] = ()
    doing: str = ""            # what the stage does, in a few words, for the progress lines

    def fingerprint(self) -> str:
        """Hash of the stage's code and extra inputs (not of the data it reads)."""
        h = hashlib.sha256(self.name.encode())
        h.update(code_fingerprint(self.code).encode())
        if self.extra:
            h.update(self.extra())
        return h.hexdigest()

    def input_key(self, kb: KnowledgeBase, fingerprint: str) -> str | None:
        """The input hash on ``kb`` (None for a stage that always runs)."""
        if not self.inputs:
            return None
        h = hashlib.sha256(fingerprint.encode())
        for sql in self.inputs:
            for row in kb.db.execute(sql):
                h.update(json.dumps(list(row), ensure_ascii=False, default=str).encode())
        return h.hexdigest()


def code_fingerprint(paths: Iterable[Path]) -> str:
    """sha256 over the source and data files under ``paths`` (names and bytes), so a code
    or data change anywhere in a stage invalidates what it produced."""
    h = hashlib.sha256()
    for root in paths:
        files = [root] if root.is_file() else sorted(
            f for f in root.rglob("*") if f.is_file() and "__pycache__" not in f.parts
            and f.suffix in (".py", ".yaml", ".yml", ".json", ".txt", ".md", ".tsv", ".css", ".js"))
        for f in files:
            h.update(f.relative_to(root.parent).as_posix().encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def doc_key(source, sha256: str, parser: str, corpus_code: str) -> str:
    """The input hash of one document's parse: its bytes, registry entry, parser and code
    (the bytes and parsers of every version it is built from)."""
    return hashlib.sha256(json.dumps([repr(source), sha256, parser, corpus_code]).encode()).hexdigest()


def build_corpus(out: str | Path, *, mirror: str | Path | None = None, only: list[str] | None = None,
                 accept_drift: bool = False, progress: bool = True, session=None,
                 stages: Sequence[Stage] = (), keep_last_good: bool = False,
                 skip_unchanged: bool = False, keep: int = DEFAULT_KEEP, run_id: str | None = None) -> BuildReport:
    """Build into ``out``; see the module docstring.

    ``session`` overrides the live HTTP session (tests point it at a local server).
    ``stages`` run on the staged knowledge base before anything is published; a stage that
    raises ``StageError`` stops the build like a failed gate. With ``keep_last_good`` a
    document that fails to fetch, parse or pass its gates keeps its last good version (a
    warning) instead of failing the build. ``keep`` snapshots are kept. Progress goes to
    the ``govkb.build`` logger (and a bar on stderr when ``progress``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        with OutputLock(out):
            _clean_stale(out)
            return _build(out, mirror=mirror, only=only, accept_drift=accept_drift, progress=progress,
                          session=session, stages=stages, keep_last_good=keep_last_good,
                          skip_unchanged=skip_unchanged, keep=keep, run_id=run_id or new_run_id())
    except OutputLocked as e:
        raise BuildLocked(str(e)) from None


def new_run_id() -> str:
    """A run id: UTC start time, sortable, plus a random suffix."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def _build(out: Path, *, mirror, only, accept_drift, progress, session, stages, keep_last_good,
           skip_unchanged, keep, run_id) -> BuildReport:
    t0 = time.monotonic()
    log.info("run %s: building into %s from %s", run_id, out, mirror or "the publishers (live)")
    report = BuildReport(run_id=run_id, ok=False, started_at=utc_now())
    archive = RawArchive(out / "raw")
    if mirror is not None:
        try:
            transport = MirrorTransport(Mirror(mirror), archive)
        except MirrorError as e:
            raise BuildError(str(e)) from None
    else:
        transport = LiveTransport(archive, session)

    selected = _select(only)
    last_good = _open_last_good(out, report)
    if last_good:
        runs = last_good.runs()
        report.previous_run = runs[0]["id"] if runs else None
    corpus_code = code_fingerprint(CORPUS_CODE)
    parsed: dict[str, tuple] = {}
    carried: list[str] = []
    keys: dict[str, str] = {}
    unreachable_hosts: set[str] = set()

    for source in _progress(selected, progress):
        t = time.monotonic()
        previous = last_good.document(source.id) if last_good else None

        def keep_or_fail(fails: list[GateFailure], status_detail: tuple = ()) -> None:
            """A document failed: keep its last good version where allowed (a fetch failure
            always may), else fail the build - or, with ``keep_last_good``, warn."""
            text = "; ".join(f"{f.check}: {f.message}" if f.check in ("fetch", "parse")
                             else f"gate '{f.check}' failed: {f.message}" for f in fails)
            if previous and (keep_last_good or fails[0].check == "fetch"):
                carried.append(source.id)
                report.add_outcome(DocOutcome(source.id, "failed-kept-last-good", message=text))
                report.warnings.append(f"{source.id}: {text} - kept the last good version "
                                       f"(retrieved {previous['retrieved_at']})")
                return
            report.add_outcome(DocOutcome(source.id, "failed", *status_detail, message=text))
            if keep_last_good:
                report.warnings.append(f"{source.id}: {text} - not added")
            else:
                report.failures.extend(fails)

        cons = source.status.consolidated if source.status else None
        try:
            fetched = transport.fetch(source)
            later = None   # the consolidated version, where there is one and the transport has it
            if cons is not None:
                try:
                    later = transport.fetch_consolidated(source, cons)
                except Unavailable as e:
                    if not e.missing:
                        raise
                    report.notices.append(str(e))
        except Unavailable as e:
            if e.reason == "unreachable" and not parsed and not carried:
                unreachable_hosts.add(urlsplit(source.urls[0]).hostname or "")
                if len(unreachable_hosts) >= OFFLINE_AFTER:
                    # one clear message instead of one failure or warning per document
                    # (the outcomes keep the details)
                    report.warnings.clear()
                    report.failures = [GateFailure("all documents", "fetch", (
                        f"{len(unreachable_hosts)} publishers unreachable ({', '.join(sorted(unreachable_hosts))}): "
                        "this machine looks offline. Pass --mirror DIR (a directory laid out like "
                        "../shared/corpus-mirror) to build from a local mirror."))]
                    break
            if e.missing and not previous:
                report.add_outcome(DocOutcome(source.id, "skipped", message=str(e)))
                report.notices.append(str(e))
            else:
                keep_or_fail([GateFailure(source.id, "fetch", str(e).removeprefix(f"{source.id}: "))])
            continue

        key = doc_key(source, fetched.record.sha256 + (f"+{later.record.sha256}" if later else ""),
                      fetched.parser + (f"+{later.parser}" if later else ""), corpus_code)
        if previous and last_good.meta(f"doc:{source.id}") == key:
            carried.append(source.id)
            keys[source.id] = key
            how = "304 Not Modified" if fetched.record.status == 304 else "same sha256"
            report.add_outcome(DocOutcome(source.id, "unchanged", sum(json.loads(previous["counts"]).values()),
                                              previous["coverage"], time.monotonic() - t, how))
            continue
        results = []
        for f in [fetched] + ([later] if later else []):
            where = f.record.mirror_file or f.record.url
            try:
                results.append(get_parser(f.parser)(f.data, source.id))
            except ParseError as e:
                keep_or_fail([GateFailure(source.id, "parse", f"{where}: {e}")])
                break
            except Exception as e:  # a parser bug must name the document, not end the build
                keep_or_fail([GateFailure(source.id, "parse",
                                          f"parser {f.parser} crashed on {where}: {type(e).__name__}: {e}")])
                break
        if len(results) < 1 + bool(later):
            continue
        old = last_good.provisions(source.id) if (previous and not accept_drift) else None
        # The original passes its registry counts; a consolidated version its own (where
        # pinned), and the document it makes (with the original's preamble) every other gate.
        fails = check_document(source, results[0], None if later else old)
        result = results[0]
        for p in result.provisions:
            p.version = ORIGINAL
        versions = [original_record(source, fetched.record, fetched.parser)]
        served = results[1].meta.get("celex") if later else None
        if later and served != cons.celex:   # Cellar answered with another text than the one asked for
            fails.append(GateFailure(source.id, "version", f"{later.record.final_url or later.record.url} is the "
                                     f"consolidated version {served}, not {cons.celex} as the registry says; "
                                     "check Status.consolidated of the entry in corpus/sources/ against EUR-Lex"))
        if later and not fails:
            result = compose(results[0], results[1], cons.version_id)
            versions.append(consolidated_record(cons, later.record, results[1].meta))
            fails = check_document(source, result, old, expected=cons.expected)
            if not cons.expected:
                report.notices.append(f"{source.id}: the provision counts of the consolidated version "
                                      f"{cons.celex} are not pinned in the registry (Status.consolidated.expected); "
                                      f"after checking them against EUR-Lex, pin these: "
                                      f"{json.dumps(kind_counts(result.provisions), sort_keys=True)}")
        cov = coverage(result)
        if fails:
            keep_or_fail(fails, (len(result.provisions), cov, time.monotonic() - t))
            continue
        # Same bytes parsed again (the parser code or registry entry changed) are "unchanged"
        # as far as the publisher is concerned; the change report shows any effect.
        same = previous is not None and previous["sha256"] == fetched.record.sha256
        report.add_outcome(DocOutcome(source.id, "unchanged" if same else "fresh" if previous else "new",
                                      len(result.provisions), cov, time.monotonic() - t,
                                      "same bytes, re-parsed: parser code or registry entry changed" if same else ""))
        parsed[source.id] = (source, (later or fetched).record, result, cov, versions)
        keys[source.id] = key

    if report.failures:
        return _finish(out, report, t0, transport.name, last_good)

    # Everything not rebuilt in this run is carried over from the last good build, so
    # `--only X` refreshes X without dropping the rest.
    if last_good:
        seen = {o.doc_id for o in report.outcomes}
        for d in last_good.documents():
            if d["id"] in seen:
                continue
            if d["id"] in sources.REGISTRY:
                carried.append(d["id"])
            else:
                report.removed.append(d["id"])
                report.notices.append(f"{d['id']}: no longer in the registry; dropped")
        for doc_id in carried:
            keys.setdefault(doc_id, last_good.meta(f"doc:{doc_id}") or "")

    log.info("stage corpus: done in %.1f s (%d parsed, %d carried over from the last good build)",
             time.monotonic() - t0, len(parsed), len(carried))
    fingerprints = {s.name: s.fingerprint() for s in stages}
    pipeline = hashlib.sha256(json.dumps([corpus_code, fingerprints], sort_keys=True).encode()).hexdigest()
    if (skip_unchanged and last_good and not parsed and not report.removed
            and last_good.meta("pipeline") == pipeline):
        report.ok, report.unchanged = True, True
        report.documents = len(last_good.documents())
        report.provisions = last_good.db.execute("SELECT count(*) FROM provisions").fetchone()[0]
        return _finish(out, report, t0, transport.name, last_good)

    staging = out / f".staging-{run_id}"
    staging.mkdir()
    previous_dir = (out / KB_FILE).resolve().parent if last_good else None
    try:
        kb = KnowledgeBase(staging / KB_FILE, create=True)
        for source, rec, result, cov, versions in parsed.values():
            kb.add_document(doc_row(source, rec, kind_counts(result.provisions), cov, versions),
                            provision_dicts(result.provisions))
        if last_good:
            kb.copy_from(last_good, carried)
            kb.copy_history(last_good)
        for doc_id, key in keys.items():
            kb.set_meta(f"doc:{doc_id}", key)
        kb.set_meta("pipeline", pipeline)
        report.documents = len(kb.documents())
        report.provisions = kb.db.execute("SELECT count(*) FROM provisions").fetchone()[0]
        kb.add_run({"id": run_id, "started_at": report.started_at, "finished_at": report.started_at,
                    "transport": transport.name, "documents": report.documents,
                    "provisions": report.provisions, "seconds": 0.0, "notices": json.dumps(report.notices)})
        kb.db.commit()
        ctx = StageContext(kb, staging, out, progress, run_id, last_good, report)
        for stage in stages:
            try:
                report.stage_stats.update(_run_stage(stage, fingerprints[stage.name], ctx, previous_dir))
            except StageError as e:
                report.failures.append(GateFailure(e.doc_id, e.stage, str(e)))
                break
        if report.failures:
            kb.close()
            return _finish(out, report, t0, transport.name, last_good)
        report.seconds = time.monotonic() - t0
        kb.db.execute("UPDATE runs SET finished_at=?, seconds=? WHERE id=?",
                      (utc_now(), round(report.seconds, 2), run_id))
        kb.export(staging / "export")
        kb.close()
        if last_good:
            last_good.close()
            last_good = None
        Snapshots(out).publish(staging, run_id, keep)
        report.ok = report.published = True
        log.info("published snapshot %s", run_id)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _finish(out, report, t0, transport.name, last_good)


def _run_stage(stage: Stage, fingerprint: str, ctx: StageContext, previous_dir: Path | None) -> dict:
    """Run ``stage`` on the staged build, or carry its outputs over when its inputs match
    the last good build's; record its input hash either way."""
    log.info("stage %s%s", stage.name, f": {stage.doing}" if stage.doing else "")
    t0 = time.monotonic()
    key = stage.input_key(ctx.kb, fingerprint)
    reusable = (key is not None and ctx.previous is not None and previous_dir is not None
                and ctx.previous.meta(f"stage:{stage.name}") == key
                and all((previous_dir / d).is_dir() for d in stage.dirs))
    if reusable:
        ctx.kb.copy_tables(ctx.previous, stage.outputs)
        for d in stage.dirs:
            copy_tree_linked(previous_dir / d, ctx.staging / d)
        stats = {f"{stage.name}_reused": True}
        log.info("stage %s: inputs unchanged, carried over from the last good build (%.1f s)", stage.name,
                 time.monotonic() - t0)
    else:
        stats = stage.run(ctx) or {}
        log.info("stage %s: done in %.1f s", stage.name, time.monotonic() - t0)
    if key is not None:
        ctx.kb.set_meta(f"stage:{stage.name}", key)
    ctx.kb.db.commit()   # later stages may read the staged file through their own connection
    return stats


def _open_last_good(out: Path, report: BuildReport) -> KnowledgeBase | None:
    if not (out / KB_FILE).exists():
        return None
    try:
        return KnowledgeBase(out / KB_FILE)
    except SchemaMismatch as e:
        report.notices.append(f"{e}: building from scratch (the old build stays in its snapshot)")
        return None


def _clean_stale(out: Path) -> None:
    """Remove what a killed run left behind (the caller holds the output lock)."""
    for p in list(out.glob(".staging-*")) + list(out.glob(".old-*")):
        shutil.rmtree(p, ignore_errors=True)


def _finish(out: Path, report: BuildReport, t0: float, transport: str,
            last_good: KnowledgeBase | None) -> BuildReport:
    report.seconds = time.monotonic() - t0
    if last_good:
        last_good.close()
    _log_run(out, report, transport)
    return report


def _select(only: list[str] | None) -> list:
    if not only:
        return list(sources.REGISTRY.values())
    unknown = [d for d in only if d not in sources.REGISTRY]
    if unknown:
        raise BuildError(f"unknown document id(s) {', '.join(unknown)}; "
                         "`govkb corpus list` shows the registry")
    return [sources.REGISTRY[d] for d in dict.fromkeys(only)]


def _progress(items: list, enabled: bool):
    """Iterate with a progress bar naming the current document (to stderr)."""
    if not enabled:
        return iter(items)
    from tqdm import tqdm
    return _named(tqdm(items, desc="corpus", unit="doc"))


def _named(bar):
    for item in bar:
        bar.set_postfix_str(item.id)
        yield item


def _log_run(out: Path, report: BuildReport, transport: str) -> None:
    """Append the run's outcome to OUT/logs/runs.jsonl (failed runs included)."""
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    entry = {"run_id": report.run_id, "started_at": report.started_at, "finished_at": utc_now(),
             "transport": transport, "ok": report.ok, "published": report.published,
             "unchanged": report.unchanged, "documents": report.documents,
             "provisions": report.provisions, "seconds": round(report.seconds, 2),
             "stages": report.stage_stats,
             "failures": [str(f) for f in report.failures], "warnings": report.warnings,
             "notices": report.notices,
             "outcomes": [o.__dict__ for o in report.outcomes]}
    with (logs / "runs.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
