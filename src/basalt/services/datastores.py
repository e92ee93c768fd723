"""Datastores, as far as jobs need them today: the workspace's default datastore.

Azure ML workspaces have ``workspaceblobstore``; job files write
``azureml://datastores/workspaceblobstore/paths/...`` or ``${{default_datastore}}``. Here the
default datastore is a folder of the workspace's artifact store
(``workspaces/<ws>/datastores/workspaceblobstore/``), so those paths work as inputs and as
output destinations. Datastores of your own (S3, Azure Blob, with credentials in the vault)
come with the datastores work of the assets issue; until then any other name is an error that
says so.
"""

from __future__ import annotations

from pathlib import Path

from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts import ArtifactStore
from basalt.errors import NotFoundError

DEFAULT_DATASTORE = "workspaceblobstore"


class DatastoreService:
    """The default datastore, on the workspace's artifact store."""

    def __init__(self, artifacts: ArtifactStore) -> None:
        self.artifacts = artifacts

    def prefix(self, workspace: str, datastore: str, path: str = "") -> str:
        """Where ``path`` of ``datastore`` lives in the artifact store.

        Raises:
            NotFoundError: Not the default datastore.
            InvalidArgumentError: ``path`` is absolute or climbs out with ``..``.
        """
        if datastore != DEFAULT_DATASTORE:
            raise NotFoundError(
                f"Datastore '{datastore}' was not found: this workspace has only "
                f"'{DEFAULT_DATASTORE}' (its artifact store); use "
                f"azureml://datastores/{DEFAULT_DATASTORE}/paths/... or a local path",
                details={"datastore": datastore},
            )
        root = f"workspaces/{workspace}/datastores/{datastore}"
        clean = path.strip("/")
        return f"{root}/{normalize_artifact_path(clean, field='path')}" if clean else root

    def download(self, workspace: str, datastore: str, path: str, dest: Path) -> list[Path]:
        """Copy a file or folder of the datastore into ``dest``; the local files written.

        Raises:
            NotFoundError: Nothing is stored at that path.
        """
        prefix = self.prefix(workspace, datastore, path)
        files = self.artifacts.download_dir(prefix, dest)
        if files:
            return files
        target = dest / Path(path).name
        try:
            self.artifacts.get_file(prefix, target)
        except NotFoundError:
            raise NotFoundError(
                f"Nothing is stored at azureml://datastores/{datastore}/paths/{path}",
                details={"datastore": datastore, "path": path},
            ) from None
        return [target]

    def upload(self, workspace: str, datastore: str, path: str, source: Path) -> int:
        """Store a local file or folder at ``path`` of the datastore; the number of files."""
        prefix = self.prefix(workspace, datastore, path)
        if source.is_file():
            self.artifacts.put_file(prefix, source)
            return 1
        count = 0
        for item in sorted(source.rglob("*")):
            if item.is_file():
                self.artifacts.put_file(f"{prefix}/{item.relative_to(source).as_posix()}", item)
                count += 1
        return count
