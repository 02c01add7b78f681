"""A polite HTTP session for fetching governance texts from their publishers' sites.

Publishers (eur-lex.europa.eu, whitehouse.gov, oecd.org, un.org, ...) are public services,
not CDNs built for crawlers, so every live request goes through :class:`PoliteSession`:

* robots.txt is read once per host (RFC 9309 semantics: 4xx = no rules, 5xx or a
  robots.txt that cannot be read = disallow everything on that host for this run) and
  its Crawl-delay raises the per-host interval;
* requests to one host start at least ``min_interval`` seconds apart;
* transient failures (429, 5xx gateway errors, resets, read timeouts, truncated bodies)
  are retried with exponential backoff, honouring Retry-After, within a total deadline;
* bodies are streamed and capped, and a short body is detected instead of parsed.

Time is read through the injected ``clock`` and waited through the injected ``sleep`` so
tests can count waits without sleeping. A session is not thread-safe: its rate limiter
assumes one caller.
"""
from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

import protego
import requests
import urllib3.exceptions as u3

DEFAULT_USER_AGENT = "govkb/0.1 (+https://github.com/govkb/govkb; open AI-governance knowledge base)"

REASONS = frozenset({"robots", "http-status", "timeout", "unreachable", "too-large", "truncated",
                     "content-type", "retries-exhausted"})

# Statuses a server uses to say "not now" rather than "never".
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Only these carry a Retry-After worth obeying for a retry (RFC 9110 section 10.2.3).
RETRY_AFTER_STATUSES = frozenset({429, 503})

# Accepted Content-Type media types per expected family. application/octet-stream is
# accepted for PDFs only after the body proves to be one: several publishers' download
# endpoints serve every file as octet-stream.
CONTENT_TYPES = {
    "html": frozenset({"text/html", "application/xhtml+xml"}),
    "pdf": frozenset({"application/pdf"}),
    "text": frozenset({"text/plain", "text/markdown", "text/x-markdown"}),
}

# RFC 9309 section 2.5 asks crawlers to parse at least 500 KiB; rules beyond are ignored.
ROBOTS_MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 10
_CHUNK = 64 * 1024
_MIRROR_HINT = ("machines without internet should pass --mirror DIR "
                "(a directory laid out like ../shared/corpus-mirror)")


@dataclass
class FetchResult:
    """One successful fetch. ``body`` is the decoded payload (Content-Encoding removed)
    while ``headers`` are the response headers as received."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    retrieved_at: str

    @property
    def not_modified(self) -> bool:
        """True when the server answered a conditional request with 304: keep the old copy."""
        return self.status == 304


class FetchError(RuntimeError):
    """A fetch that failed for good.

    ``reason`` is one word from :data:`REASONS`; ``status`` is the last HTTP status seen,
    if any. ``str()`` is one line naming the URL, what happened and what to do.
    """

    def __init__(self, url: str, reason: str, message: str, status: int | None = None):
        if reason not in REASONS:
            raise ValueError(f"unknown FetchError reason {reason!r}")
        self.url = url
        self.reason = reason
        self.status = status
        super().__init__(" ".join(f"cannot fetch {url}: {message}".split()))


class _Transient(Exception):
    """A failed attempt worth retrying; ``reason`` is what to report if retries run out."""

    def __init__(self, reason: str, detail: str, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.status = status
        self.retry_after = retry_after


class _Unreachable(Exception):
    """No connection could be made to the host (DNS, refused, connect timeout, TLS)."""


@dataclass
class _Host:
    """What the session knows about one scheme://host:port."""

    robots: protego.Protego | None = None
    robots_denial: str | None = None     # set when robots.txt could not be read
    robots_checked: bool = False
    crawl_delay: float = 0.0
    last_start: float | None = None
    unreachable: str | None = None       # remembered so an offline run fails fast


