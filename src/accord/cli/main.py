"""Entry point: the typer app, its verbs, and one-line errors with exit code 2."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from accord.cli import agent, export, generate, importer, natsconfig, run, schema, serve, show
from accord.cli.usage import paragraphs, usage_line
from accord.model.errors import AccordError

app = typer.Typer(
    name="accord", no_args_is_help=True, add_completion=False,
    help="Distributed timetabling by negotiating agents.",
)
for _name, _verb in (("run", run.run), ("agent", agent.agent), ("host", agent.host),
                     ("nats-config", natsconfig.nats_config), ("schema", schema.schema),
                     ("show", show.show), ("export", export.export), ("serve", serve.serve)):
    app.command(_name, help=paragraphs(_verb.__doc__))(_verb)
app.add_typer(generate.app, name="generate")
app.add_typer(importer.app, name="import")

err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def main() -> None:
    """Run the CLI; an AccordError or a usage error (a bad flag or value) becomes one line
    on stderr and exit code 2."""
    try:
        code = app(prog_name="accord", standalone_mode=False)
    except AccordError as exc:
        _fail(str(exc))
    except typer.TyperException as exc:  # click's usage errors (typer vendors click)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group name: its help
            if exc.format_message().strip():  # (the rich help is printed already)
                typer.echo(exc.format_message(), err=True)
            sys.exit(2)
        _fail(usage_line(exc), getattr(exc, "exit_code", 2))
    except typer.Abort:
        _fail("aborted", 1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
