"""``client.events`` and ``client.webhooks``: the registry's event list and its receivers."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from basalt.client._uploads import current_user
from basalt.client.transports.base import Transport
from basalt.spec import operations as ops
from basalt.spec.registry_events import (
    DeliveryReport,
    RegistryEvent,
    RegistryEventType,
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookDelivery,
)


class EventOperations:
    """Registry events of the client's workspace (versions created, labels moved, ...)."""

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def list(
        self,
        *,
        kind: str | None = None,
        name: str | None = None,
        after: int | None = None,
        max_results: int | None = None,
    ) -> builtins.list[RegistryEvent]:
        """Events in id order; pass the last id seen as ``after`` to read on from there.

        Args:
            kind: Only this kind (``model``, ``data``, ``environment``, ``component``).
            name: Only this asset name.
            after: Only events with a larger id.
            max_results: At most this many (default 100, at most 1000).
        """
        query = {"kind": kind, "name": name, "after": after, "max_results": max_results}
        return self._t.call(ops.EVENTS_LIST, {"workspace": self._ws}, query=query)  # type: ignore[no-any-return]


class WebhookOperations:
    """Webhooks of the client's workspace: receivers of its registry events."""

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def create(
        self,
        name: str,
        url: str,
        *,
        kinds: builtins.list[str] | None = None,
        events: Sequence[RegistryEventType | str] | None = None,
        secret: str | None = None,
    ) -> WebhookCreated:
        """Create a webhook; the returned ``secret`` (generated unless given) is shown once.

        Args:
            name: The webhook's name.
            url: Where the signed JSON POSTs go.
            kinds: Asset kinds whose events it receives (default model and data).
            events: Event types it receives (default all).
            secret: The signing secret; generated when omitted.

        Raises:
            AlreadyExistsError: The name is taken.
            InvalidArgumentError: A bad URL, kind or event type.
        """
        fields: dict[str, object] = {"name": name, "url": url, "created_by": current_user()}
        if kinds is not None:
            fields["kinds"] = kinds
        if events is not None:
            fields["events"] = list(events)
        if secret is not None:
            fields["secret"] = secret
        body = WebhookCreate.model_validate(fields)
        return self._t.call(ops.WEBHOOKS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def list(self) -> builtins.list[Webhook]:
        """Webhooks with their pending and failed delivery counts."""
        return self._t.call(ops.WEBHOOKS_LIST, {"workspace": self._ws})  # type: ignore[no-any-return]

    def get(self, name: str) -> Webhook:
        """One webhook."""
        return self._t.call(ops.WEBHOOKS_GET, {"workspace": self._ws, "name": name})  # type: ignore[no-any-return]

    def delete(self, name: str) -> None:
        """Remove a webhook, its queued deliveries and its signing secret."""
        self._t.call(ops.WEBHOOKS_DELETE, {"workspace": self._ws, "name": name})

    def deliveries(self, name: str) -> builtins.list[WebhookDelivery]:
        """A webhook's recent deliveries, newest first."""
        params = {"workspace": self._ws, "name": name}
        return self._t.call(ops.WEBHOOKS_DELIVERIES, params)  # type: ignore[no-any-return]

    def deliver(self) -> DeliveryReport:
        """Send every due delivery now (a server does this by itself; embedded mode needs it)."""
        return self._t.call(ops.WEBHOOKS_DELIVER, {})  # type: ignore[no-any-return]
