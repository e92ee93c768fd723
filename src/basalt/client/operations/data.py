"""``client.data``: data assets (uri_file, uri_folder, mltable)."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from basalt._internal.paths import normalize_artifact_path
from basalt.client._uploads import current_user, local_files, upload_missing
from basalt.client.operations._versioned import VersionedAssetOperations, fields_of
from basalt.spec import operations as ops
from basalt.spec.data import (
    Data,
    DataCreate,
    DataType,
    uri_file_is_folder,
)
from basalt.spec.models import ModelFile
from basalt.spec.references import is_local


class DataOperations(VersionedAssetOperations[Data]):
    """Data assets of the client's workspace (Azure ML's ``ml_client.data`` verbs).

    ``get``, ``list``, ``update``, ``archive``, ``restore`` and ``set_label`` are shared by every
    versioned-asset kind (``VersionedAssetOperations``).
    """

    _ops = ops.DATA_ASSET

    def create_or_update(self, data: DataCreate | Any) -> Data:
        """Create a data version; a local path's files are uploaded first (only new content).

        Creating a version that exists with the same files returns it unchanged.

        Args:
            data: A ``DataCreate``, or any object with its attributes (``name``, ``path`` ...).

        Raises:
            InvalidArgumentError: The path is missing, empty, not supported yet, or does not fit
                ``type``.
            AlreadyExistsError: The version exists with different content.
        """
        body = self._body(data)
        if body.created_by is None:
            body = body.model_copy(update={"created_by": current_user()})
        if is_local(body.path):
            local = Path(body.path).expanduser()
            if body.type == DataType.URI_FILE and local.is_dir():
                raise uri_file_is_folder(body.path)
            found = local_files(str(local))
            upload_missing(
                self._t, self._ws, [f for f, _ in found], {f.sha256: p for f, p in found}
            )
            body = body.model_copy(update={"files": [f for f, _ in found]})
        return self._t.call(ops.DATA_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def download(self, name: str, version: str, download_path: str | Path = ".") -> Path:
        """Write a version's files below ``download_path/<name>/<version>/``; returns it."""
        files: builtins.list[ModelFile] = self._t.call(ops.DATA_FILES, self._p(name, version))
        dest = Path(download_path) / name / version
        dest.mkdir(parents=True, exist_ok=True)
        for entry in files:
            rel = normalize_artifact_path(entry.path, field="files.path")
            target = dest.joinpath(*rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fh:
                self._t.download(
                    ops.DATA_FILE_GET, {**self._p(name, version), "path": entry.path}, fh
                )
        return dest

    @staticmethod
    def _body(data: DataCreate | Any) -> DataCreate:
        if isinstance(data, DataCreate):
            return data
        # NOTE: a Data version's ``files`` are names, not uploads; they are not copied.
        return DataCreate.model_validate(fields_of(DataCreate, data, skip=("files",)))
