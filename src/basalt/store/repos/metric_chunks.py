"""Metric points packed in chunks: the storage format of ``MetricChunkRow`` and its bucket scans.

A chunk holds up to ``CHUNK_POINTS`` points of one key as little-endian int64 steps and
timestamps and float64 values, with a summary (first and last point, sortedness, first
minimum and maximum) that lets history reads and downsampling skip decoding it.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

# (key, value, step, timestamp_ms)
PointTuple = tuple[str, float, int, int]
# steps, timestamps, values of one metric
Columns = tuple[list[int], list[int], list[float]]

CHUNK_POINTS = 256
"""Most points per stored chunk (see ``MetricChunkRow``).

Small enough that downsampling decodes at most a few hundred points per bucket edge, large
enough that a million points are four thousand rows.
"""

_LITTLE_ENDIAN = sys.byteorder == "little"


class ChunkInfo(NamedTuple):
    """The summary columns of one stored chunk (``MetricChunkRow`` without its packed points).

    NOTE: the fields are ``tables.runs.SUMMARY_COLUMNS`` less ``run_id`` and ``key``, all in
    the index, so listing a metric's chunks never reads the table.
    """

    id: int
    n: int
    is_sorted: bool
    first_step: int
    first_ts: int
    last_step: int
    last_ts: int
    min_value: float | None
    min_step: int | None
    min_ts: int | None
    min_index: int | None
    max_value: float | None
    max_step: int | None
    max_ts: int | None
    max_index: int | None


class Extreme(NamedTuple):
    """One point a downsampling bucket may keep; ``position`` orders points of equal step."""

    value: float
    step: int
    timestamp: int
    position: tuple[int, int]


@dataclass(slots=True)
class BucketExtremes:
    """A bucket's first point and its first minimum and first maximum non-NaN point.

    ``first.value`` is always NaN: the first point matters only in a bucket with no other value.
    """

    first: Extreme
    low: Extreme | None = None
    high: Extreme | None = None

    def merge(self, low: Extreme, high: Extreme) -> None:
        """Take a later part's extremes; on a tie the earlier point stays."""
        if self.low is None or low.value < self.low.value:
            self.low = low
        if self.high is None or high.value > self.high.value:
            self.high = high


def pack(code: str, data: Sequence[Any]) -> bytes:
    """Little-endian bytes of ``data`` as array type ``code`` (``q`` int64, ``d`` float64)."""
    packed = array(code, data)
    if not _LITTLE_ENDIAN:
        packed.byteswap()
    return packed.tobytes()


def decode(blob_rows: Iterable[Sequence[bytes]]) -> Columns:
    """Concatenate the packed (steps, timestamps, values) of chunks, in the order given."""
    steps, stamps, values = array("q"), array("q"), array("d")
    for steps_blob, stamps_blob, values_blob in blob_rows:
        steps.frombytes(steps_blob)
        stamps.frombytes(stamps_blob)
        values.frombytes(values_blob)
    if not _LITTLE_ENDIAN:
        for column in (steps, stamps, values):
            column.byteswap()
    return steps.tolist(), stamps.tolist(), values.tolist()


def extreme_indexes(values: Sequence[float]) -> tuple[int, int] | None:
    """Indexes of the first minimum and first maximum that is not NaN (None: all NaN)."""
    real = values
    total = sum(values)
    if total != total:  # a NaN (or +inf with -inf): drop the NaNs, at Python speed
        real = [v for v in values if v == v]
        if not real:
            return None
    # NOTE: min/max keep the first of equal values, and index() finds that same first one
    # (NaN equals nothing), so ties resolve to the earliest point, as downsample_min_max does.
    return values.index(min(real)), values.index(max(real))


