"""Per-minute deployment metrics: add counts into a row, read a window."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from basalt.spec.telemetry import COUNT_FIELDS, MetricsCounters
from basalt.store.tables.telemetry import DeploymentMetricRow


class DeploymentMetricRepo:
    """Reads and adds into ``deployment_metrics`` rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, workspace_id: int, counters: MetricsCounters) -> None:
        """Add ``counters`` into its minute's row, creating the row when it is the first.

        NOTE: the row is locked (FOR UPDATE) before it is changed, and a row created by
        another gateway at the same moment is found after the failed insert, so counts from
        several server replicas add up instead of overwriting each other.
        """
        row = self._find(workspace_id, counters, lock=True)
        if row is None:
            row = _new_row(workspace_id, counters)
            try:
                with self.session.begin_nested():
                    self.session.add(row)
                    self.session.flush()
                return
            except IntegrityError:
                found = self._find(workspace_id, counters, lock=True)
                if found is None:
                    raise
                row = found
        total = counters_of("", row)
        total.add(counters)
        for name in COUNT_FIELDS:
            setattr(row, name, getattr(total, name))

    def window(
        self, workspace_id: int, endpoint: str, deployment: str, since: datetime, until: datetime
    ) -> builtins.list[DeploymentMetricRow]:
        """The deployment's rows with ``since <= minute < until``, oldest first."""
        stmt = (
            select(DeploymentMetricRow)
            .where(
                DeploymentMetricRow.workspace_id == workspace_id,
                DeploymentMetricRow.endpoint == endpoint,
                DeploymentMetricRow.deployment == deployment,
                DeploymentMetricRow.minute >= since,
                DeploymentMetricRow.minute < until,
            )
            .order_by(DeploymentMetricRow.minute)
        )
        return list(self.session.scalars(stmt))

    def delete_endpoint(self, workspace_id: int, endpoint: str) -> None:
        """Forget the metrics of every deployment of an endpoint (it was deleted)."""
        self.session.execute(
            delete(DeploymentMetricRow).where(
                DeploymentMetricRow.workspace_id == workspace_id,
                DeploymentMetricRow.endpoint == endpoint,
            )
        )

    def _find(
        self, workspace_id: int, c: MetricsCounters, *, lock: bool
    ) -> DeploymentMetricRow | None:
        stmt = select(DeploymentMetricRow).where(
            DeploymentMetricRow.workspace_id == workspace_id,
            DeploymentMetricRow.endpoint == c.endpoint,
            DeploymentMetricRow.deployment == c.deployment,
            DeploymentMetricRow.minute == c.minute,
        )
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()


def _counts(source: object) -> dict[str, Any]:
    """The count fields of a row or of counters (dicts copied, so neither shares them)."""
    values = {name: getattr(source, name) for name in COUNT_FIELDS}
    return {k: dict(v) if isinstance(v, dict) else v for k, v in values.items()}


def _new_row(workspace_id: int, c: MetricsCounters) -> DeploymentMetricRow:
    return DeploymentMetricRow(
        workspace_id=workspace_id,
        endpoint=c.endpoint,
        deployment=c.deployment,
        minute=c.minute,
        **_counts(c),
    )


def counters_of(workspace: str, row: DeploymentMetricRow) -> MetricsCounters:
    """A row as counts (for summing a window)."""
    return MetricsCounters(
        workspace=workspace,
        endpoint=row.endpoint,
        deployment=row.deployment,
        minute=row.minute,
        **_counts(row),
    )
