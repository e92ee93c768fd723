"""``basalt init [PATH]``: create an embedded workspace."""

from __future__ import annotations

from pathlib import Path

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import print_json, say
from basalt.config import ARTIFACTS_DIR, CONFIG_FILE, WORKSPACE_DIR, load_settings
from basalt.errors import InvalidArgumentError

_CONFIG_TEMPLATE = """\
# Basalt workspace settings. Environment variables (BASALT_*) and command-line flags win.
# [store]
# url = "postgresql+psycopg://user@host/db"   # default: .basalt/basalt.db (SQLite)
# [artifacts]
# url = "s3://bucket/prefix"                  # default: .basalt/artifacts
"""


def init(
    ctx: typer.Context,
    path: Path = typer.Argument(
        Path("."), help="Folder to hold the workspace (created if missing)."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a workspace in PATH: .basalt/ with basalt.db, artifacts/ and config.toml.

    Running it again in a workspace is safe: it checks the store and applies new migrations.

    Example: basalt init my-project
    """
    from basalt.services.container import Services

    root = path.resolve()
    if root.exists() and not root.is_dir():
        raise InvalidArgumentError(f"{root} is a file; give a folder for the workspace")
    state = root / WORKSPACE_DIR
    existed = state.is_dir()
    (state / ARTIFACTS_DIR).mkdir(parents=True, exist_ok=True)
    cfg = state / CONFIG_FILE
    if not cfg.exists():
        cfg.write_text(_CONFIG_TEMPLATE, encoding="utf-8")
    settings = load_settings(root)
    # Opening creates the database, applies migrations and the default workspace (with its
    # `local` compute target); ensure_local repairs a store whose target went missing.
    with Services(settings) as services:
        services.computes.ensure_local(settings.workspace_name)
    if ctx_of(ctx, output).json:
        print_json({"path": str(root), "created": not existed})
    elif existed:
        say(f"Workspace already in {root} (checked and up to date)")
    else:
        say(f"Created workspace in {root}")
        say("Next: python train.py with basalt.start_run(), then 'basalt job list'")
