"""Server-level MLflow behaviour: probes, both prefixes, error envelopes, what is not served."""

from __future__ import annotations

import httpx
import pytest


def test_health_version_and_server_info(basalt_server):
    assert httpx.get(f"{basalt_server.url}/health").text == "OK"
    assert httpx.get(f"{basalt_server.url}/version").text == "3.17.2"
    info = httpx.get(f"{basalt_server.url}/api/3.0/mlflow/server-info").json()
    assert info["workspaces_enabled"] is False
    assert info["multipart_uploads_enabled"] is False
    assert info["multipart_downloads_enabled"] is False
    assert httpx.get(f"{basalt_server.url}/healthz").json()["status"] == "ok"  # Basalt's own


@pytest.mark.parametrize("prefix", ["/api/2.0", "/ajax-api/2.0"])
def test_every_path_is_served_under_both_prefixes(basalt_server, prefix):
    base = f"{basalt_server.url}{prefix}/mlflow"
    created = httpx.post(f"{base}/experiments/create", json={"name": f"via{prefix}"})
    assert created.status_code == 200
    experiment_id = created.json()["experiment_id"]
    run = httpx.post(f"{base}/runs/create", json={"experiment_id": experiment_id}).json()["run"]
    run_id = run["info"]["run_id"]
    assert run["info"]["status"] == "RUNNING"
    assert run["info"]["lifecycle_stage"] == "active"
    assert run["info"]["run_name"] == run_id  # unnamed: named by its id
    assert {"key": "mlflow.runName", "value": run_id} in run["data"]["tags"]
    got = httpx.get(f"{base}/experiments/get-by-name", params={"experiment_name": f"via{prefix}"})
    assert got.json()["experiment"]["experiment_id"] == experiment_id
    searched = httpx.get(f"{base}/experiments/search", params={"max_results": 10}).json()
    assert f"via{prefix}" in [e["name"] for e in searched["experiments"]]
    artifact = f"{basalt_server.url}{prefix}/mlflow-artifacts/artifacts/runs/{run_id}/f.txt"
    assert httpx.put(artifact, content=b"hi").status_code == 200
    assert httpx.get(artifact).content == b"hi"


def test_errors_use_mlflows_envelope_and_basalt_keeps_its_own(basalt_server):
    response = httpx.get(
        f"{basalt_server.url}/api/2.0/mlflow/experiments/get-by-name",
        params={"experiment_name": "nope"},
    )
    assert response.status_code == 404
    body = response.json()
    assert body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert "nope" in body["message"]
    basalt = httpx.get(f"{basalt_server.url}/api/v1/workspaces/default/runs/nope")
    assert basalt.status_code == 404
    assert basalt.json()["error"]["code"] == "not_found"
    invalid = httpx.post(f"{basalt_server.url}/api/2.0/mlflow/runs/search", content=b"{not json")
    assert invalid.status_code == 400
    assert invalid.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    too_many = httpx.post(
        f"{basalt_server.url}/api/2.0/mlflow/runs/search", json={"max_results": 50_001}
    )
    assert too_many.status_code == 400
    assert "max_results" in too_many.json()["message"]


def test_unknown_endpoints_are_endpoint_not_found(basalt_server):
    for method, path in [
        ("GET", "/api/2.0/mlflow/no/such/thing"),
        ("POST", "/ajax-api/2.0/mlflow/experiments/unknown"),
        ("GET", "/api/2.0/mlflow/runs/create"),  # a path served with another method
    ]:
        response = httpx.request(method, f"{basalt_server.url}{path}", json={})
        assert response.status_code == 404, path
        assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND", path


def test_logged_models_are_served_and_traces_fail_clearly(mlflow, mlflow_client):
    exp_id = mlflow_client.create_experiment("models")
    assert list(mlflow_client.search_logged_models([exp_id])) == []
    with pytest.raises(mlflow.exceptions.MlflowException) as info:
        mlflow_client.create_logged_model(exp_id, name="model")  # no source run
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    response = httpx.post(f"{mlflow_client.tracking_uri}/api/2.0/mlflow/traces", json={})
    assert response.status_code == 501
    assert response.json()["error_code"] == "NOT_IMPLEMENTED"
