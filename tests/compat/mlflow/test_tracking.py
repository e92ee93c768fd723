"""The stock mlflow client logs to Basalt: experiments, runs, params, metrics, tags, search."""

from __future__ import annotations

import math

import httpx
import pytest


def _error_code(exc: BaseException) -> str:
    return str(getattr(exc, "error_code", ""))


# --- experiments -------------------------------------------------------------------------------


def test_set_experiment_creates_it_once_and_basalt_sees_it(mlflow, basalt_server):
    first = mlflow.set_experiment("mnist")  # get-by-name answers 404, then create
    again = mlflow.set_experiment("mnist")  # now found
    assert first.experiment_id == again.experiment_id
    assert first.lifecycle_stage == "active"
    assert first.artifact_location == f"mlflow-artifacts:/experiments/{first.experiment_id}"
    basalt = basalt_server.services.experiments.get_experiment("default", "mnist")
    assert basalt.id == first.experiment_id


def test_default_experiment_is_id_zero_and_always_exists(mlflow, mlflow_client, basalt_server):
    default = mlflow_client.get_experiment("0")
    assert default.name == "Default"
    assert mlflow_client.get_experiment_by_name("Default").experiment_id == "0"
    with mlflow.start_run() as run:  # no experiment set: Default
        pass
    assert run.info.experiment_id == "0"
    assert basalt_server.services.runs.get_run("default", run.info.run_id).experiment_name == (
        "Default"
    )
    names = [e.name for e in mlflow_client.search_experiments()]
    assert "Default" in names


def test_search_experiments_filters_orders_and_pages(mlflow_client):
    for name, team in [("vision-a", "cv"), ("vision-b", "cv"), ("text-a", "nlp")]:
        mlflow_client.create_experiment(name, tags={"team": team})
    found = mlflow_client.search_experiments(filter_string="name LIKE 'vision%'")
    assert sorted(e.name for e in found) == ["vision-a", "vision-b"]
    found = mlflow_client.search_experiments(filter_string="tags.team = 'nlp'")
    assert [e.name for e in found] == ["text-a"]
    ordered = mlflow_client.search_experiments(order_by=["name DESC"])
    assert [e.name for e in ordered][:3] == ["vision-b", "vision-a", "text-a"]
    page = mlflow_client.search_experiments(max_results=2, order_by=["name ASC"])
    assert len(page) == 2
    assert page.token
    rest = mlflow_client.search_experiments(
        max_results=2, order_by=["name ASC"], page_token=page.token
    )
    assert [e.name for e in page] + [e.name for e in rest] == [
        "Default",
        "text-a",
        "vision-a",
        "vision-b",
    ]
    assert not rest.token


def test_rename_delete_restore_experiment_and_its_runs(mlflow, mlflow_client, basalt_server):
    exp_id = mlflow_client.create_experiment("old-name")
    run = mlflow_client.create_run(exp_id)
    mlflow_client.rename_experiment(exp_id, "new-name")
    assert mlflow_client.get_experiment(exp_id).name == "new-name"
    assert mlflow_client.get_experiment_by_name("old-name") is None

    mlflow_client.delete_experiment(exp_id)
    assert mlflow_client.get_experiment(exp_id).lifecycle_stage == "deleted"
    assert mlflow_client.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    assert basalt_server.services.experiments.get_experiment("default", "new-name").archived
    from mlflow.entities import ViewType

    deleted = mlflow_client.search_experiments(view_type=ViewType.DELETED_ONLY)
    assert [e.name for e in deleted] == ["new-name"]
    assert "new-name" not in [e.name for e in mlflow_client.search_experiments()]
    with pytest.raises(mlflow.exceptions.MlflowException):
        mlflow.set_experiment("new-name")  # the client refuses a deleted experiment

    mlflow_client.restore_experiment(exp_id)
    assert mlflow_client.get_experiment(exp_id).lifecycle_stage == "active"
    assert mlflow_client.get_run(run.info.run_id).info.lifecycle_stage == "active"


