"""Versioned-asset queries (every kind: models now, data and environments later)."""

from __future__ import annotations

import builtins

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from basalt.store.tables import AssetLabelRow, AssetVersionRow


class AssetRepo:
    """Reads and writes asset versions and labels of one kind.

    Args:
        session: The unit of work's session.
        kind: The asset kind (``model`` ...).
    """

    def __init__(self, session: Session, kind: str) -> None:
        self.session = session
        self.kind = kind

    def find(self, ws_id: int, name: str, version: str) -> AssetVersionRow | None:
        """One version, archived or not."""
        stmt = select(AssetVersionRow).where(
            AssetVersionRow.workspace_id == ws_id,
            AssetVersionRow.kind == self.kind,
            AssetVersionRow.name == name,
            AssetVersionRow.version == version,
        )
        return self.session.scalars(stmt).first()

    def latest(self, ws_id: int, name: str) -> AssetVersionRow | None:
        """The newest non-archived version of a name, by creation."""
        stmt = (
            select(AssetVersionRow)
            .where(
                AssetVersionRow.workspace_id == ws_id,
                AssetVersionRow.kind == self.kind,
                AssetVersionRow.name == name,
                AssetVersionRow.archived.is_(False),
            )
            .order_by(AssetVersionRow.created_at.desc(), AssetVersionRow.id.desc())
        )
        return self.session.scalars(stmt.limit(1)).first()

    def count(self, ws_id: int, name: str) -> int:
        """How many versions a name has (archived ones count)."""
        stmt = select(func.count()).where(
            AssetVersionRow.workspace_id == ws_id,
            AssetVersionRow.kind == self.kind,
            AssetVersionRow.name == name,
        )
        return int(self.session.execute(stmt).scalar() or 0)

    def rename(self, ws_id: int, name: str, new_name: str) -> int:
        """Move every version and label of ``name`` to ``new_name``; the versions moved."""
        moved = self.session.execute(
            update(AssetVersionRow)
            .where(
                AssetVersionRow.workspace_id == ws_id,
                AssetVersionRow.kind == self.kind,
                AssetVersionRow.name == name,
            )
            .values(name=new_name)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(
            update(AssetLabelRow)
            .where(
                AssetLabelRow.workspace_id == ws_id,
                AssetLabelRow.kind == self.kind,
                AssetLabelRow.name == name,
            )
            .values(name=new_name)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(moved, "rowcount", 0) or 0)

    def max_seq(self, ws_id: int, name: str) -> int:
        """The highest integer version of a name (archived ones count); 0 when none."""
        stmt = select(func.max(AssetVersionRow.seq)).where(
            AssetVersionRow.workspace_id == ws_id,
            AssetVersionRow.kind == self.kind,
            AssetVersionRow.name == name,
        )
        return self.session.execute(stmt).scalar() or 0

    def list(
        self,
        ws_id: int,
        *,
        name: str | None,
        include_archived: bool,
        offset: int,
        limit: int | None,
    ) -> builtins.list[AssetVersionRow]:
        """Versions of the workspace (of one name), by name, then newest first."""
        stmt = select(AssetVersionRow).where(
            AssetVersionRow.workspace_id == ws_id, AssetVersionRow.kind == self.kind
        )
        if name is not None:
            stmt = stmt.where(AssetVersionRow.name == name)
        if not include_archived:
            stmt = stmt.where(AssetVersionRow.archived.is_(False))
        stmt = stmt.order_by(
            AssetVersionRow.name, AssetVersionRow.created_at.desc(), AssetVersionRow.id.desc()
        )
        if limit is not None:
            stmt = stmt.offset(offset).limit(limit)
        return list(self.session.scalars(stmt))

    def try_add(self, row: AssetVersionRow) -> bool:
        """Insert a version; False (and nothing inserted) when the version is taken.

        A savepoint holds the insert, so the transaction stays usable after a refusal and the
        caller can pick another version (the unique constraint decides between racing writers).
        """
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def labels(self, version_ids: builtins.list[int]) -> dict[int, builtins.list[str]]:
        """Labels pointing at each of several versions, sorted."""
        out: dict[int, builtins.list[str]] = {i: [] for i in version_ids}
        if version_ids:
            stmt = (
                select(AssetLabelRow)
                .where(AssetLabelRow.version_id.in_(version_ids))
                .order_by(AssetLabelRow.label)
            )
            for row in self.session.scalars(stmt):
                out[row.version_id].append(row.label)
        return out

    def find_label(self, ws_id: int, name: str, label: str) -> AssetLabelRow | None:
        """The label row of a name, or None."""
        stmt = select(AssetLabelRow).where(
            AssetLabelRow.workspace_id == ws_id,
            AssetLabelRow.kind == self.kind,
            AssetLabelRow.name == name,
            AssetLabelRow.label == label,
        )
        return self.session.scalars(stmt).first()

    def set_label(self, ws_id: int, name: str, label: str, version_id: int) -> None:
        """Point ``label`` at a version (moving it if it pointed elsewhere)."""
        row = self.find_label(ws_id, name, label)
        if row is None:
            self.session.add(
                AssetLabelRow(
                    workspace_id=ws_id,
                    kind=self.kind,
                    name=name,
                    label=label,
                    version_id=version_id,
                )
            )
        else:
            row.version_id = version_id
        self.session.flush()

    def delete_label(self, ws_id: int, name: str, label: str) -> int:
        """Remove a label; returns the number of rows removed."""
        stmt = delete(AssetLabelRow).where(
            AssetLabelRow.workspace_id == ws_id,
            AssetLabelRow.kind == self.kind,
            AssetLabelRow.name == name,
            AssetLabelRow.label == label,
        )
        return self.session.execute(stmt).rowcount  # type: ignore[attr-defined,no-any-return]
