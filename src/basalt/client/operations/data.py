"""``client.data``: data assets (uri_file, uri_folder, mltable)."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from basalt._internal.paths import normalize_artifact_path
from basalt.client._uploads import current_user, local_files, upload_missing
from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.common import Page
from basalt.spec.data import (
    Data,
    DataCreate,
    DataLabelSet,
    DataListQuery,
    DataType,
    DataUpdate,
    uri_file_is_folder,
)
from basalt.spec.models import ModelFile
from basalt.spec.references import is_local


class DataOperations:
    """Data assets of the client's workspace (Azure ML's ``ml_client.data`` verbs)."""

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

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

    def get(self, name: str, version: str | None = None, label: str | None = None) -> Data:
        """One version: exact, by label (``prod``), or the latest (``name@latest``)."""
        if version is None and label is None and "@" in name:
            name, label = name.split("@", 1)
        query = {"version": version, "label": label}
        return self._t.call(ops.DATA_GET, {"workspace": self._ws, "name": name}, query=query)  # type: ignore[no-any-return]

    def list(
        self,
        name: str | None = None,
        *,
        tags: dict[str, str] | None = None,
        include_archived: bool = False,
        max_results: int | None = None,
    ) -> list[Data]:
        """Data versions (of one name, with all ``tags``), by name then newest first."""
        out: list[Data] = []
        token: str | None = None
        while True:
            body = DataListQuery(
                name=name, tags=tags or {}, include_archived=include_archived, page_token=token
            )
            page: Page[Data] = self._t.call(ops.DATA_SEARCH, {"workspace": self._ws}, body=body)
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
    ) -> Data:
        """Change a version's description, tags or properties (its files never change)."""
        body = DataUpdate(description=description, tags=tags, properties=properties)
        return self._t.call(ops.DATA_UPDATE, self._p(name, version), body=body)  # type: ignore[no-any-return]

    def archive(self, name: str, version: str) -> Data:
        """Hide a version from lists and ``latest`` (it still resolves by its version)."""
        return self._t.call(ops.DATA_ARCHIVE, self._p(name, version))  # type: ignore[no-any-return]

    def restore(self, name: str, version: str) -> Data:
        """Show an archived version again."""
        return self._t.call(ops.DATA_RESTORE, self._p(name, version))  # type: ignore[no-any-return]

    def set_label(self, name: str, label: str, version: str) -> Data:
        """Point ``label`` (``prod``) at ``version``; moving a label is an update."""
        params = {"workspace": self._ws, "name": name, "label": label}
        return self._t.call(ops.DATA_SET_LABEL, params, body=DataLabelSet(version=version))  # type: ignore[no-any-return]

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

    def _p(self, name: str, version: str) -> dict[str, str]:
        return {"workspace": self._ws, "name": name, "version": version}

    @staticmethod
    def _body(data: DataCreate | Any) -> DataCreate:
        if isinstance(data, DataCreate):
            return data
        # NOTE: a Data version's ``files`` are names, not uploads; they are not copied.
        names = [k for k in DataCreate.model_fields if k != "files" and hasattr(data, k)]
        fields = {k: getattr(data, k) for k in names if getattr(data, k) is not None}
        if isinstance(fields.get("version"), int):
            fields["version"] = str(fields["version"])
        return DataCreate.model_validate(fields)
