"""``create_app(settings)``: the FastAPI application of ``basalt server start``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from basalt._version import __version__
from basalt.config import Settings
from basalt.server import auth, errors, gateway, gateway_asgi, mlflow_compat, studio
from basalt.server.audit import AuditMiddleware, AuditWriter
from basalt.server.limits import BodyLimitMiddleware
from basalt.server.routes import (
    audit,
    batch_endpoints,
    components,
    computes,
    data,
    datastores,
    endpoints,
    environments,
    experiments,
    gc,
    health,
    identity,
    jobs,
    models,
    registry_events,
    runs,
    secrets,
    workspaces,
)
from basalt.services.container import Services
from basalt.serving.routing import RoutingTable
from basalt.spec.operations import API_VERSION

VERSION_HEADER = "X-Basalt-Api-Version"
REQUEST_ID_HEADER = "X-Request-Id"


class RequestIdMiddleware:
    """Gives every request an id and every response its ``X-Request-Id`` and API version.

    The id is the caller's ``X-Request-Id`` when sent, else a new one; handlers read it as
    ``request.state.request_id`` (the error envelope carries it).

    NOTE: plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware
    runs each request through an extra task and memory stream pair, a fixed cost on every
    ingest call (see bench/bench_server.py).

    Args:
        app: The application to wrap.
    """

    _OWN = (REQUEST_ID_HEADER.lower().encode(), VERSION_HEADER.lower().encode())

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._version = str(API_VERSION).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value.decode("latin-1")
                break
        request_id = request_id or uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        extra = [(self._OWN[0], request_id.encode("latin-1")), (self._OWN[1], self._version)]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", ()) if h[0].lower() not in self._OWN]
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    settings: Settings, *, services: Services | None = None, routing: RoutingTable | None = None
) -> FastAPI:
    """Build the app; ``services`` may be passed to share one store with the caller (tests).

    Args:
        settings: Effective settings (store and artifact URLs, server options).
        services: Already-built services; default: built from ``settings`` at startup.
        routing: The ready workers the scoring gateway routes to, shared with the
            deployment supervisor (daemons/deployments.py); default: an empty table.

    Returns:
        The FastAPI application.
    """
    owned = services is None
    svc = services or Services(settings)
    audit_writer = AuditWriter(svc.audit)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await scoring.close()
        audit_writer.close()
        if owned:
            svc.close()

    app = FastAPI(
        title="Basalt",
        version=__version__,
        description="Open machine-learning workspace: tracking, jobs, registry, endpoints.",
        lifespan=lifespan,
        dependencies=[Depends(auth.enforce)],
    )
    app.state.services = svc
    app.state.audit_writer = audit_writer
    app.state.auth = settings.server.auth
    errors.install(app)

    # NOTE: the last added is outermost: audit sees every answer (a 413 too), and the size
    # limit sits inside the request id so its 413 carries the id. Scoring requests leave for
    # the gateway innermost, before the router (not in /openapi.json, not behind
    # auth.enforce, a FastAPI dependency: the gateway checks endpoint keys itself).
    scoring = gateway.Gateway(svc, routing or RoutingTable(), settings.server.auth)
    app.add_middleware(gateway_asgi.GatewayDispatch, gateway=scoring)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.server.max_body_mb * 2**20)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(AuditMiddleware, writer=audit_writer)

    for module in (
        health,
        workspaces,
        experiments,
        runs,
        secrets,
        models,
        data,
        environments,
        components,
        computes,
        datastores,
        endpoints,
        batch_endpoints,
        jobs,
        identity,
        audit,
        gc,
        registry_events,
    ):
        app.include_router(module.router)
    mlflow_compat.install(app)
    gateway_asgi.install(app, scoring)
    studio.install(app)  # last: the page answers only GETs that no API route took
    return app
