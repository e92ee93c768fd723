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


member_app = typer.Typer(help="Members of a workspace and their roles.", no_args_is_help=True)
app.add_typer(member_app, name="member")


@member_app.command("list")
def member_list(
    ctx: typer.Context,
    workspace: str = typer.Argument(..., metavar="WORKSPACE"),
    output: OutputFormat | None = OutputOption,
) -> None:
    """List a workspace's members.

    Example: basalt workspace member list vision
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        members = client.workspaces.members(workspace)
    if c.json:
        print_json(members)
    else:
        print_table(members, [("USER", lambda m: m.user), ("ROLE", lambda m: m.role)])


@member_app.command("add")
def member_add(
    ctx: typer.Context,
    workspace: str = typer.Argument(..., metavar="WORKSPACE"),
    user: str = typer.Argument(..., metavar="USER"),
    role: str = typer.Option(
        "Reader", "--role", help="Owner, Contributor, Reader or 'Data Labeler'."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Give a user a role in a workspace (replacing the one they had).

    Example: basalt workspace member add vision ana --role Contributor
    """
    from basalt.spec.auth import Role

    try:
        parsed = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise typer.BadParameter(f"--role must be one of {choices}, not {role!r}") from None
    c = ctx_of(ctx, output)
    with c.client() as client:
        member = client.workspaces.add_member(workspace, user, parsed)
    print_json(member) if c.json else say(f"{member.user} is now {member.role} in {workspace}")


@member_app.command("remove")
def member_remove(
    ctx: typer.Context,
    workspace: str = typer.Argument(..., metavar="WORKSPACE"),
    user: str = typer.Argument(..., metavar="USER"),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Take a user's role in a workspace away.

    Example: basalt workspace member remove vision ana
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        client.workspaces.remove_member(workspace, user)
    if c.json:
        print_json({"workspace": workspace, "user": user, "removed": True})
    else:
        say(f"Removed {user} from {workspace}")
