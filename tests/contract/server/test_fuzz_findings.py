"""Defects the fuzz test (test_fuzz_openapi.py) found, pinned: answers and document agree."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def doc(app: Any) -> dict[str, Any]:
    with TestClient(app) as http:
        return http.get("/openapi.json").json()  # type: ignore[no-any-return]


def test_errors_are_documented_as_the_envelope(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    create = doc["paths"]["/api/v1/workspaces/{workspace}/runs"]["post"]["responses"]
    for status in ("422", "4XX", "5XX"):
        assert create[status]["content"]["application/json"]["schema"] == envelope
    assert schemas["ErrorBody"]["required"] == ["code", "message", "details"]
    # a route without parameters gets no 422 it could never answer
    assert "422" not in doc["paths"]["/healthz"]["get"]["responses"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/workspaces/{workspace}/runs/{name}/files/{path}",
        "/api/v1/workspaces/{workspace}/models/{name}/versions/{version}/files/{path}",
        "/api/v1/workspaces/{workspace}/data/{name}/versions/{version}/files/{path}",
    ],
    ids=["runs", "models", "data"],
)
def test_file_downloads_are_documented_as_bytes(doc: dict[str, Any], path: str) -> None:
    content = doc["paths"][path]["get"]["responses"]["200"]["content"]
    assert list(content) == ["application/octet-stream"]


@pytest.mark.parametrize(
    ("schema", "field"),
    [("TokenCreated", "secret"), ("SecretReveal", "value"), ("WebhookCreated", "secret")],
)
def test_revealed_secrets_are_not_write_only(doc: dict[str, Any], schema: str, field: str) -> None:
    # writeOnly told generated clients that the one answer carrying the value never does
    prop = doc["components"]["schemas"][schema]["properties"][field]
    assert (prop["type"], prop["format"]) == ("string", "password")
    assert "writeOnly" not in prop


def test_gc_refuses_a_grace_period_past_the_calendar(services: Any, auth_app: Any) -> None:
    token = services.identity.ensure_admin().secret.get_secret_value()
    with TestClient(auth_app, raise_server_exceptions=False) as http:
        resp = http.post(
            "/api/v1/gc",
            json={"grace_period_s": 63931470017.0, "dry_run": True},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["details"]["field"] == "grace_period_s"


def test_events_refuse_an_id_past_64_bits(services: Any, auth_app: Any) -> None:
    token = services.identity.ensure_admin().secret.get_secret_value()
    with TestClient(auth_app, raise_server_exceptions=False) as http:
        resp = http.get(
            "/api/v1/workspaces/default/events",
            params={"after": 2**63},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["details"]["field"] == "after"
