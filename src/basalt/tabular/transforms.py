"""MLTable transformations applied to a stream of record batches; the one implementation.

Every transformation but ``take`` works row by row, so a table of any size streams: ``take``
stops reading once it has its rows. ``stream_table`` (read + transform + re-batch to exactly
``batch_size`` rows) is what both ``basalt.data`` and the registration profile use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from basalt.errors import invalid
from basalt.spec.mltable import (
    ColumnType,
    ConvertColumnTypes,
    DropColumns,
    KeepColumns,
    Take,
    TakeRandomSample,
    Transformation,
)
from basalt.tabular.plan import TablePlan
from basalt.tabular.reading import Opener, read_plan

_TRUE = ("true", "True", "TRUE", "1", "yes", "Yes", "YES")
_FALSE = ("false", "False", "FALSE", "0", "no", "No", "NO")


def stream_table(plan: TablePlan, opener: Opener, batch_size: int = 65536) -> Iterator[Any]:
    """Record batches of the table: its files read, transformed, re-batched to ``batch_size``.

    Raises:
        InvalidArgumentError: A file cannot be read, or a transformation cannot be applied
            (a column that does not exist, a value that does not convert).
    """
    if batch_size < 1:
        raise invalid("batch_size", "batch_size must be at least 1")
    batches: Iterable[Any] = read_plan(plan, opener, batch_size)
    for step in plan.steps:
        batches = apply(step, batches)
    return rebatch(batches, batch_size)


def apply(step: Transformation, batches: Iterable[Any]) -> Iterator[Any]:
    """One transformation over a stream of batches (``read_*`` steps are the reader's)."""
    if isinstance(step, Take):
        return _take(step.count, batches)
    if isinstance(step, TakeRandomSample):
        return _sample(step, batches)
    if isinstance(step, DropColumns):
        return (_drop(step.columns, b) for b in batches)
    if isinstance(step, KeepColumns):
        return (_keep(step.columns, b) for b in batches)
    if isinstance(step, ConvertColumnTypes):
        return (_convert(step, b) for b in batches)
    return iter(batches)


def rebatch(batches: Iterable[Any], size: int) -> Iterator[Any]:
    """Batches of exactly ``size`` rows (the last one, and one before a schema change, fewer)."""
    import pyarrow as pa

    pending: list[Any] = []
    count = 0
    for batch in batches:
        if pending and not batch.schema.equals(pending[0].schema):
            yield from _flush(pa, pending, size)
            pending, count = [], 0
        pending.append(batch)
        count += batch.num_rows
        if count >= size:
            table = pa.Table.from_batches(pending)
            whole = (count // size) * size
            for offset in range(0, whole, size):
                yield table.slice(offset, size).combine_chunks().to_batches()[0]
            rest = table.slice(whole)
            pending = [b for b in rest.to_batches() if b.num_rows]
            count = rest.num_rows
    yield from _flush(pa, pending, size)


def _flush(pa: Any, pending: list[Any], size: int) -> Iterator[Any]:
    if not pending:
        return
    table = pa.Table.from_batches(pending).combine_chunks()
    for batch in table.to_batches(max_chunksize=size):
        if batch.num_rows:
            yield batch


def _take(count: int, batches: Iterable[Any]) -> Iterator[Any]:
    left = count
    if left <= 0:
        return
    for batch in batches:
        if batch.num_rows >= left:
            yield batch.slice(0, left)
            return
        left -= batch.num_rows
        yield batch


def _sample(step: TakeRandomSample, batches: Iterable[Any]) -> Iterator[Any]:
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(step.seed)
    for batch in batches:
        mask = rng.random(batch.num_rows) < step.probability
        yield batch.filter(pa.array(mask))


def _missing(step: str, wanted: list[str], batch: Any) -> None:
    names = batch.schema.names
    missing = [c for c in wanted if c not in names]
    if missing:
        raise invalid(
            "transformations",
            f"{step}: no column {', '.join(map(repr, missing))}; the columns are "
            f"{', '.join(names)}",
        )


def _drop(columns: list[str], batch: Any) -> Any:
    _missing("drop_columns", columns, batch)
    return batch.drop_columns(columns)


def _keep(columns: list[str], batch: Any) -> Any:
    _missing("keep_columns", columns, batch)
    return batch.select(columns)


def _convert(step: ConvertColumnTypes, batch: Any) -> Any:
    import pyarrow as pa

    arrays = dict(zip(batch.schema.names, batch.columns, strict=True))
    for conversion in step.conversions:
        _missing("convert_column_types", conversion.columns, batch)
        for name in conversion.columns:
            try:
                arrays[name] = convert_array(arrays[name], conversion.column_type)
            except (ValueError, TypeError) as exc:  # pyarrow's ArrowInvalid is a ValueError
                first = str(exc).strip().splitlines()[0]
                raise invalid(
                    "transformations",
                    f"convert_column_types: column {name!r} to {conversion.column_type.name}: "
                    f"{first}",
                ) from None
    return pa.RecordBatch.from_arrays(list(arrays.values()), list(arrays))


def convert_array(array: Any, target: ColumnType) -> Any:
    """``array`` converted to an MLTable column type.

    Raises:
        ValueError: A value that does not convert (pyarrow's ArrowInvalid).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if target.name == "int":
        return pc.cast(array, pa.int64())
    if target.name == "float":
        return pc.cast(array, pa.float64())
    if target.name == "string":
        return pc.cast(array, pa.string())
    if target.name == "boolean":
        if pa.types.is_boolean(array.type):
            return array
        text = pc.cast(array, pa.string())
        true = pc.is_in(text, value_set=pa.array(target.true_values or _TRUE))
        false = pc.is_in(text, value_set=pa.array(target.false_values or _FALSE))
        mismatch = pc.and_(pc.invert(pc.or_(true, false)), pc.is_valid(text))
        if target.mismatch_as == "error" and pc.any(mismatch).as_py():
            raise ValueError("a value is neither one of the true nor the false values")
        fill = {"true": True, "false": False}.get(target.mismatch_as or "", None)
        out = pc.if_else(true, True, pc.if_else(false, False, pa.scalar(fill, pa.bool_())))
        return pc.if_else(pc.is_valid(text), out, pa.scalar(None, pa.bool_()))
    # datetime
    if pa.types.is_timestamp(array.type) or pa.types.is_date(array.type):
        return pc.cast(array, pa.timestamp("us"))
    text = pc.cast(array, pa.string())
    if not target.formats:
        return pc.cast(text, pa.timestamp("us"))
    out = None
    for fmt in target.formats:
        parsed = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
        out = parsed if out is None else pc.coalesce(out, parsed)
    bad = pc.and_(pc.is_valid(text), pc.is_null(out))
    if pc.any(bad).as_py():
        raise ValueError(f"a value matches none of the formats {', '.join(target.formats)}")
    return out
