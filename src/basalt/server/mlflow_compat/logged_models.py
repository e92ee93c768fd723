"""MLflow 3 logged models (``mlflow.<flavor>.log_model``) over Basalt runs.

A logged model is recorded on its source run (``services.logged_models``); its files are the
run's files under ``models/<model_id>/``, so its ``artifact_uri`` is
``mlflow-artifacts:/runs/<run>/models/<model_id>``, served by the proxied artifact API.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response

from basalt.errors import NotFoundError, invalid
from basalt.server.deps import ServicesDep
from basalt.server.mlflow_compat import registry_translate as rt
from basalt.server.mlflow_compat import translate as tr
from basalt.server.mlflow_compat.errors import MlflowRoute
from basalt.server.mlflow_compat.routes import WorkspaceDep, ok, query, resolve_experiment
from basalt.spec import mlflow as wire
from basalt.spec.logged_models import LoggedModel, LoggedModelStatus

router = APIRouter(route_class=MlflowRoute, include_in_schema=False)
"""Logged-model routes, relative to ``/api/2.0`` (or ``/ajax-api/2.0``)."""

_FILTER_KEYS = ("name", "model_id", "source_run_id", "status", "model_type")
_PREFIX = "LOGGED_MODEL_"


def model_artifact_uri(model: LoggedModel) -> str:
    """Where the client reads and writes a logged model's files."""
    return f"{tr.run_artifact_uri(model.run_name)}/{model.files_path()}"


def to_mlflow_logged_model(model: LoggedModel) -> dict[str, Any]:
    """A logged model in MLflow's shape."""
    info = {
        "model_id": model.model_id,
        "experiment_id": tr.experiment_id(model.experiment_name, model.experiment_id),
        "name": model.name,
        "creation_timestamp_ms": model.created_ms,
        "last_updated_timestamp_ms": model.updated_ms,
        "artifact_uri": model_artifact_uri(model),
        "status": _PREFIX + model.status,
        "model_type": model.model_type,
        "source_run_id": model.run_name,
        "status_message": model.status_message,
        "tags": rt.pairs(model.tags),
    }
    return {"info": info, "data": {"params": rt.pairs(model.params), "metrics": []}}


def _model_response(model: LoggedModel) -> Response:
    return ok(model=to_mlflow_logged_model(model))


@router.post("/mlflow/logged-models")
def create_logged_model(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.CreateLoggedModel
) -> Response:
    """Record a logged model on its source run (a model without a run is refused)."""
    if not body.source_run_id:
        raise invalid(
            "source_run_id",
            "Basalt keeps a logged model with the run that produced it: log the model inside "
            "a run (mlflow.start_run()) or pass source_run_id",
        )
    run = services.runs.get_run(workspace, body.source_run_id)
    if body.experiment_id is not None:
        experiment = resolve_experiment(services, workspace, body.experiment_id)
        if experiment.name != run.experiment_name:
            raise invalid(
                "experiment_id",
                f"Run '{run.name}' is not in experiment '{body.experiment_id}'",
            )
    model = services.logged_models.create(
        workspace,
        run.name,
        body.name or "model",
        model_type=body.model_type,
        params={p.key: p.value for p in body.params},
        tags={t.key: t.value for t in body.tags},
        created_by=run.created_by,
    )
    return _model_response(model)


@router.post("/mlflow/logged-models/search")
def search_logged_models(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.SearchLoggedModels
) -> Response:
    """Logged models of some experiments matching an ``AND``-joined filter, newest first."""
    conds = rt.parse_filter(body.filter, _FILTER_KEYS)
    names: list[str] | None = None
    if body.experiment_ids:
        names = []
        for mlflow_id in body.experiment_ids:
            try:
                names.append(resolve_experiment(services, workspace, mlflow_id).name)
            except NotFoundError:
                continue
    found = [
        m
        for m in services.logged_models.search(workspace, names)
        if rt.matches(conds, _attributes(m), m.tags)
    ]
    found.sort(key=lambda m: m.created_ms, reverse=True)
    start = int(body.page_token) if body.page_token and body.page_token.isdigit() else 0
    page = found[start : start + body.max_results]
    more = start + body.max_results < len(found)
    return ok(
        models=[to_mlflow_logged_model(m) for m in page],
        next_page_token=str(start + body.max_results) if more else None,
    )


