"""The build's contract: publish only when every gate passed, keep the last good output
otherwise, carry provenance to every provision. Runs on a small mirror the test writes."""
from __future__ import annotations

import hashlib
import json
import re

import pytest

from corpus import sources
from corpus.build import BuildError, build_corpus
from corpus.model import ParseError, ProvisionTree
from corpus.parsers import PARSERS
from corpus.sources.base import MirrorRef, Source
from corpus.store import KnowledgeBase

HEADER = "doc\tsource\ttitle\turl\tformat\tkind\tlang\tsha256\tbytes\tfile\tnote\tobtained_from\n"
DOC_A = "Model Charter on Machine Helpers\n1. Helpers shall tell people they are machines.\n2. Operators should keep logs.\n"
DOC_B = "Second Charter\n1. Everyone may ask for a human.\n"


def numbered_lines(data: bytes, doc_id: str):
    """A toy parser for the fixture format: a title line, then "N. text" lines."""
    lines = data.decode("utf-8").strip().split("\n")
    if len(lines) < 2:
        raise ParseError("no numbered paragraphs")
    tree = ProvisionTree(doc_id)
    tree.add("title", kind="heading", pinpoint="Title", text=lines[0])
    for line in lines[1:]:
        m = re.match(r"(\d+)\. (.+)", line)
        if not m:
            raise ParseError(f"unnumbered line {line[:30]!r}")
        tree.add(f"par-{m[1]}", kind="paragraph", pinpoint=f"Paragraph {m[1]}", text=m[2], num=m[1])
    return tree.result(data.decode("utf-8"))


def make_source(doc_id: str, mirror_doc: str, paragraphs: int, url: str) -> Source:
    return Source(id=doc_id, title=f"Title of {doc_id}", short_title=doc_id, publisher="Test",
                  family="oecd", instrument_type="recommendation", date_adopted="2024-01-01",
                  version="v1", binding=False, binds="no one", urls=(url,),
                  mirror=MirrorRef(mirror_doc, "text"), parser="test_numbered_lines",
                  expected={"paragraph": paragraphs, "heading": 1}, content_type="text")


def write_mirror(root, docs: dict[str, str], kind="original"):
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for doc, text in docs.items():
        data = text.encode()
        (root / f"{doc}.txt").write_bytes(data)
        rows.append(f"{doc}\toecd\t{doc} title\thttps://example.org/{doc}\ttext\t{kind}\ten\t"
                    f"{hashlib.sha256(data).hexdigest()}\t{len(data)}\t{doc}.txt\tnote\ttest\n")
    (root / "MANIFEST.tsv").write_text(HEADER + "".join(rows))
    return root


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setitem(PARSERS, "test_numbered_lines", numbered_lines)
    reg = {"t-a": make_source("t-a", "doc-a", 2, "https://example.org/a"),
           "t-b": make_source("t-b", "doc-b", 1, "https://example.org/b")}
    monkeypatch.setattr(sources, "REGISTRY", reg)
    return reg


def read_jsonl(path):
    return [json.loads(l) for l in path.read_text().splitlines()]


def snapshot(out):
    return {p.name: p.read_bytes() for p in [out / "govkb.sqlite", out / "export/provisions.jsonl",
                                             out / "export/documents.jsonl"]}


