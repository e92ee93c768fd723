"""Run rows, their status history, params, tags, metric chunks and latest metric values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from basalt.store.tables.base import Base, BigId, JSONType, UTCDateTime


class RunRow(Base):
    """One run: a job or an interactive run (one id space)."""

    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name"),
        Index("ix_runs_workspace_created", "workspace_id", "created_at"),
        Index("ix_runs_experiment_created", "experiment_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    experiment_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("experiments.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32), default="interactive")
    status: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )
    spec: Mapped[Any | None] = mapped_column(JSONType)
    properties: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    snapshot_id: Mapped[str | None] = mapped_column(String(128))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class RunStatusChangeRow(Base):
    """One transition in a run's status history."""

    __tablename__ = "run_status_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("runs.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ParamRow(Base):
    """A run parameter; immutable once logged."""

    __tablename__ = "params"

    run_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RunTagRow(Base):
    """A run tag; may be overwritten or deleted."""

    __tablename__ = "run_tags"

    run_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


SUMMARY_COLUMNS = (
    "run_id",
    "key",
    "id",
    "n",
    "is_sorted",
    "first_step",
    "first_ts",
    "last_step",
    "last_ts",
    "min_value",
    "min_step",
    "min_ts",
    "min_index",
    "max_value",
    "max_step",
    "max_ts",
    "max_index",
)
"""The columns of ``metric_chunks`` other than the packed points, in index order."""


class MetricChunkRow(Base):
    """The points of one metric, stored in chunks of packed points.

    A batch of N points of one key becomes about N / 256 rows (``CHUNK_POINTS`` in
    ``repos/metric_chunks.py``), so ingest writes a few rows per batch and a million-point
    history reads a few thousand rows instead of a million (a row per point costs about a
    microsecond each way in the database driver alone; see bench/bench_history.py).

    ``steps_blob`` and ``timestamps_blob`` hold little-endian int64 values and ``values_blob``
    little-endian float64 values (NaN and infinities as they are), in the order they were
    logged. The other columns summarize the chunk so that reads and downsampling can skip
    decoding it: the first and last point as stored, whether the points are sorted by
    (step, timestamp), and the first minimum and first maximum non-NaN value with where they
    occur (NULL when every value is NaN).

    NOTE: the packed format is part of the schema; change it only with a new revision.
    """

    __tablename__ = "metric_chunks"
    # NOTE: the index holds every summary column, so listing a metric's chunks reads only the
    # index and not the table, whose rows are a page each (their packed points).
    __table_args__ = (Index("ix_metric_chunks_summary", *SUMMARY_COLUMNS),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("runs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    n: Mapped[int] = mapped_column(Integer)
    is_sorted: Mapped[bool] = mapped_column(Boolean)
    first_step: Mapped[int] = mapped_column(BigInteger)
    first_ts: Mapped[int] = mapped_column(BigInteger)
    last_step: Mapped[int] = mapped_column(BigInteger)
    last_ts: Mapped[int] = mapped_column(BigInteger)
    min_value: Mapped[float | None] = mapped_column(Float(precision=53))
    min_step: Mapped[int | None] = mapped_column(BigInteger)
    min_ts: Mapped[int | None] = mapped_column(BigInteger)
    min_index: Mapped[int | None] = mapped_column(Integer)
    max_value: Mapped[float | None] = mapped_column(Float(precision=53))
    max_step: Mapped[int | None] = mapped_column(BigInteger)
    max_ts: Mapped[int | None] = mapped_column(BigInteger)
    max_index: Mapped[int | None] = mapped_column(Integer)
    steps_blob: Mapped[bytes] = mapped_column(LargeBinary)
    timestamps_blob: Mapped[bytes] = mapped_column(LargeBinary)
    values_blob: Mapped[bytes] = mapped_column(LargeBinary)


class LatestMetricRow(Base):
    """The latest value of each metric of each run (highest step, then newest timestamp).

    Maintained on ingest; filters and sorts on metrics read only this table.
    """

    __tablename__ = "latest_metrics"
    __table_args__ = (Index("ix_latest_metrics_key_value", "key", "value"),)

    run_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    step: Mapped[int] = mapped_column(BigInteger)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float] = mapped_column(Float(precision=53))
    is_nan: Mapped[bool] = mapped_column(Boolean, default=False)
