"""Versioned assets (models now; data, environments and components later) and their labels.

NOTE: one ``asset_versions`` table for every kind of versioned asset, told apart by ``kind``,
so every kind shares one set of rules (next version, labels, archive) in
``services/assets.py``. What only one kind has lives in the ``spec`` JSON column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from basalt.store.tables.base import Base, BigId, JSONType, UTCDateTime


class AssetVersionRow(Base):
    """One version of a named asset; its content never changes once created."""

    __tablename__ = "asset_versions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "name", "version"),
        Index("ix_asset_versions_ws_kind_name_seq", "workspace_id", "kind", "name", "seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    properties: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    content_id: Mapped[str | None] = mapped_column(String(128))
    run_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("runs.id", ondelete="SET NULL")
    )
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(255))


class AssetLabelRow(Base):
    """A label (``prod``, ``staging``) pointing at one version of a named asset."""

    __tablename__ = "asset_labels"

    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    label: Mapped[str] = mapped_column(String(255), primary_key=True)
    version_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("asset_versions.id", ondelete="CASCADE"), index=True
    )
