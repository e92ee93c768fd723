"""The ready workers of each deployment: written by the supervisor, read by the gateway.

The supervisor (a thread) publishes a ``DeploymentRoute`` whenever the set of *ready* workers
of a deployment changes; the gateway (the server's event loop) reads a snapshot per request.
A route is immutable and replaced whole, so a reader never sees half an update. The
``WorkerSlot`` objects are shared: the gateway counts its requests in flight on them
(``inflight``), which is how the supervisor knows when an old generation's workers have
drained and may be stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from basalt.serving.collection import CollectionQueue, CollectionSettings
from basalt.serving.telemetry import Telemetry


@dataclass(eq=False)
class WorkerSlot:
    """One worker process as the gateway sees it.

    Attributes:
        url: Its base URL, ``http://127.0.0.1:PORT``.
        deployment: The deployment it serves.
        generation: The deployment generation it runs.
        index: Its instance number within the generation.
        inflight: Requests the gateway has sent it or queued for it and not yet answered.
        gate: The gateway's concurrency limiter for it (created by the gateway, lazily).
    """

    url: str
    deployment: str
    generation: int
    index: int
    inflight: int = 0
    gate: Any = field(default=None, repr=False)
    host: str = field(init=False, repr=False)
    port: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        address = self.url.removeprefix("http://")
        self.host, _, port = address.rpartition(":")
        self.port = int(port)


@dataclass(frozen=True)
class DeploymentRoute:
    """Where a deployment's requests go, and how the gateway treats them.

    Attributes:
        deployment: The deployment's name.
        generation: The generation its ready workers run.
        workers: Its ready workers (empty: none ready, requests get 503).
        max_concurrent: Requests in flight per worker (``max_concurrent_requests_per_instance``).
        max_queue_wait_ms: How long a request may wait for a free worker before 429.
        request_timeout_ms: How long a worker may take before 504.
        collection: What data collection keeps of its requests and answers.
    """

    deployment: str
    generation: int
    workers: tuple[WorkerSlot, ...]
    max_concurrent: int = 1
    max_queue_wait_ms: int = 500
    request_timeout_ms: int = 5000
    collection: CollectionSettings = CollectionSettings()


_EMPTY: Mapping[str, DeploymentRoute] = MappingProxyType({})


class RoutingTable:
    """Ready workers per (workspace, endpoint, deployment); thread-safe, copy on write.

    It also carries the serving host's other shared state: ``telemetry`` (counted by the
    gateway and the supervisor) and ``collection`` (records the gateway queues for data
    collection), both drained by ``daemons/serving_flush.py``.
    """

    def __init__(self) -> None:
        self.telemetry = Telemetry()
        self.collection = CollectionQueue()
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], Mapping[str, DeploymentRoute]] = {}
        self.version = 0
        """Bumped by every change (the gateway may cache on it)."""

    def publish(self, workspace: str, endpoint: str, route: DeploymentRoute) -> None:
        """Replace the route of ``route.deployment`` of ``endpoint``."""
        with self._lock:
            current = dict(self._routes.get((workspace, endpoint), {}))
            current[route.deployment] = route
            self._routes[(workspace, endpoint)] = MappingProxyType(current)
            self.version += 1

    def remove(self, workspace: str, endpoint: str, deployment: str) -> None:
        """Forget a deployment (deleted); no request is sent to it afterwards."""
        with self._lock:
            current = dict(self._routes.get((workspace, endpoint), {}))
            if current.pop(deployment, None) is None:
                return
            if current:
                self._routes[(workspace, endpoint)] = MappingProxyType(current)
            else:
                self._routes.pop((workspace, endpoint), None)
            self.version += 1

    def routes(self, workspace: str, endpoint: str) -> Mapping[str, DeploymentRoute]:
        """The deployments of ``endpoint`` with published routes (a read-only snapshot)."""
        return self._routes.get((workspace, endpoint), _EMPTY)

    def route(self, workspace: str, endpoint: str, deployment: str) -> DeploymentRoute | None:
        """One deployment's route, or None when the supervisor has published none."""
        return self.routes(workspace, endpoint).get(deployment)