def test_build_writes_exports_with_provenance(tmp_path, registry):
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B})
    report = build_corpus(tmp_path / "out", mirror=mirror, progress=False)
    assert report.ok, report.failures
    assert (report.documents, report.provisions) == (2, 5)
    provs = read_jsonl(tmp_path / "out/export/provisions.jsonl")
    p = next(p for p in provs if p["id"] == "t-a/par-1")
    assert p["pinpoint"] == "Paragraph 1" and p["text"] == "Helpers shall tell people they are machines."
    assert p["sha256"] == hashlib.sha256(DOC_A.encode()).hexdigest()
    assert p["source_url"] == "https://example.org/a" and p["source_kind"] == "original"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p["retrieved_at"])
    for key in ("id", "doc_id", "pinpoint", "kind", "parent_id", "heading", "text"):
        assert key in p
    docs = {d["id"]: d for d in read_jsonl(tmp_path / "out/export/documents.jsonl")}
    assert docs["t-a"]["counts"] == {"heading": 1, "paragraph": 2}
    assert docs["t-b"]["binding"] is False and docs["t-b"]["family"] == "oecd"
    # the raw bytes are archived under their hash, with a fetch record
    digest = p["sha256"]
    assert (tmp_path / f"out/raw/objects/{digest[:2]}/{digest}").read_text() == DOC_A
    log = read_jsonl(tmp_path / "out/raw/fetches.jsonl")
    assert {r["mirror_file"] for r in log} == {"doc-a.txt", "doc-b.txt"}


def test_conversion_kind_is_carried_to_every_provision(tmp_path, registry):
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B}, kind="translation")
    assert build_corpus(tmp_path / "out", mirror=mirror, progress=False).ok
    assert {p["source_kind"] for p in read_jsonl(tmp_path / "out/export/provisions.jsonl")} == {"translation"}


def test_ids_are_stable_across_rebuilds(tmp_path, registry):
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B})
    build_corpus(tmp_path / "out", mirror=mirror, progress=False)
    first = [p["id"] for p in read_jsonl(tmp_path / "out/export/provisions.jsonl")]
    assert build_corpus(tmp_path / "out", mirror=mirror, progress=False).ok
    assert [p["id"] for p in read_jsonl(tmp_path / "out/export/provisions.jsonl")] == first


def test_failed_gate_keeps_last_good_output(tmp_path, registry):
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B})
    out = tmp_path / "out"
    assert build_corpus(out, mirror=mirror, progress=False).ok
    before = snapshot(out)
    # the publisher drops a paragraph: the counts gate must stop the build
    write_mirror(mirror, {"doc-a": DOC_A.replace("2. Operators should keep logs.\n", ""), "doc-b": DOC_B})
    report = build_corpus(out, mirror=mirror, progress=False)
    assert not report.ok
    assert {(f.doc_id, f.check) for f in report.failures} == {("t-a", "counts"), ("t-a", "drift")}
    assert "t-a: gate 'counts' failed: expected 2 paragraph provisions, got 1" in map(str, report.failures)
    assert snapshot(out) == before
    assert not list(out.glob(".staging-*"))
    runs = read_jsonl(out / "logs/runs.jsonl")
    assert [r["ok"] for r in runs] == [True, False]


def test_parse_error_names_document_and_file(tmp_path, registry):
    mirror = write_mirror(tmp_path / "m", {"doc-a": "Title\nno number here\n", "doc-b": DOC_B})
    report = build_corpus(tmp_path / "out", mirror=mirror, progress=False)
    assert not report.ok
    (f,) = report.failures
    assert (f.doc_id, f.check) == ("t-a", "parse") and "doc-a.txt" in f.message and "unnumbered line" in f.message
    assert not (tmp_path / "out/export").exists()


def test_parser_crash_is_a_named_failure_not_a_traceback(tmp_path, registry, monkeypatch):
    def broken(data, doc_id):
        return {}["missing"]
    monkeypatch.setitem(PARSERS, "test_numbered_lines", broken)
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B})
    report = build_corpus(tmp_path / "out", mirror=mirror, progress=False)
    assert {f.doc_id for f in report.failures} == {"t-a", "t-b"}
    assert all("KeyError" in f.message for f in report.failures)


