"""Run queries: rows, status history, params, tags, metric ingest and history."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Select, Table, Text, delete, func, insert, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from basalt.store.repos.metric_chunks import (
    CHUNK_POINTS,
    BucketExtremes,
    ChunkInfo,
    Columns,
    Extreme,
    PointTuple,
    chunk_row,
    decode,
    in_order,
    merge_summary,
    scan,
)
from basalt.store.tables import (
    ExperimentRow,
    LatestMetricRow,
    MetricChunkRow,
    ParamRow,
    RunRow,
    RunStatusChangeRow,
    RunTagRow,
    WorkspaceRow,
)

_CHUNKS = cast(Table, MetricChunkRow.__table__)
_RUNS = cast(Table, RunRow.__table__)
_WORKSPACES = cast(Table, WorkspaceRow.__table__)


class RunRepo:
    """Reads and writes run rows and everything hanging off them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- runs ---------------------------------------------------------------------------------

    def find_by_name(self, workspace_id: int, name: str, *, lock: bool = False) -> RunRow | None:
        """The run called ``name`` in the workspace, or None."""
        stmt = select(RunRow).where(RunRow.workspace_id == workspace_id, RunRow.name == name)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def with_properties_text(
        self, workspace_id: int, needle: str, *, experiment_names: Sequence[str] | None = None
    ) -> list[tuple[RunRow, str, int]]:
        """(run, experiment name, experiment id) of runs whose properties' text holds ``needle``.

        Oldest first; a text scan of the workspace's runs (no index), used by logged models.
        """
        like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = (
            select(RunRow, ExperimentRow.name, ExperimentRow.id)
            .join(ExperimentRow, ExperimentRow.id == RunRow.experiment_id)
            .where(
                RunRow.workspace_id == workspace_id,
                sql_cast(RunRow.properties, Text).like(like, escape="\\"),
            )
            .order_by(RunRow.id)
        )
        if experiment_names is not None:
            stmt = stmt.where(ExperimentRow.name.in_(list(experiment_names)))
        return [(r, n, i) for r, n, i in self.session.execute(stmt)]

    def find_id(self, workspace: str, name: str) -> int | None:
        """The id of run ``name`` in the workspace called ``workspace``, in one query, or None.

        NOTE: the ingest path's lookup (one Core query instead of a workspace row and a run
        row through the ORM); ``find_by_name`` tells the two misses apart afterwards.
        """
        runs, workspaces = _RUNS.c, _WORKSPACES.c
        stmt = (
            select(runs.id)
            .join_from(_RUNS, _WORKSPACES, workspaces.id == runs.workspace_id)
            .where(workspaces.name == workspace, runs.name == name)
        )
        return self.session.execute(stmt).scalar()

    def ids_by_name(self, workspace_id: int, names: Iterable[str]) -> dict[str, int]:
        """Ids of the named runs of a workspace (names with no run are left out)."""
        wanted = list(set(names))
        if not wanted:
            return {}
        stmt = select(RunRow.name, RunRow.id).where(
            RunRow.workspace_id == workspace_id, RunRow.name.in_(wanted)
        )
        return {n: i for n, i in self.session.execute(stmt)}

    def names_by_id(self, run_ids: Iterable[int]) -> dict[int, str]:
        """Names of several runs by id."""
        ids = list(set(run_ids))
        if not ids:
            return {}
        stmt = select(RunRow.id, RunRow.name).where(RunRow.id.in_(ids))
        return {i: n for i, n in self.session.execute(stmt)}

    def add(self, row: RunRow) -> RunRow:
        """Insert a run and assign its id."""
        self.session.add(row)
        self.session.flush()
        return row

    def set_display_name(self, run_id: int, display_name: str | None) -> None:
        """Set a run's display name without loading its row (the logging path)."""
        stmt = update(RunRow).where(RunRow.id == run_id).values(display_name=display_name)
        self.session.execute(stmt)

    def add_status_change(self, run_id: int, status: str, at: datetime) -> None:
        """Append one entry to the run's status history."""
        self.session.add(RunStatusChangeRow(run_id=run_id, status=status, at=at))

    def page(self, stmt: Select[RunRow], offset: int, limit: int) -> list[RunRow]:
        """Rows of a run query (built with store.filters), one page."""
        return list(self.session.scalars(stmt.offset(offset).limit(limit)))

    def base_query(
        self, workspace_id: int, experiment_id: int | None, include_archived: bool
    ) -> Select[RunRow]:
        """The runs of a workspace (optionally one experiment), before filter and order."""
        stmt = select(RunRow).where(RunRow.workspace_id == workspace_id)
        if experiment_id is not None:
            stmt = stmt.where(RunRow.experiment_id == experiment_id)
        if not include_archived:
            stmt = stmt.where(RunRow.archived.is_(False))
        return stmt

    def experiment_names(self, experiment_ids: Iterable[int]) -> dict[int, str]:
        """Names of experiments by id."""
        ids = list(set(experiment_ids))
        if not ids:
            return {}
        stmt = select(ExperimentRow.id, ExperimentRow.name).where(ExperimentRow.id.in_(ids))
        return {i: n for i, n in self.session.execute(stmt)}

    def children(self, run_ids: Sequence[int]) -> dict[int, list[str]]:
        """Names of the child runs of each run, oldest first."""
        out: dict[int, list[str]] = {i: [] for i in run_ids}
        if run_ids:
            stmt = (
                select(RunRow.parent_id, RunRow.name)
                .where(RunRow.parent_id.in_(run_ids))
                .order_by(RunRow.created_at, RunRow.id)
            )
            for parent, name in self.session.execute(stmt):
                if parent is not None:
                    out[parent].append(name)
        return out

    def status_history(self, run_ids: Sequence[int]) -> dict[int, list[RunStatusChangeRow]]:
        """The status history of each run, oldest first."""
        out: dict[int, list[RunStatusChangeRow]] = {i: [] for i in run_ids}
        if run_ids:
            stmt = (
                select(RunStatusChangeRow)
                .where(RunStatusChangeRow.run_id.in_(run_ids))
                .order_by(RunStatusChangeRow.id)
            )
            for change in self.session.scalars(stmt):
                out[change.run_id].append(change)
        return out

    # --- params and tags ----------------------------------------------------------------------

    def params(self, run_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """Params of each run."""
        return self._pairs(ParamRow, run_ids)

    def tags(self, run_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """Tags of each run."""
        return self._pairs(RunTagRow, run_ids)

    def _pairs(
        self, table: type[ParamRow] | type[RunTagRow], run_ids: Sequence[int]
    ) -> dict[int, dict[str, str]]:
        out: dict[int, dict[str, str]] = {i: {} for i in run_ids}
        if run_ids:
            stmt = select(table.run_id, table.key, table.value).where(table.run_id.in_(run_ids))
            for run_id, key, value in self.session.execute(stmt):
                out[run_id][key] = value
        return out

    def existing_params(self, run_id: int, keys: Iterable[str]) -> dict[str, str]:
        """Values already logged for these param keys."""
        keys = list(keys)
        if not keys:
            return {}
        stmt = select(ParamRow.key, ParamRow.value).where(
            ParamRow.run_id == run_id, ParamRow.key.in_(keys)
        )
        return {k: v for k, v in self.session.execute(stmt)}

    def insert_params(self, run_id: int, params: dict[str, str]) -> None:
        """Insert params known to be new."""
        if params:
            rows = [{"run_id": run_id, "key": k, "value": v} for k, v in params.items()]
            self.session.execute(insert(ParamRow), rows)

    def upsert_tags(self, run_id: int, tags: dict[str, str]) -> None:
        """Insert or overwrite tags."""
        if not tags:
            return
        rows = [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()]
        stmt = self._dialect_insert(RunTagRow)
        stmt = stmt.on_conflict_do_update(
            index_elements=[RunTagRow.run_id, RunTagRow.key], set_={"value": stmt.excluded.value}
        )
        self.session.execute(stmt, rows)

    def delete_tag(self, run_id: int, key: str) -> int:
        """Delete one tag; returns the number of rows removed."""
        stmt = delete(RunTagRow).where(RunTagRow.run_id == run_id, RunTagRow.key == key)
        return self.session.execute(stmt).rowcount  # type: ignore[attr-defined,no-any-return]

    # --- metrics ------------------------------------------------------------------------------

    def insert_metrics(self, run_id: int, points: Sequence[PointTuple]) -> None:
        """Append metric points and advance each key's latest value.

        NOTE: this is the ingest hot path (see bench/bench_ingest.py): the points of each key
        are packed into chunks of ``CHUNK_POINTS`` (one executemany for them all) and each key
        gets one latest-value upsert; nothing is read back and nothing is done per point in SQL.

        Raises:
            OverflowError: A step or timestamp does not fit in 64 bits.
        """
        if not points:
            return
        keys = set(map(itemgetter(0), points))
        if len(keys) == 1:
            by_key: dict[str, Sequence[PointTuple]] = {points[0][0]: points}
        else:
            groups: dict[str, list[PointTuple]] = {k: [] for k in keys}
            for point in points:
                groups[point[0]].append(point)
            by_key = dict(groups)
        rows = []
        latest = []
        for key, pts in by_key.items():
            best: PointTuple | None = None
            for start in range(0, len(pts), CHUNK_POINTS):
                row, last = chunk_row(run_id, key, pts[start : start + CHUNK_POINTS])
                rows.append(row)
                if best is None or (last[2], last[3]) >= (best[2], best[3]):
                    best = last
            if best is not None:
                latest.append(best)
        self.session.execute(insert(_CHUNKS), rows)
        self._upsert_latest(run_id, latest)

    def _upsert_latest(self, run_id: int, points: list[PointTuple]) -> None:
        rows = []
        for key, value, step, ts in points:
            is_nan = math.isnan(value)
            rows.append(
                {
                    "run_id": run_id,
                    "key": key,
                    "step": step,
                    "timestamp": ts,
                    "value": 0.0 if is_nan else value,
                    "is_nan": is_nan,
                }
            )
        self.session.execute(_latest_upsert(self.session.get_bind().dialect.name), rows)

    def latest_metrics(self, run_ids: Sequence[int]) -> dict[int, dict[str, float]]:
        """Latest value of every metric of each run."""
        out: dict[int, dict[str, float]] = {i: {} for i in run_ids}
        if run_ids:
            stmt = select(
                LatestMetricRow.run_id,
                LatestMetricRow.key,
                LatestMetricRow.value,
                LatestMetricRow.is_nan,
            ).where(LatestMetricRow.run_id.in_(run_ids))
            for run_id, key, value, is_nan in self.session.execute(stmt):
                out[run_id][key] = math.nan if is_nan else value
        return out

    def latest_metric_points(
        self, run_ids: Sequence[int]
    ) -> dict[int, list[tuple[str, float, int, int]]]:
        """(key, value, step, timestamp) of the latest point of every metric of each run."""
        out: dict[int, list[tuple[str, float, int, int]]] = {i: [] for i in run_ids}
        if run_ids:
            m = LatestMetricRow
            stmt = (
                select(m.run_id, m.key, m.value, m.is_nan, m.step, m.timestamp)
                .where(m.run_id.in_(run_ids))
                .order_by(m.run_id, m.key)
            )
            for run_id, key, value, is_nan, step, ts in self.session.execute(stmt):
                out[run_id].append((key, math.nan if is_nan else value, step, ts))
        return out

    def metric_keys(self, run_id: int) -> list[str]:
        """The metric keys a run has logged."""
        stmt = (
            select(LatestMetricRow.key)
            .where(LatestMetricRow.run_id == run_id)
            .order_by(LatestMetricRow.key)
        )
        return list(self.session.scalars(stmt))

    def metric_chunks(self, run_id: int, key: str) -> list[ChunkInfo]:
        """The summaries of the stored chunks of one metric, in the order they were logged."""
        c = _CHUNKS.c
        stmt = (
            select(*(c[name] for name in ChunkInfo._fields))
            .where(c.run_id == run_id, c.key == key)
            .order_by(c.id)
        )
        return [ChunkInfo._make(row) for row in self.session.execute(stmt).all()]

    def metric_history(self, run_id: int, key: str) -> Columns:
        """Every point of one metric, ordered by step, then time, then logging order."""
        c = _CHUNKS.c
        stmt = (
            select(
                c.is_sorted,
                c.first_step,
                c.first_ts,
                c.last_step,
                c.last_ts,
                c.steps_blob,
                c.timestamps_blob,
                c.values_blob,
            )
            .where(c.run_id == run_id, c.key == key)
            .order_by(c.id)
        )
        rows = self.session.execute(stmt).all()
        ordered = in_order(rows)
        steps, stamps, values = decode(row[5:] for row in rows)
        if ordered:
            return steps, stamps, values
        # Logged out of order (or by concurrent writers): a stable sort keeps logging order
        # among points of equal step and time.
        order = sorted(range(len(steps)), key=lambda i: (steps[i], stamps[i]))
        return [steps[i] for i in order], [stamps[i] for i in order], [values[i] for i in order]

    def metric_history_slice(
        self, run_id: int, key: str, offset: int, limit: int | None
    ) -> tuple[list[int], list[int], list[float], int]:
        """Points ``offset`` to ``offset + limit`` of one metric in history order, and the total.

        When the chunks were logged in order only the chunks that hold the slice are decoded,
        so paging through a long history costs each page its own points, not the whole history.
        """
        chunks = self.metric_chunks(run_id, key)
        total = sum(c.n for c in chunks)
        stop = total if limit is None else min(total, offset + limit)
        if offset >= stop:
            return [], [], [], total
        if not in_order(chunks):
            steps, stamps, values = self.metric_history(run_id, key)
            return steps[offset:stop], stamps[offset:stop], values[offset:stop], total
        wanted: list[int] = []
        first = position = 0
        for chunk in chunks:
            end = position + chunk.n
            if end > offset and position < stop:
                if not wanted:
                    first = position
                wanted.append(chunk.id)
            position = end
        c = _CHUNKS.c
        stmt = select(c.id, c.steps_blob, c.timestamps_blob, c.values_blob).where(c.id.in_(wanted))
        blobs = {chunk_id: rest for chunk_id, *rest in self.session.execute(stmt)}
        steps, stamps, values = decode(blobs[i] for i in wanted)
        lo, hi = offset - first, stop - first
        return steps[lo:hi], stamps[lo:hi], values[lo:hi], total

    def metric_buckets(
        self, run_id: int, key: str, chunks: Sequence[ChunkInfo], buckets: int
    ) -> list[BucketExtremes]:
        """The downsampling query: per bucket of steps, its first, minimum and maximum point.

        A point of step ``s`` falls in bucket ``(s - lo) * buckets // (hi - lo + 1)``, where
        ``lo`` and ``hi`` are the metric's smallest and largest step; buckets with no point are
        left out. When the chunks were logged in step order, a chunk that lies inside one
        bucket is read from its summary and only chunks across a bucket edge are decoded, so a
        million points cost a few thousand summary rows and a few hundred decoded chunks.

        Args:
            run_id: The run.
            key: The metric.
            chunks: The metric's chunks (``metric_chunks``), not empty.
            buckets: Number of step buckets.

        Returns:
            One entry per non-empty bucket, in step order.
        """
        acc: dict[int, BucketExtremes] = {}
        if not in_order(chunks):
            steps, stamps, values = self.metric_history(run_id, key)
            lo, span = steps[0], steps[-1] - steps[0] + 1
            scan(acc, steps, stamps, values, 0, lo, span, buckets)
            return [acc[b] for b in sorted(acc)]
        lo = chunks[0].first_step
        span = chunks[-1].last_step - lo + 1
        across = [
            c.id
            for c in chunks
            if (c.first_step - lo) * buckets // span != (c.last_step - lo) * buckets // span
        ]
        decoded = self._chunk_columns(across)
        for ordinal, chunk in enumerate(chunks):
            columns = decoded.get(chunk.id)
            if columns is not None:
                scan(acc, *columns, ordinal, lo, span, buckets)
                continue
            bucket = (chunk.first_step - lo) * buckets // span
            entry = acc.get(bucket)
            if entry is None:
                first = Extreme(math.nan, chunk.first_step, chunk.first_ts, (ordinal, 0))
                entry = acc[bucket] = BucketExtremes(first)
            merge_summary(entry, chunk, ordinal)
        return [acc[b] for b in sorted(acc)]

    def _chunk_columns(self, chunk_ids: Sequence[int]) -> dict[int, Columns]:
        out: dict[int, Columns] = {}
        c = _CHUNKS.c
        for start in range(0, len(chunk_ids), 500):
            ids = chunk_ids[start : start + 500]
            stmt = select(c.id, c.steps_blob, c.timestamps_blob, c.values_blob).where(c.id.in_(ids))
            for chunk_id, *blobs in self.session.execute(stmt):
                out[chunk_id] = decode([blobs])
        return out

    def count_metric_points(self, run_id: int) -> int:
        """Number of stored points of every metric of a run."""
        stmt = select(func.sum(MetricChunkRow.n)).where(MetricChunkRow.run_id == run_id)
        return int(self.session.scalar(stmt) or 0)

    def _dialect_insert(
        self, table: type[RunTagRow] | type[LatestMetricRow]
    ) -> sqlite.Insert | postgresql.Insert:
        if self.session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


@functools.cache
def _latest_upsert(dialect: str) -> Any:
    """Insert-or-advance of latest values, built once per dialect (it costs ~1 ms to build)."""
    table = cast(Table, LatestMetricRow.__table__)
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    newer = (stmt.excluded.step > table.c.step) | (
        (stmt.excluded.step == table.c.step) & (stmt.excluded.timestamp >= table.c.timestamp)
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.run_id, table.c.key],
        set_={
            "step": stmt.excluded.step,
            "timestamp": stmt.excluded.timestamp,
            "value": stmt.excluded.value,
            "is_nan": stmt.excluded.is_nan,
        },
        where=newer,
    )


__all__ = ["PointTuple", "RunRepo"]
