"""Make /openapi.json describe the answers the server really gives: the one error envelope.

FastAPI documents a 422 of every route as its own ``HTTPValidationError`` (``{"detail": [...]}``),
but Basalt answers every error, 422 included, with ``{"error": {"code", "message", ...}}``
(``server/errors.py``). Clients generated from the document (the studio's types) and the fuzz
test (``tests/contract/server/test_fuzz_openapi.py``) read the envelope from here instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "ErrorBody": {
        "title": "ErrorBody",
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {
            "code": {
                "type": "string",
                "description": "Stable error code (invalid_argument, not_found, ...).",
            },
            "message": {"type": "string", "description": "What went wrong, for people."},
            "details": {"type": "object", "description": "Machine-readable specifics."},
            "request_id": {"type": "string", "description": "The request's id in server logs."},
        },
    },
    "ErrorEnvelope": {
        "title": "ErrorEnvelope",
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}},
        "additionalProperties": False,
    },
}

_ENVELOPE = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
_ERRORS = {
    "422": "Invalid request body or parameters (code invalid_argument).",
    "4XX": "A refused request, with its error code.",
    "5XX": "A server-side failure (internal, unavailable).",
}


def document_error_envelope(app: FastAPI) -> None:
    """Rewrite ``app``'s OpenAPI document so that every error answer is the envelope."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None and "ErrorEnvelope" in _schemas(app.openapi_schema):
            return app.openapi_schema
        schema = build()
        schemas = _schemas(schema)
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas.update(ERROR_SCHEMAS)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, description in _ERRORS.items():
                    if status == "422" and status not in responses:
                        continue  # FastAPI documents 422 only where a request is validated
                    responses[status] = {"description": description, "content": _ENVELOPE}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _schemas(schema: dict[str, Any]) -> dict[str, Any]:
    return schema.setdefault("components", {}).setdefault("schemas", {})  # type: ignore[no-any-return]
