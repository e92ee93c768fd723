"""Run files: upload, list, open and delete the files stored under a run."""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO

from basalt._internal.paths import normalize_artifact_path
from basalt.errors import NotFoundError
from basalt.services._run_rows import get_run_row
from basalt.services.workspaces import workspace_id
from basalt.spec.runs import ArtifactFile
from basalt.store.uow import UnitOfWork

if TYPE_CHECKING:
    from basalt.artifacts import ArtifactStore


class RunArtifactsMixin:
    """The file operations of ``RunService`` (mixed into it; needs its ``uow`` and ``artifacts``).

    A run's files live below ``workspaces/<workspace>/runs/<run>/`` in the artifact store; every
    path a caller gives is normalized first, so ``..``, absolute paths and control characters
    are refused before the store is touched.
    """

    uow: UnitOfWork
    artifacts: ArtifactStore

    def artifact_prefix(self, workspace: str, name: str) -> str:
        """Where a run's files live in the artifact store."""
        return f"workspaces/{workspace}/runs/{name}"

    def _check_run(self, workspace: str, name: str) -> None:
        with self.uow() as session:
            get_run_row(session, workspace_id(session, workspace), workspace, name)

    def upload_artifact(
        self, workspace: str, name: str, path: str, source: Path | IO[bytes] | bytes
    ) -> ArtifactFile:
        """Store one file of a run under ``path``.

        Raises:
            NotFoundError: No such run.
            InvalidArgumentError: ``path`` is absolute, empty or contains ``..``.
        """
        clean = normalize_artifact_path(path)
        self._check_run(workspace, name)
        full = f"{self.artifact_prefix(workspace, name)}/{clean}"
        if isinstance(source, bytes):
            info = self.artifacts.put_bytes(full, source)
        elif isinstance(source, Path):
            info = self.artifacts.put_file(full, source)
        else:
            info = self.artifacts.put_stream(full, source)
        return ArtifactFile(path=clean, size=info.size, is_dir=False)

    def list_artifacts(
        self, workspace: str, name: str, path: str = "", *, recursive: bool = True
    ) -> list[ArtifactFile]:
        """Files and folders of a run under ``path`` (paths relative to the run).

        Args:
            workspace: Workspace name.
            name: Run name.
            path: A folder of the run; ``""`` for its top. A file lists as itself.
            recursive: Everything below ``path`` (default), or only its direct entries.

        Raises:
            NotFoundError: No such run.
            InvalidArgumentError: ``path`` contains ``..`` or is absolute.
        """
        clean = normalize_artifact_path(path, allow_empty=True)
        self._check_run(workspace, name)
        prefix = self.artifact_prefix(workspace, name)
        base = f"{prefix}/{clean}" if clean else prefix
        if not self.artifacts.exists(base):
            return []
        items = self.artifacts.list(base, recursive=recursive)
        return [
            ArtifactFile(path=i.relative_to(prefix).path, size=i.size, is_dir=i.is_dir)
            for i in items
        ]

    def open_artifact(self, workspace: str, name: str, path: str) -> BinaryIO:
        """A stream of one file of a run.

        Raises:
            NotFoundError: No such run or file.
        """
        clean = normalize_artifact_path(path)
        self._check_run(workspace, name)
        try:
            return self.artifacts.open(f"{self.artifact_prefix(workspace, name)}/{clean}")
        except NotFoundError:
            raise NotFoundError(
                f"Run '{name}' has no file '{clean}'; 'basalt job show {name}' lists its files",
                details={"run": name, "path": clean},
            ) from None

    def delete_artifact(self, workspace: str, name: str, path: str = "") -> None:
        """Delete one file or folder of a run (``""``: every file of the run).

        Deleting what is not there is not an error (MLflow's rule), so a retried delete succeeds.

        Raises:
            NotFoundError: No such run.
            InvalidArgumentError: ``path`` contains ``..`` or is absolute.
        """
        clean = normalize_artifact_path(path, allow_empty=True)
        self._check_run(workspace, name)
        prefix = self.artifact_prefix(workspace, name)
        self.artifacts.delete(f"{prefix}/{clean}" if clean else prefix, missing_ok=True)
