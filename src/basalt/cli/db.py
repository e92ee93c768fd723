"""``basalt db``: store maintenance."""

from __future__ import annotations

import typer

from basalt.cli.context import ctx_of
from basalt.cli.output import print_json, say
from basalt.config import load_settings
from basalt.services.container import store_revisions, upgrade_store

app = typer.Typer(help="Metadata store maintenance.", no_args_is_help=True)

StoreOption = typer.Option(None, "--store", help="Store URL; default: the workspace's.")


def _url(ctx: typer.Context, store: str | None) -> str:
    settings = load_settings(ctx_of(ctx).workspace, **({"store": {"url": store}} if store else {}))
    return settings.store_url()


@app.command("upgrade")
def upgrade(ctx: typer.Context, store: str | None = StoreOption) -> None:
    """Apply pending migrations to the store."""
    before, after, ran = upgrade_store(_url(ctx, store))
    if ctx_of(ctx).json:
        print_json({"from": before, "to": after, "migrated": ran})
    else:
        say(f"Upgraded store from {before} to {after}" if ran else f"Store is current ({after})")


@app.command("current")
def current(ctx: typer.Context, store: str | None = StoreOption) -> None:
    """Show the store's revision and the newest one this version knows."""
    rev, head = store_revisions(_url(ctx, store))
    if ctx_of(ctx).json:
        print_json({"current": rev, "head": head})
    else:
        say(f"current {rev}, newest {head}")
