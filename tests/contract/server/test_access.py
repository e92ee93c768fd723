"""Access control on every route: enumerate the app's routes and prove who gets 401/403/404.

Workspace A holds data and has a Reader (``rita``); workspace B exists too. Every route is
called with its path parameters filled in (A or B for ``workspace``, a real experiment name
for ``name`` where one fits), as nobody, as Rita, and as the administrator.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from basalt.server.auth import PUBLIC_PATHS, classify
from basalt.spec.auth import Permission, Role, TokenCreate, UserCreate, required_permission
from basalt.spec.experiments import ExperimentCreate
from basalt.spec.workspaces import WorkspaceCreate

READS = {Permission.READ, Permission.SELF}


def _walk(routes: list[Any], prefix: str) -> list[tuple[str, str]]:
    out = []
    for route in routes:
        if isinstance(route, APIRoute):
            out += [(prefix + route.path, m) for m in sorted(route.methods - {"HEAD"})]
        elif hasattr(route, "include_context"):  # FastAPI's included router
            sub = route.original_router.routes
            out += _walk(sub, prefix + route.include_context.prefix)
    return out


def _routes(app: Any) -> list[tuple[str, str, str]]:
    """(path template, method, path template) of every API route, MLflow's included."""
    return [(path, method, path) for path, method in sorted(set(_walk(app.routes, "")))]


def _url(route: str, workspace: str) -> str:
    values = {"workspace": workspace, "name": "exp", "version": "1"}

    def fill(match: re.Match[str]) -> str:
        key = match.group(1).split(":")[0]
        return values.get(key, "x")

    return re.sub(r"\{([^}]+)\}", fill, route)


def _call(http: TestClient, method: str, url: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return http.request(method, url, json=body, headers=headers).status_code


@pytest.fixture
def world(services, auth_app):  # type: ignore[no-untyped-def]
    """Admin token, workspaces A (with an experiment) and B, Rita a Reader of A."""
    admin = services.identity.ensure_admin().secret.get_secret_value()
    services.workspaces.create_workspace(WorkspaceCreate(name="a"), owner="admin")
    services.workspaces.create_workspace(WorkspaceCreate(name="b"))
    services.experiments.create_experiment("a", ExperimentCreate(name="exp"))
    services.experiments.create_experiment("b", ExperimentCreate(name="exp"))
    services.identity.create_user(UserCreate(name="rita"))
    from basalt.spec.auth import LOCAL

    services.access.add_member(LOCAL, "a", "rita", Role.READER)
    from basalt.spec.auth import Principal

    rita = services.identity.create_token(Principal("rita"), TokenCreate(name="t"))
    with TestClient(auth_app, raise_server_exceptions=False) as http:
        yield {"http": http, "admin": admin, "rita": rita.secret.get_secret_value()}


def test_openapi_routes_are_all_enumerated(world, auth_app):  # type: ignore[no-untyped-def]
    schema = world["http"].get("/openapi.json").json()
    listed = {path.replace(":path}", "}") for path, _, _ in _routes(auth_app)}
    assert set(schema["paths"]) <= listed
    assert any(p.startswith("/mlflow/ws/{workspace}/api/2.0/mlflow/") for p in listed)
    names = {classify(p, m, {})[0] for p, m, _ in _routes(auth_app) if p.startswith("/api/v1")}
    assert "unknown" not in names


def test_no_token_is_401_everywhere_but_public_routes(world, auth_app):  # type: ignore[no-untyped-def]
    http = world["http"]
    checked = 0
    for path, method, route in _routes(auth_app):
        if path in PUBLIC_PATHS or path.endswith(("/health", "/version")):
            continue  # probes, under every MLflow prefix too
        resp = http.request(method, _url(route, "a"), json={} if method != "GET" else None)
        assert resp.status_code == 401, (method, path, resp.text)
        checked += 1
        if path.startswith("/api/v1"):
            assert resp.json()["error"]["code"] == "unauthenticated"
            assert resp.headers["www-authenticate"].startswith("Bearer")
        else:
            assert resp.json()["error_code"] == "UNAUTHENTICATED"
    assert checked > 100
    assert http.get("/healthz").status_code == 200
    assert http.get("/openapi.json").status_code == 200
    assert http.get("/docs").status_code == 200


def test_reader_is_refused_every_mutation_in_its_workspace(world, auth_app):  # type: ignore[no-untyped-def]
    http, token = world["http"], world["rita"]
    refused = allowed = 0
    for path, method, route in _routes(auth_app):
        if "{workspace}" not in path:
            continue
        name, verb, _ = classify(path, method, {"workspace": "a"})
        status = _call(http, method, _url(route, "a"), token)
        if required_permission(name, verb) in READS:
            assert status not in (401, 403), (method, path, status)
            allowed += 1
        else:
            assert status == 403, (method, path, status)
            refused += 1
    assert refused > 50
    assert allowed > 30


def test_member_of_a_sees_nothing_of_b(world, auth_app):  # type: ignore[no-untyped-def]
    http, token = world["http"], world["rita"]
    checked = 0
    for path, method, route in _routes(auth_app):
        if "{workspace}" not in path or path.endswith(("/health", "/version")):
            continue
        resp = http.request(
            method,
            _url(route, "b"),
            json={} if method != "GET" else None,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert resp.status_code == 404, (method, path, resp.text)
        assert "'b'" in resp.text
        checked += 1
    assert checked > 80
    names = [w["name"] for w in http.get("/api/v1/workspaces", headers=_bearer(token)).json()]
    assert names == ["a"]
    # the default workspace (MLflow's root routes) is not Rita's either
    resp = http.get("/api/2.0/mlflow/experiments/search", headers=_bearer(token))
    assert resp.status_code == 404


def test_reader_is_refused_admin_operations(world):  # type: ignore[no-untyped-def]
    http, token = world["http"], world["rita"]
    assert http.get("/api/v1/users", headers=_bearer(token)).status_code == 403
    resp = http.post("/api/v1/workspaces", json={"name": "c"}, headers=_bearer(token))
    assert resp.status_code == 403
    assert http.post("/api/v1/vault/rotate-key", headers=_bearer(token)).status_code == 403
    assert http.get("/api/v1/me", headers=_bearer(token)).json()["name"] == "rita"
    assert http.get("/api/v1/tokens", headers=_bearer(token)).status_code == 200


def test_admin_is_never_refused(world, auth_app):  # type: ignore[no-untyped-def]
    http, token = world["http"], world["admin"]
    for path, method, route in _routes(auth_app):
        if path.startswith("/api/v1/users") or path == "/api/v1/vault/rotate-key":
            continue  # would change the administrator's own standing mid-test
        status = _call(http, method, _url(route, "b"), token)
        assert status not in (401, 403), (method, path, status)
    names = [w["name"] for w in http.get("/api/v1/workspaces", headers=_bearer(token)).json()]
    assert names == ["a", "b", "default"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
