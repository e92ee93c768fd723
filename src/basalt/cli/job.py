"""``basalt job``: runs and jobs, their metrics and output files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import fmt, print_fields, print_json, print_table, say
from basalt.spec.runs import Run

app = typer.Typer(help="Jobs and runs: list, inspect, metrics, output files.", no_args_is_help=True)

NameArg = typer.Argument(None, metavar="NAME", help="Job or run name.")
NameOpt = typer.Option(None, "--name", "-n", help="Job or run name.")


# The fields of ``basalt job list --output json``; ``job show`` prints the whole record.
_SUMMARY_FIELDS = (
    "name",
    "display_name",
    "experiment_name",
    "status",
    "kind",
    "created_at",
    "start_time",
    "end_time",
    "duration_s",
    "metrics",
    "params",
    "tags",
)


def _summary(run: Run) -> dict[str, object]:
    # NOTE: model_dump(mode="json") so dates are written exactly as in `job show` and the API.
    dumped: dict[str, object] = run.model_dump(mode="json", include=set(_SUMMARY_FIELDS))
    return {key: dumped[key] for key in _SUMMARY_FIELDS}


@app.command("list")
def list_(
    ctx: typer.Context,
    experiment: str | None = typer.Option(None, "--experiment", "-e", help="Only this experiment."),
    filter: str | None = typer.Option(
        None, "--filter", help="e.g. \"metrics.accuracy > 0.9 and status = 'Completed'\"."
    ),
    order_by: list[str] = typer.Option(
        [], "--order-by", help="e.g. 'metrics.accuracy DESC' (repeatable)."
    ),
    max_results: int = typer.Option(50, "--max-results", "-m", min=1, help="At most this many."),
    include_archived: bool = typer.Option(
        False, "--include-archived", help="Show archived runs too."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """List jobs and runs, newest first.

    Example: basalt job list --filter "metrics.accuracy > 0.9" --order-by "metrics.accuracy DESC"
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        runs = client.jobs.list(
            experiment_name=experiment,
            filter=filter,
            order_by=order_by,
            max_results=max_results,
            include_archived=include_archived,
        )
    if c.json:
        print_json([_summary(r) for r in runs])
        return
    keys = sorted({k for r in runs for k in r.metrics})[:4]
    columns = [
        ("NAME", lambda r: r.name),
        ("DISPLAY NAME", lambda r: r.display_name),
        ("STATUS", lambda r: r.status.value),
        ("EXPERIMENT", lambda r: r.experiment_name),
        ("CREATED", lambda r: r.created_at),
    ]
    columns += [(k.upper(), (lambda key: lambda r: r.metrics.get(key))(k)) for k in keys]
    if not runs:
        say(
            "No runs match."
            if filter or experiment
            else "No runs yet: log one with basalt.start_run() in a script."
        )
        return
    print_table(runs, columns)


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one job or run: status history, params, tags, latest metrics.

    Example: basalt job show calm_ocean_dj9wmpek3y
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        run = client.jobs.get(pick_name(name_arg, name))
    if c.json:
        print_json(run)
        return
    fields: list[tuple[str, object]] = [
        ("name", run.name),
        ("display name", run.display_name),
        ("experiment", run.experiment_name),
        ("kind", run.kind),
        ("status", run.status.value),
        ("created", run.created_at),
        ("started", run.start_time),
        ("ended", run.end_time),
        ("duration", f"{run.duration_s:.1f}s" if run.duration_s is not None else None),
        ("description", run.description or None),
        ("parent", run.parent_name),
        ("children", ", ".join(run.children) or None),
        ("archived", "yes" if run.archived else None),
        ("error", run.error.message if run.error else None),
    ]
    print_fields([(k, v) for k, v in fields if v is not None])
    for title, mapping in (
        ("params", run.params),
        ("tags", run.tags),
        ("metrics (latest)", run.metrics),
    ):
        if mapping:
            print_table(
                sorted(mapping.items()),
                [("KEY", lambda kv: kv[0]), ("VALUE", lambda kv: kv[1])],
                title=title,
            )
    history = " → ".join(f"{h.status.value} ({fmt(h.at)})" for h in run.status_history)
    say(f"history: {history}")


@app.command("metrics")
def metrics(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    key: str | None = typer.Argument(
        None, metavar="KEY", help="Metric key; omit to list the latest of each."
    ),
    name: str | None = NameOpt,
    max_points: int | None = typer.Option(
        None, "--max-points", min=2, help="Downsample to about this many points."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show a run's metrics: the latest of each, or the history of KEY.

    Example: basalt job metrics calm_ocean_dj9wmpek3y loss --max-points 100
    """
    c = ctx_of(ctx, output)
    if name and name_arg and key is None:  # basalt job metrics -n NAME KEY
        name_arg, key = None, name_arg
    run_name = pick_name(name_arg, name)
    with c.client() as client:
        if key is None:
            run = client.jobs.get(run_name)
            if c.json:
                print_json(run.metrics)
            elif not run.metrics:
                say(f"Run '{run.name}' has no metrics yet.")
            else:
                print_table(
                    sorted(run.metrics.items()),
                    [("KEY", lambda kv: kv[0]), ("LATEST", lambda kv: kv[1])],
                )
            return
        series = client.jobs.get_metric_history(run_name, key, max_points=max_points)
    if c.json:
        print_json(series)
        return
    rows = list(zip(series.steps, series.values, series.timestamps, strict=True))
    count = (
        f"{len(rows)} of {series.total_points} points, downsampled"
        if series.downsampled
        else f"{len(rows)} points"
    )
    print_table(
        rows,
        [
            ("STEP", lambda r: r[0]),
            ("VALUE", lambda r: r[1]),
            ("LOGGED", lambda r: datetime.fromtimestamp(r[2] / 1000, tz=UTC)),
        ],
        title=f"{key} ({count})",
    )


@app.command("download")
def download(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    download_path: Path = typer.Option(
        Path("."), "--download-path", "-p", help="Folder to write into."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Download a run's output files into DOWNLOAD_PATH/NAME.

    Example: basalt job download calm_ocean_dj9wmpek3y --download-path ./results
    """
    c = ctx_of(ctx, output)
    run_name = pick_name(name_arg, name)
    target = download_path / run_name
    with c.client() as client:
        files = client.jobs.download(run_name, target)
    if c.json:
        print_json([str(f) for f in files])
    else:
        say(f"Downloaded {len(files)} file(s) to {target}")


@app.command("archive")
def archive(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Hide a run from lists (it stays readable by name)."""
    c = ctx_of(ctx, output)
    with c.client() as client:
        run = client.jobs.archive(pick_name(name_arg, name))
    print_json(run) if c.json else say(f"Archived {run.name}")


@app.command("restore")
def restore(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show an archived run in lists again."""
    c = ctx_of(ctx, output)
    with c.client() as client:
        run = client.jobs.restore(pick_name(name_arg, name))
    print_json(run) if c.json else say(f"Restored {run.name}")
