"""Queries of the in-use guard (``asset_uses``) and of deleted versions' numbers."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from basalt.store.tables import AssetUseRow, AssetVersionRow

DELETED_KIND_SUFFIX = ":deleted"
"""NOTE: the kind of a name's high-water row (``model:deleted``). Every other query filters on
the exact kind, so the row is invisible to lists and lookups; it only keeps the highest integer
version a deleted version had, so the next version never reuses a deleted number."""
_HIGH_WATER_VERSION = "high-water"


class AssetUseRepo:
    """Reads and writes the users of asset versions.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: AssetUseRow) -> bool:
        """Insert a use; False (nothing inserted) when the same use is already registered."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def remove(
        self, ws_id: int, kind: str, name: str, version: str, user_kind: str, user_name: str
    ) -> int:
        """Remove a use; the number of rows removed."""
        stmt = delete(AssetUseRow).where(
            AssetUseRow.workspace_id == ws_id,
            AssetUseRow.kind == kind,
            AssetUseRow.name == name,
            AssetUseRow.version == version,
            AssetUseRow.user_kind == user_kind,
            AssetUseRow.user_name == user_name,
        )
        return int(getattr(self.session.execute(stmt), "rowcount", 0) or 0)

    def users_of(
        self, ws_id: int, kind: str, name: str, version: str
    ) -> builtins.list[AssetUseRow]:
        """The uses of one version, oldest first."""
        stmt = (
            select(AssetUseRow)
            .where(
                AssetUseRow.workspace_id == ws_id,
                AssetUseRow.kind == kind,
                AssetUseRow.name == name,
                AssetUseRow.version == version,
            )
            .order_by(AssetUseRow.created_at, AssetUseRow.id)
        )
        return list(self.session.scalars(stmt))

    def rename(self, ws_id: int, kind: str, name: str, new_name: str) -> None:
        """Follow a rename of every version of ``name``."""
        self.session.execute(
            update(AssetUseRow)
            .where(
                AssetUseRow.workspace_id == ws_id,
                AssetUseRow.kind == kind,
                AssetUseRow.name == name,
            )
            .values(name=new_name)
            .execution_options(synchronize_session=False)
        )


class DeletedVersionRepo:
    """The highest integer version each name had among its deleted versions.

    Args:
        session: The unit of work's session.
        kind: The asset kind (``model`` ...).
    """

    def __init__(self, session: Session, kind: str) -> None:
        self.session = session
        self.kind = kind
        self.marker_kind = kind + DELETED_KIND_SUFFIX

    def max_seq(self, ws_id: int, name: str) -> int:
        """The highest integer version deleted from ``name``; 0 when none."""
        stmt = select(func.max(AssetVersionRow.seq)).where(
            AssetVersionRow.workspace_id == ws_id,
            AssetVersionRow.kind == self.marker_kind,
            AssetVersionRow.name == name,
        )
        return self.session.execute(stmt).scalar() or 0

    def remember(self, ws_id: int, name: str, seq: int, now: datetime) -> None:
        """Raise the name's high-water mark to ``seq`` (never lowers it)."""
        for _ in range(3):
            row = self._marker(ws_id, name)
            if row is not None:
                row.seq = max(row.seq or 0, seq)
                self.session.flush()
                return
            marker = AssetVersionRow(
                workspace_id=ws_id,
                kind=self.marker_kind,
                name=name,
                version=_HIGH_WATER_VERSION,
                seq=seq,
                description="",
                tags={},
                properties={},
                spec={},
                content_id=None,
                run_id=None,
                archived=True,
                created_at=now,
                updated_at=now,
            )
            try:
                with self.session.begin_nested():
                    self.session.add(marker)
                    self.session.flush()
                return
            except IntegrityError:  # a concurrent delete of the same name wrote it first
                continue

    def rename(self, ws_id: int, name: str, new_name: str, now: datetime) -> None:
        """Move the high-water mark along with a renamed name (merged into one it has)."""
        row = self._marker(ws_id, name)
        if row is None or name == new_name:
            return
        seq = row.seq or 0
        self.session.delete(row)
        self.session.flush()
        self.remember(ws_id, new_name, seq, now)

    def _marker(self, ws_id: int, name: str) -> AssetVersionRow | None:
        stmt = select(AssetVersionRow).where(
            AssetVersionRow.workspace_id == ws_id,
            AssetVersionRow.kind == self.marker_kind,
            AssetVersionRow.name == name,
        )
        return self.session.scalars(stmt).first()
