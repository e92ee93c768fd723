"""Batch deployments: model, code, environment and compute resolved when saved.

As for online deployments (``services/deployments.py``, whose resolution helpers in
``_deployment_resolve.py`` this shares), creating a batch deployment resolves its model (a
registered version, or an inline path registered now), stores its code's manifest, resolves its
environment and checks its compute target, so a mistake fails the call rather than a job later.
The model version is marked in use by ``batch-deployment <endpoint>/<deployment>`` in the same
transaction. The first deployment of an endpoint becomes its default unless one is set.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable
from typing import Any

from basalt._internal.clock import Clock
from basalt.artifacts.snapshots import SnapshotStore
from basalt.errors import AlreadyExistsError, ConflictError, NotFoundError, invalid
from basalt.services._deployment_resolve import (
    inline_flavor,
    model_dir_name,
    resolve_model,
    store_code,
)
from basalt.services.asset_uses import AssetUseService
from basalt.services.batch_endpoints import BATCH_USER_KIND, BatchEndpointService, batch_user
from basalt.services.deployments import EnvironmentResolver
from basalt.services.models import ModelService
from basalt.services.workspaces import workspace_id
from basalt.spec.batch_endpoints import (
    BatchDeployment,
    BatchDeploymentCreate,
    BatchDeploymentUpdate,
    BatchResources,
    BatchSettings,
)
from basalt.spec.endpoints import InlineModel
from basalt.spec.references import strip_compute
from basalt.store.repos.batch_endpoints import BatchEndpointRepo
from basalt.store.tables.batch_endpoints import BatchDeploymentRow, BatchEndpointRow
from basalt.store.uow import Session, UnitOfWork

__all__ = ["BatchDeploymentService", "check_no_code"]

logger = logging.getLogger(__name__)

DEFAULT_COMPUTE = "local"
# The request's fields kept in the row's spec column as sent.
_KEPT = ("description", "tags", "resources", "settings", "code_configuration")
# A file a no-code batch deployment's model may be: serving/nocode_batch.py loads it.
_NO_CODE_SUFFIXES = (".pkl", ".pickle", ".joblib")
# What an explicit null in an update resets a setting to.
_RESET: dict[str, Any] = {
    "description": "",
    "tags": {},
    "compute": DEFAULT_COMPUTE,
    "resources": BatchResources().model_dump(mode="json"),
    "settings": BatchSettings().model_dump(mode="json"),
}


class BatchDeploymentService:
    """Batch deployment rules: resolution, in-use registration, the endpoint's default.

    Args:
        uow: The unit of work.
        clock: Time source.
        endpoints: The batch endpoint service (rows, model release).
        models: The model registry.
        blobs: The content-addressed blobs (code files).
        resolve_environment: Resolves an environment as jobs do.
        check_compute: ``(workspace, name)``; raises NotFoundError for an unknown target.
        uses: The in-use guard.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        endpoints: BatchEndpointService,
        models: ModelService,
        blobs: SnapshotStore,
        resolve_environment: EnvironmentResolver,
        check_compute: Callable[[str, str], object],
        uses: AssetUseService,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.endpoints = endpoints
        self.models = models
        self.blobs = blobs
        self.resolve_environment = resolve_environment
        self.check_compute = check_compute
        self.uses = uses

    def create(
        self, workspace: str, body: BatchDeploymentCreate, *, replace: bool = False
    ) -> BatchDeployment:
        """Create a batch deployment (or, with ``replace``, create or replace it).

        Raises:
            NotFoundError: No such workspace, endpoint, model, environment or compute.
            InvalidArgumentError: No model; no code for a model Basalt cannot load by itself
                (``check_no_code``); a scoring script not among the code files.
            AlreadyExistsError: The deployment exists and ``replace`` is not set.
        """
        self.endpoints.get(workspace, body.endpoint_name)  # NotFoundError says how to create
        compute = strip_compute(body.compute or DEFAULT_COMPUTE)
        self.check_compute(workspace, compute)
        code = store_code(self.blobs, body)
        inline = body.model if isinstance(body.model, InlineModel) else None
        if inline is not None and inline.files is not None:
            # NOTE: checked before an inline model is registered, so a refusal leaves no model
            # version behind.
            paths = [f.path for f in inline.files]
            check_no_code(body, inline.path, paths, inline_flavor(body))
        model = resolve_model(self.models, self.blobs, workspace, body)
        check_no_code(body, f"{model.name}:{model.version}", model.files, model.flavor)
        resolved, _ = self.resolve_environment(workspace, body.environment)
        spec: dict[str, Any] = body.model_dump(mode="json", include=set(_KEPT))
        spec.update(
            compute=compute,
            model_type=model.type.value,
            model_dir_name=model_dir_name(model),
            code_manifest=code[0],
            code_file_count=code[1],
            environment=resolved,
            environment_request=body.environment,
        )
        user = batch_user(body.endpoint_name, body.name)
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            ep = self.endpoints.endpoint_row(
                session, ws_id, workspace, body.endpoint_name, lock=True
            )
            repo = BatchEndpointRepo(session)
            row = repo.find_deployment(ep.id, body.name)
            self.models.resolve_row(session, ws_id, model.name, model.version)
            now = self.clock.now()
            if row is None:
                row = BatchDeploymentRow(
                    endpoint_id=ep.id, name=body.name, created_at=now, created_by=body.created_by
                )
            elif not replace:
                raise self._exists(body.endpoint_name, body.name)
            else:
                self.endpoints.release_model(session, ws_id, body.endpoint_name, row)
            row.spec = spec
            row.model_name, row.model_version = model.name, model.version
            row.updated_at = now
            if row.id is None and not repo.try_add(row):
                raise self._exists(body.endpoint_name, body.name)
            self.uses.register_use_in(
                session, ws_id, "model", model.name, model.version, BATCH_USER_KIND, user
            )
            if ep.default_deployment is None:
                ep.default_deployment = body.name
            ep.updated_at = now
            session.flush()
            logger.info(
                "batch deployment %s of endpoint %s in %s (model %s:%s)",
                body.name,
                body.endpoint_name,
                workspace,
                model.name,
                model.version,
            )
            return _to_spec(ep, row)

    def update(
        self, workspace: str, endpoint: str, name: str, body: BatchDeploymentUpdate
    ) -> BatchDeployment:
        """Change the settings ``body`` sets (model, code and environment stay).

        Raises:
            NotFoundError: No such workspace, endpoint, deployment or compute.
        """
        sent = body.model_dump(mode="json", exclude_unset=True)
        if sent.get("compute") is not None:
            sent["compute"] = strip_compute(sent["compute"])
            self.check_compute(workspace, sent["compute"])
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            ep, row = self._rows(session, ws_id, workspace, endpoint, name, lock=True)
            spec = dict(row.spec)
            for key, value in sent.items():
                if value is None:
                    spec[key] = _RESET[key]
                elif isinstance(value, dict) and key in ("resources", "settings"):
                    spec[key] = _merge(spec.get(key) or {}, value)
                else:
                    spec[key] = value
            row.spec = spec
            row.updated_at = self.clock.now()
            session.flush()
            return _to_spec(ep, row)

    def get(self, workspace: str, endpoint: str, name: str) -> BatchDeployment:
        """One batch deployment.

        Raises:
            NotFoundError: No such workspace, endpoint or deployment.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            ep, row = self._rows(session, ws_id, workspace, endpoint, name)
            return _to_spec(ep, row)

    def list(self, workspace: str, endpoint: str) -> builtins.list[BatchDeployment]:
        """The endpoint's deployments by name.

        Raises:
            NotFoundError: No such workspace or endpoint.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            ep = self.endpoints.endpoint_row(session, ws_id, workspace, endpoint)
            return [_to_spec(ep, r) for r in BatchEndpointRepo(session).deployments(ep.id)]

    def delete(self, workspace: str, endpoint: str, name: str) -> None:
        """Delete a deployment; its model is released.

        Raises:
            NotFoundError: No such workspace, endpoint or deployment.
            ConflictError: It is the endpoint's default and other deployments remain.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            ep, row = self._rows(session, ws_id, workspace, endpoint, name, lock=True)
            repo = BatchEndpointRepo(session)
            others = [d.name for d in repo.deployments(ep.id) if d.name != name]
            if ep.default_deployment == name:
                if others:
                    raise ConflictError(
                        f"Batch deployment '{name}' is the default of endpoint '{endpoint}'; "
                        "make another the default first (basalt batch-endpoint update --name "
                        f"{endpoint} --set defaults.deployment_name={others[0]})",
                        details={"endpoint": endpoint, "deployment": name},
                    )
                ep.default_deployment = None
            self.endpoints.release_model(session, ws_id, endpoint, row)
            repo.delete(row)
            ep.updated_at = self.clock.now()
            session.flush()
            logger.info("deleted batch deployment %s of %s in %s", name, endpoint, workspace)

    def record(
        self, workspace: str, endpoint: str, name: str | None
    ) -> tuple[BatchDeployment, dict[str, Any]]:
        """The deployment an invocation runs (``name``, else the default) and its stored spec.

        Raises:
            NotFoundError: No such endpoint or deployment.
            InvalidArgumentError: No deployment named and the endpoint has no default.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            ep = self.endpoints.endpoint_row(session, ws_id, workspace, endpoint)
            chosen = name or ep.default_deployment
            if chosen is None:
                raise invalid(
                    "deployment_name",
                    f"Batch endpoint '{endpoint}' has no deployment yet; create one (basalt "
                    "batch-deployment create -f deployment.yml) or name one with "
                    "--deployment-name",
                )
            ep, row = self._rows(session, ws_id, workspace, endpoint, chosen)
            return _to_spec(ep, row), dict(row.spec)

    def _rows(
        self,
        session: Session,
        ws_id: int,
        workspace: str,
        endpoint: str,
        name: str,
        *,
        lock: bool = False,
    ) -> tuple[BatchEndpointRow, BatchDeploymentRow]:
        ep = self.endpoints.endpoint_row(session, ws_id, workspace, endpoint, lock=lock)
        row = BatchEndpointRepo(session).find_deployment(ep.id, name)
        if row is None:
            raise NotFoundError(
                f"Deployment '{name}' not found in batch endpoint '{endpoint}' (workspace "
                f"'{workspace}'); create it with: basalt batch-deployment create -f "
                "deployment.yml",
                details={"endpoint": endpoint, "deployment": name},
            )
        return ep, row

    @staticmethod
    def _exists(endpoint: str, name: str) -> AlreadyExistsError:
        return AlreadyExistsError(
            f"Deployment '{name}' already exists in batch endpoint '{endpoint}'; update it "
            "with: basalt batch-deployment update -f deployment.yml",
            details={"endpoint": endpoint, "deployment": name},
        )