class PoliteSession:
    """An HTTP session that obeys robots.txt, rate-limits per host and retries politely.

    Args:
        user_agent: sent on every request; its product token (before the first "/") is
            the name matched against robots.txt groups.
        min_interval: minimum seconds between request starts to the same host.
        timeout: (connect, read) timeouts in seconds for each attempt.
        max_retries: extra attempts after the first for transient failures.
        backoff, max_backoff: retry n waits ``backoff * 2**(n-1)`` seconds, at most
            ``max_backoff``.
        max_bytes: largest body accepted (decoded size, and Content-Length when given).
        deadline: total seconds one :meth:`get` may take, waits and retries included.
        respect_robots: False only for hosts whose owners have agreed (and for tests).
        sleep, clock: time functions, injectable so tests need not wait.
    """

    def __init__(self, *, user_agent: str = DEFAULT_USER_AGENT, min_interval: float = 2.0,
                 timeout: tuple[float, float] = (5.0, 30.0), max_retries: int = 4,
                 backoff: float = 1.0, max_backoff: float = 120.0,
                 max_bytes: int = 64 * 1024 * 1024, deadline: float = 300.0,
                 respect_robots: bool = True, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.user_agent = user_agent
        self.robots_name = user_agent.split("/", 1)[0].strip() or user_agent
        self.min_interval = min_interval
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.respect_robots = respect_robots
        self._sleep = sleep
        self._clock = clock
        self._hosts: dict[str, _Host] = {}
        self._http = requests.Session()
        self._http.headers["User-Agent"] = user_agent
        self._http.max_redirects = MAX_REDIRECTS
        # Retries are ours (they must respect the rate limit and the deadline), so the
        # adapter must not retry behind our back.
        adapter = requests.adapters.HTTPAdapter(max_retries=0)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- public ---------------------------------------------------------------------

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            expect: str | None = None, headers: dict[str, str] | None = None) -> FetchResult:
        """Fetch ``url`` politely; raise :class:`FetchError` when it cannot be had.

        ``etag``/``last_modified`` (from an earlier FetchResult's headers) make the request
        conditional; an unchanged document comes back as status 304 with an empty body.
        ``expect`` ("html", "pdf", "text") checks the Content-Type family. ``headers`` are
        sent with the request (and with every redirect it follows), e.g. the Accept-Language
        of a content-negotiating server.
        """
        if expect is not None and expect not in CONTENT_TYPES:
            raise ValueError(f"expect must be one of {sorted(CONTENT_TYPES)} or None, not {expect!r}")
        key = _host_key(url)
        host = self._hosts.setdefault(key, _Host())
        end = self._clock() + self.deadline
        if host.unreachable:
            raise FetchError(url, "unreachable", host.unreachable)
        if self.respect_robots:
            self._check_robots(url, key, host, end)

        headers = dict(headers or {})
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        attempt = 0
        unreachable_tries = 0
        while True:
            attempt += 1
            try:
                return self._attempt(url, host, headers, expect, end)
            except _Transient as t:
                failure = t
                if attempt > self.max_retries:
                    raise FetchError(url, t.reason, f"{t.detail}; gave up after "
                                     f"{attempt} attempt{'s' * (attempt > 1)}; try again later "
                                     "or pass --mirror DIR",
                                     t.status) from None
                if t.retry_after is not None and t.retry_after > self.max_backoff:
                    # Retrying before the server's stated time would be impolite, and waiting
                    # longer than max_backoff is more than this run is willing to spend.
                    raise FetchError(url, "retries-exhausted", f"{t.detail}; the server asks to "
                                     f"retry after {t.retry_after:.0f} s, more than max_backoff "
                                     f"{self.max_backoff:.0f} s; try again later", t.status) from None
                wait = t.retry_after if t.retry_after is not None else self._backoff(attempt)
            except _Unreachable as e:
                unreachable_tries += 1
                message = (f"the host {urlsplit(url).hostname} cannot be reached ({e}); "
                           f"{_MIRROR_HINT}")
                if unreachable_tries > 1 or attempt > self.max_retries:
                    host.unreachable = message
                    raise FetchError(url, "unreachable", message) from None
                failure = _Transient("unreachable", message)
                wait = self._backoff(attempt)
            self._wait(wait, end, url, failure)

    # -- robots.txt -------------------------------------------------------------------

    def _check_robots(self, url: str, key: str, host: _Host, end: float) -> None:
        """Raise FetchError('robots') unless robots.txt of the URL's host allows it."""
        if not host.robots_checked:
            self._load_robots(url, key, host, end)
        if host.robots_denial:
            raise FetchError(url, "robots", f"{host.robots_denial}, so this run fetches nothing "
                             "from that host (RFC 9309); try later or pass --mirror DIR")
        if host.robots is not None and not host.robots.can_fetch(url, self.robots_name):
            raise FetchError(url, "robots", f"{key}/robots.txt disallows it for user agent "
                             f"{self.robots_name!r}; do not fetch it live, use --mirror DIR")

    def _load_robots(self, url: str, key: str, host: _Host, end: float) -> None:
        """Fetch and parse robots.txt once per host (one attempt: it is cached for the run)."""
        robots_url = f"{key}/robots.txt"
        self._throttle(host, end, url, None)
        try:
            resp = self._http.get(robots_url, stream=True, timeout=self._timeouts(end))
        except requests.RequestException as e:
            if _is_unreachable(e):
                message = (f"the host {urlsplit(url).hostname} cannot be reached ({_describe(e)}); "
                           f"{_MIRROR_HINT}")
                host.unreachable = message
                raise FetchError(url, "unreachable", message) from None
            host.robots_checked = True
            host.robots_denial = f"{robots_url} could not be read ({_describe(e)})"
            return
        with resp:
            host.robots_checked = True
            status = resp.status_code
            if status == 429 or status >= 500:
                host.robots_denial = f"{robots_url} answered HTTP {status}"
                return
            if 400 <= status < 500:
                return  # RFC 9309 2.3.1.3: "unavailable" robots.txt means no restrictions.
            try:
                data = b""
                for chunk in _chunks(resp):
                    data += chunk
                    if len(data) >= ROBOTS_MAX_BYTES:
                        break
            except (requests.RequestException, u3.HTTPError) as e:
                host.robots_denial = f"{robots_url} could not be read ({_describe(e)})"
                return
        host.robots = protego.Protego.parse(data[:ROBOTS_MAX_BYTES].decode("utf-8", "replace"))
        delay = host.robots.crawl_delay(self.robots_name)
        if delay:
            host.crawl_delay = float(delay)

    # -- one attempt --------------------------------------------------------------------

    def _attempt(self, url: str, host: _Host, headers: dict[str, str], expect: str | None,
                 end: float) -> FetchResult:
        """One request; raises _Transient/_Unreachable for retryable trouble, FetchError
        for permanent trouble."""
        self._throttle(host, end, url, None)
        try:
            resp = self._http.get(url, headers=headers, stream=True, timeout=self._timeouts(end))
        except requests.TooManyRedirects:
            raise FetchError(url, "http-status", f"more than {MAX_REDIRECTS} redirects; "
                             "check the URL in the registry (Source.urls)") from None
        except requests.RequestException as e:
            if _is_unreachable(e):
                raise _Unreachable(_describe(e)) from None
            raise _transient_from(e) from None
        with resp:
            retrieved_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            status = resp.status_code
            resp_headers = dict(resp.headers)
            if status == 304:
                return FetchResult(url, resp.url, 304, resp_headers, b"", retrieved_at)
            if status in RETRY_STATUSES:
                retry_after = (_retry_after(resp.headers) if status in RETRY_AFTER_STATUSES
                               else None)
                raise _Transient("retries-exhausted", f"HTTP {status}", status, retry_after)
            if not 200 <= status < 300:
                raise FetchError(url, "http-status", f"HTTP {status} {resp.reason or ''} at "
                                 f"{resp.url}; not retried: check the URL in the registry "
                                 "(Source.urls) or use --mirror DIR", status)
            media = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
            might_be_pdf = expect == "pdf" and media in ("", "application/octet-stream")
            if expect and media not in CONTENT_TYPES[expect] and not might_be_pdf:
                raise FetchError(url, "content-type", f"expected {expect} but the server sent "
                                 f"{media or 'no Content-Type'}; the URL may point to a landing "
                                 "page instead of the document - fix Source.urls", status)
            body = self._read_body(url, resp, end)
            if might_be_pdf and not body.startswith(b"%PDF"):
                raise FetchError(url, "content-type", f"expected pdf but the server sent "
                                 f"{media or 'no Content-Type'} and the body is not a PDF; "
                                 "fix Source.urls", status)
            return FetchResult(url, resp.url, status, resp_headers, body, retrieved_at)

    def _read_body(self, url: str, resp: requests.Response, end: float) -> bytes:
        """Stream the body within max_bytes and the deadline; detect truncation."""
        declared = _content_length(resp.headers)
        if declared is not None and declared > self.max_bytes:
            raise FetchError(url, "too-large", f"Content-Length {declared} exceeds max_bytes "
                             f"{self.max_bytes}; raise max_bytes if the document is genuine",
                             resp.status_code)
        parts: list[bytes] = []
        size = 0
        try:
            for chunk in _chunks(resp):
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(url, "too-large", f"body exceeds max_bytes {self.max_bytes}; "
                                     "raise max_bytes if the document is genuine",
                                     resp.status_code)
                parts.append(chunk)
                if self._clock() > end:
                    raise FetchError(url, "timeout", f"body still arriving when the deadline "
                                     f"of {self.deadline:.0f} s ran out; try later or raise "
                                     "deadline", resp.status_code)
        except (requests.RequestException, u3.HTTPError) as e:
            raise _transient_from(e, resp.status_code) from None
        # urllib3 enforces Content-Length itself, but a second check on the raw (still
        # encoded) byte count costs nothing and does not depend on that default;
        # comparing against the decoded size would be wrong for gzip.
        raw_read = resp.raw.tell()
        if declared is not None and raw_read < declared:
            raise _Transient("truncated", f"body truncated: {raw_read} of {declared} bytes",
                             resp.status_code)
        return b"".join(parts)

    # -- waiting --------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff before retry number ``attempt``."""
        return min(self.backoff * 2 ** (attempt - 1), self.max_backoff)

    def _throttle(self, host: _Host, end: float, url: str, failure: _Transient | None) -> None:
        """Wait until this host may be asked again, then mark the request start."""
        interval = max(self.min_interval, host.crawl_delay)
        if host.last_start is not None:
            wait = host.last_start + interval - self._clock()
            if wait > 0:
                self._wait(wait, end, url, failure)
        host.last_start = self._clock()

    def _wait(self, seconds: float, end: float, url: str, failure: _Transient | None) -> None:
        """Sleep, unless that would pass the deadline: then fail with what went wrong last."""
        if self._clock() + seconds > end:
            if failure is None:
                raise FetchError(url, "timeout", f"waiting {seconds:.1f} s for the per-host rate "
                                 f"limit would pass the deadline of {self.deadline:.0f} s; raise "
                                 "deadline or lower the request rate")
            raise FetchError(url, failure.reason, f"{failure.detail}; the deadline of "
                             f"{self.deadline:.0f} s does not leave time to retry after "
                             f"{seconds:.1f} s; try later or pass --mirror DIR",
                             failure.status)
        self._sleep(seconds)

    def _timeouts(self, end: float) -> tuple[float, float]:
        """Per-attempt (connect, read) timeouts, shrunk so one attempt cannot overrun the
        deadline by more than one read timeout."""
        remaining = max(end - self._clock(), 0.1)
        return (min(self.timeout[0], remaining), min(self.timeout[1], remaining))


