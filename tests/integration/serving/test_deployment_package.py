"""``online_deployments.package``: the Docker context's scoring server answers as the deployment.

No Docker here: the context's environment is built as a uv venv from its ``requirements.txt``
(the interpreter running the tests when it has none), and the packaged worker is started from
the context folder with the Dockerfile's own ``CMD``, ``ENV`` and ``WORKDIR`` (``/app`` read as
the context folder, port 5001 swapped for a free one).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import pickle
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from basalt.client.client import Client
from basalt.client.transports.inprocess import InProcessTransport
from basalt.config import Settings
from basalt.environments.materialize import materialize
from basalt.environments.resolve import ResolvedEnvironment
from basalt.errors import AlreadyExistsError, NotFoundError
from basalt.services.container import Services
from basalt.serving.host import ensure_serving, stop_serving
from basalt.spec.deployment_package import PACKAGE_MANIFEST, PACKAGE_PORT, PACKAGE_WORKDIR
from basalt.spec.endpoints import (
    CodeConfiguration,
    InlineModel,
    InvokeRequest,
    OnlineDeploymentCreate,
    OnlineEndpointCreate,
    ProvisioningState,
)
from basalt.spec.models import ModelFile

SCORE = """
import json, os
import six

def init():
    global scale
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "scale.txt")) as f:
        scale = float(f.read())

def run(raw_data):
    data = json.loads(raw_data)["data"]
    return {"y": [x * scale for x in data], "greeting": os.environ["GREETING"],
            "six": six.PY3, "cwd": os.path.basename(os.getcwd())}
"""
REQUEST = '{"data": [1, 2.5]}'


@pytest.fixture
def serve_host(settings: Settings) -> Iterator[Settings]:
    ensure_serving(settings)
    yield settings
    stop_serving(settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _files(services: Services, folder: Path) -> list[ModelFile]:
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        with path.open("rb") as fh:
            services.models.blobs.put_blob(sha, fh)
        out.append(ModelFile(path=path.relative_to(folder).as_posix(), sha256=sha, size=len(data)))
    return out


def _deploy(services: Services, body: OnlineDeploymentCreate) -> None:
    services.endpoints.create("default", OnlineEndpointCreate(name=body.endpoint_name))
    created = services.deployments.create("default", body)
    deadline = time.monotonic() + 120  # the first start builds the environment's venv
    while True:
        found = services.deployments.get("default", body.endpoint_name, body.name)
        if found.observed_generation == created.generation and found.provisioning_state in (
            ProvisioningState.SUCCEEDED,
            ProvisioningState.FAILED,
        ):
            break
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
    assert found.provisioning_state == ProvisioningState.SUCCEEDED, found.error
    time.sleep(0.6)  # the gateway's cached routing


def _invoke(services: Services, endpoint: str, body: str = REQUEST) -> str:
    answer = services.endpoints.invoke("default", endpoint, InvokeRequest(body=body))
    assert answer.status_code == 200, answer.body
    return answer.body


def _dockerfile(context: Path) -> tuple[dict[str, str], list[str], str, list[str]]:
    """The Dockerfile's ENV values, CMD argv, WORKDIR and COPY sources."""
    env: dict[str, str] = {}
    cmd: list[str] = []
    workdir = ""
    sources: list[str] = []
    for line in (context / "Dockerfile").read_text().splitlines():
        word, _, rest = line.partition(" ")
        if word == "ENV":
            key, _, value = rest.partition("=")
            env[key] = shlex.split(value)[0]
        elif word == "CMD":
            cmd = json.loads(rest)
        elif word == "WORKDIR":
            workdir = rest
        elif word == "COPY":
            sources.append(rest.split()[0])
    return env, cmd, workdir, sources


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _installed_here(requirement: str) -> bool:
    name, sep, version = requirement.partition("==")
    try:
        return bool(sep) and importlib.metadata.version(name) == version
    except importlib.metadata.PackageNotFoundError:
        return False


