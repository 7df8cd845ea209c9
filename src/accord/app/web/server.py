"""The dashboard's web app: pages (one static shell whose script renders each page from
the JSON API), the JSON API over the store, live updates as server-sent events, and the
one writing action, starting a run, behind ``allow_runs`` and a token."""

from __future__ import annotations

import asyncio
import base64
import html
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from accord.app.registry import DOMAINS, protocol_names
from accord.app.web import data
from accord.app.web.jobs import Jobs
from accord.app.web.messages import MessageCache
from accord.model.errors import AccordError, StoreError
from accord.model.scenario import validation_error
from accord.store import Store
from accord.store.reading import progress

STATIC = files("accord.app.web") / "static"
TOKEN_HEADER = "X-Accord-Token"
COOKIE = "accord_token"
LIVE_INTERVAL = 0.5
"""Seconds between looks at the store for new runs and episodes."""


class Upload(BaseModel):
    """A data file sent by the page: its name and its bytes in base64."""

    name: str
    base64: str


class StartRun(BaseModel):
    """The start-a-run form: the scenario file's text (or data files and the importer that
    reads them, with its options), and what to run of it."""

    scenario: str = ""
    filename: str = "upload"
    importer: str | None = None
    files: list[Upload] = Field(default_factory=list)
    options: dict[str, Any] = Field(default_factory=dict)
    protocol: str | None = None
    episodes: int | None = None
    reference: bool = False
    token: str | None = None


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} · '
        f'accord</title><link rel="stylesheet" href="/static/style.css"></head><body>'
        f'<header><a class="brand" href="/">accord</a></header><main>{body}</main>'
        f'</body></html>', status_code=status)


def not_found(what: str) -> HTMLResponse:
    """The 404 page, naming what is missing."""
    return _page("not found", f'<h1>Not found</h1><p id="error">{html.escape(what)}</p>'
                              f'<p><a href="/">all runs</a></p>', 404)


