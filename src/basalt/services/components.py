"""Components: versioned command steps (Azure ML command components) on the shared asset rules.

A component version's content (command, typed inputs and outputs, environment, resources ...)
lives in the ``spec`` JSON column of its ``asset_versions`` row, as an environment's does; its
code folder's files are stored content-addressed in the shared blobs, as a model's are (the SDK
uploads the missing ones first, then creates the version with the file list). ``content_id`` is
the sha256 of the content's canonical JSON together with the code's manifest id, so re-creating a
version with the same spec and the same code is idempotent, wherever the code folder lives.

The environment must resolve when the version is created (a workspace environment or a curated
one); what it resolved to is recorded. Pipelines, which run components as steps, come later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from basalt._internal.clock import Clock
from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts.snapshots import SnapshotFile, SnapshotStore
from basalt.errors import invalid
from basalt.services._asset_files import FileBackedAssetService
from basalt.services.workspaces import workspace_id
from basalt.spec.components import Component, ComponentCreate, ComponentSpec
from basalt.spec.environments import EnvironmentSpec
from basalt.store.tables import AssetVersionRow
from basalt.store.uow import UnitOfWork

EnvironmentResolver = Callable[[str, "str | dict[str, Any] | None"], tuple[str, EnvironmentSpec]]
"""``(workspace, reference or inline spec)`` → (what it resolved to, its content)."""

# NOTE: ``code`` is where the code was on the creator's machine; the files' manifest stands for
# it in the content id, so the same folder checked out elsewhere is the same content.
_HASHED_FIELDS = {k for k in ComponentSpec.model_fields if k != "code"}
_EMPTY_CODE = "none"


def content_id(spec: ComponentSpec, code_manifest: str | None) -> str:
    """The sha256 of a component's content (canonical JSON) and its code's manifest id."""
    data = ComponentSpec.model_validate(spec.model_dump(include=set(ComponentSpec.model_fields)))
    payload = {
        "spec": data.model_dump(mode="json", include=_HASHED_FIELDS),
        "code": code_manifest or _EMPTY_CODE,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ComponentService(FileBackedAssetService[Component]):
    """Component rules: spec validated, environment resolved, code stored, content hashed.

    Args:
        uow: The unit of work.
        clock: Time source.
        blobs: The content-addressed blobs (shared with models and data).
        resolve_environment: Resolves an environment reference as jobs do (curated included).
    """

    kind = "component"
    noun = "Component"

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        blobs: SnapshotStore,
        resolve_environment: EnvironmentResolver,
    ) -> None:
        super().__init__(uow, clock)
        self.blobs = blobs
        self.resolve_environment = resolve_environment

    def create(self, workspace: str, body: ComponentCreate) -> Component:
        """Create a component version (the next integer version unless one is given).

        Creating a version that exists with the same spec and code returns it unchanged, as
        Azure ML does, so re-running ``basalt component create -f component.yml`` is safe.

        Raises:
            InvalidArgumentError: No environment, a local code folder whose files were not sent,
                an empty code folder, or a bad version.
            NotFoundError: No such workspace; the environment does not resolve (the message
                names it); an uploaded code file is missing from the store.
            AlreadyExistsError: The version exists with different content.
        """
        with self.uow() as session:
            workspace_id(session, workspace)
        if body.environment is None:
            raise invalid(
                "environment",
                "a component needs an environment: add environment: azureml:<name>:<version>, "
                "<name>@latest, a curated one (see `basalt environment list`) or an inline one",
            )
        resolved, _ = self.resolve_environment(workspace, body.environment)
        files = self._code_files(body)
        manifest = self.blobs.write_manifest(files) if files else None
        cid = content_id(body, manifest)
        content = body.model_dump(mode="json", include=set(ComponentSpec.model_fields))
        spec = {
            **content,
            "resolved_environment": resolved,
            "code_manifest": manifest,
            "size": sum(f.size for f in files),
            "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in files],
        }
        return self.create_version(
            workspace, body, spec, content_id=cid, same=lambda row: row.content_id == cid
        )

    def to_specs(self, rows: list[AssetVersionRow], labels: dict[int, Any]) -> list[Component]:
        """Component versions as API models."""
        out = []
        for r in rows:
            spec = r.spec
            content = {k: spec[k] for k in ComponentSpec.model_fields if spec.get(k) is not None}
            out.append(
                Component.model_validate(
                    {
                        **content,
                        "name": r.name,
                        "version": r.version,
                        "description": r.description,
                        "tags": dict(r.tags),
                        "properties": dict(r.properties),
                        "labels": list(labels.get(r.id, [])),
                        "archived": r.archived,
                        "created_at": r.created_at,
                        "updated_at": r.updated_at,
                        "created_by": r.created_by,
                        "resolved_environment": spec.get("resolved_environment", ""),
                        "files": [f["path"] for f in spec.get("files", [])],
                        "size": int(spec.get("size", 0)),
                        "content_hash": r.content_id or "",
                    }
                )
            )
        return out

    def _code_files(self, body: ComponentCreate) -> list[SnapshotFile]:
        if body.files is None:
            if body.code is not None:
                raise invalid(
                    "files",
                    f"code {body.code!r} is a local folder: upload its files first and send "
                    "their list in files (the SDK and CLI do this)",
                )
            return []
        if body.code is not None and not body.files:
            raise invalid("code", f"code folder {body.code!r} holds no files; check the path")
        files = [
            SnapshotFile(normalize_artifact_path(f.path, field="files.path"), f.sha256, f.size)
            for f in body.files
        ]
        return sorted(files, key=lambda f: f.path)