def _serve_package(context: Path, envs: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start the packaged scoring server as the image's CMD would, without Docker."""
    env_lines, cmd, workdir, sources = _dockerfile(context)
    assert workdir == PACKAGE_WORKDIR
    for source in sources:  # every file the Dockerfile copies is in the context
        assert (context / source).exists(), source
    requirements = tuple((context / "requirements.txt").read_text().split())
    if all(_installed_here(r) for r in requirements):
        python = sys.executable  # none, or all pinned at the versions this Python has
    else:
        built = materialize(ResolvedEnvironment(None, requirements, False), envs)
        python = str(built.python)
    port = free_port()

    def here(value: str) -> str:
        return value.replace(PACKAGE_WORKDIR, str(context))

    argv = [here(a) for a in cmd]
    assert argv[0] == "python"
    assert argv[-2:] == ["--port", str(PACKAGE_PORT)]
    argv[0], argv[-1] = python, str(port)
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    base.update({k: here(v) for k, v in env_lines.items()})
    proc = subprocess.Popen(argv, cwd=context, env=base)
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, f"the packaged worker exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as ready:
                if ready.status == 200:
                    return proc, port
        except (OSError, urllib.error.HTTPError):
            pass
        assert time.monotonic() < deadline, "the packaged worker never became ready"
        time.sleep(0.05)


def _score(port: int, body: str = REQUEST) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/score",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
        return str(answer.read().decode())


def _admin_token(services: Services) -> str:
    created = services.identity.ensure_admin()
    assert created is not None
    return str(created.secret.get_secret_value())


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=35)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_packaged_scoring_server_answers_as_the_deployment(
    serve_host: Settings, services: Services, auth_app: object, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from basalt.client.transports.http import HttpTransport

    model = tmp_path / "model"
    model.mkdir()
    (model / "scale.txt").write_text("2.5")
    code = tmp_path / "src"
    (code / "pkg").mkdir(parents=True)
    (code / "score.py").write_text(SCORE)
    (code / "pkg" / "data.txt").write_text("kept in a sub-folder")
    _deploy(
        services,
        OnlineDeploymentCreate(
            name="blue",
            endpoint_name="ep",
            model=InlineModel(path=str(model), files=_files(services, model)),
            code_configuration=CodeConfiguration(code=str(code), scoring_script="score.py"),
            code_files=_files(services, code),
            environment={"image": "python:3.11-slim", "pip_requirements": ["six"]},
            environment_variables={"GREETING": 'hello "there"'},
            all_traffic=True,
        ),
    )
    expected = _invoke(services, "ep")
    assert json.loads(expected)["greeting"] == 'hello "there"'

    local = tmp_path / "pkg"
    with Client(settings=serve_host, transport=InProcessTransport(services=services)) as client:
        made = client.online_deployments.package("blue", "ep", local)
        with pytest.raises(AlreadyExistsError, match="not empty"):
            client.online_deployments.package("blue", "ep", local)
        client.online_deployments.package("blue", "ep", local, overwrite=True)
        with pytest.raises(NotFoundError, match="'green'"):
            client.online_deployments.package("green", "ep", tmp_path / "none")
    with TestClient(auth_app) as http:  # type: ignore[arg-type]
        transport = HttpTransport("http://testserver", token=_admin_token(services), http=http)
        with Client(settings=serve_host, transport=transport) as remote:
            remote.online_deployments.package("blue", "ep", tmp_path / "pkg-http")
    assert _tree(tmp_path / "pkg-http") == _tree(local)  # the same over HTTP

    assert made.model_name is not None
    assert sorted(_tree(local)) == sorted(
        [
            "Dockerfile",
            "README.md",
            PACKAGE_MANIFEST,
            "basalt_scoring/worker.py",
            "code/pkg/data.txt",
            "code/score.py",
            "model/model/scale.txt",
            "requirements.txt",
        ]
    )
    manifest = json.loads((local / PACKAGE_MANIFEST).read_text())
    assert manifest["deployment"] == "blue"
    assert manifest["model"] == f"{made.model_name}:{made.model_version}"
    for rel, sha in manifest["files"].items():
        assert hashlib.sha256((local / rel).read_bytes()).hexdigest() == sha, rel
    assert (local / "requirements.txt").read_text() == "six\n"
    readme = (local / "README.md").read_text()
    assert "docker build -t ep-blue ." in readme

    proc, port = _serve_package(local, tmp_path / "envs")
    try:
        assert _score(port) == expected
    finally:
        _stop(proc)


def test_packaged_no_code_deployment_answers_as_the_deployment(
    serve_host: Settings, services: Services, tmp_path: Path
) -> None:
    from sklearn.linear_model import LinearRegression

    model = tmp_path / "model"
    model.mkdir()
    fitted = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    (model / "model.pkl").write_bytes(pickle.dumps(fitted))
    _deploy(
        services,
        OnlineDeploymentCreate(
            name="blue",
            endpoint_name="houses",
            model=InlineModel(path=str(model), files=_files(services, model)),
            all_traffic=True,
        ),
    )
    rows = '{"data": [[1.0], [2.5]]}'
    expected = _invoke(services, "houses", rows)
    assert json.loads(expected) == pytest.approx([3.0, 6.0])

    context = tmp_path / "pkg"
    with Client(settings=serve_host, transport=InProcessTransport(services=services)) as client:
        made = client.online_deployments.package("blue", "houses", context)
    assert (context / "basalt_scoring" / "nocode_score.py").is_file()
    assert not (context / "code").exists()
    assert any("no-code sklearn model" in note for note in made.notes)
    pinned = (context / "requirements.txt").read_text().split()
    assert f"scikit-learn=={importlib.metadata.version('scikit-learn')}" in pinned
    assert any(r.startswith("pandas==") for r in pinned)
    proc, port = _serve_package(context, tmp_path / "envs")
    try:
        assert _score(port, rows) == expected
    finally:
        _stop(proc)
