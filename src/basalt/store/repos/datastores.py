"""Datastore queries."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from basalt.store.tables import DatastoreRow


class DatastoreRepo:
    """Reads and writes datastore rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, workspace_id: int, name: str) -> DatastoreRow | None:
        """The datastore called ``name`` in the workspace, or None."""
        stmt = select(DatastoreRow).where(
            DatastoreRow.workspace_id == workspace_id, DatastoreRow.name == name
        )
        return self.session.scalars(stmt).first()

    def list(self, workspace_id: int) -> builtins.list[DatastoreRow]:
        """Datastores of the workspace, by name."""
        stmt = select(DatastoreRow).where(DatastoreRow.workspace_id == workspace_id)
        return list(self.session.scalars(stmt.order_by(DatastoreRow.name)))

    def try_add(self, row: DatastoreRow) -> bool:
        """Insert a datastore; False (and nothing inserted) when the name is taken.

        A savepoint holds the insert, so the transaction stays usable after a refusal.
        """
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def delete(self, row: DatastoreRow) -> None:
        """Remove a datastore row."""
        self.session.delete(row)
        self.session.flush()
