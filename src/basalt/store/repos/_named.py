"""Queries of rows named uniquely per workspace (compute targets, datastores, ...)."""

from __future__ import annotations

import builtins
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

RowT = TypeVar("RowT")


class NamedRowRepo(Generic[RowT]):
    """Find, list, add and delete rows with ``workspace_id`` and a unique ``name``.

    Subclasses set ``row_type`` to the ORM class (it must have those two columns).
    """

    row_type: ClassVar[Any]

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, workspace_id: int, name: str) -> RowT | None:
        """The row called ``name`` in the workspace, or None."""
        cls = self.row_type
        stmt = select(cls).where(cls.workspace_id == workspace_id, cls.name == name)
        found: RowT | None = self.session.scalars(stmt).first()
        return found

    def list(self, workspace_id: int) -> builtins.list[RowT]:
        """Rows of the workspace, by name."""
        cls = self.row_type
        stmt = select(cls).where(cls.workspace_id == workspace_id).order_by(cls.name)
        return list(self.session.scalars(stmt))

    def try_add(self, row: RowT) -> bool:
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

    def delete(self, row: RowT) -> None:
        """Remove a row."""
        self.session.delete(row)
        self.session.flush()
