"""Run queries: rows, status history, params, tags, metric ingest and history."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from basalt.store.tables import (
    ExperimentRow,
    LatestMetricRow,
    MetricRow,
    ParamRow,
    RunRow,
    RunStatusChangeRow,
    RunTagRow,
)

# (key, value, step, timestamp_ms)
PointTuple = tuple[str, float, int, int]


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

        NOTE: this is the ingest hot path (see bench/bench_ingest.py): one executemany for the
        points and one upsert per distinct key, never a read-modify-write per point.
        """
        if not points:
            return
        rows = []
        latest: dict[str, PointTuple] = {}
        for point in points:
            key, value, step, ts = point
            is_nan = value != value  # NaN is the only float unequal to itself
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
            best = latest.get(key)
            if best is None or (step, ts) >= (best[2], best[3]):
                latest[key] = point
        self.session.execute(insert(MetricRow), rows)
        self._upsert_latest(run_id, list(latest.values()))

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
        stmt = self._dialect_insert(LatestMetricRow)
        current = LatestMetricRow.__table__.c
        newer = (stmt.excluded.step > current.step) | (
            (stmt.excluded.step == current.step) & (stmt.excluded.timestamp >= current.timestamp)
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[LatestMetricRow.run_id, LatestMetricRow.key],
            set_={
                "step": stmt.excluded.step,
                "timestamp": stmt.excluded.timestamp,
                "value": stmt.excluded.value,
                "is_nan": stmt.excluded.is_nan,
            },
            where=newer,
        )
        self.session.execute(stmt, rows)

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

    def metric_keys(self, run_id: int) -> list[str]:
        """The metric keys a run has logged."""
        stmt = (
            select(LatestMetricRow.key)
            .where(LatestMetricRow.run_id == run_id)
            .order_by(LatestMetricRow.key)
        )
        return list(self.session.scalars(stmt))

    def metric_history(self, run_id: int, key: str) -> tuple[list[int], list[int], list[float]]:
        """Every point of one metric, ordered by step then time, as columns."""
        stmt = (
            select(MetricRow.step, MetricRow.timestamp, MetricRow.value, MetricRow.is_nan)
            .where(MetricRow.run_id == run_id, MetricRow.key == key)
            .order_by(MetricRow.step, MetricRow.timestamp, MetricRow.id)
        )
        rows = self.session.execute(stmt).all()
        if not rows:
            return [], [], []
        steps, stamps, values, nans = (list(col) for col in zip(*rows, strict=True))
        if any(nans):
            values = [math.nan if n else v for v, n in zip(values, nans, strict=True)]
        return steps, stamps, values

    def count_metric_points(self, run_id: int) -> int:
        """Number of stored points of every metric of a run."""
        stmt = select(func.count()).select_from(MetricRow).where(MetricRow.run_id == run_id)
        return int(self.session.scalar(stmt) or 0)

    def _dialect_insert(
        self, table: type[RunTagRow] | type[LatestMetricRow]
    ) -> sqlite.Insert | postgresql.Insert:
        if self.session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


__all__ = ["PointTuple", "RunRepo"]
