"""Global options shared by every command, and the client they build."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import typer

from basalt.client.client import Client
from basalt.config import find_workspace
from basalt.errors import NotFoundError


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
        """A client for the chosen workspace or server.

        Raises:
            NotFoundError: ``--workspace PATH`` names a folder with no workspace at or above it.
        """
        if (
            self.workspace is not None
            and self.url is None
            and find_workspace(self.workspace) is None
        ):
            raise NotFoundError(
                f"No Basalt workspace at or above {self.workspace}; "
                f"run 'basalt init {self.workspace}' to create one"
            )
        return Client(url=self.url, workspace=self.workspace_name, path=self.workspace)

    @property
    def json(self) -> bool:
        """True when scripts asked for JSON."""
        return self.output == OutputFormat.JSON


def ctx_of(ctx: typer.Context, output: OutputFormat | None = None) -> Context:
    """The Context stored by the root callback.

    Args:
        ctx: The command's typer context.
        output: The command's own ``--output/-o``, which wins over the one given at the root,
            so ``basalt -o json job list`` and ``basalt job list -o json`` both work.

    Returns:
        The parsed global options.
    """
    obj = ctx.find_root().obj
    found = obj if isinstance(obj, Context) else Context()
    return replace(found, output=output) if output is not None else found


def parse_kv(values: list[str] | None, what: str) -> dict[str, str] | None:
    """``key=value`` items as a dict; None when none were given (``what`` names the option).

    Raises:
        typer.BadParameter: An item has no ``=`` or no key.
    """
    if not values:
        return None
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{what} {item!r} must look like key=value")
        out[key] = value
    return out


def pick_name(positional: str | None, option: str | None, what: str = "name") -> str:
    """A name given as first argument or as ``--name/-n`` (as Azure's CLI accepts)."""
    if positional and option and positional != option:
        raise typer.BadParameter(f"two different {what}s given: {positional!r} and {option!r}")
    value = positional or option
    if not value:
        raise typer.BadParameter(f"give the {what} as the first argument or with --name/-n")
    return value


OutputOption: OutputFormat | None = typer.Option(
    None,
    "--output",
    "-o",
    help="table (default) or json; also accepted before the command.",
    case_sensitive=False,
)
