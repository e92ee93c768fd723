"""Root of the ``basalt`` command: global options, nouns, and errors as one clear line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from basalt._version import __version__
from basalt.cli import db, experiment, init, job, server, workspace
from basalt.cli.context import Context, OutputFormat
from basalt.cli.output import error
from basalt.errors import BasaltError

app = typer.Typer(
    name="basalt",
    help="Basalt: an open machine-learning workspace. Start with 'basalt init'.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"basalt {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Path | None = typer.Option(
        None, "--workspace", "-w", help="Folder of (or below) the workspace; default: walk up from here."
    ),
    url: str | None = typer.Option(None, "--url", help="A Basalt server (or set BASALT_URL)."),
    workspace_name: str | None = typer.Option(
        None, "--workspace-name", help="Workspace on the server (default 'default')."
    ),
    output: OutputFormat = typer.Option(
        OutputFormat.TABLE, "--output", "-o", help="table or json.", case_sensitive=False
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Basalt: an open machine-learning workspace."""
    ctx.obj = Context(workspace=workspace, url=url, workspace_name=workspace_name, output=output, debug=debug)
    if debug:
        from basalt.config import LoggingSettings
        from basalt.logging import configure_logging

        configure_logging(LoggingSettings(level="DEBUG"))


app.command("init")(init.init)
app.add_typer(workspace.app, name="workspace")
app.add_typer(experiment.app, name="experiment")
app.add_typer(job.app, name="job")
app.add_typer(server.app, name="server")
app.add_typer(db.app, name="db")


def run() -> None:
    """Console-script entry point: a user mistake is one line on stderr and exit code 1."""
    debug = "--debug" in sys.argv
    try:
        app(standalone_mode=False)
    except BasaltError as exc:
        if debug:
            raise
        error(exc.message)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        error("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(130)
    except Exception as exc:
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if debug:
            raise
        error(f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback)")
        sys.exit(1)


if __name__ == "__main__":
    run()
