"""The REST error envelope for bad requests, through the app (no socket)."""

from __future__ import annotations

from fastapi.testclient import TestClient

SEARCH = "/api/v1/workspaces/default/runs/search"


def test_body_that_is_not_json_names_the_body(app):
    with TestClient(app) as http:
        resp = http.post(SEARCH, content=b"notjson", headers={"content-type": "application/json"})
    assert resp.status_code == 422
    err = resp.json()["error"]
    assert err["code"] == "invalid_argument"
    assert err["details"]["field"] == "body"


def test_wrong_type_names_the_field(app):
    with TestClient(app) as http:
        resp = http.post(SEARCH, json={"max_results": "abc"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"]["field"] == "max_results"


def test_bad_name_is_400_naming_the_field(app):
    with TestClient(app) as http:
        run = http.post("/api/v1/workspaces/default/runs", json={}).json()
        resp = http.post(
            f"/api/v1/workspaces/default/runs/{run['name']}/log-batch",
            json={"metrics": [{"key": "", "value": 1, "timestamp": 1}]},
        )
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_argument"
    assert "empty" in resp.json()["error"]["message"]


def test_unknown_route_and_internal_errors_use_the_envelope(app, monkeypatch):
    with TestClient(app, raise_server_exceptions=False) as http:
        assert http.get("/api/v1/nothing").json()["error"]["code"] == "not_found"
        monkeypatch.setattr(app.state.services.workspaces, "list_workspaces", lambda: 1 / 0)
        resp = http.get("/api/v1/workspaces")
    assert resp.status_code == 500
    body = resp.json()["error"]
    assert body["code"] == "internal"
    assert "ZeroDivisionError" not in body["message"]
    assert body["request_id"] in body["message"]