def test_experiment_tags_set_and_delete(mlflow_client):
    exp_id = mlflow_client.create_experiment("tagged", tags={"a": "1"})
    mlflow_client.set_experiment_tag(exp_id, "b", "2")
    assert mlflow_client.get_experiment(exp_id).tags == {"a": "1", "b": "2"}
    mlflow_client.delete_experiment_tag(exp_id, "a")
    assert mlflow_client.get_experiment(exp_id).tags == {"b": "2"}


def test_creating_a_taken_experiment_name_is_resource_already_exists(mlflow, mlflow_client):
    mlflow_client.create_experiment("dup")
    with pytest.raises(mlflow.exceptions.MlflowException) as info:
        mlflow_client.create_experiment("dup")
    assert _error_code(info.value) == "RESOURCE_ALREADY_EXISTS"


# --- runs: logging -----------------------------------------------------------------------------


def test_params_metrics_and_tags_round_trip(mlflow, mlflow_client, basalt_server):
    mlflow.set_experiment("logging")
    with mlflow.start_run(run_name="lr-0.1") as run:
        mlflow.log_param("lr", 0.1)
        mlflow.log_params({"optimizer": "adam", "layers": 3})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"nan": math.nan, "inf": math.inf, "ninf": -math.inf})
        mlflow.set_tag("team", "vision")
        mlflow.set_tags({"gone": "soon", "kept": "yes"})
        mlflow.delete_tag("gone")
    got = mlflow_client.get_run(run.info.run_id)
    assert got.info.run_name == "lr-0.1"
    assert got.data.params == {"lr": "0.1", "optimizer": "adam", "layers": "3"}
    assert got.data.metrics["loss"] == 0.2
    assert math.isnan(got.data.metrics["nan"])
    assert got.data.metrics["inf"] == math.inf
    assert got.data.metrics["ninf"] == -math.inf
    assert got.data.tags["team"] == "vision"
    assert got.data.tags["kept"] == "yes"
    assert "gone" not in got.data.tags
    assert got.data.tags["mlflow.runName"] == "lr-0.1"
    history = mlflow_client.get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in history] == [0, 1, 2, 3, 4]
    assert [m.value for m in history] == [1.0, 0.5, 1 / 3, 0.25, 0.2]
    assert all(m.timestamp > 0 for m in history)

    # The same record, read through Basalt.
    basalt = basalt_server.services.runs.get_run("default", run.info.run_id)
    assert basalt.display_name == "lr-0.1"
    assert basalt.experiment_name == "logging"
    assert basalt.params == got.data.params
    assert basalt.metrics["loss"] == 0.2
    assert basalt.created_by == got.info.user_id


def test_log_batch_with_client_timestamps_and_steps(mlflow, mlflow_client):
    from mlflow.entities import Metric, Param, RunTag

    run = mlflow_client.create_run("0")
    mlflow_client.log_batch(
        run.info.run_id,
        metrics=[
            Metric("acc", 0.5, 1_700_000_000_000, 10),
            Metric("acc", 0.9, 1_700_000_000_500, 2**40),
            Metric("acc", 0.1, 1_700_000_000_100, 3),
        ],
        params=[Param("seed", "7")],
        tags=[RunTag("kind", "batch")],
    )
    got = mlflow_client.get_run(run.info.run_id)
    assert got.data.metrics == {"acc": 0.9}  # the highest step is the latest
    latest = got.data._metric_objs[0]
    assert (latest.step, latest.timestamp) == (2**40, 1_700_000_000_500)
    history = mlflow_client.get_metric_history(run.info.run_id, "acc")
    assert [(m.step, m.value) for m in history] == [(3, 0.1), (10, 0.5), (2**40, 0.9)]
    assert got.data.params == {"seed": "7"}
    assert got.data.tags["kind"] == "batch"


