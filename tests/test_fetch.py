"""PoliteSession against a real HTTP server on 127.0.0.1 (no internet here, and none needed).

Each test scripts the server per path; time is faked (sleep records and advances a clock)
so rate limits and backoff are counted, not waited. Only the read-timeout and deadline
tests spend real time, under a second or two each.
"""
from __future__ import annotations

import gzip
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from corpus.fetch import DEFAULT_USER_AGENT, FetchError, FetchResult, PoliteSession


@dataclass
class Reply:
    """One scripted response. ``body`` is sent ``repeat`` times; ``stop_after`` cuts the
    stream short (then the connection closes); ``content_length`` overrides the declared
    length, ``no_length`` omits it (close-delimited body); ``drop`` closes the connection
    without answering."""

    status: int = 200
    body: bytes = b"<html><body>ok</body></html>"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0
    repeat: int = 1
    stop_after: int | None = None
    content_length: int | None = None
    no_length: bool = False
    drop: bool = False


@dataclass
class Seen:
    """A request as the server received it."""

    path: str
    headers: dict


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so a truncated body ends with a close.
    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        srv = self.server
        with srv.lock:
            srv.log.append(Seen(self.path, dict(self.headers)))
            queue = srv.routes.get(self.path)
            # The last scripted reply repeats, so "always 500" is a one-element list.
            reply = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else Reply(404, b"")
        sent = 0
        if reply.drop:
            self.close_connection = True
            return
        try:
            time.sleep(reply.delay)
            self.send_response(reply.status)
            headers = {"Content-Type": "text/html; charset=utf-8", **reply.headers}
            for k, v in headers.items():
                self.send_header(k, v)
            total = len(reply.body) * reply.repeat
            if not reply.no_length:
                self.send_header("Content-Length", str(reply.content_length or total))
            self.end_headers()
            limit = total if reply.stop_after is None else reply.stop_after
            for _ in range(reply.repeat):
                piece = reply.body[:max(limit - sent, 0)]
                if not piece:
                    break
                self.wfile.write(piece)
                self.wfile.flush()
                sent += len(piece)
                time.sleep(reply.trickle)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with srv.lock:
                srv.sent.append((self.path, sent))

    def log_message(self, *args):
        pass  # keep pytest output clean


class Server:
    """A ThreadingHTTPServer on 127.0.0.1 with scripted routes and a request log."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.lock = threading.Lock()
        self.httpd.routes = {}
        self.httpd.log = []
        self.httpd.sent = []
        # A short poll interval keeps shutdown() (run after every test) quick.
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def route(self, path: str, *replies: Reply) -> str:
        """Script ``path`` and return its URL."""
        self.httpd.routes[path] = list(replies)
        return self.url(path)

    def hits(self, path: str) -> list[Seen]:
        """Requests received for ``path``."""
        return [s for s in self.httpd.log if s.path == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeTime:
    """sleep() records and advances clock() instead of waiting."""

    def __init__(self):
        self.offset = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch):
    """requests honours *_PROXY variables; a proxy would carry test traffic off 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def fake():
    return FakeTime()


@pytest.fixture
def session(fake):
    """``session(**kw)``: a PoliteSession on fake time; min_interval 0 unless given, so
    only the waits a test is about show up in ``fake.sleeps``."""
    made = []

    def make(**kw):
        kw = {"min_interval": 0.0, "sleep": fake.sleep, "clock": fake.clock, **kw}
        s = PoliteSession(**kw)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


def fails(fn, reason: str) -> FetchError:
    """Call fn, assert it raises FetchError with ``reason``, return the error."""
    with pytest.raises(FetchError) as info:
        fn()
    assert info.value.reason == reason, str(info.value)
    assert "\n" not in str(info.value)
    return info.value


# -- normal operation --------------------------------------------------------------------

