"""Webhooks: registry events POSTed as signed JSON, retried with exponential backoff.

Deliveries are queued with the event (``services/registry_events.py``); ``deliver_due`` sends
the due ones. A server runs it in a loop (``daemons/webhooks.py``); embedded mode has no loop,
so ``basalt webhook deliver`` sends what is due. Each attempt is claimed with a conditional
update first, so two servers never send the same attempt. The signing secret lives in the
vault under the reserved name ``webhooks/<name>`` (hidden from ``basalt secret list``),
never in the webhook row.
"""

from __future__ import annotations

import builtins
import json
import logging
import secrets as token_source
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from basalt._internal.clock import Clock
from basalt._internal.http_post import Poster, post
from basalt.errors import AlreadyExistsError, NotFoundError
from basalt.services.registry_events import to_event
from basalt.services.workspaces import workspace_id
from basalt.spec.registry_events import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    DeliveryReport,
    DeliveryStatus,
    RegistryEventType,
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookDelivery,
    sign,
)
from basalt.store.repos.registry_events import RegistryEventRepo
from basalt.store.tables import AssetEventRow, WebhookDeliveryRow, WebhookRow, WorkspaceRow
from basalt.store.uow import UnitOfWork

if TYPE_CHECKING:
    from basalt.services.secrets import SecretService

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
"""Attempts before a delivery is marked failed (about 4 minutes of retries at the default)."""
BASE_DELAY_S = 1.0
"""The first retry waits this long; each next one twice as long, up to ``MAX_DELAY_S``."""
MAX_DELAY_S = 3600.0
LEASE_S = 60.0
"""How long a claimed attempt is held before another server may retry it."""
TIMEOUT_S = 5.0


def secret_name(webhook: str) -> str:
    """The vault name of a webhook's signing secret."""
    return f"webhooks/{webhook}"


def backoff(attempts: int, base: float = BASE_DELAY_S) -> float:
    """Seconds to wait after ``attempts`` failed attempts.

    Example:
        >>> [backoff(n) for n in (1, 2, 3)]
        [1.0, 2.0, 4.0]
    """
    return float(min(base * 2 ** max(attempts - 1, 0), MAX_DELAY_S))


