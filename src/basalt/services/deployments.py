"""Online deployments: model, code and environment resolved; desired and observed state.

Creating or updating a deployment resolves everything it needs *now*, so a mistake fails the
call rather than a worker later:

- the model: a registered version or an inline path, registered then
  (``_deployment_resolve.py``), and marked in use by ``deployment <endpoint>/<deployment>`` in
  the same transaction, so it cannot be archived or deleted while deployed;
- the code: uploaded by the SDK to the blobs first; the manifest is written here;
- the environment: resolved as a job's (a workspace or curated environment, or inline).

Every create and update bumps the deployment's ``generation``. The serving host reads
``desired()``, calls ``prepare_folder`` (model and code restored below
``<deployments_dir>/<ws>/<endpoint>/<deployment>/<generation>/``), runs the workers and reports
what it saw with ``report``; a report for an older generation is ignored. Workers write their
console to ``<deployments_dir>/<ws>/<endpoint>/<deployment>/logs/worker-<i>.log``, which
``get_logs`` reads.
"""

from __future__ import annotations

import builtins
import logging
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from basalt._internal.clock import Clock
from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts.snapshots import SnapshotStore
from basalt.errors import AlreadyExistsError, ConflictError, NotFoundError, invalid
from basalt.services._deployment_resolve import (
    check_code_needed,
    inline_flavor,
    model_dir_name,
    resolve_model,
    store_code,
)
from basalt.services.asset_uses import AssetUseService
from basalt.services.endpoints import EndpointService, check_traffic, deployment_user
from basalt.services.models import ModelService
from basalt.services.workspaces import workspace_id
from basalt.spec.endpoints import (
    DeploymentLogs,
    DesiredDeployment,
    InlineModel,
    OnlineDeployment,
    OnlineDeploymentCreate,
    OnlineDeploymentUpdate,
    ProvisioningState,
)
from basalt.spec.environments import EnvironmentSpec
from basalt.store.repos.endpoints import EndpointRepo
from basalt.store.tables.endpoints import OnlineDeploymentRow, OnlineEndpointRow
from basalt.store.uow import Session, UnitOfWork

__all__ = ["DeploymentService", "EnvironmentResolver"]

logger = logging.getLogger(__name__)

EnvironmentResolver = Callable[[str, "str | dict[str, Any] | None"], tuple[str, EnvironmentSpec]]
"""``(workspace, reference or inline spec)`` → (what it resolved to, its content)."""

PREPARED_MARKER = ".prepared"
LOG_DIR = "logs"
# The request's fields kept in the row's spec column as sent (the rest is resolved or derived).
_KEPT = (
    "description",
    "tags",
    "instance_count",
    "instance_type",
    "environment_variables",
    "request_settings",
    "liveness_probe",
    "readiness_probe",
    "app_insights_enabled",
    "data_collector",
    "code_configuration",
)

# What an explicit null in an update resets a setting to.
_DEFAULTS: dict[str, Any] = {
    name: (field.get_default(call_default_factory=True))
    for name, field in OnlineDeploymentCreate.model_fields.items()
    if name in _KEPT
}
_DEFAULTS = {
    k: v.model_dump(mode="json") if hasattr(v, "model_dump") else v for k, v in _DEFAULTS.items()
}


