"""The real ``mlflow`` client (pinned in the dev extra) against a real Basalt server.

``basalt_server`` runs ``create_app`` under uvicorn in a thread on 127.0.0.1 (port 0) over a
fresh embedded workspace; ``mlflow_client`` points mlflow at it (fluent API and
``MlflowClient``) and resets mlflow's global state afterwards. Tests reach helpers through
fixtures (the suite runs with ``--import-mode=importlib``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class BasaltServer:
    """A Basalt server on a socket, and the services behind it (same store)."""

    url: str
    services: Any
    root: Path

    def tracking_uri(self, workspace: str | None = None) -> str:
        """The MLflow tracking URI of a workspace (the server's root for ``default``)."""
        return self.url if workspace is None else f"{self.url}/mlflow/ws/{workspace}"


def _serve(app: Any) -> tuple[Any, threading.Thread, int]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the Basalt server did not start")
        time.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, port


def _no_auth(settings: Any) -> Any:
    """Settings with the server's authentication off (tests/contract/server tests it on)."""
    server = settings.server.model_copy(update={"auth": "none"})
    return settings.model_copy(update={"server": server})


@pytest.fixture
def basalt_server(settings, services, workspace_dir) -> Iterator[BasaltServer]:  # type: ignore[no-untyped-def]
    """``create_app`` on a socket, over the fresh workspace of the ``services`` fixture."""
    from basalt.server.app import create_app

    server, thread, port = _serve(create_app(_no_auth(settings), services=services))
    try:
        yield BasaltServer(f"http://127.0.0.1:{port}", services, Path(workspace_dir))
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class AuthServer:
    """A Basalt server with token authentication on, and its administrator's token."""

    url: str
    services: Any
    admin_token: str


@pytest.fixture
def auth_basalt_server(settings, services) -> Iterator[AuthServer]:  # type: ignore[no-untyped-def]
    """``create_app`` on a socket with ``server.auth = "token"`` (the default)."""
    from basalt.server.app import create_app

    created = services.identity.ensure_admin()
    server, thread, port = _serve(create_app(settings, services=services))
    try:
        url = f"http://127.0.0.1:{port}"
        yield AuthServer(url, services, created.secret.get_secret_value())
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def mlflow_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Environment for the mlflow client: no telemetry, no retries (errors show at once)."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")


@pytest.fixture
def mlflow(basalt_server: BasaltServer, mlflow_env: None) -> Iterator[Any]:
    """The ``mlflow`` module with its tracking URI set to the Basalt server."""
    import mlflow as mlflow_module
    import mlflow.tracking.fluent as fluent

    mlflow_module.set_tracking_uri(basalt_server.url)
    try:
        yield mlflow_module
    finally:
        while mlflow_module.active_run() is not None:
            mlflow_module.end_run()
        fluent._active_experiment_id = None
        fluent._last_active_run_id.set(None)
        mlflow_module.set_tracking_uri(None)


@pytest.fixture
def mlflow_client(mlflow: Any, basalt_server: BasaltServer) -> Any:
    """``MlflowClient`` on the Basalt server's default workspace."""
    return mlflow.MlflowClient(basalt_server.url)


@pytest.fixture
def pg_basalt_server(settings, pg_url, workspace_dir) -> Iterator[BasaltServer]:  # type: ignore[no-untyped-def]
    """The same server over a fresh PostgreSQL database."""
    from basalt.server.app import create_app
    from basalt.services.container import Services

    pg_settings = settings.model_copy(
        update={"store": settings.store.model_copy(update={"url": pg_url})}
    )
    services = Services(pg_settings)
    server, thread, port = _serve(create_app(_no_auth(pg_settings), services=services))
    try:
        yield BasaltServer(f"http://127.0.0.1:{port}", services, Path(workspace_dir))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()
