"""Audit-log queries: append and list (nothing here updates or deletes a row)."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from basalt.store.tables import AuditRow


class AuditRepo:
    """Appends and reads audit rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: AuditRow) -> None:
        """Append one event."""
        self.session.add(row)

    def list(
        self,
        *,
        before_id: int | None,
        limit: int,
        since: datetime | None = None,
        until: datetime | None = None,
        principal: str | None = None,
        workspaces: Collection[str] | None = None,
        operation: str | None = None,
    ) -> builtins.list[AuditRow]:
        """Events newest first (by id), at most ``limit``, older than ``before_id`` if given.

        ``workspaces`` None means every event; otherwise only events in those workspaces.
        """
        stmt = select(AuditRow)
        if before_id is not None:
            stmt = stmt.where(AuditRow.id < before_id)
        if since is not None:
            stmt = stmt.where(AuditRow.at >= since)
        if until is not None:
            stmt = stmt.where(AuditRow.at < until)
        if principal is not None:
            stmt = stmt.where(AuditRow.principal == principal)
        if workspaces is not None:
            stmt = stmt.where(AuditRow.workspace.in_(list(workspaces)))
        if operation is not None:
            stmt = stmt.where(AuditRow.operation == operation)
        stmt = stmt.order_by(AuditRow.id.desc()).limit(limit)
        return list(self.session.scalars(stmt))
