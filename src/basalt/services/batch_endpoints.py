"""Batch endpoints: records and the default deployment.

A batch endpoint is a name that ``invoke`` turns into a scoring job (``services/
batch_invoke.py``) on one of its deployments (``services/batch_deployments.py``): the one
named, or the endpoint's default. The first deployment created becomes the default unless one
is set; deleting the default deployment is refused while others remain (set another first).
"""

from __future__ import annotations

import builtins
import logging

from basalt._internal.clock import Clock
from basalt.errors import AlreadyExistsError, NotFoundError, invalid
from basalt.services.asset_uses import AssetUseService
from basalt.services.workspaces import workspace_id
from basalt.spec.batch_endpoints import (
    BatchEndpoint,
    BatchEndpointCreate,
    BatchEndpointUpdate,
)
from basalt.store.repos.batch_endpoints import BatchEndpointRepo
from basalt.store.tables.batch_endpoints import BatchDeploymentRow, BatchEndpointRow
from basalt.store.uow import Session, UnitOfWork

__all__ = ["BATCH_USER_KIND", "BatchEndpointService", "batch_user"]

logger = logging.getLogger(__name__)

BATCH_USER_KIND = "batch-deployment"
"""How a batch deployment names itself in the in-use guard."""


def batch_user(endpoint: str, deployment: str) -> str:
    """The in-use guard's user name of a batch deployment: ``<endpoint>/<deployment>``."""
    return f"{endpoint}/{deployment}"


class BatchEndpointService:
    """Batch endpoint rules.

    Args:
        uow: The unit of work.
        clock: Time source.
        uses: The in-use guard (deleting an endpoint releases its deployments' models).
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, uses: AssetUseService) -> None:
        self.uow = uow
        self.clock = clock
        self.uses = uses

    def create(
        self, workspace: str, body: BatchEndpointCreate, *, replace: bool = False
    ) -> BatchEndpoint:
        """Create a batch endpoint (or, with ``replace``, update the one of that name).

        Raises:
            NotFoundError: No such workspace; a default deployment the endpoint lacks.
            AlreadyExistsError: The name is taken and ``replace`` is not set.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = BatchEndpointRepo(session)
            row = repo.find(ws_id, body.name, lock=True)
            now = self.clock.now()
            if row is not None and not replace:
                raise self._exists(body.name)
            if row is None:
                row = BatchEndpointRow(
                    workspace_id=ws_id,
                    name=body.name,
                    default_deployment=None,
                    created_at=now,
                    created_by=body.created_by,
                )
            row.auth_mode = body.auth_mode.value
            row.description = body.description
            row.tags = dict(body.tags)
            row.updated_at = now
            if row.id is None and not repo.try_add(row):
                raise self._exists(body.name)
            if body.default_deployment is not None:
                self._set_default(repo, row, body.default_deployment)
            session.flush()
            return _to_spec(workspace, row, repo.deployments(row.id))

    def update(self, workspace: str, name: str, body: BatchEndpointUpdate) -> BatchEndpoint:
        """Change description, tags or the default deployment (only the fields sent).

        Raises:
            NotFoundError: No such endpoint, or the default names no deployment of it.
        """
        sent = body.model_fields_set
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = BatchEndpointRepo(session)
            row = self.endpoint_row(session, ws_id, workspace, name, lock=True)
            if "description" in sent:
                row.description = body.description or ""
            if "tags" in sent:
                row.tags = dict(body.tags or {})
            if "default_deployment" in sent:
                if body.default_deployment is None:
                    row.default_deployment = None
                else:
                    self._set_default(repo, row, body.default_deployment)
            row.updated_at = self.clock.now()
            session.flush()
            return _to_spec(workspace, row, repo.deployments(row.id))

    def get(self, workspace: str, name: str) -> BatchEndpoint:
        """One batch endpoint.

        Raises:
            NotFoundError: No such workspace or endpoint.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            row = self.endpoint_row(session, ws_id, workspace, name)
            return _to_spec(workspace, row, BatchEndpointRepo(session).deployments(row.id))

    def list(self, workspace: str) -> builtins.list[BatchEndpoint]:
        """The workspace's batch endpoints by name.

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            repo = BatchEndpointRepo(session)
            return [_to_spec(workspace, r, repo.deployments(r.id)) for r in repo.list(ws_id)]

    def delete(self, workspace: str, name: str) -> None:
        """Delete a batch endpoint and its deployments (their models are released).

        Jobs it started stay (they are jobs: ``basalt job delete``).

        Raises:
            NotFoundError: No such workspace or endpoint.
        """
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            repo = BatchEndpointRepo(session)
            row = self.endpoint_row(session, ws_id, workspace, name, lock=True)
            for dep in repo.deployments(row.id):
                self.release_model(session, ws_id, name, dep)
            repo.delete(row)
            logger.info("deleted batch endpoint %s in %s", name, workspace)

    # --- shared with deployments and invoke ---------------------------------------------------

    def endpoint_row(
        self, session: Session, ws_id: int, workspace: str, name: str, *, lock: bool = False
    ) -> BatchEndpointRow:
        """The endpoint's row in the caller's transaction.

        Raises:
            NotFoundError: No such endpoint (the message says how to create one).
        """
        row = BatchEndpointRepo(session).find(ws_id, name, lock=lock)
        if row is None:
            raise NotFoundError(
                f"Batch endpoint '{name}' not found in workspace '{workspace}'; create it with: "
                "basalt batch-endpoint create -f endpoint.yml",
                details={"endpoint": name},
            )
        return row

    def release_model(
        self, session: Session, ws_id: int, endpoint: str, row: BatchDeploymentRow
    ) -> None:
        """Release the model version a batch deployment registered as in use."""
        if row.model_name is not None and row.model_version is not None:
            self.uses.release_use_in(
                session,
                ws_id,
                "model",
                row.model_name,
                row.model_version,
                BATCH_USER_KIND,
                batch_user(endpoint, row.name),
            )

    @staticmethod
    def _set_default(repo: BatchEndpointRepo, row: BatchEndpointRow, deployment: str) -> None:
        known = [d.name for d in repo.deployments(row.id)] if row.id is not None else []
        if deployment not in known:
            raise invalid(
                "default_deployment",
                f"default deployment '{deployment}' is not a deployment of batch endpoint "
                f"'{row.name}' (it has: {', '.join(known) or 'none yet'}); create it first "
                "(basalt batch-deployment create -f deployment.yml)",
            )
        row.default_deployment = deployment

    @staticmethod
    def _exists(name: str) -> AlreadyExistsError:
        return AlreadyExistsError(
            f"Batch endpoint '{name}' already exists; update it with: basalt batch-endpoint "
            "update -f endpoint.yml",
            details={"endpoint": name},
        )


def _to_spec(
    workspace: str, row: BatchEndpointRow, deployments: builtins.list[BatchDeploymentRow]
) -> BatchEndpoint:
    return BatchEndpoint(
        name=row.name,
        description=row.description,
        tags=dict(row.tags),
        auth_mode=row.auth_mode,
        default_deployment=row.default_deployment,
        deployments=[d.name for d in deployments],
        invocation_uri=f"/api/v1/workspaces/{workspace}/batch-endpoints/{row.name}/invoke",
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
    )
