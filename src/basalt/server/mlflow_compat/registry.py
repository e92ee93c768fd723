"""MLflow model-registry REST routes on Basalt's model registry (nothing stored twice).

A registered model is a Basalt model name, a model version a Basalt model version, an alias a
Basalt label. Deleting archives. The translation lives in ``registry_translate``.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response

from basalt.errors import AlreadyExistsError, NotFoundError, invalid
from basalt.server.deps import ServicesDep
from basalt.server.mlflow_compat import registry_translate as rt
from basalt.server.mlflow_compat.errors import MlflowProtocolError, MlflowRoute
from basalt.server.mlflow_compat.routes import WorkspaceDep, ok, query
from basalt.services.container import Services
from basalt.spec import mlflow_registry as wire
from basalt.spec.common import decode_page_token, encode_page_token
from basalt.spec.models import Model, ModelCreate

router = APIRouter(route_class=MlflowRoute, include_in_schema=False)
"""Registry routes, relative to ``/api/2.0`` (or ``/ajax-api/2.0``)."""

_RM = "/mlflow/registered-models"
_MV = "/mlflow/model-versions"
_LIST_PAGE = 10_000


def _all_versions(
    services: Services, workspace: str, name: str | None = None, archived: bool = False
) -> list[Model]:
    """Every version (of one name), by name, then newest first."""
    out: list[Model] = []
    token: str | None = None
    while True:
        page = services.models.list(
            workspace,
            name=name,
            include_archived=archived,
            page_token=token,
            max_results=_LIST_PAGE,
        )
        out.extend(page.items)
        token = page.next_page_token
        if not token:
            return out


def _live(services: Services, workspace: str, name: str) -> list[Model]:
    versions = _all_versions(services, workspace, name)
    if not versions:
        raise NotFoundError(f"Registered Model with name={name} not found", details={"name": name})
    return versions


def _anchor(services: Services, workspace: str, name: str) -> Model:
    """The oldest version of a name, archived or not: it holds the name's description and tags."""
    return _all_versions(services, workspace, name, archived=True)[-1]


def _registered(services: Services, workspace: str, name: str) -> Response:
    versions = _live(services, workspace, name)
    return ok(registered_model=rt.to_registered_model(versions, _anchor(services, workspace, name)))


def _set_name_properties(
    services: Services, workspace: str, name: str, changes: dict[str, str | None]
) -> None:
    _live(services, workspace, name)
    anchor = _anchor(services, workspace, name)
    props = dict(anchor.properties)
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    services.models.update(workspace, name, anchor.version, properties=props)


def _version(services: Services, workspace: str, name: str, version: str) -> Model:
    """A live version; an archived (deleted) one is not found, as in MLflow."""
    model = services.models.get(workspace, name, version=version)
    if model.archived:
        raise NotFoundError(
            f"Model Version (name={name}, version={version}) not found",
            details={"name": name, "version": version},
        )
    return model


