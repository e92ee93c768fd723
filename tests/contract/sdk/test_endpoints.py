"""Online endpoints and deployments (control plane) in-process, over HTTP, and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from basalt.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
    UnavailableError,
)
from basalt.spec.endpoints import OnlineEndpointCreate, ProvisioningState, key_matches
from basalt.spec.environments import EnvironmentCreate
from basalt.spec.models import ModelCreate

ENDPOINT = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
name: my-endpoint
auth_mode: key
identity:
  type: system_assigned
"""

BLUE = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: my-endpoint
model:
  path: ../../model-1/model/
code_configuration:
  code: ../../model-1/onlinescoring/
  scoring_script: score.py
environment:
  conda_file: ../../model-1/environment/conda.yaml
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
instance_type: Standard_DS3_v2
instance_count: 1
egress_public_network_access: disabled
"""

GREEN = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: green
endpoint_name: my-endpoint
model: azureml:sk-model:1
code_configuration:
  code: ../../model-1/onlinescoring/
  scoring_script: score.py
environment: azureml:sklearn:1
instance_type: Standard_DS3_v2
instance_count: 2
request_settings:
  request_timeout_ms: 3000
"""

SCORE = """\
import json, os

def init():
    global model_dir
    model_dir = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model")

def run(raw_data):
    return json.loads(raw_data)["data"]
"""


@pytest.fixture
def project(tmp_path: Path, client):  # type: ignore[no-untyped-def]
    """Azure's sample layout: model-1/{model,onlinescoring,environment}, managed/sample/*.yml."""
    root = tmp_path / "endpoints"
    (root / "model-1" / "model").mkdir(parents=True)
    (root / "model-1" / "model" / "sklearn_regression_model.pkl").write_bytes(b"pickled")
    (root / "model-1" / "onlinescoring").mkdir()
    (root / "model-1" / "onlinescoring" / "score.py").write_text(SCORE)
    (root / "model-1" / "environment").mkdir()
    (root / "model-1" / "environment" / "conda.yaml").write_text(
        "name: model-env\ndependencies:\n  - python=3.11\n  - pip:\n    - numpy\n"
    )
    sample = root / "managed" / "sample"
    sample.mkdir(parents=True)
    (sample / "endpoint.yml").write_text(ENDPOINT)
    (sample / "blue-deployment.yml").write_text(BLUE)
    (sample / "green-deployment.yml").write_text(GREEN)
    client.environments.create_or_update(EnvironmentCreate(name="sklearn", image="python:3.11"))
    client.models.create_or_update(
        ModelCreate(name="sk-model", path=str(root / "model-1" / "model"))
    )
    return sample


def _services(client):  # type: ignore[no-untyped-def]
    transport = client._transport
    if hasattr(transport, "services"):
        return transport.services
    return transport._http.app.state.services


def _deploy(client, project: Path, *names: str):  # type: ignore[no-untyped-def]
    client.online_endpoints.begin_create_or_update(project / "endpoint.yml").result()
    return [
        client.online_deployments.begin_create_or_update(project / f"{n}-deployment.yml").result()
        for n in names
    ]


def test_endpoint_crud_and_masked_keys(client) -> None:  # type: ignore[no-untyped-def]
    made = client.online_endpoints.create(OnlineEndpointCreate(name="ep1", tags={"team": "ml"}))
    assert made.auth_mode.value == "key"
    assert made.keys == {"primary_key": "****", "secondary_key": "****"}
    assert made.scoring_uri.endswith("/endpoints/ep1/score")
    assert "****" in repr(client.online_endpoints.get_keys("ep1"))
    assert [e.name for e in client.online_endpoints.list()] == ["ep1"]
    with pytest.raises(AlreadyExistsError, match="ep1"):
        client.online_endpoints.create(OnlineEndpointCreate(name="ep1"))
    updated = client.online_endpoints.update("ep1", description="scores churn")
    assert updated.description == "scores churn"
    assert updated.tags == {"team": "ml"}
    assert updated.generation > made.generation
    client.online_endpoints.begin_delete("ep1").result()
    with pytest.raises(NotFoundError, match="ep1"):
        client.online_endpoints.get("ep1")


