"""What mlflow logs is Basalt's own record: the SDK and CLI read it, workspaces separate it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import httpx
import pytest

BASALT = os.path.join(os.path.dirname(sys.executable), "basalt")


def test_a_run_logged_by_mlflow_is_a_basalt_job(mlflow, basalt_server):
    from basalt.client.client import Client

    mlflow.set_experiment("shared")
    with mlflow.start_run(run_name="from-mlflow") as run:
        mlflow.log_param("lr", 0.1)
        mlflow.log_metric("acc", 0.9)
        mlflow.log_text("weights", "outputs/model.txt")
    with Client(url=basalt_server.url) as client:
        job = client.jobs.get(run.info.run_id)
        assert job.display_name == "from-mlflow"
        assert job.experiment_name == "shared"
        assert job.status == "Completed"
        assert job.params == {"lr": "0.1"}
        assert job.metrics == {"acc": 0.9}
        listed = client.jobs.list(experiment_name="shared")
        assert [r.name for r in listed] == [run.info.run_id]
        assert [f.path for f in client.jobs.list_files(run.info.run_id)] == ["outputs/model.txt"]

    # `basalt job list` and `basalt job download` against the same server.
    cli = subprocess.run(
        [BASALT, "--url", basalt_server.url, "job", "list", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith(("BASALT_", "MLFLOW_"))},
    )
    assert run.info.run_id in [r["name"] for r in json.loads(cli.stdout)]


def test_a_basalt_run_reads_through_mlflow(mlflow_client, basalt_server):
    from basalt.spec.runs import LogBatch, MetricPoint, RunCreate

    runs = basalt_server.services.runs
    run = runs.create_run("default", RunCreate(experiment_name="native", display_name="b1"))
    runs.log_batch(
        "default",
        run.name,
        LogBatch(metrics=[MetricPoint(key="loss", value=0.5, step=7, timestamp=123)]),
    )
    got = mlflow_client.get_run(run.name)
    assert got.info.run_name == "b1"
    assert got.info.status == "RUNNING"
    assert got.data.tags["mlflow.runName"] == "b1"  # shown, though Basalt stores no such tag
    assert got.data._metric_objs[0].step == 7
    experiment = mlflow_client.get_experiment_by_name("native")
    assert [r.info.run_id for r in mlflow_client.search_runs([experiment.experiment_id])] == [
        run.name
    ]


def test_a_workspace_is_chosen_by_the_tracking_uri(mlflow, basalt_server, tmp_path):
    from basalt.spec.workspaces import WorkspaceCreate

    basalt_server.services.workspaces.create_workspace(WorkspaceCreate(name="team"))
    uri = basalt_server.tracking_uri("team")
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("team-exp")
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0)
        mlflow.log_text("in team", "notes.txt")
    client = mlflow.MlflowClient(uri)
    assert client.get_run(run.info.run_id).data.metrics == {"m": 1.0}
    assert client.get_experiment("0").name == "Default"  # every workspace has its own Default
    local = client.download_artifacts(run.info.run_id, "notes.txt", str(tmp_path))
    assert open(local).read() == "in team"  # noqa: PTH123, SIM115

    runs = basalt_server.services.runs
    assert runs.get_run("team", run.info.run_id).experiment_name == "team-exp"
    with runs.open_artifact("team", run.info.run_id, "notes.txt") as stream:
        assert stream.read() == b"in team"
    default_client = mlflow.MlflowClient(basalt_server.url)
    with pytest.raises(mlflow.exceptions.MlflowException) as info:
        default_client.get_run(run.info.run_id)  # not in workspace default
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert default_client.get_experiment_by_name("team-exp") is None
    # The artifact URL of the workspace is its own.
    prefixed = f"{uri}/api/2.0/mlflow-artifacts/artifacts/runs/{run.info.run_id}/notes.txt"
    assert httpx.get(prefixed).content == b"in team"


def test_an_unknown_workspace_is_reported(mlflow, basalt_server):
    client = mlflow.MlflowClient(basalt_server.tracking_uri("ghost"))
    with pytest.raises(mlflow.exceptions.MlflowException) as info:
        client.create_experiment("x")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert "ghost" in str(info.value)


TRAINING_SCRIPT = """
    import mlflow

    mlflow.set_experiment("script")
    with mlflow.start_run(run_name="train") as run:
        mlflow.log_params({"epochs": 3, "lr": 0.01})
        for epoch in range(3):
            mlflow.log_metric("loss", 1.0 / (epoch + 1), step=epoch)
        mlflow.set_tag("framework", "none")
        mlflow.log_dict({"weights": [1, 2, 3]}, "model/weights.json")
    print(run.info.run_id)
"""


def test_an_unmodified_training_script_logs_to_basalt(basalt_server, tmp_path, mlflow_env):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(TRAINING_SCRIPT), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASALT_")}
    env["MLFLOW_TRACKING_URI"] = basalt_server.url
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    run_id = proc.stdout.strip().splitlines()[-1]
    run = basalt_server.services.runs.get_run("default", run_id)
    assert run.experiment_name == "script"
    assert run.display_name == "train"
    assert run.status == "Completed"
    assert run.params == {"epochs": "3", "lr": "0.01"}
    assert run.metrics == {"loss": 1 / 3}
    assert run.tags["framework"] == "none"
    files = basalt_server.services.runs.list_artifacts("default", run_id)
    assert [f.path for f in files] == ["model/weights.json"]