class DeploymentService:
    """Deployment rules: resolution, generations, in-use registration, state reports.

    Args:
        uow: The unit of work.
        clock: Time source.
        endpoints: The endpoint service (rows, traffic, the gateway's generation).
        models: The model registry (resolving and registering models).
        blobs: The content-addressed blobs (code and model files).
        resolve_environment: Resolves an environment as jobs do.
        uses: The in-use guard.
        root: Where deployment folders are made (``Settings.deployments_dir()``).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        endpoints: EndpointService,
        models: ModelService,
        blobs: SnapshotStore,
        resolve_environment: EnvironmentResolver,
        uses: AssetUseService,
        root: Path,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.endpoints = endpoints
        self.models = models
        self.blobs = blobs
        self.resolve_environment = resolve_environment
        self.uses = uses
        self.root = root

    # --- records -------------------------------------------------------------------------

    def create(
        self, workspace: str, body: OnlineDeploymentCreate, *, replace: bool = False
    ) -> OnlineDeployment:
        """Create a deployment (or, with ``replace``, create or replace the one of that name).

        Raises:
            NotFoundError: No such workspace, endpoint, model or environment.
            InvalidArgumentError: No model; no code for a model that is not MLflow; a scoring
                script not among the code files; a local path whose files were not sent.
            AlreadyExistsError: The deployment exists and ``replace`` is not set.
        """
        existing = self.endpoints.get(workspace, body.endpoint_name).deployments
        if not replace and body.name in existing:
            raise self._exists(body.endpoint_name, body.name)
        # NOTE: code is checked before an inline model is registered, so a mistake in the
        # code leaves no model version behind.
        code = store_code(self.blobs, body)
        if isinstance(body.model, InlineModel):
            check_code_needed(body, body.model.type, body.model.path, inline_flavor(body))
        model = resolve_model(self.models, self.blobs, workspace, body)
        check_code_needed(body, model.type, f"{model.name}:{model.version}", model.flavor)
        resolved, env = self.resolve_environment(workspace, body.environment)
        spec = body.model_dump(mode="json", include=set(_KEPT))
        spec.update(
            model_ref=body.model if isinstance(body.model, str) else None,
            model_type=model.type.value,
            model_dir_name=model_dir_name(model),
            code_manifest=code[0],
            code_file_count=code[1],
            environment=resolved,
            environment_spec=env.model_dump(mode="json", exclude_none=True),
        )
        user = deployment_user(body.endpoint_name, body.name)
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            ep = self.endpoints.endpoint_row(
                session, ws_id, workspace, body.endpoint_name, lock=True
            )
            repo = EndpointRepo(session)
            row = repo.find_deployment(ep.id, body.name)
            # NOTE: re-resolved inside the transaction, so an archive racing this call fails one
            # of the two instead of leaving an archived version in use.
            self.models.resolve_row(session, ws_id, model.name, model.version)
            now = self.clock.now()
            if row is None:
                row = OnlineDeploymentRow(
                    endpoint_id=ep.id,
                    name=body.name,
                    generation=1,
                    observed_generation=0,
                    state=ProvisioningState.CREATING.value,
                    created_at=now,
                    created_by=body.created_by,
                )
            elif not replace:
                raise self._exists(body.endpoint_name, body.name)
            else:
                self.endpoints.release_model(session, ws_id, body.endpoint_name, row)
                row.generation += 1
                row.state = ProvisioningState.UPDATING.value
            row.spec = spec
            row.model_name, row.model_version = model.name, model.version
            row.error = None
            row.updated_at = now
            if row.id is None and not repo.try_add(row):
                raise self._exists(body.endpoint_name, body.name)
            self.uses.register_use_in(
                session, ws_id, "model", model.name, model.version, "deployment", user
            )
            if body.all_traffic:
                names = [d.name for d in repo.deployments(ep.id)]
                ep.traffic = {n: 100 if n == body.name else 0 for n in names}
                ep.mirror_traffic = {k: v for k, v in ep.mirror_traffic.items() if k != body.name}
                check_traffic(ep.name, ep.traffic, ep.mirror_traffic, names)
            self.endpoints.touch(ep)
            session.flush()
            logger.info(
                "deployment %s of endpoint %s in %s: generation %d (model %s:%s)",
                body.name,
                body.endpoint_name,
                workspace,
                row.generation,
                model.name,
                model.version,
            )
            made = _to_spec(ep, row)
        self.endpoints.deployed()
        return made

    def update(
        self, workspace: str, endpoint: str, name: str, body: OnlineDeploymentUpdate
    ) -> OnlineDeployment:
        """Change the settings ``body`` sets (model, code and environment stay); bumps generation.

        Raises:
            NotFoundError: No such workspace, endpoint or deployment.
        """
        sent = body.model_dump(mode="json", include=body.model_fields_set)
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            ep, row = self._rows(session, ws_id, workspace, endpoint, name, lock=True)
            spec = dict(row.spec)
            for key, value in sent.items():
                spec[key] = value if value is not None else _DEFAULTS.get(key)
            row.spec = spec
            row.generation += 1
            row.state = ProvisioningState.UPDATING.value
            row.error = None
            row.updated_at = self.clock.now()
            self.endpoints.touch(ep)
            session.flush()
            changed = _to_spec(ep, row)
        self.endpoints.deployed()
        return changed

    def get(self, workspace: str, endpoint: str, name: str) -> OnlineDeployment:
        """One deployment with its state (and the error that failed it).

        Raises:
            NotFoundError: No such workspace, endpoint or deployment.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            ep, row = self._rows(session, ws_id, workspace, endpoint, name)
            return _to_spec(ep, row)

    def list(self, workspace: str, endpoint: str) -> builtins.list[OnlineDeployment]:
        """The endpoint's deployments by name.

        Raises:
            NotFoundError: No such workspace or endpoint.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            ep = self.endpoints.endpoint_row(session, ws_id, workspace, endpoint)
            return [_to_spec(ep, r) for r in EndpointRepo(session).deployments(ep.id)]

    def delete(self, workspace: str, endpoint: str, name: str) -> None:
        """Delete a deployment that takes no traffic; its model is released.

        Raises:
            NotFoundError: No such workspace, endpoint or deployment.
            ConflictError: It takes live or mirrored traffic (move the traffic first).
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            ep, row = self._rows(session, ws_id, workspace, endpoint, name, lock=True)
            for field, split in (("traffic", ep.traffic), ("mirror traffic", ep.mirror_traffic)):
                if split.get(name, 0) > 0:
                    flag = "--traffic" if field == "traffic" else "--mirror-traffic"
                    raise ConflictError(
                        f"Deployment '{name}' of endpoint '{endpoint}' takes {split[name]}% of "
                        f"its {field}; move the traffic first (basalt online-endpoint update "
                        f'--name {endpoint} {flag} "{name}=0 ...") and delete it then',
                        details={"endpoint": endpoint, "deployment": name},
                    )
            self.endpoints.release_model(session, ws_id, endpoint, row)
            EndpointRepo(session).delete(row)
            ep.traffic = {k: v for k, v in ep.traffic.items() if k != name}
            ep.mirror_traffic = {k: v for k, v in ep.mirror_traffic.items() if k != name}
            self.endpoints.touch(ep)
            session.flush()
            logger.info("deleted deployment %s of endpoint %s in %s", name, endpoint, workspace)

    # --- for the data plane --------------------------------------------------------------

    def desired(self, workspace: str | None = None) -> builtins.list[DesiredDeployment]:
        """Every deployment that should run (of one workspace, or all), with its folders.

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace) if workspace is not None else None
            rows = EndpointRepo(session).all_deployments(ws_id)
            return [self._desired(ws, ep, row) for ws, ep, row in rows]

    def desired_one(
        self, workspace: str, endpoint: str, name: str
    ) -> tuple[DesiredDeployment, str | None]:
        """One deployment as the serving host runs it, and its code manifest (for packaging).

        Raises:
            NotFoundError: No such workspace, endpoint or deployment.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            ep, row = self._rows(session, ws_id, workspace, endpoint, name)
            manifest = row.spec.get("code_manifest")
            return self._desired(workspace, ep, row), str(manifest) if manifest else None

    def prepare_folder(self, desired: DesiredDeployment) -> Path:
        """Restore a generation's model and code into its folder (idempotent); returns it.

        The files are written to a temporary folder first and renamed into place, so a folder
        that exists is complete.

        Raises:
            NotFoundError: The deployment is gone, or a stored file is missing.
        """
        folder = Path(desired.folder)
        if (folder / PREPARED_MARKER).exists():
            return folder
        with self.uow() as session:
            ws_id = workspace_id(session, desired.workspace)
            _, row = self._rows(
                session, ws_id, desired.workspace, desired.endpoint, desired.deployment
            )
            spec, name, version = dict(row.spec), row.model_name, row.model_version
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            model_dir = tmp / "model"
            if spec.get("model_dir_name"):
                model_dir = model_dir / str(spec["model_dir_name"])
            model_dir.mkdir(parents=True)
            if name is not None and version is not None:
                for entry in self.models.list_files(desired.workspace, name, version):
                    rel = normalize_artifact_path(entry.path, field="files.path")
                    target = model_dir.joinpath(*rel.split("/"))
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with self.blobs.open_blob(entry.sha256) as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst, 1024 * 1024)
            (tmp / "code").mkdir()
            if spec.get("code_manifest"):
                self.blobs.restore(str(spec["code_manifest"]), tmp / "code")
            (tmp / PREPARED_MARKER).write_text(str(desired.generation))
            try:
                tmp.rename(folder)
            except OSError:
                if not (folder / PREPARED_MARKER).exists():  # not a concurrent preparer
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return folder

    def report(
        self,
        workspace: str,
        endpoint: str,
        deployment: str,
        generation: int,
        state: ProvisioningState,
        error: str | None = None,
    ) -> bool:
        """Record what the serving host saw of one generation; False when it was ignored.

        A report for another generation than the current one (an old one still draining, or
        one replaced meanwhile) is ignored.

        Raises:
            NotFoundError: No such workspace (a deleted endpoint or deployment is ignored).
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = EndpointRepo(session)
            ep = repo.find(ws_id, endpoint, lock=True)
            row = repo.find_deployment(ep.id, deployment) if ep is not None else None
            if ep is None or row is None or row.generation != generation:
                return False
            changed = row.state != state.value or row.error != error
            row.state = state.value
            row.error = error if state == ProvisioningState.FAILED else None
            row.observed_generation = generation
            if changed:
                row.updated_at = self.clock.now()
                self.endpoints.touch(ep)
            session.flush()
            return True

    def get_logs(
        self, workspace: str, endpoint: str, name: str, lines: int | None = None
    ) -> DeploymentLogs:
        """The workers' console output (the last ``lines`` of each worker's log).

        Raises:
            NotFoundError: No such workspace, endpoint or deployment.
            InvalidArgumentError: ``lines`` below 1.
        """
        if lines is not None and lines < 1:
            raise invalid("lines", f"lines must be at least 1, got {lines}")
        found = self.get(workspace, endpoint, name)
        log_dir = self._base(workspace, endpoint, name) / LOG_DIR
        parts = []
        logs = sorted(log_dir.glob("worker-*.log")) if log_dir.is_dir() else []
        for path in logs:
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()
            shown = text[-lines:] if lines is not None else text
            parts.append(f"=== {path.stem} ===\n" + "\n".join(shown))
        if not parts and found.error:
            parts.append(found.error)
        return DeploymentLogs(
            endpoint_name=endpoint, deployment_name=name, text="\n".join(parts).rstrip() + "\n"
        )

    # --- helpers -------------------------------------------------------------------------

    def _base(self, workspace: str, endpoint: str, deployment: str) -> Path:
        return self.root / workspace / endpoint / deployment

    def _desired(
        self, workspace: str, ep: OnlineEndpointRow, row: OnlineDeploymentRow
    ) -> DesiredDeployment:
        spec = row.spec
        base = self._base(workspace, ep.name, row.name)
        folder = base / str(row.generation)
        model_dir = folder / "model"
        dir_name = spec.get("model_dir_name") or ""
        cfg = spec.get("code_configuration")
        return DesiredDeployment(
            workspace=workspace,
            endpoint=ep.name,
            deployment=row.name,
            generation=row.generation,
            folder=str(folder),
            model_dir=str(model_dir),
            model_path=str(model_dir / dir_name if dir_name else model_dir),
            code_dir=str(folder / "code"),
            log_dir=str(base / LOG_DIR),
            scoring_script=cfg["scoring_script"] if cfg else None,
            model=f"{row.model_name}:{row.model_version}" if row.model_name else None,
            model_type=spec.get("model_type"),
            environment=spec.get("environment", "none"),
            environment_spec=spec.get("environment_spec", {}),
            instance_count=spec.get("instance_count", 1),
            environment_variables=spec.get("environment_variables", {}),
            request_settings=spec.get("request_settings", {}),
            liveness_probe=spec.get("liveness_probe", {}),
            readiness_probe=spec.get("readiness_probe", {}),
            data_collector=spec.get("data_collector"),
            provisioning_state=ProvisioningState(row.state),
        )

    def _rows(
        self,
        session: Session,
        ws_id: int,
        workspace: str,
        endpoint: str,
        name: str,
        *,
        lock: bool = False,
    ) -> tuple[OnlineEndpointRow, OnlineDeploymentRow]:
        ep = self.endpoints.endpoint_row(session, ws_id, workspace, endpoint, lock=lock)
        row = EndpointRepo(session).find_deployment(ep.id, name)
        if row is None:
            raise NotFoundError(
                f"Deployment '{name}' not found in online endpoint '{endpoint}' (workspace "
                f"'{workspace}'); create it with: basalt online-deployment create -f "
                "deployment.yml",
                details={"endpoint": endpoint, "deployment": name},
            )
        return ep, row

    @staticmethod
    def _exists(endpoint: str, name: str) -> AlreadyExistsError:
        return AlreadyExistsError(
            f"Deployment '{name}' already exists in online endpoint '{endpoint}'; update it "
            f"with: basalt online-deployment update -f deployment.yml",
            details={"endpoint": endpoint, "deployment": name},
        )


def _to_spec(ep: OnlineEndpointRow, row: OnlineDeploymentRow) -> OnlineDeployment:
    spec = row.spec
    kept = {k: spec[k] for k in _KEPT if spec.get(k) is not None}
    return OnlineDeployment.model_validate(
        {
            **kept,
            "name": row.name,
            "endpoint_name": ep.name,
            "model": f"{row.model_name}:{row.model_version}" if row.model_name else None,
            "model_type": spec.get("model_type"),
            "code_files": spec.get("code_file_count", 0),
            "environment": spec.get("environment", "none"),
            "provisioning_state": row.state,
            "error": row.error,
            "generation": row.generation,
            "observed_generation": row.observed_generation,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "created_by": row.created_by,
        }
    )
