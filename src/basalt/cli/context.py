"""Global options shared by every command, and the client they build."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import typer

from basalt.client.client import Client


class OutputFormat(StrEnum):
    """How results are printed."""

    TABLE = "table"
    JSON = "json"


@dataclass
class Context:
    """What the root callback parsed."""

    workspace: Path | None = None
    url: str | None = None
    workspace_name: str | None = None
    output: OutputFormat = OutputFormat.TABLE
    debug: bool = False

    def client(self) -> Client:
        """A client for the chosen workspace or server."""
        return Client(url=self.url, workspace=self.workspace_name, path=self.workspace)

    @property
    def json(self) -> bool:
        """True when scripts asked for JSON."""
        return self.output == OutputFormat.JSON


def ctx_of(ctx: typer.Context) -> Context:
    """The Context stored by the root callback."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Context) else Context()


def pick_name(positional: str | None, option: str | None, what: str = "name") -> str:
    """A name given as first argument or as ``--name/-n`` (as Azure's CLI accepts)."""
    if positional and option and positional != option:
        raise typer.BadParameter(f"two different {what}s given: {positional!r} and {option!r}")
    value = positional or option
    if not value:
        raise typer.BadParameter(f"give the {what} as the first argument or with --name/-n")
    return value


OutputOption = typer.Option(
    None, "--output", "-o", help="table (default) or json.", case_sensitive=False
)
