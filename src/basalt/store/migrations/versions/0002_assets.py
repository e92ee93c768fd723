"""versioned assets (models) and their labels

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:00:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _json() -> Any:
    return (
        sa.JSON()
        .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
        .with_variant(sqlite.JSON(), "sqlite")
    )


def upgrade() -> None:
    op.create_table(
        "asset_versions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("properties", _json(), nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("content_id", sa.String(length=128), nullable=True),
        sa.Column("run_id", sa.BigInteger(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_asset_versions_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_asset_versions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_versions")),
        sa.UniqueConstraint(
            "workspace_id",
            "kind",
            "name",
            "version",
            name=op.f("uq_asset_versions_workspace_id_kind_name_version"),
        ),
    )
    op.create_index(
        "ix_asset_versions_ws_kind_name_seq",
        "asset_versions",
        ["workspace_id", "kind", "name", "seq"],
        unique=False,
    )
    op.create_table(
        "asset_labels",
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["asset_versions.id"],
            name=op.f("fk_asset_labels_version_id_asset_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_asset_labels_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "kind", "name", "label", name=op.f("pk_asset_labels")
        ),
    )
    op.create_index(
        op.f("ix_asset_labels_version_id"), "asset_labels", ["version_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_asset_labels_version_id"), table_name="asset_labels")
    op.drop_table("asset_labels")
    op.drop_index("ix_asset_versions_ws_kind_name_seq", table_name="asset_versions")
    op.drop_table("asset_versions")