def check_no_code(
    body: BatchDeploymentCreate, model: str, paths: list[str], flavor: str | None
) -> None:
    """Refuse a deployment without code whose model the no-code script cannot load.

    ``serving/nocode_batch.py`` loads an MLflow model (an ``MLmodel`` file), a pickled or
    joblib estimator, or a LightGBM text model.

    Raises:
        InvalidArgumentError: Naming the model and saying to give a scoring script.
    """
    if body.code_configuration is not None:
        return
    names = [p.rsplit("/", 1)[-1].lower() for p in paths]
    if any(n == "mlmodel" or n.endswith(_NO_CODE_SUFFIXES) for n in names):
        return
    if flavor in ("mlflow", "lightgbm"):  # an MLmodel file; a LightGBM text model
        return
    raise invalid(
        "code_configuration",
        f"Batch deployment '{body.name}': model {model} (flavor {flavor or 'unknown'}) has no "
        "MLmodel file and no .pkl/.joblib estimator, so Basalt cannot score it without a "
        "scoring script; give code_configuration: {code, scoring_script} with init() and "
        "run(mini_batch)",
    )


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` with the keys of ``new`` (nested mappings merged too)."""
    out = dict(old)
    for key, value in new.items():
        current = out.get(key)
        both = isinstance(value, dict) and isinstance(current, dict)
        out[key] = _merge(current, value) if both else value  # type: ignore[arg-type]
    return out


def _to_spec(ep: BatchEndpointRow, row: BatchDeploymentRow) -> BatchDeployment:
    spec = row.spec
    kept = {k: spec[k] for k in _KEPT if spec.get(k) is not None}
    return BatchDeployment.model_validate(
        {
            **kept,
            "name": row.name,
            "endpoint_name": ep.name,
            "model": f"{row.model_name}:{row.model_version}" if row.model_name else None,
            "code_files": spec.get("code_file_count", 0),
            "environment": spec.get("environment", "none"),
            "compute": spec.get("compute", DEFAULT_COMPUTE),
            "is_default": ep.default_deployment == row.name,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "created_by": row.created_by,
        }
    )
