"""``basalt.Client``: one object for every operation, embedded or against a server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from basalt.client.operations.audit import AuditOperations
from basalt.client.operations.batch_endpoints import (
    BatchDeploymentOperations,
    BatchEndpointOperations,
)
from basalt.client.operations.components import ComponentOperations
from basalt.client.operations.computes import ComputeOperations
from basalt.client.operations.data import DataOperations
from basalt.client.operations.datastores import DatastoreOperations
from basalt.client.operations.endpoints import (
    OnlineDeploymentOperations,
    OnlineEndpointOperations,
)
from basalt.client.operations.environments import EnvironmentOperations
from basalt.client.operations.experiments import ExperimentOperations
from basalt.client.operations.identity import TokenOperations, UserOperations
from basalt.client.operations.jobs import JobOperations
from basalt.client.operations.models import ModelOperations
from basalt.client.operations.registry_events import EventOperations, WebhookOperations
from basalt.client.operations.secrets import SecretOperations
from basalt.client.operations.workspaces import WorkspaceOperations
from basalt.client.transports.base import Transport
from basalt.config import Settings, load_settings

if TYPE_CHECKING:
    import httpx

    from basalt.spec.gc import GcReport
    from basalt.spec.lineage import LineageGraph


class Client:
    """The Basalt SDK.

    With no arguments it opens the embedded workspace found from the current folder (or
    ``BASALT_WORKSPACE``); with ``url`` (or ``BASALT_URL``) it talks to a server.

    Args:
        url: A Basalt server, e.g. ``http://127.0.0.1:5280``.
        workspace: Workspace name on the server (default ``default``).
        token: API token for the server.
        path: Folder at or below an embedded workspace.
        settings: Fully built settings (overrides the arguments above).
        transport: A ready transport (tests).
        http: An httpx client to use for HTTP (tests pass FastAPI's TestClient).

    Example:
        >>> client = basalt.Client()  # doctest: +SKIP
        >>> client.jobs.list(filter="metrics.accuracy > 0.9")  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str | None = None,
        workspace: str | None = None,
        token: str | None = None,
        *,
        path: Path | str | None = None,
        settings: Settings | None = None,
        transport: Transport | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        overrides: dict[str, object] = {}
        if url:
            overrides["url"] = url
        if workspace:
            overrides["workspace_name"] = workspace
        if token:
            overrides["token"] = token
        self.settings = settings or load_settings(path, **overrides)
        self.workspace_name = self.settings.workspace_name
        self._transport = transport or self._make_transport(http)
        self.workspaces = WorkspaceOperations(self._transport)
        self.users = UserOperations(self._transport)
        self.tokens = TokenOperations(self._transport)
        self.experiments = ExperimentOperations(self._transport, self.workspace_name)
        self.jobs = JobOperations(
            self._transport,
            self.workspace_name,
            max_snapshot_bytes=self.settings.compute.max_snapshot_mb * 2**20,
        )
        self.models = ModelOperations(self._transport, self.workspace_name)
        self.data = DataOperations(self._transport, self.workspace_name)
        self.secrets = SecretOperations(self._transport, self.workspace_name)
        self.environments = EnvironmentOperations(self._transport, self.workspace_name)
        self.components = ComponentOperations(
            self._transport,
            self.workspace_name,
            max_code_bytes=self.settings.compute.max_snapshot_mb * 2**20,
        )
        self.compute = ComputeOperations(self._transport, self.workspace_name)
        self.datastores = DatastoreOperations(self._transport, self.workspace_name)
        self.online_endpoints = OnlineEndpointOperations(self._transport, self.workspace_name)
        self.batch_endpoints = BatchEndpointOperations(self._transport, self.workspace_name)
        self.batch_deployments = BatchDeploymentOperations(
            self._transport,
            self.workspace_name,
            max_code_bytes=self.settings.compute.max_snapshot_mb * 2**20,
        )
        self.online_deployments = OnlineDeploymentOperations(
            self._transport,
            self.workspace_name,
            max_code_bytes=self.settings.compute.max_snapshot_mb * 2**20,
        )
        self.audit = AuditOperations(self._transport)
        self.events = EventOperations(self._transport, self.workspace_name)
        self.webhooks = WebhookOperations(self._transport, self.workspace_name)

    def _make_transport(self, http: httpx.Client | None) -> Transport:
        s = self.settings
        if s.url or http is not None:
            from basalt.client.transports.http import HttpTransport

            token = s.token.get_secret_value() if s.token else None
            return HttpTransport(s.url or "http://testserver", token=token, http=http)
        from basalt.client.transports.inprocess import InProcessTransport

        return InProcessTransport(s)

    def gc(self, *, dry_run: bool = False, grace_period_s: float | None = None) -> GcReport:
        """Free stored bytes that nothing references (a server administrator's call).

        Args:
            dry_run: Only report what would be freed.
            grace_period_s: Keep unreferenced bytes younger than this (default: the server's
                ``gc_grace_period_s``, one hour).

        Returns:
            Files and bytes freed per category, and how long it took.

        Raises:
            PermissionDeniedError: On a server, the caller is not an administrator.

        Example:
            >>> client.gc(dry_run=True).bytes  # doctest: +SKIP
        """
        from basalt.spec import operations as ops
        from basalt.spec.gc import GcRequest

        body = GcRequest(dry_run=dry_run, grace_period_s=grace_period_s)
        return self._transport.call(ops.GC_RUN, {}, body=body)  # type: ignore[no-any-return]

    @property
    def transport(self) -> Transport:
        """The transport this client uses."""
        return self._transport

    def lineage(
        self,
        target: Any,
        version: str | None = None,
        *,
        kind: str | None = None,
        depth: int = 3,
    ) -> LineageGraph:
        """The lineage graph around a job, a data or model version, or a deployment.

        Args:
            target: A job name, ``name:version`` / ``azureml:name:version`` of a model or data
                version, or a returned ``Run``, ``Model`` or ``Data``.
            version: The version, when ``target`` is a bare asset name.
            kind: ``job``, ``model``, ``data`` or ``deployment``; by default a name without a
                version is a job, and a versioned name a model (else a data version).
            depth: How many hops to follow from ``target`` (0-10).

        Raises:
            NotFoundError: Nothing of that name (and version).
        """
        from basalt.errors import NotFoundError
        from basalt.spec import operations as ops

        if not isinstance(target, str):
            kind = kind or {"Run": "job", "Model": "model", "Data": "data"}.get(
                type(target).__name__
            )
            if kind != "job":
                version = version or getattr(target, "version", None)
            target = target.name
        name = target.removeprefix("azureml:")
        if version is None and kind != "job" and name.count(":") == 1:
            name, version = name.split(":")
        kinds = [kind] if kind else (["job"] if version is None else ["model", "data"])
        for i, k in enumerate(kinds):
            params = {"workspace": self.workspace_name, "kind": k}
            query = {"name": name, "version": version, "depth": depth}
            try:
                return self._transport.call(ops.LINEAGE_GET, params, query=query)  # type: ignore[no-any-return]
            except NotFoundError:
                if i == len(kinds) - 1:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Release connections."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.settings.url or (
            str(self.settings.workspace) if self.settings.workspace else "?"
        )
        return f"Client({where!r}, workspace={self.workspace_name!r})"
