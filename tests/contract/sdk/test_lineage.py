"""Lineage: data → job → model → next job, recorded by jobs and registration, on every transport."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.contract.sdk.test_jobs import HOST_ENV, done, log_of, write

from basalt.errors import InvalidArgumentError, NotFoundError
from basalt.spec.data import DataCreate
from basalt.spec.runs import RunStatus


def _edges(graph: Any) -> set[tuple[str, str, str]]:
    return {
        (e.source, e.relation + (f" {e.label}" if e.label else ""), e.target) for e in graph.edges
    }


def test_jobs_record_what_they_read_and_produced(client: Any, tmp_path: Path) -> None:
    from basalt import Input, Output, command

    folder = write(tmp_path / "raw", {"rows.csv": "a,b\n1,2\n"})
    client.data.create_or_update(DataCreate(name="raw", path=str(folder), type="uri_folder"))
    train = command(
        command="cp ${{inputs.training}}/rows.csv ${{outputs.model}}/model.txt",
        inputs={"training": Input(type="uri_folder", path="azureml:raw:1"), "lr": 0.1},
        outputs={"model": Output(type="custom_model", name="churn")},
        environment=HOST_ENV,
    )
    trained = done(client, client.jobs.create_or_update(train).name)
    assert trained.status == RunStatus.COMPLETED, log_of(client, trained.name)
    score = command(
        command="ls ${{inputs.model}}",
        inputs={"model": Input(type="custom_model", path="azureml:churn:1")},
        environment=HOST_ENV,
    )
    scored = done(client, client.jobs.create_or_update(score).name)
    assert scored.status == RunStatus.COMPLETED, log_of(client, scored.name)

    job, next_job = f"job:{trained.name}", f"job:{scored.name}"
    around_data = client.lineage("raw:1", kind="data")
    assert around_data.root == "data:raw:1"
    assert _edges(around_data) == {
        ("data:raw:1", "input training", job),
        (job, "produced", "model:churn:1"),
        ("model:churn:1", "input model", next_job),
    }
    statuses = {n.id: n.status for n in around_data.nodes}
    assert statuses[job] == "Completed"

    # From the job, one hop: what it read and what it produced, not what came after.
    near = client.lineage(client.jobs.get(trained.name), depth=1)
    assert _edges(near) == {
        ("data:raw:1", "input training", job),
        (job, "produced", "model:churn:1"),
    }
    # A returned Model works as the target too; a bare name:version guesses model first.
    model = client.models.get("churn", version="1")
    assert client.lineage(model).root == "model:churn:1"
    assert client.lineage("azureml:churn:1", depth=1).root == "model:churn:1"


def test_lineage_errors_name_the_thing(client: Any) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        client.lineage("nope")
    with pytest.raises(NotFoundError, match="'ghost'"):
        client.lineage("ghost:1")
    with pytest.raises(InvalidArgumentError, match="not .pipeline."):
        client.lineage("x", kind="pipeline")


def test_deployments_that_use_a_version_are_in_its_lineage(
    services: Any, settings: Any, tmp_path: Path
) -> None:
    from basalt.client.client import Client
    from basalt.client.transports.inprocess import InProcessTransport
    from basalt.spec.models import ModelCreate

    (tmp_path / "m.pkl").write_bytes(b"w")
    client = Client(settings=settings, transport=InProcessTransport(services=services))
    client.models.create_or_update(ModelCreate(name="churn", path=str(tmp_path / "m.pkl")))
    services.asset_uses.register_use("default", "model", "churn", "1", "deployment", "ep1/blue")
    graph = client.lineage("churn:1")
    assert _edges(graph) == {("model:churn:1", "serves", "deployment:ep1/blue")}
    back = client.lineage("ep1/blue", kind="deployment")
    assert _edges(back) == _edges(graph)
    with pytest.raises(NotFoundError, match="ep9"):
        client.lineage("ep9/green", kind="deployment")


def test_model_compare_shows_params_and_inputs_of_the_producing_jobs(
    client: Any, tmp_path: Path
) -> None:
    from basalt import Input, Output, command

    folder = write(tmp_path / "raw", {"rows.csv": "a\n1\n"})
    client.data.create_or_update(DataCreate(name="raw", path=str(folder), type="uri_folder"))
    for lr in (0.1, 0.2):
        job = command(
            command="echo ${{inputs.lr}} > ${{outputs.model}}/w.txt",
            inputs={"training": Input(type="uri_folder", path="azureml:raw:1"), "lr": lr},
            outputs={"model": Output(type="custom_model", name="churn")},
            environment=HOST_ENV,
        )
        run = done(client, client.jobs.create_or_update(job).name)
        assert run.status == RunStatus.COMPLETED, log_of(client, run.name)
    result = client.models.compare("churn")
    assert [v.version for v in result.versions] == ["1", "2"]
    assert [v.params["lr"] for v in result.versions] == ["0.1", "0.2"]
    assert all(v.inputs == {"training": "data:raw:1"} for v in result.versions)
    assert "params.lr" in result.differing
    assert "job_name" in result.differing
    assert "inputs.training" not in result.differing
    assert [v.version for v in client.models.compare("churn", ["2"]).versions] == ["2"]
    with pytest.raises(NotFoundError, match="'nope'"):
        client.models.compare("nope")
