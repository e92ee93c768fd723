"""Compute target queries."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from basalt.store.tables import ComputeRow


class ComputeRepo:
    """Reads and writes compute target rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, workspace_id: int, name: str) -> ComputeRow | None:
        """The target called ``name`` in the workspace, or None."""
        stmt = select(ComputeRow).where(
            ComputeRow.workspace_id == workspace_id, ComputeRow.name == name
        )
        return self.session.scalars(stmt).first()

    def list(self, workspace_id: int) -> builtins.list[ComputeRow]:
        """Targets of the workspace, by name."""
        stmt = select(ComputeRow).where(ComputeRow.workspace_id == workspace_id)
        return list(self.session.scalars(stmt.order_by(ComputeRow.name)))

    def try_add(self, row: ComputeRow) -> bool:
        """Insert a target; False (and nothing inserted) when the name is taken.

        A savepoint holds the insert, so the transaction stays usable after a refusal.
        """
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def delete(self, row: ComputeRow) -> None:
        """Remove a target row."""
        self.session.delete(row)
        self.session.flush()
