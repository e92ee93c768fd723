"""``basalt workspace``: workspaces of a server store."""

from __future__ import annotations

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import print_fields, print_json, print_table, say

app = typer.Typer(
    help="Workspaces (a server holds many; an embedded folder is one).", no_args_is_help=True
)


@app.command("list")
def list_(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """List workspaces.

    Example: basalt --url http://127.0.0.1:5280 workspace list
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.workspaces.list()
    if c.json:
        print_json(items)
    else:
        print_table(
            items,
            [
                ("NAME", lambda w: w.name),
                ("CREATED", lambda w: w.created_at),
                ("DESCRIPTION", lambda w: w.description),
            ],
        )


@app.command("create")
def create(
    ctx: typer.Context,
    name_arg: str | None = typer.Argument(None, metavar="NAME"),
    name: str | None = typer.Option(None, "--name", "-n", help="Workspace name."),
    description: str = typer.Option("", "--description", help="What it is for."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a workspace.

    Example: basalt --url http://127.0.0.1:5280 workspace create vision --description "Team V"
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        ws = client.workspaces.create(pick_name(name_arg, name), description)
    print_json(ws) if c.json else say(f"Created workspace '{ws.name}'")


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = typer.Argument(None, metavar="NAME"),
    name: str | None = typer.Option(None, "--name", "-n", help="Workspace name."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one workspace.

    Example: basalt workspace show default
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        ws = client.workspaces.get(pick_name(name_arg, name))
    if c.json:
        print_json(ws)
    else:
        print_fields(
            [("name", ws.name), ("description", ws.description), ("created", ws.created_at)]
        )
