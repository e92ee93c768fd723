"""Output for people (tables) and for scripts (``--output json``); the only module that prints."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

_console = Console()
_err = Console(stderr=True)


def _jsonable(item: Any) -> Any:
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json")
    if isinstance(item, list):
        return [_jsonable(i) for i in item]
    return item


def print_json(data: Any) -> None:
    """Print ``data`` (models, lists of models, dicts) as indented JSON."""
    sys.stdout.write(json.dumps(_jsonable(data), indent=2, default=str) + "\n")


def fmt(value: Any) -> str:
    """One cell of a table."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.6g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    return str(value)


def print_table(
    rows: Sequence[Any], columns: list[tuple[str, Callable[[Any], Any]]], *, title: str | None = None
) -> None:
    """Print ``rows`` as a table with ``columns`` of (header, getter)."""
    table = Table(title=title, header_style="bold", show_edge=False)
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(fmt(getter(row)) for _, getter in columns))
    _console.print(table)


def print_fields(pairs: list[tuple[str, Any]]) -> None:
    """Print a vertical list of ``field: value``."""
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        _console.print(f"[bold]{key.ljust(width)}[/bold]  {fmt(value)}", highlight=False)


def say(message: str) -> None:
    """Print a line for people."""
    _console.print(message, highlight=False)


def error(message: str) -> None:
    """Print ``error: message`` on stderr."""
    _err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
