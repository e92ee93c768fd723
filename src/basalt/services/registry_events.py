"""Registry events: appended in the same transaction as the change they describe.

NOTE: an event and its webhook deliveries are written with the change (an outbox), so a
receiver learns of every committed change and of nothing that rolled back; sending happens
later (``services/webhooks.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from basalt._internal.clock import Clock
from basalt.services.workspaces import workspace_id
from basalt.spec.common import DEFAULT_PAGE_SIZE
from basalt.spec.registry_events import (
    DeliveryStatus,
    RegistryEvent,
    RegistryEventQuery,
    RegistryEventType,
)
from basalt.store.repos.registry_events import RegistryEventRepo
from basalt.store.tables import AssetEventRow, WebhookDeliveryRow
from basalt.store.uow import Session, UnitOfWork


def record_event(
    session: Session,
    ws_id: int,
    kind: str,
    name: str,
    version: str | None,
    event: RegistryEventType,
    now: datetime,
    *,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
) -> AssetEventRow:
    """Append an event and queue it for every enabled webhook that wants it."""
    repo = RegistryEventRepo(session)
    row = repo.add_event(
        AssetEventRow(
            workspace_id=ws_id,
            kind=kind,
            name=name,
            version=version,
            event=event.value,
            details=dict(details or {}),
            actor=actor,
            created_at=now,
        )
    )
    for hook in repo.webhooks(ws_id):
        if hook.enabled and kind in hook.kinds and event.value in hook.events:
            repo.add_delivery(
                WebhookDeliveryRow(
                    webhook_id=hook.id,
                    event_id=row.id,
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=now,
                    updated_at=now,
                )
            )
    return row


def to_event(row: AssetEventRow, workspace: str) -> RegistryEvent:
    """An event row as the API returns it."""
    return RegistryEvent(
        id=row.id,
        workspace=workspace,
        kind=row.kind,
        name=row.name,
        version=row.version,
        event=RegistryEventType(row.event),
        details=dict(row.details),
        actor=row.actor,
        created_at=row.created_at,
    )


class RegistryEventService:
    """Reading the event list (writing is ``record_event``, inside each change)."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def list(self, workspace: str, query: RegistryEventQuery) -> list[RegistryEvent]:
        """Events in id order; pass the last id seen as ``after`` for the next page.

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            ws_id = workspace_id(session, workspace)
            rows = RegistryEventRepo(session).events(
                ws_id,
                kind=query.kind,
                name=query.name,
                after=query.after,
                limit=query.max_results or DEFAULT_PAGE_SIZE,
            )
            return [to_event(r, workspace) for r in rows]
