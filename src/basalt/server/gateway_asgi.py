"""How requests reach the scoring gateway: the dispatch middleware and ``GET /metrics``.

``GatewayDispatch`` recognises ``POST /endpoints/{name}/score`` (and the workspace form) by
its shape and hands it to ``Gateway.score`` before the API's router; ``install`` mounts the
Prometheus text of the serving host's counters at ``/metrics``.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from basalt.errors import BasaltError, UnauthenticatedError
from basalt.server.gateway import Gateway

METRICS_PATH = "/metrics"


async def _metrics(request: Request) -> Response:
    """``GET /metrics``: the serving counters since start, in Prometheus' text format.

    On a server with auth, a bearer API token is needed, and only the workspaces it may read
    are shown (a Prometheus scrape job uses a service token: ``basalt token create --service
    --workspace W --role Reader``).
    """
    gateway: Gateway = request.app.state.gateway
    if gateway.auth == "none":
        text = gateway.routing.telemetry.prometheus()
    else:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token.strip():
                raise UnauthenticatedError(
                    "GET /metrics needs 'Authorization: Bearer <API token>'; create one with: "
                    "basalt token create --service --workspace W --role Reader"
                )
            visible = await run_in_threadpool(gateway.visible_workspaces, token.strip())
        except BasaltError as exc:
            return JSONResponse(
                exc.to_envelope(str(getattr(request.state, "request_id", "") or "")),
                status_code=exc.http_status,
                headers={"WWW-Authenticate": "Bearer"},
            )
        text = gateway.routing.telemetry.prometheus(visible)
    return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")


class GatewayDispatch:
    """ASGI middleware: scoring requests go straight to the gateway, past the API's router.

    NOTE: matching a path against the API's ~200 routes cost more than the rest of the
    gateway together (profiled: ~1.5 ms of 7 ms a request), so ``POST .../score`` is
    recognised here by its shape. ``create_app`` adds this innermost, so the request id and
    the body size limit still apply.
    """

    def __init__(self, app: ASGIApp, gateway: Gateway) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] == "http" and scope["method"] == "POST":
            params = score_path_params(scope["path"])
            if params is not None:
                scope["path_params"] = params
                response = await self.gateway.score(Request(scope, receive))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def score_path_params(path: str) -> dict[str, str] | None:
    """``{"name": ...}`` (and ``"workspace"``) for a scoring path, else None."""
    parts = path.split("/")
    if len(parts) == 4 and parts[1] == "endpoints" and parts[3] == "score" and parts[2]:
        return {"name": parts[2]}
    if (
        len(parts) == 6
        and parts[1] == "workspaces"
        and parts[3] == "endpoints"
        and parts[5] == "score"
        and parts[2]
        and parts[4]
    ):
        return {"workspace": parts[2], "name": parts[4]}
    return None


def install(app: Any, gateway: Gateway) -> None:
    """Mount ``/metrics`` and keep the gateway as ``app.state.gateway``.

    Scoring requests reach the gateway through ``GatewayDispatch``, which the app adds.
    """
    app.state.gateway = gateway
    app.router.routes.append(
        Route(METRICS_PATH, _metrics, methods=["GET"], include_in_schema=False)
    )
