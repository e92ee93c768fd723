"""Datastores: named connections to storage, credentials in the vault.

Every workspace has two built-in datastores, folders of its artifact store:
``workspaceblobstore`` (the default; ``${{default_datastore}}``) and
``workspaceartifactstore`` (``workspaces/<ws>/datastores/<name>/``). Users add their own:
local folders, S3-compatible buckets, Azure Blob containers and ADLS Gen2 filesystems.

A datastore's row keeps only what is safe to show; its credentials are one vault secret under
the reserved name ``datastores/<name>`` (user secret names cannot contain ``/``, and
``basalt secret list`` hides such names), deleted with the datastore. Creation checks the
credentials with one cheap request (listing the container, bucket or folder) unless told not to.
Jobs and data assets reach the files through ``download``, ``upload`` and ``listing``.
"""

from __future__ import annotations

import builtins
import json
import logging
import re
from pathlib import Path
from typing import Any

from basalt._internal.clock import Clock
from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts import ArtifactStore
from basalt.artifacts.datastore_fs import azure_account_url, open_filesystem, scrub
from basalt.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
    invalid,
)
from basalt.services._datastore_files import DatastoreFiles, FsFiles, ListedFile, StoreFiles
from basalt.services.secrets import SecretService
from basalt.services.workspaces import workspace_id
from basalt.spec.datastores import (
    BUILTIN_DATASTORES,
    DEFAULT_DATASTORE,
    MASK,
    CredentialType,
    Datastore,
    DatastoreCreate,
    DatastoreType,
)
from basalt.store.repos.datastores import DatastoreRepo
from basalt.store.tables import DatastoreRow
from basalt.store.uow import UnitOfWork

__all__ = ["DEFAULT_DATASTORE", "DatastoreService"]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$")
SECRET_PREFIX = "datastores/"  # noqa: S105 - a name prefix, not a password

# The settings each type takes (besides name, description, tags), required ones first.
_FIELDS: dict[DatastoreType, tuple[tuple[str, ...], tuple[str, ...]]] = {
    DatastoreType.AZURE_BLOB: (
        ("account_name", "container_name"),
        ("endpoint", "protocol", "account_url"),
    ),
    DatastoreType.AZURE_DATA_LAKE_GEN2: (
        ("account_name", "filesystem"),
        ("endpoint", "protocol", "account_url"),
    ),
    DatastoreType.S3: (("bucket",), ("endpoint_url", "region")),
    DatastoreType.LOCAL: (("path",), ()),
}
_SETTINGS = (
    "account_name",
    "container_name",
    "filesystem",
    "endpoint",
    "protocol",
    "account_url",
    "bucket",
    "endpoint_url",
    "region",
    "path",
)
# The credential shapes each type accepts.
_CREDENTIALS: dict[DatastoreType, dict[CredentialType, tuple[str, ...]]] = {
    DatastoreType.AZURE_BLOB: {
        CredentialType.ACCOUNT_KEY: ("account_key",),
        CredentialType.SAS: ("sas_token",),
    },
    DatastoreType.AZURE_DATA_LAKE_GEN2: {
        CredentialType.SERVICE_PRINCIPAL: ("tenant_id", "client_id", "client_secret"),
        CredentialType.ACCOUNT_KEY: ("account_key",),
    },
    DatastoreType.S3: {CredentialType.ACCESS_KEY: ("access_key_id", "secret_access_key")},
    DatastoreType.LOCAL: {},
}
_CREDENTIAL_FIELDS = {
    kind: fields for shapes in _CREDENTIALS.values() for kind, fields in shapes.items()
}


def check_datastore_name(name: str) -> str:
    """Datastore names appear in ``azureml://datastores/<name>/paths/...`` URIs.

    Raises:
        InvalidArgumentError: Not letters, digits, ``_`` and ``-`` (not starting with ``-``).
    """
    if not _NAME.match(name):
        raise invalid(
            "name",
            f"Datastore name {name!r} may contain only letters, digits, '_' and '-' "
            "(not first), at most 255 characters",
        )
    return name


