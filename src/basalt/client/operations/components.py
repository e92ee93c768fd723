"""``client.components``: versioned command components (Azure ML's ``ml_client.components``)."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from basalt._internal.paths import normalize_artifact_path
from basalt.client._local_files import code_files
from basalt.client._uploads import current_user, upload_missing
from basalt.client.operations._versioned import VersionedAssetOperations, fields_of
from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.components import Component, ComponentCreate
from basalt.spec.models import ModelFile

DEFAULT_MAX_CODE_BYTES = 300 * 2**20


class ComponentOperations(VersionedAssetOperations[Component]):
    """Components of the client's workspace: versions, labels, archive, code download.

    ``get``, ``list``, ``update``, ``archive``, ``restore`` and ``set_label`` are shared by every
    versioned-asset kind (``VersionedAssetOperations``).

    Args:
        transport: How calls reach the services.
        workspace: The workspace's name.
        max_code_bytes: The largest code folder uploaded (the job snapshot cap).
    """

    _ops = ops.COMPONENTS_ASSET

    def __init__(
        self, transport: Transport, workspace: str, max_code_bytes: int = DEFAULT_MAX_CODE_BYTES
    ) -> None:
        super().__init__(transport, workspace)
        self._max_code_bytes = max_code_bytes

    def create_or_update(
        self, component: ComponentCreate | str | Path | Any, *, version: str | None = None
    ) -> Component:
        """Create a component version; its code folder's files are uploaded first (new ones only).

        Creating a version that exists with the same spec and code returns it unchanged.

        Example: ``client.components.create_or_update("component.yml")``

        Args:
            component: A component YAML file's path, a ``ComponentCreate``, or any object with
                its attributes (such as a returned ``Component``).
            version: Overrides the version the component gives.

        Raises:
            InvalidArgumentError: A wrong YAML file or key (with file and line), a command that
                names an undeclared input or output, a missing or empty code folder.
            NotFoundError: The environment does not resolve.
            AlreadyExistsError: The version exists with different content.
        """
        body = self._body(component)
        updates: dict[str, Any] = {}
        if version is not None:
            updates["version"] = version
        if body.created_by is None:
            updates["created_by"] = current_user()
        if body.code is not None and body.files is None:
            found = code_files(Path(body.code), max_bytes=self._max_code_bytes)
            upload_missing(
                self._t, self._ws, [f for f, _ in found], {f.sha256: p for f, p in found}
            )
            updates["files"] = [f for f, _ in found]
        body = body.model_copy(update=updates)
        return self._t.call(ops.COMPONENTS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def list_files(self, name: str, version: str) -> builtins.list[ModelFile]:
        """The code files of a version (path, sha256, size)."""
        return self._t.call(ops.COMPONENTS_FILES, self._p(name, version))  # type: ignore[no-any-return]

    def download(self, name: str, version: str, download_path: str | Path = ".") -> Path:
        """Write a version's code files below ``download_path/<name>/<version>/``; returns it."""
        dest = Path(download_path) / name / version
        dest.mkdir(parents=True, exist_ok=True)
        for entry in self.list_files(name, version):
            rel = normalize_artifact_path(entry.path, field="files.path")
            target = dest.joinpath(*rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fh:
                self._t.download(
                    ops.COMPONENTS_FILE_GET, {**self._p(name, version), "path": entry.path}, fh
                )
        return dest

    @staticmethod
    def _body(component: ComponentCreate | str | Path | Any) -> ComponentCreate:
        if isinstance(component, ComponentCreate):
            return component
        if isinstance(component, str | Path):
            from basalt.spec.component_yaml import load_component

            return load_component(Path(component)).body
        # NOTE: a returned Component's ``files`` are names, not uploads; they are not copied.
        fields = fields_of(ComponentCreate, component, skip=("files",))
        for key in ("inputs", "outputs"):
            if isinstance(fields.get(key), dict):
                fields[key] = {
                    k: v.model_dump(exclude_none=True) if hasattr(v, "model_dump") else v
                    for k, v in fields[key].items()
                }
        return ComponentCreate.model_validate(fields)
