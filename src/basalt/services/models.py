"""The model registry: model versions on the shared versioned-asset rules.

A model version's files are stored content-addressed (``SnapshotStore``): a local path is
uploaded by the SDK blob by blob (only contents the store lacks), then registered with its file
list; a ``runs:/<run>/<path>`` or ``azureml://jobs/<run>/outputs/<path>`` path is copied from
the run's files here, recording the run and its latest metrics.
"""

from __future__ import annotations

import math
from typing import IO, TYPE_CHECKING, Any

from basalt._internal.clock import Clock
from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts.snapshots import SnapshotFile, SnapshotStore
from basalt.errors import invalid
from basalt.services._asset_files import FileBackedAssetService, copy_run_files
from basalt.services._run_rows import get_run_row
from basalt.services.model_files import model_facts
from basalt.services.workspaces import workspace_id
from basalt.spec.models import Model, ModelCreate, ModelType
from basalt.spec.runs import SYSTEM_METRIC_PREFIX
from basalt.store.repos.runs import RunRepo
from basalt.store.tables import AssetVersionRow
from basalt.store.uow import UnitOfWork

if TYPE_CHECKING:
    from basalt.artifacts import ArtifactStore
    from basalt.services.runs import RunService

_RUN_PREFIXES = ("runs:/", "azureml://jobs/")


def parse_run_path(path: str) -> tuple[str, str] | None:
    """``(run, path in the run)`` of a run URI, or None for a local path.

    Raises:
        InvalidArgumentError: A run URI without a run name.
    """
    if path.startswith("runs:/"):
        rest = path[len("runs:/") :].strip("/")
    elif path.startswith("azureml://jobs/"):
        run, _, rest = path[len("azureml://jobs/") :].partition("/")
        if rest.startswith("outputs/"):
            rest = rest[len("outputs/") :]
            if rest.startswith("artifacts/paths/"):  # Azure ML's spelling of the same place
                rest = rest[len("artifacts/paths/") :]
        elif rest == "outputs":
            rest = ""
        rest = f"{run}/{rest}".strip("/")
    else:
        return None
    run, _, inner = rest.partition("/")
    if not run:
        raise invalid("path", f"path {path!r} names no run; use runs:/<run>/<path>")
    return run, inner.strip("/")


class ModelService(FileBackedAssetService[Model]):
    """Model registry rules.

    Args:
        uow: The unit of work.
        clock: Time source.
        artifacts: Where model contents go (the shared content-addressed blobs).
        runs: The run service (a model registered from a run's files copies them).
    """

    kind = "model"
    noun = "Model"

    def __init__(
        self, uow: UnitOfWork, clock: Clock, artifacts: ArtifactStore, runs: RunService
    ) -> None:
        super().__init__(uow, clock)
        self.blobs = SnapshotStore(artifacts)
        self.runs = runs

    # ---- content ----

    def missing_blobs(self, workspace: str, shas: list[str]) -> list[str]:
        """Which of these contents the store lacks (the SDK uploads only those)."""
        self._check_workspace(workspace)
        return [sha for sha in dict.fromkeys(shas) if not self.blobs.has_blob(sha)]

    def put_blob(self, workspace: str, sha: str, source: IO[bytes]) -> bool:
        """Store one uploaded content blob; True when it was not stored before.

        Raises:
            InvalidArgumentError: The content does not match ``sha``.
        """
        self._check_workspace(workspace)
        return self.blobs.put_blob(sha, source)  # type: ignore[arg-type]

    def create_model(self, workspace: str, body: ModelCreate) -> Model:
        """Register a model version.

        Raises:
            InvalidArgumentError: No files at ``path``, or a bad version.
            AlreadyExistsError: The version exists.
            NotFoundError: No such workspace or run, or an uploaded file is missing.
        """
        if not body.path.strip():
            raise invalid("path", "path must not be empty")
        self._check_workspace(workspace)
        run_ref = parse_run_path(body.path)
        job_name = body.job_name
        if run_ref is not None:
            job_name = run_ref[0]
            files = self._copy_from_run(workspace, *run_ref, body.path)
        elif body.files is None:
            raise invalid(
                "files",
                f"path {body.path!r} is local: upload its files first (the SDK does this)",
            )
        else:
            files = [
                SnapshotFile(normalize_artifact_path(f.path, field="files.path"), f.sha256, f.size)
                for f in body.files
            ]
        if not files:
            raise invalid("path", f"path {body.path!r} holds no files")
        content_id = self.blobs.write_manifest(files)
        by_path = {f.path: f for f in files}
        facts = model_facts(
            list(by_path), lambda p: self._read_blob(by_path[p].sha256) if p in by_path else None
        )
        flavor, flavors = facts.flavor, facts.flavors
        model_type = body.type
        if flavor == "mlflow" and "type" not in body.model_fields_set:
            model_type = ModelType.MLFLOW
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            run_id = None
            metrics: dict[str, float] = {}
            if job_name is not None:
                run = get_run_row(session, ws_id, workspace, job_name)
                run_id = run.id
                latest = RunRepo(session).latest_metrics([run.id])[run.id]
                # NOTE: system/* (the runner's CPU and memory samples) say nothing of the model.
                metrics = {
                    k: v
                    for k, v in latest.items()
                    if math.isfinite(v) and not k.startswith(SYSTEM_METRIC_PREFIX)
                }
            now = self.clock.now()
            row = AssetVersionRow(
                name=body.name,
                description=body.description,
                tags=dict(body.tags),
                properties=dict(body.properties),
                spec={
                    "type": model_type.value,
                    "path": body.path,
                    "flavor": flavor,
                    "flavors": flavors,
                    "size": sum(f.size for f in files),
                    "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in files],
                    "metrics": metrics,
                    "job_name": job_name,
                    "signature": facts.signature,
                    "input_example": facts.input_example,
                },
                content_id=content_id,
                run_id=run_id,
                archived=False,
                created_at=now,
                updated_at=now,
                created_by=body.created_by,
            )
            self.insert_version(session, ws_id, row, body.version)
            return self._specs(session, [row])[0]

    def to_specs(self, rows: list[AssetVersionRow], labels: dict[int, Any]) -> list[Model]:
        """Model versions as API models."""
        out = []
        for r in rows:
            spec = r.spec
            out.append(
                Model(
                    name=r.name,
                    version=r.version,
                    type=ModelType(spec.get("type", ModelType.CUSTOM)),
                    path=spec.get("path", ""),
                    description=r.description,
                    tags=dict(r.tags),
                    properties=dict(r.properties),
                    labels=list(labels.get(r.id, [])),
                    archived=r.archived,
                    created_at=r.created_at,
                    updated_at=r.updated_at,
                    created_by=r.created_by,
                    job_name=spec.get("job_name"),
                    flavor=spec.get("flavor", "custom"),
                    flavors=list(spec.get("flavors", [])),
                    size=int(spec.get("size", 0)),
                    content_hash=r.content_id or "",
                    files=[f["path"] for f in spec.get("files", [])],
                    metrics=dict(spec.get("metrics", {})),
                    signature=spec.get("signature"),
                    input_example=spec.get("input_example"),
                )
            )
        return out

    def _check_workspace(self, workspace: str) -> None:
        with self.uow() as session:
            workspace_id(session, workspace)

    def _read_blob(self, sha: str) -> bytes:
        with self.blobs.open_blob(sha) as fh:
            return fh.read(1024 * 1024)

    def _copy_from_run(self, workspace: str, run: str, inner: str, path: str) -> list[SnapshotFile]:
        return copy_run_files(self.runs, self.blobs, workspace, run, inner, path)[0]
