"""Root of the ``basalt`` command: global options, nouns, and errors as one clear line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import typer

from basalt._version import __version__
from basalt.cli import (
    audit,
    batch_deployment,
    batch_endpoint,
    component,
    compute,
    data,
    datastore,
    db,
    environment,
    experiment,
    gc,
    importer,
    init,
    job,
    lineage,
    login,
    model,
    online_deployment,
    online_endpoint,
    secret,
    serve,
    server,
    studio,
    token,
    user,
    webhook,
    workspace,
)
from basalt.cli.context import Context, OutputFormat
from basalt.cli.output import error, hint
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
        None,
        "--workspace",
        "-w",
        help="Folder of (or below) the workspace; default: walk up from here.",
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
    ctx.obj = Context(
        workspace=workspace, url=url, workspace_name=workspace_name, output=output, debug=debug
    )
    if debug:
        from basalt.config import LoggingSettings
        from basalt.logging import configure_logging

        configure_logging(LoggingSettings(level="DEBUG"))


app.command("init")(init.init)
app.add_typer(workspace.app, name="workspace")
app.add_typer(experiment.app, name="experiment")
app.add_typer(job.app, name="job")
app.add_typer(model.app, name="model")
app.add_typer(data.app, name="data")
app.add_typer(environment.app, name="environment")
app.add_typer(component.app, name="component")
app.add_typer(compute.app, name="compute")
app.add_typer(datastore.app, name="datastore")
app.add_typer(online_endpoint.app, name="online-endpoint")
app.add_typer(online_deployment.app, name="online-deployment")
app.add_typer(batch_endpoint.app, name="batch-endpoint")
app.add_typer(batch_deployment.app, name="batch-deployment")
app.add_typer(secret.app, name="secret")
app.add_typer(server.app, name="server")
app.add_typer(audit.app, name="audit")
app.add_typer(webhook.events_app, name="event")
app.add_typer(webhook.app, name="webhook")
app.add_typer(db.app, name="db")
app.add_typer(importer.app, name="import")
app.add_typer(user.app, name="user")
app.add_typer(token.app, name="token")
app.command("login")(login.login)
app.command("gc")(gc.gc)
app.command("lineage")(lineage.lineage)
app.command("serve")(serve.serve)
app.command("studio")(studio.studio)


def run() -> None:
    """Console-script entry point: a user mistake is one line on stderr and exit code 1.

    Usage mistakes (unknown option, bad value) exit 2; Ctrl-C exits 130. ``--debug`` shows the
    traceback of unexpected errors and of BasaltErrors.
    """
    debug = "--debug" in sys.argv
    try:
        result = app(standalone_mode=False)
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
    except BrokenPipeError:
        # NOTE: `basalt job list | head` closed our stdout; say nothing and flush nowhere.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:
        if _is_usage_error(exc):
            _usage_error(exc)
        if debug:
            raise
        # NOTE: first line only: drivers append "Background on this error ..." lines.
        first = next(iter(str(exc).strip().splitlines()), "")
        error(
            f"unexpected {type(exc).__name__}: {first} (run again with --debug for the traceback)"
        )
        sys.exit(1)
    # NOTE: without standalone mode typer returns the code of a typer.Exit instead of raising.
    if isinstance(result, int) and not isinstance(result, bool) and result:
        sys.exit(result)


def _is_usage_error(exc: Exception) -> bool:
    """True for click's (or typer's vendored click's) exceptions meant for the user."""
    return isinstance(exc, typer.TyperException) or (
        hasattr(exc, "format_message") and hasattr(exc, "exit_code")
    )


def _usage_error(exc: Exception) -> NoReturn:
    """Report a command-line mistake as ``error: ...`` plus where to find help, then exit."""
    code = int(getattr(exc, "exit_code", 2))
    message = str(exc.format_message())  # type: ignore[attr-defined]
    if message:  # empty for "no arguments: help shown"
        error(message)
        ctx = getattr(exc, "ctx", None)
        command = getattr(ctx, "command_path", None)
        if command:
            hint(f"Try '{command} --help' for help.")
    sys.exit(code)


if __name__ == "__main__":
    run()
