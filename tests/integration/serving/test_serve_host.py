"""Embedded serving: ``ensure_serving`` starts a detached ``basalt serve``; invoke uses it."""

from __future__ import annotations

import hashlib
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from basalt.config import Settings
from basalt.services.container import Services
from basalt.serving.host import (
    ensure_serving,
    read_serve_file,
    running,
    serve_file,
    stop_serving,
)
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

def init():
    global scale
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "scale.txt")) as f:
        scale = float(f.read())

def run(raw_data):
    return [x * scale for x in json.loads(raw_data)["data"]]
"""


@pytest.fixture
def serve_host(settings: Settings) -> Iterator[Settings]:
    yield settings
    info = read_serve_file(serve_file(settings))
    assert stop_serving(settings)
    assert info is not None
    assert not _alive(info.pid), "basalt serve did not stop on SIGTERM"
    assert not serve_file(settings).exists()


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, our unreaped child, has stopped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return False


def _files(services: Services, folder: Path) -> list[ModelFile]:
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        with path.open("rb") as fh:
            services.models.blobs.put_blob(sha, fh)
        out.append(ModelFile(path=path.relative_to(folder).as_posix(), sha256=sha, size=len(data)))
    return out


def test_ensure_serving_starts_one_host_and_invoke_scores(
    serve_host: Settings, services: Services, tmp_path: Path
) -> None:
    url = ensure_serving(serve_host)
    info = running(serve_host)
    assert info is not None
    assert info.url == url
    assert ensure_serving(serve_host) == url  # found, not started again
    with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:
        assert answer.status == 200

    model = tmp_path / "model"
    model.mkdir()
    (model / "scale.txt").write_text("2.5")
    code = tmp_path / "src"
    code.mkdir()
    (code / "score.py").write_text(SCORE)
    services.endpoints.create("default", OnlineEndpointCreate(name="ep"))
    created = services.deployments.create(
        "default",
        OnlineDeploymentCreate(
            name="blue",
            endpoint_name="ep",
            model=InlineModel(path=str(model), files=_files(services, model)),
            code_configuration=CodeConfiguration(code=str(code), scoring_script="score.py"),
            code_files=_files(services, code),
            all_traffic=True,
        ),
    )
    deadline = time.monotonic() + 20
    while True:
        found = services.deployments.get("default", "ep", "blue")
        if found.observed_generation == created.generation and found.provisioning_state in (
            ProvisioningState.SUCCEEDED,
            ProvisioningState.FAILED,
        ):
            break
        assert time.monotonic() < deadline, found
        time.sleep(0.05)
    assert found.provisioning_state == ProvisioningState.SUCCEEDED, found.error
    time.sleep(0.6)  # the gateway's cached routing
    answer = services.endpoints.invoke("default", "ep", InvokeRequest(body='{"data": [1, 2]}'))
    assert answer.status_code == 200, answer.body
    assert answer.body == "[2.5, 5.0]"
    assert answer.deployment == "blue"
    assert answer.request_id
