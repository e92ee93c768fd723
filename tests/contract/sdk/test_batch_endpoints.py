"""Batch endpoints and deployments through the SDK, in-process, over HTTP, and on PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from basalt.client.batch_builders import (
    BatchEndpoint,
    BatchRetrySettings,
    ModelBatchDeployment,
    ModelBatchDeploymentSettings,
)
from basalt.client.endpoint_builders import CodeConfiguration
from basalt.errors import ConflictError, InvalidArgumentError, NotFoundError
from basalt.spec.runs import Run, RunStatus

HOST_ENV = {"image": "python:3.11-slim"}  # image alone: runs with Basalt's own interpreter

SCORE = """\
import os

def init():
    global factor
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "factor.txt")) as fh:
        factor = int(fh.read())

def run(mini_batch):
    out = []
    for path in mini_batch:
        with open(path) as fh:
            for line in fh.read().split():
                out.append([os.path.basename(path), int(line) * factor])
    return out
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "factor.txt").write_text("3")
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "score.py").write_text(SCORE)
    (tmp_path / "data").mkdir()
    for i in range(3):
        (tmp_path / "data" / f"part-{i}.txt").write_text(f"{i}\n{i + 10}\n")
    return tmp_path


def _deployment(project: Path, name: str = "d1", **settings: Any) -> Any:
    return ModelBatchDeployment(
        name=name,
        endpoint_name="scorer",
        model={"path": str(project / "model")},
        code_configuration=CodeConfiguration(code=project / "code", scoring_script="score.py"),
        environment=HOST_ENV,
        compute="azureml:local",
        settings=ModelBatchDeploymentSettings(
            mini_batch_size=2, retry_settings=BatchRetrySettings(max_retries=0), **settings
        ),
    )


def test_create_show_list_default_and_delete(client: Any, project: Path) -> None:
    made = client.batch_endpoints.begin_create_or_update(
        BatchEndpoint(name="scorer", description="scores files")
    ).result()
    assert made.default_deployment is None
    d1 = client.batch_deployments.begin_create_or_update(_deployment(project)).result()
    assert d1.is_default  # the first deployment becomes the default
    assert d1.model == "scorer-d1:1"
    assert d1.settings.mini_batch_size == 2
    assert d1.compute == "local"
    client.batch_deployments.begin_create_or_update(_deployment(project, "d2")).result()
    assert client.batch_endpoints.get("scorer").deployments == ["d1", "d2"]
    assert [e.name for e in client.batch_endpoints.list()] == ["scorer"]

    changed = client.batch_deployments.update(
        "d2", "scorer", settings={"error_threshold": 5, "retry_settings": {"timeout": 9}}
    )
    assert changed.settings.error_threshold == 5
    assert changed.settings.retry_settings.timeout == 9
    assert changed.settings.mini_batch_size == 2  # the rest stays

    with pytest.raises(ConflictError, match="default of endpoint 'scorer'"):
        client.batch_deployments.begin_delete("d1", "scorer")
    with pytest.raises(InvalidArgumentError, match="not a deployment of batch endpoint"):
        client.batch_endpoints.update("scorer", default_deployment="nope")
    client.batch_endpoints.update("scorer", default_deployment="d2")
    with pytest.raises(ConflictError, match="batch-deployment scorer/d1"):
        client.models.archive("scorer-d1", "1")
    graph = client.lineage("scorer-d1:1", kind="model")
    assert "batch-deployment:scorer/d1" in {n.id for n in graph.nodes}
    served = client.lineage("scorer/d1", kind="batch-deployment")
    assert "model:scorer-d1:1" in {n.id for n in served.nodes}
    client.batch_deployments.begin_delete("d1", "scorer")
    assert [d.name for d in client.batch_deployments.list("scorer")] == ["d2"]
    client.batch_endpoints.begin_delete("scorer")
    with pytest.raises(NotFoundError, match="basalt batch-endpoint create"):
        client.batch_endpoints.get("scorer")
    client.models.archive("scorer-d1", "1")  # released with its deployment


def test_invoke_scores_a_local_folder(client: Any, project: Path) -> None:
    client.batch_endpoints.begin_create_or_update(BatchEndpoint(name="scorer")).result()
    with pytest.raises(InvalidArgumentError, match="has no deployment yet"):
        client.batch_endpoints.invoke("scorer", input=str(project / "data"))
    client.batch_deployments.begin_create_or_update(_deployment(project)).result()
    run = client.batch_endpoints.invoke("scorer", input=str(project / "data"))
    assert run.tags["basalt.batch_endpoint"] == "scorer"
    finished = _done(client, run.name)
    assert finished.status == RunStatus.COMPLETED, client.jobs.logs(run.name).text
    assert finished.metrics["mini_batches_done"] == 2
    (progress,) = client.batch_endpoints.list_jobs("scorer")
    assert (progress.mini_batches_done, progress.mini_batches_total) == (2, 2)
    out = project / "out"
    client.jobs.download(run.name, out, output_name="score")
    (predictions,) = out.rglob("predictions.csv")
    rows = sorted(predictions.read_text().splitlines())
    assert rows == sorted(f"part-{i}.txt,{n * 3}" for i in range(3) for n in (i, i + 10))


def _done(client: Any, name: str, timeout: float = 60.0) -> Run:
    deadline = time.monotonic() + timeout
    while True:
        run: Run = client.jobs.get(name)
        if run.status.is_terminal() or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


def test_a_deployment_without_code_needs_a_model_basalt_can_load(
    client: Any, project: Path
) -> None:
    client.batch_endpoints.begin_create_or_update(BatchEndpoint(name="scorer")).result()
    nocode = ModelBatchDeployment(
        name="nocode", endpoint_name="scorer", model={"path": str(project / "model")}
    )
    with pytest.raises(InvalidArgumentError, match=r"no MLmodel file and no \.pkl/\.joblib"):
        client.batch_deployments.begin_create_or_update(nocode).result()
    with pytest.raises(NotFoundError):  # refused before the inline model was registered
        client.models.get("scorer-nocode", "1")
    (project / "model" / "model.pkl").write_bytes(b"\x80\x04N.")  # a pickle: accepted
    made = client.batch_deployments.begin_create_or_update(nocode).result()
    assert (made.code_configuration, made.code_files) == (None, 0)
