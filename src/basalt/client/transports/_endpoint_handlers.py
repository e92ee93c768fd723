"""The in-process transport's handlers for online and batch endpoints and their deployments.

Part of ``inprocess.HANDLERS`` (kept apart for size); each entry maps an operation name to
(request body type or None, handler).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from basalt.errors import invalid
from basalt.services.container import Services
from basalt.spec.batch_endpoints import (
    BatchDeploymentCreate,
    BatchDeploymentUpdate,
    BatchEndpointCreate,
    BatchEndpointUpdate,
    BatchInvokeRequest,
)
from basalt.spec.endpoints import (
    InvokeRequest,
    KeyRegenerate,
    OnlineDeploymentCreate,
    OnlineDeploymentUpdate,
    OnlineEndpointCreate,
    OnlineEndpointUpdate,
)

Handler = Callable[[Services, dict[str, str], dict[str, Any], Any], Any]


def _when(q: dict[str, Any], key: str) -> datetime | None:
    """A time query parameter (ISO 8601, as the HTTP transport sends it)."""
    value = q.get(key)
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise invalid(key, f"{key}={value!r} is not an ISO 8601 date/time") from None


ENDPOINT_HANDLERS: dict[str, tuple[type[BaseModel] | None, Handler]] = {
    "endpoints.list": (None, lambda s, p, q, b: s.endpoints.list(p["workspace"])),
    "endpoints.create": (
        OnlineEndpointCreate,
        lambda s, p, q, b: s.endpoints.create(p["workspace"], b),
    ),
    "endpoints.put": (
        OnlineEndpointCreate,
        lambda s, p, q, b: s.endpoints.create_or_update(p["workspace"], b),
    ),
    "endpoints.get": (None, lambda s, p, q, b: s.endpoints.get(p["workspace"], p["name"])),
    "endpoints.update": (
        OnlineEndpointUpdate,
        lambda s, p, q, b: s.endpoints.update(p["workspace"], p["name"], b),
    ),
    "endpoints.delete": (None, lambda s, p, q, b: s.endpoints.delete(p["workspace"], p["name"])),
    "endpoints.get_keys": (
        None,
        lambda s, p, q, b: s.endpoints.get_credentials(p["workspace"], p["name"]),
    ),
    "endpoints.regenerate_keys": (
        KeyRegenerate,
        lambda s, p, q, b: s.endpoints.regenerate_keys(p["workspace"], p["name"], b.key_type),
    ),
    "endpoints.invoke": (
        InvokeRequest,
        lambda s, p, q, b: s.endpoints.invoke(p["workspace"], p["name"], b),
    ),
    "deployments.list": (
        None,
        lambda s, p, q, b: s.deployments.list(p["workspace"], p["endpoint"]),
    ),
    "deployments.create": (
        OnlineDeploymentCreate,
        lambda s, p, q, b: s.deployments.create(p["workspace"], b),
    ),
    "deployments.put": (
        OnlineDeploymentCreate,
        lambda s, p, q, b: s.deployments.create(p["workspace"], b, replace=True),
    ),
    "deployments.get": (
        None,
        lambda s, p, q, b: s.deployments.get(p["workspace"], p["endpoint"], p["name"]),
    ),
    "deployments.update": (
        OnlineDeploymentUpdate,
        lambda s, p, q, b: s.deployments.update(p["workspace"], p["endpoint"], p["name"], b),
    ),
    "deployments.delete": (
        None,
        lambda s, p, q, b: s.deployments.delete(p["workspace"], p["endpoint"], p["name"]),
    ),
    "batch_endpoints.list": (None, lambda s, p, q, b: s.batch_endpoints.list(p["workspace"])),
    "batch_endpoints.create": (
        BatchEndpointCreate,
        lambda s, p, q, b: s.batch_endpoints.create(p["workspace"], b),
    ),
    "batch_endpoints.put": (
        BatchEndpointCreate,
        lambda s, p, q, b: s.batch_endpoints.create(p["workspace"], b, replace=True),
    ),
    "batch_endpoints.get": (
        None,
        lambda s, p, q, b: s.batch_endpoints.get(p["workspace"], p["name"]),
    ),
    "batch_endpoints.update": (
        BatchEndpointUpdate,
        lambda s, p, q, b: s.batch_endpoints.update(p["workspace"], p["name"], b),
    ),
    "batch_endpoints.delete": (
        None,
        lambda s, p, q, b: s.batch_endpoints.delete(p["workspace"], p["name"]),
    ),
    "batch_endpoints.invoke": (
        BatchInvokeRequest,
        lambda s, p, q, b: s.batch_invoke.invoke(p["workspace"], p["name"], b),
    ),
    "batch_endpoints.list_jobs": (
        None,
        lambda s, p, q, b: s.batch_invoke.list_jobs(p["workspace"], p["name"]),
    ),
    "batch_deployments.list": (
        None,
        lambda s, p, q, b: s.batch_deployments.list(p["workspace"], p["endpoint"]),
    ),
    "batch_deployments.create": (
        BatchDeploymentCreate,
        lambda s, p, q, b: s.batch_deployments.create(p["workspace"], b),
    ),
    "batch_deployments.put": (
        BatchDeploymentCreate,
        lambda s, p, q, b: s.batch_deployments.create(p["workspace"], b, replace=True),
    ),
    "batch_deployments.get": (
        None,
        lambda s, p, q, b: s.batch_deployments.get(p["workspace"], p["endpoint"], p["name"]),
    ),
    "batch_deployments.update": (
        BatchDeploymentUpdate,
        lambda s, p, q, b: s.batch_deployments.update(p["workspace"], p["endpoint"], p["name"], b),
    ),
    "batch_deployments.delete": (
        None,
        lambda s, p, q, b: s.batch_deployments.delete(p["workspace"], p["endpoint"], p["name"]),
    ),
    "deployments.logs": (
        None,
        lambda s, p, q, b: s.deployments.get_logs(
            p["workspace"], p["endpoint"], p["name"], q.get("lines")
        ),
    ),
    "deployments.metrics": (
        None,
        lambda s, p, q, b: s.deployment_metrics.get(
            p["workspace"], p["endpoint"], p["name"], _when(q, "since"), _when(q, "until")
        ),
    ),
    "deployments.package": (
        None,
        lambda s, p, q, b: s.deployment_package.plan(p["workspace"], p["endpoint"], p["name"]),
    ),
}
