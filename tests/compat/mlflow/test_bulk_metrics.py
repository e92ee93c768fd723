"""MLflow's UI metric reads (``get-history-bulk-interval``, ``get-history-bulk``) and 2.x
``runs/log-model``, called as MLflow's web UI and 2.x clients call them."""

from __future__ import annotations

import json

import httpx
import pytest


@pytest.fixture
def two_runs(mlflow_client):  # type: ignore[no-untyped-def]
    """Run ``a`` logs ``loss`` at steps 0..999, run ``b`` at steps 0, 10, ..., 490."""
    from mlflow.entities import Metric

    exp_id = mlflow_client.create_experiment("bulk")
    a = mlflow_client.create_run(exp_id).info.run_id
    b = mlflow_client.create_run(exp_id).info.run_id
    mlflow_client.log_batch(
        a, metrics=[Metric("loss", 1 / (s + 1), 1000 + s, s) for s in range(1000)]
    )
    mlflow_client.log_batch(
        b, metrics=[Metric("loss", float(s), 5000 + s, s) for s in range(0, 500, 10)]
    )
    return a, b


def _get(url: str, path: str, **params: object) -> httpx.Response:
    return httpx.get(f"{url}/ajax-api/2.0/mlflow/metrics/{path}", params=params)  # type: ignore[arg-type]


def test_bulk_interval_samples_each_run_keeping_first_and_last(basalt_server, two_runs):
    a, b = two_runs
    response = _get(
        basalt_server.url,
        "get-history-bulk-interval",
        run_ids=[a, b],
        metric_key="loss",
        max_results=10,
    )
    assert response.status_code == 200, response.text
    metrics = response.json()["metrics"]
    by_run = {r: [m for m in metrics if m["run_id"] == r] for r in (a, b)}
    steps_a = [m["step"] for m in by_run[a]]
    assert len(steps_a) == 10
    assert steps_a[0] == 0
    assert steps_a[-1] == 999
    assert steps_a == sorted(steps_a)
    assert [m["step"] for m in by_run[b]][::9] == [0, 490]
    first = by_run[a][0]
    assert first == {"key": "loss", "value": 1.0, "timestamp": 1000, "step": 0, "run_id": a}


def test_bulk_interval_step_range_and_defaults(basalt_server, two_runs):
    a, b = two_runs
    ranged = _get(
        basalt_server.url,
        "get-history-bulk-interval",
        run_ids=[a],
        metric_key="loss",
        start_step=100,
        end_step=199,
        max_results=5,
    ).json()["metrics"]
    assert [m["step"] for m in ranged][0] == 100
    assert [m["step"] for m in ranged][-1] == 199
    assert len(ranged) == 5
    # the /api/2.0 spelling; without max_results every point up to 2,500 per run comes back
    whole = httpx.get(
        f"{basalt_server.url}/api/2.0/mlflow/metrics/get-history-bulk-interval",
        params={"run_ids": [a, b], "metric_key": "loss"},
    ).json()["metrics"]
    assert len(whole) == 1000 + 50
    assert _get(
        basalt_server.url, "get-history-bulk-interval", run_ids=[a], metric_key="nope"
    ).json() == {"metrics": []}


@pytest.mark.parametrize(
    ("params", "status", "code", "message"),
    [
        (
            {"metric_key": "loss"},
            400,
            "INVALID_PARAMETER_VALUE",
            "Missing value for required parameter 'run_ids'",
        ),
        (
            {"run_ids": [f"r{i}" for i in range(101)], "metric_key": "loss"},
            400,
            "INVALID_PARAMETER_VALUE",
            "at most 100 run_ids. Received 101",
        ),
        (
            {"run_ids": ["x"], "metric_key": "loss", "max_results": 2501},
            400,
            "INVALID_PARAMETER_VALUE",
            "max_results must be between 1 and 2500.",
        ),
        (
            {"run_ids": ["x"], "metric_key": "loss", "start_step": 1},
            400,
            "INVALID_PARAMETER_VALUE",
            "both must be specified",
        ),
        (
            {"run_ids": ["x"], "metric_key": "loss", "start_step": 5, "end_step": 1},
            400,
            "INVALID_PARAMETER_VALUE",
            "end_step must be greater than start_step",
        ),
        ({"run_ids": ["nope"], "metric_key": "loss"}, 404, "RESOURCE_DOES_NOT_EXIST", "nope"),
    ],
    ids=["no-runs", "101-runs", "max-results", "half-range", "reversed-range", "unknown-run"],
)
def test_bulk_interval_errors_are_mlflows(basalt_server, params, status, code, message):
    response = _get(basalt_server.url, "get-history-bulk-interval", **params)
    assert response.status_code == status
    assert response.json()["error_code"] == code
    assert message in response.json()["message"]


def test_bulk_history_returns_whole_histories_capped(basalt_server, two_runs):
    a, b = two_runs
    metrics = _get(basalt_server.url, "get-history-bulk", run_id=[a, b], metric_key="loss").json()[
        "metrics"
    ]
    assert len(metrics) == 1050
    assert [m["run_id"] for m in metrics] == sorted(m["run_id"] for m in metrics)
    capped = _get(
        basalt_server.url, "get-history-bulk", run_id=[a, b], metric_key="loss", max_results=7
    )
    assert len(capped.json()["metrics"]) == 7
    missing = _get(basalt_server.url, "get-history-bulk", metric_key="loss")
    assert missing.status_code == 400
    assert "at least one run_id" in missing.json()["message"]


def test_2x_log_model_appends_to_the_history_tag(mlflow, mlflow_client, basalt_server):
    from mlflow.models import Model

    store = mlflow_client._tracking_client.store  # the RestStore a 2.x client logs through
    run = mlflow_client.create_run(mlflow_client.create_experiment("2x"))
    run_id = run.info.run_id
    for path in ("model", "other"):
        model = Model(artifact_path=path, run_id=run_id)
        model.add_flavor("python_function", loader_module="m", config={"big": "x"})
        store.record_logged_model(run_id, model)
    history = json.loads(mlflow_client.get_run(run_id).data.tags["mlflow.log-model.history"])
    assert [h["artifact_path"] for h in history] == ["model", "other"]
    assert history[0]["run_id"] == run_id
    assert "config" not in history[0]["flavors"]["python_function"]
    assert set(history[0]) == {
        "run_id",
        "artifact_path",
        "utc_time_created",
        "model_uuid",
        "flavors",
    }

    url = f"{basalt_server.url}/api/2.0/mlflow/runs/log-model"
    bad = httpx.post(url, json={"run_id": run_id, "model_json": "{not json"})
    assert (bad.status_code, bad.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    partial = httpx.post(url, json={"run_id": run_id, "model_json": json.dumps({"run_id": run_id})})
    assert "missing mandatory fields" in partial.json()["message"]
    unknown = httpx.post(url, json={"run_id": "nope", "model_json": json.dumps(model.to_dict())})
    assert unknown.status_code == 404
