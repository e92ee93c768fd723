"""Column profile of a stream of record batches: schema, nulls, min, max, mean, distinct, top.

Bounded: at most ``max_rows`` rows are profiled, and ``sampled`` says when the stream had more.
Distinct values are counted exactly over the rows profiled (sets bounded by ``max_rows``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from basalt.spec.data import ColumnProfile, DataProfile, ProfileValue, TopValue

DEFAULT_MAX_ROWS = 1_000_000
TOP_VALUES = 5
HEAD_ROWS = 20


@dataclass
class _Column:
    type: str
    numeric: bool
    text: bool
    count: int = 0
    total: float = 0.0
    low: Any = None
    high: Any = None
    ordered: bool = True
    seen: set[Any] | None = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)


def profile_batches(batches: Iterable[Any], max_rows: int = DEFAULT_MAX_ROWS) -> DataProfile:
    """Profile up to ``max_rows`` rows of ``batches`` (pyarrow record batches).

    Raises:
        InvalidArgumentError: The stream's reading or transformations failed.
    """
    rows = 0
    sampled = False
    columns: dict[str, _Column] = {}
    head: list[list[ProfileValue]] = []
    for batch in batches:
        if rows >= max_rows:
            sampled = sampled or batch.num_rows > 0
            if sampled:
                break
            continue
        if rows + batch.num_rows > max_rows:
            batch = batch.slice(0, max_rows - rows)
            sampled = True
        rows += batch.num_rows
        if len(head) < HEAD_ROWS:
            # NOTE: later batches share the first one's columns (the stream is one table).
            first = batch.slice(0, HEAD_ROWS - len(head)).to_pydict()
            head += [[_scalar(v) for v in values] for values in zip(*first.values(), strict=True)]
        for name, array in zip(batch.schema.names, batch.columns, strict=True):
            column = columns.get(name)
            if column is None:
                column = columns[name] = _new_column(array.type)
            _update(column, array)
    return DataProfile(
        rows=rows,
        sampled=sampled,
        columns=[_finish(name, c, rows) for name, c in columns.items()],
        head=head,
    )


def _new_column(kind: Any) -> _Column:
    import pyarrow as pa

    numeric = (pa.types.is_integer(kind) or pa.types.is_floating(kind)) and not pa.types.is_boolean(
        kind
    )
    text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    nested = pa.types.is_nested(kind) or pa.types.is_binary(kind)
    column = _Column(type=str(kind), numeric=numeric, text=text)
    if nested:
        column.seen = None
        column.ordered = False
    return column


def _update(column: _Column, array: Any) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    valid = array.drop_null()
    if pa.types.is_floating(valid.type):
        valid = valid.filter(pc.invert(pc.is_nan(valid)))
    column.count += len(valid)
    if not len(valid):
        return
    if column.numeric and (pa.types.is_integer(valid.type) or pa.types.is_floating(valid.type)):
        column.total += pc.sum(pc.cast(valid, pa.float64())).as_py() or 0.0
    if column.ordered:
        try:
            bounds = pc.min_max(valid).as_py()
        except (NotImplementedError, TypeError, ValueError):  # pyarrow: no order for this type
            column.ordered = False
        else:
            low, high = bounds["min"], bounds["max"]
            column.low = low if column.low is None else _pick(min, column.low, low)
            column.high = high if column.high is None else _pick(max, column.high, high)
    if column.text:
        counts = pc.value_counts(valid)
        values = counts.field("values").to_pylist()
        column.counts.update(dict(zip(values, counts.field("counts").to_pylist(), strict=True)))
    elif column.seen is not None:
        column.seen.update(pc.unique(valid).to_pylist())


def _pick(how: Any, a: Any, b: Any) -> Any:
    try:
        return how(a, b)
    except TypeError:  # e.g. an int column in one file and a float one in another
        return a


def _finish(name: str, column: _Column, rows: int) -> ColumnProfile:
    distinct: int | None
    top: list[TopValue] = []
    if column.text:
        distinct = len(column.counts)
        ranked = sorted(column.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        top = [TopValue(value=v, count=c) for v, c in ranked[:TOP_VALUES]]
    else:
        distinct = None if column.seen is None else len(column.seen)
    mean = column.total / column.count if column.numeric and column.count else None
    if mean is not None and not math.isfinite(mean):
        mean = None
    return ColumnProfile(
        name=name,
        type=column.type,
        count=column.count,
        nulls=rows - column.count,
        min=_scalar(column.low),
        max=_scalar(column.high),
        mean=mean,
        distinct=distinct,
        top=top,
    )


def _scalar(value: Any) -> ProfileValue:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return str(value)
