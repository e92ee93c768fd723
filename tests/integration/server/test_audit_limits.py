"""The audit middleware, the audit routes and SDK verbs, and the request-size limit."""

from __future__ import annotations

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from basalt.client.client import Client
from basalt.client.transports.http import HttpTransport
from basalt.client.transports.inprocess import InProcessTransport
from basalt.config import load_settings
from basalt.errors import InvalidArgumentError, NotFoundError
from basalt.server import auth
from basalt.server.app import create_app
from basalt.services.container import Services
from basalt.spec.auth import Principal

API = "/api/v1/workspaces/default"


@pytest.fixture
def open_settings(workspace_dir):
    return load_settings(workspace_dir, server={"auth": "none", "max_body_mb": 1})


@pytest.fixture
def svc(open_settings):
    services = Services(open_settings)
    yield services
    services.close()


@pytest.fixture
def http(open_settings, svc):
    with TestClient(create_app(open_settings, services=svc)) as client:
        yield client


def _events(svc, http=None, **kw):
    from basalt.spec.auth import AuditQuery

    if http is not None:
        http.app.state.audit_writer.flush()
    return svc.audit.list(AuditQuery(**kw)).items


def test_mutations_are_recorded_and_reads_are_not(http, svc):
    run = http.post(f"{API}/runs", json={"experiment_name": "e"}).json()
    http.get(f"{API}/runs/{run['name']}")
    http.post(f"{API}/runs/search", json={})
    http.patch(f"{API}/runs/{run['name']}", json={"display_name": "x"})
    [update, create] = _events(svc, http)
    assert (create.operation, create.method, create.status, create.outcome) == (
        "runs.create",
        "POST",
        201,
        "ok",
    )
    assert (update.operation, update.workspace, update.target) == (
        "runs.update",
        "default",
        run["name"],
    )
    assert update.principal == "local"  # --auth none: every request is the local principal
    assert update.address


def test_failures_are_recorded_as_errors(http, svc):
    resp = http.post(f"{API}/runs/nope/archive")
    assert resp.status_code == 404
    [event] = _events(svc, http)
    assert (event.operation, event.status, event.outcome, event.target) == (
        "runs.archive",
        404,
        "error",
        "nope",
    )


def test_mlflow_writes_are_recorded_with_their_workspace_and_searches_are_not(http, svc):
    http.post("/api/v1/workspaces", json={"name": "team"})
    ok = http.post("/mlflow/ws/team/api/2.0/mlflow/experiments/create", json={"name": "e"})
    assert ok.status_code == 200
    http.post("/mlflow/ws/team/api/2.0/mlflow/experiments/search", json={})
    http.post("/api/2.0/mlflow/runs/search", json={})
    http.get("/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": "e"})
    [mlflow, created] = _events(svc, http)
    assert (mlflow.operation, mlflow.workspace) == ("mlflow/experiments/create", "team")
    assert created.operation == "workspaces.create"


def test_secret_values_never_reach_the_log(http, svc):
    value = "hunter2-very-secret"
    resp = http.put(f"{API}/secrets/db", json={"value": value})
    assert resp.status_code == 200
    [event] = _events(svc, http)
    assert event.operation == "secrets.set"
    assert value not in event.model_dump_json()


def test_principal_set_by_the_auth_layer_is_recorded(open_settings, svc):
    app = create_app(open_settings, services=svc)

    def sign_in(request: Request) -> None:  # stands in for the auth layer
        request.state.principal = Principal(name="alice")

    app.dependency_overrides[auth.enforce] = sign_in

    with TestClient(app) as http:
        assert http.post(f"{API}/experiments", json={"name": "e"}).status_code == 201
    [event] = _events(svc)  # the app's shutdown wrote what was queued
    assert event.principal == "alice"


def test_audit_routes_filter_and_page(http, svc):
    http.post("/api/v1/workspaces", json={"name": "team"})
    for name in ("a", "b", "c"):
        http.post("/api/v1/workspaces/team/experiments", json={"name": name})
    http.app.state.audit_writer.flush()
    page = http.get("/api/v1/workspaces/team/audit", params={"max_results": 2}).json()
    assert [e["target"] for e in page["items"]] == [None, None]
    assert [e["operation"] for e in page["items"]] == ["experiments.create"] * 2
    rest = http.get(
        "/api/v1/workspaces/team/audit", params={"page_token": page["next_page_token"]}
    ).json()
    assert len(rest["items"]) == 1
    everything = http.get("/api/v1/audit", params={"operation": "workspaces.create"}).json()
    assert [e["workspace"] for e in everything["items"]] == ["default"]
    assert http.get("/api/v1/workspaces/ghost/audit").status_code == 404


@pytest.fixture(params=["inprocess", "http"])
def sdk(request, open_settings, svc):
    if request.param == "inprocess":
        yield Client(
            settings=open_settings, transport=InProcessTransport(services=svc, roundtrip=True)
        )
        return
    with TestClient(create_app(open_settings, services=svc)) as http:
        yield Client(
            settings=open_settings, transport=HttpTransport("http://testserver", http=http)
        )


def test_sdk_lists_the_server_log_and_a_workspace_log(sdk, svc, clock):
    for workspace, user in (("default", "alice"), ("team", "bob")):
        svc.workspaces.ensure_workspace(workspace)
        svc.audit.record(
            principal=user,
            operation="jobs.create",
            method="POST",
            path=f"/api/v1/workspaces/{workspace}/jobs",
            workspace=workspace,
            status=201,
            outcome="ok",
        )
    every = sdk.audit.list(operation="jobs.create")
    assert [e.principal for e in every.items] == ["bob", "alice"]
    assert [e.principal for e in sdk.audit.list(workspace="team").items] == ["bob"]
    assert [e.principal for e in sdk.audit.list(user="alice").items] == ["alice"]
    first = every.items[-1].at
    assert [e.principal for e in sdk.audit.list(since=first, operation="jobs.create").items] == [
        "bob",
        "alice",
    ]
    assert sdk.audit.list(until=first).items == []
    with pytest.raises(NotFoundError):
        sdk.audit.list(workspace="ghost")


def test_a_body_over_the_limit_is_413_with_the_envelope(http, svc):
    run = http.post(f"{API}/runs", json={}).json()
    path = f"{API}/runs/{run['name']}/files/big.bin"
    resp = http.put(path, content=b"x" * (2**20 + 1))
    assert resp.status_code == 413
    error = resp.json()["error"]
    assert error["code"] == "invalid_argument"
    assert "1 MiB" in error["message"]
    assert error["request_id"] == resp.headers["X-Request-Id"]
    assert http.put(path, content=b"x" * 2**20).status_code == 200
    [ok, refused, _] = _events(svc, http)
    assert (refused.operation, refused.status, refused.outcome) == ("runs.file_put", 413, "error")
    assert ok.status == 200


def test_a_chunked_upload_is_cut_off_at_the_limit(http):
    run = http.post(f"{API}/runs", json={}).json()

    def chunks():
        for _ in range(4):
            yield b"y" * 2**19

    resp = http.put(f"{API}/runs/{run['name']}/files/stream.bin", content=chunks())
    assert resp.status_code == 413
    assert "limit is 1 MiB" in resp.json()["error"]["message"]
    err = InvalidArgumentError.from_envelope(resp.json(), 413)
    assert isinstance(err, InvalidArgumentError)