def test_aad_token_is_read_as_aml_token(client) -> None:  # type: ignore[no-untyped-def]
    made = client.online_endpoints.create(
        OnlineEndpointCreate.model_validate({"name": "ep2", "auth_mode": "aad_token"})
    )
    assert made.auth_mode.value == "aml_token"


def test_bad_names_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgumentError, match="starting with a letter"):
        client.online_endpoints.create(OnlineEndpointCreate.model_validate({"name": "1bad"}))


def test_regenerate_one_key_keeps_the_other(client) -> None:  # type: ignore[no-untyped-def]
    client.online_endpoints.create(OnlineEndpointCreate(name="ep1"))
    before = client.online_endpoints.get_keys("ep1")
    p1, s1 = before.primary_key.get_secret_value(), before.secondary_key.get_secret_value()
    assert p1 != s1
    assert len(p1) >= 43
    client.online_endpoints.regenerate_keys("ep1", key_type="secondary")
    after = client.online_endpoints.get_keys("ep1")
    assert after.primary_key.get_secret_value() == p1
    assert after.secondary_key.get_secret_value() != s1
    routing = _services(client).endpoints.routing("default", "ep1")
    assert key_matches(p1, routing.key_hashes)
    assert not key_matches(s1, routing.key_hashes)
    assert _services(client).endpoints.check_key(
        "default", "ep1", after.secondary_key.get_secret_value()
    )
    with pytest.raises(InvalidArgumentError):
        client.online_endpoints.regenerate_keys("ep1", key_type="tertiary")


