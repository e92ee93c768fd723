"""Users, tokens and sign-in through the app with token authentication on."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from basalt._internal.clock import FakeClock
from basalt.client.client import Client
from basalt.client.transports.http import HttpTransport
from basalt.errors import (
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
    UnauthenticatedError,
)
from basalt.spec import operations as ops
from basalt.spec.auth import LOCAL, Role
from basalt.spec.experiments import ExperimentCreate
from basalt.spec.workspaces import WorkspaceCreate


@pytest.fixture
def setup(services, auth_app, settings):  # type: ignore[no-untyped-def]
    """A FakeClock, a fast password hasher, the admin's SDK client and a raw HTTP client."""
    clock = FakeClock()
    services.identity.clock = clock
    services.identity._hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    token = services.identity.ensure_admin().secret.get_secret_value()
    with TestClient(auth_app) as http:

        def client(secret: str | None) -> Client:
            # NOTE: a TestClient each: the transport sets its token on the httpx client.
            own = TestClient(auth_app)
            return Client(settings=settings, transport=HttpTransport("x", token=secret, http=own))

        yield {"clock": clock, "http": http, "client": client, "admin": client(token)}


def test_first_admin_once_and_token_shape(services, setup):  # type: ignore[no-untyped-def]
    assert services.identity.ensure_admin() is None
    created = setup["admin"].tokens.create("laptop")
    secret = created.secret.get_secret_value()
    assert re.fullmatch(r"bas_[A-Za-z0-9_-]{43}", secret)
    assert created.id.startswith("tok_")
    assert secret.startswith(created.prefix)
    assert secret not in repr(created)
    listed = setup["admin"].tokens.list()
    assert {t.name for t in listed} == {"initial", "laptop"}
    assert setup["client"](secret).users.me().name == "admin"


def test_password_login_and_rate_limit(setup):  # type: ignore[no-untyped-def]
    admin, http = setup["admin"], setup["http"]
    admin.users.create("ana", password="correct horse")
    resp = http.post("/api/v1/login", json={"user": "ana", "password": "correct horse"})
    assert resp.status_code == 200
    ana = setup["client"](resp.json()["secret"])
    assert ana.users.me().name == "ana"
    for _ in range(5):
        bad = http.post("/api/v1/login", json={"user": "ana", "password": "wrong"})
        assert bad.status_code == 401
    limited = http.post("/api/v1/login", json={"user": "ana", "password": "correct horse"})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "too_many_requests"
    setup["clock"].advance(301)
    again = http.post("/api/v1/login", json={"user": "ana", "password": "correct horse"})
    assert again.status_code == 200


def test_basic_auth_with_password_or_token(setup):  # type: ignore[no-untyped-def]
    admin, http = setup["admin"], setup["http"]
    admin.users.create("bo", password="pw-of-bo")
    assert http.get("/api/v1/me", auth=("bo", "pw-of-bo")).json()["name"] == "bo"
    assert http.get("/api/v1/me", auth=("bo", "nope")).status_code == 401
    secret = admin.tokens.create("t").secret.get_secret_value()
    assert http.get("/api/v1/me", auth=("anyone", secret)).json()["name"] == "admin"


def test_expired_revoked_and_disabled_are_401(setup):  # type: ignore[no-untyped-def]
    admin, client = setup["admin"], setup["client"]
    short = admin.tokens.create("short", expires_in_days=1)
    gone = admin.tokens.create("gone")
    admin.users.create("cy")
    assert client(short.secret.get_secret_value()).users.me().name == "admin"
    admin.tokens.revoke(gone.id)
    with pytest.raises(UnauthenticatedError, match="revoked"):
        client(gone.secret.get_secret_value()).users.me()
    setup["clock"].advance(2 * 86400)
    with pytest.raises(UnauthenticatedError, match="expired"):
        client(short.secret.get_secret_value()).users.me()
    with pytest.raises(UnauthenticatedError, match="Unknown"):
        client("bas_" + "x" * 43).users.me()


def test_disabled_user_and_last_used(services, setup):  # type: ignore[no-untyped-def]
    from basalt.spec.auth import Principal, TokenCreate

    admin, client = setup["admin"], setup["client"]
    admin.users.create("dee")
    secret = services.identity.create_token(Principal("dee"), TokenCreate(name="t"))
    dee = client(secret.secret.get_secret_value())
    dee.users.me()
    first = next(t for t in dee.tokens.list()).last_used_at
    setup["clock"].advance(30)
    dee.users.me()
    assert next(t for t in dee.tokens.list()).last_used_at == first
    setup["clock"].advance(61)
    dee.users.me()
    assert next(t for t in dee.tokens.list()).last_used_at != first
    with pytest.raises(NotFoundError):
        dee.tokens.revoke(admin.tokens.list()[0].id)  # not hers: as if it did not exist
    admin.users.disable("dee")
    with pytest.raises(UnauthenticatedError, match="disabled"):
        dee.users.me()
    admin.users.enable("dee")
    assert dee.users.me().name == "dee"


