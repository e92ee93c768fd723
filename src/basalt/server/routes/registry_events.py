"""Registry event, webhook and lineage routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from basalt.server.deps import ServicesDep
from basalt.spec import operations as ops
from basalt.spec.lineage import LineageGraph
from basalt.spec.registry_events import (
    DeliveryReport,
    RegistryEvent,
    RegistryEventQuery,
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookDelivery,
)

router = APIRouter(tags=["events"])


@router.get(ops.EVENTS_LIST.path, operation_id="events-list")
def list_events(
    services: ServicesDep, workspace: str, query: Annotated[RegistryEventQuery, Query()]
) -> list[RegistryEvent]:
    """Registry events in id order; pass the last id seen as ``after`` for the next page."""
    return services.registry_events.list(workspace, query)


@router.get(ops.WEBHOOKS_LIST.path, operation_id="webhooks-list")
def list_webhooks(services: ServicesDep, workspace: str) -> list[Webhook]:
    """Webhooks of the workspace, with pending and failed delivery counts."""
    return services.webhooks.list(workspace)


@router.post(ops.WEBHOOKS_CREATE.path, operation_id="webhooks-create", status_code=201)
def create_webhook(services: ServicesDep, workspace: str, body: WebhookCreate) -> WebhookCreated:
    """Create a webhook; the response carries its signing secret, this once."""
    return services.webhooks.create(workspace, body)


@router.get(ops.WEBHOOKS_GET.path, operation_id="webhooks-get")
def get_webhook(services: ServicesDep, workspace: str, name: str) -> Webhook:
    """One webhook."""
    return services.webhooks.get(workspace, name)


@router.delete(ops.WEBHOOKS_DELETE.path, operation_id="webhooks-delete", status_code=204)
def delete_webhook(services: ServicesDep, workspace: str, name: str) -> None:
    """Remove a webhook, its queued deliveries and its signing secret."""
    services.webhooks.delete(workspace, name)


@router.get(ops.WEBHOOKS_DELIVERIES.path, operation_id="webhooks-deliveries")
def webhook_deliveries(services: ServicesDep, workspace: str, name: str) -> list[WebhookDelivery]:
    """A webhook's recent deliveries, newest first."""
    return services.webhooks.deliveries(workspace, name)


@router.post(ops.WEBHOOKS_DELIVER.path, operation_id="webhooks-deliver")
def deliver_webhooks(services: ServicesDep) -> DeliveryReport:
    """Send every due delivery now (a server also does this by itself, every second)."""
    return services.webhooks.deliver_due()


@router.get(ops.LINEAGE_GET.path, operation_id="lineage-get", tags=["lineage"])
def get_lineage(
    services: ServicesDep,
    workspace: str,
    kind: str,
    name: str,
    version: str | None = None,
    depth: Annotated[int, Query(ge=0, le=10)] = 3,
) -> LineageGraph:
    """The graph around a job, data or model version, or deployment (``depth`` hops)."""
    return services.lineage.graph(workspace, kind, name, version, depth)
