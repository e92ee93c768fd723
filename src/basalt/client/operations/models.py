"""``client.models``: the model registry."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from basalt._internal.paths import normalize_artifact_path
from basalt.client._uploads import current_user, local_files, upload_missing
from basalt.client.operations._versioned import VersionedAssetOperations, fields_of
from basalt.spec import operations as ops
from basalt.spec.models import (
    Model,
    ModelComparison,
    ModelCreate,
    ModelFile,
)

_RUN_PREFIXES = ("runs:/", "azureml://")


class ModelOperations(VersionedAssetOperations[Model]):
    """Registered models of the client's workspace (Azure ML's ``ml_client.models`` verbs).

    ``get``, ``list``, ``update``, ``archive``, ``restore`` and ``set_label`` are shared by every
    versioned-asset kind (``VersionedAssetOperations``).
    """

    _ops = ops.MODELS_ASSET

    def compare(self, name: str, versions: builtins.list[str] | None = None) -> ModelComparison:
        """Versions side by side: metrics at registration, their jobs' params and inputs, size.

        Args:
            name: The model.
            versions: Which versions (default: the newest 20 that are not archived).

        Raises:
            NotFoundError: No such model or version.
        """
        query = {"versions": list(versions) if versions else None}
        params = {"workspace": self._ws, "name": name}
        return self._t.call(ops.MODELS_COMPARE, params, query=query)  # type: ignore[no-any-return]

    def create_or_update(self, model: ModelCreate | Any) -> Model:
        """Register a model version; a local path's files are uploaded first (only new content).

        Args:
            model: A ``ModelCreate``, or any object with its attributes (``name``, ``path`` ...).

        Raises:
            InvalidArgumentError: The path is missing or empty, or a field is invalid.
            AlreadyExistsError: The version exists.
        """
        body = self._body(model)
        if body.created_by is None:
            body = body.model_copy(update={"created_by": current_user()})
        if not body.path.startswith(_RUN_PREFIXES):
            found = local_files(body.path)
            self._upload([f for f, _ in found], {f.sha256: p for f, p in found})
            body = body.model_copy(update={"files": [f for f, _ in found]})
        return self._t.call(ops.MODELS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def download(self, name: str, version: str, download_path: str | Path = ".") -> Path:
        """Write a version's files below ``download_path/<name>/<version>/``; returns it."""
        files: builtins.list[ModelFile] = self._t.call(
            ops.MODELS_FILES_LIST, self._p(name, version)
        )
        dest = Path(download_path) / name / version
        for entry in files:
            rel = normalize_artifact_path(entry.path, field="files.path")
            target = dest.joinpath(*rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fh:
                self._t.download(
                    ops.MODELS_FILE_GET, {**self._p(name, version), "path": entry.path}, fh
                )
        return dest

    def _upload(self, files: builtins.list[ModelFile], paths: dict[str, Path]) -> None:
        upload_missing(self._t, self._ws, files, paths)

    @staticmethod
    def _body(model: ModelCreate | Any) -> ModelCreate:
        if isinstance(model, ModelCreate):
            return model
        # NOTE: a registered Model's ``files`` are names, not uploads; they are not copied.
        return ModelCreate.model_validate(fields_of(ModelCreate, model, skip=("files",)))
