"""Shared fixtures: a clean environment, store URLs on SQLite and PostgreSQL, clocks."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get(
    "BASALT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Drop BASALT_* and MLFLOW_* variables so a developer's shell cannot leak into tests.

    The user's config file (``basalt login``) is looked for in an empty folder, too.
    """
    for key in list(os.environ):
        if key.startswith(("BASALT_", "MLFLOW_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(_plain(PG_ADMIN_URL), connect_timeout=3):
            return True
    except Exception:
        return False


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The admin URL of the PostgreSQL server; fails loudly in CI if it is down."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    """A database migrated to the newest revision once, copied for each test (fast setup)."""
    import psycopg

    from basalt.services.container import upgrade_store

    name = f"basalt_tpl_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain(pg_server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    upgrade_store(f"{pg_server.rsplit('/', 1)[0]}/{name}")
    yield name
    with psycopg.connect(_plain(pg_server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_server: str, pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database at the newest schema for one test, dropped afterwards."""
    import psycopg

    name = f"basalt_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain(pg_server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    base = pg_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(_plain(pg_server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_empty_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database (no tables), for migration tests."""
    import psycopg

    name = f"basalt_empty_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain(pg_server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{pg_server.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(_plain(pg_server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL on each backend: SQLite in tmp_path and a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'basalt.db'}"
    return str(request.getfixturevalue("pg_url"))


# --- workspaces, services, app and clients ------------------------------------------------------


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    """A FakeClock services read the time from."""
    from basalt._internal.clock import FakeClock

    return FakeClock()


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    """An empty embedded workspace folder (``.basalt`` created)."""
    root = tmp_path / "ws"
    (root / ".basalt").mkdir(parents=True)
    return root


@pytest.fixture
def settings(workspace_dir: Path):  # type: ignore[no-untyped-def]
    """Settings of the embedded workspace in tmp_path."""
    from basalt.config import load_settings

    return load_settings(workspace_dir)


@pytest.fixture
def services(settings):  # type: ignore[no-untyped-def]
    """Services on the tmp_path workspace (SQLite)."""
    from basalt.services.container import Services

    svc = Services(settings)
    yield svc
    svc.close()


def no_auth(settings):  # type: ignore[no-untyped-def]
    """``settings`` with the server's authentication off (``--auth none``)."""
    server = settings.server.model_copy(update={"auth": "none"})
    return settings.model_copy(update={"server": server})


@pytest.fixture
def app(settings, services):  # type: ignore[no-untyped-def]
    """The FastAPI app sharing ``services``, authentication off (raw-request tests)."""
    from basalt.server.app import create_app

    return create_app(no_auth(settings), services=services)


@pytest.fixture
def auth_app(settings, services):  # type: ignore[no-untyped-def]
    """The FastAPI app sharing ``services``, with token authentication (the default)."""
    from basalt.server.app import create_app

    return create_app(settings, services=services)


def admin_token(services) -> str:  # type: ignore[no-untyped-def]
    """The secret of the store's first administrator token (created on first use)."""
    created = services.identity.ensure_admin()
    if created is None:
        raise AssertionError("the store already has users")
    return str(created.secret.get_secret_value())


@pytest.fixture(
    params=[
        "inprocess",
        "http",
        pytest.param("http-postgresql", marks=pytest.mark.postgres),
    ]
)
def client(request: pytest.FixtureRequest, settings, services, auth_app):  # type: ignore[no-untyped-def]
    """The SDK client over both transports, on SQLite and on PostgreSQL.

    ``inprocess`` round-trips every request and response through JSON; ``http`` goes through
    the FastAPI app with TestClient (no socket) as the server's first administrator (token
    authentication on); ``http-postgresql`` does the same on a fresh PostgreSQL database.
    """
    from fastapi.testclient import TestClient

    from basalt.client.client import Client
    from basalt.client.transports.http import HttpTransport
    from basalt.client.transports.inprocess import InProcessTransport
    from basalt.server.app import create_app
    from basalt.services.container import Services

    if request.param == "inprocess":
        transport = InProcessTransport(services=services, roundtrip=True)
        yield Client(settings=settings, transport=transport)
        return
    if request.param == "http":
        token = admin_token(services)
        with TestClient(auth_app) as http:
            transport = HttpTransport("http://testserver", token=token, http=http)
            yield Client(settings=settings, transport=transport)
        return
    pg_settings = settings.model_copy(
        update={
            "store": settings.store.model_copy(update={"url": request.getfixturevalue("pg_url")})
        }
    )
    pg_services = Services(pg_settings)
    try:
        token = admin_token(pg_services)
        with TestClient(create_app(pg_settings, services=pg_services)) as http:
            transport = HttpTransport("http://testserver", token=token, http=http)
            yield Client(settings=pg_settings, transport=transport)
    finally:
        pg_services.close()
