"""The mlflow workflow on a Basalt server backed by PostgreSQL."""

from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_mlflow(pg_basalt_server, mlflow):
    mlflow.set_tracking_uri(pg_basalt_server.url)
    return mlflow


def test_tracking_search_and_artifacts_on_postgresql(pg_mlflow, pg_basalt_server, tmp_path):
    mlflow = pg_mlflow
    client = mlflow.MlflowClient(pg_basalt_server.url)
    exp_id = mlflow.set_experiment("pg").experiment_id
    client.set_experiment_tag(exp_id, "team", "cv")
    ids = []
    for i in range(3):
        with mlflow.start_run(run_name=f"r{i}") as run:
            mlflow.log_param("p", "a" if i != 1 else "b")
            mlflow.log_metrics({"x": float(i), "nan": math.nan})
            mlflow.log_text(f"run {i}", "out.txt")
        ids.append(run.info.run_id)
    found = client.search_runs(
        [exp_id],
        "metrics.x >= 1 and params.p = 'a' and attributes.status = 'FINISHED'",
        order_by=["metrics.x DESC"],
    )
    assert [r.info.run_name for r in found] == ["r2"]
    named = client.search_runs([exp_id], "tags.`mlflow.runName` ILIKE 'R1'")
    assert [r.info.run_id for r in named] == [ids[1]]
    assert [e.name for e in client.search_experiments(filter_string="tags.team = 'cv'")] == ["pg"]
    assert math.isnan(client.get_run(ids[0]).data.metrics["nan"])
    assert mlflow.artifacts.load_text(f"runs:/{ids[2]}/out.txt") == "run 2"
    client.delete_experiment(exp_id)
    assert client.get_run(ids[0]).info.lifecycle_stage == "deleted"
    client.restore_experiment(exp_id)
    history = client.get_metric_history(ids[2], "x")
    assert [(m.step, m.value) for m in history] == [(0, 2.0)]


def test_logged_models_on_postgresql(pg_mlflow, pg_basalt_server):
    client = pg_mlflow.MlflowClient(pg_basalt_server.url)
    exp_id = client.create_experiment("pg-models")
    run = client.create_run(exp_id)
    model = client.create_logged_model(exp_id, name="m", source_run_id=run.info.run_id)
    client.finalize_logged_model(model.model_id, "READY")
    assert client.get_logged_model(model.model_id).status.to_proto() == 2
    found = client.search_logged_models([exp_id], filter_string="name = 'm'")
    assert [m.model_id for m in found] == [model.model_id]
