"""``accord serve``: the web dashboard over a run store."""

from __future__ import annotations

import secrets

import typer

from accord.model.errors import AccordError


def serve(
    db: str = typer.Option("accord.db", "--db", help="SQLite file or SQLAlchemy URL"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (default: this "
                                                         "machine only)"),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="port to listen on"),
    allow_runs: bool = typer.Option(
        False, "--allow-runs", help="let the page start runs; each start needs the token "
                                    "printed at start"),
) -> None:
    """Serve the dashboard: runs, timetables, the negotiation, live while runs go."""
    import uvicorn

    from accord.app.web import create_app

    token = secrets.token_urlsafe(24) if allow_runs else None
    app = create_app(db, allow_runs=allow_runs, token=token)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    typer.echo(f"accord serve: {app.state.store.url} on {url}", nl=True)
    if allow_runs:
        typer.echo(f"starting runs is on; token: {token}")
        typer.echo(f"open {url}?token={token}")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    try:
        server.run()
    except OSError as exc:
        raise AccordError(f"--port {port}: {exc.strerror or exc}") from None