def test_metric_history_of_25001_points_is_paged(mlflow, mlflow_client, basalt_server):
    from mlflow.entities import Metric

    run = mlflow_client.create_run("0")
    points = [Metric("x", float(i), 1_700_000_000_000 + i, i) for i in range(25_001)]
    mlflow_client.log_batch(run.info.run_id, metrics=points)  # the client sends 1,000 a request
    history = mlflow_client.get_metric_history(run.info.run_id, "x")
    assert len(history) == 25_001
    assert [m.step for m in history] == list(range(25_001))
    assert history[-1].value == 25_000.0
    # The client asked for 25,000 at a time and followed the token.
    url = f"{basalt_server.url}/api/2.0/mlflow/metrics/get-history"
    first = httpx.get(
        url, params={"run_id": run.info.run_id, "metric_key": "x", "max_results": 25_000}
    )
    body = first.json()
    assert len(body["metrics"]) == 25_000
    assert body["next_page_token"]
    last = httpx.get(
        url,
        params={
            "run_id": run.info.run_id,
            "metric_key": "x",
            "max_results": 25_000,
            "page_token": body["next_page_token"],
        },
    ).json()
    assert [m["step"] for m in last["metrics"]] == [25_000]
    assert "next_page_token" not in last
    assert mlflow_client.get_metric_history(run.info.run_id, "never-logged") == []


def test_log_batch_limits_are_mlflows(mlflow_client, basalt_server):
    run = mlflow_client.create_run("0")
    url = f"{basalt_server.url}/api/2.0/mlflow/runs/log-batch"
    metric = {"key": "m", "value": 1.0, "timestamp": 1, "step": 0}
    cases = {
        "metrics": {"metrics": [metric] * 1001},
        "params": {"params": [{"key": f"p{i}", "value": "v"} for i in range(101)]},
        "tags": {"tags": [{"key": f"t{i}", "value": "v"} for i in range(101)]},
    }
    for entity, body in cases.items():
        response = httpx.post(url, json={"run_id": run.info.run_id, **body})
        assert response.status_code == 400, entity
        error = response.json()
        assert error["error_code"] == "INVALID_PARAMETER_VALUE"
        assert f"at most {1000 if entity == 'metrics' else 100} {entity}" in error["message"]
    at_limit = httpx.post(url, json={"run_id": run.info.run_id, "metrics": [metric] * 1000})
    assert at_limit.status_code == 200
    assert at_limit.json() == {}


def test_wire_values_as_strings_and_run_uuid_are_accepted(mlflow_client, basalt_server):
    run = mlflow_client.create_run("0")
    url = f"{basalt_server.url}/api/2.0/mlflow/runs/log-metric"
    body = {
        "run_uuid": run.info.run_id,  # the deprecated twin of run_id
        "key": "s",
        "value": "-Infinity",
        "timestamp": "1700000000000",
        "step": "42",
        "unknown_field": True,
    }
    assert httpx.post(url, json=body).status_code == 200
    got = httpx.get(
        f"{basalt_server.url}/api/2.0/mlflow/runs/get", params={"run_id": run.info.run_id}
    ).json()
    assert got["run"]["data"]["metrics"] == [
        {"key": "s", "value": "-Infinity", "timestamp": 1_700_000_000_000, "step": 42}
    ]
    missing = httpx.post(url, json={"run_id": run.info.run_id, "value": 1, "timestamp": 1})
    assert missing.status_code == 400
    assert missing.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "Missing value for required parameter 'key'.",
    }


def test_changing_a_logged_param_is_invalid_parameter_value(mlflow):
    with mlflow.start_run():
        mlflow.log_param("depth", 3)
        mlflow.log_param("depth", 3)  # the same value again is fine
        with pytest.raises(mlflow.exceptions.MlflowException) as info:
            mlflow.log_param("depth", 5)
    assert _error_code(info.value) == "INVALID_PARAMETER_VALUE"
    assert "depth" in str(info.value)


def test_unknown_run_is_resource_does_not_exist(mlflow, mlflow_client):
    with pytest.raises(mlflow.exceptions.MlflowException) as info:
        mlflow_client.get_run("no_such_run")
    assert _error_code(info.value) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(mlflow.exceptions.MlflowException) as info:
        mlflow_client.log_metric("no_such_run", "x", 1.0)
    assert _error_code(info.value) == "RESOURCE_DOES_NOT_EXIST"


# --- runs: lifecycle ---------------------------------------------------------------------------


