"""Batch endpoint and deployment queries."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from basalt.store.tables.batch_endpoints import BatchDeploymentRow, BatchEndpointRow


class BatchEndpointRepo:
    """Reads and writes batch endpoint and deployment rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, workspace_id: int, name: str, *, lock: bool = False) -> BatchEndpointRow | None:
        """The endpoint called ``name`` in the workspace, or None (``lock``: FOR UPDATE)."""
        stmt = select(BatchEndpointRow).where(
            BatchEndpointRow.workspace_id == workspace_id, BatchEndpointRow.name == name
        )
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def list(self, workspace_id: int) -> builtins.list[BatchEndpointRow]:
        """Batch endpoints of the workspace, by name."""
        stmt = select(BatchEndpointRow).where(BatchEndpointRow.workspace_id == workspace_id)
        return list(self.session.scalars(stmt.order_by(BatchEndpointRow.name)))

    def try_add(self, row: BatchEndpointRow | BatchDeploymentRow) -> bool:
        """Insert a row; False (and nothing inserted) when the name is taken (savepoint)."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def delete(self, row: BatchEndpointRow | BatchDeploymentRow) -> None:
        """Remove a row (an endpoint's deployments go with it)."""
        self.session.delete(row)
        self.session.flush()

    def find_deployment(self, endpoint_id: int, name: str) -> BatchDeploymentRow | None:
        """The deployment called ``name`` of the endpoint, or None."""
        stmt = select(BatchDeploymentRow).where(
            BatchDeploymentRow.endpoint_id == endpoint_id, BatchDeploymentRow.name == name
        )
        return self.session.scalars(stmt).first()

    def deployments(self, endpoint_id: int) -> builtins.list[BatchDeploymentRow]:
        """Deployments of one endpoint, by name."""
        stmt = select(BatchDeploymentRow).where(BatchDeploymentRow.endpoint_id == endpoint_id)
        return list(self.session.scalars(stmt.order_by(BatchDeploymentRow.name)))
