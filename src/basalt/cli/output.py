"""Output for people (tables) and for scripts (``--output json``); the only module that prints."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

# NOTE: emoji off: rich turns ':name:' into an emoji even without markup, and names such as
# azureml:train:1 are full of colons.
_console = Console(emoji=False)
_err = Console(stderr=True, emoji=False)


def _jsonable(item: Any) -> Any:
    # NOTE: non-finite floats become "NaN", "Infinity", "-Infinity" as in the REST API
    # (spec models use ser_json_inf_nan="strings"), so the output is strict JSON.
    if isinstance(item, BaseModel):
        return json.loads(item.model_dump_json())
    if isinstance(item, dict):
        return {str(k): _jsonable(v) for k, v in item.items()}
    if isinstance(item, list | tuple):
        return [_jsonable(i) for i in item]
    if isinstance(item, float) and not math.isfinite(item):
        return "NaN" if math.isnan(item) else ("Infinity" if item > 0 else "-Infinity")
    return item


def print_json(data: Any) -> None:
    """Print ``data`` (models, lists of models, dicts) as indented, strict JSON."""
    sys.stdout.write(json.dumps(_jsonable(data), indent=2, default=str, allow_nan=False) + "\n")


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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_MIN_TEXT = 10  # free-text columns fold down to this width before columns are dropped


def print_table(
    rows: Sequence[Any],
    columns: list[tuple[str, Callable[[Any], Any]]],
    *,
    title: str | None = None,
    keep: int = 1,
    empty: str | None = None,
) -> None:
    """Print ``rows`` as a table with ``columns`` of (header, getter).

    The first column (the name people copy into the next command), dates and numbers never
    wrap, and numbers are right-aligned; free text (display names, descriptions) folds. When
    the terminal is too narrow even so, columns are dropped from the right (never the first
    ``keep``) and a note says how to see them.

    Args:
        rows: The items, one per line.
        columns: (header, getter) pairs, most important first.
        title: A line above the table.
        keep: How many leading columns are never dropped.
        empty: Said instead of an empty table when there are no rows (what to do next).
    """
    if not rows and empty is not None:
        say(empty)
        return
    raw = [[getter(row) for _, getter in columns] for row in rows]
    text = [[fmt(v) for v in r] for r in raw]
    specs = []
    for i, (header, _) in enumerate(columns):
        cells = [r[i] for r in raw if r[i] is not None]
        numeric = bool(cells) and all(_is_number(c) for c in cells)
        dates = bool(cells) and all(isinstance(c, datetime) for c in cells)
        natural = max([cell_len(header), *(cell_len(t[i]) for t in text)])
        # NOTE: no_wrap on the first column keeps run names whole, so they can be copied.
        no_wrap = i == 0 or numeric or dates
        least = natural if no_wrap else min(natural, _MIN_TEXT)
        specs.append((header, numeric, no_wrap, least))
    shown = len(specs)
    while shown > keep and _width(specs[:shown]) > _console.width:
        shown -= 1
    table = Table(title=title, title_justify="left", header_style="bold", show_edge=False)
    for header, numeric, no_wrap, _ in specs[:shown]:
        justify: Literal["left", "right"] = "right" if numeric else "left"
        table.add_column(header, justify=justify, no_wrap=no_wrap, overflow="fold")
    for t in text:
        table.add_row(*t[:shown])
    _console.print(table)
    if shown < len(specs):
        hidden = ", ".join(h for h, *_ in specs[shown:])
        say(f"({hidden} hidden to fit {_console.width} columns; widen the terminal or use -o json)")


def _width(specs: list[tuple[str, bool, bool, int]]) -> int:
    """Least width of a table with these columns: cells, one space each side, separators."""
    return sum(least for *_, least in specs) + 3 * len(specs) - 1


def print_fields(pairs: list[tuple[str, Any]]) -> None:
    """Print a vertical list of ``field: value``."""
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        line = Text(key.ljust(width), style="bold")
        line.append("  " + fmt(value))
        _console.print(line, highlight=False, soft_wrap=True)


def say(message: str) -> None:
    """Print a line for people (never hard-wrapped, so paths and URLs stay whole)."""
    _console.print(message, highlight=False, soft_wrap=True, markup=False)


def error(message: str) -> None:
    """Print ``error: message`` on stderr."""
    _err.print("[red]error:[/red] ", end="", highlight=False)
    _err.print(message, highlight=False, soft_wrap=True, markup=False)


def hint(message: str) -> None:
    """Print a follow-up line on stderr (after an error)."""
    _err.print(message, highlight=False, soft_wrap=True, markup=False)
