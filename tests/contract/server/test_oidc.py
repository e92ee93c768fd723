"""OIDC sign-in against a real local identity provider and the app with token auth on.

The provider (tests/fixtures/oidc.py) serves its discovery document and keys over HTTP on
127.0.0.1; the server discovers its keys from the issuer URL, as it would in production.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.fixtures.oidc import AUDIENCE, FakeIdp, serve_idp

from basalt._internal.clock import FakeClock
from basalt.client.client import Client
from basalt.client.transports.http import HttpTransport
from basalt.config import OidcSettings, Settings
from basalt.errors import InvalidArgumentError, NotFoundError, UnauthenticatedError
from basalt.server.app import create_app
from basalt.services.container import Services
from basalt.services.oidc import REFETCH_MIN_S
from basalt.spec.auth import AuditQuery, Principal, TokenCreate


def _with_oidc(settings: Settings, **oidc: Any) -> Settings:
    server = settings.server.model_copy(update={"oidc": OidcSettings(**oidc)})
    return settings.model_copy(update={"server": server})


@pytest.fixture
def idp() -> Iterator[FakeIdp]:
    """A running identity provider."""
    with serve_idp() as provider:
        yield provider


class World:
    """A server trusting ``idp``: its services, a raw HTTP client, SDK clients per token."""

    def __init__(self, settings: Settings, clock: FakeClock) -> None:
        self.clock = clock
        self.services = Services(settings, clock=clock)
        self.app = create_app(settings, services=self.services)
        self.http = TestClient(self.app, raise_server_exceptions=False)
        created = self.services.identity.ensure_admin() or self.services.identity.create_token(
            Principal("admin", is_admin=True), TokenCreate(name=f"t{id(self)}")
        )
        self.admin = self.client(created.secret.get_secret_value())

    def client(self, token: str) -> Client:
        """The SDK over HTTP with ``token``."""
        own = TestClient(self.app)
        settings = self.services.settings
        return Client(settings=settings, transport=HttpTransport("x", token=token, http=own))

    def me(self, token: str) -> Any:
        """The raw answer of ``GET /api/v1/me`` with ``token``."""
        return self.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def make_world(settings: Settings, idp: FakeIdp) -> Iterator[Any]:
    """Build a server with ``server.oidc`` set (issuer and audience of ``idp`` by default)."""
    worlds: list[World] = []

    def make(**oidc: Any) -> World:
        values = {"issuer": idp.issuer, "audience": AUDIENCE, **oidc}
        world = World(_with_oidc(settings, **values), FakeClock())
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.http.close()
        world.services.close()


def test_valid_token_signs_in_and_creates_a_plain_user(make_world, idp):  # type: ignore[no-untyped-def]
    world = make_world()
    token = idp.token(preferred_username="ana", email="ana@example.com")
    resp = world.me(token)
    assert resp.status_code == 200, resp.text
    assert resp.json()["name"] == "ana"
    ana = next(u for u in world.admin.users.list() if u.name == "ana")
    assert not ana.is_admin
    assert not ana.disabled
    # No memberships yet: she sees no workspace until an admin adds her.
    assert world.client(token).workspaces.list() == []
    world.admin.workspaces.create("vision")
    world.admin.workspaces.add_member("vision", "ana", "Reader")
    assert [w.name for w in world.client(token).workspaces.list()] == ["vision"]
    assert idp.jwks_fetches == 1  # keys are cached across requests


def test_claim_fallback_and_configured_claim(make_world, idp):  # type: ignore[no-untyped-def]
    world = make_world()
    bo = idp.token(email="bo@example.com")
    assert world.me(bo).json()["name"] == "bo@example.com"
    world.admin.workspaces.create("w")
    world.admin.workspaces.add_member("w", "bo@example.com", "Reader")
    assert [w.name for w in world.client(bo).workspaces.list()] == ["w"]
    assert world.me(idp.token(sub="c-42")).json()["name"] == "c-42"
    unverified = world.me(idp.token(email="eve@example.com", email_verified=False))
    assert unverified.status_code == 401
    assert "not verified" in unverified.json()["error"]["message"]
    by_upn = make_world(user_claim="upn")
    assert by_upn.me(idp.token(upn="dee", preferred_username="x")).json()["name"] == "dee"
    missing = by_upn.me(idp.token(preferred_username="x"))
    assert missing.status_code == 401
    assert "no upn claim" in missing.json()["error"]["message"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong audience", "not meant for this server"),
        ("expired", "has expired"),
        ("wrong issuer", "this server trusts only"),
        ("tampered signature", "signature does not match"),
        ("unknown kid", "unknown kid"),
        ("not yet valid", "not valid yet"),
        ("HS256", "algorithm"),
        ("ES256 signature on an RSA key", "algorithm"),
        ("garbage", "neither a Basalt API token nor a readable OIDC token"),
    ],
)
def test_invalid_tokens_are_401_with_the_reason(  # type: ignore[no-untyped-def]
    make_world, idp, caplog, case, message
):
    world = make_world()
    now_ok = idp.token(preferred_username="ana")
    if case == "wrong audience":
        token = idp.token(preferred_username="ana", aud="someone-else")
    elif case == "expired":
        token = idp.token(preferred_username="ana", lifetime_s=-3600)
    elif case == "wrong issuer":
        token = idp.token(preferred_username="ana", iss="https://evil.example.com")
    elif case == "tampered signature":
        head, body, sig = now_ok.split(".")
        token = f"{head}.{body}.{sig[:-6]}{'AAAAAA' if sig[-6:] != 'AAAAAA' else 'BBBBBB'}"
    elif case == "unknown kid":
        token = idp.token(preferred_username="ana", kid="made-up", key=idp.keys[idp.kid])
    elif case == "not yet valid":
        token = idp.token(preferred_username="ana", nbf=int(time.time()) + 3600)
    elif case == "HS256":
        import jwt

        body = {"iss": idp.issuer, "aud": AUDIENCE, "exp": 2**31, "preferred_username": "ana"}
        token = jwt.encode(body, "s" * 32, algorithm="HS256", headers={"kid": idp.kid})
    elif case == "ES256 signature on an RSA key":
        other = FakeIdp()
        other.rotate(algorithm="ES256")
        token = idp.token(preferred_username="ana", key=other.keys[other.kid])
    else:
        token = "abc.def.ghi"
    caplog.set_level(logging.DEBUG)
    resp = world.me(token)
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"]["code"] == "unauthenticated"
    assert message in resp.json()["error"]["message"]
    assert token not in resp.text
    assert token not in caplog.text
    assert "ana" not in {u.name for u in world.admin.users.list()}  # nobody was created


def test_sdk_raises_unauthenticated_for_an_expired_token(make_world, idp):  # type: ignore[no-untyped-def]
    world = make_world()
    with pytest.raises(UnauthenticatedError, match="expired"):
        world.client(idp.token(preferred_username="ana", lifetime_s=-3600)).users.me()


def test_key_rotation_is_picked_up_and_withdrawn_keys_stop_working(make_world, idp):  # type: ignore[no-untyped-def]
    world = make_world()
    old = idp.token(preferred_username="ana")
    assert world.me(old).status_code == 200
    idp.rotate()
    new = idp.token(preferred_username="ana")
    world.clock.advance(REFETCH_MIN_S + 1)
    assert world.me(new).status_code == 200
    assert idp.jwks_fetches == 2
    refused = world.me(old)  # its key is withdrawn; no refetch within REFETCH_MIN_S
    assert refused.status_code == 401
    assert "unknown kid" in refused.json()["error"]["message"]
    assert idp.jwks_fetches == 2


def test_unknown_kids_refetch_at_most_once_per_interval(make_world, idp):  # type: ignore[no-untyped-def]
    world = make_world()
    assert world.me(idp.token(preferred_username="ana")).status_code == 200
    key = idp.keys[idp.kid]
    for i in range(5):
        assert world.me(idp.token(kid=f"bogus-{i}", key=key)).status_code == 401
    assert idp.jwks_fetches == 1


def test_es256_keys_and_an_explicit_jwks_uri(make_world, idp):  # type: ignore[no-untyped-def]
    idp.rotate(algorithm="ES256")
    world = make_world(jwks_uri=idp.issuer + "/jwks")
    resp = world.me(idp.token(preferred_username="ana"))
    assert resp.status_code == 200, resp.text


def test_disabled_and_not_auto_created_users_are_refused(make_world, idp):  # type: ignore[no-untyped-def]
    world = make_world(auto_create_users=False)
    token = idp.token(preferred_username="ana")
    refused = world.me(token)
    assert refused.status_code == 401
    assert "basalt user create ana" in refused.json()["error"]["message"]
    world.admin.users.create("ana")
    assert world.me(token).json()["name"] == "ana"
    world.admin.users.disable("ana")
    disabled = world.me(token)
    assert disabled.status_code == 401
    assert "disabled" in disabled.json()["error"]["message"]


def test_oidc_user_gets_an_api_token_and_the_audit_log_names_them(make_world, idp):  # type: ignore[no-untyped-def]
    world = make_world()
    token = idp.token(preferred_username="ana")
    ana = world.client(token)
    created = ana.tokens.create("laptop")
    api_token = created.secret.get_secret_value()
    assert world.client(api_token).users.me().name == "ana"
    refused = world.http.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403  # not an administrator
    world.app.state.audit_writer.flush()
    logged = world.services.audit.list(AuditQuery()).items
    assert any(e.principal == "ana" and e.operation == "tokens.create" for e in logged)
    assert all(token not in e.model_dump_json() for e in logged)


def test_without_oidc_a_jwt_is_an_unknown_token(settings, idp):  # type: ignore[no-untyped-def]
    assert not settings.server.oidc.enabled
    with (
        Services(settings) as services,
        TestClient(create_app(settings, services=services)) as http,
    ):
        resp = http.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {idp.token(preferred_username='ana')}"}
        )
    assert resp.status_code == 401
    assert "Unknown API token" in resp.json()["error"]["message"]
    assert idp.jwks_fetches == 0


def test_unreachable_provider_is_503_not_500(make_world, idp):  # type: ignore[no-untyped-def]
    world = make_world(jwks_uri="http://127.0.0.1:9/jwks", timeout_s=2)
    resp = world.me(idp.token(preferred_username="ana"))
    assert resp.status_code == 503
    assert "Could not fetch http://127.0.0.1:9/jwks" in resp.json()["error"]["message"]


def test_issuer_without_audience_is_refused_at_startup(settings):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgumentError, match="server.oidc.audience"):
        Services(_with_oidc(settings, issuer="https://idp.example.com"))


def test_settings_come_from_basalt_env_vars(monkeypatch, workspace_dir):  # type: ignore[no-untyped-def]
    from basalt.config import load_settings

    monkeypatch.setenv("BASALT_SERVER__OIDC__ISSUER", "https://idp.example.com/realms/ml")
    monkeypatch.setenv("BASALT_SERVER__OIDC__AUDIENCE", "basalt")
    monkeypatch.setenv("BASALT_SERVER__OIDC__AUTO_CREATE_USERS", "false")
    oidc = load_settings(workspace_dir).server.oidc
    assert oidc.enabled
    assert (oidc.issuer, oidc.audience, oidc.auto_create_users) == (
        "https://idp.example.com/realms/ml",
        "basalt",
        False,
    )
    assert oidc.user_claim is None  # preferred_username, email, sub


def test_not_found_is_still_not_found_for_oidc_users(make_world, idp):  # type: ignore[no-untyped-def]
    world = make_world()
    ana = world.client(idp.token(preferred_username="ana"))
    world.admin.workspaces.create("secret-ws")
    with pytest.raises(NotFoundError):
        ana.workspaces.get("secret-ws")


def test_server_workers_rebuild_the_oidc_settings(settings, monkeypatch, workspace_dir):  # type: ignore[no-untyped-def]
    from basalt.cli.server import _worker_env
    from basalt.config import load_settings

    wanted = _with_oidc(
        settings,
        issuer="https://idp.example.com",
        audience="basalt",
        user_claim="email",
        auto_create_users=False,
    )
    for name, value in _worker_env(wanted, 5280).items():
        monkeypatch.setenv(name, value)
    assert load_settings(workspace_dir).server.oidc == wanted.server.oidc
