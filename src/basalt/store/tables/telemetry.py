"""Per-deployment serving telemetry at one-minute resolution (revision 0008).

NOTE: rows are keyed by endpoint and deployment *names*, not ids: a deployment replaced by
``begin_create_or_update`` keeps its curve. Several gateways (server replicas) add into the
same row, so every column is a sum or a sparse histogram that merges by addition.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from basalt.store.tables.base import Base, BigId, JSONType, UTCDateTime


class DeploymentMetricRow(Base):
    """One deployment's serving counters for one minute."""

    __tablename__ = "deployment_metrics"
    __table_args__ = (UniqueConstraint("workspace_id", "endpoint", "deployment", "minute"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(64))
    deployment: Mapped[str] = mapped_column(String(64))
    minute: Mapped[datetime] = mapped_column(UTCDateTime)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    status_counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    latency_ms_sum: Mapped[float] = mapped_column(Float, default=0.0)
    latency_buckets: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    worker_restarts: Mapped[int] = mapped_column(Integer, default=0)
    mirror_requests: Mapped[int] = mapped_column(Integer, default=0)
    mirror_agreed: Mapped[int] = mapped_column(Integer, default=0)
    mirror_errors: Mapped[int] = mapped_column(Integer, default=0)
    mirror_latency_delta_ms_sum: Mapped[float] = mapped_column(Float, default=0.0)
    collected: Mapped[int] = mapped_column(Integer, default=0)
    collection_dropped: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"DeploymentMetricRow({self.endpoint!r}/{self.deployment!r}, minute={self.minute})"
