"""``accord serve``: the web dashboard over a run store."""

from __future__ import annotations

import secrets
import socket

import typer

from accord.model.errors import AccordError

LOOPBACK = ("127.0.0.1", "localhost", "::1")
"""Hosts that only this machine reaches: read-only pages need no token there."""


def serve(
    db: str = typer.Option("accord.db", "--db", help="SQLite file or SQLAlchemy URL"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (default: this "
                                                         "machine only; any other needs the "
                                                         "printed token for every page)"),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="port to listen on"),
    allow_runs: bool = typer.Option(
        False, "--allow-runs", help="let the page start runs; each start needs the token "
                                    "printed at start"),
) -> None:
    """Serve the dashboard: runs, timetables, the negotiation, live while runs go."""
    import uvicorn

    from accord.app.web import create_app

    _check_bind(host, port)
    local = host in LOOPBACK
    token = secrets.token_urlsafe(24) if allow_runs or not local else None
    app = create_app(db, allow_runs=allow_runs, token=token, read_token=not local)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    typer.echo(f"accord serve: {app.state.store.url} on {url}")
    if token:
        why = "starting runs is on" if local else "reachable from other machines"
        typer.echo(f"{why}; token: {token}")
        typer.echo(f"open {url}?token={token}")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                            timeout_graceful_shutdown=1)
    uvicorn.Server(config).run()


def _check_bind(host: str, port: int) -> None:
    """A one-line error now if the address cannot be listened on (taken, unknown)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise AccordError(f"--host {host} --port {port}: cannot listen there: "
                          f"{exc.strerror or exc}") from None
