"""Sources for ``basalt import mlflow``: MLflow's own SQLite or PostgreSQL store, or a server.

``mlflow_source`` yields the tracking URI of a store that the real ``mlflow`` client fills: a
``sqlite:///`` database (MLflow's SQLAlchemy store, from ``mlflow-skinny``) with its artifact
root, or a live Basalt server speaking MLflow's REST API (a "running MLflow server" as far as
the client can tell). ``target`` is the fresh embedded workspace the import writes into.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from basalt.services.mlflow_source import with_installed_driver


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
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


@pytest.fixture
def mlflow_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No telemetry, no retries, no progress bars."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "server"])
def mlflow_source(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mlflow_env: None,
) -> Iterator[str]:
    """The tracking URI of an empty MLflow store."""
    if request.param == "sqlite":
        root = tmp_path / "mlflow"
        root.mkdir()
        # NOTE: MLflow's SQLAlchemy store puts artifacts under ./mlruns of the current folder.
        monkeypatch.chdir(root)
        yield f"sqlite:///{root / 'mlflow.db'}"
        return
    if request.param == "postgresql":
        # MLflow's SQLAlchemy store on a fresh PostgreSQL database, through psycopg 3.
        root = tmp_path / "mlflow"
        root.mkdir()
        monkeypatch.chdir(root)
        # The plain postgresql:// a user copies from MLflow: `basalt import mlflow` spells it
        # for psycopg 3 itself (tests fill the store through the same translation).
        url = str(request.getfixturevalue("pg_empty_url")).replace(
            "postgresql+psycopg://", "postgresql://", 1
        )
        # NOTE: MLflow's registry resolves `models:/m-...` sources through the *global*
        # tracking store, which defaults to ./mlflow.db (the SQLite case above finds it there).
        monkeypatch.setenv("MLFLOW_TRACKING_URI", with_installed_driver(url))
        yield url
        return
    from basalt.config import load_settings
    from basalt.server.app import create_app
    from basalt.services.container import Services

    ws = tmp_path / "source-ws"
    (ws / ".basalt").mkdir(parents=True)
    settings = load_settings(ws)
    settings = settings.model_copy(
        update={"server": settings.server.model_copy(update={"auth": "none"})}
    )
    services = Services(settings)
    server, thread, port = _serve(create_app(settings, services=services))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A fresh embedded Basalt workspace to import into."""
    root = tmp_path / "target-ws"
    (root / ".basalt").mkdir(parents=True)
    return root
