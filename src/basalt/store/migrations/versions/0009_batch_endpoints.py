"""batch endpoints and deployments

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 18:00:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _json() -> Any:
    return (
        sa.JSON()
        .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
        .with_variant(sqlite.JSON(), "sqlite")
    )


def _id() -> sa.Column[Any]:
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        autoincrement=True,
        nullable=False,
    )


def _at(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "batch_endpoints",
        _id(),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("auth_mode", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("default_deployment", sa.String(length=64), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_batch_endpoints_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_endpoints")),
        sa.UniqueConstraint(
            "workspace_id", "name", name=op.f("uq_batch_endpoints_workspace_id_name")
        ),
    )
    op.create_index(op.f("ix_batch_endpoints_workspace_id"), "batch_endpoints", ["workspace_id"])
    op.create_table(
        "batch_deployments",
        _id(),
        sa.Column("endpoint_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("model_name", sa.String(length=255), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["batch_endpoints.id"],
            name=op.f("fk_batch_deployments_endpoint_id_batch_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_deployments")),
        sa.UniqueConstraint(
            "endpoint_id", "name", name=op.f("uq_batch_deployments_endpoint_id_name")
        ),
    )
    op.create_index(op.f("ix_batch_deployments_endpoint_id"), "batch_deployments", ["endpoint_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_batch_deployments_endpoint_id"), table_name="batch_deployments")
    op.drop_table("batch_deployments")
    op.drop_index(op.f("ix_batch_endpoints_workspace_id"), table_name="batch_endpoints")
    op.drop_table("batch_endpoints")
