"""compute targets, and a local target for every existing workspace

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00
"""

import os
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

revision = "0004"
down_revision = "0003"
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
        "computes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("config", _json(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_computes_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_computes")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_computes_workspace_id_name")),
    )
    op.create_index(op.f("ix_computes_workspace_id"), "computes", ["workspace_id"], unique=False)

    # Every workspace that existed before gets its `local` target, as new ones do.
    bind = op.get_bind()
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    config = {"max_concurrent_jobs": max(1, (os.cpu_count() or 2) // 2)}
    workspaces = sa.table("workspaces", sa.column("id", sa.BigInteger()))
    computes = sa.table(
        "computes",
        sa.column("workspace_id", sa.BigInteger()),
        sa.column("name", sa.String()),
        sa.column("type", sa.String()),
        sa.column("config", _json()),
        sa.column("description", sa.Text()),
        sa.column("tags", _json()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("created_by", sa.String()),
    )
    ids = [row[0] for row in bind.execute(sa.select(workspaces.c.id))]
    if ids:
        op.bulk_insert(
            computes,
            [
                {
                    "workspace_id": ws_id,
                    "name": "local",
                    "type": "local",
                    "config": config,
                    "description": "This machine.",
                    "tags": {},
                    "created_at": now,
                    "updated_at": now,
                    "created_by": None,
                }
                for ws_id in ids
            ],
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_computes_workspace_id"), table_name="computes")
    op.drop_table("computes")