def test_200_records_headers_body_and_user_agent(server, session):
    url = server.route("/doc", Reply(body=b"<html>Article 50</html>",
                                     headers={"ETag": '"v1"', "X-Publisher": "test"}))
    res = session().get(url, expect="html")
    assert isinstance(res, FetchResult)
    assert (res.url, res.final_url, res.status, res.body) == (url, url, 200, b"<html>Article 50</html>")
    assert res.headers["ETag"] == '"v1"' and res.headers["X-Publisher"] == "test"
    assert not res.not_modified
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", res.retrieved_at)
    assert [s.path for s in server.httpd.log] == ["/robots.txt", "/doc"]
    assert all(s.headers["User-Agent"] == DEFAULT_USER_AGENT for s in server.httpd.log)
    assert "govkb" in DEFAULT_USER_AGENT and "https://" in DEFAULT_USER_AGENT


def test_redirect_followed_and_final_url_recorded(server, session):
    url = server.route("/old", Reply(301, b"", headers={"Location": "/new"}))
    server.route("/new", Reply(body=b"moved here"))
    res = session().get(url)
    assert res.url == url and res.final_url == server.url("/new") and res.body == b"moved here"


def test_gzip_body_decoded_and_length_checked_on_wire_bytes(server, session):
    text = b"<html>" + b"provision " * 2000 + b"</html>"
    url = server.route("/gz", Reply(body=gzip.compress(text), headers={"Content-Encoding": "gzip"}))
    assert session().get(url).body == text


# -- robots.txt ----------------------------------------------------------------------------

def test_robots_disallow_honoured_and_fetched_once(server, session):
    server.route("/robots.txt", Reply(body=b"User-agent: govkb\nDisallow: /private/\n",
                                      headers={"Content-Type": "text/plain"}))
    server.route("/private/doc", Reply())
    public = server.route("/public", Reply())
    s = session()
    err = fails(lambda: s.get(server.url("/private/doc")), "robots")
    assert server.url("/private/doc") in str(err) and "robots.txt" in str(err)
    assert s.get(public).status == 200
    assert server.hits("/private/doc") == []
    assert len(server.hits("/robots.txt")) == 1
    assert server.hits("/robots.txt")[0].headers["User-Agent"] == DEFAULT_USER_AGENT


def test_robots_groups_match_product_token_only(server, session):
    # "ai" occurs as a word in the default user agent's comment; only "govkb" names us.
    server.route("/robots.txt", Reply(body=b"User-agent: ai\nDisallow: /\n\n"
                                           b"User-agent: otherbot\nDisallow: /\n",
                                      headers={"Content-Type": "text/plain"}))
    assert session().get(server.route("/doc", Reply())).status == 200


def test_robots_5xx_disallows_host_for_the_run(server, session):
    server.route("/robots.txt", Reply(503, b"busy"))
    server.route("/doc", Reply())
    s = session()
    fails(lambda: s.get(server.url("/doc")), "robots")
    fails(lambda: s.get(server.url("/doc")), "robots")
    assert server.hits("/doc") == [] and len(server.hits("/robots.txt")) == 1


def test_robots_404_allows_all(server, session):
    assert session().get(server.route("/doc", Reply())).status == 200
    assert len(server.hits("/robots.txt")) == 1


def test_crawl_delay_raises_interval(server, session, fake):
    server.route("/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 5\n",
                                      headers={"Content-Type": "text/plain"}))
    s = session(min_interval=1.0)
    for _ in range(3):
        s.get(server.route("/doc", Reply()))
    # robots -> doc, doc -> doc, doc -> doc: each start at least 5 s after the previous.
    assert len(fake.sleeps) == 3
    assert all(4.5 < w <= 5.0 for w in fake.sleeps), fake.sleeps


# -- rate limit ----------------------------------------------------------------------------

def test_min_interval_per_host(server, session, fake):
    other = Server()
    try:
        s = session(min_interval=2.0, respect_robots=False)
        s.get(server.route("/a", Reply()))
        s.get(other.route("/x", Reply()))   # another host (port): no wait
        s.get(server.route("/b", Reply()))
        s.get(server.route("/c", Reply()))
        assert len(fake.sleeps) == 2 and all(1.5 < w <= 2.0 for w in fake.sleeps), fake.sleeps
    finally:
        other.close()


