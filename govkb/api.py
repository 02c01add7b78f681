"""The local HTTP API of `govkb serve-api`: the search engine of govkb.search behind FastAPI.

One :class:`~govkb.search.SearchEngine` serves the whole app; it is opened when the server
starts (lifespan) and answers every request. It is pinned to the build that was live when
it opened; when a nightly publish or a restore switches OUT/current, the next request opens
the new build (the loaded model is kept), so the server never needs a restart. The embedding model loads lazily, on the
first semantic or hybrid query, unless the app is created with ``warm=True``
(`govkb serve-api --warm`), which runs one semantic query at startup so that the first
client does not pay for the model load.

Every error is JSON ``{"error": message, "field": name|null, "valid": [...]|null}``:
400 for bad input (the engine's SearchInputError, parameter type errors that FastAPI would
answer with 422, query strings that are not UTF-8), 404 for unknown provision ids and
routes, 503 when the knowledge base lacks an index (rebuild), 500 (without a traceback; it
goes to the server log) for anything unforeseen.

The API is meant for one machine (127.0.0.1) and works offline: FastAPI's /docs and /redoc
pages load Swagger UI / ReDoc from a CDN, so they are turned off; /docs is instead a small
self-contained HTML page generated from the OpenAPI description at /openapi.json.
"""
from __future__ import annotations

import html
import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from govkb.search import K_MAX, MAX_QUERY, MODES, SearchEngine, SearchInputError, SearchUnavailable

log = logging.getLogger("govkb.api")

# Allowed values of the parameters FastAPI checks itself (the engine lists the others).
_VALID = {"mode": list(MODES), "binding": ["true", "false"]}
_LINKS_MAX = 20
# The engine's keyword arguments whose query parameter has another name.
_PARAM = {"date_from": "from", "date_to": "to"}


class ErrorBody(BaseModel):
    """The body of every error response."""
    error: str
    field: str | None = None
    valid: list[str] | None = None


class SearchResult(BaseModel):
    """One search hit (the objects of `govkb search --json`); documentation only: the
    engine's dicts are sent as they are, so fields it adds appear without a change here."""
    model_config = ConfigDict(extra="allow")
    id: str
    doc_id: str
    doc_title: str
    pinpoint: str
    kind: str
    heading: str | None = None
    text: str
    score: float
    highlight: str | None = None
    source_url: str | None = None
    retrieved_at: str | None = None
    source_kind: str | None = None
    themes: list[str] = []
    modality: str | None = None
    binding: bool | None = None
    date: str | None = None
    aligned: list[dict[str, Any]] = []
    article: dict[str, str] | None = None
    also: list[dict[str, Any]] | None = None


_ERRORS = {400: {"model": ErrorBody, "description": "Bad input"},
           404: {"model": ErrorBody, "description": "Unknown provision id"}}


def error(status: int, message: str, field: str | None = None, valid=None) -> JSONResponse:
    """A JSON error response in the API's one error shape."""
    return JSONResponse({"error": message, "field": field, "valid": list(valid) if valid is not None else None},
                        status_code=status)


