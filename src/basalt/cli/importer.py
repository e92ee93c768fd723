"""``basalt import``: copy another tracking store into the workspace (``import mlflow``)."""

from __future__ import annotations

import sys
from typing import Any

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import print_json, print_table, say
from basalt.config import load_settings
from basalt.errors import InvalidArgumentError

app = typer.Typer(help="Copy another tracking store into this workspace.", no_args_is_help=True)


@app.command("mlflow")
def mlflow(
    ctx: typer.Context,
    tracking_uri: str = typer.Option(
        ...,
        "--tracking-uri",
        help="MLflow server (http://host:5000) or its database (sqlite:///mlflow.db, "
        "postgresql://...).",
    ),
    experiment: list[str] = typer.Option(
        [], "--experiment", "-e", help="Only this experiment (repeatable); default: all."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Compare only; write nothing."),
    store: str | None = typer.Option(None, "--store", help="Store URL; default: the workspace's."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Copy experiments, runs (same run ids), metrics, files and registered models from MLflow.

    Safe to run again: it copies only what is new. Writes into the workspace's store directly
    (embedded, like 'basalt db'), not through a server.

    Example: basalt import mlflow --tracking-uri sqlite:///mlflow.db
    """
    c = ctx_of(ctx, output)
    if c.url:
        raise InvalidArgumentError(
            "'basalt import mlflow' writes into a workspace's store, not through a server; "
            "run it in the workspace (or pass --workspace PATH or --store URL) instead of --url"
        )
    # NOTE: imported here so other commands never load SQLAlchemy or mlflow.
    from basalt.services.container import Services
    from basalt.services.mlflow_import import MlflowImporter
    from basalt.services.mlflow_source import MlflowClientSource

    settings = load_settings(c.workspace, **({"store": {"url": store}} if store else {}))
    settings.store_url()  # no workspace: one clear error before anything is opened
    source = MlflowClientSource(tracking_uri)
    from mlflow.environment_variables import MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR

    # NOTE: mlflow draws a bar per downloaded file on stderr; ours covers the runs.
    MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR.set("false")  # type: ignore[no-untyped-call]
    workspace = c.workspace_name or "default"
    with Services(settings, kick=False) as services, _progress(not c.json) as bar:
        report = MlflowImporter(services).run(
            source,
            workspace,
            experiments=experiment or None,
            dry_run=dry_run,
            on_runs=bar.start,
            on_run_done=bar.advance,
        )
    if c.json:
        print_json(report.to_dict())
        return
    verb = "Would copy" if dry_run else "Copied"
    rows = [(kind, n.copied, n.existing, n.failed) for kind, n in report.counts.items()]
    print_table(
        rows,
        [
            ("KIND", lambda r: r[0]),
            ("COPIED" if not dry_run else "TO COPY", lambda r: r[1]),
            ("ALREADY THERE", lambda r: r[2]),
            ("FAILED", lambda r: r[3]),
        ],
        title=f"{verb} from {report.source} into workspace '{report.workspace}'",
    )
    for f in report.failures:
        say(f"not copied: {f.kind} {f.item}: {f.reason}")


class _Bar:
    """A rich progress bar over runs, shown only when stdout is a terminal."""

    def __init__(self, show: bool) -> None:
        self.progress: Any = None
        self.task: Any = None
        if show and sys.stdout.isatty():
            from rich.progress import Progress

            self.progress = Progress(transient=True)

    def start(self, total: int) -> None:
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task("runs", total=total)

    def advance(self, _run_id: str) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _progress(show: bool) -> _Bar:
    return _Bar(show)
