"""``basalt batch-deployment``: a model, its scoring code and mini-batch settings."""

from __future__ import annotations

from pathlib import Path

import typer

from basalt.cli._overrides import nested_sets
from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import hint, print_fields, print_json, print_table, say
from basalt.spec.batch_endpoints import BatchDeployment, BatchDeploymentCreate

app = typer.Typer(
    help="Batch deployments: a model with its scoring script behind a batch endpoint.",
    no_args_is_help=True,
)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Deployment name.")
EndpointOpt = typer.Option(None, "--endpoint-name", "-e", help="Batch endpoint name.")
RequiredEndpoint = typer.Option(..., "--endpoint-name", "-e", help="Batch endpoint name.")
SetOpt = typer.Option(
    [], "--set", help="Override a field, e.g. --set settings.mini_batch_size=5 (repeatable)."
)


def _summary(d: BatchDeployment) -> str:
    s = d.settings
    default = ", the endpoint's default" if d.is_default else ""
    return (
        f"Batch deployment '{d.name}' of endpoint '{d.endpoint_name}'{default}: model "
        f"{d.model or '-'}, compute {d.compute}, {d.resources.instance_count} instance(s) x "
        f"{s.max_concurrency_per_instance}, mini-batches of {s.mini_batch_size} files"
    )


def _show(d: BatchDeployment) -> None:
    s = d.settings
    print_fields(
        [
            ("name", d.name),
            ("endpoint", d.endpoint_name),
            ("default", d.is_default),
            ("model", d.model),
            (
                "scoring script",
                d.code_configuration.scoring_script
                if d.code_configuration
                else "none (no-code: Basalt's loader for the model)",
            ),
            ("code files", d.code_files),
            ("environment", d.environment),
            ("compute", d.compute),
            ("instances", d.resources.instance_count),
            ("max concurrency per instance", s.max_concurrency_per_instance),
            ("mini batch size", s.mini_batch_size),
            ("output", f"{s.output_action.value} to {s.output_file_name}"),
            ("retries", f"{s.retry_settings.max_retries} (timeout {s.retry_settings.timeout} s)"),
            ("error threshold", s.error_threshold),
            ("description", d.description),
            ("tags", d.tags),
            ("created", d.created_at),
            ("updated", d.updated_at),
        ]
    )


def _load(
    file: Path, name: str | None, endpoint: str | None, sets: list[str]
) -> BatchDeploymentCreate:
    from basalt.spec.batch_endpoint_yaml import load_batch_deployment

    extra = [f"name={name}"] if name else []
    extra += [f"endpoint_name={endpoint}"] if endpoint else []
    loaded = load_batch_deployment(file, [*sets, *extra])
    for warning in loaded.warnings:
        hint(f"warning: {warning}")
    return loaded.body


@app.command("create")
def create(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--file", "-f", help="Batch deployment YAML file."),
    name: str | None = NameOpt,
    endpoint_name: str | None = EndpointOpt,
    set_default: bool = typer.Option(
        False, "--set-default", help="Make it the endpoint's default deployment."
    ),
    set_: list[str] = SetOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a batch deployment from its YAML; the code folder and a local model are uploaded.

    Example: basalt batch-deployment create -f deployment.yml --set-default
    """
    c = ctx_of(ctx, output)
    body = _load(file, name, endpoint_name, set_)
    with c.client() as client:
        made = client.batch_deployments.create(body)
        if set_default and not made.is_default:
            client.batch_endpoints.update(made.endpoint_name, default_deployment=made.name)
            made = client.batch_deployments.get(made.name, made.endpoint_name)
    if c.json:
        print_json(made)
    else:
        say(_summary(made))


@app.command("update")
def update(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    endpoint_name: str | None = EndpointOpt,
    file: Path | None = typer.Option(None, "--file", "-f", help="Batch deployment YAML file."),
    set_: list[str] = SetOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Redeploy from the YAML (new model or code), or change settings with --set.

    Example: basalt batch-deployment update -n d1 -e heart --set settings.error_threshold=10
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        if file is not None:
            body = _load(file, name or name_arg, endpoint_name, set_)
            made = client.batch_deployments.begin_create_or_update(body).result()
        else:
            if endpoint_name is None:
                raise typer.BadParameter("give --endpoint-name (or -f deployment.yml)")
            made = client.batch_deployments.update(
                pick_name(name_arg, name), endpoint_name, **nested_sets(set_)
            )
    if c.json:
        print_json(made)
    else:
        say(_summary(made))


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    endpoint_name: str = RequiredEndpoint,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one batch deployment with its settings.

    Example: basalt batch-deployment show --name d1 --endpoint-name heart
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        d = client.batch_deployments.get(pick_name(name_arg, name), endpoint_name)
    if c.json:
        print_json(d)
    else:
        _show(d)


@app.command("list")
def list_(
    ctx: typer.Context,
    endpoint_name: str = RequiredEndpoint,
    output: OutputFormat | None = OutputOption,
) -> None:
    """List a batch endpoint's deployments.

    Example: basalt batch-deployment list --endpoint-name heart
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.batch_deployments.list(endpoint_name)
    if c.json:
        print_json(items)
        return
    print_table(
        items,
        [
            ("NAME", lambda d: d.name),
            ("DEFAULT", lambda d: "yes" if d.is_default else ""),
            ("MODEL", lambda d: d.model or ""),
            ("COMPUTE", lambda d: d.compute),
            ("MINI-BATCH", lambda d: d.settings.mini_batch_size),
            ("ENVIRONMENT", lambda d: d.environment),
        ],
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    endpoint_name: str = RequiredEndpoint,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Delete a batch deployment; its model version is released.

    Example: basalt batch-deployment delete --name d1 --endpoint-name heart --yes
    """
    c = ctx_of(ctx, output)
    target = pick_name(name_arg, name)
    if not yes and not typer.confirm(f"Delete batch deployment '{target}' of '{endpoint_name}'?"):
        raise typer.Abort()
    with c.client() as client:
        client.batch_deployments.begin_delete(target, endpoint_name)
    if c.json:
        print_json({"name": target, "endpoint_name": endpoint_name, "deleted": True})
    else:
        say(f"Deleted batch deployment '{target}' of batch endpoint '{endpoint_name}'")
