"""Secret queries."""

from __future__ import annotations

import builtins

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from basalt.store.tables import SecretRow, WorkspaceRow


class SecretRepo:
    """Reads and writes secret rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, workspace_id: int, name: str) -> SecretRow | None:
        """The secret called ``name`` in the workspace, or None."""
        stmt = select(SecretRow).where(
            SecretRow.workspace_id == workspace_id, SecretRow.name == name
        )
        return self.session.scalars(stmt).first()

    def list(self, workspace_id: int) -> builtins.list[SecretRow]:
        """Secrets of the workspace, by name."""
        stmt = select(SecretRow).where(SecretRow.workspace_id == workspace_id)
        return list(self.session.scalars(stmt.order_by(SecretRow.name)))

    def all_for_update(self) -> builtins.list[SecretRow]:
        """Every secret of every workspace, locked for the rest of the transaction."""
        stmt = select(SecretRow).order_by(SecretRow.id).with_for_update()
        return list(self.session.scalars(stmt))

    def lock_vault(self) -> None:
        """Serialize writers of secrets with key rotations for the rest of the transaction.

        SQLite's write transactions already hold the whole database; PostgreSQL takes an
        advisory lock, so a value cannot be written under a key that a rotation is replacing.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(72111)"))

    def workspace_names(self) -> dict[int, str]:
        """The name of every workspace, by id."""
        rows = self.session.execute(select(WorkspaceRow.id, WorkspaceRow.name))
        return {ws_id: name for ws_id, name in rows}

    def add(self, row: SecretRow) -> None:
        """Insert a new secret row."""
        self.session.add(row)
        self.session.flush()

    def delete(self, row: SecretRow) -> None:
        """Remove a secret row."""
        self.session.delete(row)
        self.session.flush()
