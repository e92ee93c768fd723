"""The MLflow-compatible REST API: tracking, artifacts and model registry on Basalt's services.

``install(app)`` mounts it at the server's root (workspace ``default``) and below
``/mlflow/ws/{workspace}``, each under ``/api/2.0`` and ``/ajax-api/2.0``.
"""

from __future__ import annotations

from fastapi import FastAPI

WORKSPACE_PREFIX = "/mlflow/ws/{workspace}"
"""Tracking URI path that selects a workspace: ``http://host:port/mlflow/ws/<name>``."""

API_PREFIXES = ("/api/2.0", "/ajax-api/2.0")


def install(app: FastAPI) -> None:
    """Register the MLflow routes on ``app`` (after Basalt's own routes)."""
    from basalt.server.mlflow_compat import (
        artifacts,
        logged_models,
        metrics,
        registry,
        routes,
    )

    for base in ("", WORKSPACE_PREFIX):
        for api in API_PREFIXES:
            app.include_router(routes.router, prefix=base + api)
            app.include_router(artifacts.router, prefix=base + api)
            app.include_router(registry.router, prefix=base + api)
            app.include_router(logged_models.router, prefix=base + api)
            app.include_router(metrics.router, prefix=base + api)
        app.include_router(routes.root_router, prefix=base)
    for base in ("", WORKSPACE_PREFIX):
        for api in ("/api", "/ajax-api"):
            app.include_router(routes.fallback_router, prefix=base + api)
