"""Registry event, webhook and delivery queries."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from basalt.store.tables import AssetEventRow, WebhookDeliveryRow, WebhookRow


class RegistryEventRepo:
    """Reads and writes events, webhooks and deliveries."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_event(self, row: AssetEventRow) -> AssetEventRow:
        """Append an event (its id is set on return)."""
        self.session.add(row)
        self.session.flush()
        return row

    def events(
        self,
        workspace_id: int,
        *,
        kind: str | None,
        name: str | None,
        after: int | None,
        limit: int,
    ) -> builtins.list[AssetEventRow]:
        """Events of a workspace in id order, after ``after``."""
        stmt = select(AssetEventRow).where(AssetEventRow.workspace_id == workspace_id)
        if kind is not None:
            stmt = stmt.where(AssetEventRow.kind == kind)
        if name is not None:
            stmt = stmt.where(AssetEventRow.name == name)
        if after is not None:
            stmt = stmt.where(AssetEventRow.id > after)
        return list(self.session.scalars(stmt.order_by(AssetEventRow.id).limit(limit)))

    def webhooks(self, workspace_id: int) -> builtins.list[WebhookRow]:
        """Webhooks of a workspace, by name."""
        stmt = select(WebhookRow).where(WebhookRow.workspace_id == workspace_id)
        return list(self.session.scalars(stmt.order_by(WebhookRow.name)))

    def webhook(self, workspace_id: int, name: str) -> WebhookRow | None:
        """The webhook called ``name``, or None."""
        stmt = select(WebhookRow).where(
            WebhookRow.workspace_id == workspace_id, WebhookRow.name == name
        )
        return self.session.scalars(stmt).first()

    def try_add_webhook(self, row: WebhookRow) -> bool:
        """Insert a webhook; False (nothing inserted) when the name is taken."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def add_delivery(self, row: WebhookDeliveryRow) -> None:
        """Queue one delivery."""
        self.session.add(row)

    def counts(self, webhook_ids: builtins.list[int]) -> dict[tuple[int, str], int]:
        """(webhook id, status) → number of deliveries."""
        if not webhook_ids:
            return {}
        stmt = (
            select(WebhookDeliveryRow.webhook_id, WebhookDeliveryRow.status, func.count())
            .where(WebhookDeliveryRow.webhook_id.in_(webhook_ids))
            .group_by(WebhookDeliveryRow.webhook_id, WebhookDeliveryRow.status)
        )
        return {(w, s): n for w, s, n in self.session.execute(stmt)}

    def deliveries(self, webhook_id: int, limit: int) -> builtins.list[WebhookDeliveryRow]:
        """A webhook's deliveries, newest first."""
        stmt = (
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.webhook_id == webhook_id)
            .order_by(WebhookDeliveryRow.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def due(self, now: datetime, limit: int) -> builtins.list[WebhookDeliveryRow]:
        """Pending deliveries whose next attempt is due, oldest first."""
        stmt = (
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.status == "pending")
            .where(WebhookDeliveryRow.next_attempt_at <= now)
            .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def claim(self, delivery_id: int, seen: datetime, lease_until: datetime) -> bool:
        """Take a due delivery for one attempt: its next attempt moves to ``lease_until``.

        A conditional update, so of several servers only one sends each attempt; a server that
        dies mid-attempt leaves it to be retried when the lease runs out.
        """
        stmt = (
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == delivery_id)
            .where(WebhookDeliveryRow.status == "pending")
            .where(WebhookDeliveryRow.next_attempt_at == seen)
            .values(next_attempt_at=lease_until)
        )
        return int(getattr(self.session.execute(stmt), "rowcount", 0) or 0) == 1