class WebhookService:
    """Webhook records, their deliveries, and sending them.

    Args:
        uow: The unit of work.
        clock: Time source.
        secrets: The vault, which holds each webhook's signing secret.
        send: What POSTs a delivery (``_internal/http_post.py``; a test may give another).
        max_attempts: Attempts before a delivery fails for good.
        base_delay_s: The first retry's delay.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        secrets: SecretService,
        *,
        send: Poster = post,
        max_attempts: int = MAX_ATTEMPTS,
        base_delay_s: float = BASE_DELAY_S,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.secrets = secrets
        self.send = send
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s

    def create(self, workspace: str, body: WebhookCreate) -> WebhookCreated:
        """Create a webhook; its signing secret (given or generated) is returned this once.

        Raises:
            AlreadyExistsError: The name is taken.
            NotFoundError: No such workspace.
        """
        value = body.secret.get_secret_value() if body.secret else token_source.token_urlsafe(32)
        with self.uow(write=True) as session:
            ws_id = workspace_id(session, workspace)
            row = WebhookRow(
                workspace_id=ws_id,
                name=body.name,
                url=body.url,
                kinds=list(body.kinds),
                events=[e.value for e in body.events],
                enabled=True,
                created_at=self.clock.now(),
                created_by=body.created_by,
            )
            if not RegistryEventRepo(session).try_add_webhook(row):
                raise AlreadyExistsError(
                    f"Webhook '{body.name}' already exists; delete it first or pick another name",
                    details={"name": body.name},
                )
            self.secrets.put_in(
                session, ws_id, workspace, secret_name(body.name), value, body.created_by
            )
            hook = self._to_spec(row, {})
        return WebhookCreated.model_validate({**hook.model_dump(), "secret": value})

    def list(self, workspace: str) -> list[Webhook]:
        """Webhooks of a workspace with their pending and failed delivery counts.

        Raises:
            NotFoundError: No such workspace.
        """
        with self.uow() as session:
            repo = RegistryEventRepo(session)
            rows = repo.webhooks(workspace_id(session, workspace))
            counts = repo.counts([r.id for r in rows])
            return [self._to_spec(r, counts) for r in rows]

    def get(self, workspace: str, name: str) -> Webhook:
        """One webhook.

        Raises:
            NotFoundError: No such workspace or webhook.
        """
        with self.uow() as session:
            row = self._row(session, workspace, name)
            return self._to_spec(row, RegistryEventRepo(session).counts([row.id]))

    def delete(self, workspace: str, name: str) -> None:
        """Remove a webhook, its queued deliveries and its signing secret.

        Raises:
            NotFoundError: No such workspace or webhook.
        """
        with self.uow(write=True) as session:
            row = self._row(session, workspace, name)
            self.secrets.delete_in(session, row.workspace_id, secret_name(name))
            session.delete(row)
            session.flush()

    def deliveries(
        self, workspace: str, name: str, limit: int = 50
    ) -> builtins.list[WebhookDelivery]:
        """A webhook's most recent deliveries, newest first.

        Raises:
            NotFoundError: No such workspace or webhook.
        """
        with self.uow() as session:
            hook = self._row(session, workspace, name)
            out = []
            for d in RegistryEventRepo(session).deliveries(hook.id, limit):
                event = session.get(AssetEventRow, d.event_id)
                out.append(_delivery(d, name, event))
            return out

    def deliver_due(self, limit: int = 100) -> DeliveryReport:
        """Send every due delivery once (of every workspace); what happened."""
        report = DeliveryReport()
        now = self.clock.now()
        with self.uow() as session:
            due = [(d.id, d.next_attempt_at) for d in RegistryEventRepo(session).due(now, limit)]
        for delivery_id, seen in due:
            self._attempt(delivery_id, seen, report)
        return report

    # ---- one attempt ----

    def _attempt(self, delivery_id: int, seen: datetime, report: DeliveryReport) -> None:
        now = self.clock.now()
        with self.uow(write=True) as session:
            repo = RegistryEventRepo(session)
            if not repo.claim(delivery_id, seen, now + timedelta(seconds=LEASE_S)):
                return  # another server took it
            delivery = session.get(WebhookDeliveryRow, delivery_id)
            assert delivery is not None
            hook = session.get(WebhookRow, delivery.webhook_id)
            event = session.get(AssetEventRow, delivery.event_id)
            ws = session.get(WorkspaceRow, hook.workspace_id) if hook else None
            if hook is None or event is None or ws is None:
                return
            payload = {"delivery": delivery_id, **to_event(event, ws.name).model_dump(mode="json")}
            url, workspace, hook_name = hook.url, ws.name, hook.name
        report.attempted += 1
        code, error = self._post(url, workspace, hook_name, payload, delivery_id)
        with self.uow(write=True) as session:
            delivery = session.get(WebhookDeliveryRow, delivery_id)
            if delivery is None:
                return
            now = self.clock.now()
            delivery.attempts += 1
            delivery.last_status_code, delivery.last_error = code, error
            delivery.updated_at = now
            if error is None:
                delivery.status = DeliveryStatus.DELIVERED.value
                report.delivered += 1
            elif delivery.attempts >= self.max_attempts:
                delivery.status = DeliveryStatus.FAILED.value
                report.failed += 1
                logger.warning("webhook %s: delivery %s failed: %s", hook_name, delivery_id, error)
            else:
                wait = backoff(delivery.attempts, self.base_delay_s)
                delivery.next_attempt_at = now + timedelta(seconds=wait)
                report.retrying += 1

    def _post(
        self,
        url: str,
        workspace: str,
        hook: str,
        payload: dict[str, Any],
        delivery_id: int,
    ) -> tuple[int | None, str | None]:
        """POST one delivery; (status code, error or None when the receiver took it)."""
        secret = self.secrets.reveal_reserved(workspace, secret_name(hook))
        if secret is None:
            return None, f"the signing secret {secret_name(hook)!r} is missing from the vault"
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "basalt-webhooks",
            EVENT_HEADER: str(payload["event"]),
            DELIVERY_HEADER: str(delivery_id),
            SIGNATURE_HEADER: sign(secret, body, int(self.clock.now().timestamp())),
        }
        return self.send(url, body, headers, TIMEOUT_S)

    def _row(self, session: Any, workspace: str, name: str) -> WebhookRow:
        row = RegistryEventRepo(session).webhook(workspace_id(session, workspace), name)
        if row is None:
            raise NotFoundError(f"Webhook '{name}' not found", details={"name": name})
        return row

    @staticmethod
    def _to_spec(row: WebhookRow, counts: dict[tuple[int, str], int]) -> Webhook:
        return Webhook(
            name=row.name,
            url=row.url,
            kinds=list(row.kinds),
            events=[RegistryEventType(e) for e in row.events],
            enabled=row.enabled,
            created_at=row.created_at,
            created_by=row.created_by,
            pending=counts.get((row.id, DeliveryStatus.PENDING.value), 0),
            failed=counts.get((row.id, DeliveryStatus.FAILED.value), 0),
        )


def _delivery(row: WebhookDeliveryRow, hook: str, event: AssetEventRow | None) -> WebhookDelivery:
    pending = row.status == DeliveryStatus.PENDING.value
    return WebhookDelivery(
        id=row.id,
        webhook=hook,
        event_id=row.event_id,
        event=RegistryEventType(event.event if event else RegistryEventType.CREATED.value),
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if pending else None,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        updated_at=row.updated_at,
    )
