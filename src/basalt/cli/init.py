"""``basalt init [PATH]``: create an embedded workspace."""

from __future__ import annotations

from pathlib import Path

import typer

from basalt.cli.context import ctx_of
from basalt.cli.output import print_json, say
from basalt.config import ARTIFACTS_DIR, CONFIG_FILE, WORKSPACE_DIR, load_settings
from basalt.services.container import Services

_CONFIG_TEMPLATE = """\
# Basalt workspace settings. Environment variables (BASALT_*) and command-line flags win.
# [store]
# url = "postgresql+psycopg://user@host/db"   # default: .basalt/basalt.db (SQLite)
# [artifacts]
# url = "s3://bucket/prefix"                  # default: .basalt/artifacts
"""


def init(
    ctx: typer.Context,
    path: Path = typer.Argument(Path("."), help="Folder to hold the workspace (created if missing)."),
) -> None:
    """Create a workspace in PATH: .basalt/ with basalt.db, artifacts/ and config.toml."""
    root = path.resolve()
    state = root / WORKSPACE_DIR
    existed = state.is_dir()
    (state / ARTIFACTS_DIR).mkdir(parents=True, exist_ok=True)
    cfg = state / CONFIG_FILE
    if not cfg.exists():
        cfg.write_text(_CONFIG_TEMPLATE, encoding="utf-8")
    settings = load_settings(root)
    with Services(settings):
        pass  # opening creates the database, applies migrations and the default workspace
    if ctx_of(ctx).json:
        print_json({"path": str(root), "created": not existed})
    elif existed:
        say(f"Workspace already in {root} (checked and up to date)")
    else:
        say(f"Created workspace in {root}")
        say("Next: python train.py with basalt.start_run(), then 'basalt job list'")
