"""Online endpoints: records, traffic and mirror rules, keys, and what the gateway reads.

An endpoint has two keys (32 random bytes, URL-safe), kept in the vault under the reserved
name ``endpoints/<name>``; its row keeps their SHA-256 so the gateway can check a presented key
with ``check_key`` (or ``key_matches`` on a cached ``routing``) without decrypting anything.
Every change the gateway must see (traffic, keys, auth mode, a deployment added, removed or
changing state) bumps the endpoint's ``generation``; ``generations()`` is the cheap poll.

Traffic rules (Azure ML's): integer percents 0-100 that add up to 100, or all 0; each names a
deployment of the endpoint; mirror traffic goes to at most one deployment, at most 50%, and
that deployment takes no live traffic.

Scoring goes through a ``ScoringInvoker`` that the serving host provides (``invoker``); until
one is set, ``invoke`` says to start ``basalt serve``.
"""

from __future__ import annotations

import builtins
import json
import logging
import secrets as random_secrets
from collections.abc import Callable, Mapping
from typing import Protocol

from basalt._internal.clock import Clock
from basalt.errors import (
    AlreadyExistsError,
    BasaltError,
    ConflictError,
    NotFoundError,
    UnavailableError,
    invalid,
)
from basalt.services.asset_uses import AssetUseService
from basalt.services.secrets import SecretService
from basalt.services.workspaces import workspace_id
from basalt.spec.endpoints import (
    MASK,
    AuthMode,
    EndpointKeys,
    EndpointRouting,
    InvokeRequest,
    InvokeResponse,
    OnlineEndpoint,
    OnlineEndpointCreate,
    OnlineEndpointUpdate,
    ProvisioningState,
    hash_key,
    key_matches,
)
from basalt.store.repos.endpoints import EndpointRepo
from basalt.store.repos.telemetry import DeploymentMetricRepo
from basalt.store.tables.endpoints import OnlineDeploymentRow, OnlineEndpointRow
from basalt.store.uow import Session, UnitOfWork

__all__ = ["EndpointService", "ScoringInvoker", "check_traffic", "deployment_user"]

logger = logging.getLogger(__name__)

SECRET_PREFIX = "endpoints/"  # noqa: S105 - a name prefix, not a password
MAX_MIRROR_PERCENT = 50


class ScoringInvoker(Protocol):
    """Sends one scoring request through the serving host (provided by the data plane)."""

    def __call__(
        self, workspace: str, endpoint: str, body: bytes, deployment: str | None
    ) -> InvokeResponse:
        """Score ``body`` on ``endpoint`` (on ``deployment`` when given) and return the answer.

        Raises:
            UnavailableError: The serving host is not running or not ready.
        """
        ...


def deployment_user(endpoint: str, deployment: str) -> str:
    """How a deployment names itself in the in-use guard and lineage: ``<endpoint>/<dep>``."""
    return f"{endpoint}/{deployment}"


def new_key() -> str:
    """A fresh endpoint key: 32 random bytes, URL-safe base64."""
    return random_secrets.token_urlsafe(32)


def check_traffic(
    endpoint: str,
    traffic: Mapping[str, int],
    mirror: Mapping[str, int],
    deployments: builtins.list[str],
) -> None:
    """Check a traffic split and a mirror split against the endpoint's deployments.

    Raises:
        InvalidArgumentError: The message names the deployment and says what to change.
    """
    known = ", ".join(deployments) or "none yet"
    for field, split in (("traffic", traffic), ("mirror_traffic", mirror)):
        for name, percent in split.items():
            if name not in deployments:
                raise invalid(
                    field,
                    f"{field} names deployment '{name}', which endpoint '{endpoint}' does not "
                    f"have (it has: {known}); create the deployment first",
                )
            if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
                raise invalid(
                    field, f"{field} of deployment '{name}' is {percent!r}; use a whole 0 to 100"
                )
    total = sum(traffic.values())
    if total not in (0, 100):
        shown = " ".join(f"{k}={v}" for k, v in traffic.items())
        raise invalid(
            "traffic",
            f"traffic of endpoint '{endpoint}' adds up to {total}% ({shown}); the percents must "
            "add up to 100 (or all be 0)",
        )
    mirrored = {k: v for k, v in mirror.items() if v > 0}
    if len(mirrored) > 1:
        raise invalid(
            "mirror_traffic",
            f"mirror_traffic of endpoint '{endpoint}' names {', '.join(mirrored)}; mirror to "
            "one deployment at a time",
        )
    for name, percent in mirrored.items():
        if percent > MAX_MIRROR_PERCENT:
            raise invalid(
                "mirror_traffic",
                f"mirror_traffic of deployment '{name}' is {percent}%; at most "
                f"{MAX_MIRROR_PERCENT}% can be mirrored",
            )
        if traffic.get(name, 0) > 0:
            raise invalid(
                "mirror_traffic",
                f"deployment '{name}' takes {traffic[name]}% of live traffic, so it cannot also "
                "get mirrored traffic; set its traffic to 0 first",
            )


