"""Which files a table reads, in which format, and what is done to them after reading.

A ``TablePlan`` is made from a file listing (relative POSIX paths) and either an MLTable (its
``paths`` resolved against the listing, its ``read_*`` step and the other transformations) or
the files' extensions (a ``uri_file``/``uri_folder`` of CSV, Parquet or JSON lines).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from basalt.errors import invalid
from basalt.spec.data import MLTABLE_FILES
from basalt.spec.mltable import (
    MLTable,
    PathEntry,
    ReadDelimited,
    ReadJsonLines,
    ReadParquet,
    ReadStep,
    Transformation,
)

_EXTENSIONS: dict[str, ReadStep] = {
    ".csv": ReadDelimited(),
    ".tsv": ReadDelimited(delimiter="\t"),
    ".parquet": ReadParquet(),
    ".pq": ReadParquet(),
    ".jsonl": ReadJsonLines(),
    ".ndjson": ReadJsonLines(),
}
TABULAR_EXTENSIONS = tuple(_EXTENSIONS)
"""File name endings read as tables when there is no MLTable file."""


@dataclass(frozen=True)
class FileRead:
    """One file to read and how."""

    path: str
    read: ReadStep


@dataclass(frozen=True)
class TablePlan:
    """The files of a table, in order, and the transformations after reading."""

    files: list[FileRead]
    steps: list[Transformation] = field(default_factory=list)


def read_step_for(path: str) -> ReadStep | None:
    """How a file is read, from its extension; None when it is not tabular."""
    return _EXTENSIONS.get(posixpath.splitext(path.lower())[1])


def plan_files(listing: Sequence[str]) -> TablePlan | None:
    """A plan reading every tabular file of ``listing`` (sorted); None when there is none.

    Raises:
        InvalidArgumentError: Tabular files of more than one format.
    """
    reads = [FileRead(p, step) for p in sorted(listing) if (step := read_step_for(p)) is not None]
    if not reads:
        return None
    kinds = sorted({r.read.kind for r in reads})
    if len(kinds) > 1:
        raise invalid(
            "path",
            f"the files mix formats ({', '.join(kinds)}); put one format in a folder, or add an "
            "MLTable file whose paths: pick the files",
        )
    return TablePlan(files=reads)


def plan_mltable(table: MLTable, listing: Sequence[str], base: str = "") -> TablePlan:
    """The plan of an MLTable file found in folder ``base`` of ``listing``.

    Raises:
        InvalidArgumentError: A path that is absolute, remote, leaves the folder or matches no
            file; a file whose format is unknown with no ``read_*`` transformation.
    """
    found: list[str] = []
    for entry in table.paths:
        for path in _resolve(entry, listing, base):
            if path not in found:
                found.append(path)
    read = table.read_step
    files = []
    for path in found:
        step = read or read_step_for(path)
        if step is None:
            raise invalid(
                "path",
                f"MLTable: cannot tell the format of {path!r}; add a read_delimited, read_parquet "
                "or read_json_lines transformation",
            )
        files.append(FileRead(path, step))
    steps = [t for t in table.transformations if t is not read]
    return TablePlan(files=files, steps=steps)


def _resolve(entry: PathEntry, listing: Sequence[str], base: str) -> list[str]:
    value = entry.value.strip()
    if "://" in value or value.startswith(("/", "azureml:")) or re.match(r"^[A-Za-z]:[\\/]", value):
        raise invalid(
            "path",
            f"MLTable paths: {entry.kind} {value!r} is not supported yet; use a path relative "
            "to the MLTable file (e.g. ./data.csv) and register the files with it",
        )
    joined = posixpath.normpath(posixpath.join(base, value)) if value not in ("", ".") else base
    if joined in (".", ""):
        joined = ""
    if joined.startswith(".."):
        raise invalid("path", f"MLTable paths: {value!r} leaves the MLTable file's folder")
    candidates = sorted(p for p in listing if posixpath.basename(p) not in MLTABLE_FILES)
    if entry.kind == "file":
        if joined not in listing:
            raise invalid("path", f"MLTable paths: file {value!r} is not among the table's files")
        return [joined]
    if entry.kind == "folder":
        prefix = f"{joined}/" if joined else ""
        matched = [p for p in candidates if p.startswith(prefix)]
    else:
        pattern = _glob_regex(joined)
        matched = [p for p in candidates if pattern.fullmatch(p)]
    if not matched:
        raise invalid("path", f"MLTable paths: {entry.kind} {value!r} matches no file")
    return matched


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """``*``, ``?``, ``[..]`` within one segment; ``**`` across segments."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out, i = out + "[" + ("^" + body[1:] if body.startswith("!") else body) + "]", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)
