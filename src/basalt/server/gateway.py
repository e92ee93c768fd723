"""The scoring gateway: ``POST /endpoints/{name}/score`` to a ready worker of a deployment.

Mounted by ``create_app`` as raw Starlette routes (no JSON models, not in the OpenAPI schema,
outside the API's token check), also under ``/workspaces/{workspace}/endpoints/{name}/score``;
the short path means the default workspace. Per request:

1. The endpoint's routing (traffic, mirror, key hashes, auth mode) from the control plane,
   cached for ``ROUTING_TTL_S`` (a traffic change or a new key takes effect within it).
2. Auth: ``Authorization: Bearer <key>`` with one of the endpoint's two keys; for
   ``auth_mode: aml_token`` a workspace API token with read access works too. A server
   started with ``--auth none`` (loopback only) still checks keys for ``auth_mode: key``.
3. The deployment: the ``azureml-model-deployment`` header, else weighted random by traffic.
   Mirror traffic copies that share of requests to the mirror deployment in the background
   (never awaited by the caller); its answer is compared with the live one and counted
   (agreement, errors, latency difference) in telemetry, then discarded.
4. A worker: round robin over the deployment's *ready* workers (the supervisor's routing
   table), preferring one with a free slot; ``max_concurrent_requests_per_instance`` requests
   at once per worker, a request waits up to ``max_queue_wait_ms`` for a slot, then 429.
5. Forwarding over pooled keep-alive connections; ``request_timeout_ms`` → 504; a worker that
   cannot be reached is skipped once, one that dies mid-request gives 502.

Every answer carries ``x-request-id`` (the app's middleware) and ``azureml-model-deployment``.
Each answer is counted in the routing table's telemetry (status, latency), and a deployment
with data collection has its request and answer queued for ``daemons/serving_flush.py``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from basalt.config import DEFAULT_WORKSPACE_NAME
from basalt.errors import (
    BasaltError,
    NotFoundError,
    TooManyRequestsError,
    UnauthenticatedError,
    UnavailableError,
)
from basalt.services.container import Services
from basalt.serving.collection import CollectedRecord
from basalt.serving.mirror import answers_agree
from basalt.serving.routing import DeploymentRoute, RoutingTable, WorkerSlot
from basalt.serving.upstream import (
    UpstreamAnswer,
    UpstreamBrokenError,
    UpstreamConnectError,
    UpstreamPool,
)
from basalt.spec.endpoints import (
    DEPLOYMENT_HEADER,
    AuthMode,
    EndpointRouting,
    ProvisioningState,
    key_matches,
)

logger = logging.getLogger(__name__)

ROUTING_TTL_S = 0.5
"""How long the gateway trusts a fetched endpoint routing before asking the store again."""
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}
)


@dataclass
class _Answer:
    """An answer as the mirror comparison sees it."""

    status: int
    body: bytes
    latency_ms: float


@dataclass
class _Cached:
    routing: EndpointRouting
    fetched: float


class Gateway:
    """Routes scoring requests to workers; one per app (``app.state.gateway``).

    Args:
        services: The control plane (routing, keys, identity and access).
        routing: The supervisor's table of ready workers.
        auth: The server's auth setting (``token`` or ``none``).
    """

    def __init__(self, services: Services, routing: RoutingTable, auth: str) -> None:
        self.services = services
        self.routing = routing
        self.auth = auth
        self._cache: dict[tuple[str, str], _Cached] = {}
        self._rr: dict[tuple[str, str, str], int] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.upstream = UpstreamPool()

    async def close(self) -> None:
        """Close pooled connections (app shutdown)."""
        self.upstream.close()

    # --- the request ---------------------------------------------------------------------

    async def score(self, request: Request) -> Response:
        """Handle one scoring request (the route's endpoint)."""
        started = time.perf_counter()
        workspace = request.path_params.get("workspace") or DEFAULT_WORKSPACE_NAME
        name = request.path_params["name"]
        request_id = str(getattr(request.state, "request_id", "") or "")
        chosen: tuple[str, str, str] | None = None
        live: asyncio.Future[_Answer] | None = None
        response: Response
        try:
            routing = await self._routing(workspace, name)
            await self._authenticate(request, routing)
            body = await request.body()
            deployment = self._pick_deployment(request, routing)
            chosen = (routing.workspace, routing.endpoint, deployment)
            if request.headers.get(DEPLOYMENT_HEADER) is None:
                live = self._maybe_mirror(routing, deployment, body, request_id)
            response = await self._forward(routing, deployment, body, request, request_id)
        except _UpstreamError as exc:
            response = JSONResponse(
                exc.error.to_envelope(request_id),
                status_code=exc.status,
                headers={DEPLOYMENT_HEADER: str(exc.error.details["deployment"])},
            )
        except BasaltError as exc:
            headers = {}
            if isinstance(exc, UnauthenticatedError):
                headers["WWW-Authenticate"] = "Bearer"
            elif exc.details.get("starting"):
                headers["Retry-After"] = "1"  # workers still starting: worth trying again
            response = JSONResponse(
                exc.to_envelope(request_id), status_code=exc.http_status, headers=headers
            )
        elapsed_ms = (time.perf_counter() - started) * 1000
        if chosen is not None:
            self.routing.telemetry.request(chosen, response.status_code, elapsed_ms)
        if live is not None:
            live.set_result(_Answer(response.status_code, bytes(response.body), elapsed_ms))
        return response

    async def _routing(self, workspace: str, name: str) -> EndpointRouting:
        key = (workspace, name)
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and now - cached.fetched < ROUTING_TTL_S:
            return cached.routing
        try:
            routing = await run_in_threadpool(self.services.endpoints.routing, workspace, name)
        except NotFoundError:
            self._cache.pop(key, None)
            raise
        self._cache[key] = _Cached(routing, now)
        return routing

    async def _authenticate(self, request: Request, routing: EndpointRouting) -> None:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        presented = presented.strip()
        if scheme.lower() == "bearer" and presented and key_matches(presented, routing.key_hashes):
            return
        if routing.auth_mode == AuthMode.AML_TOKEN:
            if self.auth == "none":
                return
            if scheme.lower() == "bearer" and presented:
                await run_in_threadpool(self._check_token, presented, routing.workspace)
                return
        raise UnauthenticatedError(
            f"Scoring endpoint '{routing.endpoint}' needs 'Authorization: Bearer <key>' with "
            f"one of its keys (basalt online-endpoint get-credentials --name {routing.endpoint})"
            + (" or a workspace API token" if routing.auth_mode == AuthMode.AML_TOKEN else "")
        )

    def visible_workspaces(self, token: str) -> Callable[[str], bool]:
        """Which workspaces' series the token's principal may read (for ``/metrics``).

        Raises:
            UnauthenticatedError: An unknown, expired or revoked token.
        """
        principal = self.services.identity.authenticate_bearer(token)
        answers: dict[str, bool] = {}

        def visible(workspace: str) -> bool:
            if workspace not in answers:
                try:
                    self.services.access.authorize(
                        principal, "deployments.metrics", "GET", workspace
                    )
                    answers[workspace] = True
                except BasaltError:
                    answers[workspace] = False
            return answers[workspace]

        for workspace in self.routing.telemetry.workspaces():
            visible(workspace)  # NOTE: asked here, in the thread pool (it reads the store)
        return lambda ws: answers.get(ws, False)

    def _check_token(self, token: str, workspace: str) -> None:
        principal = self.services.identity.authenticate_bearer(token)
        self.services.access.authorize(principal, "online_endpoints.score", "GET", workspace)

    def _pick_deployment(self, request: Request, routing: EndpointRouting) -> str:
        wanted = request.headers.get(DEPLOYMENT_HEADER)
        if wanted:
            if wanted not in routing.deployments:
                raise NotFoundError(
                    f"Online endpoint '{routing.endpoint}' has no deployment '{wanted}' (header "
                    f"{DEPLOYMENT_HEADER}); it has: {', '.join(routing.deployments) or 'none'}",
                    details={"endpoint": routing.endpoint, "deployment": wanted},
                )
            return wanted
        live = [(d, w) for d, w in routing.traffic.items() if w > 0]
        if not live:
            raise UnavailableError(
                f"Online endpoint '{routing.endpoint}' sends no traffic to any deployment; set "
                f"it with: basalt online-endpoint update --name {routing.endpoint} --traffic "
                f"'NAME=100', or name one with the header {DEPLOYMENT_HEADER}",
                details={"endpoint": routing.endpoint},
            )
        if len(live) == 1:
            return live[0][0]
        point = random.random() * sum(w for _, w in live)  # noqa: S311 - traffic split, not crypto
        for deployment, weight in live:
            point -= weight
            if point < 0:
                return deployment
        return live[-1][0]

    def _route(self, routing: EndpointRouting, deployment: str) -> DeploymentRoute:
        route = self.routing.route(routing.workspace, routing.endpoint, deployment)
        if route is None or not route.workers:
            state = routing.deployments.get(deployment)
            raise UnavailableError(
                f"Deployment '{deployment}' of endpoint '{routing.endpoint}' has no ready worker"
                + (f" (state {state.value})" if state is not None else "")
                + f"; see: basalt online-deployment get-logs --name {deployment} "
                f"--endpoint-name {routing.endpoint}",
                details={
                    "endpoint": routing.endpoint,
                    "deployment": deployment,
                    "starting": state != ProvisioningState.FAILED,
                },
            )
        return route

    # --- forwarding ----------------------------------------------------------------------

    async def _forward(
        self,
        routing: EndpointRouting,
        deployment: str,
        body: bytes,
        request: Request,
        request_id: str,
    ) -> Response:
        route = self._route(routing, deployment)
        headers = {"x-request-id": request_id}
        ctype = request.headers.get("content-type")
        if ctype:
            headers["content-type"] = ctype
        answer = await self._send(routing, route, body, headers)
        out = {k: v for k, v in answer.headers if k not in _HOP_BY_HOP}
        out.pop("x-request-id", None)
        out[DEPLOYMENT_HEADER] = deployment
        if route.collection.enabled and route.collection.sampled():
            self._collect(routing, route, request_id, (ctype, body), answer)
        return Response(answer.body, status_code=answer.status, headers=out)

    def _collect(
        self,
        routing: EndpointRouting,
        route: DeploymentRoute,
        request_id: str,
        sent: tuple[str | None, bytes],
        answer: UpstreamAnswer,
    ) -> None:
        """Queue the request and/or answer for data collection (dropped when full)."""
        now = time.time()
        key = (routing.workspace, routing.endpoint, route.deployment)
        items = []
        if route.collection.inputs:
            items.append(("model_inputs", sent[0] or "", sent[1]))
        if route.collection.outputs:
            items.append(("model_outputs", answer.header("content-type"), answer.body))
        for collection, ctype, data in items:
            record = CollectedRecord(*key, collection, now, request_id, ctype, data)
            if not self.routing.collection.put(record):
                self.routing.telemetry.collection(key, dropped=1)

    async def _send(
        self,
        routing: EndpointRouting,
        route: DeploymentRoute,
        body: bytes,
        headers: dict[str, str],
        retried: bool = False,
    ) -> UpstreamAnswer:
        """POST to one of the route's workers within its concurrency limit.

        Raises:
            TooManyRequestsError: Every slot stayed busy for ``max_queue_wait_ms``.
            UnavailableError: The worker cannot be reached or died answering (502/504).
        """
        worker = self._pick_worker(routing, route)
        gate = self._gate(worker, route)
        worker.inflight += 1
        try:
            if gate.locked():
                try:
                    await asyncio.wait_for(gate.acquire(), route.max_queue_wait_ms / 1000)
                except TimeoutError:
                    raise TooManyRequestsError(
                        f"Deployment '{route.deployment}' is at its limit of "
                        f"{route.max_concurrent} request(s) per instance and none finished "
                        f"within max_queue_wait_ms={route.max_queue_wait_ms}; retry later, or "
                        "raise instance_count or request_settings."
                        "max_concurrent_requests_per_instance",
                        details={"deployment": route.deployment},
                    ) from None
            else:
                await gate.acquire()
            try:
                return await self.upstream.post(
                    worker.host,
                    worker.port,
                    "/score",
                    body,
                    headers,
                    timeout=route.request_timeout_ms / 1000,
                )
            finally:
                gate.release()
        except UpstreamConnectError:
            fresh = self.routing.route(routing.workspace, routing.endpoint, route.deployment)
            if not retried and fresh is not None and fresh.workers:
                return await self._send(routing, fresh, body, headers, retried=True)
            raise _gateway_error(
                503,
                f"Deployment '{route.deployment}' has no worker that accepts connections right "
                "now (it is being restarted); retry in a moment",
                route.deployment,
            ) from None
        except TimeoutError:
            raise _gateway_error(
                504,
                f"Deployment '{route.deployment}' did not answer within request_timeout_ms="
                f"{route.request_timeout_ms}; raise request_settings.request_timeout_ms or "
                "make run() faster",
                route.deployment,
            ) from None
        except (UpstreamBrokenError, OSError) as exc:
            raise _gateway_error(
                502,
                f"Worker {worker.index} of deployment '{route.deployment}' failed while "
                f"answering ({type(exc).__name__}); it is being restarted, retry the request",
                route.deployment,
            ) from None
        finally:
            worker.inflight -= 1

    def _pick_worker(self, routing: EndpointRouting, route: DeploymentRoute) -> WorkerSlot:
        workers = route.workers
        key = (routing.workspace, routing.endpoint, route.deployment)
        start = self._rr[key] = (self._rr.get(key, -1) + 1) % len(workers)
        for i in range(len(workers)):
            candidate = workers[(start + i) % len(workers)]
            if not self._gate(candidate, route).locked():
                return candidate
        return workers[start]

    @staticmethod
    def _gate(worker: WorkerSlot, route: DeploymentRoute) -> asyncio.Semaphore:
        if worker.gate is None:
            worker.gate = asyncio.Semaphore(route.max_concurrent)
        gate: asyncio.Semaphore = worker.gate
        return gate

    def _maybe_mirror(
        self, routing: EndpointRouting, live: str, body: bytes, request_id: str
    ) -> asyncio.Future[_Answer] | None:
        """Start a mirrored copy of the request when sampled; the future takes the live answer."""
        future: asyncio.Future[_Answer] | None = None
        for deployment, percent in routing.mirror_traffic.items():
            if percent <= 0 or deployment == live:
                continue
            if random.random() * 100 >= percent:  # noqa: S311 - sampling, not crypto
                continue
            loop = asyncio.get_running_loop()
            future = future or loop.create_future()
            task = loop.create_task(self._mirror(routing, deployment, body, request_id, future))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return future

    async def _mirror(
        self,
        routing: EndpointRouting,
        deployment: str,
        body: bytes,
        request_id: str,
        live: asyncio.Future[_Answer],
    ) -> None:
        """Send the copy, then compare its answer with the live one (counted on the shadow)."""
        started = time.perf_counter()
        try:
            route = self._route(routing, deployment)
            sent = await self._send(routing, route, body, {"x-request-id": request_id + "-mirror"})
            shadow = _Answer(sent.status, sent.body, 0.0)
        except Exception as exc:  # the mirror's answer (or failure) is never the caller's
            logger.debug("mirrored request %s to %s: %s", request_id, deployment, exc)
            shadow = _Answer(599, b"", 0.0)
        shadow.latency_ms = (time.perf_counter() - started) * 1000
        try:
            answer = await asyncio.wait_for(asyncio.shield(live), timeout=60)
        except TimeoutError:
            return
        self.routing.telemetry.mirror(
            (routing.workspace, routing.endpoint, deployment),
            agreed=answers_agree(answer.status, answer.body, shadow.status, shadow.body),
            error=shadow.status >= 400 and answer.status < 400,
            delta_ms=shadow.latency_ms - answer.latency_ms,
        )


class _UpstreamError(Exception):
    """A worker that could not answer: 502 (died answering), 503 (unreachable) or 504."""

    def __init__(self, status: int, message: str, deployment: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = UnavailableError(message, details={"deployment": deployment})


def _gateway_error(status: int, message: str, deployment: str) -> _UpstreamError:
    return _UpstreamError(status, message, deployment)
