"""``basalt job``: runs and jobs, their metrics and output files."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import fmt, hint, print_fields, print_json, print_table, say
from basalt.client.client import Client
from basalt.spec.runs import Run

app = typer.Typer(
    help="Jobs and runs: submit, follow, cancel, list, inspect, metrics, output files.",
    no_args_is_help=True,
)

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


# --- submitting and following jobs -----------------------------------------------------------

# NOTE: 2 is taken by usage mistakes (see docs/cli.md), so a canceled job exits 3.
_EXIT = {"Completed": 0, "Failed": 1, "Canceled": 3}


@app.command("create")
def create(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--file", "-f", help="Job YAML (Azure ML CLI v2 shape)."),
    set_: list[str] = typer.Option(
        [], "--set", help="Override a field, e.g. --set inputs.lr=0.01 (repeatable)."
    ),
    name: str | None = typer.Option(None, "--name", "-n", help="Job name (default: generated)."),
    experiment: str | None = typer.Option(
        None, "--experiment-name", "-e", help="Experiment (overrides the file's)."
    ),
    stream_: bool = typer.Option(
        False, "--stream", help="Follow the log; exit with the job's outcome."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Submit a job from a YAML file; it runs in the background unless --stream.

    Example: basalt job create -f job.yml --set inputs.lr=0.01 --stream
    """
    from basalt.spec.job_yaml import load_job

    c = ctx_of(ctx, output)
    overrides = list(set_)
    if name:
        overrides.append(f"name={name}")
    if experiment:
        overrides.append(f"experiment_name={experiment}")
    loaded = load_job(file, overrides)
    for warning in loaded.warnings:
        hint(f"warning: {warning}")
    with c.client() as client:
        run = client.jobs.create_or_update(loaded)
        if not stream_:
            if c.json:
                print_json(run)
            else:
                say(f"Submitted job {run.name} ({run.status.value}) to {_compute(run)}")
                say(f"Follow it with: basalt job stream {run.name}")
            return
        if not c.json:
            say(
                f"Submitted job {run.name}; streaming its log (Ctrl-C stops following, not the job)"
            )
        run = _follow(client, run.name, quiet=c.json)
    if c.json:
        print_json(run)
    raise typer.Exit(_EXIT.get(run.status.value, 1))


@app.command("stream")
def stream(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
) -> None:
    """Follow a job's log until it ends; exit with its outcome (0 Completed, 1 Failed, 3 Canceled).

    Example: basalt job stream calm_ocean_dj9wmpek3y
    """
    c = ctx_of(ctx)
    with c.client() as client:
        run = _follow(client, pick_name(name_arg, name), quiet=False)
    raise typer.Exit(_EXIT.get(run.status.value, 1))


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Cancel a job: a queued one at once, a running one by stopping its whole process tree.

    Example: basalt job cancel calm_ocean_dj9wmpek3y
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        run = client.jobs.begin_cancel(pick_name(name_arg, name))
    if c.json:
        print_json(run)
    elif run.status.is_terminal():
        say(f"Canceled {run.name}")
    else:
        say(f"Canceling {run.name}; its runner is stopping it")


@app.command("delete")
def delete(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Delete a finished job: its record, metrics, child runs, logs and output files.

    Model and data versions it produced stay (their lineage keeps the job's name).

    Example: basalt job delete calm_ocean_dj9wmpek3y --yes
    """
    c = ctx_of(ctx, output)
    job_name = pick_name(name_arg, name)
    if not yes and not typer.confirm(f"Delete job '{job_name}' with its metrics and files?"):
        raise typer.Abort()
    with c.client() as client:
        client.jobs.delete(job_name)
    print_json({"name": job_name, "deleted": True}) if c.json else say(f"Deleted job {job_name}")


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
    # The runner's system/* samples go last: people compare runs on what they logged.
    ordered = sorted(
        {k for r in runs for k in r.metrics}, key=lambda k: (k.startswith("system/"), k)
    )
    keys = ordered[:4]
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
        *_job_fields(run),
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
    output_name: str | None = typer.Option(
        None, "--output-name", help="Only this named output of the job."
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
        files = client.jobs.download(run_name, target, output_name=output_name)
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


def _follow(client: Client, name: str, *, quiet: bool) -> Run:
    try:
        run = client.jobs.stream(name, out=io.StringIO() if quiet else None)
    except KeyboardInterrupt:
        hint(f"Stopped following; the job goes on. Re-attach with: basalt job stream {name}")
        raise typer.Exit(130) from None
    if not quiet:
        say(f"Job {run.name} {run.status.value}")
        if run.error is not None and run.status.value != "Completed":
            hint(run.error.message.splitlines()[0])
    return run


def _job_fields(run: Run) -> list[tuple[str, object]]:
    """What a job adds to ``job show``: where and in what it ran, the command, the code's git."""
    if run.kind != "job" or not isinstance(run.spec, dict):
        return []
    job = run.spec.get("job", {})
    resolved = run.spec.get("resolved", {})
    props = run.properties
    commit = props.get("basalt.git.commit")
    git = None
    if commit:
        dirty = " (dirty)" if props.get("basalt.git.dirty") == "True" else ""
        git = f"{commit[:12]} on {props.get('basalt.git.branch', '?')}{dirty}"
    return [
        ("type", job.get("type", "command")),
        ("compute", _compute(run)),
        ("environment", resolved.get("environment", {}).get("ref")),
        ("command", job.get("command") or job.get("trial", {}).get("command")),
        ("git", git),
    ]


def _compute(run: Run) -> str:
    return run.properties.get("basalt.compute", "local")
