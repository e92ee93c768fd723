"""Endpoint and deployment YAML: Azure ML's shapes, file:line errors, local paths resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from basalt.errors import InvalidArgumentError
from basalt.spec.endpoint_yaml import load_deployment, load_endpoint
from basalt.spec.endpoints import InlineModel


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    (tmp_path / "model-1" / "model").mkdir(parents=True)
    (tmp_path / "model-1" / "model" / "m.pkl").write_bytes(b"x")
    (tmp_path / "model-1" / "onlinescoring").mkdir()
    (tmp_path / "model-1" / "onlinescoring" / "score.py").write_text("def init(): pass\n")
    (tmp_path / "model-1" / "environment").mkdir()
    (tmp_path / "model-1" / "environment" / "conda.yaml").write_text(
        "name: e\ndependencies:\n  - python=3.11\n"
    )
    here = tmp_path / "managed" / "sample"
    here.mkdir(parents=True)
    return here


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


DEPLOYMENT = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: my-endpoint
model:
  path: ../../model-1/model/
  version: 1
code_configuration:
  code: ../../model-1/onlinescoring/
  scoring_script: score.py
environment:
  conda_file: ../../model-1/environment/conda.yaml
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
instance_type: Standard_DS3_v2
instance_count: 1
egress_public_network_access: disabled
liveness_probe:
  initial_delay: 10
  period: 10
request_settings:
  request_timeout_ms: 3000
  max_queue_wait_ms: 100
data_collector:
  collections:
    model_inputs:
      enabled: 'True'
"""


def test_azure_sample_deployment_loads(sample: Path) -> None:
    loaded = load_deployment(_write(sample, "blue.yml", DEPLOYMENT))
    body = loaded.body
    root = sample.parent.parent
    assert isinstance(body.model, InlineModel)
    assert body.model.path == str(root / "model-1" / "model")
    assert body.model.version == "1"
    assert body.code_configuration is not None
    assert body.code_configuration.code == str(root / "model-1" / "onlinescoring")
    assert isinstance(body.environment, dict)
    assert body.environment["image"].startswith("mcr.microsoft.com")
    assert body.liveness_probe.initial_delay == 10
    assert body.request_settings.max_queue_wait_ms == 100
    assert body.request_settings.max_concurrent_requests_per_instance == 1
    assert body.data_collector == {"collections": {"model_inputs": {"enabled": "True"}}}
    assert "egress_public_network_access (line 15)" in loaded.warnings[0]


def test_overrides_apply(sample: Path) -> None:
    loaded = load_deployment(
        _write(sample, "blue.yml", DEPLOYMENT), ["name=green", "instance_count=3"]
    )
    assert (loaded.body.name, loaded.body.instance_count) == ("green", 3)


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        (("instance_count: 1", "instance_count: many"), ("blue.yml:14", "expected an integer")),
        (("scoring_script: score.py", "scoring_script: nope.py"), ("blue.yml:9", "nope.py")),
        (("code: ../../model-1/onlinescoring/", "code: ../gone/"), ("blue.yml:8", "gone")),
        (("path: ../../model-1/model/", "path: ./missing"), ("blue.yml:5", "missing")),
        (("name: blue", "name: 9lives"), ("blue.yml:2", "starting with a letter")),
        (("  period: 10", "  perod: 10"), ("blue.yml:18", "did you mean 'period'")),
    ],
    ids=["type", "script", "code", "model-path", "name", "typo"],
)
def test_deployment_errors_say_file_line_key(
    sample: Path, change: tuple[str, str], needles: tuple[str, ...]
) -> None:
    path = _write(sample, "blue.yml", DEPLOYMENT.replace(*change))
    with pytest.raises(InvalidArgumentError) as info:
        load_deployment(path)
    for needle in needles:
        assert needle in info.value.message


def test_endpoint_yaml(sample: Path) -> None:
    path = _write(
        sample,
        "endpoint.yml",
        "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\n"
        "name: my-endpoint\nauth_mode: aad_token\npublic_network_access: disabled\n"
        "tags:\n  team: ml\n",
    )
    loaded = load_endpoint(path)
    assert loaded.body.auth_mode.value == "aml_token"
    assert loaded.body.tags == {"team": "ml"}
    assert "public_network_access (line 4)" in loaded.warnings[0]
    bad = _write(sample, "bad.yml", "name: my-endpoint\nauth_mode: password\n")
    with pytest.raises(InvalidArgumentError, match="bad.yml:2: auth_mode"):
        load_endpoint(bad)
    typo = _write(sample, "typo.yml", "name: my-endpoint\ndescripton: x\n")
    with pytest.raises(InvalidArgumentError, match="typo.yml:2: descripton"):
        load_endpoint(typo)