# -- helpers ------------------------------------------------------------------------------

def _host_key(url: str) -> str:
    """scheme://host[:port], the unit for robots.txt and rate limits."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _cause(e: BaseException) -> BaseException:
    """The urllib3 error inside a requests exception (or ``e`` itself)."""
    inner = e.args[0] if e.args and isinstance(e.args[0], BaseException) else e
    return getattr(inner, "reason", None) or inner


def _is_unreachable(e: BaseException) -> bool:
    """True when no connection was made: DNS failure, refused, connect timeout, TLS failure."""
    if isinstance(e, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    return isinstance(_cause(e), (u3.NewConnectionError, u3.ConnectTimeoutError, u3.SSLError))


def _transient_from(e: BaseException, status: int | None = None) -> _Transient:
    """Classify a requests/urllib3 exception raised after the connection was made."""
    cause = _cause(e)
    if isinstance(e, requests.Timeout) or isinstance(cause, (u3.ReadTimeoutError, TimeoutError)):
        return _Transient("timeout", f"read timed out ({_describe(e)})", status)
    if (isinstance(e, requests.exceptions.ChunkedEncodingError)
            or isinstance(cause, (u3.IncompleteRead, u3.InvalidChunkLength))
            or "IncompleteRead" in str(e)):
        return _Transient("truncated", f"body truncated ({_describe(e)})", status)
    if isinstance(e, requests.exceptions.ContentDecodingError) or isinstance(cause, u3.DecodeError):
        return _Transient("truncated", f"body could not be decoded ({_describe(e)})", status)
    return _Transient("retries-exhausted", f"connection failed ({_describe(e)})", status)


def _chunks(resp: requests.Response):
    """Yield the decoded body as it arrives.

    read1 returns whatever the socket has, so a body trickling in byte by byte still
    reaches the caller's deadline check; read()/iter_content would block until a whole
    chunk arrived. urllib3 older than 2.3 lacks read1: fall back to blocking reads."""
    read1 = getattr(resp.raw, "read1", None)
    if read1 is None:
        yield from resp.raw.stream(_CHUNK, decode_content=True)
        return
    while chunk := read1(_CHUNK, decode_content=True):
        yield chunk


def _describe(e: BaseException) -> str:
    """A short one-line description of a requests/urllib3 exception."""
    cause = _cause(e)
    text = " ".join(str(cause).split())
    return f"{type(cause).__name__}: {text[:160]}"


def _content_length(headers) -> int | None:
    """The declared body length, or None when absent or malformed."""
    value = headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(headers) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None.

    An HTTP-date is measured against the response's own Date header when present, so a
    skewed local clock does not stretch or shrink the wait."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = datetime.now(timezone.utc)
    if headers.get("Date"):
        try:
            now = email.utils.parsedate_to_datetime(headers["Date"])
        except (TypeError, ValueError):
            pass
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return max((when - now).total_seconds(), 0.0)
