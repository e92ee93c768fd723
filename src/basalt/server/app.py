"""``create_app(settings)``: the FastAPI application of ``basalt server start``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from basalt._version import __version__
from basalt.config import Settings
from basalt.server import errors
from basalt.server.routes import experiments, health, runs, workspaces
from basalt.services.container import Services
from basalt.spec.operations import API_VERSION

VERSION_HEADER = "X-Basalt-Api-Version"


def create_app(settings: Settings, *, services: Services | None = None) -> FastAPI:
    """Build the app; ``services`` may be passed to share one store with the caller (tests).

    Args:
        settings: Effective settings (store and artifact URLs, server options).
        services: Already-built services; default: built from ``settings`` at startup.

    Returns:
        The FastAPI application.
    """
    owned = services is None
    svc = services or Services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            svc.close()

    app = FastAPI(
        title="Basalt",
        version=__version__,
        description="Open machine-learning workspace: tracking, jobs, registry, endpoints.",
        lifespan=lifespan,
    )
    app.state.services = svc
    errors.install(app)

    @app.middleware("http")
    async def _request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]
        response = await call_next(request)
        response.headers["X-Request-Id"] = request.state.request_id
        response.headers[VERSION_HEADER] = str(API_VERSION)
        return response

    for module in (health, workspaces, experiments, runs):
        app.include_router(module.router)
    return app
