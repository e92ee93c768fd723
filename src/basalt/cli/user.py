"""``basalt user``: accounts of a server (administrators)."""

from __future__ import annotations

import sys

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import print_json, print_table, say

app = typer.Typer(help="Users of a server (administrators only).", no_args_is_help=True)


def read_password(from_stdin: bool, prompt: str = "Password", confirm: bool = False) -> str:
    """A password from stdin (one trailing newline dropped) or a hidden prompt."""
    if from_stdin or not sys.stdin.isatty():
        text = sys.stdin.read()
        return text[:-1] if text.endswith("\n") else text
    entered: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return entered


@app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    admin: bool = typer.Option(False, "--admin", help="Make the user a server administrator."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read a password from stdin (for 'basalt login')."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a user; give a password with --password-stdin, or none (tokens only).

    Example: echo "$PW" | basalt user create ana --password-stdin
    """
    c = ctx_of(ctx, output)
    password = read_password(True) if password_stdin else None
    with c.client() as client:
        user = client.users.create(name, password=password or None, admin=admin)
    print_json(user) if c.json else say(f"Created user '{user.name}'")


@app.command("list")
def list_(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """List users.

    Example: basalt user list
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        users = client.users.list()
    if c.json:
        print_json(users)
    else:
        print_table(
            users,
            [
                ("NAME", lambda u: u.name),
                ("ADMIN", lambda u: "yes" if u.is_admin else ""),
                ("DISABLED", lambda u: "yes" if u.disabled else ""),
                ("CREATED", lambda u: u.created_at),
            ],
        )


@app.command("disable")
def disable(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Disable a user: their password and tokens stop working.

    Example: basalt user disable ana
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        user = client.users.disable(name)
    print_json(user) if c.json else say(f"Disabled user '{user.name}'")


@app.command("enable")
def enable(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Enable a disabled user again.

    Example: basalt user enable ana
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        user = client.users.enable(name)
    print_json(user) if c.json else say(f"Enabled user '{user.name}'")