# -- retries -------------------------------------------------------------------------------

def test_429_retry_after_seconds(server, session, fake):
    url = server.route("/doc", Reply(429, b"slow down", headers={"Retry-After": "7"}), Reply())
    assert session().get(url).status == 200
    assert fake.sleeps == [7.0] and len(server.hits("/doc")) == 2


def test_503_retry_after_http_date(server, session, fake):
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=10)
    url = server.route("/doc", Reply(503, b"", headers={"Retry-After": format_datetime(when, usegmt=True)}),
                       Reply())
    assert session().get(url).status == 200
    # Measured against the response's Date header, which has whole-second precision.
    assert len(fake.sleeps) == 1 and 8.0 <= fake.sleeps[0] <= 10.0, fake.sleeps


def test_retry_after_beyond_max_backoff_gives_up_instead_of_retrying_early(server, session, fake):
    url = server.route("/doc", Reply(429, b"", headers={"Retry-After": "3600"}), Reply())
    err = fails(lambda: session(max_backoff=60).get(url), "retries-exhausted")
    assert err.status == 429 and "3600" in str(err)
    assert fake.sleeps == [] and len(server.hits("/doc")) == 1


def test_500_retried_with_backoff_then_fails(server, session, fake):
    url = server.route("/doc", Reply(500, b"oops"))
    err = fails(lambda: session(max_retries=3, backoff=1.0).get(url), "retries-exhausted")
    assert err.status == 500 and err.url == url
    assert url in str(err) and "500" in str(err)
    assert len(server.hits("/doc")) == 4
    assert fake.sleeps == [1.0, 2.0, 4.0]


def test_backoff_capped(server, session, fake):
    url = server.route("/doc", Reply(502, b""), Reply(502, b""), Reply(502, b""), Reply())
    assert session(backoff=3.0, max_backoff=5.0).get(url).status == 200
    assert fake.sleeps == [3.0, 5.0, 5.0]


def test_404_not_retried(server, session, fake):
    url = server.route("/gone", Reply(404, b"no"))
    err = fails(lambda: session().get(url), "http-status")
    assert err.status == 404 and url in str(err) and "404" in str(err)
    assert len(server.hits("/gone")) == 1 and fake.sleeps == []


def test_read_timeout_retried_then_timeout(server, session):
    url = server.route("/slow", Reply(delay=0.8))
    started = time.monotonic()
    err = fails(lambda: session(timeout=(2.0, 0.3), max_retries=1).get(url), "timeout")
    assert time.monotonic() - started < 3.0
    assert len(server.hits("/slow")) == 2 and url in str(err)


def test_read_timeout_then_success(server, session):
    url = server.route("/slow", Reply(delay=0.8), Reply(body=b"finally"))
    assert session(timeout=(2.0, 0.3)).get(url).body == b"finally"


def test_read_timeout_mid_body_is_a_timeout(server, session):
    url = server.route("/stall", Reply(body=b"a", repeat=3, trickle=0.8))
    err = fails(lambda: session(timeout=(2.0, 0.3), max_retries=0).get(url), "timeout")
    assert "timed out" in str(err)


def test_connection_dropped_is_retried(server, session, fake):
    url = server.route("/flaky", Reply(drop=True), Reply(body=b"second time"))
    assert session().get(url).body == b"second time"
    assert len(server.hits("/flaky")) == 2 and fake.sleeps == [1.0]


def test_truncated_body_retried_then_truncated(server, session, fake):
    url = server.route("/cut", Reply(body=b"x" * 10, content_length=1000))
    err = fails(lambda: session(max_retries=2).get(url), "truncated")
    assert len(server.hits("/cut")) == 3 and len(fake.sleeps) == 2 and url in str(err)


def test_truncated_gzip_body_detected(server, session):
    packed = gzip.compress(b"provision " * 5000)
    url = server.route("/cutgz", Reply(body=packed, stop_after=len(packed) // 2,
                                       headers={"Content-Encoding": "gzip"}),
                       Reply(body=packed, headers={"Content-Encoding": "gzip"}))
    assert session().get(url).body == b"provision " * 5000
    assert len(server.hits("/cutgz")) == 2


