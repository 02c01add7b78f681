"""The nightly rebuild end to end, against a real HTTP server on 127.0.0.1 that serves
mirror documents as their publishers would (ETags, 304s) and can be told to misbehave.

One output directory lives through a sequence of nights, each test one night, in order:
cold start, a night without change, an amended paragraph of the AI Act, a new document,
a night of faults (500, 429 with Retry-After, timeout, truncated body, changed markup),
a run killed mid-way, and a restore. Loads the real embedding model and builds the site.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from corpus import sources
from corpus.fetch import PoliteSession
from corpus.store import KnowledgeBase
from govkb import nightly
from test_build_live import Publisher as LivePublisher
from test_nlp_stage import BASELINE

pytestmark = [pytest.mark.model, pytest.mark.slow]

TESTS = Path(__file__).parent
# Served as their publishers serve them (content type family, media type).
DOCS = {
    "eu-ai-act": ("html", "text/html; charset=utf-8"),
    "us-eo-14320": ("text", "text/markdown; charset=utf-8"),
    "us-eo-14318": ("text", "text/markdown; charset=utf-8"),
    "g7-hiroshima-principles": ("pdf", "application/pdf"),
    "g7-hiroshima-code": ("pdf", "application/pdf"),
    "cn-ai-labeling-measures-2025": ("text", "text/plain; charset=utf-8"),
}
NEW_DOC = "cn-global-ai-governance-initiative-2023"
SERVED = {**DOCS, NEW_DOC: ("html", "text/html; charset=utf-8")}
TIMEOUT = 1.0


class Publisher(LivePublisher):
    """Serves ``pages`` (path -> (bytes, content type)) with ETags and 304s; ``faults``
    maps a path to 500, 429, timeout or truncated."""

    pages: dict[str, tuple[bytes, str]] = {}
    faults: dict[str, str] = {}
    log: list[str] = []

    def do_GET(self):
        type(self).log.append(self.path)
        if self.path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        fault = self.faults.get(self.path)
        if fault == "500":
            return self._send(500, b"internal error", "text/plain")
        if fault == "429":
            return self._send(429, b"slow down", "text/plain", {"Retry-After": "2"})
        if fault == "timeout":
            time.sleep(TIMEOUT * 2)
        if self.path not in self.pages:
            return self._send(404, b"", "text/plain")
        body, ctype = self.pages[self.path]
        if fault == "truncated":   # promise the whole body, send half, hang up
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.send_document(body, ctype)


def make_registry(base: str, ids) -> dict:
    """The registry entries of ``ids``, pointed at the local publisher and read with the
    mirror's parser (the server replays mirror files; it has no consolidated versions, so
    the entries name none)."""
    return {sid: dataclasses.replace(REAL_REGISTRY[sid], urls=(f"{base}/{sid}",), live_parser="",
                                     content_type=SERVED[sid][0],
                                     status=dataclasses.replace(REAL_REGISTRY[sid].status, consolidated=None))
            for sid in ids}


SLEEPS: list[float] = []
REAL_REGISTRY = dict(sources.REGISTRY)   # the fixture swaps sources.REGISTRY night by night


def session() -> PoliteSession:
    """A fast session: no politeness delay, one retry, no real sleeping (recorded instead)."""
    return PoliteSession(min_interval=0, backoff=0.01, max_retries=1, timeout=(TIMEOUT, TIMEOUT),
                         sleep=SLEEPS.append)


@pytest.fixture(scope="module")
def night(mirror, tmp_path_factory):
    """Run one night: ``night(registry_ids)`` -> RunResult (the server and OUT persist)."""
    root = tmp_path_factory.mktemp("nightly")
    Publisher.pages = {f"/{sid}": (mirror.read(mirror.find(sources.get(sid).mirror)), SERVED[sid][1])
                       for sid in SERVED}
    Publisher.faults, Publisher.log = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    baseline = root / "baseline.yaml"
    baseline.write_text(BASELINE, encoding="utf-8")
    state = {"ids": list(DOCS), "root": root, "out": root / "out", "base": base, "baseline": baseline}
    mp = pytest.MonkeyPatch()

    def run():
        mp.setattr(sources, "REGISTRY", make_registry(base, state["ids"]))
        return nightly.run(state["out"], session=session(), progress=False, baseline_path=baseline,
                           search=False, keep=5)

    state["run"] = run
    yield state
    mp.undo()
    server.shutdown()


def published(out: Path) -> dict[str, str]:
    """sha256 of every published file, through the OUT entry points."""
    files = {}
    for entry in ("govkb.sqlite", "export", "index", "site"):
        p = out / entry
        for f in ([p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file())):
            files[str(f.relative_to(out))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return files


def outcomes(result) -> dict[str, str]:
    return {f["doc_id"]: f["outcome"] for f in result.report["fetch"]}


def amend(out: Path, doc_id: str, replacement: str, provision_id: str | None = None) -> tuple[str, set[str]]:
    """Replace, in the served page of ``doc_id``, a word that occurs once in the page and in
    the text of a published provision (``provision_id`` when given) with ``replacement``;
    return the word and the ids of the provisions whose text held it."""
    kb = KnowledgeBase(out / "govkb.sqlite")
    provs = kb.provisions(doc_id)
    kb.close()
    body, ctype = Publisher.pages[f"/{doc_id}"]
    page = body.decode("utf-8")
    for p in provs:
        if provision_id in (None, p["id"]):
            word = next((w for w in re.findall(r"[A-Za-z]{7,}", p["text"]) if page.count(w) == 1), None)
            if word:
                Publisher.pages[f"/{doc_id}"] = (page.replace(word, replacement).encode("utf-8"), ctype)
                return word, {q["id"] for q in provs if word in q["text"]}
    raise AssertionError(f"no word of {doc_id} occurs once in its page")


def test_1_cold_night_publishes_everything(night):
    r = night["run"]()
    assert r.exit_code == nightly.EXIT_OK and r.build.published, r.build.failures
    assert set(outcomes(r).values()) == {"new"}
    assert r.report["status"] == "published" and r.report["previous_run_id"] is None
    assert {d["id"] for d in r.report["documents"] if d["change"] == "added"} == set(DOCS)
    out = night["out"]
    assert (out / "current").is_symlink() and (out / "site/index.html").is_file()
    assert json.loads((out / "reports/changes-latest.json").read_text())["run_id"] == r.build.run_id
    assert (out / f"logs/{r.build.run_id}.log").read_text().count("new") >= len(DOCS)
    night["first"] = r.build.run_id


def test_2_night_without_change_rebuilds_nothing(night):
    out = night["out"]
    before = published(out)
    Publisher.log = []
    r = night["run"]()
    assert r.exit_code == nightly.EXIT_OK and not r.build.published and r.report["status"] == "no-changes"
    # every document answered 304 to a conditional request
    assert set(outcomes(r).values()) == {"unchanged"}
    assert {f["detail"] for f in r.report["fetch"]} == {"304 Not Modified"}
    assert r.build.stage_stats == {}            # no stage ran: nothing encoded, nothing built
    assert not any(r.report["summary"].values())
    assert published(out) == before
    assert "no changes" in (out / "reports/changes-latest.md").read_text().lower()


def test_3_amended_paragraph_is_reported_with_its_word_diff(night):
    out = night["out"]
    word, holders = amend(out, "eu-ai-act", "Zyxwvutsrq", "eu-ai-act/art-50/par-2")
    r = night["run"]()
    assert r.exit_code == nightly.EXIT_OK and r.build.published, r.build.failures
    assert outcomes(r)["eu-ai-act"] == "fresh"
    assert {v for k, v in outcomes(r).items() if k != "eu-ai-act"} == {"unchanged"}
    diff = r.report["provisions"]["eu-ai-act"]
    assert {a["id"] for a in diff["amended"]} == holders and "eu-ai-act/art-50/par-2" in holders
    assert not diff["added"] and not diff["removed"] and not diff["renumbered"]
    ops = next(a for a in diff["amended"] if a["id"] == "eu-ai-act/art-50/par-2")["diff"]
    assert [o["text"] for o in ops if o["op"] == "delete"] == [word]
    assert [o["text"] for o in ops if o["op"] == "insert"] == ["Zyxwvutsrq"]
    # only the texts that contain the paragraph went through the model
    assert 1 <= r.build.stage_stats["encoded"] <= 4 * len(holders)
    page = (out / "site/changes/index.html").read_text()
    assert "Zyxwvutsrq" in page and f'id="run-{r.build.run_id}"' in page
    assert r.build.run_id in (out / "site/changes.xml").read_text()


def test_4_new_document(night):
    night["ids"].append(NEW_DOC)
    r = night["run"]()
    assert r.exit_code == nightly.EXIT_OK and r.build.published
    assert outcomes(r)[NEW_DOC] == "new"
    assert [(d["id"], d["change"]) for d in r.report["documents"]] == [(NEW_DOC, "added")]
    assert (night["out"] / f"site/instruments/{NEW_DOC}/index.html").is_file()


def test_5_faults_keep_the_last_good_version_and_the_others_update(night):
    out = night["out"]
    kb = KnowledgeBase(out / "govkb.sqlite")
    before = {d["id"]: d["sha256"] for d in kb.documents()}
    kb.close()
    Publisher.faults = {"/g7-hiroshima-principles": "500", "/g7-hiroshima-code": "429",
                        "/cn-ai-labeling-measures-2025": "timeout", "/us-eo-14318": "truncated"}
    html, ctype = Publisher.pages["/eu-ai-act"]   # the publisher changed one recital's markup
    Publisher.pages["/eu-ai-act"] = (html.replace(b'id="rct_180"', b'id="recital-180"'), ctype)
    amend(out, "us-eo-14320", "Qwertyuiopas")
    SLEEPS.clear()
    r = night["run"]()
    assert r.exit_code == nightly.EXIT_WARNINGS and r.build.published, r.build.failures
    got = outcomes(r)
    faulted = ["g7-hiroshima-principles", "g7-hiroshima-code", "cn-ai-labeling-measures-2025",
               "us-eo-14318", "eu-ai-act"]
    assert {d: got[d] for d in faulted} == {d: "failed-kept-last-good" for d in faulted}
    assert got["us-eo-14320"] == "fresh" and got[NEW_DOC] == "unchanged"
    warnings = "\n".join(r.report["warnings"])
    for doc, why in [("g7-hiroshima-principles", "HTTP 500"), ("g7-hiroshima-code", "HTTP 429"),
                     ("cn-ai-labeling-measures-2025", "timed out"), ("us-eo-14318", "truncated"),
                     ("eu-ai-act", "gate 'counts' failed: expected 180 recital")]:
        line = next(l for l in r.report["warnings"] if l.startswith(doc + ":"))
        assert why.lower() in line.lower(), line
    assert 2.0 in SLEEPS                      # the 429's Retry-After was obeyed
    kb = KnowledgeBase(out / "govkb.sqlite")
    after = {d["id"]: d["sha256"] for d in kb.documents()}
    assert "Qwertyuiopas" in " ".join(p["text"] for p in kb.provisions("us-eo-14320"))
    kb.close()
    assert {d: after[d] for d in faulted} == {d: before[d] for d in faulted}
    assert after["us-eo-14320"] != before["us-eo-14320"]
    md_report = (out / "reports/changes-latest.md").read_text()
    assert all(d in md_report for d in faulted) and "Qwertyuiopas" in md_report
    assert "eu-ai-act" in warnings


def test_6_killed_run_leaves_the_published_build_and_the_next_run_succeeds(night):
    out = night["out"]
    Publisher.faults = {}
    html, ctype = Publisher.pages["/eu-ai-act"]   # back to the last good bytes: unchanged
    Publisher.pages["/eu-ai-act"] = (html.replace(b'id="recital-180"', b'id="rct_180"'), ctype)
    amend(out, "us-eo-14318", "Asdfghjklzx")
    before = published(out)
    current = os.readlink(out / "current")
    script = (f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
              "import test_nightly as t\n"
              "from corpus import sources\n"
              "from govkb import nightly\n"
              f"sources.REGISTRY = t.make_registry({night['base']!r}, {night['ids']!r})\n"
              f"nightly.run({str(out)!r}, session=t.session(), progress=False, "
              f"baseline_path=__import__('pathlib').Path({str(night['baseline'])!r}), search=False)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:   # kill it once the NLP stage is under way
            logs = sorted((out / "logs").glob("*.log"), key=lambda p: p.stat().st_mtime)
            if logs and "stage nlp" in logs[-1].read_text() and proc.poll() is None:
                break
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.1)
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert list(out.glob(".staging-*")), "the run was killed before it staged anything"
    assert os.readlink(out / "current") == current and published(out) == before
    r = night["run"]()
    assert r.exit_code == nightly.EXIT_OK and r.build.published, r.build.failures
    assert not list(out.glob(".staging-*"))
    assert outcomes(r)["us-eo-14318"] == "fresh" and outcomes(r)["eu-ai-act"] == "unchanged"


def test_7_restore_an_older_snapshot(night):
    out = night["out"]
    cli = [sys.executable, "-m", "govkb.cli"]
    listing = subprocess.run(cli + ["snapshots", "list", "--json", "--out", str(out)],
                             capture_output=True, text=True, check=True)
    snaps = [json.loads(l) for l in listing.stdout.splitlines()]
    # nights 1, 3, 4, 5 and 6 published (2 had no change, the killed run nothing)
    assert len(snaps) == 5 and [s["current"] for s in snaps] == [True, False, False, False, False]
    target = night["first"]
    assert snaps[-1]["id"] == target
    res = subprocess.run(cli + ["snapshots", "restore", target, "--out", str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert os.readlink(out / "current").endswith(target)
    kb = KnowledgeBase(out / "govkb.sqlite")
    assert kb.runs()[0]["id"] == target
    assert "Zyxwvutsrq" not in kb.provision("eu-ai-act/art-50/par-2")["text"]
    kb.close()
    assert target in (out / "site/index.html").read_text()
    assert "Zyxwvutsrq" not in (out / "export/provisions.jsonl").read_text()
    bad = subprocess.run(cli + ["snapshots", "restore", "no-such-run", "--out", str(out)],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "no snapshot 'no-such-run'" in bad.stderr


def test_cli_exit_codes_and_summary(subset_mirror, tmp_path):
    """`govkb nightly` from the command line on a small offline mirror: 0 when published,
    0 and "no changes" the next night, 3 when a document's gate fails and its last good
    version is kept; `govkb build` is strict about the same document (exit 1)."""
    ids = ("us-eo-14320", "g7-hiroshima-principles")
    m = tmp_path / "mirror"

    def write_mirror(edit: bytes = b"") -> None:
        # the edit drops one subsection marker of the first document
        subset_mirror(m, ids, edit=lambda r, data: data.replace(edit, b"", 1)
                      if edit and r.doc == sources.get(ids[0]).mirror.doc else data)

    write_mirror()
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(BASELINE, encoding="utf-8")
    out = tmp_path / "out"

    def govkb(*args):
        return subprocess.run([sys.executable, "-m", "govkb.cli", *args, "--mirror", str(m), "--out", str(out),
                               "--baseline", str(baseline), "--quiet"], capture_output=True, text=True)

    first = govkb("nightly")
    assert first.returncode == 0, first.stderr
    assert "PUBLISHED" in first.stdout and "2 new" in first.stdout
    live = os.readlink(out / "current")
    second = govkb("nightly")
    assert second.returncode == 0 and "NO-CHANGES" in second.stdout and "2 unchanged" in second.stdout
    write_mirror(edit=b"\\(b\\)")
    third = govkb("nightly")
    assert third.returncode == nightly.EXIT_WARNINGS, third.stderr
    assert "WARNING us-eo-14320: gate 'counts' failed: expected 12 subsection" in third.stdout
    report = json.loads((out / "reports/changes-latest.json").read_text())
    assert report["status"] == "no-changes" and report["warnings"]
    strict = govkb("build")
    assert strict.returncode == 1 and "FAILED us-eo-14320: gate 'counts' failed" in strict.stderr
    assert os.readlink(out / "current") == live
    listing = subprocess.run([sys.executable, "-m", "govkb.cli", "snapshots", "list", "--out", str(out)],
                             capture_output=True, text=True, check=True)
    assert listing.stdout.count("\n") == 1 and listing.stdout.startswith("*")
    from corpus.snapshots import OutputLock
    with OutputLock(out):           # a second run while one holds the output: exit 1, nothing done
        locked = govkb("nightly")
    assert locked.returncode == 1 and "another build is running" in locked.stderr
    assert os.readlink(out / "current") == live
