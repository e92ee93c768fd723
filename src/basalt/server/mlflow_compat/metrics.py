"""MLflow's bulk metric-history reads (the calls MLflow's web UI charts make).

``metrics/get-history-bulk-interval`` samples each run to at most ``max_results`` evenly spaced
points (first and last kept); ``metrics/get-history-bulk`` returns whole histories, capped.
Both answer ``{"metrics": [{key, value, timestamp, step, run_id}, ...]}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from basalt.server.deps import ServicesDep
from basalt.server.mlflow_compat.errors import MlflowRoute
from basalt.server.mlflow_compat.routes import WorkspaceDep, ok, query
from basalt.spec import mlflow as wire
from basalt.spec.runs import MetricSeries

router = APIRouter(route_class=MlflowRoute, include_in_schema=False)
"""Bulk metric routes, relative to ``/api/2.0`` (or ``/ajax-api/2.0``)."""


def _points(series: MetricSeries) -> list[dict[str, Any]]:
    # NOTE: plain dicts, not models: 100 runs of 2,500 points each.
    return [
        {"key": series.key, "value": v, "timestamp": t, "step": s, "run_id": series.run_name}
        for s, t, v in zip(series.steps, series.timestamps, series.values, strict=True)
    ]


@router.get("/mlflow/metrics/get-history-bulk-interval")
def get_history_bulk_interval(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """At most ``max_results`` evenly spaced points of one metric per run, in run order."""
    req = query(request, wire.GetMetricHistoryBulkInterval)
    step_range = None
    if req.start_step is not None and req.end_step is not None:
        step_range = (req.start_step, req.end_step)
    sampled = services.runs.sample_metric_histories(
        workspace, req.run_ids, req.metric_key, req.max_results, step_range
    )
    return ok(metrics=[p for series in sampled for p in _points(series)])


@router.get("/mlflow/metrics/get-history-bulk")
def get_history_bulk(services: ServicesDep, workspace: WorkspaceDep, request: Request) -> Response:
    """Whole histories of one metric, runs sorted by id, at most ``max_results`` points."""
    req = query(request, wire.GetMetricHistoryBulk)
    key = req.metric_key or ""
    out: list[dict[str, Any]] = []
    for run_id in sorted(req.run_id):
        if len(out) >= req.max_results:
            break
        series = services.runs.get_metric_history_page(
            workspace, run_id, key, max_results=req.max_results
        )
        # MLflow orders each run's points by time, then step, then value.
        out.extend(sorted(_points(series), key=lambda m: (m["timestamp"], m["step"], m["value"])))
    return ok(metrics=out[: req.max_results])
