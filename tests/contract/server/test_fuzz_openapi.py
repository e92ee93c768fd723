"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis).

Every operation in ``/openapi.json`` gets a bounded number of generated requests (valid and
invalid bodies, odd query values, strange path parameters), sent as the server's first
administrator so that they get past authentication. Each answer must hold three properties:

- no 5xx: a 500 for bad input is a bug in the route, service or spec that let it through;
- every 4xx body is Basalt's error envelope ``{"error": {"code", "message", "details", ...}}``;
- every answer conforms to its documented schema and media type (the document describes the
  envelope for 422, 4XX and 5XX: ``server/openapi.py``).

The store is seeded with one of each kind of record (an experiment, a run with metrics and a
file, a model, a data asset, an environment, a component, a secret, a local datastore, a
webhook, a member and a queued job), and about two requests in three have their path
parameters pointed at those records, so generated bodies reach the services instead of
stopping at "not found".

Repeatable in CI: Hypothesis is derandomized and keeps no example database, and the number of
examples per operation is fixed (``MAX_EXAMPLES``).
"""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from basalt.spec.operations import Operation, all_operations

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
"""Generated requests per operation; raise it for a deeper local run (``FUZZ_EXAMPLES=200``)."""

# Operations not fuzzed, each for a reason:
EXCLUDED = {
    # Materializes a virtual environment: a real `pip install` of generated requirements (no
    # network here, and minutes of work per example).
    "environments.build",
    # POSTs every pending delivery to the webhook's URL: generated webhooks name arbitrary
    # hosts, and the fuzzer must not send traffic anywhere.
    "webhooks.deliver",
}
# NOTE: `jobs.create` IS fuzzed. The services are built with `kick=False` and the app starts
# no scheduler loop, so a submitted job is validated and queued but no runner process is ever
# started: the fuzzer exercises every validation rule of a submission without spawning work.
# The MLflow-compatible routes are not in /openapi.json, so schemathesis never sees them.

SEED_VALUES: dict[str, dict[str, str]] = {
    # path parameter -> {path fragment that selects the value: value}; "" matches any path.
    "name": {
        "/experiments/": "exp",
        "/runs/": "run-1",
        "/jobs/": "job-1",
        "/models/": "m",
        "/data/": "d",
        "/environments/": "env",
        "/components/": "train_model",
        "/computes/": "local",
        "/datastores/": "lake",
        "/secrets/": "s",
        "/webhooks/": "hook",
    },
    "version": {"": "1"},
    "key": {"/metrics/": "acc", "/tags/": "team"},
    "path": {"/runs/": "outputs/model.bin", "": "MLmodel"},
    "label": {"": "prod"},
    "user": {"": "rita"},
    "kind": {"": "model"},
}


def _seed_value(param: str, path: str) -> str | None:
    for fragment, value in SEED_VALUES.get(param, {}).items():
        if fragment in path:
            return value
    return None


COMPONENT = """\
name: train_model
type: command
inputs:
  lr: {type: number, default: 0.01}
code: ./src
environment: azureml:env:1
command: python train.py --lr ${{inputs.lr}}
"""


def _seed(services: Any, tmp: Path) -> None:
    """One record of each kind in the ``default`` workspace, through the SDK in-process."""
    from basalt.client.client import Client
    from basalt.client.transports.inprocess import InProcessTransport
    from basalt.spec.auth import LOCAL, Role, UserCreate
    from basalt.spec.data import DataCreate
    from basalt.spec.datastores import DatastoreCreate
    from basalt.spec.environments import EnvironmentCreate
    from basalt.spec.experiments import ExperimentCreate
    from basalt.spec.models import ModelCreate
    from basalt.spec.runs import LogBatch, MetricPoint, RunCreate

    client = Client(settings=services.settings, transport=InProcessTransport(services=services))
    services.experiments.create_experiment("default", ExperimentCreate(name="exp"))
    run = client.jobs.create_run(RunCreate(name="run-1", experiment_name="exp"))
    client.jobs.log_batch(
        run.name,
        LogBatch(
            metrics=[
                MetricPoint(key="acc", value=0.5 + i / 100, step=i, timestamp=i) for i in range(5)
            ],
            params={"lr": "0.1"},
            tags={"team": "ml"},
        ),
    )
    tmp.mkdir(parents=True)
    blob = tmp / "model.bin"
    blob.write_bytes(b"weights")
    client.jobs.upload_file(run.name, blob, "outputs/model.bin")
    model_dir = tmp / "model"
    model_dir.mkdir()
    (model_dir / "MLmodel").write_text("flavors:\n  python_function: {}\n")
    client.models.create_or_update(ModelCreate(name="m", path=str(model_dir)))
    client.models.set_label("m", "prod", "1")
    client.data.create_or_update(DataCreate(name="d", path=str(model_dir), type="uri_folder"))
    client.environments.create_or_update(EnvironmentCreate(name="env", image="python:3.11"))
    project = tmp / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "train.py").write_text("print('training')\n")
    (project / "component.yml").write_text(COMPONENT)
    client.components.create_or_update(project / "component.yml")
    client.secrets.set("s", "value")
    lake = tmp / "lake"
    (lake / "raw").mkdir(parents=True)
    (lake / "raw" / "rows.csv").write_text("a,b\n1,2\n")
    client.datastores.create(DatastoreCreate(name="lake", type="local", path=str(lake)))
    client.webhooks.create("hook", "http://127.0.0.1:9/hook", kinds=["model"])
    services.identity.create_user(UserCreate(name="rita"))
    services.access.add_member(LOCAL, "default", "rita", Role.READER)
    client.jobs.create_or_update(
        {"name": "job-1", "type": "command", "command": "echo hi", "environment": "azureml:env:1"}
    )


@dataclass(frozen=True)
class Template:
    """A workspace seeded once per module, the admin's token, and the app's /openapi.json."""

    workspace: Path
    token: str
    openapi: dict[str, Any]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Seed a workspace once (each test opens a copy) and read the document it serves.

    NOTE: generating the OpenAPI document takes FastAPI seconds, so it is read once here; the
    routes, not the data, decide what it says.
    """
    from fastapi.testclient import TestClient

    from basalt.config import load_settings
    from basalt.server.app import create_app
    from basalt.services.container import Services

    root = tmp_path_factory.mktemp("fuzz-template")
    workspace = root / "ws"
    (workspace / ".basalt").mkdir(parents=True)
    with pytest.MonkeyPatch.context() as env:
        for key in list(os.environ):  # as tests/conftest.py's clean_env, for this module scope
            if key.startswith(("BASALT_", "MLFLOW_")):
                env.delenv(key)
        settings = load_settings(workspace)
        services = Services(settings, kick=False)
        try:
            token = services.identity.ensure_admin().secret.get_secret_value()
            _seed(services, root / "seed")
            with TestClient(create_app(settings, services=services)) as http:
                doc = http.get("/openapi.json").json()
        finally:
            services.close()
    return Template(workspace, token, doc)


