"""The whole pipeline as one run: fetch -> parse -> gates -> NLP -> search index -> change
report -> site -> publish, and the report files a maintainer reads in the morning.

``govkb build`` and ``govkb nightly`` both run it. The nightly flavour is lenient per
document (a document that fails keeps its last good version and the run is "published
with warnings") and publishes nothing when nothing changed; ``govkb build`` is strict (any
failed document fails the build) and always publishes.

Reports: ``OUT/reports/changes-<run id>.json`` and ``.md`` for every run (published, no
changes or failed) plus ``changes-latest.json`` / ``.md``; the log of each run goes to
``OUT/logs/<run id>.log`` and a one-line summary to ``OUT/logs/runs.jsonl``.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from corpus.archive import write_atomic
from corpus.build import BuildReport, Stage, StageContext, build_corpus, new_run_id
from corpus.snapshots import DEFAULT_KEEP
from corpus.transports import utc_now
from govkb import changes

# Exit codes of `govkb nightly` (documented in README, "For maintainers").
EXIT_OK = 0          # published, or nothing changed; no warnings
EXIT_FAILED = 1      # nothing published; the last good build stays live
EXIT_WARNINGS = 3    # published (or nothing changed) but some document kept its last good version

REPORTS = "reports"


@dataclass
class RunResult:
    """A pipeline run: the build report, the change report and the exit code."""

    build: BuildReport
    report: dict
    exit_code: int
    paths: dict[str, Path] = field(default_factory=dict)


def changes_stage(holder: dict) -> Stage:
    """The stage that diffs the staged build against the last good one and records the
    report in the knowledge base (the site renders the history from there). It always
    runs; the report also lands in ``holder["report"]`` for the report files."""

    def run(ctx: StageContext) -> dict:
        report = {**run_header(ctx.report, "published"), **changes.compare_builds(ctx.previous, ctx.kb)}
        ctx.kb.add_change(report)
        holder["report"] = report
        return {"changes": report["summary"]}

    return Stage("changes", run, code=(Path(changes.__file__),), doing="comparing with the last good build")


def pipeline_stages(holder: dict, baseline_path: Path | None = None, search: bool = True,
                    reviews_dir: Path | None = None) -> list[Stage]:
    """The stages after the corpus, in order."""
    from govkb.search import fts_stage
    from govkb.site.build import site_stage
    from nlp.stage import DEFAULT_BASELINE, REVIEWS_DIR, stage as nlp_stage
    return [nlp_stage(baseline_path or DEFAULT_BASELINE, reviews_dir or REVIEWS_DIR), fts_stage(), changes_stage(holder),
            site_stage(search=search)]


def run_header(build: BuildReport, status: str) -> dict:
    """The run part of a change report: who, when, what each fetch did, what went wrong."""
    return {"run_id": build.run_id, "previous_run_id": build.previous_run, "started_at": build.started_at,
            "finished_at": utc_now(), "status": status,
            "fetch": [{"doc_id": o.doc_id, "outcome": o.status, "detail": o.message} for o in build.outcomes],
            "warnings": list(build.warnings), "failures": [str(f) for f in build.failures],
            "notices": list(build.notices)}


def run(out: str | Path, *, mirror: str | Path | None = None, session=None, only: list[str] | None = None,
        keep: int = DEFAULT_KEEP, progress: bool = True, baseline_path: Path | None = None,
        search: bool = True, strict: bool = False, accept_drift: bool = False,
        reviews_dir: Path | None = None) -> RunResult:
    """Run the pipeline into ``out`` (nightly semantics unless ``strict``); write the
    report files and the run log; return the result with its exit code."""
    out = Path(out)
    run_id = new_run_id()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(out / "logs" / f"{run_id}.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    logger = logging.getLogger("govkb")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    handlers = [handler]
    if progress:
        # On the terminal: which stage is running, and every problem as it happens (the
        # per-document lines stay in the log file; the progress bar shows the documents).
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("govkb: %(message)s"))
        console.addFilter(lambda r: r.levelno >= logging.WARNING or str(r.msg).startswith(("stage", "published")))
        logger.addHandler(console)
        handlers.append(console)
    holder: dict = {}
    try:
        build = build_corpus(out, mirror=mirror, only=only, accept_drift=accept_drift, progress=progress,
                             session=session, stages=pipeline_stages(holder, baseline_path, search, reviews_dir),
                             keep_last_good=not strict, skip_unchanged=not strict, keep=keep, run_id=run_id)
        if build.published:
            report = holder["report"]
            report["finished_at"] = utc_now()
            report["stages"] = build.stage_stats
        else:
            report = {**run_header(build, "no-changes" if build.ok else "failed"), **changes.empty_changes(),
                      "stages": build.stage_stats}
        paths = write_reports(out, report)
        code = EXIT_FAILED if not build.ok else EXIT_WARNINGS if build.warnings else EXIT_OK
        logger.info("run %s: %s, exit %d; report %s", run_id, report["status"], code, paths["json"])
        return RunResult(build, report, code, paths)
    finally:
        for h in handlers:
            logger.removeHandler(h)
            h.close()


def write_reports(out: Path, report: dict) -> dict[str, Path]:
    """Write the report as JSON and Markdown, for the run and as ``-latest``."""
    d = out / REPORTS
    d.mkdir(parents=True, exist_ok=True)
    data = json.dumps(report, ensure_ascii=False, indent=1)
    md = changes.to_markdown(report)
    paths = {"json": d / f"changes-{report['run_id']}.json", "md": d / f"changes-{report['run_id']}.md"}
    write_atomic(paths["json"], data)
    write_atomic(paths["md"], md)
    write_atomic(d / "changes-latest.json", data)
    write_atomic(d / "changes-latest.md", md)
    return paths


def summary_lines(result: RunResult) -> list[str]:
    """What the command prints at the end: status, changes, warnings, where things are."""
    b, r = result.build, result.report
    s = r.get("summary", {})
    counts = {}
    for o in b.outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    lines = [f"run {b.run_id}: {r['status'].upper()} in {b.seconds:.1f} s - {b.documents} documents, "
             f"{b.provisions} provisions",
             "documents: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))]
    if r["status"] == "published":
        lines.append("changes: " + (", ".join(f"{v} {k.replace('_', ' ')}" for k, v in s.items() if v)
                                    or "none in the documents (the code or the registry changed)"))
        reused = [k[:-7] for k, v in b.stage_stats.items() if k.endswith("_reused")]
        if reused:
            lines.append("stages carried over unchanged: " + ", ".join(reused))
        if "encoded" in b.stage_stats:
            lines.append(f"texts encoded: {b.stage_stats['encoded']}")
    elif r["status"] == "no-changes":
        lines.append("no changes: nothing rebuilt, the published build is unchanged")
    for w in b.warnings:
        lines.append(f"WARNING {w}")
    for f in b.failures:
        lines.append(f"FAILED {f}")
    if r["status"] == "failed":
        lines.append("nothing was published; " + ("the last good build stays live" if b.previous_run
                                                  else "there is no published build yet"))
    lines.append(f"report: {result.paths.get('md')}")
    return lines
