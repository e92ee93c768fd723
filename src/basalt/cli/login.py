"""``basalt login``: sign in to a server and remember its URL and token for later commands."""

from __future__ import annotations

import getpass

import typer
from pydantic import SecretStr

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import print_json, say
from basalt.cli.user import read_password
from basalt.client.client import Client
from basalt.config import save_user_config
from basalt.spec import operations as ops
from basalt.spec.auth import LoginRequest, TokenCreated, User


def login(
    ctx: typer.Context,
    url: str | None = typer.Option(None, "--url", help="The server, e.g. http://host:5280."),
    user: str | None = typer.Option(None, "--user", "-u", help="Your user name."),
    token: bool = typer.Option(
        False, "--token", help="Store an existing token (read from stdin or a prompt)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Sign in to a server; later commands outside a workspace folder use it.

    The URL and a new token go to ~/.config/basalt/config.toml (readable by you only).

    Example: basalt login --url http://basalt.internal:5280 --user ana
    """
    c = ctx_of(ctx, output)
    server = url or c.url
    if not server:
        raise typer.BadParameter("give the server with --url")
    if token:
        secret = read_password(password_stdin, prompt="Token")
        with Client(url=server, token=secret) as client:
            me: User = client.transport.call(ops.ME, {})
        path = save_user_config(server, secret)
        name = me.name
    else:
        name = user or getpass.getuser()
        password = read_password(password_stdin)
        body = LoginRequest(user=name, password=SecretStr(password), token_name="cli")  # noqa: S106
        with Client(url=server) as client:
            created: TokenCreated = client.transport.call(ops.LOGIN, {}, body=body)
        path = save_user_config(server, created.secret.get_secret_value())
    if c.json:
        print_json({"url": server, "user": name, "config": str(path)})
    else:
        say(f"Signed in to {server} as '{name}'; saved to {path}")