def chunk_row(
    run_id: int, key: str, pts: Sequence[PointTuple]
) -> tuple[dict[str, Any], PointTuple]:
    """The row of one chunk, and the chunk's latest point (highest step, then newest)."""
    _, values, steps, stamps = zip(*pts, strict=True)
    step_list = list(steps)
    is_sorted = step_list == sorted(step_list) and (
        len(set(step_list)) == len(step_list) or list(stamps) == sorted(stamps)
    )
    if is_sorted:
        last = pts[-1]
    else:  # the last of equal (step, timestamp) wins, as a later upsert would
        last = max(reversed(pts), key=lambda p: (p[2], p[3]))
    row: dict[str, Any] = {
        "run_id": run_id,
        "key": key,
        "n": len(pts),
        "is_sorted": is_sorted,
        "first_step": steps[0],
        "first_ts": stamps[0],
        "last_step": steps[-1],
        "last_ts": stamps[-1],
        "steps_blob": pack("q", steps),
        "timestamps_blob": pack("q", stamps),
        "values_blob": pack("d", values),
    }
    found = extreme_indexes(values)
    for prefix, i in zip(("min", "max"), found or (None, None), strict=True):
        row[f"{prefix}_value"] = None if i is None else float(values[i])
        row[f"{prefix}_step"] = None if i is None else steps[i]
        row[f"{prefix}_ts"] = None if i is None else stamps[i]
        row[f"{prefix}_index"] = i
    return row, last


def in_order(chunks: Sequence[Any]) -> bool:
    """True when the chunks, read in logging order, are already sorted by (step, time)."""
    prev: Any = None
    for chunk in chunks:
        if not chunk.is_sorted:
            return False
        if prev is not None and (chunk.first_step, chunk.first_ts) < (
            prev.last_step,
            prev.last_ts,
        ):
            return False
        prev = chunk
    return True


def merge_summary(entry: BucketExtremes, chunk: ChunkInfo, ordinal: int) -> None:
    """Fold a chunk that lies inside one bucket into it, from its summary alone."""
    if chunk.min_value is None:
        return
    # Compared before building points: most chunks improve on nothing.
    if entry.low is None or chunk.min_value < entry.low.value:
        entry.low = Extreme(
            chunk.min_value,
            chunk.min_step,  # type: ignore[arg-type]
            chunk.min_ts,  # type: ignore[arg-type]
            (ordinal, chunk.min_index),  # type: ignore[arg-type]
        )
    if entry.high is None or chunk.max_value > entry.high.value:  # type: ignore[operator]
        entry.high = Extreme(
            chunk.max_value,  # type: ignore[arg-type]
            chunk.max_step,  # type: ignore[arg-type]
            chunk.max_ts,  # type: ignore[arg-type]
            (ordinal, chunk.max_index),  # type: ignore[arg-type]
        )


def scan(
    acc: dict[int, BucketExtremes],
    steps: list[int],
    stamps: list[int],
    values: list[float],
    ordinal: int,
    lo: int,
    span: int,
    buckets: int,
) -> None:
    """Fold points sorted by step into ``acc``, one slice per bucket (C-speed min/max)."""
    i, n = 0, len(steps)
    while i < n:
        bucket = (steps[i] - lo) * buckets // span
        # the smallest step of the next bucket: ceil((bucket + 1) * span / buckets) past lo
        j = bisect_left(steps, lo - (-(bucket + 1) * span // buckets), i)
        entry = acc.get(bucket)
        if entry is None:
            entry = acc[bucket] = BucketExtremes(
                Extreme(math.nan, steps[i], stamps[i], (ordinal, i))
            )
        found = extreme_indexes(values[i:j])
        if found is not None:
            a, b = i + found[0], i + found[1]
            entry.merge(
                Extreme(values[a], steps[a], stamps[a], (ordinal, a)),
                Extreme(values[b], steps[b], stamps[b], (ordinal, b)),
            )
        i = j


__all__ = [
    "CHUNK_POINTS",
    "BucketExtremes",
    "ChunkInfo",
    "Columns",
    "Extreme",
    "PointTuple",
    "chunk_row",
    "decode",
    "extreme_indexes",
    "in_order",
    "merge_summary",
    "pack",
    "scan",
]
