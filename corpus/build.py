"""The corpus build: fetch -> archive -> parse -> gates -> knowledge base + exports.

Nothing is published unless every selected document passed every gate. The new
knowledge base and exports are written to a staging directory and swapped into place;
on any failure the last good output stays exactly as it was.
"""
from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urlsplit

from corpus import sources
from corpus.archive import RawArchive
from corpus.checks import GateFailure, check_document, coverage, kind_counts
from corpus.mirror import Mirror, MirrorError
from corpus.model import ParseError
from corpus.parsers import get_parser
from corpus.store import KnowledgeBase, doc_row, provision_dicts
from corpus.transports import LiveTransport, MirrorTransport, Unavailable, utc_now

KB_FILE = "govkb.sqlite"
# Consecutive unreachable hosts, with nothing fetched yet, after which a live run stops:
# the machine is offline and every other fetch would fail the same way.
OFFLINE_AFTER = 3


class BuildError(RuntimeError):
    """The build cannot start (bad options, unusable mirror, unknown document id)."""


class StageError(RuntimeError):
    """A later stage's gate failed; names the stage and, where one is to blame, the document."""

    def __init__(self, stage: str, message: str, doc_id: str = "all documents"):
        super().__init__(message)
        self.stage = stage
        self.doc_id = doc_id


# A stage: fn(staged knowledge base, staging dir, output dir, progress) -> figures to
# report (or None). It may write tables into the knowledge base and directories into the
# staging dir (published next to export/), and keep caches under the output dir.
Stage = Callable[[KnowledgeBase, Path, Path, bool], "dict | None"]


@dataclass
class DocOutcome:
    """What happened to one document in a build."""

    doc_id: str
    status: str            # parsed, failed, kept-last-good, skipped
    provisions: int = 0
    coverage: float = 0.0
    seconds: float = 0.0
    message: str = ""


@dataclass
class BuildReport:
    """The result of a build: ``ok`` means every gate passed and the output was published."""

    run_id: str
    ok: bool
    outcomes: list[DocOutcome] = field(default_factory=list)
    failures: list[GateFailure] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    documents: int = 0
    provisions: int = 0
    seconds: float = 0.0
    stage_stats: dict = field(default_factory=dict)   # figures the later stages report