def test_service_token_is_confined_to_its_workspace_and_role(services, setup):  # type: ignore[no-untyped-def]
    admin, client = setup["admin"], setup["client"]
    admin.workspaces.create("a")
    admin.workspaces.create("b")
    ci = admin.tokens.create("ci", workspace="a", role="Contributor")
    assert ci.kind == "service"
    assert ci.workspace == "a"
    assert ci.role == Role.CONTRIBUTOR
    bot = client(ci.secret.get_secret_value())
    assert [w.name for w in bot.workspaces.list()] == ["a"]
    in_a = bot.settings.model_copy(update={"workspace_name": "a"})
    bot_a = Client(settings=in_a, transport=bot.transport)
    bot_a.experiments.create("from-ci")
    with pytest.raises(NotFoundError):
        bot.workspaces.get("b")
    with pytest.raises(PermissionDeniedError, match="Owner"):
        bot.workspaces.add_member("a", "admin", "Reader")
    with pytest.raises(PermissionDeniedError):
        bot.users.list()
    with pytest.raises(PermissionDeniedError):
        bot.tokens.create("more")
    reader = admin.tokens.create("ro", workspace="a", role="Reader")
    ro = client(reader.secret.get_secret_value())
    with pytest.raises(PermissionDeniedError, match="Contributor"):
        ro.transport.call(
            ops.EXPERIMENTS_CREATE, {"workspace": "a"}, body=ExperimentCreate(name="n")
        )


def test_owner_creates_service_tokens_members_and_keeps_an_owner(services, setup):  # type: ignore[no-untyped-def]
    from basalt.spec.auth import Principal, TokenCreate

    admin, client = setup["admin"], setup["client"]
    admin.users.create("olga")
    admin.users.create("pat")
    services.workspaces.create_workspace(WorkspaceCreate(name="team"), owner="olga")
    olga = client(
        services.identity.create_token(
            Principal("olga"), TokenCreate(name="t")
        ).secret.get_secret_value()
    )
    pat = client(
        services.identity.create_token(
            Principal("pat"), TokenCreate(name="t")
        ).secret.get_secret_value()
    )
    assert [(m.user, m.role) for m in olga.workspaces.members("team")] == [("olga", Role.OWNER)]
    olga.workspaces.add_member("team", "pat", "Contributor")
    assert olga.tokens.create("svc", workspace="team", role="Reader").workspace == "team"
    with pytest.raises(PermissionDeniedError, match="Owners"):
        pat.tokens.create("svc", workspace="team", role="Reader")
    with pytest.raises(PermissionDeniedError, match="Owner"):
        pat.workspaces.add_member("team", "pat", "Owner")
    with pytest.raises(Exception, match="at least one Owner"):
        olga.workspaces.remove_member("team", "olga")
    olga.workspaces.remove_member("team", "pat")
    with pytest.raises(NotFoundError):
        pat.workspaces.get("team")
    with pytest.raises(PermissionDeniedError):
        olga.workspaces.create("mine")  # only administrators create workspaces


def test_rate_limit_per_address(services):  # type: ignore[no-untyped-def]
    identity = services.identity
    identity.clock = FakeClock()
    for i in range(5):
        with pytest.raises(UnauthenticatedError):
            identity.authenticate_password(f"ghost{i}", "x", "10.0.0.9")
    with pytest.raises(TooManyRequestsError):
        identity.authenticate_password("someone", "x", "10.0.0.9")
    with pytest.raises(UnauthenticatedError):
        identity.authenticate_password("someone", "x", "10.0.0.10")


def test_embedded_mode_has_no_users(client):  # type: ignore[no-untyped-def]
    if client.settings.url or not hasattr(client.transport, "services"):
        pytest.skip("in-process only")
    from basalt.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="basalt server start"):
        client.users.list()
    assert client.users.me().name == LOCAL.name


def test_an_unknown_name_costs_a_password_check_too(services):  # type: ignore[no-untyped-def]
    """The answer's timing must not tell which user names exist: both paths run argon2."""
    from basalt.errors import UnauthenticatedError
    from basalt.spec.auth import UserCreate

    identity = services.identity
    identity.create_user(
        UserCreate.model_validate({"name": "alice", "password": "correct horse 1"})
    )
    checks: list[str] = []
    real = identity._hasher

    class Counting:  # the real hasher, counting its verifications
        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(real, name)

        def verify(self, pw_hash, password):  # type: ignore[no-untyped-def]
            checks.append(password)
            return real.verify(pw_hash, password)

    identity._hasher = Counting()
    for user in ("alice", "nobody"):
        with pytest.raises(UnauthenticatedError):
            identity.authenticate_password(user, "wrong password", "10.0.0.1")
    assert checks == ["wrong password", "wrong password"]
