"""``basalt compute``: compute targets, the places jobs run (``local`` in every workspace)."""

from __future__ import annotations

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, parse_kv, pick_name
from basalt.cli.output import print_fields, print_json, print_table, say
from basalt.spec.compute import MAX_CONCURRENT_JOBS, Compute, ComputeCreate, ComputeType

app = typer.Typer(help="Compute targets: where jobs run.", no_args_is_help=True)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Compute name.")
ConcurrencyOpt = typer.Option(
    None,
    "--max-concurrent-jobs",
    min=1,
    max=MAX_CONCURRENT_JOBS,
    help="Jobs running at once (default: half the CPUs).",
)


@app.command("create")
def create(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    type_: ComputeType = typer.Option(ComputeType.LOCAL, "--type", "-t", help="Target type."),
    max_concurrent_jobs: int | None = ConcurrencyOpt,
    description: str | None = typer.Option(None, "--description", help="What it is."),
    tag: list[str] | None = typer.Option(None, "--tag", help="key=value (repeatable)."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a compute target.

    Example: basalt compute create --name cpu --type local --max-concurrent-jobs 2
    """
    c = ctx_of(ctx, output)
    fields: dict[str, object] = {"name": pick_name(name_arg, name), "type": type_}
    if max_concurrent_jobs is not None:
        fields["max_concurrent_jobs"] = max_concurrent_jobs
    if description is not None:
        fields["description"] = description
    tags = parse_kv(tag, "--tag")
    if tags is not None:
        fields["tags"] = tags
    body = ComputeCreate.model_validate(fields)
    with c.client() as client:
        made = client.compute.create(body)
    if c.json:
        print_json(made)
    else:
        say(
            f"Created compute '{made.name}' ({made.type.value}, {made.max_concurrent_jobs} at once)"
        )


@app.command("list")
def list_(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """List the workspace's compute targets.

    Example: basalt compute list -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.compute.list()
    if c.json:
        print_json(items)
    else:
        print_table(
            items,
            [
                ("NAME", lambda t: t.name),
                ("TYPE", lambda t: t.type.value),
                ("MAX JOBS", lambda t: t.max_concurrent_jobs),
                ("DESCRIPTION", lambda t: t.description),
                ("CREATED", lambda t: t.created_at),
            ],
        )


def _show_fields(target: Compute) -> None:
    print_fields(
        [
            ("name", target.name),
            ("type", target.type.value),
            ("max concurrent jobs", target.max_concurrent_jobs),
            ("description", target.description),
            ("tags", target.tags),
            ("created", target.created_at),
            ("updated", target.updated_at),
            ("created by", target.created_by),
        ]
    )


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one compute target.

    Example: basalt compute show local
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        target = client.compute.get(pick_name(name_arg, name))
    print_json(target) if c.json else _show_fields(target)


@app.command("update")
def update(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    max_concurrent_jobs: int | None = ConcurrencyOpt,
    description: str | None = typer.Option(None, "--description", help="New description."),
    tag: list[str] | None = typer.Option(None, "--tag", help="key=value; replaces the tags."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Change a target's concurrency, description or tags.

    Example: basalt compute update local --max-concurrent-jobs 4
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        target = client.compute.update(
            pick_name(name_arg, name),
            max_concurrent_jobs=max_concurrent_jobs,
            description=description,
            tags=parse_kv(tag, "--tag"),
        )
    if c.json:
        print_json(target)
    else:
        say(f"Updated compute '{target.name}' ({target.max_concurrent_jobs} at once)")


@app.command("delete")
def delete(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Remove a compute target (not 'local', and not while jobs run on it).

    Example: basalt compute delete cpu --yes
    """
    c = ctx_of(ctx, output)
    target = pick_name(name_arg, name)
    if not yes and not typer.confirm(f"Delete compute '{target}'?"):
        raise typer.Abort()
    with c.client() as client:
        client.compute.delete(target)
    print_json({"name": target, "deleted": True}) if c.json else say(f"Deleted compute '{target}'")
