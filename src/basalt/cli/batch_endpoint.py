"""``basalt batch-endpoint``: names whose invocation starts a batch scoring job."""

from __future__ import annotations

from pathlib import Path

import typer

from basalt.cli._overrides import nested_sets
from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import hint, print_fields, print_json, print_table, say
from basalt.spec.batch_endpoints import BatchEndpoint, BatchEndpointCreate, BatchJobProgress

app = typer.Typer(
    help="Batch endpoints: score files or data assets in parallel, as jobs.",
    no_args_is_help=True,
)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Batch endpoint name.")
SetOpt = typer.Option([], "--set", help="Override a field, e.g. --set description=text.")


def _show(e: BatchEndpoint) -> None:
    print_fields(
        [
            ("name", e.name),
            ("default deployment", e.default_deployment or "-"),
            ("deployments", ", ".join(e.deployments) or "-"),
            ("invocation uri", e.invocation_uri),
            ("description", e.description),
            ("tags", e.tags),
            ("created", e.created_at),
            ("created by", e.created_by),
        ]
    )


def _load(file: Path, name: str | None, sets: list[str]) -> BatchEndpointCreate:
    from basalt.spec.batch_endpoint_yaml import load_batch_endpoint

    loaded = load_batch_endpoint(file, [*sets, *([f"name={name}"] if name else [])])
    for warning in loaded.warnings:
        hint(f"warning: {warning}")
    return loaded.body


@app.command("create")
def create(
    ctx: typer.Context,
    file: Path | None = typer.Option(None, "--file", "-f", help="Batch endpoint YAML file."),
    name: str | None = NameOpt,
    set_: list[str] = SetOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a batch endpoint from its YAML (or just --name).

    Example: basalt batch-endpoint create -f endpoint.yml
    """
    c = ctx_of(ctx, output)
    if file is not None:
        body = _load(file, name, set_)
    elif name is not None:
        body = BatchEndpointCreate.model_validate({"name": name})
    else:
        raise typer.BadParameter("give -f endpoint.yml or --name")
    with c.client() as client:
        made = client.batch_endpoints.create(body)
    if c.json:
        print_json(made)
    else:
        say(f"Created batch endpoint '{made.name}'")


@app.command("update")
def update(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    file: Path | None = typer.Option(None, "--file", "-f", help="Batch endpoint YAML file."),
    set_: list[str] = SetOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Update from the YAML, or change fields with --set (defaults.deployment_name=NAME).

    Example: basalt batch-endpoint update --name heart --set defaults.deployment_name=v2
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        if file is not None:
            made = client.batch_endpoints.begin_create_or_update(
                _load(file, name or name_arg, set_)
            ).result()
        else:
            fields = nested_sets(set_)
            defaults = fields.pop("defaults", None)
            if isinstance(defaults, dict) and "deployment_name" in defaults:
                fields["default_deployment"] = defaults["deployment_name"]
            made = client.batch_endpoints.update(pick_name(name_arg, name), **fields)
    if c.json:
        print_json(made)
    else:
        say(f"Updated batch endpoint '{made.name}' (default deployment {made.default_deployment})")


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one batch endpoint.

    Example: basalt batch-endpoint show heart
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        e = client.batch_endpoints.get(pick_name(name_arg, name))
    if c.json:
        print_json(e)
    else:
        _show(e)


@app.command("list")
def list_(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """List the workspace's batch endpoints.

    Example: basalt batch-endpoint list -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.batch_endpoints.list()
    if c.json:
        print_json(items)
        return
    print_table(
        items,
        [
            ("NAME", lambda e: e.name),
            ("DEFAULT", lambda e: e.default_deployment or ""),
            ("DEPLOYMENTS", lambda e: ", ".join(e.deployments)),
            ("CREATED", lambda e: e.created_at or ""),
        ],
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Delete a batch endpoint and its deployments (the jobs it started stay).

    Example: basalt batch-endpoint delete heart --yes
    """
    c = ctx_of(ctx, output)
    target = pick_name(name_arg, name)
    if not yes and not typer.confirm(f"Delete batch endpoint '{target}' and its deployments?"):
        raise typer.Abort()
    with c.client() as client:
        client.batch_endpoints.begin_delete(target)
    if c.json:
        print_json({"name": target, "deleted": True})
    else:
        say(f"Deleted batch endpoint '{target}'")


@app.command("invoke")
def invoke(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    input_: str = typer.Option(
        ..., "--input", "-i", help="azureml:data@latest, azureml:data:1, or a local file/folder."
    ),
    deployment_name: str | None = typer.Option(
        None, "--deployment-name", "-d", help="Run this deployment (default: the default one)."
    ),
    experiment: str | None = typer.Option(
        None, "--experiment-name", "-e", help="The job's experiment (default: the endpoint)."
    ),
    stream_: bool = typer.Option(
        False, "--stream", help="Follow the job's log; exit with its outcome."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Start a batch scoring job over the input's files.

    Example: basalt batch-endpoint invoke --name heart --input azureml:heart-data@latest
    """
    from basalt.cli.job import _EXIT, _follow

    c = ctx_of(ctx, output)
    with c.client() as client:
        run = client.batch_endpoints.invoke(
            pick_name(name_arg, name), input_, deployment_name, experiment_name=experiment
        )
        if not stream_:
            if c.json:
                print_json(run)
            else:
                say(f"Submitted batch scoring job {run.name} ({run.status.value})")
                say(f"Follow it with: basalt job stream {run.name}")
            return
        if not c.json:
            say(f"Submitted batch scoring job {run.name}; streaming its log")
        run = _follow(client, run.name, quiet=c.json)
    if c.json:
        print_json(run)
    raise typer.Exit(_EXIT.get(run.status.value, 1))


def _progress(j: BatchJobProgress) -> str:
    if j.mini_batches_total is None:
        return "-"
    done, failed = j.mini_batches_done or 0, j.mini_batches_failed or 0
    return f"{done}/{j.mini_batches_total} done, {failed} failed"


@app.command("list-jobs")
def list_jobs(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """List the endpoint's scoring jobs with their mini-batch progress.

    Example: basalt batch-endpoint list-jobs --name heart
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.batch_endpoints.list_jobs(pick_name(name_arg, name))
    if c.json:
        print_json(items)
        return
    print_table(
        items,
        [
            ("JOB", lambda j: j.name),
            ("STATUS", lambda j: j.status),
            ("DEPLOYMENT", lambda j: j.deployment or ""),
            ("MINI-BATCHES", _progress),
            ("CREATED", lambda j: j.created_at or ""),
        ],
    )
