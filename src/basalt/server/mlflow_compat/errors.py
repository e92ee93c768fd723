"""MLflow's error envelope: ``{"error_code": ..., "message": ...}`` with MLflow's statuses.

One table maps Basalt's error classes to MLflow's codes; Basalt's own ``/api/v1`` envelope is
untouched (these routes catch their errors before the app's handlers see them).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError

from basalt.errors import (
    AlreadyExistsError,
    BasaltError,
    ConflictError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
    UnauthenticatedError,
    UnavailableError,
)
from basalt.server.errors import validation_field

logger = logging.getLogger(__name__)

# NOTE: the one table. RESOURCE_ALREADY_EXISTS is 400 in MLflow (not 409), and a conflict is
# INVALID_PARAMETER_VALUE (a changed param, a refused status change): MLflow's client retries
# every 5xx, so nothing a caller can fix may map to one.
ERROR_CODES: dict[type[BasaltError], tuple[str, int]] = {
    InvalidArgumentError: ("INVALID_PARAMETER_VALUE", 400),
    NotFoundError: ("RESOURCE_DOES_NOT_EXIST", 404),
    AlreadyExistsError: ("RESOURCE_ALREADY_EXISTS", 400),
    ConflictError: ("INVALID_PARAMETER_VALUE", 400),
    UnauthenticatedError: ("UNAUTHENTICATED", 401),
    PermissionDeniedError: ("PERMISSION_DENIED", 403),
    TooManyRequestsError: ("REQUEST_LIMIT_EXCEEDED", 429),
    UnavailableError: ("TEMPORARILY_UNAVAILABLE", 503),
    InternalError: ("INTERNAL_ERROR", 500),
}


class MlflowProtocolError(Exception):
    """An answer that only the MLflow protocol has (an unknown or unimplemented endpoint).

    Args:
        error_code: MLflow's code, e.g. ``NOT_IMPLEMENTED``.
        status: The HTTP status.
        message: What happened and what to do.
    """

    def __init__(self, error_code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.status = status
        self.message = message


def error_json(error_code: str, message: str, status: int) -> Response:
    """A response with MLflow's error body."""
    import json

    body = json.dumps({"error_code": error_code, "message": message})
    return Response(body, status_code=status, media_type="application/json")


def error_response(request: Request, exc: Exception) -> Response:
    """MLflow's error answer for any exception raised while serving an MLflow route."""
    if isinstance(exc, MlflowProtocolError):
        return error_json(exc.error_code, exc.message, exc.status)
    if isinstance(exc, RequestValidationError | ValidationError):
        return error_json("INVALID_PARAMETER_VALUE", validation_message(exc.errors()), 400)
    if isinstance(exc, BasaltError):
        for cls in type(exc).__mro__:
            if cls in ERROR_CODES:
                code, status = ERROR_CODES[cls]
                response = error_json(code, exc.message, status)
                if status == 401:
                    response.headers["WWW-Authenticate"] = 'Basic realm="basalt", Bearer'
                return response
        return error_json("INTERNAL_ERROR", exc.message, 500)
    rid = getattr(request.state, "request_id", None) or uuid.uuid4().hex[:16]
    logger.error("internal error in MLflow request %s", rid, exc_info=exc)
    return error_json(
        "INTERNAL_ERROR",
        f"Internal server error; the server log has details under request id {rid}",
        500,
    )


def validation_message(errors: Any) -> str:
    """MLflow's wording for the first problem of a request (its tests match these phrases)."""
    first = errors[0] if errors else {}
    field = validation_field(first)
    if first.get("type") == "missing":
        return f"Missing value for required parameter '{field}'."
    value = first.get("input")
    reason = str(first.get("msg", "bad value"))
    if first.get("type") == "value_error":  # our own validators: their message says it all
        return reason.removeprefix("Value error, ")
    return f"Invalid value {value!r} for parameter '{field}' supplied: {reason}"


class MlflowRoute(APIRoute):
    """A route whose errors are answered in MLflow's envelope, whatever raised them."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler (body parsing included) so no error escapes untranslated."""
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return error_response(request, exc)

        return route
