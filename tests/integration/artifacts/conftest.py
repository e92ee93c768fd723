"""Fixtures for artifact-store tests: a moto S3 server on loopback and stores on both back ends."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from basalt.artifacts import ArtifactStore
from basalt.config import ArtifactSettings

BUCKET = "basalt-test"
KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    bucket: str

    def settings(self, prefix: str) -> ArtifactSettings:
        return ArtifactSettings(
            url=f"s3://{self.bucket}/{prefix}",
            s3_endpoint_url=self.endpoint_url,
            s3_access_key_id="testing",
            s3_secret_access_key=SecretStr("testing"),
            s3_region="us-east-1",
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A moto S3 server in a subprocess on a free loopback port, with one empty bucket."""
    port = _free_port()
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
            [*cmd, "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )

    def answers() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"moto_server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(endpoint, timeout=1):
                return True
        except (urllib.error.URLError, OSError):
            return False

    try:
        wait_for(answers, timeout=30, what=f"moto S3 server on {endpoint}")
        request = urllib.request.Request(f"{endpoint}/{BUCKET}", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        yield S3Server(endpoint, BUCKET)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def s3_settings(s3_server: S3Server) -> ArtifactSettings:
    """Settings for an S3 artifact root under a fresh prefix of the test bucket."""
    return s3_server.settings(f"t-{uuid.uuid4().hex[:12]}")


StoreFactory = Callable[..., ArtifactStore]


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request: pytest.FixtureRequest) -> str:
    """The back end under test: ``local`` or ``s3``."""
    return str(request.param)


@pytest.fixture
def make_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> StoreFactory:
    """Build stores on the back end under test, all sharing one root; kwargs tune chunk sizes."""
    if backend == "local":
        settings = ArtifactSettings(url=str(tmp_path / "artifacts"))
    else:
        settings = request.getfixturevalue("s3_settings")

    def make(**tuning: int) -> ArtifactStore:
        return ArtifactStore.from_settings(settings, str(tmp_path / "default"), **tuning)

    return make


@pytest.fixture
def store(make_store: StoreFactory) -> ArtifactStore:
    """A store on the back end under test with default tuning."""
    return make_store()
