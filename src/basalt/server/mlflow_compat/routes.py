"""MLflow tracking REST routes, translated to Basalt's services.

Every route is registered under ``/api/2.0`` and ``/ajax-api/2.0``, at the server's root
(workspace ``default``) and below ``/mlflow/ws/{workspace}`` (that workspace), so
``MLFLOW_TRACKING_URI=http://host:port/mlflow/ws/team`` logs to workspace ``team``.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import pydantic_core
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse

from basalt.config import DEFAULT_WORKSPACE_NAME
from basalt.errors import NotFoundError
from basalt.server.deps import ServicesDep
from basalt.server.mlflow_compat import translate as tr
from basalt.server.mlflow_compat.errors import MlflowProtocolError, MlflowRoute
from basalt.services.container import Services
from basalt.spec import mlflow as wire
from basalt.spec.common import MAX_PAGE_SIZE
from basalt.spec.experiments import (
    DEFAULT_EXPERIMENT,
    Experiment,
    ExperimentCreate,
    ExperimentListQuery,
)
from basalt.spec.filters import And, Expr
from basalt.spec.runs import LogBatch, Run, RunListQuery, RunUpdate

MLFLOW_COMPAT_VERSION = "3.17.2"
"""The MLflow client version this API is tested against (answered by ``/version``)."""

ModelT = TypeVar("ModelT", bound=wire.MlflowModel)

router = APIRouter(route_class=MlflowRoute, include_in_schema=False)
"""Tracking routes, relative to ``/api/2.0`` (or ``/ajax-api/2.0``)."""

root_router = APIRouter(route_class=MlflowRoute, include_in_schema=False)
"""Routes relative to the tracking URI itself: health, version, server info."""


def _workspace(request: Request) -> str:
    workspace = request.path_params.get("workspace")
    return str(workspace) if workspace else DEFAULT_WORKSPACE_NAME


WorkspaceDep = Annotated[str, Depends(_workspace)]


def ok(**fields: Any) -> Response:
    """A JSON object answer; NaN and infinities as MLflow's strings, Nones left out."""
    present = {k: v for k, v in fields.items() if v is not None}
    body = pydantic_core.to_json(present, inf_nan_mode="strings", by_alias=True, exclude_none=True)
    return Response(body, media_type="application/json")


def query(request: Request, model: type[ModelT]) -> ModelT:
    """A GET request's query parameters as ``model`` (repeated keys become lists)."""
    params = request.query_params
    data: dict[str, Any] = {}
    for key in params:
        field = model.model_fields.get(key)
        is_list = field is not None and "list" in str(field.annotation)
        data[key] = params.getlist(key) if is_list else params[key]
    return model.model_validate(data)


def resolve_experiment(services: Services, workspace: str, mlflow_id: str | None) -> Experiment:
    """The experiment an MLflow id names; ``"0"`` (or none) is ``Default``, made if missing."""
    if mlflow_id is None or mlflow_id in ("", tr.DEFAULT_EXPERIMENT_ID):
        return services.experiments.ensure_experiment(workspace, DEFAULT_EXPERIMENT)
    return services.experiments.get_experiment_by_id(workspace, mlflow_id)


def _run_response(services: Services, workspace: str, run: Run) -> Response:
    latest = services.runs.latest_metric_points(workspace, [run.name]).get(run.name, [])
    return ok(run=tr.to_mlflow_run(run, latest))


# --- server ------------------------------------------------------------------------------------


@root_router.get("/health")
def health() -> PlainTextResponse:
    """MLflow's liveness probe."""
    return PlainTextResponse("OK")


@root_router.get("/version")
def version() -> PlainTextResponse:
    """The MLflow version whose client this API is tested with."""
    return PlainTextResponse(MLFLOW_COMPAT_VERSION)


@root_router.get("/api/3.0/mlflow/server-info")
@root_router.get("/ajax-api/3.0/mlflow/server-info")
def server_info() -> Response:
    """What the server supports: no multipart or presigned transfers, no MLflow workspaces."""
    return ok(
        store_type="SqlStore",
        workspaces_enabled=False,
        trace_archival_enabled=False,
        multipart_uploads_enabled=False,
        multipart_downloads_enabled=False,
        presigned_upload_run_id_supported=False,
        presigned_upload_model_id_supported=False,
        features_enabled={"gateway": False},
    )


