"""The real ``mlflow`` client against a server with token authentication on.

MLflow sends ``MLFLOW_TRACKING_TOKEN`` as a Bearer token and ``MLFLOW_TRACKING_USERNAME`` /
``MLFLOW_TRACKING_PASSWORD`` as Basic credentials; Basalt accepts a token or the user's
password as the Basic password.
"""

from __future__ import annotations

from typing import Any

import pytest

from basalt.spec.auth import LOCAL, Role, UserCreate


@pytest.fixture
def mlflow_auth(auth_basalt_server, mlflow_env, monkeypatch):  # type: ignore[no-untyped-def]
    import mlflow

    mlflow.set_tracking_uri(auth_basalt_server.url)
    try:
        yield mlflow
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_tracking_uri(None)


def _log_a_run(mlflow: Any, experiment: str) -> str:
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_param("lr", 0.1)
        mlflow.log_metric("loss", 0.5)
    return str(run.info.run_id)


def test_no_credentials_is_unauthenticated(mlflow_auth):  # type: ignore[no-untyped-def]
    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException, match="UNAUTHENTICATED|401|API token"):
        mlflow_auth.MlflowClient().search_experiments()


def test_tracking_token(mlflow_auth, auth_basalt_server, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", auth_basalt_server.admin_token)
    run_id = _log_a_run(mlflow_auth, "with-token")
    got = mlflow_auth.MlflowClient().get_run(run_id)
    assert got.data.metrics == {"loss": 0.5}


def test_username_and_password_or_token(mlflow_auth, auth_basalt_server, monkeypatch):  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher
    from mlflow.exceptions import MlflowException

    services = auth_basalt_server.services
    services.identity._hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    services.identity.create_user(UserCreate(name="ana", password="ana-password"))
    services.access.add_member(LOCAL, "default", "ana", Role.CONTRIBUTOR)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ana")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "ana-password")
    assert _log_a_run(mlflow_auth, "with-password")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", auth_basalt_server.admin_token)
    assert _log_a_run(mlflow_auth, "with-token-as-password")
    services.access.add_member(LOCAL, "default", "ana", Role.READER)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "ana-password")
    assert mlflow_auth.MlflowClient().search_experiments()
    with pytest.raises(MlflowException, match="PERMISSION_DENIED|Contributor"):
        mlflow_auth.MlflowClient().create_experiment("readers-cannot")