@pytest.fixture
def fuzz_app(template: Template, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """The app on a fresh copy of the seeded store, with authentication on; no job ever starts."""
    from basalt.config import load_settings
    from basalt.server.app import create_app
    from basalt.services.container import Services

    workspace = tmp_path / "ws"
    shutil.copytree(template.workspace, workspace)
    settings = load_settings(workspace)
    services = Services(settings, kick=False)
    try:
        yield create_app(settings, services=services), template.token
    finally:
        services.close()


@pytest.fixture
def api_schema(template: Template, fuzz_app: tuple[Any, str]) -> Any:
    """The served OpenAPI document, loaded by schemathesis; requests go to this test's app."""
    schema = schemathesis.openapi.from_dict(copy.deepcopy(template.openapi))
    schema.app = fuzz_app[0]  # as schemathesis.openapi.from_asgi does
    return schema


def envelope_on_errors(ctx: CheckContext, response: Any, case: Any) -> bool | None:
    """Every 4xx or 5xx answer carries the error envelope with a known shape."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict), f"not an error envelope: {body!r}"
    assert set(body) == {"error"}, f"not an error envelope: {body!r}"
    error = body["error"]
    for field in ("code", "message"):
        assert isinstance(error.get(field), str), f"no {field}: {body!r}"
        assert error[field], f"empty {field}: {body!r}"
    assert isinstance(error.get("details"), dict), f"details is not an object: {body!r}"
    return True


CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


def _point_at_seeded_records(case: Any) -> None:
    """Aim about two path parameters in three at seeded records; the workspace always."""
    for param, value in list((case.path_parameters or {}).items()):
        if param == "workspace":
            # NOTE: a made-up workspace is a 404 before anything else runs (and
            # tests/contract/server/test_access.py proves that for every route).
            case.path_parameters[param] = "default"
        elif len(str(value)) % 3 != 0:
            seed = _seed_value(param, case.operation.path)
            if seed is not None:
                case.path_parameters[param] = seed


FUZZED = [op for op in all_operations() if op.name not in EXCLUDED]


def test_every_documented_operation_is_fuzzed_or_excluded(template: Template) -> None:
    """The fuzz list (spec.operations) and /openapi.json name the same operations."""
    documented = {
        (method.upper(), path)
        for path, item in template.openapi["paths"].items()
        for method in item
    }
    assert documented == {(op.method, op.path) for op in all_operations()}
    assert EXCLUDED <= {op.name for op in all_operations()}


@pytest.mark.parametrize("operation", FUZZED, ids=[op.name for op in FUZZED])
def test_api_survives_generated_requests(
    operation: Operation, api_schema: Any, fuzz_app: tuple[Any, str]
) -> None:
    """No 5xx, the envelope on every error, and answers that match the document."""
    _, token = fuzz_app
    api_operation = api_schema[operation.path][operation.method]
    strategy = st.one_of(
        api_operation.as_strategy(GenerationMode.POSITIVE),
        api_operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        _point_at_seeded_records(case)
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=CHECKS, additional_checks=[envelope_on_errors])

    fuzz()
