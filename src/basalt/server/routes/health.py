"""Liveness."""

from __future__ import annotations

from fastapi import APIRouter

from basalt._version import __version__
from basalt.spec import operations as ops

router = APIRouter(tags=["health"])


@router.get(ops.HEALTH.path, operation_id="health-get")
def health() -> dict[str, object]:
    """Answer when the server is up (no authentication)."""
    return {"status": "ok", "version": __version__, "api_version": ops.API_VERSION}