def _undecodable(scope) -> str | None:
    """The name of the first query parameter (or "path") whose percent-decoded bytes are
    not UTF-8, else None. Starlette would silently turn such bytes into U+FFFD."""
    raw_path = scope.get("raw_path") or b""
    try:
        unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        return "path"
    for part in (scope.get("query_string") or b"").split(b"&"):
        name, _, value = part.partition(b"=")
        for chunk in (name, value):
            try:
                unquote_to_bytes(chunk.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return unquote_to_bytes(name).decode("utf-8", "replace") or "query"
    return None


class RejectNonUtf8:
    """ASGI middleware: 400 for a path or query string that does not decode as UTF-8."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and (field := _undecodable(scope)):
            resp = error(400, f"{field}: the request is not valid UTF-8 once percent-decoded "
                              "(encode text as UTF-8 before percent-encoding it)", field=field)
            await resp(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _validation_message(err: dict) -> tuple[str, str | None]:
    """(message, field) for one of FastAPI's validation errors, worded for a person."""
    field = str(err.get("loc", ("", "?"))[-1])
    got = err.get("input")
    if err.get("type") == "missing":
        return f"{field} is required", field
    if field == "k":
        return f"k must be a whole number from 1 to {K_MAX} (got {got!r})", field
    if field == "links":
        return f"links must be a whole number from 0 to {_LINKS_MAX} (got {got!r})", field
    if field == "q" and isinstance(got, str):
        return f"q is too long: {len(got)} characters, at most {MAX_QUERY}", field
    if field in _VALID:
        return f"{field}: unknown value {got!r}; valid: {', '.join(_VALID[field])}", field
    return f"{field}: {err.get('msg', 'invalid value')} (got {got!r})", field


def create_app(out: str | Path, *, warm: bool = False) -> FastAPI:
    """The API over the knowledge base in OUT (the directory `govkb build` wrote).

    The SearchEngine opens at startup; with ``warm`` it also loads the embedding model
    then (one semantic query), otherwise on the first semantic or hybrid query.
    """
    out = Path(out)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = SearchEngine(out)
        if warm:
            app.state.engine.search("warm-up", mode="semantic", k=1, links=0)
        yield

    app = FastAPI(title="govkb local API", version="1", lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  description="Hybrid clause search, provisions, alignment links and divergence "
                              "over a govkb knowledge base. Errors are JSON "
                              '{"error", "field", "valid"}.')
    app.add_middleware(RejectNonUtf8)
    # Sync endpoints run in FastAPI's thread pool and share the one engine: SearchEngine is
    # thread-safe (a SQLite connection per thread, the model and FAISS index behind locks).
    swap = threading.Lock()

    def engine() -> SearchEngine:
        """The engine of the live build: after a nightly publish or a restore switched
        OUT/current, the next request opens the new build (keeping the loaded model)."""
        e = app.state.engine
        if not e.is_live():
            with swap:
                e = app.state.engine
                if not e.is_live():
                    e = app.state.engine = SearchEngine(out, embedder=e.embedder)
        return e

    @app.exception_handler(SearchInputError)
    async def bad_input(request: Request, exc: SearchInputError):
        field = _PARAM.get(exc.field, exc.field)   # name the parameter as the client sent it
        message = exc.message.replace(exc.field, field, 1) if exc.field else exc.message
        return error(400, message, field, exc.valid)

    @app.exception_handler(SearchUnavailable)
    async def unavailable(request: Request, exc: SearchUnavailable):
        return error(503, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_type(request: Request, exc: RequestValidationError):
        message, field = _validation_message(exc.errors()[0])
        return error(400, message, field, _VALID.get(field))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unforeseen(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return error(500, "internal error (see the server log)")

    @app.get("/search", response_model=list[SearchResult], responses=_ERRORS,
             summary="Hybrid, keyword or semantic clause search")
    def search(
        q: str = Query(..., max_length=MAX_QUERY, description="Words, \"phrases\", prefix*, AND/OR/NOT/NEAR"),
        k: int = Query(10, ge=1, le=K_MAX, description="Number of results"),
        mode: Literal[MODES] = Query("hybrid"),
        doc: list[str] = Query([], description="Document id (repeatable)"),
        family: list[str] = Query([], description="Family: eu, oecd, g7, ... (repeatable)"),
        theme: list[str] = Query([], description="Theme (repeatable)"),
        modality: str | None = Query(None),
        kind: str | None = Query(None, description="Provision kind: article, recital, ..."),
        binding: bool | None = Query(None, description="Only binding (true) or non-binding (false) instruments"),
        date_from: str | None = Query(None, alias="from", description="Earliest adoption date, YYYY[-MM[-DD]]"),
        date_to: str | None = Query(None, alias="to", description="Latest adoption date, YYYY[-MM[-DD]]"),
        links: int = Query(3, ge=0, le=_LINKS_MAX, description="Aligned provisions per result"),
        group: bool = Query(False, description="Group by article: one result per article, its other hits "
                                               "in `also` (k counts articles)"),
    ):
        """Search provisions; the results are the objects of `govkb search --json`, best first.
        How the query was read (e.g. invalid FTS5 syntax searched as plain words) is in the
        X-Search-Notes response header."""
        results = engine().search(q, docs=doc, families=family, themes=theme, modality=modality,
                                          kind=kind, binding=binding, date_from=date_from, date_to=date_to,
                                          k=k, mode=mode, links=links, group=group)
        # How the engine read the query (e.g. "treated as plain words") rides in a header so
        # the body stays the plain array of `govkb search --json`.
        notes = "; ".join(getattr(results, "notes", ()))
        headers = {"X-Search-Notes": notes.encode("ascii", "replace").decode()} if notes else None
        return JSONResponse(list(results), headers=headers)

    # Registered before /provisions/{id} because a path parameter would swallow "/links".
    @app.get("/provisions/{prov_id:path}/links", responses=_ERRORS,
             summary="Provisions aligned with one provision in other instruments")
    def provision_links(prov_id: str = PathParam(..., description="e.g. eu-ai-act/art-50/par-2"),
                        doc: list[str] = Query([], description="Only links into these documents"),
                        k: int = Query(10, ge=1, le=K_MAX)):
        """The provision's links, best first (relation, score, status, evidence)."""
        rows = engine().links(prov_id, docs=doc, k=k)
        if rows is None:
            return _unknown(prov_id)
        return JSONResponse(rows)

    @app.get("/provisions/{prov_id:path}", responses=_ERRORS, summary="One provision with its context")
    def provision(prov_id: str = PathParam(..., description="e.g. eu-ai-act/art-50/par-2")):
        """The provision, its document, parent, siblings, links and divergence cells."""
        row = engine().provision(prov_id)
        if row is None:
            return _unknown(prov_id)
        return JSONResponse(row)

    @app.get("/divergence", responses=_ERRORS, summary="Divergence cells against a baseline")
    def divergence(instrument: str | None = Query(None, description="Document id"),
                   theme: str | None = Query(None), baseline: str | None = Query(None)):
        """Divergence labels per (instrument, theme), with evidence."""
        return JSONResponse(engine().divergence(instrument=instrument, theme=theme, baseline=baseline))

    @app.get("/health", summary="Knowledge base and index status")
    def health():
        """Counts and readiness of the knowledge base, full-text and vector indexes."""
        return JSONResponse(engine().health())

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs():
        """An offline API reference rendered from the OpenAPI description (no CDN)."""
        return HTMLResponse(render_docs(app.openapi()))

    return app


def _unknown(prov_id: str) -> JSONResponse:
    return error(404, f"no provision {prov_id!r}; ids look like eu-ai-act/art-50/par-2", field="id")


def render_docs(spec: dict) -> str:
    """A plain HTML page listing every operation and its parameters."""
    e = html.escape
    parts = [f"<!doctype html><meta charset='utf-8'><title>{e(spec['info']['title'])}</title>",
             "<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
             "code{background:#f3f3f3;padding:0 .2em}td,th{text-align:left;padding:.15rem .6rem;"
             "vertical-align:top}</style>",
             f"<h1>{e(spec['info']['title'])}</h1><p>{e(spec['info'].get('description', ''))}</p>",
             "<p>Machine-readable description: <a href='/openapi.json'><code>/openapi.json</code></a></p>"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            parts.append(f"<h2><code>{e(method.upper())} {e(path)}</code></h2><p>{e(op.get('summary', ''))}. "
                         f"{e(op.get('description', ''))}</p>")
            params = op.get("parameters", [])
            if params:
                parts.append("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>")
                for p in params:
                    parts.append(f"<tr><td><code>{e(p['name'])}</code>{' (required)' if p.get('required') else ''}"
                                 f"</td><td>{e(p['in'])}</td><td>{e(p.get('description', ''))}</td></tr>")
                parts.append("</table>")
    return "\n".join(parts)


def serve(out: str | Path, host: str = "127.0.0.1", port: int = 8765, *, warm: bool = False,
          workers: int = 1, access_log: bool = False, log_level: str = "info") -> None:
    """Run the API with uvicorn until interrupted.

    ``workers`` > 1 runs that many server processes, each with its own engine and model
    (about 0.55 GB each): search is CPU-bound Python, so one process uses about one core.
    The access log is off by default: a line per request costs more than a keyword search.
    """
    import os
    import uvicorn
    kw = dict(host=host, port=port, log_level=log_level, access_log=access_log)
    if workers == 1:
        uvicorn.run(create_app(out, warm=warm), **kw)
        return
    # Worker processes import the app by name, so the settings travel in the environment.
    os.environ[_ENV_OUT], os.environ[_ENV_WARM] = str(Path(out).resolve()), "1" if warm else ""
    uvicorn.run("govkb.api:app_from_env", factory=True, workers=workers, **kw)


_ENV_OUT, _ENV_WARM = "GOVKB_API_OUT", "GOVKB_API_WARM"


def app_from_env() -> FastAPI:
    """The app of a uvicorn worker process (see :func:`serve`)."""
    import os
    return create_app(os.environ[_ENV_OUT], warm=bool(os.environ.get(_ENV_WARM)))
