"""Error handlers: BasaltError → envelope, validation → invalid_argument, the rest → internal."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from basalt.errors import (
    BasaltError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    UnauthenticatedError,
)
from basalt.server.openapi import document_error_envelope

logger = logging.getLogger(__name__)


def _request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    return str(rid) if rid else uuid.uuid4().hex[:16]


def _respond(request: Request, error: BasaltError, status: int | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, UnauthenticatedError) else None
    return JSONResponse(
        error.to_envelope(_request_id(request)),
        status_code=status or error.http_status,
        headers=headers,
    )


def validation_field(error: Mapping[str, Any]) -> str:
    """The dotted field name a pydantic/FastAPI validation error points at (``body`` if none).

    A body that is not JSON at all is reported at ``("body", <char offset>)``: that names
    ``body``, not ``0``.
    """
    loc = [
        str(p)
        for p in error.get("loc", ())
        if p not in ("body", "query", "path") and not isinstance(p, int)
    ]
    return ".".join(loc) or "body"


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``, and document their envelope in its OpenAPI."""
    document_error_envelope(app)

    @app.exception_handler(BasaltError)
    async def _basalt(request: Request, exc: BasaltError) -> JSONResponse:
        return _respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        field = validation_field(first)
        message = f"Invalid {field}: {first.get('msg', 'bad value')}"
        err = InvalidArgumentError(message, details={"field": field, "errors": _plain(errors)})
        return _respond(request, err, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            err: BasaltError = NotFoundError(f"No route {request.method} {request.url.path}")
        elif exc.status_code == 405:
            err = InvalidArgumentError(f"{request.method} is not allowed on {request.url.path}")
        else:
            err = BasaltError(str(exc.detail))
        return _respond(request, err, exc.status_code)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        rid = _request_id(request)
        logger.error("internal error in request %s", rid, exc_info=exc)
        err = InternalError(
            f"Internal server error; the server log has details under request id {rid}"
        )
        return _respond(request, err)


def _plain(errors: object) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for e in errors if isinstance(errors, list) else []:
        out.append({"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))})
    return out
