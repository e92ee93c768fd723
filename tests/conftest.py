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
def workspace_dir(tmp_path: Path) -> Iterator[Path]:
    """An empty embedded workspace folder (``.basalt`` created).

    A test that invokes an endpoint in it starts a detached ``basalt serve``; it is stopped
    here, so no serve host (or its workers) outlives the test.
    """
    root = tmp_path / "ws"
    (root / ".basalt").mkdir(parents=True)
    yield root
    if (root / ".basalt" / "serve.json").exists():
        from basalt.config import load_settings
        from basalt.serving.host import stop_serving

        stop_serving(load_settings(root))


@pytest.fixture(scope="session", autouse=True)
def _no_serve_hosts_left(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """At the end, stop any detached ``basalt serve`` of a workspace under the test folders."""
    yield
    import psutil

    base = str(tmp_path_factory.getbasetemp())
    for proc in psutil.process_iter(["cmdline"]):
        cmd = proc.info.get("cmdline") or []
        if "serve" in cmd and any(part.startswith(base) for part in cmd):
            try:
                proc.terminate()
            except psutil.Error:
                pass


@pytest.fixture
def settings(workspace_dir: Path):  # type: ignore[no-untyped-def]
    """Settings of the embedded workspace in tmp_path."""
    from basalt.config import load_settings

    # NOTE: in-process tests create deployments by the dozen and run their own supervisor
    # when they serve; a detached serve host per deployment would only cost time.
    loaded = load_settings(workspace_dir)
    compute = loaded.compute.model_copy(update={"serve_on_deploy": False})
    return loaded.model_copy(update={"compute": compute})


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


# --- storage servers on loopback: S3 (moto) and Azure Blob (Azurite) ----------------------

S3_BUCKET = "basalt-test"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
AZURITE_BIN = (
    Path(__file__).resolve().parents[1] / ".tools" / "node_modules" / ".bin" / "azurite-blob"
)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    delay = 0.02
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def _answers(url: str, proc, log: Path, what: str):  # type: ignore[no-untyped-def]
    import urllib.error
    import urllib.request

    def check() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True  # it answers (Azurite refuses anonymous listings)
        except (urllib.error.URLError, OSError):
            return False

    return check


def _stop(proc) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class S3Server:
    """The moto S3 server: its endpoint and one empty bucket (credentials ``testing``)."""

    def __init__(self, endpoint_url: str, bucket: str) -> None:
        self.endpoint_url = endpoint_url
        self.bucket = bucket

    def settings(self, prefix: str):  # type: ignore[no-untyped-def]
        """Artifact settings for an S3 root under ``prefix`` of the bucket."""
        from pydantic import SecretStr

        from basalt.config import ArtifactSettings

        return ArtifactSettings(
            url=f"s3://{self.bucket}/{prefix}",
            s3_endpoint_url=self.endpoint_url,
            s3_access_key_id="testing",
            s3_secret_access_key=SecretStr("testing"),
            s3_region="us-east-1",
        )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A moto S3 server in a subprocess on a free loopback port, with one empty bucket."""
    import subprocess
    import sys
    import urllib.request

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto_server = Path(sys.executable).with_name("moto_server")
    cmd = (
        [str(moto_server)]
        if moto_server.exists()
        else [sys.executable, "-c", "from moto.server import main; main()"]
    )
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [*cmd, "-H", "127.0.0.1", "-p", str(port)], stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        _wait_for(_answers(endpoint, proc, log, "moto_server"), 30, f"moto S3 on {endpoint}")
        request = urllib.request.Request(f"{endpoint}/{S3_BUCKET}", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        yield S3Server(endpoint, S3_BUCKET)
    finally:
        _stop(proc)


class AzuriteServer:
    """Azurite's blob service: the well-known dev account and its key."""

    def __init__(self, blob_url: str) -> None:
        self.blob_url = blob_url  # http://127.0.0.1:<port>/devstoreaccount1
        self.account = AZURITE_ACCOUNT
        self.key = AZURITE_KEY

    def connection_string(self) -> str:
        """A connection string for azure-storage-blob."""
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.account};AccountKey={self.key};"
            f"BlobEndpoint={self.blob_url};"
        )


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteServer]:
    """Azurite's blob service on a free loopback port (installed by ``make test`` into .tools).

    Skips when Azurite is not installed, except in CI (``CI=true``), where that fails.
    """
    import subprocess

    if not AZURITE_BIN.exists():
        message = f"Azurite is not installed at {AZURITE_BIN}; run: make test (or make setup)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    where = tmp_path_factory.mktemp("azurite")
    log = where / "azurite.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                str(AZURITE_BIN),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                str(port),
                "--location",
                str(where / "data"),
                "--skipApiVersionCheck",
                "--loose",
                "--silent",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    try:
        _wait_for(_answers(url + "?comp=list", proc, log, "azurite"), 60, f"Azurite on {url}")
        yield AzuriteServer(url)
    finally:
        _stop(proc)


# Test modules whose tests run real jobs (runner processes, environments, sweeps): their
# `client` variants take seconds each, so they run in-process (SQLite) and over HTTP on
# PostgreSQL only. HTTP on SQLite adds nothing for them that those two do not already cover
# (the transport is the same code, the store the same as in-process); every other module keeps
# all three variants.
JOB_RUNNING_MODULES = frozenset(
    {
        "test_jobs.py",
        "test_sweeps.py",
        "test_lineage.py",
        "test_job_secrets.py",
        "test_models.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the HTTP-on-SQLite variant of tests in ``JOB_RUNNING_MODULES``."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        module = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
        if params.get("client") == "http" and module in JOB_RUNNING_MODULES:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
