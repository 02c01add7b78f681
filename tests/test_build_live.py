"""The live transport end to end: a real HTTP server on 127.0.0.1 plays the publisher."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from corpus import sources
from corpus.build import build_corpus
from corpus.fetch import PoliteSession
from corpus.parsers import PARSERS
from test_build import DOC_A, DOC_B, make_source, numbered_lines


class Publisher(BaseHTTPRequestHandler):
    """Serves /a and /b with ETags; ``fail`` lists paths that answer 500."""

    pages: dict[str, bytes] = {}
    fail: set[str] = set()
    log: list[tuple[str, str | None]] = []

    def do_GET(self):
        type(self).log.append((self.path, self.headers.get("If-None-Match")))
        if self.path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if self.path in self.fail:
            return self._send(500, b"oops", "text/plain")
        body = self.pages.get(self.path)
        if body is None:
            return self._send(404, b"", "text/plain")
        self.send_document(body, "text/plain; charset=utf-8")

    def send_document(self, body: bytes, ctype: str) -> None:
        """200 with an ETag, or 304 when the request's If-None-Match is that ETag."""
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, body, ctype, {"ETag": etag})

    def _send(self, status, body, ctype, headers=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):   # the client gave up (a timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def publisher(monkeypatch):
    Publisher.pages = {"/a": DOC_A.encode(), "/b": DOC_B.encode()}
    Publisher.fail, Publisher.log = set(), []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setitem(PARSERS, "test_numbered_lines", numbered_lines)
    monkeypatch.setattr(sources, "REGISTRY", {"t-a": make_source("t-a", "doc-a", 2, base + "/a"),
                                              "t-b": make_source("t-b", "doc-b", 1, base + "/b")})
    yield base
    server.shutdown()


def session():
    return PoliteSession(min_interval=0, backoff=0.01, max_retries=1, sleep=lambda s: None)


def test_live_build_records_http_provenance_and_revalidates(tmp_path, publisher):
    out = tmp_path / "out"
    r = build_corpus(out, session=session(), progress=False)
    assert r.ok and r.provisions == 5
    fetch = [json.loads(l) for l in (out / "raw/fetches.jsonl").read_text().splitlines()]
    assert {(f["transport"], f["status"], f["source_kind"]) for f in fetch} == {("live", 200, "original")}
    assert all(f["headers"].get("ETag") for f in fetch)
    # second night: the publisher answers 304 and the archived bytes are parsed again
    r2 = build_corpus(out, session=session(), progress=False)
    assert r2.ok and r2.provisions == 5
    conditional = [etag for path, etag in Publisher.log if path == "/a"]
    assert conditional[0] is None and conditional[1] is not None
    last = [json.loads(l) for l in (out / "raw/fetches.jsonl").read_text().splitlines()][-1]
    assert last["status"] == 304 and last["headers"].get("ETag")


def test_failed_fetch_keeps_last_good_or_fails_loudly(tmp_path, publisher):
    out = tmp_path / "out"
    assert build_corpus(out, session=session(), progress=False).ok
    Publisher.fail = {"/b"}
    r = build_corpus(out, session=session(), progress=False)
    assert r.ok and r.documents == 2
    assert any(n.startswith("t-b:") and "kept the last good version" in n for n in r.warnings)
    assert [(o.doc_id, o.status) for o in r.outcomes] == [("t-a", "unchanged"), ("t-b", "failed-kept-last-good")]
    # with no last good version there is nothing to keep: the build fails, naming t-b
    r = build_corpus(tmp_path / "fresh", session=session(), progress=False)
    assert not r.ok and [(f.doc_id, f.check) for f in r.failures] == [("t-b", "fetch")]
    assert "500" in r.failures[0].message


def test_source_without_a_live_parser_is_skipped_with_notice(tmp_path, publisher, monkeypatch):
    conv = sources.REGISTRY["t-b"]
    monkeypatch.setitem(sources.REGISTRY, "t-b", dataclasses.replace(conv, live_parser=None))
    r = build_corpus(tmp_path / "out", session=session(), progress=False)
    assert r.ok and r.documents == 1
    assert any(n.startswith("t-b:") and "--mirror" in n for n in r.notices)
    assert not any(path == "/b" for path, _ in Publisher.log)


REAL = {  # registry id -> the media type its publisher serves
    "eu-ai-act": "text/html; charset=UTF-8",
    "us-eo-14179": "text/html; charset=UTF-8",
    "coe-cets-225": "application/pdf",
}


def test_live_build_of_real_documents_served_on_loopback(tmp_path, mirror, monkeypatch):
    """The same parsers on the same bytes as the mirror build, but fetched over HTTP."""
    real = {sid: sources.get(sid) for sid in REAL}
    files = {f"/{sid}": (mirror.read(mirror.find(s.mirror)), REAL[sid]) for sid, s in real.items()}

    class Site(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/robots.txt":
                body, ctype = b"User-agent: *\nDisallow: /private/\n", "text/plain"
            else:
                body, ctype = files[self.path]
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    # The originals only: the consolidated AI Act has no bytes to serve (tests/test_versions.py
    # fetches a consolidated text from a loopback Cellar).
    monkeypatch.setattr(sources, "REGISTRY", {
        sid: dataclasses.replace(s, urls=(f"{base}/{sid}",), status=dataclasses.replace(s.status, consolidated=None))
        for sid, s in real.items()})
    try:
        r = build_corpus(tmp_path / "out", session=session(), progress=False)
    finally:
        server.shutdown()
    assert r.ok, r.failures
    docs = {d["id"]: d for d in (json.loads(l) for l in (tmp_path / "out/export/documents.jsonl").read_text().splitlines())}
    for sid, s in real.items():
        assert docs[sid]["counts"] == {k: v for k, v in s.expected.items() if v}
        assert docs[sid]["transport"] == "live" and docs[sid]["source_kind"] == "original"
        assert docs[sid]["sha256"] == hashlib.sha256(files[f"/{sid}"][0]).hexdigest()
