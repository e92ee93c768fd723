"""``client.models``: the model registry."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from basalt._internal.paths import normalize_artifact_path
from basalt.client._uploads import current_user, local_files, upload_missing
from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.common import Page
from basalt.spec.models import (
    Model,
    ModelCreate,
    ModelFile,
    ModelLabelSet,
    ModelListQuery,
    ModelUpdate,
)

_RUN_PREFIXES = ("runs:/", "azureml://")


class ModelOperations:
    """Registered models of the client's workspace (Azure ML's ``ml_client.models`` verbs)."""

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

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

    def get(self, name: str, version: str | None = None, label: str | None = None) -> Model:
        """One version: exact, by label (``prod``), or the latest (``name@latest``)."""
        if version is None and label is None and "@" in name:
            name, label = name.split("@", 1)
        query = {"version": version, "label": label}
        return self._t.call(ops.MODELS_GET, {"workspace": self._ws, "name": name}, query=query)  # type: ignore[no-any-return]

    def list(
        self,
        name: str | None = None,
        *,
        tags: dict[str, str] | None = None,
        include_archived: bool = False,
        max_results: int | None = None,
    ) -> list[Model]:
        """Model versions (of one name, with all ``tags``), by name then newest first."""
        out: list[Model] = []
        token: str | None = None
        while True:
            body = ModelListQuery(
                name=name, tags=tags or {}, include_archived=include_archived, page_token=token
            )
            page: Page[Model] = self._t.call(ops.MODELS_SEARCH, {"workspace": self._ws}, body=body)
            out.extend(page.items)
            token = page.next_page_token
            if token is None or (max_results is not None and len(out) >= max_results):
                return out if max_results is None else out[:max_results]

    def update(
        self,
        name: str,
        version: str,
        *,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> Model:
        """Change a version's description, tags or properties (its files never change)."""
        body = ModelUpdate(description=description, tags=tags, properties=properties)
        return self._t.call(ops.MODELS_UPDATE, self._p(name, version), body=body)  # type: ignore[no-any-return]

    def archive(self, name: str, version: str) -> Model:
        """Hide a version from lists and ``latest`` (it still resolves by its version)."""
        return self._t.call(ops.MODELS_ARCHIVE, self._p(name, version))  # type: ignore[no-any-return]

    def restore(self, name: str, version: str) -> Model:
        """Show an archived version again."""
        return self._t.call(ops.MODELS_RESTORE, self._p(name, version))  # type: ignore[no-any-return]

    def set_label(self, name: str, label: str, version: str) -> Model:
        """Point ``label`` (``prod``) at ``version``; moving a label is an update."""
        params = {"workspace": self._ws, "name": name, "label": label}
        body = ModelLabelSet(version=version)
        return self._t.call(ops.MODELS_SET_LABEL, params, body=body)  # type: ignore[no-any-return]

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

    def _p(self, name: str, version: str) -> dict[str, str]:
        return {"workspace": self._ws, "name": name, "version": version}

    def _upload(self, files: builtins.list[ModelFile], paths: dict[str, Path]) -> None:
        upload_missing(self._t, self._ws, files, paths)

    @staticmethod
    def _body(model: ModelCreate | Any) -> ModelCreate:
        if isinstance(model, ModelCreate):
            return model
        # NOTE: a registered Model's ``files`` are names, not uploads; they are not copied.
        names = [k for k in ModelCreate.model_fields if k != "files" and hasattr(model, k)]
        fields = {k: getattr(model, k) for k in names if getattr(model, k) is not None}
        if isinstance(fields.get("version"), int):
            fields["version"] = str(fields["version"])
        return ModelCreate.model_validate(fields)
