"""Azure ML batch endpoint and deployment YAML: both schemas, defaults, warnings, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from basalt.errors import InvalidArgumentError
from basalt.spec.batch_endpoint_yaml import load_batch_deployment, load_batch_endpoint
from basalt.spec.batch_endpoints import OutputAction
from basalt.spec.endpoints import AuthMode

ENDPOINT = """\
$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json
name: heart-classifier-batch
description: A heart condition classifier for batch inference
auth_mode: aad_token
defaults:
  deployment_name: classifier-xgboost-custom
"""

# cli/endpoints/batch/deploy-models/heart-classifier-mlflow/deployment-custom/deployment.yml
MODEL_BATCH = """\
$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json
endpoint_name: heart-classifier-batch
name: classifier-xgboost-custom
description: A heart condition classifier based on XGBoost
type: model
model: azureml:heart-classifier@latest
environment:
  name: batch-mlflow-xgboost
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
  conda_file: environment/conda.yaml
code_configuration:
  code: code
  scoring_script: batch_driver.py
compute: azureml:batch-cluster
resources:
  instance_count: 2
settings:
  max_concurrency_per_instance: 2
  mini_batch_size: 2
  output_action: append_row
  output_file_name: predictions.csv
  retry_settings:
    max_retries: 3
    timeout: 300
  error_threshold: -1
  logging_level: info
"""

# The older flat batchDeployment schema: the same settings at the top level.
FLAT = """\
$schema: https://azuremlschemas.azureedge.net/latest/batchDeployment.schema.json
name: flat
endpoint_name: heart-classifier-batch
model:
  path: ./model
code_configuration:
  code: code
  scoring_script: batch_driver.py
compute: batch-cluster
resources:
  instance_count: 1
  instance_type: Standard_DS3_v2
mini_batch_size: "5"
output_action: summary_only
error_threshold: 10
identity:
  type: system_assigned
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "batch_driver.py").write_text("def init(): pass\ndef run(b): return b\n")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.pkl").write_bytes(b"x")
    (tmp_path / "environment").mkdir()
    (tmp_path / "environment" / "conda.yaml").write_text(
        "name: env\ndependencies:\n  - python=3.11\n  - pip:\n    - pandas\n"
    )
    return tmp_path


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_endpoint_with_default_deployment(folder: Path) -> None:
    loaded = load_batch_endpoint(_write(folder, "endpoint.yml", ENDPOINT))
    body = loaded.body
    assert body.name == "heart-classifier-batch"
    assert body.auth_mode == AuthMode.AML_TOKEN
    assert body.default_deployment == "classifier-xgboost-custom"
    assert loaded.warnings == []


def test_model_batch_deployment_with_settings(folder: Path) -> None:
    body = load_batch_deployment(_write(folder, "deployment.yml", MODEL_BATCH)).body
    assert body.model == "azureml:heart-classifier@latest"
    assert body.compute == "azureml:batch-cluster"
    assert body.resources.instance_count == 2
    s = body.settings
    assert (s.max_concurrency_per_instance, s.mini_batch_size) == (2, 2)
    assert s.output_action == OutputAction.APPEND_ROW
    assert s.retry_settings.timeout == 300
    assert s.error_threshold == -1
    assert body.code_configuration is not None
    assert Path(str(body.code_configuration.code)).is_absolute()
    assert isinstance(body.environment, dict)


def test_flat_schema_settings_and_azure_only_keys(folder: Path) -> None:
    loaded = load_batch_deployment(_write(folder, "deployment.yml", FLAT))
    s = loaded.body.settings
    assert s.mini_batch_size == 5
    assert s.output_action == OutputAction.SUMMARY_ONLY
    assert s.error_threshold == 10
    assert s.output_file_name == "predictions.csv"  # the defaults
    assert (s.retry_settings.max_retries, s.retry_settings.timeout) == (3, 30)
    warned = " ".join(loaded.warnings)
    assert "identity" in warned
    assert "instance_type" in warned
    model = loaded.body.model
    assert not isinstance(model, str)
    assert model is not None
    assert Path(model.path).is_absolute()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("\nsettings:\n", "\nmini_batch_size: 3\nsettings:\n"), "both at the top level and"),
        (("  mini_batch_size: 2\n", "  mini_batch_size: 2\n  mini_batch_sise: 2\n"), ":20:"),
        (("type: model\n", "type: pipeline\n"), "only type: model"),
        (("  error_threshold: -1\n", "  error_threshold: -5\n"), "settings.error_threshold"),
        (("scoring_script: batch_driver.py", "scoring_script: missing.py"), "does not exist"),
    ],
)
def test_errors_say_file_line_key(folder: Path, edit: tuple[str, str], expected: str) -> None:
    text = MODEL_BATCH.replace(*edit)
    assert text != MODEL_BATCH
    with pytest.raises(InvalidArgumentError) as err:
        load_batch_deployment(_write(folder, "deployment.yml", text))
    assert expected in err.value.message
    assert "deployment.yml" in err.value.message
