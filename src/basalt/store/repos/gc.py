"""What the garbage collector must keep: every stored-bytes reference in the metadata store."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from basalt.store.repos.asset_uses import DELETED_KIND_SUFFIX
from basalt.store.tables import (
    AssetVersionRow,
    BatchDeploymentRow,
    OnlineDeploymentRow,
    RunRow,
    WorkspaceRow,
)

MANIFEST_SPEC_KEYS = ("code_manifest", "snapshot_id")
"""NOTE: keys of an asset version's ``spec`` that hold a manifest id besides ``content_id``
(a component's code). A kind that records a manifest under a new key must add it here, or the
collector frees that manifest (its blobs stay: they are listed in ``spec.files``)."""


class GcRepo:
    """Reads every reference to stored bytes, across all workspaces.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def asset_references(self) -> tuple[set[str], set[str]]:
        """Manifest ids (``content_id``) and blob shas (``spec.files``) of every asset version.

        Archived versions count: only a deleted version lets go of its bytes.
        """
        manifests: set[str] = set()
        blobs: set[str] = set()
        stmt = select(AssetVersionRow.content_id, AssetVersionRow.spec).where(
            AssetVersionRow.kind.not_like(f"%{DELETED_KIND_SUFFIX}")
        )
        for content_id, spec in self.session.execute(stmt):
            spec = spec or {}
            if content_id:
                manifests.add(content_id)
            manifests.update(str(spec[k]) for k in MANIFEST_SPEC_KEYS if spec.get(k))
            for entry in spec.get("files", []) or []:
                sha = entry.get("sha256") if isinstance(entry, dict) else None
                if isinstance(sha, str):
                    blobs.add(sha)
        return manifests, blobs

    def deployment_manifests(self) -> set[str]:
        """The code manifest ids of every online and batch deployment (models are versions)."""
        found: set[str] = set()
        for table in (OnlineDeploymentRow, BatchDeploymentRow):
            found.update(
                str(spec["code_manifest"])
                for spec in self.session.scalars(select(table.spec))
                if isinstance(spec, dict) and spec.get("code_manifest")
            )
        return found

    def run_snapshots(self) -> set[str]:
        """The code snapshot ids of every run."""
        stmt = select(RunRow.snapshot_id).where(RunRow.snapshot_id.is_not(None)).distinct()
        return {str(s) for s in self.session.scalars(stmt)}

    def run_names(self) -> set[tuple[str, str]]:
        """(workspace name, run name) of every run."""
        stmt = select(WorkspaceRow.name, RunRow.name).join(
            WorkspaceRow, WorkspaceRow.id == RunRow.workspace_id
        )
        return {(str(ws), str(run)) for ws, run in self.session.execute(stmt)}
