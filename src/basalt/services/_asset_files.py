"""Versioned assets whose content is files in the content-addressed blobs (models, data).

Reading those files, and copying a run's files into them.
"""

from __future__ import annotations

import hashlib
import tempfile
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts.snapshots import SnapshotFile, SnapshotStore
from basalt.errors import NotFoundError, invalid
from basalt.services.assets import VersionedAssetService
from basalt.services.workspaces import workspace_id
from basalt.spec.models import ModelFile

if TYPE_CHECKING:
    from basalt.services.runs import RunService

_SPOOL_BYTES = 8 * 1024 * 1024

T = TypeVar("T")


class FileBackedAssetService(VersionedAssetService[T]):
    """A kind whose versions hold files (``spec["files"]``) stored in ``blobs``."""

    blobs: SnapshotStore

    def list_files(self, workspace: str, name: str, version: str) -> list[ModelFile]:
        """The files of a version (for download, and for jobs to materialize inputs).

        Raises:
            NotFoundError: No such version.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = self.resolve_row(session, ws_id, name, version)
            return [ModelFile.model_validate(f) for f in row.spec.get("files", [])]

    def open_file(self, workspace: str, name: str, version: str, path: str) -> BinaryIO:
        """A stream of one file of a version.

        Raises:
            NotFoundError: No such version or file.
        """
        clean = normalize_artifact_path(path)
        for entry in self.list_files(workspace, name, version):
            if entry.path == clean:
                return self.blobs.open_blob(entry.sha256)
        raise NotFoundError(
            f"{self.noun} '{name}' version '{version}' has no file '{clean}'",
            details={"name": name, "version": version, "path": clean},
        )


def copy_run_files(
    runs: RunService, blobs: SnapshotStore, workspace: str, run: str, inner: str, path: str
) -> tuple[list[SnapshotFile], bool]:
    """Store the files below ``inner`` in ``run``'s files as blobs.

    Paths are made relative to ``inner`` (to its folder when ``inner`` is one file).

    Returns:
        The files, and True when ``inner`` named one file rather than a folder.

    Raises:
        InvalidArgumentError: The run has no files there (``path`` is named in the message).
        NotFoundError: No such run.
    """
    entries = [
        e for e in runs.list_artifacts(workspace, run, inner, recursive=True) if not e.is_dir
    ]
    if not entries:
        raise invalid("path", f"path {path!r}: run '{run}' has no files there")
    single = len(entries) == 1 and entries[0].path == inner
    base = inner.rsplit("/", 1)[0] if single and "/" in inner else ("" if single else inner)
    files = []
    for entry in entries:
        rel = entry.path[len(base) :].lstrip("/") if base else entry.path
        with (
            runs.open_artifact(workspace, run, entry.path) as src,
            tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool,
        ):
            digest = hashlib.sha256()
            size = 0
            while chunk := src.read(1024 * 1024):
                digest.update(chunk)
                spool.write(chunk)
                size += len(chunk)
            spool.seek(0)
            sha = digest.hexdigest()
            blobs.put_blob(sha, spool)  # type: ignore[arg-type]
        files.append(SnapshotFile(rel, sha, size))
    return files, single
