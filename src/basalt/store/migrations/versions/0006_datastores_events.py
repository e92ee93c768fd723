"""datastores, asset uses (the deployment guard), registry events, webhooks, lineage index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 13:30:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

revision = "0006"
down_revision = "0005"
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


def _workspace(table: str) -> tuple[sa.Column[Any], sa.ForeignKeyConstraint]:
    return (
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f(f"fk_{table}_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
    )


def upgrade() -> None:
    op.create_table(
        "datastores",
        _id(),
        *_workspace("datastores"),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("config", _json(), nullable=False),
        sa.Column("credential_type", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datastores")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_datastores_workspace_id_name")),
    )
    op.create_index(op.f("ix_datastores_workspace_id"), "datastores", ["workspace_id"])
    op.create_table(
        "asset_uses",
        _id(),
        *_workspace("asset_uses"),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("user_kind", sa.String(length=32), nullable=False),
        sa.Column("user_name", sa.String(length=255), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_uses")),
        sa.UniqueConstraint(
            "workspace_id",
            "kind",
            "name",
            "version",
            "user_kind",
            "user_name",
            name="uq_asset_uses_target_user",
        ),
    )
    op.create_index(
        "ix_asset_uses_ws_kind_name_version",
        "asset_uses",
        ["workspace_id", "kind", "name", "version"],
    )
    op.create_table(
        "asset_events",
        _id(),
        *_workspace("asset_events"),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("details", _json(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_events")),
    )
    op.create_index("ix_asset_events_ws_id", "asset_events", ["workspace_id", "id"])
    op.create_table(
        "webhooks",
        _id(),
        *_workspace("webhooks"),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kinds", _json(), nullable=False),
        sa.Column("events", _json(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _at("created_at"),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_webhooks_workspace_id_name")),
    )
    op.create_index(op.f("ix_webhooks_workspace_id"), "webhooks", ["workspace_id"])
    op.create_table(
        "webhook_deliveries",
        _id(),
        sa.Column("webhook_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["asset_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_asset_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "webhook_id", "event_id", name=op.f("uq_webhook_deliveries_webhook_id_event_id")
        ),
    )
    op.create_index(op.f("ix_webhook_deliveries_event_id"), "webhook_deliveries", ["event_id"])
    op.create_index(
        "ix_webhook_deliveries_status_next", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_table(
        "job_input_refs",
        _id(),
        *_workspace("job_input_refs"),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("input_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_job_input_refs_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_input_refs")),
    )
    op.create_index(op.f("ix_job_input_refs_run_id"), "job_input_refs", ["run_id"])
    op.create_index(
        "ix_job_input_refs_target", "job_input_refs", ["workspace_id", "kind", "name", "version"]
    )


def downgrade() -> None:
    op.drop_index("ix_job_input_refs_target", table_name="job_input_refs")
    op.drop_index(op.f("ix_job_input_refs_run_id"), table_name="job_input_refs")
    op.drop_table("job_input_refs")
    op.drop_index("ix_webhook_deliveries_status_next", table_name="webhook_deliveries")
    op.drop_index(op.f("ix_webhook_deliveries_event_id"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_webhooks_workspace_id"), table_name="webhooks")
    op.drop_table("webhooks")
    op.drop_index("ix_asset_events_ws_id", table_name="asset_events")
    op.drop_table("asset_events")
    op.drop_index("ix_asset_uses_ws_kind_name_version", table_name="asset_uses")
    op.drop_table("asset_uses")
    op.drop_index(op.f("ix_datastores_workspace_id"), table_name="datastores")
    op.drop_table("datastores")