def create_app(db: str, *, allow_runs: bool = False, token: str | None = None,
               read_token: bool = False, live_interval: float = LIVE_INTERVAL) -> FastAPI:
    """The dashboard over the store at ``db``; ``allow_runs`` enables starting runs, which
    then needs ``token`` (one is made when none is given: ``app.state.token``);
    ``read_token`` (a server reachable from other machines) needs it for every page too:
    ``?token=`` once, then a cookie."""
    store = Store(db)
    cache = MessageCache(store)
    jobs = Jobs(store.url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="accord", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.store, app.state.allow_runs = store, allow_runs
    app.state.token = token or secrets.token_urlsafe(24)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    shell = (STATIC / "index.html").read_text()

    @app.middleware("http")
    async def reader(request: Request, call_next: Any) -> Response:
        if not read_token:
            response: Response = await call_next(request)
            return response
        given = (request.query_params.get("token") or request.cookies.get(COOKIE)
                 or request.headers.get(TOKEN_HEADER) or "")
        if not secrets.compare_digest(given.encode(), str(app.state.token).encode()):
            if request.url.path.startswith("/api/"):
                return JSONResponse({"error": "a valid token is needed (printed by accord "
                                              "serve)"}, status_code=401)
            return _page("token needed", '<h1>Token needed</h1><p id="error">This dashboard '
                         "is reachable from other machines: open the address with "
                         "<code>?token=</code> that <code>accord serve</code> printed.</p>",
                         401)
        response = await call_next(request)
        if request.query_params.get("token"):
            response.set_cookie(COOKIE, given, httponly=True, samesite="strict")
        return response

    @app.exception_handler(AccordError)
    async def accord_error(request: Request, exc: AccordError) -> Response:
        status = 404 if isinstance(exc, StoreError) and "no run" in str(exc) else 400
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=status)
        return not_found(str(exc)) if status == 404 else _page("error", html.escape(str(exc)),
                                                                status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        if exc.status_code == 404:
            return not_found(f"no page {request.url.path}")
        return _page("error", html.escape(str(exc.detail)), exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        what = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": what}, status_code=500)
        return _page("error", html.escape(what), 500)

    def page() -> HTMLResponse:
        return HTMLResponse(shell)

    @app.get("/", response_class=HTMLResponse)
    def runs_page() -> HTMLResponse:
        return page()

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page() -> HTMLResponse:
        return page()

    @app.get("/start", response_class=HTMLResponse)
    def start_page() -> HTMLResponse:
        if not app.state.allow_runs:
            return _page("start a run", "<h1>Start a run</h1><p id=\"error\">Starting runs "
                         "is off: start <code>accord serve --allow-runs</code>.</p>", 403)
        return page()

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    @app.get("/runs/{run_id}/{view}", response_class=HTMLResponse)
    def run_page(run_id: str, view: str = "") -> HTMLResponse:
        if view not in ("", "timetables", "timeline", "privacy"):
            return not_found(f"no page {view!r} of a run")
        store.run(run_id)  # StoreError -> the 404 page
        return page()

    @app.get("/api/info")
    def info() -> dict[str, Any]:
        return {"db": store.url, "allow_runs": app.state.allow_runs,
                "protocols": {n: protocol_names(d) for n, d in sorted(DOMAINS.items())},
                "importers": [{"name": i.name, "domain": n, "summary": i.summary}
                              for n, d in sorted(DOMAINS.items()) for i in d.formats.importers]}

    @app.get("/api/runs")
    def runs() -> list[dict[str, Any]]:
        return data.runs_list(store)

    @app.get("/api/runs/{run_id}")
    def run(run_id: str) -> dict[str, Any]:
        detail = data.run_detail(store, run_id)
        cache.warm(run_id)
        return detail

    @app.get("/api/runs/{run_id}/grids")
    def grids(run_id: str, episode: int | None = None) -> dict[str, Any]:
        return data.grids(store, run_id, episode)

    @app.get("/api/runs/{run_id}/messages")
    def messages(run_id: str, agent: str | None = None, kind: str | None = None,
                 round: int | None = None, episode: int | None = None, offset: int = 0,
                 limit: int = 200) -> dict[str, Any]:
        store.run(run_id)
        return cache.page(run_id, agent=agent or None, kind=kind or None, rnd=round,
                          episode=episode, offset=offset, limit=limit)

    @app.get("/api/runs/{run_id}/fairness")
    def fairness(run_id: str) -> dict[str, Any]:
        fair: dict[str, Any] = data.report(store, run_id)["fairness"]
        return fair

    @app.get("/api/runs/{run_id}/rounds")
    def rounds(run_id: str, episode: int) -> dict[str, Any]:
        store.run(run_id)
        return {"episode": episode, "points": cache.by_round(run_id, episode)}

    @app.get("/api/runs/{run_id}/messages/{seq}")
    def envelope(run_id: str, seq: int) -> dict[str, Any]:
        env = cache.envelope(run_id, seq)
        if env is None:
            raise HTTPException(404, f"run {run_id} has no message {seq}")
        return env

    @app.get("/api/runs/{run_id}/revealed")
    def revealed(run_id: str) -> dict[str, Any]:
        store.run(run_id)
        return cache.revealed(run_id)

    @app.get("/api/runs/{run_id}/report.json")
    def report(run_id: str) -> Response:
        body = json.dumps(data.report(store, run_id), indent=2, sort_keys=True) + "\n"
        return Response(body, media_type="application/json", headers={
            "Content-Disposition": f'attachment; filename="{run_id}-report.json"'})

    @app.get("/api/runs/{run_id}/export/{fmt}")
    def export(run_id: str, fmt: str, episode: int | None = None) -> Response:
        name, content, media = data.export(store, run_id, fmt, episode)
        return Response(content, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/api/events")
    async def events(request: Request) -> StreamingResponse:
        async def stream() -> AsyncIterator[str]:
            last: Any = None
            yield "retry: 1000\n\n"
            while not await request.is_disconnected():
                now = await run_in_threadpool(progress, store)
                if now != last:
                    last = now
                    runs = [{"id": i, "status": s, "episodes": n} for i, s, n in now]
                    yield f"event: runs\ndata: {json.dumps(runs)}\n\n"
                await asyncio.sleep(live_interval)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    @app.post("/api/runs", status_code=202)
    async def start(request: Request) -> dict[str, Any]:
        if not app.state.allow_runs:
            raise HTTPException(403, "starting runs is off (accord serve --allow-runs)")
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = None
        sent = body.get("token") if isinstance(body, dict) else None
        given = request.headers.get(TOKEN_HEADER) or (sent if isinstance(sent, str) else "")
        if not secrets.compare_digest(given.encode(), str(app.state.token).encode()):
            raise HTTPException(401, "a valid token is needed (printed by accord serve)")
        try:
            form = StartRun.model_validate(body)
        except ValidationError as exc:
            raise validation_error("request", exc) from None
        if form.importer:
            try:
                files = [(f.name, base64.b64decode(f.base64, validate=True)) for f in form.files]
            except ValueError:
                raise AccordError(f"{form.importer}: a file is not valid base64") from None
            sc = await run_in_threadpool(jobs.imported, form.importer, files, form.options,
                                         form.protocol, form.episodes)
        else:
            sc = await run_in_threadpool(jobs.check, form.scenario, form.protocol,
                                         form.episodes, form.filename)
        jobs.start(sc, form.protocol, form.episodes, form.reference)
        return {"started": sc.name, "protocol": form.protocol or sc.protocol}

    @app.get("/api/jobs")
    def job_status() -> dict[str, Any]:
        return jobs.status()

    return app
