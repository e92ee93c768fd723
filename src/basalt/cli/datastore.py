"""``basalt datastore``: named connections to storage; credentials go to the vault."""

from __future__ import annotations

from pathlib import Path

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import print_fields, print_json, print_table, say
from basalt.spec.datastores import Datastore

app = typer.Typer(
    help="Datastores: local folders, S3 buckets, Azure Blob containers.", no_args_is_help=True
)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Datastore name.")


def _where(d: Datastore) -> str:
    """Where a datastore points, in one short phrase."""
    if d.bucket:
        return f"s3://{d.bucket}" + (f" at {d.endpoint_url}" if d.endpoint_url else "")
    if d.container_name or d.filesystem:
        url = d.account_url or f"{d.account_name}.{d.endpoint or 'core.windows.net'}"
        return f"{d.container_name or d.filesystem} at {url}"
    if d.path:
        return d.path
    return "the workspace's artifact store"


@app.command("create")
def create(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--file", "-f", help="Datastore YAML file."),
    skip_validation: bool = typer.Option(
        False, "--skip-validation", help="Do not check the credentials with a request."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a datastore from a YAML file (Azure ML's datastore YAML; also type s3 and local).

    Example: basalt datastore create -f s3.yml
    """
    from basalt.spec.datastore_yaml import load_datastore_yaml

    c = ctx_of(ctx, output)
    body = load_datastore_yaml(file)
    with c.client() as client:
        made = client.datastores.create(body, skip_validation=skip_validation)
    if c.json:
        print_json(made)
    else:
        say(f"Created datastore '{made.name}' ({made.type.value}, {_where(made)})")


@app.command("list")
def list_(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """List the workspace's datastores, built-ins included (credentials never shown).

    Example: basalt datastore list -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.datastores.list()
    if c.json:
        print_json(items)
    else:
        print_table(
            items,
            [
                ("NAME", lambda d: d.name + (" (default)" if d.is_default else "")),
                ("TYPE", lambda d: d.type.value),
                ("WHERE", _where),
                ("CREDENTIALS", lambda d: d.credential_type.value),
                ("CREATED", lambda d: d.created_at or ""),
            ],
        )


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one datastore (credentials masked).

    Example: basalt datastore show my_s3
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        d = client.datastores.get(pick_name(name_arg, name))
    if c.json:
        print_json(d)
        return
    settings = d.model_dump(
        include={
            "account_name",
            "container_name",
            "filesystem",
            "endpoint",
            "protocol",
            "account_url",
            "bucket",
            "endpoint_url",
            "region",
            "path",
        },
        exclude_none=True,
    )
    print_fields(
        [
            ("name", d.name),
            ("type", d.type.value),
            *sorted(settings.items()),
            ("credential type", d.credential_type.value),
            ("credentials", d.credentials),
            ("default", d.is_default),
            ("description", d.description),
            ("tags", d.tags),
            ("created", d.created_at),
            ("created by", d.created_by),
        ]
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Remove a datastore and its credentials; its files stay where they are.

    Example: basalt datastore delete my_s3 --yes
    """
    c = ctx_of(ctx, output)
    target = pick_name(name_arg, name)
    if not yes and not typer.confirm(f"Delete datastore '{target}'?"):
        raise typer.Abort()
    with c.client() as client:
        client.datastores.delete(target)
    if c.json:
        print_json({"name": target, "deleted": True})
    else:
        say(f"Deleted datastore '{target}'")
