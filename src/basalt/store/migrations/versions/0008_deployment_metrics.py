"""deployment metrics (serving telemetry per minute)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 17:00:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _json() -> Any:
    return (
        sa.JSON()
        .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
        .with_variant(sqlite.JSON(), "sqlite")
    )


def _count(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "deployment_metrics",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("deployment", sa.String(length=64), nullable=False),
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        _count("requests"),
        sa.Column("status_counts", _json(), nullable=False),
        sa.Column("latency_ms_sum", sa.Float(), nullable=False),
        sa.Column("latency_buckets", _json(), nullable=False),
        _count("worker_restarts"),
        _count("mirror_requests"),
        _count("mirror_agreed"),
        _count("mirror_errors"),
        sa.Column("mirror_latency_delta_ms_sum", sa.Float(), nullable=False),
        _count("collected"),
        _count("collection_dropped"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_deployment_metrics_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_metrics")),
        sa.UniqueConstraint(
            "workspace_id",
            "endpoint",
            "deployment",
            "minute",
            name=op.f("uq_deployment_metrics_workspace_id_endpoint_deployment_minute"),
        ),
    )
    op.create_index(
        op.f("ix_deployment_metrics_workspace_id"), "deployment_metrics", ["workspace_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_deployment_metrics_workspace_id"), table_name="deployment_metrics")
    op.drop_table("deployment_metrics")
