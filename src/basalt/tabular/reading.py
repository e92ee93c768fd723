"""Read the files of a ``TablePlan`` as a stream of pyarrow record batches.

CSV is streamed with ``pyarrow.csv.open_csv``, Parquet by row groups, JSON lines with
``pyarrow.json.open_json``; no file is read whole unless its options need it (JSON lines in
another encoding than UTF-8, or with ``invalid_lines: drop``). A file that cannot be read is an
``InvalidArgumentError`` naming it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from basalt.errors import BasaltError, invalid
from basalt.spec.mltable import ENCODINGS, ReadDelimited, ReadJsonLines, ReadParquet
from basalt.tabular import require_arrow
from basalt.tabular.plan import FileRead, TablePlan

Opener = Callable[[str], BinaryIO]
"""Opens a table's file by its relative path for binary reading (closed by the caller)."""

_BLOCK = 1 << 20


def read_plan(plan: TablePlan, opener: Opener, batch_size: int) -> Iterator[Any]:
    """Record batches of every file of ``plan``, in order (before its transformations).

    Raises:
        InvalidArgumentError: A file cannot be read in its format (the message names it).
    """
    require_arrow()
    first_header: list[str] | None = None
    for entry in plan.files:
        with opener(entry.path) as fh:
            try:
                for batch in _read_file(entry, fh, batch_size, first_header):
                    if first_header is None and isinstance(entry.read, ReadDelimited):
                        first_header = list(batch.schema.names)
                        if entry.read.include_path_column:
                            first_header = first_header[:-1]
                    yield batch
            except BasaltError:
                raise
            except (OSError, ValueError, TypeError) as exc:
                # NOTE: pyarrow's ArrowInvalid / ArrowTypeError derive from ValueError/TypeError;
                # UnicodeError is a ValueError too.
                raise _unreadable(entry, exc) from None


def _unreadable(entry: FileRead, exc: Exception) -> BasaltError:
    fmt = entry.read.kind.removeprefix("read_").replace("_", " ")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return invalid("path", f"cannot read {entry.path!r} as {fmt}: {first}")


def _read_file(
    entry: FileRead, fh: BinaryIO, batch_size: int, first_header: list[str] | None
) -> Iterator[Any]:
    read = entry.read
    if isinstance(read, ReadDelimited):
        batches = _csv(read, fh, first_header)
    elif isinstance(read, ReadParquet):
        import pyarrow.parquet as pq

        batches = pq.ParquetFile(fh).iter_batches(batch_size=batch_size)
    else:
        batches = _json_lines(read, fh)
    for batch in batches:
        if read.include_path_column:
            batch = _with_path(batch, read.path_column, entry.path)
        yield batch


def _with_path(batch: Any, column: str, path: str) -> Any:
    import pyarrow as pa

    values = pa.array([path] * batch.num_rows, type=pa.string())
    return pa.RecordBatch.from_arrays([*batch.columns, values], [*batch.schema.names, column])


def _csv(read: ReadDelimited, fh: BinaryIO, first_header: list[str] | None) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    options = pcsv.ReadOptions(encoding=ENCODINGS[read.encoding], block_size=_BLOCK)
    if read.header == "no_header":
        options.autogenerate_column_names = True
    elif read.header == "from_first_file" and first_header is not None:
        # Azure: the first file's header names every file's columns; the others are all data.
        options.column_names = first_header
    parse = pcsv.ParseOptions(delimiter=read.delimiter, newlines_in_values=read.support_multi_line)
    convert = pcsv.ConvertOptions(
        strings_can_be_null=not read.empty_as_string,
        quoted_strings_can_be_null=not read.empty_as_string,
    )
    if not read.infer_column_types:
        start = fh.tell()
        names = pcsv.open_csv(fh, read_options=options, parse_options=parse).schema.names
        fh.seek(start)
        convert.column_types = {n: pa.string() for n in names}
    reader = pcsv.open_csv(fh, read_options=options, parse_options=parse, convert_options=convert)
    rename = read.header == "no_header"
    for batch in reader:
        if rename:
            names = [f"Column{i + 1}" for i in range(batch.num_columns)]
            batch = pa.RecordBatch.from_arrays(batch.columns, names)
        yield batch


def _json_lines(read: ReadJsonLines, fh: BinaryIO) -> Iterator[Any]:
    import pyarrow.json as pjson

    source: BinaryIO = fh
    if read.invalid_lines == "drop" or read.encoding != "utf8":
        text = fh.read().decode(ENCODINGS[read.encoding])
        kept = []
        for line in text.splitlines():
            if not line.strip():
                continue
            if read.invalid_lines == "drop":
                try:
                    if not isinstance(json.loads(line), dict):
                        continue
                except ValueError:
                    continue
            kept.append(line)
        source = io.BytesIO(("\n".join(kept) + "\n").encode() if kept else b"")
        if not kept:
            return
    yield from pjson.open_json(source, read_options=pjson.ReadOptions(block_size=_BLOCK))
