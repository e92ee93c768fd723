"""Online endpoint and deployment queries."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from basalt.store.tables.endpoints import OnlineDeploymentRow, OnlineEndpointRow
from basalt.store.tables.workspaces import WorkspaceRow


class EndpointRepo:
    """Reads and writes endpoint and deployment rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- endpoints ---

    def find(self, workspace_id: int, name: str, *, lock: bool = False) -> OnlineEndpointRow | None:
        """The endpoint called ``name`` in the workspace, or None (``lock``: FOR UPDATE)."""
        stmt = select(OnlineEndpointRow).where(
            OnlineEndpointRow.workspace_id == workspace_id, OnlineEndpointRow.name == name
        )
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def list(self, workspace_id: int) -> builtins.list[OnlineEndpointRow]:
        """Endpoints of the workspace, by name."""
        stmt = select(OnlineEndpointRow).where(OnlineEndpointRow.workspace_id == workspace_id)
        return list(self.session.scalars(stmt.order_by(OnlineEndpointRow.name)))

    def generations(self, workspace_id: int | None) -> builtins.list[tuple[str, str, int]]:
        """``(workspace, endpoint, generation)`` of every endpoint (of one workspace)."""
        stmt = select(WorkspaceRow.name, OnlineEndpointRow.name, OnlineEndpointRow.generation).join(
            WorkspaceRow, WorkspaceRow.id == OnlineEndpointRow.workspace_id
        )
        if workspace_id is not None:
            stmt = stmt.where(OnlineEndpointRow.workspace_id == workspace_id)
        return [(w, e, g) for w, e, g in self.session.execute(stmt)]

    def try_add(self, row: OnlineEndpointRow | OnlineDeploymentRow) -> bool:
        """Insert a row; False (and nothing inserted) when the name is taken.

        A savepoint holds the insert, so the transaction stays usable after a refusal.
        """
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def delete(self, row: OnlineEndpointRow | OnlineDeploymentRow) -> None:
        """Remove a row (an endpoint's deployments go with it)."""
        self.session.delete(row)
        self.session.flush()

    # --- deployments ---

    def find_deployment(self, endpoint_id: int, name: str) -> OnlineDeploymentRow | None:
        """The deployment called ``name`` of the endpoint, or None."""
        stmt = select(OnlineDeploymentRow).where(
            OnlineDeploymentRow.endpoint_id == endpoint_id, OnlineDeploymentRow.name == name
        )
        return self.session.scalars(stmt).first()

    def deployments(self, endpoint_id: int) -> builtins.list[OnlineDeploymentRow]:
        """Deployments of one endpoint, by name."""
        stmt = select(OnlineDeploymentRow).where(OnlineDeploymentRow.endpoint_id == endpoint_id)
        return list(self.session.scalars(stmt.order_by(OnlineDeploymentRow.name)))

    def all_deployments(
        self, workspace_id: int | None
    ) -> builtins.list[tuple[str, OnlineEndpointRow, OnlineDeploymentRow]]:
        """``(workspace name, endpoint, deployment)`` of every deployment (of one workspace)."""
        stmt = (
            select(WorkspaceRow.name, OnlineEndpointRow, OnlineDeploymentRow)
            .join(OnlineEndpointRow, OnlineEndpointRow.workspace_id == WorkspaceRow.id)
            .join(OnlineDeploymentRow, OnlineDeploymentRow.endpoint_id == OnlineEndpointRow.id)
            .order_by(WorkspaceRow.name, OnlineEndpointRow.name, OnlineDeploymentRow.name)
        )
        if workspace_id is not None:
            stmt = stmt.where(WorkspaceRow.id == workspace_id)
        return [(w, e, d) for w, e, d in self.session.execute(stmt)]
