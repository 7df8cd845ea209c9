"""Entry point: the typer app, its verbs, and one-line errors with exit code 2."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from accord.cli import agent, export, generate, importer, natsconfig, run, schema, serve, show
from accord.model.errors import AccordError

app = typer.Typer(
    name="accord", no_args_is_help=True, add_completion=False,
    help="Distributed timetabling by negotiating agents.",
)
app.command("run")(run.run)
app.command("agent")(agent.agent)
app.command("nats-config")(natsconfig.nats_config)
app.command("schema")(schema.schema)
app.command("show")(show.show)
app.command("export")(export.export)
app.command("serve")(serve.serve)
app.add_typer(generate.app, name="generate")
app.add_typer(importer.app, name="import")

err = Console(stderr=True)


def main() -> None:
    """Run the CLI; an AccordError becomes one line on stderr and exit code 2."""
    try:
        app()
    except AccordError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