def _attributes(model: LoggedModel) -> dict[str, str | None]:
    return {
        "name": model.name,
        "model_id": model.model_id,
        "source_run_id": model.run_name,
        "status": model.status,
        "model_type": model.model_type,
    }


@router.get("/mlflow/logged-models/{model_id}")
def get_logged_model(services: ServicesDep, workspace: WorkspaceDep, model_id: str) -> Response:
    """A logged model by id."""
    return _model_response(services.logged_models.get(workspace, model_id))


@router.patch("/mlflow/logged-models/{model_id}")
def finalize_logged_model(
    services: ServicesDep, workspace: WorkspaceDep, model_id: str, body: wire.FinalizeLoggedModel
) -> Response:
    """Set a logged model's status (``READY`` once its files are uploaded)."""
    status: LoggedModelStatus = body.status.removeprefix(_PREFIX)  # type: ignore[assignment]
    model = services.logged_models.update(
        workspace, model_id, status=status, status_message=body.status_message
    )
    return _model_response(model)


@router.delete("/mlflow/logged-models/{model_id}")
def delete_logged_model(services: ServicesDep, workspace: WorkspaceDep, model_id: str) -> Response:
    """Remove a logged model and its files."""
    services.logged_models.delete(workspace, model_id)
    return ok()


@router.patch("/mlflow/logged-models/{model_id}/tags")
def set_logged_model_tags(
    services: ServicesDep, workspace: WorkspaceDep, model_id: str, body: wire.LoggedModelTags
) -> Response:
    """Set tags of a logged model."""
    tags = {t.key: t.value for t in body.tags}
    return _model_response(services.logged_models.update(workspace, model_id, tags=tags))


@router.delete("/mlflow/logged-models/{model_id}/tags/{key:path}")
def delete_logged_model_tag(
    services: ServicesDep, workspace: WorkspaceDep, model_id: str, key: str
) -> Response:
    """Remove one tag of a logged model."""
    services.logged_models.update(workspace, model_id, delete_tag=key)
    return ok()


@router.post("/mlflow/logged-models/{model_id}/params")
def log_logged_model_params(
    services: ServicesDep, workspace: WorkspaceDep, model_id: str, body: wire.LoggedModelParams
) -> Response:
    """Add params to a logged model."""
    params = {p.key: p.value for p in body.params}
    services.logged_models.update(workspace, model_id, params=params)
    return ok()


@router.get("/mlflow/logged-models/{model_id}/artifacts/directories")
def list_logged_model_artifacts(
    services: ServicesDep, workspace: WorkspaceDep, model_id: str, request: Request
) -> Response:
    """The entries directly below a folder of a logged model, named relative to the model."""
    model = services.logged_models.get(workspace, model_id)
    rel = tr.safe_path(query(request, wire.ListLoggedModelArtifacts).artifact_directory_path or "")
    root = model.files_path()
    try:
        items = services.runs.list_artifacts(
            workspace, model.run_name, f"{root}/{rel}" if rel else root, recursive=False
        )
    except NotFoundError:
        items = []
    files = [
        wire.FileInfo(
            path=i.path.removeprefix(root + "/"),
            is_dir=i.is_dir,
            file_size=None if i.is_dir else i.size,
        )
        for i in items
    ]
    return ok(root_uri=model_artifact_uri(model), files=files)


@router.post("/mlflow/runs/outputs")
def log_outputs(services: ServicesDep, workspace: WorkspaceDep, body: wire.LogOutputs) -> Response:
    """Record the models a run produced (run property ``basalt.outputs``)."""
    outputs = [(m.model_id, m.step) for m in body.models]
    services.logged_models.log_outputs(workspace, body.run_id, outputs)
    return ok()


@router.post("/mlflow/runs/log-model")
def log_model_2x(services: ServicesDep, workspace: WorkspaceDep, body: wire.LogModel) -> Response:
    """Record an MLflow 2.x model in the run's ``mlflow.log-model.history`` tag."""
    try:
        model = json.loads(body.model_json)
    except ValueError:
        model = None
    if not isinstance(model, dict):
        raise invalid(
            "model_json", f"Malformed model info. \n {body.model_json} \n is not a valid JSON."
        )
    services.logged_models.record_model_history(workspace, body.run_id, model)
    return ok()