def _page(
    items: list[dict[str, Any]], token: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    offset = decode_page_token(token)
    chunk = items[offset : offset + limit]
    return chunk, encode_page_token(offset + limit) if offset + limit < len(items) else None


def _order(order_by: list[str], allowed: dict[str, str]) -> list[tuple[str, bool]]:
    out = []
    for clause in order_by:
        field, _, direction = clause.strip().partition(" ")
        key = allowed.get(field.strip("`").removeprefix("attributes.").lower())
        if key is None or direction.strip().upper() not in ("", "ASC", "DESC"):
            raise invalid("order_by", f"Invalid order_by clause {clause!r}")
        out.append((key, direction.strip().upper() == "DESC"))
    return out


def _sort(items: list[dict[str, Any]], order: list[tuple[str, bool]]) -> None:
    for key, desc in reversed(order):
        items.sort(key=lambda d: _sort_key(d.get(key)), reverse=desc)


def _sort_key(value: object) -> tuple[int, object]:
    if isinstance(value, str) and value.isdigit():
        return (0, int(value))
    return (1, value) if isinstance(value, str) else (0, value or 0)


# --- registered models -------------------------------------------------------------------------


@router.post(_RM + "/create")
def create_registered_model(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.CreateRegisteredModel
) -> Response:
    """Answer a new name; it is stored with its first version (a name has no record of its own)."""
    if _all_versions(services, workspace, body.name):
        raise AlreadyExistsError(f"Registered Model (name={body.name}) already exists.")
    return ok(
        registered_model={
            "name": body.name,
            "description": body.description or "",
            "tags": rt.pairs({t.key: t.value for t in body.tags}),
        }
    )


@router.get(_RM + "/get")
def get_registered_model(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """A registered model: its live versions' name, description, tags, aliases, latest versions."""
    return _registered(services, workspace, query(request, wire.RegisteredModelName).name)


@router.post(_RM + "/rename")
def rename_registered_model(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.RenameRegisteredModel
) -> Response:
    """Rename a registered model: every version, alias and description moves to the new name."""
    if not body.new_name:
        raise MlflowProtocolError(
            "INVALID_PARAMETER_VALUE", 400, "Missing value for required parameter 'new_name'."
        )
    services.models.rename(workspace, body.name, body.new_name)
    return _registered(services, workspace, body.new_name)


@router.patch(_RM + "/update")
def update_registered_model(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.UpdateRegisteredModel
) -> Response:
    """Set a registered model's description."""
    if body.description is not None:
        _set_name_properties(services, workspace, body.name, {rt.RM_DESCRIPTION: body.description})
    return _registered(services, workspace, body.name)


@router.delete(_RM + "/delete")
def delete_registered_model(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.RegisteredModelName
) -> Response:
    """Archive every version and forget the name's description and tags."""
    versions = _live(services, workspace, body.name)
    anchor = _anchor(services, workspace, body.name)
    props = {k: v for k, v in anchor.properties.items() if not k.startswith(rt.RM_PREFIX)}
    services.models.update(workspace, body.name, anchor.version, properties=props)
    for v in versions:
        for label in v.labels:
            services.models.delete_label(workspace, body.name, label)
        services.models.archive(workspace, body.name, v.version)
    return ok()


@router.get(_RM + "/search")
def search_registered_models(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """Registered models matching ``name``/tag comparisons, by name unless ordered otherwise."""
    req = query(request, wire.SearchRegistry)
    conds = rt.parse_filter(req.filter, ("name",))
    order = _order(
        req.order_by,
        {
            "name": "name",
            "timestamp": "creation_timestamp",
            "creation_timestamp": "creation_timestamp",
            "last_updated_timestamp": "last_updated_timestamp",
        },
    )
    by_name: dict[str, list[Model]] = {}
    for v in _all_versions(services, workspace):
        by_name.setdefault(v.name, []).append(v)
    found = []
    for name, versions in by_name.items():
        record = rt.to_registered_model(versions, _anchor(services, workspace, name))
        tags = {t["key"]: t["value"] for t in record["tags"]}
        if rt.matches(conds, {"name": name}, tags):
            found.append(record)
    _sort(found, [*order, ("name", False)] if order else [("name", False)])
    limit = min(req.max_results or wire.DEFAULT_REGISTERED_MODELS, wire.MAX_REGISTERED_MODELS)
    items, token = _page(found, req.page_token, limit)
    return ok(registered_models=items, next_page_token=token)


def _latest_versions(services: Services, workspace: str, req: wire.GetLatestVersions) -> Response:
    versions = _live(services, workspace, req.name)
    stages = [rt.check_stage(s) for s in req.stages] or list(rt.STAGES.values())
    latest: dict[str, Model] = {}
    for v in versions:
        if rt.stage_of(v) in stages:
            latest.setdefault(rt.stage_of(v), v)
    return ok(model_versions=[rt.to_model_version(v) for v in latest.values()])


@router.post(_RM + "/get-latest-versions")
def get_latest_versions(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.GetLatestVersions
) -> Response:
    """The newest live version in each stage asked for (every stage when none)."""
    return _latest_versions(services, workspace, body)


@router.get(_RM + "/get-latest-versions")
def get_latest_versions_get(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """The GET form of ``get-latest-versions``."""
    return _latest_versions(services, workspace, query(request, wire.GetLatestVersions))


@router.post(_RM + "/set-tag")
def set_registered_model_tag(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.RegisteredModelTag
) -> Response:
    """Set one tag of a registered model."""
    _set_name_properties(services, workspace, body.name, {rt.RM_TAG + body.key: body.value})
    return ok()


@router.delete(_RM + "/delete-tag")
def delete_registered_model_tag(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.RegisteredModelTag
) -> Response:
    """Remove one tag of a registered model."""
    _set_name_properties(services, workspace, body.name, {rt.RM_TAG + body.key: None})
    return ok()


@router.post(_RM + "/alias")
def set_alias(services: ServicesDep, workspace: WorkspaceDep, body: wire.Alias) -> Response:
    """Point an alias (a Basalt label) at a version."""
    if body.version is None:
        raise invalid("version", "Missing value for required parameter 'version'.")
    if re.fullmatch(r"v\d+", body.alias, re.IGNORECASE) or body.alias.lower() == "latest":
        raise invalid("alias", f"Invalid alias {body.alias!r}: 'latest' and 'v<n>' are reserved")
    _version(services, workspace, body.name, body.version)
    services.models.set_label(workspace, body.name, body.alias, body.version)
    return ok()


@router.delete(_RM + "/alias")
def delete_alias(services: ServicesDep, workspace: WorkspaceDep, body: wire.Alias) -> Response:
    """Remove an alias."""
    services.models.delete_label(workspace, body.name, body.alias)
    return ok()


@router.get(_RM + "/alias")
def get_by_alias(services: ServicesDep, workspace: WorkspaceDep, request: Request) -> Response:
    """The version an alias points at."""
    req = query(request, wire.Alias)
    model = services.models.get(workspace, req.name, label=req.alias)
    return ok(model_version=rt.to_model_version(model))


# --- model versions ----------------------------------------------------------------------------


@router.post(_MV + "/create")
def create_model_version(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.CreateModelVersion
) -> Response:
    """Register a run's files as the next version (READY at once), with lineage to the run.

    A logged model's source (``models:/m-<id>``) registers its files: its run's ``models/<id>``.
    """
    source = body.source
    if source.startswith("models:/m-"):
        logged = services.logged_models.get(workspace, source.removeprefix("models:/"))
        source = f"runs:/{logged.run_name}/{logged.files_path()}"
    model = services.models.create_model(
        workspace,
        ModelCreate(
            name=body.name,
            path=rt.source_to_path(source),
            description=body.description or "",
            tags={t.key: t.value for t in body.tags},
        ),
    )
    return ok(model_version=rt.to_model_version(model))


@router.get(_MV + "/get")
def get_model_version(services: ServicesDep, workspace: WorkspaceDep, request: Request) -> Response:
    """One live version."""
    req = query(request, wire.ModelVersionRef)
    return ok(
        model_version=rt.to_model_version(_version(services, workspace, req.name, req.version))
    )


@router.patch(_MV + "/update")
def update_model_version(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.UpdateModelVersion
) -> Response:
    """Set a version's description."""
    model = _version(services, workspace, body.name, body.version)
    if body.description is not None:
        model = services.models.update(
            workspace, body.name, body.version, description=body.description
        )
    return ok(model_version=rt.to_model_version(model))


@router.delete(_MV + "/delete")
def delete_model_version(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.ModelVersionRef
) -> Response:
    """Archive a version and remove its aliases."""
    model = _version(services, workspace, body.name, body.version)
    for label in model.labels:
        services.models.delete_label(workspace, body.name, label)
    services.models.archive(workspace, body.name, body.version)
    return ok()


@router.get(_MV + "/search")
def search_model_versions(
    services: ServicesDep, workspace: WorkspaceDep, request: Request
) -> Response:
    """Live versions matching ``name``/``run_id``/``version_number``/tag comparisons."""
    req = query(request, wire.SearchRegistry)
    conds = rt.parse_filter(req.filter, ("name", "run_id", "version_number", "source_path"))
    order = _order(
        req.order_by,
        {
            "name": "name",
            "version_number": "version",
            "creation_timestamp": "creation_timestamp",
            "timestamp": "creation_timestamp",
            "last_updated_timestamp": "last_updated_timestamp",
        },
    )
    name = next((c.value for c in conds if c.key == "name" and c.op == "="), None)
    found = []
    for v in _all_versions(services, workspace, name):
        attributes = {
            "name": v.name,
            "run_id": v.job_name,
            "version_number": v.version,
            "source_path": v.path,
        }
        if rt.matches(conds, attributes, v.tags):
            found.append(rt.to_model_version(v))
    default = [("last_updated_timestamp", True), ("name", False), ("version", True)]
    _sort(found, order or default)
    limit = min(req.max_results or wire.DEFAULT_MODEL_VERSIONS, wire.MAX_MODEL_VERSIONS)
    items, token = _page(found, req.page_token, limit)
    return ok(model_versions=items, next_page_token=token)


@router.get(_MV + "/get-download-uri")
def get_download_uri(services: ServicesDep, workspace: WorkspaceDep, request: Request) -> Response:
    """``mlflow-artifacts:/models/<name>/<version>``: the version's files, read-only."""
    req = query(request, wire.ModelVersionRef)
    _version(services, workspace, req.name, req.version)
    return ok(artifact_uri=rt.download_uri(req.name, req.version))


@router.post(_MV + "/set-tag")
def set_model_version_tag(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.ModelVersionTag
) -> Response:
    """Set one tag of a version."""
    model = _version(services, workspace, body.name, body.version)
    tags = {**model.tags, body.key: body.value}
    services.models.update(workspace, body.name, body.version, tags=tags)
    return ok()


@router.delete(_MV + "/delete-tag")
def delete_model_version_tag(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.ModelVersionTag
) -> Response:
    """Remove one tag of a version."""
    model = _version(services, workspace, body.name, body.version)
    tags = {k: v for k, v in model.tags.items() if k != body.key}
    services.models.update(workspace, body.name, body.version, tags=tags)
    return ok()


@router.post(_MV + "/transition-stage")
def transition_stage(
    services: ServicesDep, workspace: WorkspaceDep, body: wire.TransitionStage
) -> Response:
    """Set a version's stage (tag ``mlflow.stage``); optionally archive the stage's others."""
    stage = rt.check_stage(body.stage)
    model = _version(services, workspace, body.name, body.version)
    if body.archive_existing_versions and stage in ("Staging", "Production"):
        for other in _all_versions(services, workspace, body.name):
            if other.version != body.version and rt.stage_of(other) == stage:
                tags = {**other.tags, rt.STAGE_TAG: "Archived"}
                services.models.update(workspace, body.name, other.version, tags=tags)
    model = services.models.update(
        workspace, body.name, body.version, tags={**model.tags, rt.STAGE_TAG: stage}
    )
    return ok(model_version=rt.to_model_version(model))
