"""Browsing a run's code snapshot: the files of the folder a job was submitted with.

The snapshot is a manifest in the content-addressed blobs (``artifacts/snapshots.py``) that
the run names by ``snapshot_id``; interactive runs, and jobs without ``code``, have none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from basalt._internal.paths import normalize_artifact_path
from basalt.errors import NotFoundError
from basalt.spec.models import ModelFile

if TYPE_CHECKING:
    from basalt.artifacts.snapshots import SnapshotStore
    from basalt.services.runs import RunService


class RunSnapshotService:
    """The code snapshot of a run, read-only."""

    def __init__(self, runs: RunService, blobs: SnapshotStore) -> None:
        self.runs = runs
        self.blobs = blobs

    def list_files(self, workspace: str, name: str) -> list[ModelFile]:
        """The files of the run's code snapshot, sorted by path; ``[]`` when it has none.

        Raises:
            NotFoundError: No such run, or its snapshot is no longer stored.
        """
        snapshot_id = self.runs.get_run(workspace, name).snapshot_id
        if not snapshot_id:
            return []
        return [
            ModelFile(path=f.path, sha256=f.sha256, size=f.size)
            for f in sorted(self.blobs.manifest(snapshot_id), key=lambda f: f.path)
        ]

    def open_file(self, workspace: str, name: str, path: str) -> BinaryIO:
        """A stream of one file of the run's code snapshot.

        Raises:
            NotFoundError: No such run, or no such file in its snapshot.
            InvalidArgumentError: ``path`` is not a clean relative path.
        """
        clean = normalize_artifact_path(path)
        for entry in self.list_files(workspace, name):
            if entry.path == clean:
                return self.blobs.open_blob(entry.sha256)
        raise NotFoundError(
            f"Run '{name}' has no file {clean!r} in its code snapshot; list its files with "
            f"client.jobs.list_snapshot_files({name!r})",
            details={"name": name, "path": clean},
        )
