"""Serving telemetry in the store: what gateways counted, and ``get_metrics`` reading it.

Gateways count in memory (``serving/telemetry.py``) and add their per-minute counts here
every few seconds (``daemons/serving_flush.py``); a minute's row holds the sum over every
gateway (server replicas). Reading adds the rows of a window into points and totals.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from basalt._internal.clock import Clock
from basalt.errors import NotFoundError, invalid
from basalt.services.deployments import DeploymentService
from basalt.services.workspaces import workspace_id
from basalt.spec.telemetry import DeploymentMetrics, MetricsCounters
from basalt.store.repos.telemetry import DeploymentMetricRepo, counters_of
from basalt.store.uow import UnitOfWork

logger = logging.getLogger(__name__)

DEFAULT_WINDOW = timedelta(hours=1)
MAX_WINDOW = timedelta(days=31)


class DeploymentMetricsService:
    """Adds gateways' counts into the store and reads them per deployment."""

    def __init__(self, uow: UnitOfWork, clock: Clock, deployments: DeploymentService) -> None:
        self.uow = uow
        self.clock = clock
        self.deployments = deployments

    def add(self, batch: Iterable[MetricsCounters]) -> int:
        """Add per-minute counts (one transaction); the number of rows written.

        Counts of a workspace that no longer exists are dropped.
        """
        written = 0
        with self.uow(write=True) as session:
            repo = DeploymentMetricRepo(session)
            ids: dict[str, int | None] = {}
            for counters in batch:
                if counters.workspace not in ids:
                    try:
                        ids[counters.workspace] = workspace_id(session, counters.workspace)
                    except NotFoundError:
                        ids[counters.workspace] = None
                ws_id = ids[counters.workspace]
                if ws_id is not None:
                    repo.add(ws_id, counters)
                    written += 1
        return written

    def get(
        self,
        workspace: str,
        endpoint: str,
        deployment: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> DeploymentMetrics:
        """A deployment's per-minute serving metrics in ``[since, until)`` and their totals.

        Defaults: the last hour. Minutes without requests have no point. The last few
        seconds may be missing: gateways add their counts every ``FLUSH_INTERVAL_S``.

        Raises:
            NotFoundError: No such workspace, endpoint or deployment.
            InvalidArgumentError: ``since`` is not before ``until``, or the window is longer
                than 31 days.
        """
        self.deployments.get(workspace, endpoint, deployment)
        end = _aware(until) or self.clock.now()
        start = _aware(since) or end - DEFAULT_WINDOW
        if start >= end:
            raise invalid(
                "since", f"since ({start.isoformat()}) must be before until ({end.isoformat()})"
            )
        if end - start > MAX_WINDOW:
            raise invalid(
                "since", "the window of get_metrics is at most 31 days; narrow since/until"
            )
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            rows = DeploymentMetricRepo(session).window(ws_id, endpoint, deployment, start, end)
            counts = [counters_of(workspace, r) for r in rows]
        total = MetricsCounters(
            workspace=workspace, endpoint=endpoint, deployment=deployment, minute=start
        )
        for c in counts:
            total.add(c)
        return DeploymentMetrics(
            endpoint_name=endpoint,
            deployment_name=deployment,
            since=start,
            until=end,
            points=[c.point(c.minute) for c in counts],
            total=total.point(None),
        )


def _aware(value: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