def test_only_rebuilds_selected_and_keeps_the_rest(tmp_path, registry):
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B})
    out = tmp_path / "out"
    build_corpus(out, mirror=mirror, progress=False)
    write_mirror(mirror, {"doc-a": DOC_A.replace("keep logs", "keep audit logs"), "doc-b": DOC_B})
    report = build_corpus(out, mirror=mirror, only=["t-a"], progress=False)
    assert report.ok and [o.doc_id for o in report.outcomes] == ["t-a"]
    provs = {p["id"]: p for p in read_jsonl(out / "export/provisions.jsonl")}
    assert provs["t-a/par-2"]["text"] == "Operators should keep audit logs."
    assert "t-b/par-1" in provs
    with pytest.raises(BuildError, match="unknown document id.*nope"):
        build_corpus(out, mirror=mirror, only=["nope"], progress=False)


def test_document_missing_from_mirror_is_skipped_with_notice(tmp_path, registry):
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A})
    report = build_corpus(tmp_path / "out", mirror=mirror, progress=False)
    assert report.ok and report.documents == 1
    assert any("t-b" in n and "doc-b" in n for n in report.notices)


def test_altered_mirror_file_is_refused(tmp_path, registry):
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B})
    (mirror / "doc-b.txt").write_text(DOC_B + "3. Smuggled paragraph.\n")
    with pytest.raises(Exception, match="doc-b.*sha256"):
        build_corpus(tmp_path / "out", mirror=mirror, progress=False)


def test_drift_gate_against_last_good(tmp_path, registry, monkeypatch):
    # counts declared loosely enough to pass, but the document lost half its text
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B})
    out = tmp_path / "out"
    build_corpus(out, mirror=mirror, progress=False)
    monkeypatch.setitem(registry, "t-a", make_source("t-a", "doc-a", 1, "https://example.org/a"))
    write_mirror(mirror, {"doc-a": DOC_A.replace("2. Operators should keep logs.\n", ""), "doc-b": DOC_B})
    report = build_corpus(out, mirror=mirror, progress=False)
    assert [f.check for f in report.failures] == ["drift"]
    assert build_corpus(out, mirror=mirror, accept_drift=True, progress=False).ok


def test_unusable_mirror_directory_is_a_clear_error(tmp_path, registry):
    with pytest.raises(BuildError, match="no MANIFEST.tsv"):
        build_corpus(tmp_path / "out", mirror=tmp_path, progress=False)


def test_knowledge_base_records_runs(tmp_path, registry):
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B})
    build_corpus(tmp_path / "out", mirror=mirror, progress=False)
    build_corpus(tmp_path / "out", mirror=mirror, progress=False)
    kb = KnowledgeBase(tmp_path / "out/govkb.sqlite")
    assert len(kb.runs()) == 2
    assert kb.provision("t-a/par-2")["parent_id"] is None
    assert json.loads(kb.document("t-a")["fetch"])["transport"] == "mirror"


def test_stages_run_before_publish_and_their_failure_keeps_last_good(tmp_path, registry):
    from corpus.build import Stage, StageError
    mirror = write_mirror(tmp_path / "m", {"doc-a": DOC_A, "doc-b": DOC_B})
    out = tmp_path / "out"

    def indexing(ctx):
        (ctx.staging / "index").mkdir()
        n = ctx.kb.db.execute("SELECT count(*) FROM provisions").fetchone()[0]
        (ctx.staging / "index" / "count.txt").write_text(str(n))

    assert build_corpus(out, mirror=mirror, progress=False, stages=[Stage("index", indexing)]).ok
    assert (out / "index/count.txt").read_text() == "5"
    before = snapshot(out)

    def failing(ctx):
        (ctx.staging / "index").mkdir()
        raise StageError("nlp", "theme calibration file is missing")

    report = build_corpus(out, mirror=mirror, progress=False, stages=[Stage("nlp", failing)])
    assert not report.ok and str(report.failures[0]) == "all documents: gate 'nlp' failed: theme calibration file is missing"
    assert snapshot(out) == before and (out / "index/count.txt").read_text() == "5"
    assert not list(out.glob(".staging-*")) and not list(out.glob(".old-*"))
