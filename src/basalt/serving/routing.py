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
from collections.abc import Callable, Mapping
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
        self.on_change: Callable[[RoutingTable], None] | None = None
        """Called after each change, outside the lock (``serving/route_file.py`` shares it)."""

    def publish(self, workspace: str, endpoint: str, route: DeploymentRoute) -> None:
        """Replace the route of ``route.deployment`` of ``endpoint``."""
        with self._lock:
            current = dict(self._routes.get((workspace, endpoint), {}))
            current[route.deployment] = route
            self._routes[(workspace, endpoint)] = MappingProxyType(current)
            self.version += 1
        self._changed()

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
        self._changed()

    def to_json(self) -> list[dict[str, Any]]:
        """Every route as JSON (what another process's gateway needs to route)."""
        with self._lock:
            routes = [(key, r) for key, by in self._routes.items() for r in by.values()]
        return [
            {
                "workspace": ws,
                "endpoint": endpoint,
                "deployment": r.deployment,
                "generation": r.generation,
                "workers": [[w.url, w.generation, w.index] for w in r.workers],
                "max_concurrent": r.max_concurrent,
                "max_queue_wait_ms": r.max_queue_wait_ms,
                "request_timeout_ms": r.request_timeout_ms,
                "collection": [
                    r.collection.inputs,
                    r.collection.outputs,
                    r.collection.sampling_rate,
                ],
            }
            for (ws, endpoint), r in routes
        ]

    def replace_all(self, routes: list[dict[str, Any]]) -> None:
        """Take the routes another process published (``to_json``).

        Workers already known keep their slot (and so their concurrency gate).
        """
        with self._lock:
            known = {
                w.url: w for by in self._routes.values() for r in by.values() for w in r.workers
            }
            table: dict[tuple[str, str], dict[str, DeploymentRoute]] = {}
            for item in routes:
                workers = tuple(
                    known.get(url) or WorkerSlot(url, item["deployment"], generation, index)
                    for url, generation, index in item["workers"]
                )
                inputs, outputs, rate = item["collection"]
                table.setdefault((item["workspace"], item["endpoint"]), {})[item["deployment"]] = (
                    DeploymentRoute(
                        deployment=item["deployment"],
                        generation=item["generation"],
                        workers=workers,
                        max_concurrent=item["max_concurrent"],
                        max_queue_wait_ms=item["max_queue_wait_ms"],
                        request_timeout_ms=item["request_timeout_ms"],
                        collection=CollectionSettings(inputs, outputs, rate),
                    )
                )
            self._routes = {key: MappingProxyType(by) for key, by in table.items()}
            self.version += 1

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    def routes(self, workspace: str, endpoint: str) -> Mapping[str, DeploymentRoute]:
        """The deployments of ``endpoint`` with published routes (a read-only snapshot)."""
        return self._routes.get((workspace, endpoint), _EMPTY)

    def route(self, workspace: str, endpoint: str, deployment: str) -> DeploymentRoute | None:
        """One deployment's route, or None when the supervisor has published none."""
        return self.routes(workspace, endpoint).get(deployment)