def build_corpus(out: str | Path, *, mirror: str | Path | None = None, only: list[str] | None = None,
                 accept_drift: bool = False, progress: bool = True, session=None,
                 stages: Sequence[Stage] = ()) -> BuildReport:
    """Build the corpus into ``out``; see the module docstring. ``session`` overrides the
    live HTTP session (tests point it at a local server). ``stages`` run on the staged
    knowledge base before anything is published (the NLP stage is one); a stage that
    raises ``StageError`` stops the build like a failed gate."""
    t0 = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]
    started = utc_now()
    archive = RawArchive(out / "raw")
    if mirror is not None:
        try:
            transport = MirrorTransport(Mirror(mirror), archive)
        except MirrorError as e:
            raise BuildError(str(e)) from None
    else:
        transport = LiveTransport(archive, session)

    selected = _select(only)
    last_good = KnowledgeBase(out / KB_FILE) if (out / KB_FILE).exists() else None
    report = BuildReport(run_id=run_id, ok=False)
    parsed: dict[str, tuple] = {}
    carried: list[str] = []
    unreachable_hosts: set[str] = set()

    for source in _progress(selected, progress):
        t = time.monotonic()
        previous = last_good.document(source.id) if last_good else None
        try:
            fetched = transport.fetch(source)
        except Unavailable as e:
            if e.reason == "unreachable" and not parsed:
                unreachable_hosts.add(urlsplit(source.urls[0]).hostname or "")
                if len(unreachable_hosts) >= OFFLINE_AFTER:
                    # one clear message instead of one failure per document
                    report.failures = [GateFailure("all documents", "fetch", (
                        f"{len(unreachable_hosts)} publishers unreachable ({', '.join(sorted(unreachable_hosts))}): "
                        "this machine looks offline. Pass --mirror DIR (a directory laid out like "
                        "../shared/corpus-mirror) to build from a local mirror."))]
                    break
            if previous:
                carried.append(source.id)
                report.outcomes.append(DocOutcome(source.id, "kept-last-good", message=str(e)))
                report.notices.append(f"{e} - kept the last good version ({previous['retrieved_at']})")
            elif e.missing:
                report.outcomes.append(DocOutcome(source.id, "skipped", message=str(e)))
                report.notices.append(str(e))
            else:
                report.outcomes.append(DocOutcome(source.id, "failed", message=str(e)))
                report.failures.append(GateFailure(source.id, "fetch", str(e)))
            continue

        try:
            result = get_parser(fetched.parser)(fetched.data, source.id)
        except ParseError as e:
            report.failures.append(GateFailure(source.id, "parse", f"{fetched.record.mirror_file or fetched.record.url}: {e}"))
            report.outcomes.append(DocOutcome(source.id, "failed", message=str(e)))
            continue
        except Exception as e:  # a parser bug must name the document, not end the build
            report.failures.append(GateFailure(
                source.id, "parse", f"parser {fetched.parser} crashed: {type(e).__name__}: {e}"))
            report.outcomes.append(DocOutcome(source.id, "failed", message=str(e)))
            continue
        old = last_good.provisions(source.id) if (last_good and not accept_drift) else None
        fails = check_document(source, result, old)
        cov = coverage(result)
        outcome = DocOutcome(source.id, "failed" if fails else "parsed", len(result.provisions),
                             cov, time.monotonic() - t, "; ".join(f.message for f in fails))
        report.outcomes.append(outcome)
        report.failures.extend(fails)
        if not fails:
            parsed[source.id] = (source, fetched.record, result, cov)

    if report.failures:
        report.seconds = time.monotonic() - t0
        _log_run(out, report, started, transport.name)
        if last_good:
            last_good.close()
        return report

    # Everything not rebuilt in this run is carried over from the last good build, so
    # `--only X` refreshes X without dropping the rest.
    if last_good:
        rebuilt = set(parsed) | set(carried)
        for d in last_good.documents():
            if d["id"] in rebuilt:
                continue
            if d["id"] in sources.REGISTRY:
                carried.append(d["id"])
            else:
                report.notices.append(f"{d['id']}: no longer in the registry; dropped")
    staging = out / f".staging-{run_id}"
    staging.mkdir()
    try:
        kb = KnowledgeBase(staging / KB_FILE, create=True)
        for source, rec, result, cov in parsed.values():
            kb.add_document(doc_row(source, rec, kind_counts(result.provisions), cov),
                            provision_dicts(result.provisions))
        if last_good:
            kb.copy_from(last_good, carried)
            kb.copy_runs(last_good)
        report.documents = len(kb.documents())
        report.provisions = kb.db.execute("SELECT count(*) FROM provisions").fetchone()[0]
        for stage in stages:
            try:
                report.stage_stats.update(stage(kb, staging, out, progress) or {})
            except StageError as e:
                report.failures.append(GateFailure(e.doc_id, e.stage, str(e)))
                break
        report.seconds = time.monotonic() - t0
        if report.failures:
            kb.close()
            return report
        kb.add_run({"id": run_id, "started_at": started, "finished_at": utc_now(),
                    "transport": transport.name, "documents": report.documents,
                    "provisions": report.provisions, "seconds": round(report.seconds, 2),
                    "notices": json.dumps(report.notices)})
        kb.export(staging / "export")
        kb.close()
        if last_good:
            last_good.close()
            last_good = None
        _publish(staging, out)
        report.ok = True
    finally:
        if last_good:
            last_good.close()
        shutil.rmtree(staging, ignore_errors=True)
        _log_run(out, report, started, transport.name)
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


def _publish(staging: Path, out: Path) -> None:
    """Swap the staged directories (export/, and what stages wrote) and the knowledge base
    into place, each by rename."""
    for staged in sorted(p for p in staging.iterdir() if p.is_dir()):
        target = out / staged.name
        old = out / f".old-{staged.name}-{staging.name}"
        if target.exists():
            target.rename(old)
        staged.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    (staging / KB_FILE).replace(out / KB_FILE)


def _log_run(out: Path, report: BuildReport, started: str, transport: str) -> None:
    """Append the run's outcome to OUT/logs/runs.jsonl (failed runs included)."""
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    entry = {"run_id": report.run_id, "started_at": started, "finished_at": utc_now(),
             "transport": transport, "ok": report.ok, "documents": report.documents,
             "provisions": report.provisions, "seconds": round(report.seconds, 2),
             "stages": report.stage_stats,
             "failures": [str(f) for f in report.failures], "notices": report.notices,
             "outcomes": [o.__dict__ for o in report.outcomes]}
    with (logs / "runs.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
