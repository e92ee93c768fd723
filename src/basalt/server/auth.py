"""Authentication and authorization of every request (``server.auth = "token"``).

``enforce`` runs before each route's handler: it reads ``Authorization: Bearer <token>`` or
``Basic base64(user:token-or-password)`` (what MLflow's ``MLFLOW_TRACKING_TOKEN`` and
``MLFLOW_TRACKING_USERNAME``/``PASSWORD`` send), resolves the principal, keeps it on
``request.state.principal``, names the operation the request is, and asks ``services.access``
whether the principal may call it. With ``server.auth = "none"`` every request is ``LOCAL``.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache

from fastapi import Request

from basalt.config import DEFAULT_WORKSPACE_NAME
from basalt.errors import UnauthenticatedError
from basalt.services.container import Services
from basalt.services.identity import SECRET_PREFIX
from basalt.spec import operations as ops
from basalt.spec.auth import LOCAL, Principal

PUBLIC_PATHS = frozenset({ops.HEALTH.path, ops.LOGIN.path, "/health", "/version"})
"""Routes anyone may call: probes and sign-in (documentation routes never get here)."""

_NO_CREDENTIALS = (
    "This server needs an API token: run 'basalt login --url URL', or send "
    "'Authorization: Bearer <token>' (MLflow: set MLFLOW_TRACKING_TOKEN)"
)


_CONVERTOR = re.compile(r"\{(\w+):\w+\}")


@cache
def _operations() -> dict[tuple[str, str], str]:
    return {(op.path, op.method): op.name for op in ops.all_operations()}


def classify(
    path_template: str, method: str, path_params: dict[str, str]
) -> tuple[str, str, str | None]:
    """The operation name, the method its permission is judged by, and the workspace.

    ``/api/v1`` routes are looked up in spec/operations.py; MLflow routes read on GET and on
    POSTs that search or get, write otherwise, in the workspace of their ``/mlflow/ws/<ws>``
    prefix (``default`` without one).
    """
    workspace = path_params.get("workspace")
    path_template = _CONVERTOR.sub(r"{\1}", path_template)  # {path:path} → {path}
    if path_template.startswith(ops.API_PREFIX):
        name = _operations().get((path_template, method))
        if name is not None:
            return name, method, workspace
        return "unknown", method, workspace
    reads = method in ("GET", "HEAD") or (
        method == "POST" and (path_template.endswith("/search") or "/get" in path_template)
    )
    if "/mlflow/" in path_template or path_template.startswith(("/api/", "/ajax-api/")):
        verb = "GET" if reads else "POST"
        return f"mlflow.{'read' if reads else 'write'}", verb, workspace or DEFAULT_WORKSPACE_NAME
    return "unknown", method, workspace


def credentials_principal(request: Request, services: Services) -> Principal:
    """The principal of the request's ``Authorization`` header.

    Raises:
        UnauthenticatedError: No usable credentials.
        TooManyRequestsError: Too many failed passwords.
    """
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return services.identity.authenticate_bearer(value)
    if scheme.lower() == "basic" and value:
        try:
            user, sep, secret = base64.b64decode(value).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise UnauthenticatedError("Malformed Basic credentials") from None
        if not sep:
            raise UnauthenticatedError("Malformed Basic credentials")
        if secret.startswith(SECRET_PREFIX):
            return services.identity.authenticate_bearer(secret)
        address = request.client.host if request.client else None
        return services.identity.authenticate_password(user, secret, address)
    raise UnauthenticatedError(_NO_CREDENTIALS)


def enforce(request: Request) -> None:
    """The app-wide dependency: authenticate, then authorize the request's operation."""
    services: Services = request.app.state.services
    if request.app.state.auth == "none":
        request.state.principal = LOCAL
        return
    route = request.scope.get("route")
    template = str(getattr(route, "path", request.url.path))
    if template in PUBLIC_PATHS:
        return
    principal = credentials_principal(request, services)
    request.state.principal = principal
    name, method, workspace = classify(template, request.method, dict(request.path_params))
    services.access.authorize(principal, name, method, workspace)


def principal_of(request: Request) -> Principal:
    """The principal ``enforce`` found (``LOCAL`` when authentication is off).

    Raises:
        UnauthenticatedError: A public route asked (none was looked for).
    """
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    if request.app.state.auth == "none":
        return LOCAL
    raise UnauthenticatedError(_NO_CREDENTIALS)