def test_deploy_azure_sample_from_yaml(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    (blue,) = _deploy(client, project, "blue")
    assert blue.provisioning_state == ProvisioningState.CREATING
    assert blue.generation == 1
    assert blue.model == "my-endpoint-blue:1"  # the inline model path is registered
    assert blue.code_files == 1
    assert blue.code_configuration.scoring_script == "score.py"
    assert blue.instance_type == "Standard_DS3_v2"
    assert blue.environment == "inline"
    model = client.models.get("my-endpoint-blue", "1")
    assert model.files == ["sklearn_regression_model.pkl"]
    # the same files again: no new model version, a new generation
    again = client.online_deployments.begin_create_or_update(project / "blue-deployment.yml")
    assert again.result().model == "my-endpoint-blue:1"
    assert again.result().generation == 2
    assert again.result().provisioning_state == ProvisioningState.UPDATING
    ep = client.online_endpoints.get("my-endpoint")
    assert ep.deployments == ["blue"]


def test_registered_model_and_traffic_rules(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    blue, green = _deploy(client, project, "blue", "green")
    assert green.model == "sk-model:1"
    assert green.environment == "sklearn:1"
    assert green.request_settings.request_timeout_ms == 3000
    ops = client.online_endpoints
    ep = ops.update("my-endpoint", traffic={"blue": 90, "green": 10})
    assert ep.traffic == {"blue": 90, "green": 10}
    with pytest.raises(InvalidArgumentError, match="adds up to 80%"):
        ops.update("my-endpoint", traffic={"blue": 70, "green": 10})
    with pytest.raises(InvalidArgumentError, match="deployment 'red'"):
        ops.update("my-endpoint", traffic={"blue": 100, "red": 0})
    with pytest.raises(InvalidArgumentError, match="'green' takes 10%"):
        ops.update("my-endpoint", mirror_traffic={"green": 10})
    with pytest.raises(InvalidArgumentError, match="at most 50%"):
        ops.update("my-endpoint", traffic={"blue": 100, "green": 0}, mirror_traffic={"green": 60})
    ep = ops.update("my-endpoint", traffic={"blue": 100, "green": 0}, mirror_traffic={"green": 20})
    assert ep.mirror_traffic == {"green": 20}
    # a deployment taking traffic cannot be deleted; the message says what to do
    with pytest.raises(ConflictError, match="move the traffic first"):
        client.online_deployments.begin_delete("blue", "my-endpoint")
    with pytest.raises(ConflictError, match="mirror traffic"):
        client.online_deployments.begin_delete("green", "my-endpoint")
    # all traffic to green on create_or_update
    client.online_deployments.begin_create_or_update(
        project / "green-deployment.yml", all_traffic=True
    ).result()
    assert ops.get("my-endpoint").traffic == {"blue": 0, "green": 100}
    client.online_deployments.begin_delete("blue", "my-endpoint")
    assert ops.get("my-endpoint").traffic == {"green": 100}


def test_model_in_use_cannot_be_archived(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    _deploy(client, project, "green")
    with pytest.raises(ConflictError, match="my-endpoint/green"):
        client.models.archive("sk-model", "1")
    client.online_endpoints.begin_delete("my-endpoint")  # cascades to green, releases the use
    with pytest.raises(NotFoundError):
        client.online_deployments.get("green", "my-endpoint")
    assert client.models.archive("sk-model", "1").archived


def test_update_settings_bumps_generation(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    (green,) = _deploy(client, project, "green")
    ep_gen = client.online_endpoints.get("my-endpoint").generation
    changed = client.online_deployments.update(
        "green", "my-endpoint", instance_count=3, environment_variables={"A": "1"}
    )
    assert changed.instance_count == 3
    assert changed.environment_variables == {"A": "1"}
    assert changed.model == green.model
    assert changed.generation == green.generation + 1
    assert client.online_endpoints.get("my-endpoint").generation > ep_gen


def test_desired_prepare_and_report(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    (blue,) = _deploy(client, project, "blue")
    svc = _services(client).deployments
    (desired,) = svc.desired("default")
    assert (desired.endpoint, desired.deployment, desired.generation) == ("my-endpoint", "blue", 1)
    assert desired.scoring_script == "score.py"
    assert desired.environment_spec["image"].startswith("mcr.microsoft.com")
    folder = svc.prepare_folder(desired)
    assert folder == Path(desired.folder)
    assert (Path(desired.model_dir) / "model" / "sklearn_regression_model.pkl").read_bytes() == (
        b"pickled"
    )
    assert Path(desired.model_path) == Path(desired.model_dir) / "model"
    assert (Path(desired.code_dir) / "score.py").is_file()
    assert svc.prepare_folder(desired) == folder  # idempotent
    # a new generation; a late report for the old one is ignored
    client.online_deployments.update("blue", "my-endpoint", instance_count=2)
    assert not svc.report("default", "my-endpoint", "blue", 1, ProvisioningState.SUCCEEDED)
    assert client.online_deployments.get("blue", "my-endpoint").provisioning_state == (
        ProvisioningState.UPDATING
    )
    trace = "Traceback (most recent call last):\n  ...\nValueError: no model file"
    assert svc.report("default", "my-endpoint", "blue", 2, ProvisioningState.FAILED, trace)
    failed = client.online_deployments.get("blue", "my-endpoint")
    assert failed.provisioning_state == ProvisioningState.FAILED
    assert failed.error == trace
    assert failed.observed_generation == 2
    assert "no model file" in client.online_deployments.get_logs("blue", "my-endpoint")
    log_dir = Path(svc.desired()[0].log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "worker-0.log").write_text("one\ntwo\nthree\n")
    assert client.online_deployments.get_logs("blue", "my-endpoint", lines=2).endswith(
        "two\nthree\n"
    )
    assert svc.report("default", "my-endpoint", "blue", 2, ProvisioningState.SUCCEEDED)
    ok = client.online_deployments.get("blue", "my-endpoint")
    assert ok.provisioning_state == ProvisioningState.SUCCEEDED
    assert ok.error is None


def test_invoke_without_a_serving_host(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    _deploy(client, project, "green")
    request = project / "sample-request.json"
    request.write_text('{"data": [[1, 2]]}')
    with pytest.raises(NotFoundError, match="no deployment 'red'"):
        client.online_endpoints.invoke("my-endpoint", request, deployment_name="red")
    if hasattr(client._transport, "services"):  # over HTTP a 503 is retried for seconds
        _services(client).endpoints.invoker = None  # no serving host wired in
        with pytest.raises(UnavailableError, match="basalt serve"):
            client.online_endpoints.invoke("my-endpoint", request)


def test_deployment_errors_name_what_to_fix(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    from basalt.spec.endpoint_yaml import load_deployment

    with pytest.raises(NotFoundError, match="my-endpoint"):
        client.online_deployments.begin_create_or_update(project / "green-deployment.yml")
    client.online_endpoints.create(OnlineEndpointCreate(name="my-endpoint"))
    body = load_deployment(project / "green-deployment.yml").body
    no_code = body.model_copy(update={"code_configuration": None})
    # a pickled estimator loads itself (no-code), but a file of no known kind needs a script
    weights = project / "weights.bin"
    weights.write_bytes(b"\x00\x01")
    client.models.create_or_update(ModelCreate(name="opaque", path=str(weights)))
    opaque = no_code.model_copy(update={"model": "azureml:opaque:1"})
    with pytest.raises(InvalidArgumentError, match="needs code_configuration"):
        client.online_deployments.create(opaque)
    missing = body.model_copy(update={"model": "azureml:nope:3"})
    with pytest.raises(NotFoundError, match="nope"):
        client.online_deployments.create(missing)
    inline = load_deployment(project / "blue-deployment.yml").body
    bad_script = inline.model_copy(
        update={
            "code_configuration": inline.code_configuration.model_copy(  # type: ignore[union-attr]
                update={"scoring_script": "nope.py"}
            )
        }
    )
    with pytest.raises(InvalidArgumentError, match="nope.py"):
        client.online_deployments.create(bad_script)
    with pytest.raises(NotFoundError):  # no model version was left behind
        client.models.get("my-endpoint-blue", "1")
    client.online_deployments.create(body)
    with pytest.raises(AlreadyExistsError, match="green"):
        client.online_deployments.create(body)


def test_gc_keeps_a_deployments_code(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    _deploy(client, project, "green")
    svc = _services(client)
    client.gc(grace_period_s=0.0)
    (desired,) = svc.deployments.desired()
    svc.deployments.prepare_folder(desired)
    assert (Path(desired.code_dir) / "score.py").read_text().startswith("import json")


def test_lineage_shows_the_deployment(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    _deploy(client, project, "green")
    graph = client.lineage("my-endpoint/green", kind="deployment")
    ids = {n.id for n in graph.nodes}
    assert "model:sk-model:1" in ids
    assert "deployment:my-endpoint/green" in ids


def test_metrics_add_up_and_read_per_minute(client, project: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from basalt.spec.telemetry import MetricsCounters

    _deploy(client, project, "blue")
    services = _services(client)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)

    def counts(minute: datetime, **kw: object) -> MetricsCounters:
        return MetricsCounters(
            workspace="default", endpoint="my-endpoint", deployment="blue", minute=minute, **kw
        )

    later = start + timedelta(minutes=1)
    # two gateways counted the same minute; a third minute-row belongs to another deployment
    services.deployment_metrics.add(
        [
            counts(start, requests=3, status_counts={"200": 3}, latency_ms_sum=6.0),
            counts(later, requests=1, status_counts={"500": 1}, latency_ms_sum=9.0),
        ]
    )
    services.deployment_metrics.add(
        [counts(start, requests=2, status_counts={"200": 1, "429": 1}, worker_restarts=1)]
    )
    found = client.online_deployments.get_metrics("blue", "my-endpoint")
    assert [p.minute for p in found.points] == [start, later]
    assert [p.requests for p in found.points] == [5, 1]
    assert found.points[0].status_counts == {"200": 4, "429": 1}
    assert found.total.requests == 6
    assert found.total.errors == 1
    assert found.total.worker_restarts == 1
    assert found.total.latency_ms_mean == 2.5
    narrow = client.online_deployments.get_metrics(
        "blue", "my-endpoint", since=later, until=later + timedelta(minutes=1)
    )
    assert [p.requests for p in narrow.points] == [1]
    with pytest.raises(InvalidArgumentError, match="since"):
        client.online_deployments.get_metrics("blue", "my-endpoint", since=later, until=start)
    with pytest.raises(NotFoundError, match="purple"):
        client.online_deployments.get_metrics("purple", "my-endpoint")
    # deleting the endpoint forgets its metrics: a new one of that name starts at zero
    client.online_endpoints.begin_delete("my-endpoint").result()
    _deploy(client, project, "blue")
    assert client.online_deployments.get_metrics("blue", "my-endpoint").total.requests == 0