class DatastoreService:
    """Datastore rules: built-ins always there, credentials only in the vault.

    Args:
        uow: The unit of work.
        clock: Time source.
        artifacts: The artifact store (the built-in datastores are folders of it).
        secrets: The vault (datastore credentials are secrets under reserved names).
    """

    def __init__(
        self, uow: UnitOfWork, clock: Clock, artifacts: ArtifactStore, secrets: SecretService
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.artifacts = artifacts
        self.secrets = secrets

    # --- records -------------------------------------------------------------------------

    def create(self, workspace: str, body: DatastoreCreate, *, replace: bool = False) -> Datastore:
        """Create a datastore (or replace one of that name with ``replace``).

        Raises:
            InvalidArgumentError: A bad name, a setting or credential the type does not take,
                a missing one, or credentials that fail the check request (the message names
                the datastore and what failed; never a credential).
            AlreadyExistsError: The name is taken (always, for a built-in name).
            NotFoundError: No such workspace.
        """
        check_datastore_name(body.name)
        if body.name in BUILTIN_DATASTORES:
            raise AlreadyExistsError(
                f"Datastore '{body.name}' is built in (the workspace's artifact store); "
                "choose another name",
                details={"name": body.name},
            )
        config, kind, creds = _settings(body)
        if not body.skip_validation:
            self._check(body.name, body.type, config, creds)
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = DatastoreRepo(session)
            now = self.clock.now()
            old = repo.find(ws_id, body.name)
            if old is not None and not replace:
                raise AlreadyExistsError(
                    f"Datastore '{body.name}' already exists in workspace '{workspace}'; "
                    f"delete it first (basalt datastore delete {body.name})",
                    details={"name": body.name},
                )
            if old is not None:
                repo.delete(old)
            row = DatastoreRow(
                workspace_id=ws_id,
                name=body.name,
                type=body.type.value,
                config=config,
                credential_type=kind.value,
                description=body.description,
                tags=dict(body.tags),
                created_at=old.created_at if old is not None else now,
                updated_at=now,
                created_by=body.created_by,
            )
            if not repo.try_add(row):
                raise AlreadyExistsError(
                    f"Datastore '{body.name}' already exists in workspace '{workspace}'",
                    details={"name": body.name},
                )
            secret = SECRET_PREFIX + body.name
            if creds:
                self.secrets.put_in(
                    session, ws_id, workspace, secret, json.dumps(creds), body.created_by
                )
            else:
                self.secrets.delete_in(session, ws_id, secret)
            logger.info("created datastore %s (%s) in %s", body.name, body.type.value, workspace)
            return _to_spec(row)

    def get(self, workspace: str, name: str) -> Datastore:
        """The datastore called ``name``, credentials masked.

        Raises:
            NotFoundError: No such workspace or datastore.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            if name in BUILTIN_DATASTORES:
                return _builtin(name)
            row = DatastoreRepo(session).find(ws_id, name)
            if row is None:
                raise _not_found(workspace, name)
            return _to_spec(row)

    def list(self, workspace: str) -> builtins.list[Datastore]:
        """The workspace's datastores by name, the built-ins included.

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            rows = DatastoreRepo(session).list(workspace_id(session, workspace))
        items = [_builtin(n) for n in BUILTIN_DATASTORES] + [_to_spec(r) for r in rows]
        return sorted(items, key=lambda d: d.name)

    def delete(self, workspace: str, name: str) -> None:
        """Remove a datastore and its credentials (its files stay where they are).

        Raises:
            ConflictError: A built-in datastore.
            NotFoundError: No such workspace or datastore.
        """
        if name in BUILTIN_DATASTORES:
            raise ConflictError(
                f"Datastore '{name}' is built in and cannot be deleted", details={"name": name}
            )
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = DatastoreRepo(session)
            row = repo.find(ws_id, name)
            if row is None:
                raise _not_found(workspace, name)
            repo.delete(row)
            self.secrets.delete_in(session, ws_id, SECRET_PREFIX + name)
            logger.info("deleted datastore %s in %s", name, workspace)

    def rows(self, workspace: str) -> builtins.list[tuple[str, str, dict[str, Any]]]:
        """``(name, type, settings)`` of the workspace's own datastores (for URI matching)."""
        with self.uow() as session:
            rows = DatastoreRepo(session).list(workspace_id(session, workspace))
            return [(r.name, r.type, dict(r.config)) for r in rows]

    # --- files ---------------------------------------------------------------------------

    def filesystem(self, workspace: str, name: str) -> tuple[Any, str]:
        """An fsspec filesystem for a datastore of one's own and the root of its paths.

        Raises:
            NotFoundError: No such datastore.
            InvalidArgumentError: A built-in datastore (use ``files``), or a missing extra.
        """
        files = self.files(workspace, name)
        if isinstance(files, StoreFiles):
            raise invalid("datastore", f"Datastore '{name}' is the artifact store")
        return files.fs, files.root

    def files(self, workspace: str, name: str) -> DatastoreFiles:
        """Access to a datastore's files.

        Raises:
            NotFoundError: No such workspace or datastore (the message lists the names).
            InvalidArgumentError: A missing extra (``pip install 'basalt[azure]'``).
        """
        if name in BUILTIN_DATASTORES:
            return StoreFiles(name, self.artifacts, f"workspaces/{workspace}/datastores/{name}")
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = DatastoreRepo(session).find(ws_id, name)
            if row is None:
                known = [n for n, _, _ in self.rows(workspace)] + list(BUILTIN_DATASTORES)
                raise NotFoundError(
                    f"Datastore '{name}' was not found in workspace '{workspace}' (it has: "
                    f"{', '.join(sorted(known))}); create it with: basalt datastore create -f "
                    "ds.yml",
                    details={"datastore": name},
                )
            kind, config = DatastoreType(row.type), dict(row.config)
        raw = self.secrets.reveal_reserved(workspace, SECRET_PREFIX + name)
        creds: dict[str, str] = json.loads(raw) if raw else {}
        fs, root = open_filesystem(kind, config, creds)
        return FsFiles(name, fs, root, kind == DatastoreType.LOCAL)

    def prefix(self, workspace: str, datastore: str, path: str = "") -> str:
        """Check that ``datastore`` exists and ``path`` is safe; the path inside its root.

        Raises:
            NotFoundError: No such datastore.
            InvalidArgumentError: ``path`` is absolute or climbs out with ``..``.
        """
        clean = _clean(path)
        if datastore not in BUILTIN_DATASTORES:
            self.get(workspace, datastore)
            return clean
        root = f"workspaces/{workspace}/datastores/{datastore}"
        return f"{root}/{clean}" if clean else root

    def download(
        self, workspace: str, datastore: str, path: str, dest: Path
    ) -> builtins.list[Path]:
        """Copy a file or folder of the datastore into ``dest``; the local files written.

        Raises:
            NotFoundError: No such datastore, or nothing is stored at that path.
        """
        return self.files(workspace, datastore).download(_clean(path), dest)

    def upload(self, workspace: str, datastore: str, path: str, source: Path) -> int:
        """Store a local file or folder at ``path`` of the datastore; the number of files.

        Raises:
            NotFoundError: No such datastore.
        """
        return self.files(workspace, datastore).upload(_clean(path), source)

    def listing(self, workspace: str, datastore: str, path: str) -> builtins.list[ListedFile]:
        """Every file at or below ``path`` of the datastore (``[]`` when none).

        Raises:
            NotFoundError: No such datastore.
        """
        return self.files(workspace, datastore).listing(_clean(path))

    def _check(
        self, name: str, kind: DatastoreType, config: dict[str, Any], creds: dict[str, str]
    ) -> None:
        if kind == DatastoreType.LOCAL:
            if not Path(config["path"]).is_dir():
                raise invalid(
                    "path",
                    f"Datastore '{name}': folder {config['path']!r} does not exist; create it, "
                    "or pass --skip-validation",
                )
            return
        fs, root = open_filesystem(kind, config, creds)
        where = _describe(kind, config)
        try:
            FsFiles(name, fs, root, local=False).check()
        except Exception as exc:  # noqa: BLE001 - any failure of the check request is reported
            raise InvalidArgumentError(
                f"Datastore '{name}' failed validation: listing {where} failed "
                f"({type(exc).__name__}: {scrub(str(exc), creds)}); check the account, "
                "container or bucket, endpoint and credentials, or pass --skip-validation",
                details={"field": "credentials", "datastore": name},
            ) from None


def _clean(path: str) -> str:
    clean = path.strip("/")
    return normalize_artifact_path(clean, field="path") if clean else ""


def _describe(kind: DatastoreType, config: dict[str, Any]) -> str:
    if kind == DatastoreType.S3:
        return f"bucket '{config['bucket']}' at {config.get('endpoint_url') or 'AWS S3'}"
    root = config.get("container_name") or config.get("filesystem")
    return f"container '{root}' at {azure_account_url(config)}"


def _settings(body: DatastoreCreate) -> tuple[dict[str, Any], CredentialType, dict[str, str]]:
    """The row's settings, the credential kind and the credential values of a creation."""
    if body.type not in _FIELDS:
        raise invalid(
            "type",
            f"Datastore type {body.type.value!r} cannot be created; use one of: "
            + ", ".join(t.value for t in _FIELDS),
        )
    required, optional = _FIELDS[body.type]
    config: dict[str, Any] = {}
    for field in _SETTINGS:
        value = getattr(body, field)
        if value is None:
            if field in required:
                raise invalid(field, f"A {body.type.value} datastore needs {field}")
            continue
        if field not in required + optional:
            raise invalid(field, f"A {body.type.value} datastore does not take {field}")
        config[field] = value
    if body.type == DatastoreType.LOCAL and not Path(config["path"]).is_absolute():
        raise invalid("path", f"The path of a local datastore must be absolute: {body.path!r}")
    given = dict(body.credentials) if body.credentials is not None else {}
    sent = {k: v.get_secret_value() for k, v in given.items() if v is not None}
    if not sent:
        return config, CredentialType.NONE, {}
    for kind, fields in _CREDENTIALS[body.type].items():
        if set(sent) == set(fields):
            return config, kind, sent
    shapes = " or ".join("{" + ", ".join(f) + "}" for f in _CREDENTIALS[body.type].values())
    raise invalid(
        "credentials",
        f"A {body.type.value} datastore takes credentials {shapes or 'none'}; got "
        "{" + ", ".join(sorted(sent)) + "}",
    )


def _builtin(name: str) -> Datastore:
    return Datastore(
        name=name,
        type=DatastoreType.ARTIFACT_STORE,
        description="A folder of the workspace's artifact store.",
        is_default=name == DEFAULT_DATASTORE,
    )


def _to_spec(row: DatastoreRow) -> Datastore:
    kind = CredentialType(row.credential_type or CredentialType.NONE.value)
    return Datastore(
        name=row.name,
        type=DatastoreType(row.type),
        description=row.description,
        tags=dict(row.tags),
        **{k: row.config[k] for k in _SETTINGS if k in row.config},
        credential_type=kind,
        credentials={f: MASK for f in _CREDENTIAL_FIELDS.get(kind, ())},
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
    )


def _not_found(workspace: str, name: str) -> NotFoundError:
    return NotFoundError(
        f"Datastore '{name}' not found in workspace '{workspace}'; "
        "create it with: basalt datastore create -f ds.yml",
        details={"name": name},
    )