# -- size and type ---------------------------------------------------------------------------

def test_too_large_by_content_length(server, session):
    url = server.route("/big", Reply(body=b"x" * 5000))
    err = fails(lambda: session(max_bytes=1000).get(url), "too-large")
    assert "5000" in str(err) and len(server.hits("/big")) == 1


def test_too_large_streamed_aborts_without_reading_everything(server, session):
    chunk, repeat = b"y" * 65536, 512          # 32 MiB offered, close-delimited
    url = server.route("/huge", Reply(body=chunk, repeat=repeat, no_length=True))
    fails(lambda: session(max_bytes=100_000).get(url), "too-large")
    for _ in range(100):                        # let the handler notice the closed socket
        if server.httpd.sent:
            break
        time.sleep(0.05)
    assert server.httpd.sent and server.httpd.sent[-1][1] < len(chunk) * repeat


def test_wrong_content_type(server, session):
    url = server.route("/landing", Reply(body=b"<html>download page</html>"))
    err = fails(lambda: session().get(url, expect="pdf"), "content-type")
    assert "text/html" in str(err) and "pdf" in str(err)


def test_pdf_as_octet_stream_accepted_only_when_it_is_a_pdf(server, session):
    ok = server.route("/file.pdf", Reply(body=b"%PDF-1.7\n...", headers={"Content-Type": "application/octet-stream"}))
    bad = server.route("/file.bin", Reply(body=b"PK\x03\x04", headers={"Content-Type": "application/octet-stream"}))
    s = session()
    assert s.get(ok, expect="pdf").body.startswith(b"%PDF")
    fails(lambda: s.get(bad, expect="pdf"), "content-type")
    assert s.get(server.route("/t.md", Reply(body=b"# x", headers={"Content-Type": "text/markdown"})),
                 expect="text").body == b"# x"


# -- conditional requests ---------------------------------------------------------------------

def test_304_with_if_none_match_and_if_modified_since(server, session):
    url = server.route("/doc", Reply(304, b"", headers={"ETag": '"v1"'}))
    res = session().get(url, etag='"v1"', last_modified="Wed, 01 Oct 2025 10:00:00 GMT")
    assert res.status == 304 and res.not_modified and res.body == b""
    sent = server.hits("/doc")[0].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Wed, 01 Oct 2025 10:00:00 GMT"


# -- unreachable and deadline -------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_fails_fast_and_mentions_mirror(session, fake):
    url = f"http://127.0.0.1:{_closed_port()}/doc"
    s = session()
    started = time.monotonic()
    err = fails(lambda: s.get(url), "unreachable")
    assert "--mirror" in str(err) and "cannot be reached" in str(err) and url in str(err)
    fails(lambda: s.get(url), "unreachable")       # remembered: no second round of attempts
    assert time.monotonic() - started < 3.0 and fake.sleeps == []


def test_unreachable_without_robots_retries_once(session, fake):
    url = f"http://127.0.0.1:{_closed_port()}/doc"
    fails(lambda: session(respect_robots=False, max_retries=4).get(url), "unreachable")
    assert len(fake.sleeps) == 1


def test_deadline_bounds_retries(server, session, fake):
    url = server.route("/doc", Reply(500, b""))
    err = fails(lambda: session(max_retries=10, backoff=4.0, deadline=10.0).get(url),
                "retries-exhausted")
    assert "deadline" in str(err) and err.status == 500
    assert fake.sleeps == [4.0] and len(server.hits("/doc")) == 2


def test_deadline_bounds_a_trickling_body(server, session):
    # One byte every 0.2 s never trips the read timeout; only the deadline stops it.
    url = server.route("/drip", Reply(body=b"z", repeat=100, trickle=0.2))
    started = time.monotonic()
    fails(lambda: session(clock=time.monotonic, deadline=1.0, respect_robots=False).get(url),
          "timeout")
    assert time.monotonic() - started < 2.5