def test_statuses_map_both_ways(mlflow, mlflow_client, basalt_server):
    runs = basalt_server.services.runs
    with mlflow.start_run() as finished:
        pass
    assert mlflow_client.get_run(finished.info.run_id).info.status == "FINISHED"
    assert runs.get_run("default", finished.info.run_id).status == "Completed"

    with pytest.raises(RuntimeError), mlflow.start_run() as failed:
        raise RuntimeError("boom")
    assert mlflow_client.get_run(failed.info.run_id).info.status == "FAILED"
    assert runs.get_run("default", failed.info.run_id).status == "Failed"

    killed = mlflow_client.create_run("0")
    assert killed.info.status == "RUNNING"
    mlflow_client.set_terminated(killed.info.run_id, "KILLED")
    assert mlflow_client.get_run(killed.info.run_id).info.status == "KILLED"
    assert runs.get_run("default", killed.info.run_id).status == "Canceled"


def test_client_start_and_end_times_and_user_are_kept(mlflow_client, basalt_server):
    run = mlflow_client.create_run("0", start_time=1_600_000_000_000, run_name="backfill")
    assert run.info.start_time == 1_600_000_000_000
    mlflow_client.set_terminated(run.info.run_id, "FINISHED", end_time=1_600_000_060_000)
    got = mlflow_client.get_run(run.info.run_id)
    assert (got.info.start_time, got.info.end_time) == (1_600_000_000_000, 1_600_000_060_000)
    basalt = basalt_server.services.runs.get_run("default", run.info.run_id)
    assert basalt.duration_s == 60
    assert basalt.created_by == got.info.user_id != ""


def test_run_name_and_its_tag_stay_in_sync(mlflow, mlflow_client, basalt_server):
    run = mlflow_client.create_run("0", run_name="first")
    run_id = run.info.run_id
    mlflow_client.set_tag(run_id, "mlflow.runName", "second")
    assert mlflow_client.get_run(run_id).info.run_name == "second"
    mlflow_client.update_run(run_id, name="third")
    got = mlflow_client.get_run(run_id)
    assert got.info.run_name == "third"
    assert got.data.tags["mlflow.runName"] == "third"
    assert basalt_server.services.runs.get_run("default", run_id).display_name == "third"


