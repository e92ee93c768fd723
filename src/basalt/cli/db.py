"""``basalt db``: store maintenance."""

from __future__ import annotations

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import print_json, say
from basalt.config import load_settings
from basalt.errors import InvalidArgumentError

app = typer.Typer(help="Metadata store maintenance.", no_args_is_help=True)

StoreOption = typer.Option(None, "--store", help="Store URL; default: the workspace's.")


def _url(ctx: typer.Context, store: str | None) -> str:
    c = ctx_of(ctx)
    if c.url:
        raise InvalidArgumentError(
            "'basalt db' works on a store, not through a server; "
            "pass --store URL (or run it in the workspace) instead of --url"
        )
    settings = load_settings(c.workspace, **({"store": {"url": store}} if store else {}))
    return settings.store_url()


@app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    store: str | None = StoreOption,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Apply pending migrations to the store.

    Example: basalt db upgrade --store postgresql+psycopg://basalt@db.internal/basalt
    """
    # NOTE: imported here so commands that never touch the store do not load SQLAlchemy.
    from basalt.services.container import upgrade_store

    before, after, ran = upgrade_store(_url(ctx, store))
    if ctx_of(ctx, output).json:
        print_json({"from": before, "to": after, "migrated": ran})
    else:
        if not ran:
            say(f"Store is current ({after})")
        elif before is None:
            say(f"Created the store's tables at revision {after}")
        else:
            say(f"Upgraded store from {before} to {after}")


@app.command("current")
def current(
    ctx: typer.Context,
    store: str | None = StoreOption,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show the store's revision and the newest one this version knows.

    Example: basalt db current
    """
    from basalt.services.container import store_revisions

    rev, head = store_revisions(_url(ctx, store))
    if ctx_of(ctx, output).json:
        print_json({"current": rev, "head": head})
    else:
        say(f"current {rev or 'none (empty store)'}, newest {head}")
