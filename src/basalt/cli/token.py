"""``basalt token``: API tokens (personal, or service tokens for one workspace)."""

from __future__ import annotations

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import hint, print_json, print_table, say
from basalt.spec.auth import TokenCreated

app = typer.Typer(help="API tokens of a server.", no_args_is_help=True)


def parse_days(value: str | None) -> int | None:
    """``30d`` or ``30`` as a number of days (None for none)."""
    if value is None:
        return None
    text = value.strip().lower().removesuffix("d")
    if not text.isdigit() or int(text) < 1:
        raise typer.BadParameter(f"--expires {value!r} must be a number of days, such as 30d")
    return int(text)


def show_created(token: TokenCreated, as_json: bool) -> None:
    """Print a new token's secret, once, with a warning that it will not be shown again."""
    if as_json:
        print_json(token)
        return
    say(token.secret.get_secret_value())
    hint(
        f"Created token {token.id} ('{token.name}'). Copy the secret above now: "
        "it will not be shown again."
    )


@app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name", "-n", help="What the token is for."),
    expires: str | None = typer.Option(None, "--expires", help="Lifetime, e.g. 30d."),
    service: bool = typer.Option(
        False, "--service", help="A service token for one workspace (needs --workspace)."
    ),
    workspace: str | None = typer.Option(None, "--workspace", help="Service tokens: where."),
    role: str | None = typer.Option(None, "--role", help="Service tokens: e.g. Contributor."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a token and print its secret once.

    Example: basalt token create --name ci --service --workspace vision --role Contributor
    """
    c = ctx_of(ctx, output)
    if service and not workspace:
        raise typer.BadParameter("--service needs --workspace")
    if workspace and not service:
        raise typer.BadParameter("--workspace is for service tokens; add --service")
    with c.client() as client:
        token = client.tokens.create(
            name, expires_in_days=parse_days(expires), workspace=workspace, role=role
        )
    show_created(token, c.json)


@app.command("list")
def list_(
    ctx: typer.Context,
    everyone: bool = typer.Option(False, "--all", help="Everyone's tokens (administrators)."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """List your tokens (never their secrets).

    Example: basalt token list
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        tokens = client.tokens.list(everyone=everyone)
    if c.json:
        print_json(tokens)
    else:
        print_table(
            tokens,
            [
                ("ID", lambda t: t.id),
                ("NAME", lambda t: t.name),
                ("USER", lambda t: t.user),
                ("KIND", lambda t: t.kind),
                ("WORKSPACE", lambda t: t.workspace or ""),
                ("ROLE", lambda t: t.role or ""),
                ("EXPIRES", lambda t: t.expires_at or ""),
                ("REVOKED", lambda t: "yes" if t.revoked else ""),
                ("LAST USED", lambda t: t.last_used_at or ""),
            ],
        )


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: str = typer.Argument(..., metavar="ID"),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Revoke a token by its id (tok_...).

    Example: basalt token revoke tok_0123456789abcdef
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        token = client.tokens.revoke(token_id)
    print_json(token) if c.json else say(f"Revoked token {token.id} ('{token.name}')")