def test_delete_and_restore_run(mlflow, mlflow_client, basalt_server):
    from mlflow.entities import ViewType

    exp_id = mlflow_client.create_experiment("lifecycle")
    keep = mlflow_client.create_run(exp_id)
    drop = mlflow_client.create_run(exp_id)
    mlflow_client.delete_run(drop.info.run_id)
    assert mlflow_client.get_run(drop.info.run_id).info.lifecycle_stage == "deleted"
    assert basalt_server.services.runs.get_run("default", drop.info.run_id).archived
    active = mlflow_client.search_runs([exp_id])
    assert [r.info.run_id for r in active] == [keep.info.run_id]
    deleted = mlflow_client.search_runs([exp_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [drop.info.run_id]
    assert len(mlflow_client.search_runs([exp_id], run_view_type=ViewType.ALL)) == 2
    mlflow_client.restore_run(drop.info.run_id)
    assert len(mlflow_client.search_runs([exp_id])) == 2


def test_a_finished_run_can_be_resumed(mlflow, mlflow_client):
    with mlflow.start_run() as run:
        mlflow.log_metric("a", 1.0)
    with mlflow.start_run(run_id=run.info.run_id):
        assert mlflow_client.get_run(run.info.run_id).info.status == "RUNNING"
        assert mlflow_client.get_run(run.info.run_id).info.end_time is None
        mlflow.log_metric("b", 2.0)
    got = mlflow_client.get_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.data.metrics == {"a": 1.0, "b": 2.0}


def test_nested_runs_are_parent_and_children(mlflow, basalt_server):
    with mlflow.start_run() as parent, mlflow.start_run(nested=True) as child:
        pass
    basalt = basalt_server.services.runs.get_run("default", child.info.run_id)
    assert basalt.parent_name == parent.info.run_id
    assert basalt_server.services.runs.get_run("default", parent.info.run_id).children == [
        child.info.run_id
    ]


def test_log_inputs_records_datasets(mlflow, mlflow_client, basalt_server):
    from mlflow.entities import Dataset, DatasetInput, InputTag

    dataset = Dataset(
        name="iris",
        digest="d41d8cd9",
        source_type="http",
        source='{"url": "https://example.com/iris.csv"}',
        schema='{"mlflow_colspec": []}',
    )
    used = DatasetInput(dataset, tags=[InputTag("mlflow.data.context", "training")])
    run = mlflow_client.create_run("0")
    mlflow_client.log_inputs(run.info.run_id, datasets=[used])
    mlflow_client.log_inputs(run.info.run_id, datasets=[used])  # recorded once
    inputs = mlflow_client.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    assert inputs[0].dataset.name == "iris"
    assert inputs[0].dataset.digest == "d41d8cd9"
    assert inputs[0].dataset.schema == '{"mlflow_colspec": []}'
    assert {t.key: t.value for t in inputs[0].tags} == {"mlflow.data.context": "training"}
    basalt = basalt_server.services.runs.get_run("default", run.info.run_id)
    assert "iris" in basalt.properties["basalt.datasets"]


# --- search ------------------------------------------------------------------------------------


@pytest.fixture
def five_runs(mlflow, mlflow_client):
    """Five finished runs in experiment 'search' (x = 0..4, p = 'a' for even x), newest last."""
    exp_id = mlflow_client.create_experiment("search")
    ids = []
    for i in range(5):
        run = mlflow_client.create_run(exp_id, run_name=f"r{i}", start_time=1_700_000_000_000 + i)
        mlflow_client.log_metric(run.info.run_id, "x", float(i))
        mlflow_client.log_param(run.info.run_id, "p", "a" if i % 2 == 0 else "b")
        mlflow_client.set_terminated(run.info.run_id)
        ids.append(run.info.run_id)
    mlflow_client.create_run("0")  # another experiment: never found below
    return exp_id, ids


def test_search_runs_with_mlflow_filters(mlflow, mlflow_client, five_runs):
    exp_id, ids = five_runs

    def search(text: str) -> list[str]:
        return sorted(r.info.run_name for r in mlflow_client.search_runs([exp_id], text))

    assert search("metrics.x > 1 and params.p = 'a'") == ["r2", "r4"]
    assert search("tags.`mlflow.runName` = 'r3'") == ["r3"]
    assert search("attributes.run_name = 'r1'") == ["r1"]
    assert search(f"attributes.run_id IN ('{ids[0]}', '{ids[4]}')") == ["r0", "r4"]
    assert search("attributes.status = 'FINISHED'") == ["r0", "r1", "r2", "r3", "r4"]
    assert search("status != 'FINISHED'") == []
    assert search("attributes.start_time >= 1700000000003") == ["r3", "r4"]
    assert search("params.p LIKE 'b%'") == ["r1", "r3"]
    with pytest.raises(mlflow.exceptions.MlflowException) as info:
        mlflow_client.search_runs([exp_id], "metrics.x >>> 1")
    assert _error_code(info.value) == "INVALID_PARAMETER_VALUE"


def test_search_runs_orders_and_pages(mlflow, mlflow_client, five_runs):
    exp_id, _ = five_runs
    newest_first = mlflow_client.search_runs([exp_id])
    assert [r.info.run_name for r in newest_first] == ["r4", "r3", "r2", "r1", "r0"]
    by_metric = mlflow_client.search_runs([exp_id], order_by=["metrics.x ASC"])
    assert [r.info.run_name for r in by_metric] == ["r0", "r1", "r2", "r3", "r4"]
    by_param = mlflow_client.search_runs([exp_id], order_by=["params.p DESC", "metrics.x DESC"])
    assert [r.info.run_name for r in by_param] == ["r3", "r1", "r4", "r2", "r0"]
    seen = []
    token = None
    while True:
        page = mlflow_client.search_runs(
            [exp_id], order_by=["metrics.x DESC"], max_results=2, page_token=token
        )
        seen.append([r.info.run_name for r in page])
        token = page.token
        if not token:
            break
    assert seen == [["r4", "r3"], ["r2", "r1"], ["r0"]]
    frame = mlflow.search_runs([exp_id], filter_string="params.p = 'a'", output_format="list")
    assert sorted(r.info.run_name for r in frame) == ["r0", "r2", "r4"]


def test_searching_an_unknown_experiment_finds_nothing(mlflow_client):
    assert list(mlflow_client.search_runs(["999999"])) == []
