"""Data versions that reference a datastore path in place (no copy), with a fingerprint.

A data asset whose path is ``azureml://datastores/<ds>/paths/<p>`` (or an ``s3://``,
``wasbs://`` or ``abfss://`` URI whose bucket or container is a registered datastore's) is
recorded as a reference: the datastore, the path, the size, the file count and a fingerprint,
a hash of the sorted listing (path, size, etag or modification time). Nothing is copied.

A job that uses such a version downloads it from the datastore; when the listing's
fingerprint differs from the one recorded, the job's log gets a warning naming the version
("changed since registration"), so silently changed training data is noticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from basalt.errors import invalid
from basalt.services._datastore_files import fingerprint
from basalt.services.workspaces import workspace_id
from basalt.spec.data import MLTABLE_FILES, Data, DataCreate, DataType, uri_file_is_folder
from basalt.spec.datastores import DEFAULT_DATASTORE, DatastoreType
from basalt.spec.references import DatastorePath, RemoteUri, classify
from basalt.store.tables import AssetVersionRow

if TYPE_CHECKING:
    from basalt.services.data import DataService
    from basalt.services.datastores import DatastoreService

_URI = re.compile(r"^(?P<scheme>[a-z0-9]+)://(?P<root>[^/@]+)(@(?P<host>[^/]+))?/?(?P<path>.*)$")


def datastore_path(
    datastores: DatastoreService, workspace: str, path: str
) -> tuple[str, str] | None:
    """``(datastore, path inside it)`` of a data path that lies in a datastore, else None.

    Raises:
        InvalidArgumentError: An ``azureml://`` URI of no known form.
    """
    ref = classify(path)
    if isinstance(ref, DatastorePath):
        return ref.datastore.replace("${{default_datastore}}", DEFAULT_DATASTORE), ref.path
    if not isinstance(ref, RemoteUri) or ref.scheme not in ("s3", "wasb", "wasbs", "abfs", "abfss"):
        return None
    match = _URI.match(ref.uri.strip())
    if match is None:
        return None
    root, host, inner = match["root"], match["host"] or "", match["path"]
    account = host.split(".", 1)[0]
    for name, kind, config in datastores.rows(workspace):
        if ref.scheme == "s3" and kind == DatastoreType.S3.value and config["bucket"] == root:
            return name, inner
        container = config.get("container_name") or config.get("filesystem")
        if ref.scheme != "s3" and container == root and config.get("account_name") == account:
            return name, inner
    return None


def create_reference(
    data: DataService, datastores: DatastoreService, workspace: str, body: DataCreate
) -> Data | None:
    """Register ``body`` as a reference when its path lies in a datastore; None otherwise.

    Raises:
        NotFoundError: No such datastore.
        InvalidArgumentError: Nothing at the path, or files that do not fit ``type``.
        AlreadyExistsError: The version exists with a different path or fingerprint.
    """
    found = datastore_path(datastores, workspace, body.path)
    if found is None:
        return None
    store, inner = found
    files = datastores.listing(workspace, store, inner)
    if not files:
        raise invalid(
            "path",
            f"path {body.path!r} holds no files (datastore '{store}', path '{inner}'); "
            "check the path",
        )
    if body.type == DataType.URI_FILE and (len(files) != 1 or files[0].path != Path(inner).name):
        raise uri_file_is_folder(body.path)
    if body.type == DataType.MLTABLE and not any(f.path in MLTABLE_FILES for f in files):
        raise invalid("path", f"path {body.path!r} has no MLTable file at its root")
    print_ = fingerprint(files)

    def same(row: AssetVersionRow) -> bool:
        spec = row.spec
        return (spec.get("fingerprint"), spec.get("path"), spec.get("type")) == (
            print_,
            body.path,
            body.type.value,
        )

    spec = {
        "type": body.type.value,
        "path": body.path,
        "datastore": store,
        "datastore_path": inner,
        "size": sum(f.size for f in files),
        "file_count": len(files),
        "fingerprint": print_,
        "job_name": None,
    }
    return data.create_version(workspace, body, spec, content_id=None, same=same)


def reference_of(data: DataService, workspace: str, name: str, version: str) -> dict[str, Any]:
    """The spec of a data version if it is a datastore reference, else ``{}``.

    Raises:
        NotFoundError: No such version.
    """
    with data.uow() as session:
        row = data.resolve_row(session, workspace_id(session, workspace), name, version)
        return dict(row.spec) if row.spec.get("datastore") else {}


def download_reference(
    datastores: DatastoreService,
    workspace: str,
    label: str,
    spec: dict[str, Any],
    dest: Path,
    log: Callable[[str], None],
) -> None:
    """Copy a referenced data version into ``dest``; warn in ``log`` if it changed.

    Raises:
        NotFoundError: The datastore or the path is gone.
    """
    store, inner = spec["datastore"], spec["datastore_path"]
    now = fingerprint(datastores.listing(workspace, store, inner))
    if now != spec.get("fingerprint"):
        log(
            f"[basalt] warning: data {label} changed since registration: the files at "
            f"{spec['path']} no longer match its fingerprint (register a new version to "
            "record the new content)"
        )
    dest.mkdir(parents=True, exist_ok=True)
    datastores.download(workspace, store, inner, dest)
