"""Workspace queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from basalt.store.tables import WorkspaceRow


class WorkspaceRepo:
    """Reads and writes workspace rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find_by_name(self, name: str) -> WorkspaceRow | None:
        """The workspace called ``name``, or None."""
        return self.session.scalars(select(WorkspaceRow).where(WorkspaceRow.name == name)).first()

    def list(self) -> list[WorkspaceRow]:
        """Every workspace, by name."""
        return list(self.session.scalars(select(WorkspaceRow).order_by(WorkspaceRow.name)))

    def add(self, row: WorkspaceRow) -> WorkspaceRow:
        """Insert a workspace and assign its id."""
        self.session.add(row)
        self.session.flush()
        return row
