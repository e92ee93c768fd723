"""Batch endpoints and their deployments (revision 0009).

A deployment's settings, resolved environment and code manifest live in its ``spec`` JSON;
the model it uses is in columns, as online deployments keep it, for the in-use guard.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from basalt.store.tables.base import Base, BigId, JSONType, UTCDateTime


class BatchEndpointRow(Base):
    """One batch endpoint of a workspace and its default deployment."""

    __tablename__ = "batch_endpoints"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    auth_mode: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    default_deployment: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(255))

    def __repr__(self) -> str:
        return f"BatchEndpointRow(workspace_id={self.workspace_id}, name={self.name!r})"


class BatchDeploymentRow(Base):
    """One deployment of a batch endpoint: its resolved spec and the model it uses."""

    __tablename__ = "batch_deployments"
    __table_args__ = (UniqueConstraint("endpoint_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("batch_endpoints.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    model_name: Mapped[str | None] = mapped_column(String(255))
    model_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(255))

    def __repr__(self) -> str:
        return f"BatchDeploymentRow(endpoint_id={self.endpoint_id}, name={self.name!r})"