class EndpointService:
    """Endpoint rules: names, traffic, keys, and what the gateway needs.

    Args:
        uow: The unit of work.
        clock: Time source.
        secrets: The vault (keys live under ``endpoints/<name>``).
        uses: The in-use guard (an endpoint's deletion releases its deployments' models).

    Attributes:
        invoker: Set by the serving host; ``invoke`` uses it.
        scoring_base: Returns the gateway's base URL when one is known (for ``scoring_uri``).
        on_deploy: Called after a deployment is created or changed: an embedded workspace
            starts its serve host then (``compute.serve_on_deploy``), so the deployment comes
            up without a first ``invoke``.
    """

    def __init__(
        self, uow: UnitOfWork, clock: Clock, secrets: SecretService, uses: AssetUseService
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.secrets = secrets
        self.uses = uses
        self.invoker: ScoringInvoker | None = None
        self.scoring_base: Callable[[], str | None] | None = None
        self.on_deploy: Callable[[], object] | None = None

    def deployed(self) -> None:
        """A deployment was created or changed: run ``on_deploy``.

        A failure is only logged: the record is saved, and ``invoke`` tries again.
        """
        if self.on_deploy is None:
            return
        try:
            self.on_deploy()
        except BasaltError as exc:
            logger.warning("could not start the serve host: %s", exc)

    # --- records -------------------------------------------------------------------------

    def create(self, workspace: str, body: OnlineEndpointCreate) -> OnlineEndpoint:
        """Create an endpoint with two fresh keys.

        Raises:
            AlreadyExistsError: The name is taken in the workspace.
            InvalidArgumentError: Traffic names a deployment (a new endpoint has none).
            NotFoundError: No such workspace.
        """
        check_traffic(body.name, body.traffic or {}, body.mirror_traffic or {}, [])
        primary, secondary = new_key(), new_key()
        base = self._base_url()
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            now = self.clock.now()
            row = OnlineEndpointRow(
                workspace_id=ws_id,
                name=body.name,
                auth_mode=body.auth_mode.value,
                description=body.description,
                tags=dict(body.tags),
                traffic=dict(body.traffic or {}),
                mirror_traffic=dict(body.mirror_traffic or {}),
                primary_key_hash=hash_key(primary),
                secondary_key_hash=hash_key(secondary),
                generation=1,
                state=ProvisioningState.SUCCEEDED.value,
                created_at=now,
                updated_at=now,
                created_by=body.created_by,
            )
            if not EndpointRepo(session).try_add(row):
                raise AlreadyExistsError(
                    f"Online endpoint '{body.name}' already exists in workspace '{workspace}'; "
                    f"update it (basalt online-endpoint update --name {body.name}) or delete it",
                    details={"name": body.name},
                )
            keys = {"primary_key": primary, "secondary_key": secondary}
            self.secrets.put_in(
                session, ws_id, workspace, SECRET_PREFIX + body.name, json.dumps(keys), None
            )
            logger.info("created online endpoint %s in %s", body.name, workspace)
            return self._to_spec(base, row, [])

    def create_or_update(self, workspace: str, body: OnlineEndpointCreate) -> OnlineEndpoint:
        """Create the endpoint, or apply the fields ``body`` sets to the existing one.

        Raises:
            InvalidArgumentError: Bad traffic (the message names the deployment).
            NotFoundError: No such workspace.
        """
        if self.find(workspace, body.name) is None:
            try:
                return self.create(workspace, body)
            except AlreadyExistsError:
                pass  # created meanwhile: update it
        fields = body.model_dump(include=set(OnlineEndpointUpdate.model_fields))
        sent = body.model_fields_set & set(OnlineEndpointUpdate.model_fields)
        update = OnlineEndpointUpdate.model_validate({k: fields[k] for k in sent})
        return self.update(workspace, body.name, update)

    def update(self, workspace: str, name: str, body: OnlineEndpointUpdate) -> OnlineEndpoint:
        """Change the fields ``body`` sets (traffic is checked against the deployments).

        Raises:
            NotFoundError: No such workspace or endpoint.
            InvalidArgumentError: Bad traffic or mirror traffic (naming the deployment).
        """
        sent = body.model_fields_set
        base = self._base_url()
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = EndpointRepo(session)
            row = self._row(session, ws_id, workspace, name, lock=True)
            deployments = repo.deployments(row.id)
            traffic = body.traffic if "traffic" in sent else row.traffic
            mirror = body.mirror_traffic if "mirror_traffic" in sent else row.mirror_traffic
            check_traffic(name, traffic or {}, mirror or {}, [d.name for d in deployments])
            if "traffic" in sent:
                row.traffic = dict(traffic or {})
            if "mirror_traffic" in sent:
                row.mirror_traffic = dict(mirror or {})
            if "auth_mode" in sent and body.auth_mode is not None:
                row.auth_mode = body.auth_mode.value
            if "description" in sent:
                row.description = body.description or ""
            if "tags" in sent:
                row.tags = dict(body.tags or {})
            self.touch(row)
            session.flush()
            logger.info("updated online endpoint %s in %s", name, workspace)
            return self._to_spec(base, row, deployments)

    def get(self, workspace: str, name: str) -> OnlineEndpoint:
        """One endpoint, keys masked.

        Raises:
            NotFoundError: No such workspace or endpoint.
        """
        base = self._base_url()
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = self._row(session, ws_id, workspace, name)
            return self._to_spec(base, row, EndpointRepo(session).deployments(row.id))

    def find(self, workspace: str, name: str) -> OnlineEndpoint | None:
        """One endpoint, or None.

        Raises:
            NotFoundError: No such workspace.
        """
        try:
            return self.get(workspace, name)
        except NotFoundError as exc:
            if exc.details.get("endpoint") == name:
                return None
            raise

    def list(self, workspace: str) -> builtins.list[OnlineEndpoint]:
        """The workspace's endpoints by name.

        Raises:
            NotFoundError: No such workspace.
        """
        base = self._base_url()
        with self.uow() as session:
            repo = EndpointRepo(session)
            rows = repo.list(workspace_id(session, workspace))
            return [self._to_spec(base, r, repo.deployments(r.id)) for r in rows]

    def delete(self, workspace: str, name: str) -> None:
        """Delete an endpoint, its deployments (releasing their models) and its keys.

        The serving host stops the workers when they leave ``desired()``.

        Raises:
            NotFoundError: No such workspace or endpoint.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = EndpointRepo(session)
            row = self._row(session, ws_id, workspace, name, lock=True)
            for dep in repo.deployments(row.id):
                self.release_model(session, ws_id, name, dep)
            repo.delete(row)
            DeploymentMetricRepo(session).delete_endpoint(ws_id, name)
            self.secrets.delete_in(session, ws_id, SECRET_PREFIX + name)
            logger.info("deleted online endpoint %s in %s", name, workspace)

    # --- keys ----------------------------------------------------------------------------

    def get_credentials(self, workspace: str, name: str) -> EndpointKeys:
        """The endpoint's two keys in clear.

        Raises:
            NotFoundError: No such workspace or endpoint.
            ConflictError: The keys do not decrypt under the vault key.
        """
        self.get(workspace, name)
        raw = self.secrets.reveal_reserved(workspace, SECRET_PREFIX + name)
        if raw is None:
            raise ConflictError(
                f"Online endpoint '{name}' has no keys in the vault; regenerate them with "
                f"basalt online-endpoint regenerate-keys --name {name} --key-type primary "
                "(and again with secondary)",
                details={"endpoint": name},
            )
        keys = json.loads(raw)
        return EndpointKeys(primary_key=keys["primary_key"], secondary_key=keys["secondary_key"])

    def regenerate_keys(self, workspace: str, name: str, key_type: str) -> OnlineEndpoint:
        """Replace one key; callers on the other keep working.

        Raises:
            InvalidArgumentError: ``key_type`` is not primary or secondary.
            NotFoundError: No such workspace or endpoint.
        """
        if key_type not in ("primary", "secondary"):
            raise invalid("key_type", f"key_type {key_type!r}: use primary or secondary")
        base = self._base_url()
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = self._row(session, ws_id, workspace, name, lock=True)
            raw = self.secrets.reveal_reserved(workspace, SECRET_PREFIX + name)
            keys = (
                json.loads(raw) if raw else {"primary_key": new_key(), "secondary_key": new_key()}
            )
            keys[f"{key_type}_key"] = new_key()
            row.primary_key_hash = hash_key(keys["primary_key"])
            row.secondary_key_hash = hash_key(keys["secondary_key"])
            self.secrets.put_in(
                session, ws_id, workspace, SECRET_PREFIX + name, json.dumps(keys), None
            )
            self.touch(row)
            session.flush()
            logger.info("regenerated the %s key of endpoint %s in %s", key_type, name, workspace)
            return self._to_spec(base, row, EndpointRepo(session).deployments(row.id))

    def check_key(self, workspace: str, endpoint: str, presented: str) -> bool:
        """Whether ``presented`` is one of the endpoint's keys (constant-time per key).

        Raises:
            NotFoundError: No such workspace or endpoint.
        """
        return key_matches(presented, self.routing(workspace, endpoint).key_hashes)

    # --- for the data plane ----------------------------------------------------------------

    def routing(self, workspace: str, endpoint: str) -> EndpointRouting:
        """Traffic and mirror weights, key hashes and deployment states of one endpoint.

        Raises:
            NotFoundError: No such workspace or endpoint.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = self._row(session, ws_id, workspace, endpoint)
            deployments = EndpointRepo(session).deployments(row.id)
            return EndpointRouting(
                workspace=workspace,
                endpoint=row.name,
                generation=row.generation,
                auth_mode=AuthMode(row.auth_mode),
                traffic=dict(row.traffic),
                mirror_traffic=dict(row.mirror_traffic),
                key_hashes=[row.primary_key_hash, row.secondary_key_hash],
                deployments={d.name: ProvisioningState(d.state) for d in deployments},
            )

    def generations(self, workspace: str | None = None) -> dict[tuple[str, str], int]:
        """``{(workspace, endpoint): generation}`` of every endpoint: the gateway's cheap poll.

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace) if workspace is not None else None
            return {(w, e): g for w, e, g in EndpointRepo(session).generations(ws_id)}

    def invoke(self, workspace: str, name: str, body: InvokeRequest) -> InvokeResponse:
        """Send one scoring request through the serving host.

        Raises:
            NotFoundError: No such endpoint, or no such deployment of it.
            UnavailableError: No serving host is running.
        """
        endpoint = self.get(workspace, name)
        if body.deployment_name is not None and body.deployment_name not in endpoint.deployments:
            raise NotFoundError(
                f"Online endpoint '{name}' has no deployment '{body.deployment_name}' (it has: "
                f"{', '.join(endpoint.deployments) or 'none'})",
                details={"endpoint": name, "deployment": body.deployment_name},
            )
        if self.invoker is None:
            raise UnavailableError(
                "no serving host is running: start `basalt serve` (embedded workspace) or "
                "`basalt server start`",
                details={"endpoint": name},
            )
        return self.invoker(workspace, name, body.body.encode("utf-8"), body.deployment_name)

    # --- helpers shared with DeploymentService ------------------------------------------

    def endpoint_row(
        self, session: Session, ws_id: int, workspace: str, name: str, *, lock: bool = False
    ) -> OnlineEndpointRow:
        """The endpoint's row inside the caller's transaction.

        Raises:
            NotFoundError: No such endpoint (the message says how to create it).
        """
        return self._row(session, ws_id, workspace, name, lock=lock)

    def touch(self, row: OnlineEndpointRow) -> None:
        """Record a change the gateway must see (bumps the generation)."""
        row.generation += 1
        row.updated_at = self.clock.now()

    def release_model(
        self, session: Session, ws_id: int, endpoint: str, row: OnlineDeploymentRow
    ) -> None:
        """Release the model version a deployment registered as in use."""
        if row.model_name is not None and row.model_version is not None:
            self.uses.release_use_in(
                session,
                ws_id,
                "model",
                row.model_name,
                row.model_version,
                "deployment",
                deployment_user(endpoint, row.name),
            )

    def _row(
        self, session: Session, ws_id: int, workspace: str, name: str, *, lock: bool = False
    ) -> OnlineEndpointRow:
        row = EndpointRepo(session).find(ws_id, name, lock=lock)
        if row is None:
            raise NotFoundError(
                f"Online endpoint '{name}' not found in workspace '{workspace}'; create it with: "
                "basalt online-endpoint create -f endpoint.yml",
                details={"endpoint": name},
            )
        return row

    def _base_url(self) -> str | None:
        """The gateway's base URL; called once per operation, before its transaction opens.

        In embedded mode it probes the serve host over HTTP: never per endpoint of a list,
        and never while a database transaction is held.
        """
        return self.scoring_base() if self.scoring_base is not None else None

    def _to_spec(
        self,
        base: str | None,
        row: OnlineEndpointRow,
        deployments: builtins.list[OnlineDeploymentRow],
    ) -> OnlineEndpoint:
        path = f"/endpoints/{row.name}/score"
        return OnlineEndpoint(
            name=row.name,
            auth_mode=AuthMode(row.auth_mode),
            description=row.description,
            tags=dict(row.tags),
            traffic=dict(row.traffic),
            mirror_traffic=dict(row.mirror_traffic),
            provisioning_state=ProvisioningState(row.state),
            scoring_uri=f"{base.rstrip('/')}{path}" if base else path,
            keys={"primary_key": MASK, "secondary_key": MASK},
            deployments=[d.name for d in deployments],
            generation=row.generation,
            created_at=row.created_at,
            updated_at=row.updated_at,
            created_by=row.created_by,
        )