# --- experiments -------------------------------------------------------------------------------


@router.post("/mlflow/experiments/create")
def create_experiment(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.CreateExperiment
) -> Response:
    """Create an experiment (``artifact_location`` is ignored: Basalt keeps the files)."""
    tags = {t.key: t.value for t in body.tags}
    created = services.experiments.create_experiment(
        workspace, ExperimentCreate(name=body.name, tags=tags)
    )
    return ok(experiment_id=tr.experiment_id(created.name, created.id))


@router.get("/mlflow/experiments/get")
def get_experiment(services: ServicesDep, workspace: WorkspaceDep, request: Request) -> Response:
    """An experiment by id."""
    req = query(request, wire.ExperimentIdRequest)
    experiment = resolve_experiment(services, workspace, req.experiment_id)
    return ok(experiment=tr.to_mlflow_experiment(experiment))


@router.get("/mlflow/experiments/get-by-name")
def get_experiment_by_name(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """An experiment by name (``Default`` always exists)."""
    name = query(request, wire.GetExperimentByName).experiment_name
    if name == DEFAULT_EXPERIMENT:
        experiment = services.experiments.ensure_experiment(workspace, name)
    else:
        experiment = services.experiments.get_experiment(workspace, name)
    return ok(experiment=tr.to_mlflow_experiment(experiment))


def _search_experiments(
    services: Services, workspace: str, req: wire.SearchExperiments
) -> Response:
    services.experiments.ensure_experiment(workspace, DEFAULT_EXPERIMENT)
    page = services.experiments.search_experiments(
        workspace,
        ExperimentListQuery(
            filter=req.filter,
            order_by=tr.experiment_order(req.order_by),
            max_results=min(req.max_results, MAX_PAGE_SIZE),
            page_token=req.page_token,
            view=tr.experiment_view(req.view_type),
        ),
    )
    return ok(
        experiments=[tr.to_mlflow_experiment(e) for e in page.items],
        next_page_token=page.next_page_token,
    )


@router.post("/mlflow/experiments/search")
def search_experiments(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.SearchExperiments
) -> Response:
    """Experiments matching a filter, one page."""
    return _search_experiments(services, workspace, body)


@router.get("/mlflow/experiments/search")
def search_experiments_get(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """Experiments matching a filter, one page (the GET form)."""
    return _search_experiments(services, workspace, query(request, wire.SearchExperiments))


@router.post("/mlflow/experiments/update")
def update_experiment(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.UpdateExperiment
) -> Response:
    """Rename an experiment."""
    experiment = resolve_experiment(services, workspace, body.experiment_id)
    if body.new_name:
        services.experiments.rename_experiment(workspace, experiment.name, body.new_name)
    return ok()


@router.post("/mlflow/experiments/delete")
def delete_experiment(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.ExperimentIdRequest
) -> Response:
    """Archive an experiment and its runs (MLflow's soft delete)."""
    experiment = resolve_experiment(services, workspace, body.experiment_id)
    services.experiments.archive_experiment(workspace, experiment.name)
    return ok()


@router.post("/mlflow/experiments/restore")
def restore_experiment(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.ExperimentIdRequest
) -> Response:
    """Restore an archived experiment and its runs."""
    experiment = resolve_experiment(services, workspace, body.experiment_id)
    services.experiments.archive_experiment(workspace, experiment.name, archived=False)
    return ok()


@router.post("/mlflow/experiments/set-experiment-tag")
def set_experiment_tag(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.SetExperimentTag
) -> Response:
    """Set one tag of an experiment."""
    experiment = resolve_experiment(services, workspace, body.experiment_id)
    services.experiments.set_tags(workspace, experiment.name, {body.key: body.value})
    return ok()


@router.post("/mlflow/experiments/delete-experiment-tag")
def delete_experiment_tag(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.DeleteExperimentTag
) -> Response:
    """Remove one tag of an experiment."""
    experiment = resolve_experiment(services, workspace, body.experiment_id)
    services.experiments.delete_tag(workspace, experiment.name, body.key)
    return ok()


# --- runs --------------------------------------------------------------------------------------


@router.post("/mlflow/runs/create")
def create_run(services: ServicesDep, workspace: WorkspaceDep, body: wire.CreateRun) -> Response:
    """Start a run (Running) in an experiment; a ``mlflow.parentRunId`` tag makes it a child."""
    experiment = resolve_experiment(services, workspace, body.experiment_id)
    create = tr.to_basalt_run_create(body, experiment.name, services.runs.name_factory)
    run = services.runs.create_run(workspace, create)
    return ok(run=tr.to_mlflow_run(run, []))


@router.get("/mlflow/runs/get")
def get_run(services: ServicesDep, workspace: WorkspaceDep, request: Request) -> Response:
    """A run with its latest metrics, params, tags and dataset inputs."""
    run_id = query(request, wire.RunIdModel).run_id
    return _run_response(services, workspace, services.runs.get_run(workspace, run_id))


@router.post("/mlflow/runs/update")
def update_run(services: ServicesDep, workspace: WorkspaceDep, body: wire.UpdateRun) -> Response:
    """Change a run's status (and end time) or name."""
    fields: dict[str, Any] = {}
    if body.status is not None:
        fields["status"] = tr.from_mlflow_status(body.status)
    if body.end_time is not None:
        fields["end_time"] = tr.from_ms(body.end_time)
    if body.run_name:
        fields["display_name"] = body.run_name
    run = services.runs.update_run(workspace, body.run_id, RunUpdate(**fields), from_script=True)
    return ok(run_info=tr.to_mlflow_run_info(run))


@router.post("/mlflow/runs/delete")
def delete_run(services: ServicesDep, workspace: WorkspaceDep, body: wire.RunIdModel) -> Response:
    """Archive a run (MLflow's soft delete)."""
    services.runs.archive_run(workspace, body.run_id)
    return ok()


@router.post("/mlflow/runs/restore")
def restore_run(services: ServicesDep, workspace: WorkspaceDep, body: wire.RunIdModel) -> Response:
    """Restore an archived run."""
    services.runs.archive_run(workspace, body.run_id, archived=False)
    return ok()


@router.post("/mlflow/runs/log-metric")
def log_metric(services: ServicesDep, workspace: WorkspaceDep, body: wire.LogMetric) -> Response:
    """Log one metric point."""
    point = wire.Metric(key=body.key, value=body.value, timestamp=body.timestamp, step=body.step)
    services.runs.log_batch(workspace, body.run_id, tr.to_basalt_batch([point], [], []))
    return ok()


@router.post("/mlflow/runs/log-parameter")
def log_param(services: ServicesDep, workspace: WorkspaceDep, body: wire.LogParam) -> Response:
    """Log one param (a different value for a logged key is refused)."""
    param = wire.KeyValue(key=body.key, value=body.value)
    services.runs.log_batch(workspace, body.run_id, tr.to_basalt_batch([], [param], []))
    return ok()


@router.post("/mlflow/runs/set-tag")
def set_tag(services: ServicesDep, workspace: WorkspaceDep, body: wire.SetTag) -> Response:
    """Set one tag (``mlflow.runName`` renames the run)."""
    tag = wire.KeyValue(key=body.key, value=body.value)
    services.runs.log_batch(workspace, body.run_id, tr.to_basalt_batch([], [], [tag]))
    return ok()


@router.post("/mlflow/runs/delete-tag")
def delete_tag(services: ServicesDep, workspace: WorkspaceDep, body: wire.DeleteTag) -> Response:
    """Remove one tag."""
    services.runs.delete_tag(workspace, body.run_id, body.key)
    return ok()


@router.post("/mlflow/runs/log-batch")
def log_batch(services: ServicesDep, workspace: WorkspaceDep, body: wire.LogBatch) -> Response:
    """Log metrics, params and tags in one transaction (MLflow's per-request limits apply)."""
    batch: LogBatch = tr.to_basalt_batch(body.metrics, body.params, body.tags)
    services.runs.log_batch(workspace, body.run_id, batch)
    return ok()


@router.post("/mlflow/runs/log-inputs")
def log_inputs(services: ServicesDep, workspace: WorkspaceDep, body: wire.LogInputs) -> Response:
    """Record the datasets a run read."""
    datasets = [tr.to_basalt_dataset(d) for d in body.datasets]
    services.runs.log_inputs(workspace, body.run_id, datasets)
    return ok()


@router.post("/mlflow/runs/search")
def search_runs(services: ServicesDep, workspace: WorkspaceDep, body: wire.SearchRuns) -> Response:
    """Runs of some experiments matching an MLflow filter, in order, one page."""
    names: list[str] = []
    for mlflow_id in body.experiment_ids:
        try:
            names.append(resolve_experiment(services, workspace, mlflow_id).name)
        except NotFoundError:
            continue  # MLflow finds no runs in an unknown experiment rather than failing
    if body.experiment_ids and not names:
        return ok(runs=[])
    include_archived, view = tr.run_view_filter(body.run_view_type)
    parts: list[Expr] = [e for e in (tr.run_filter(body.filter), view) if e is not None]
    if names:
        parts.append(tr.experiment_names_filter(names))
    where = None if not parts else parts[0] if len(parts) == 1 else And(tuple(parts))
    page = services.runs.list_runs(
        workspace,
        RunListQuery(
            order_by=tr.run_order(body.order_by),
            max_results=min(body.max_results, MAX_PAGE_SIZE),
            page_token=body.page_token,
            include_archived=include_archived,
        ),
        where=where,
    )
    latest = services.runs.latest_metric_points(workspace, [r.name for r in page.items])
    return ok(
        runs=[tr.to_mlflow_run(r, latest.get(r.name, [])) for r in page.items],
        next_page_token=page.next_page_token,
    )


@router.get("/mlflow/metrics/get-history")
def get_metric_history(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """Every point of one metric, or one page of them with ``max_results``."""
    req = query(request, wire.GetMetricHistory)
    series = services.runs.get_metric_history_page(
        workspace,
        req.run_id,
        req.metric_key,
        max_results=req.max_results,
        page_token=req.page_token,
    )
    key = series.key
    # NOTE: plain dicts, not models: a page holds up to 25,000 points.
    metrics = [
        {"key": key, "value": v, "timestamp": t, "step": s}
        for s, t, v in zip(series.steps, series.timestamps, series.values, strict=True)
    ]
    return ok(metrics=metrics, next_page_token=series.next_page_token)


# --- everything else ---------------------------------------------------------------------------

fallback_router = APIRouter(route_class=MlflowRoute, include_in_schema=False)
"""Catch-alls for MLflow paths Basalt does not serve; included after every other route."""

# NOTE: families of the MLflow API that exist but are not implemented yet answer 501, so the
# client stops with a clear message; any other path is ENDPOINT_NOT_FOUND (404), which the
# client reads as "this server is older" and may fall back from.
_NOT_YET: dict[str, str] = {
    "traces": "MLflow traces",
}
_ANY = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@fallback_router.api_route("/{version}/mlflow/{rest:path}", methods=_ANY)
def not_served(request: Request, rest: str) -> Response:
    """Answer an MLflow path Basalt does not serve (501 for known families, else 404)."""
    where = f"{request.method} {request.url.path}"
    for prefix, feature in _NOT_YET.items():
        if rest == prefix or rest.startswith(prefix + "/"):
            raise MlflowProtocolError(
                "NOT_IMPLEMENTED",
                501,
                f"Basalt does not support {feature} yet ({where}); see docs/mlflow.md in "
                "Basalt's documentation for what is supported",
            )
    raise MlflowProtocolError(
        "ENDPOINT_NOT_FOUND", 404, f"Basalt serves no MLflow endpoint {where}"
    )


__all__ = [
    "MLFLOW_COMPAT_VERSION",
    "ok",
    "query",
    "resolve_experiment",
    "fallback_router",
    "root_router",
    "router",
]
