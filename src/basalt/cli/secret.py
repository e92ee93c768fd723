"""``basalt secret``: the workspace vault (values encrypted at rest, never listed)."""

from __future__ import annotations

import sys

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import print_json, print_table, say

app = typer.Typer(help="Secrets: the workspace's encrypted vault.", no_args_is_help=True)

NameArg = typer.Argument(None, metavar="NAME")
NameOption = typer.Option(None, "--name", "-n", help="Secret name.")


def _read_value(value: str | None) -> str:
    """The value from --value, else stdin (one trailing newline dropped), else a hidden prompt."""
    if value is not None:
        return value
    if sys.stdin.isatty():
        entered: str = typer.prompt("Value", hide_input=True)
        return entered
    text = sys.stdin.read()
    return text[:-1] if text.endswith("\n") else text


@app.command("set")
def set_(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOption,
    value: str | None = typer.Option(
        None,
        "--value",
        help="The value (it may stay in your shell history; prefer stdin or the prompt).",
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a secret or replace its value; the value is read from stdin unless --value.

    Example: printf %s "$DB_PASSWORD" | basalt secret set db-password
    """
    c = ctx_of(ctx, output)
    secret_name = pick_name(name_arg, name)
    secret_value = _read_value(value)
    with c.client() as client:
        meta = client.secrets.set(secret_name, secret_value)
    print_json(meta) if c.json else say(f"Set secret '{meta.name}'")


@app.command("list")
def list_(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """List secrets: names, who set them and when (never values).

    Example: basalt secret list -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.secrets.list()
    if c.json:
        print_json(items)
    elif not items:
        say("No secrets yet: 'basalt secret set NAME' stores one.")
    else:
        print_table(
            items,
            [
                ("NAME", lambda s: s.name),
                ("SET BY", lambda s: s.updated_by),
                ("UPDATED", lambda s: s.updated_at),
                ("CREATED", lambda s: s.created_at),
            ],
        )


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOption,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Print a secret's value.

    Example: export DB_PASSWORD="$(basalt secret show db-password)"
    """
    c = ctx_of(ctx, output)
    secret_name = pick_name(name_arg, name)
    with c.client() as client:
        value = client.secrets.get(secret_name)
    if c.json:
        print_json({"name": secret_name, "value": value})
    else:
        sys.stdout.write(value + "\n")


@app.command("delete")
def delete(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOption,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Remove a secret.

    Example: basalt secret delete db-password
    """
    c = ctx_of(ctx, output)
    secret_name = pick_name(name_arg, name)
    with c.client() as client:
        client.secrets.delete(secret_name)
    if c.json:
        print_json({"name": secret_name, "deleted": True})
    else:
        say(f"Deleted secret '{secret_name}'")


@app.command("rotate-key")
def rotate_key(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """Re-encrypt every secret under a new vault key, then replace the key file.

    Example: basalt secret rotate-key
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        done = client.secrets.rotate_key()
    if c.json:
        print_json(done)
    else:
        say(
            f"Rotated the vault key {done.old_key_id or '(none)'} -> {done.new_key_id}; "
            f"re-encrypted {done.secrets} secret(s)"
        )
