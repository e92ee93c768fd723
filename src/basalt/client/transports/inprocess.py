"""In-process transport: calls services directly; the only SDK module that imports them.

Embedded mode uses it, so a laptop needs no server. With ``roundtrip=True`` (the tests) every
request and response goes through JSON, so a value that would not survive HTTP fails here too.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel

from basalt.client.transports._endpoint_handlers import ENDPOINT_HANDLERS, Handler
from basalt.config import Settings
from basalt.errors import InvalidArgumentError
from basalt.services._asset_files import FileBackedAssetService
from basalt.services.assets import VersionedAssetService
from basalt.services.container import Services
from basalt.spec import operations as ops
from basalt.spec.auth import LOCAL, AuditEvent, AuditQuery, MemberSet
from basalt.spec.common import Page
from basalt.spec.components import ComponentCreate
from basalt.spec.compute import ComputeCreate, ComputeUpdate
from basalt.spec.data import DataCreate
from basalt.spec.datastores import DatastoreCreate
from basalt.spec.environments import EnvironmentCreate
from basalt.spec.experiments import ExperimentCreate
from basalt.spec.gc import GcRequest
from basalt.spec.job_requests import JobCreate
from basalt.spec.models import BlobQuery, BlobStored, ModelCreate
from basalt.spec.registry_events import RegistryEventQuery, WebhookCreate
from basalt.spec.runs import ArtifactFile, LogBatch, RunCreate, RunListQuery, RunUpdate
from basalt.spec.secrets import SecretSet
from basalt.spec.workspaces import WorkspaceCreate


def _server_only(s: Services, p: dict[str, str], q: dict[str, Any], b: Any) -> Any:
    raise InvalidArgumentError(
        "Users, tokens and sign-in live on a server; run 'basalt server start' and "
        "talk to it with --url (an embedded workspace has one person and no login)"
    )


def _files(s: Services, p: dict[str, str], q: dict[str, Any]) -> list[ArtifactFile]:
    return s.runs.list_artifacts(p["workspace"], p["name"], q.get("path") or "")


def _audit(s: Services, p: dict[str, str], q: dict[str, Any]) -> Page[AuditEvent]:
    fields = {k: v for k, v in q.items() if v is not None and k in AuditQuery.model_fields}
    if "workspace" in p:
        s.workspaces.get_workspace(p["workspace"])
        fields["workspace"] = p["workspace"]
        return s.audit.list(AuditQuery.model_validate(fields), [p["workspace"]])
    return s.audit.list(AuditQuery.model_validate(fields), None)


def _put_model_blob(s: Services, p: dict[str, str], source: Path | BinaryIO) -> BlobStored:
    if isinstance(source, Path):
        with source.open("rb") as fh:
            stored = s.models.put_blob(p["workspace"], p["sha256"], fh)
    else:
        stored = s.models.put_blob(p["workspace"], p["sha256"], source)
    return BlobStored(sha256=p["sha256"], stored=stored)


def _versioned_handlers(
    kind: ops.AssetOps, service: Callable[[Services], VersionedAssetService[Any]]
) -> dict[str, tuple[type[BaseModel] | None, Handler]]:
    """The entries of the operations every versioned-asset kind shares (as routes/_versioned)."""
    extra: dict[str, tuple[type[BaseModel] | None, Handler]] = {}
    if kind.delete is not None:
        extra[kind.delete.name] = (
            None,
            lambda s, p, q, b: service(s).delete(p["workspace"], p["name"], p["version"]),
        )
    return {
        **extra,
        kind.search.name: (
            kind.list_query,
            lambda s, p, q, b: service(s).list(
                p["workspace"],
                name=b.name,
                tags=b.tags,
                include_archived=b.include_archived,
                page_token=b.page_token,
                max_results=b.max_results,
            ),
        ),
        kind.get.name: (
            None,
            lambda s, p, q, b: service(s).get(
                p["workspace"], p["name"], q.get("version"), q.get("label")
            ),
        ),
        kind.update.name: (
            kind.update_body,
            lambda s, p, q, b: service(s).update(
                p["workspace"],
                p["name"],
                p["version"],
                description=b.description,
                tags=b.tags,
                properties=b.properties,
            ),
        ),
        kind.archive.name: (
            None,
            lambda s, p, q, b: service(s).archive(p["workspace"], p["name"], p["version"]),
        ),
        kind.restore.name: (
            None,
            lambda s, p, q, b: service(s).archive(p["workspace"], p["name"], p["version"], False),
        ),
        kind.set_label.name: (
            kind.label_body,
            lambda s, p, q, b: service(s).set_label(
                p["workspace"], p["name"], p["label"], b.version
            ),
        ),
    }


# NOTE: one entry per operation in spec/operations.py; server/routes call the same methods.
HANDLERS: dict[str, tuple[type[BaseModel] | None, Handler]] = {
    "workspaces.list": (None, lambda s, p, q, b: s.workspaces.list_workspaces()),
    "workspaces.create": (WorkspaceCreate, lambda s, p, q, b: s.workspaces.create_workspace(b)),
    "workspaces.get": (None, lambda s, p, q, b: s.workspaces.get_workspace(p["workspace"])),
    "experiments.list": (
        None,
        lambda s, p, q, b: s.experiments.list_experiments(
            p["workspace"],
            include_archived=bool(q.get("include_archived")),
            max_results=q.get("max_results"),
            page_token=q.get("page_token"),
        ),
    ),
    "experiments.create": (
        ExperimentCreate,
        lambda s, p, q, b: s.experiments.create_experiment(p["workspace"], b),
    ),
    "experiments.get": (
        None,
        lambda s, p, q, b: s.experiments.get_experiment(p["workspace"], p["name"]),
    ),
    "runs.create": (RunCreate, lambda s, p, q, b: s.runs.create_run(p["workspace"], b)),
    "runs.search": (RunListQuery, lambda s, p, q, b: s.runs.list_runs(p["workspace"], b)),
    "runs.get": (None, lambda s, p, q, b: s.runs.get_run(p["workspace"], p["name"])),
    "runs.update": (
        RunUpdate,
        lambda s, p, q, b: s.runs.update_run(p["workspace"], p["name"], b),
    ),
    "runs.archive": (None, lambda s, p, q, b: s.runs.archive_run(p["workspace"], p["name"])),
    "runs.restore": (
        None,
        lambda s, p, q, b: s.runs.archive_run(p["workspace"], p["name"], archived=False),
    ),
    "runs.log_batch": (
        LogBatch,
        lambda s, p, q, b: s.runs.log_batch(p["workspace"], p["name"], b),
    ),
    "runs.delete_tag": (
        None,
        lambda s, p, q, b: s.runs.delete_tag(p["workspace"], p["name"], p["key"]),
    ),
    "runs.metric_history": (
        None,
        lambda s, p, q, b: s.runs.get_metric_history(
            p["workspace"], p["name"], p["key"], q.get("max_points")
        ),
    ),
    "runs.files_list": (None, lambda s, p, q, b: _files(s, p, q)),
    "runs.snapshot_list": (
        None,
        lambda s, p, q, b: s.run_snapshots.list_files(p["workspace"], p["name"]),
    ),
    "jobs.create": (JobCreate, lambda s, p, q, b: s.jobs.create(p["workspace"], b)),
    "jobs.cancel": (None, lambda s, p, q, b: s.job_runs.cancel(p["workspace"], p["name"])),
    "jobs.delete": (None, lambda s, p, q, b: s.job_deletes.delete(p["workspace"], p["name"])),
    "gc.run": (
        GcRequest,
        lambda s, p, q, b: s.gc.collect(dry_run=b.dry_run, grace_period_s=b.grace_period_s),
    ),
    "jobs.logs": (
        None,
        lambda s, p, q, b: s.job_runs.logs(
            p["workspace"], p["name"], int(q.get("offset") or 0), int(q.get("max_bytes") or 65536)
        ),
    ),
    "models.blobs_missing": (
        BlobQuery,
        lambda s, p, q, b: s.models.missing_blobs(p["workspace"], b.sha256),
    ),
    "models.create": (ModelCreate, lambda s, p, q, b: s.models.create_model(p["workspace"], b)),
    "models.files_list": (
        None,
        lambda s, p, q, b: s.models.list_files(p["workspace"], p["name"], p["version"]),
    ),
    "secrets.list": (None, lambda s, p, q, b: s.secrets.list_secrets(p["workspace"])),
    "secrets.set": (
        SecretSet,
        lambda s, p, q, b: s.secrets.set_secret(p["workspace"], p["name"], b),
    ),
    "secrets.get": (None, lambda s, p, q, b: s.secrets.get_secret(p["workspace"], p["name"])),
    "secrets.get_value": (
        None,
        lambda s, p, q, b: s.secrets.reveal_secret(p["workspace"], p["name"]),
    ),
    "secrets.delete": (
        None,
        lambda s, p, q, b: s.secrets.delete_secret(p["workspace"], p["name"]),
    ),
    "vault.rotate_key": (None, lambda s, p, q, b: s.secrets.rotate_key()),
    "data.create": (DataCreate, lambda s, p, q, b: s.data.create(p["workspace"], b)),
    "data.files": (
        None,
        lambda s, p, q, b: s.data.list_files(p["workspace"], p["name"], p["version"]),
    ),
    "environments.create": (
        EnvironmentCreate,
        lambda s, p, q, b: s.environments.create(p["workspace"], b),
    ),
    "environments.build": (
        None,
        lambda s, p, q, b: s.environment_builds.build(
            p["workspace"], p["name"], q.get("version"), q.get("label")
        ),
    ),
    "environments.dockerfile": (
        None,
        lambda s, p, q, b: s.environment_builds.dockerfile(
            p["workspace"], p["name"], q.get("version"), q.get("label")
        ),
    ),
    "datastores.list": (None, lambda s, p, q, b: s.datastores.list(p["workspace"])),
    "datastores.create": (
        DatastoreCreate,
        lambda s, p, q, b: s.datastores.create(p["workspace"], b),
    ),
    "datastores.put": (
        DatastoreCreate,
        lambda s, p, q, b: s.datastores.create(p["workspace"], b, replace=True),
    ),
    "datastores.get": (None, lambda s, p, q, b: s.datastores.get(p["workspace"], p["name"])),
    "datastores.delete": (
        None,
        lambda s, p, q, b: s.datastores.delete(p["workspace"], p["name"]),
    ),
    "computes.list": (None, lambda s, p, q, b: s.computes.list(p["workspace"])),
    "computes.create": (ComputeCreate, lambda s, p, q, b: s.computes.create(p["workspace"], b)),
    "computes.get": (None, lambda s, p, q, b: s.computes.get(p["workspace"], p["name"])),
    "computes.update": (
        ComputeUpdate,
        lambda s, p, q, b: s.computes.update(p["workspace"], p["name"], b),
    ),
    "computes.delete": (None, lambda s, p, q, b: s.computes.delete(p["workspace"], p["name"])),
    "models.compare": (
        None,
        lambda s, p, q, b: s.model_compare.compare(
            p["workspace"], p["name"], list(q.get("versions") or []) or None
        ),
    ),
    "lineage.get": (
        None,
        lambda s, p, q, b: s.lineage.graph(
            p["workspace"], p["kind"], q["name"], q.get("version"), int(q.get("depth") or 3)
        ),
    ),
    "events.list": (
        None,
        lambda s, p, q, b: s.registry_events.list(
            p["workspace"],
            RegistryEventQuery.model_validate({k: v for k, v in q.items() if v is not None}),
        ),
    ),
    "webhooks.list": (None, lambda s, p, q, b: s.webhooks.list(p["workspace"])),
    "webhooks.create": (WebhookCreate, lambda s, p, q, b: s.webhooks.create(p["workspace"], b)),
    "webhooks.get": (None, lambda s, p, q, b: s.webhooks.get(p["workspace"], p["name"])),
    "webhooks.delete": (None, lambda s, p, q, b: s.webhooks.delete(p["workspace"], p["name"])),
    "webhooks.deliveries": (
        None,
        lambda s, p, q, b: s.webhooks.deliveries(p["workspace"], p["name"]),
    ),
    "webhooks.deliver": (None, lambda s, p, q, b: s.webhooks.deliver_due()),
    "audit.list": (None, lambda s, p, q, b: _audit(s, p, q)),
    "audit.list_workspace": (None, lambda s, p, q, b: _audit(s, p, q)),
    **{
        op.name: (None, _server_only)
        for op in (
            ops.USERS_LIST,
            ops.USERS_CREATE,
            ops.USERS_DISABLE,
            ops.USERS_ENABLE,
            ops.TOKENS_LIST,
            ops.TOKENS_CREATE,
            ops.TOKENS_REVOKE,
            ops.LOGIN,
        )
    },
    "me": (None, lambda s, p, q, b: s.identity.me(LOCAL)),
    "members.list": (None, lambda s, p, q, b: s.access.list_members(LOCAL, p["workspace"])),
    "members.set": (
        MemberSet,
        lambda s, p, q, b: s.access.add_member(LOCAL, p["workspace"], p["user"], b.role),
    ),
    "members.remove": (
        None,
        lambda s, p, q, b: s.access.remove_member(LOCAL, p["workspace"], p["user"]),
    ),
    **_versioned_handlers(ops.MODELS_ASSET, lambda s: s.models),
    **_versioned_handlers(ops.DATA_ASSET, lambda s: s.data),
    **_versioned_handlers(ops.ENVIRONMENTS_ASSET, lambda s: s.environments),
    "components.create": (
        ComponentCreate,
        lambda s, p, q, b: s.components.create(p["workspace"], b),
    ),
    "components.files": (
        None,
        lambda s, p, q, b: s.components.list_files(p["workspace"], p["name"], p["version"]),
    ),
    **_versioned_handlers(ops.COMPONENTS_ASSET, lambda s: s.components),
    **ENDPOINT_HANDLERS,
}


class InProcessTransport:
    """Calls services in this process.

    Args:
        settings: Settings of the embedded workspace (or any store URL).
        services: Already-built services to share (tests); default: built from ``settings``.
        roundtrip: Send every request and response through JSON, as HTTP would.
    """

    same_machine = True

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        services: Services | None = None,
        roundtrip: bool = False,
    ) -> None:
        if services is None:
            if settings is None:
                raise TypeError("InProcessTransport needs settings or services")
            services = Services(settings)
            self._owned = True
        else:
            self._owned = False
        self.services = services
        self.roundtrip = roundtrip

    def call(
        self,
        op: ops.Operation,
        params: dict[str, str],
        *,
        query: dict[str, Any] | None = None,
        body: BaseModel | None = None,
    ) -> Any:
        """Dispatch ``op`` to its service method."""
        body_type, handler = HANDLERS[op.name]
        if (
            body is not None
            and body_type is not None
            and (self.roundtrip or not isinstance(body, body_type))
        ):
            body = body_type.model_validate_json(body.model_dump_json(exclude_unset=True))
        result = handler(self.services, params, dict(query or {}), body)
        if op.response is None:
            return None
        if self.roundtrip:
            return op.response.validate_json(op.response.dump_json(result))
        return result

    def upload(self, op: ops.Operation, params: dict[str, str], source: Path | BinaryIO) -> Any:
        """Store a file among a run's output files (or a model's content blob)."""
        if op.name == ops.MODELS_BLOB_PUT.name:
            return _put_model_blob(self.services, params, source)
        info = self.services.runs.upload_artifact(
            params["workspace"], params["name"], params["path"], source
        )
        return info

    def download(self, op: ops.Operation, params: dict[str, str], dest: BinaryIO) -> None:
        """Copy a run's (or a model or data version's) file into ``dest``."""
        if op.name in (
            ops.DATA_FILE_GET.name,
            ops.MODELS_FILE_GET.name,
            ops.COMPONENTS_FILE_GET.name,
        ):
            kinds: dict[str, FileBackedAssetService[Any]] = {
                ops.DATA_FILE_GET.name: self.services.data,
                ops.MODELS_FILE_GET.name: self.services.models,
                ops.COMPONENTS_FILE_GET.name: self.services.components,
            }
            kind = kinds[op.name]
            with kind.open_file(
                params["workspace"], params["name"], params["version"], params["path"]
            ) as src:
                shutil.copyfileobj(src, dest, 1024 * 1024)
            return
        if op.name == ops.RUNS_SNAPSHOT_GET.name:
            with self.services.run_snapshots.open_file(
                params["workspace"], params["name"], params["path"]
            ) as src:
                shutil.copyfileobj(src, dest, 1024 * 1024)
            return
        if op.name == ops.DEPLOYMENTS_CODE_FILE.name:
            with self.services.deployment_package.open_code_file(
                params["workspace"], params["endpoint"], params["name"], params["path"]
            ) as src:
                shutil.copyfileobj(src, dest, 1024 * 1024)
            return
        with self.services.runs.open_artifact(
            params["workspace"], params["name"], params["path"]
        ) as src:
            shutil.copyfileobj(src, dest, 1024 * 1024)

    def close(self) -> None:
        """Close the services if this transport built them."""
        if self._owned:
            self.services.close()
